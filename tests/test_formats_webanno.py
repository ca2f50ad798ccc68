"""WebAnno TSV 3 read back, built from its documented format (WebAnno's user guide, "WebAnno
TSV 3.3 File format"): sentences, UTF-16 offsets, stacked and multi-token annotations."""

from __future__ import annotations

from annotator.formats.webanno import is_webanno_tsv, read_webanno_tsv

HEADER = (
    "#FORMAT=WebAnno TSV 3.3\n"
    "#T_SP=de.tudarmstadt.ukp.dkpro.core.api.lexmorph.type.pos.POS|PosValue\n"
    "#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|identifier|value\n"
    "#T_SP=webanno.custom.Violation|category|certainty\n"
    "#T_RL=de.tudarmstadt.ukp.dkpro.core.api.syntax.type.dependency.Dependency|DependencyType|"
    "BT_de.tudarmstadt.ukp.dkpro.core.api.lexmorph.type.pos.POS\n\n\n"
)
# Offsets count UTF-16 units: 😊 and 𠀋 count two each (the guide's own example).
BODY = (
    "#Text=I like it 😊 .\n"
    "1-1\t0-1\tI\tPRP\t_\t_\t_\t_\t_\t_\n"
    "1-2\t2-6\tlike\tVB\t_\t_\t_\t_\t_\t_\n"
    "1-3\t7-9\tit\tPRP\t*\tPER\t_\t_\t_\t_\n"
    "1-4\t10-12\t😊\tX\t_\t_\t_\t_\t_\t_\n"
    "1-5\t13-14\t.\t.\t_\t_\t_\t_\t_\t_\n"
    "\n"
    "#Text=Ms. Haag 𠀋 was\n"
    "#Text=detained in لاگېرغا .\n"
    "2-1\t15-18\tMs.\tNNP\t*[1]|*\tPER[1]|PERpart\t_\t_\tSBJ\t2-2\n"
    "2-2\t19-23\tHaag\tNNP\t*[1]\tPER[1]\t_\t_\t_\t_\n"
    "2-3\t24-26\t𠀋\tNNP\t_\t_\t_\t_\t_\t_\n"
    "2-4\t27-30\twas\tV\t_\t_\tdetention[2]\tconfirmed[2]\t_\t_\n"
    "2-5\t31-39\tdetained\tV\t_\t_\tdetention[2]|torture\tconfirmed[2]|*\t_\t_\n"
    "2-6\t40-42\tin\tIN\t_\t_\t_\t_\t_\t_\n"
    "2-7\t43-50\tلاگېرغا\tNN\t*\tLOC\t_\t_\t_\t_\n"
    "2-8\t51-52\t.\t.\t_\t_\t_\t_\t_\t_\n"
)


def test_the_text_is_rebuilt_and_spans_are_exact_in_code_points():
    line = read_webanno_tsv((HEADER + BODY).encode(), name="doc.tsv")
    assert line.error == ""
    assert line.text == "I like it 😊 .\nMs. Haag 𠀋 was\ndetained in لاگېرغا ."
    spans = [(s.category, s.quote) for s in line.spans]
    assert spans == [
        ("PER", "it"),
        ("PERpart", "Ms."),
        ("PER", "Ms. Haag"),
        ("detention", "was\ndetained"),
        ("torture", "detained"),
        ("LOC", "لاگېرغا"),
    ]
    for span in line.spans:
        assert line.text[span.start : span.end] == span.quote
    violation = next(s for s in line.spans if s.category == "detention")
    assert violation.attributes == {
        "webanno_layer": "webanno.custom.Violation",
        "certainty": "confirmed",
    }
    assert line.offset_unit == "utf-16"
    assert "not imported: POS (13 cells), Dependency (2 cells)" in line.notes
    assert is_webanno_tsv((HEADER + BODY).encode())


def test_a_gap_between_sentences_is_filled_with_spaces_and_escapes_are_read():
    body = (
        "#Text=One\\ttab\n"
        "1-1\t0-3\tOne\t_\t_\t_\t_\t_\t_\t_\n"
        "1-2\t4-7\ttab\t_\t*\tX\\_Y\t_\t_\t_\t_\n"
        "\n"
        "#Text=Two\n"
        "2-1\t10-13\tTwo\t_\t*\tZ\t_\t_\t_\t_\n"
    )
    line = read_webanno_tsv((HEADER + body).encode(), name="gap.tsv")
    assert line.error == ""
    assert line.text == "One\ttab\n  Two"
    assert [(s.category, s.quote) for s in line.spans] == [("X_Y", "tab"), ("Z", "Two")]


def test_a_token_that_is_not_at_its_offsets_is_refused_naming_the_line():
    body = (
        "#Text=I like it\n1-1\t0-1\tI\t_\t_\t_\t_\t_\t_\t_\n1-2\t3-7\tlike\t_\t_\t_\t_\t_\t_\t_\n"
    )
    line = read_webanno_tsv((HEADER + body).encode(), name="bad.tsv")
    assert "bad.tsv, line 10: the token 'like' at 3-7 is not what the sentences' text" in (
        line.error
    )
    assert "not WebAnno TSV 3" in read_webanno_tsv(b"a\tb\n", name="x.tsv").error
    assert not is_webanno_tsv(b"a\tb\n")
    malformed = read_webanno_tsv((HEADER + "#Text=x\nnot a token\n").encode(), name="m.tsv")
    assert "m.tsv, line 9: 'not a token' is not a token line" in malformed.error
