"""Pure tests of the ZIP reader and the JSONL corpus reader: no database."""

from __future__ import annotations

import functools
import io
import json
import zipfile

import pytest

from annotator.formats.archive import ArchiveError, Member, zip_members
from annotator.formats.jsonl import CorpusLine, CorpusSpan, read_jsonl

MB = 1_000_000
GENEROUS = {"max_files": 100, "max_total_bytes": 10 * MB, "max_file_bytes": 5 * MB}


def make_zip(
    *entries: tuple[str | zipfile.ZipInfo, bytes],
    compression: int = zipfile.ZIP_DEFLATED,
    encrypted: tuple[str, ...] = (),
    declared_sizes: dict[str, int] | None = None,
) -> bytes:
    """A ZIP of ``entries`` in order; names in ``encrypted`` get the encryption flag bit.

    ``zipfile`` cannot encrypt, and it resets ``flag_bits`` when it writes a member, so the
    bit (and any lying ``declared_sizes``) is set on the member's info before the central
    directory, which is what readers consult, is written on close.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        for name in encrypted:
            archive.getinfo(name).flag_bits |= 0x1
        for name, size in (declared_sizes or {}).items():
            archive.getinfo(name).file_size = size
    return buffer.getvalue()


@functools.cache
def zeros_bomb() -> bytes:
    """50 MB of zeros, deflated into a ZIP of about 50 KB, beside a small honest file."""
    return make_zip(("readme.txt", b"harmless"), ("zeros.txt", bytes(50 * MB)))


def by_name(members: list[Member]) -> dict[str, Member]:
    return {member.name: member for member in members}


# --- zip_members ----------------------------------------------------------------------


def test_zip_members_reads_every_file_in_archive_order():
    data = make_zip(("b.txt", b"second letter"), ("a.txt", b"first letter"), ("c/d.md", b"# D"))
    members = zip_members(data, **GENEROUS)
    assert [(m.name, m.data, m.error) for m in members] == [
        ("b.txt", b"second letter", ""),
        ("a.txt", b"first letter", ""),
        ("c/d.md", b"# D", ""),
    ], "members must come back in archive order (not sorted), with their bytes"


def test_zip_members_works_with_stored_members_too():
    data = make_zip(("plain.txt", b"stored, not deflated"), compression=zipfile.ZIP_STORED)
    assert zip_members(data, **GENEROUS) == [Member("plain.txt", b"stored, not deflated")]


def test_zip_members_skips_macosx_resource_forks_and_directories():
    data = make_zip(
        ("folder/", b""),
        ("folder/kept.txt", b"kept"),
        ("__MACOSX/", b""),
        ("__MACOSX/folder/._kept.txt", b"\x00\x05\x16\x07 resource fork"),
        ("folder/._kept.txt", b"\x00\x05\x16\x07 AppleDouble"),
        ("other.txt", b"also kept"),
    )
    names = [member.name for member in zip_members(data, **GENEROUS)]
    assert names == ["folder/kept.txt", "other.txt"], (
        f"directories, __MACOSX and ._ files must be skipped silently, got {names}"
    )


def test_zip_with_only_skipped_entries_has_no_members():
    data = make_zip(("empty-folder/", b""), ("__MACOSX/._x", b"fork"))
    assert zip_members(data, **GENEROUS) == []


@pytest.mark.parametrize(
    "evil_name",
    ["../evil.txt", "a/../../evil.txt", "/abs.txt", "C:\\x.txt", "c:/windows/x.txt", "..\\x.txt"],
)
def test_a_member_whose_path_escapes_is_refused_by_name_and_the_others_are_read(evil_name):
    data = make_zip(
        ("before.txt", b"before"),
        (zipfile.ZipInfo(evil_name), b"payload"),
        ("after.txt", b"after"),
    )
    members = zip_members(data, **GENEROUS)
    assert [member.name for member in members] == ["before.txt", evil_name, "after.txt"]
    evil = members[1]
    assert evil.data is None, f"{evil_name!r} escapes the archive but its bytes were read"
    assert "outside" in evil.error, f"unclear reason for {evil_name!r}: {evil.error!r}"
    assert members[0].data == b"before"
    assert members[2].data == b"after"


def test_an_encrypted_member_is_refused_and_the_others_are_read():
    data = make_zip(("secret.txt", b"locked"), ("open.txt", b"open"), encrypted=("secret.txt",))
    members = by_name(zip_members(data, **GENEROUS))
    assert members["secret.txt"].data is None, "an encrypted member must not be read"
    assert "encrypted" in members["secret.txt"].error
    assert "password" in members["secret.txt"].error
    assert members["open.txt"].data == b"open"


def test_a_zip_inside_the_zip_is_refused_and_not_opened():
    inner = make_zip(("inner.txt", b"inside"))
    data = make_zip(("nested.ZIP", inner), ("outer.txt", b"outside"))
    members = by_name(zip_members(data, **GENEROUS))
    assert members["nested.ZIP"].data is None, "a nested archive must not be read"
    assert "archive inside an archive" in members["nested.ZIP"].error
    assert "inner.txt" not in members, "the nested archive must not be expanded"
    assert members["outer.txt"].data == b"outside"


def test_more_files_than_allowed_refuses_the_whole_archive():
    data = make_zip(*((f"f{i}.txt", b"x") for i in range(6)))
    with pytest.raises(ArchiveError, match=r"holds 6 files; at most 5"):
        zip_members(data, max_files=5, max_total_bytes=MB, max_file_bytes=MB)


def test_exactly_the_allowed_number_of_files_is_fine_and_skipped_entries_do_not_count():
    data = make_zip(
        *((f"f{i}.txt", b"x") for i in range(5)), ("dir/", b""), ("__MACOSX/._f0.txt", b"")
    )
    members = zip_members(data, max_files=5, max_total_bytes=MB, max_file_bytes=MB)
    assert len(members) == 5


def test_a_zip_bomb_is_refused_as_a_whole_with_a_size_in_mb():
    data = zeros_bomb()
    assert len(data) < MB, "the bomb should be small on disk for the test to mean anything"
    with pytest.raises(ArchiveError, match="MB") as caught:
        zip_members(data, max_files=10, max_total_bytes=10 * MB, max_file_bytes=100 * MB)
    assert "10 MB" in str(caught.value), f"the limit should be named: {caught.value}"


def test_many_honest_members_that_together_inflate_beyond_the_total_are_refused():
    data = make_zip(*((f"part{i}.txt", bytes(4 * MB)) for i in range(3)))
    with pytest.raises(ArchiveError, match="MB"):
        zip_members(data, max_files=10, max_total_bytes=10 * MB, max_file_bytes=5 * MB)


def test_a_member_over_the_file_limit_is_refused_while_the_total_is_fine():
    data = make_zip(("small.txt", b"small"), ("big.txt", bytes(2 * MB)), ("tail.txt", b"tail"))
    members = by_name(
        zip_members(data, max_files=10, max_total_bytes=10 * MB, max_file_bytes=1 * MB)
    )
    assert members["big.txt"].data is None, "a member over max_file_bytes must not be read"
    assert "1 MB" in members["big.txt"].error, members["big.txt"].error
    assert members["small.txt"].data == b"small"
    assert members["tail.txt"].data == b"tail"


def test_declared_sizes_that_lie_do_not_let_a_bomb_through():
    # The central directory claims 10 bytes for 50 MB of zeros, so the declared total passes
    # the limit: what is actually inflated must be bounded, and the lie must be noticed.
    data = make_zip(
        ("honest.txt", b"honest"), ("liar.txt", bytes(50 * MB)), declared_sizes={"liar.txt": 10}
    )
    members = by_name(
        zip_members(data, max_files=10, max_total_bytes=10 * MB, max_file_bytes=20 * MB)
    )
    liar = members["liar.txt"]
    assert liar.data is None, (
        f"a member declaring 10 bytes came back with {len(liar.data or b''):,} bytes; "
        "its size and CRC do not match, so it must be refused"
    )
    assert "could not be read" in liar.error, liar.error
    assert members["honest.txt"].data == b"honest"


@pytest.mark.parametrize(
    "data",
    [b"", b"plain text, not an archive", b"PK\x03\x04 truncated", b"%PDF-1.7\n"],
    ids=["empty", "text", "truncated", "pdf"],
)
def test_bytes_that_are_not_a_zip_raise_archive_error(data):
    with pytest.raises(ArchiveError, match="not a readable ZIP"):
        zip_members(data, **GENEROUS)


def test_archive_error_is_a_value_error_so_callers_may_catch_either():
    assert issubclass(ArchiveError, ValueError)


# --- read_jsonl -------------------------------------------------------------------------


def jsonl(*records: object) -> bytes:
    """JSONL bytes: dicts and lists as JSON (non-ASCII kept), strings as they are."""
    return b"\n".join(
        (record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)).encode()
        for record in records
    )


def only_with(data: bytes, **options: str) -> CorpusLine:
    lines = list(read_jsonl(data, **options))
    assert len(lines) == 1, f"expected one line, got {lines}"
    return lines[0]


def only(data: bytes) -> CorpusLine:
    lines = list(read_jsonl(data))
    assert len(lines) == 1, f"expected one line, got {lines}"
    return lines[0]


def test_doccano_label_form():
    line = only(jsonl({"text": "Tursun was detained in Ghulja.", "label": [[0, 6, "PER"]]}))
    assert line.error == ""
    assert line.number == 1
    assert line.text == "Tursun was detained in Ghulja."
    assert line.spans == (CorpusSpan(0, 6, "PER"),)
    assert "label" not in line.metadata, "spans must not be kept again as metadata"


def test_doccano_entities_form():
    record = {
        "text": "Held in Ghulja camp.",
        "entities": [
            {"id": 7, "start_offset": 8, "end_offset": 14, "label": "LOC"},
            {"id": 8, "start_offset": 0, "end_offset": 4, "label": " detention "},
        ],
    }
    line = only(jsonl(record))
    assert line.error == ""
    assert line.spans == (CorpusSpan(8, 14, "LOC"), CorpusSpan(0, 4, "detention")), (
        "entity spans must keep their order and have their category stripped"
    )


def own_span_record(label):
    return {
        "text": "They took my brother.",
        "spans": [
            {
                "start": 5,
                "end": 9,
                "category": "detention",
                "quote": "took",
                "note": "verb of arrest",
                "layer": "gold",
                "reviewer": "amina",
                "evidence_status": "",
                "page": 2,
                "unknown": "dropped",
            }
        ],
        "label": label,
    }


def test_own_spans_form_with_quote_note_and_attributes_wins_over_the_label_it_wrote():
    line = only(jsonl(own_span_record([[5, 9, "detention"]])))
    assert line.error == ""
    assert line.spans == (
        CorpusSpan(
            5,
            9,
            "detention",
            quote="took",
            note="verb of arrest",
            attributes={"layer": "gold", "reviewer": "amina", "page": 2},
        ),
    ), "own spans win over the label they wrote; empty and unknown attributes are dropped"
    assert line.notes == ()


def test_a_label_edited_in_doccano_wins_over_the_stale_exported_spans():
    line = only(jsonl(own_span_record([[5, 12, "detention"], [13, 20, "person"]])))
    assert line.error == ""
    assert [(s.start, s.end, s.category) for s in line.spans] == [
        (5, 12, "detention"),
        (13, 20, "person"),
    ]
    assert line.notes[0] == (
        "edits made in doccano kept over the exported spans: 1 span added, 0 removed, 1 moved"
    ), line.notes
    removed = only(jsonl(own_span_record([[0, 4, "arrest"]])))
    assert [(s.start, s.end, s.category) for s in removed.spans] == [(0, 4, "arrest")]
    assert removed.notes[0].endswith("1 span added, 1 removed, 0 moved"), removed.notes
    # The export's label holds the gold layer's spans: an empty one here is doccano's edit.
    emptied = only(jsonl(own_span_record([])))
    assert emptied.spans == ()
    assert emptied.notes[0].endswith("0 spans added, 1 removed, 0 moved"), emptied.notes


def test_metadata_and_meta_are_merged_and_id_becomes_source_id():
    record = {
        "id": 42,
        "text": "A testimony.",
        "metadata": {"publisher": "NGO", "language": "en"},
        "meta": {"language": "en-GB", "interviewer": "R. K."},
        "title": "Testimony 42",
        "text_sha256": "ab" * 32,
        "source_sha256": "cd" * 32,
    }
    line = only(jsonl(record))
    assert line.error == ""
    assert line.metadata == {
        "publisher": "NGO",
        "language": "en-GB",
        "interviewer": "R. K.",
        "title": "Testimony 42",
        "source_id": 42,
    }
    assert line.text_sha256 == "ab" * 32
    assert line.spans == ()


def test_a_byte_order_mark_at_the_start_is_ignored():
    line = only(b"\xef\xbb\xbf" + jsonl({"text": "first"}))
    assert line.error == "", line.error
    assert line.text == "first"
    assert not line.raw.startswith(b"\xef\xbb\xbf"), "the BOM is not part of the line's bytes"


def test_crlf_line_endings_are_split_and_stripped():
    data = jsonl({"text": "one"}) + b"\r\n" + jsonl({"text": "two"}) + b"\r\n"
    lines = list(read_jsonl(data))
    assert [(line.number, line.text, line.error) for line in lines] == [
        (1, "one", ""),
        (2, "two", ""),
    ]
    assert all(not line.raw.endswith(b"\r") for line in lines), "raw must not keep the CR"


def test_blank_lines_are_skipped_but_still_counted_in_line_numbers():
    data = b"\n   \n" + jsonl({"text": "third"}) + b"\n\r\n\t\n" + jsonl({"text": "sixth"}) + b"\n"
    lines = list(read_jsonl(data))
    assert [(line.number, line.text) for line in lines] == [(3, "third"), (6, "sixth")]


def test_line_separators_inside_a_string_do_not_split_a_line():
    line = only(jsonl({"text": "before\u2028after\u0085end"}))
    assert line.error == ""
    assert line.text == "before\u2028after\u0085end"


def test_every_separator_str_splitlines_knows_stays_inside_its_json_line():
    separators = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    texts = [f"before{separator}after" for separator in separators]
    data = b"\r\n".join(json.dumps({"text": text}, ensure_ascii=False).encode() for text in texts)
    lines = list(read_jsonl(data))
    assert [line.error for line in lines] == [""] * len(texts)
    assert [line.text for line in lines] == texts, "one JSON line, one document"


def test_invalid_json_names_its_line_and_the_next_line_is_fine():
    data = jsonl({"text": "fine"}, '{"text": "broken",', {"text": "also fine"})
    lines = list(read_jsonl(data))
    assert [line.number for line in lines] == [1, 2, 3]
    assert lines[0].error == ""
    assert lines[2].error == ""
    assert lines[1].error.startswith("Line 2: "), lines[1].error
    assert "not valid JSON" in lines[1].error
    assert lines[1].raw == b'{"text": "broken",'
    assert lines[2].text == "also fine"


def test_a_line_that_is_not_utf8_is_refused():
    line = only(b'{"text": "caf\xe9"}')
    assert line.error.startswith("Line 1: ")
    assert "not UTF-8" in line.error


@pytest.mark.parametrize("record", ['["text", "x"]', '"text"', "42", "null"])
def test_a_line_that_is_not_an_object_is_refused(record):
    line = only(record.encode())
    assert "not a JSON object" in line.error, line.error


@pytest.mark.parametrize(
    "record",
    [{"title": "no text"}, {"text": ""}, {"text": "  \n "}, {"text": 12}, {"text": None}],
    ids=["missing", "empty", "blank", "number", "null"],
)
def test_a_line_without_text_is_refused(record):
    line = only(jsonl(record))
    assert 'no "text"' in line.error, line.error


def test_a_span_ending_beyond_the_text_is_refused_with_the_length():
    line = only(jsonl({"text": "short", "label": [[0, 3, "A"], [2, 6, "B"]]}))
    assert line.spans == (), "a line with a bad span is refused as a whole"
    assert "span 2 (2-6) ends beyond the text" in line.error, line.error
    assert "5 characters" in line.error


@pytest.mark.parametrize(
    ("start", "end"), [(3, 3), (4, 2), (-1, 2)], ids=["empty", "reversed", "negative"]
)
def test_an_empty_or_negative_span_is_refused(start, end):
    line = only(jsonl({"text": "some text", "label": [[start, end, "A"]]}))
    assert "empty or has a negative offset" in line.error, line.error


def test_a_quote_that_does_not_match_the_text_is_refused():
    record = {
        "text": "They took him.",
        "spans": [{"start": 5, "end": 9, "category": "x", "quote": "tok"}],
    }
    line = only(jsonl(record))
    assert "quotes 'tok' but the text there is 'took'" in line.error, line.error


@pytest.mark.parametrize(
    "offset",
    [1.0, "1", None, True, False, [1]],
    ids=["float", "str", "null", "true", "false", "list"],
)
def test_offsets_must_be_whole_numbers_and_not_booleans(offset):
    for record in (
        {"text": "abcdef", "label": [[offset, 3, "A"]]},
        {"text": "abcdef", "entities": [{"start_offset": 0, "end_offset": offset, "label": "A"}]},
        {"text": "abcdef", "spans": [{"start": offset, "end": 3, "category": "A"}]},
    ):
        line = only(jsonl(record))
        assert "not a whole number" in line.error, f"{offset!r} accepted as an offset in {record}"


def test_spans_with_a_malformed_shape_are_refused():
    cases = {
        "spans not a list": ({"text": "abc", "spans": {"start": 0}}, '"spans" is not a list'),
        "label of two": ({"text": "abc", "label": [[0, 1]]}, 'label 1 is not [start, end, "'),
        "entity not object": ({"text": "abc", "entities": [[0, 1, "A"]]}, "entity 1 is not an"),
        "no category": ({"text": "abc", "spans": [{"start": 0, "end": 1}]}, "has no category"),
        "quote not text": (
            {"text": "abc", "spans": [{"start": 0, "end": 1, "category": "A", "quote": 5}]},
            "quote that is not text",
        ),
    }
    for case, (record, expected) in cases.items():
        line = only(jsonl(record))
        assert expected in line.error, f"{case}: {line.error!r}"


# "💩" (U+1F4A9) and "𠀋" (U+2000B, CJK Extension B) are one code point each but two UTF-16
# units; the Uyghur word is six Arabic-script letters.
EMOJI_TEXT = "💩𠀋 ئۇيغۇر تىلى"


def test_offsets_count_code_points_with_emoji_cjk_extension_b_and_uyghur():
    assert len(EMOJI_TEXT) == 14
    assert len(EMOJI_TEXT.encode("utf-16-le")) // 2 == 16
    record = {
        "text": EMOJI_TEXT,
        "spans": [
            {"start": 0, "end": 1, "category": "emoji", "quote": "💩"},
            {"start": 1, "end": 2, "category": "cjk", "quote": "𠀋"},
            {"start": 3, "end": 9, "category": "word", "quote": "ئۇيغۇر"},
            {"start": 10, "end": 14, "category": "word", "quote": "تىلى"},
        ],
    }
    line = only(jsonl(record))
    assert line.error == "", line.error
    assert [(span.start, span.end) for span in line.spans] == [(0, 1), (1, 2), (3, 9), (10, 14)]


def test_offsets_counted_in_utf16_units_are_placed_by_their_quote_or_read_as_doccanos():
    # The same Uyghur word at UTF-16 offsets (5-11): its quote says the unit.
    utf16 = {
        "text": EMOJI_TEXT,
        "spans": [{"start": 5, "end": 11, "category": "w", "quote": "ئۇيغۇر"}],
    }
    line = only(jsonl(utf16))
    assert line.error == "", line.error
    assert [(s.start, s.end, s.quote) for s in line.spans] == [(3, 9, "ئۇيغۇر")]
    assert (line.offset_unit, line.offset_unit_source) == ("utf-16", "the spans' quotes")
    # doccano's label carries no quote: its editor's UTF-16 units, unless told otherwise.
    doccano = {"text": EMOJI_TEXT, "label": [[12, 16, "w"]]}
    line = only(jsonl(doccano))
    assert [(s.start, s.end) for s in line.spans] == [(10, 14)]
    assert EMOJI_TEXT[10:14] == "تىلى"
    assert (line.offset_unit, line.offset_unit_source) == ("utf-16", "the format's default")
    told = only_with(jsonl(doccano), offset_unit="code-points")
    assert "ends beyond the text, which has 14 characters" in told.error
