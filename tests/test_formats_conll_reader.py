"""CoNLL-2003 / IOB files read back: tokens joined into a text, spans from their tags, built
from CoNLL-2003's documented layout and this product's own CoNLL export."""

from __future__ import annotations

import pytest

from annotator.formats.conll import conll_lines
from annotator.formats.conll_reader import STEPS, ConllError, looks_like_conll, read_conll
from annotator.formats.corpus import ExportDocument, ExportSpan

CONLL_2003 = """-DOCSTART- -X- -X- O

Police NN B-NP O
detained VBD B-VP B-detention
Tursun NNP B-NP I-detention
in IN B-PP O
Ghulja NNP B-NP B-place
. . O O

💩 X O O
𠀋 X O B-name
ئۇ X O B-person
لاگېرغا X O I-person
-DOCSTART- -X- -X- O

Second NN O I-event
document NN O I-event
"""


def test_tokens_are_joined_and_spans_come_from_their_tags():
    first, second = read_conll(CONLL_2003.encode())
    assert first.error == ""
    assert first.text == "Police detained Tursun in Ghulja .\n💩 𠀋 ئۇ لاگېرغا"
    assert [(s.category, s.quote) for s in first.spans] == [
        ("detention", "detained Tursun"),
        ("place", "Ghulja"),
        ("name", "𠀋"),
        ("person", "ئۇ لاگېرغا"),
    ]
    for span in first.spans:
        assert first.text[span.start : span.end] == span.quote
    offsets = first.metadata["token_offsets"]
    assert len(offsets) == 10
    assert [first.text[a:b] for a, b in offsets][:2] == ["Police", "detained"]
    assert first.metadata["conll_columns"] == 4
    assert first.steps == STEPS
    assert first.place == "document 1 (from line 2)"
    assert first.raw.startswith(b"-DOCSTART-")
    assert second.text == "Second document"
    assert [(s.category, s.quote) for s in second.spans] == [("event", "Second document")]
    assert "1 span began with I- (IOB1)" in second.notes


def test_bioes_tags_and_tab_separated_columns():
    data = b"A\tS-x\nB\tB-y\nC\tE-y\nD\tI-z\nE\tO\n"
    (line,) = read_conll(data)
    assert [(s.category, s.quote) for s in line.spans] == [("x", "A"), ("y", "B C"), ("z", "D")]


def test_a_line_without_a_tag_refuses_its_document_only():
    data = b"-DOCSTART- O\n\nGood O\n-DOCSTART- O\n\nno tag here\nFine O\n"
    good, bad = read_conll(data)
    assert good.error == ""
    assert bad.error == (
        "Document 2: line 6: 'no tag here' is not a token followed by its tag (O, B-…, I-…) in "
        "the last column."
    )
    with pytest.raises(ConllError, match="not UTF-8"):
        list(read_conll(b"caf\xe9 O\n"))


def test_conll_is_told_from_prose_by_its_lines():
    assert looks_like_conll(CONLL_2003.encode())
    assert not looks_like_conll(b"A report.\nIt says O.\nAnd then B-.\n")
    assert not looks_like_conll(b"one O\n")
    comments = "# sent_id = 1\n# text = x\nA O\nB B-x\nC I-x\n"
    assert looks_like_conll(comments.encode()) is False  # 3 of 5 lines tagged
    (line,) = read_conll(comments.encode())
    assert line.error == ""
    assert line.text == "A B C"


def test_this_products_conll_export_reads_back_its_tokens_and_spans():
    text = "Police detained Tursun in Ghulja. ئۇ لاگېرغا ئېلىپ كېتىلدى."
    spans = (
        ExportSpan(7, 22, "detention", text[7:22], "gold"),
        ExportSpan(26, 32, "place", text[26:32], "gold"),
    )
    exported = "".join(conll_lines([ExportDocument(1, "t", text, "h", "s", spans=spans)]))
    (line,) = read_conll(exported.encode())
    assert [(s.category, s.quote) for s in line.spans] == [
        ("detention", "detained Tursun"),
        ("place", "Ghulja"),
    ]
