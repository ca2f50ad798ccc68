"""brat standoff read back: text-bound annotations (discontinuous too), attributes, notes,
relations and events kept, annotation.conf's categories; files built from brat's standoff
documentation (brat.nlplab.org/standoff.html)."""

from __future__ import annotations

import pytest

from annotator.formats.brat import brat_files
from annotator.formats.brat_reader import (
    BratError,
    annotation_conf_categories,
    read_brat,
)
from annotator.formats.corpus import ExportCategory, ExportDocument, ExportSpan

# An emoji and CJK Extension B (one code point each in brat's Python), Uyghur right to left,
# a line break inside an annotation.
TEXT = "💩 Police detained\nTursun 𠀋 in Ghulja camp. ئۇ لاگېرغا ئېلىپ كېتىلدى. They beat him."


def at(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def t(number: int, kind: str, *quotes: str) -> str:
    fragments = ";".join("{} {}".format(*at(quote)) for quote in quotes)
    return f"T{number}\t{kind} {fragments}\t{' '.join(quotes)}"


ANN = "\n".join(
    [
        t(1, "detention", "detained"),
        t(2, "detention", ["Police detained", "Tursun"][0], "Tursun"),  # across a line
        t(3, "place", "لاگېرغا"),
        t(4, "torture", "beat", "him."),  # fragments with a word between? no: only a space
        t(5, "torture", "Police", "beat"),  # words between: kept as fragments
        t(6, "person", "Tursun 𠀋"),  # overlaps T2
        "A1\tEvidenceStatus T1 confirmed",
        "A2\tNegated T5",
        "A3\tCertainty E1 high",
        "#1\tAnnotatorNotes T1\tsaid by a witness",
        "#2\tReviewerNotes T3\tcheck the place",
        "R1\tLocated_in Arg1:T1 Arg2:T3",
        "E1\tAttack:T5 Victim:T6",
        "*\tEquiv T1 T2",
        "N1\tReference T3 GeoNames:1529102\tGhulja",
        "",
    ]
)


def read(ann: str = ANN, text: str = TEXT, **options):
    return read_brat(text.encode("utf-8"), ann.encode("utf-8"), name="doc.ann", **options)


def test_text_bound_annotations_become_exact_spans_in_code_points():
    line = read()
    assert line.error == ""
    assert line.text == TEXT
    for span in line.spans:
        assert TEXT[span.start : span.end] == span.quote
    by_id = {}
    for span in line.spans:
        by_id.setdefault(span.attributes["brat_id"], []).append(span)
    assert [s.quote for s in by_id["T1"]] == ["detained"]
    assert [s.quote for s in by_id["T2"]] == ["Police detained\nTursun"], (
        "fragments separated only by whitespace are the one span that covers them"
    )
    assert [s.quote for s in by_id["T4"]] == ["beat him."]
    assert [s.quote for s in by_id["T5"]] == ["Police", "beat"], "words between: fragments"
    assert [(s.attributes["fragment"], s.attributes["fragments"]) for s in by_id["T5"]] == [
        (1, 2),
        (2, 2),
    ]
    assert line.offset_unit == "code-points"
    assert any("kept as one span per fragment" in note for note in line.notes)


def test_attributes_notes_relations_and_events_are_kept_in_the_spans():
    spans = {span.attributes["brat_id"]: span for span in read().spans}
    assert spans["T1"].attributes["evidence_status"] == "confirmed"
    assert spans["T1"].note == "said by a witness"
    assert spans["T1"].attributes["relations"] == [
        {"id": "R1", "type": "Located_in", "arguments": {"Arg1": "T1", "Arg2": "T3"}}
    ]
    assert spans["T3"].attributes["relations"] == spans["T1"].attributes["relations"]
    assert spans["T1"].attributes["equivalences"] == [{"type": "Equiv", "members": ["T1", "T2"]}]
    assert spans["T3"].attributes["notes"] == [
        {"id": "#2", "type": "ReviewerNotes", "text": "check the place"}
    ]
    assert spans["T3"].attributes["normalizations"][0]["reference"] == "GeoNames:1529102"
    event = {
        "id": "E1",
        "type": "Attack",
        "trigger": "T5",
        "arguments": {"Victim": "T6"},
        "attributes": {"Certainty": "high"},
    }
    assert spans["T6"].attributes["events"] == [event]
    assert spans["T5"].attributes["brat_attributes"] == {"Negated": True}


def test_offsets_written_in_utf16_units_by_a_java_tool_are_found_by_the_text_column():
    def utf16(quote: str) -> str:
        start, end = at(quote)
        return "{} {}".format(
            len(TEXT[:start].encode("utf-16-le")) // 2, len(TEXT[:end].encode("utf-16-le")) // 2
        )

    ann = f"T1\tplace {utf16('Ghulja')}\tGhulja\nT2\tplace {utf16('لاگېرغا')}\tلاگېرغا\n"
    line = read(ann)
    assert line.error == ""
    assert [span.quote for span in line.spans] == ["Ghulja", "لاگېرغا"]
    assert line.offset_unit == "utf-16"


def test_a_bad_line_refuses_the_document_naming_the_line():
    cases = {
        "T1\tplace 0-5\tGhulja": "doc.ann, line 1: 'place 0-5' is not a type followed by offsets",
        "T1\tplace 3 9\tGhulia": "doc.ann: T1 (line 1) (3-9) quotes 'Ghulia' but the text",
        "T1\tplace 3 9;11 12\tGhulja": "doc.ann, line 1: the text of T1, 'Ghulja', is not what",
        "X1\tsomething": "doc.ann, line 1: 'X1\\tsomething' is not a brat annotation",
        f"{t(1, 'place', 'Ghulja')}\nA1\tNegated T7": "doc.ann, line 2: it refers to T7",
        f"{t(1, 'place', 'Ghulja')}\n{t(1, 'place', 'camp')}": "line 2: T1 is defined twice",
    }
    for ann, expected in cases.items():
        line = read(ann)
        assert expected in line.error, (ann, line.error)
        assert line.spans == ()
    assert "not UTF-8" in read_brat(b"caf\xe9", b"", name="x.ann").error


def test_this_products_brat_export_reads_back_exactly():
    text = "Police detained him\nin Ghulja 💩 camp. ئۇ لاگېرغا"

    def span(quote: str, category: str, **options) -> ExportSpan:
        start = text.index(quote)
        return ExportSpan(start, start + len(quote), category, quote, "gold", **options)

    spans = [
        span("detained him\nin", "detention", note="across\na line"),
        span("Ghulja", "place", attributes={"evidence_status": "likely"}),
        span("لاگېرغا", "place"),
        span("Police detained", "detention"),  # overlaps the first
    ]
    document = ExportDocument(1, "t", text, "h", "s", spans=tuple(spans))
    files = dict(brat_files([document], [ExportCategory("detention", "Detention")]))
    line = read_brat(files["000001.txt"], files["000001.ann"], name="000001.ann")
    assert line.error == ""
    assert sorted((s.start, s.end, s.category, s.quote) for s in line.spans) == sorted(
        (s.start, s.end, s.category, s.quote) for s in spans
    )
    notes = {s.quote: s.note for s in line.spans}
    assert notes["detained him\nin"] == "across a line", "brat's notes hold no line break"
    ghulja = next(s for s in line.spans if s.quote == "Ghulja")
    assert ghulja.attributes["evidence_status"] == "likely"
    categories = annotation_conf_categories(files["annotation.conf"])
    assert [c["code"] for c in categories] == ["detention", "place"]


def test_annotation_conf_gives_categories_nested_by_indentation():
    conf = (
        b"# a comment\n[entities]\ndetention\n\tenforced_disappearance\n\t\tincommunicado\n"
        b"!violence\n\ttorture\nplace\n\n[relations]\nLocated_in\tArg1:detention, Arg2:place\n"
        b"<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n[events]\nAttack\tVictim:"
        b"person\n[attributes]\nNegated\tArg:<EVENT>\n"
    )
    assert annotation_conf_categories(conf) == [
        {
            "code": "detention",
            "name": "detention",
            "children": [
                {
                    "code": "enforced_disappearance",
                    "name": "enforced disappearance",
                    "children": [{"code": "incommunicado", "name": "incommunicado"}],
                }
            ],
        },
        {
            "code": "violence",
            "name": "violence",
            "children": [{"code": "torture", "name": "torture"}],
        },
        {"code": "place", "name": "place"},
        {"code": "Attack", "name": "Attack"},
    ]
    with pytest.raises(BratError, match="declares no entity"):
        annotation_conf_categories(b"[relations]\n")
