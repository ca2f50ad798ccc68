"""spaCy exports of Chinese and Japanese: spans stay exact entities, not widened to whole runs."""

from __future__ import annotations

import pytest
import spacy

from annotator.formats.corpus import ExportDocument, ExportSpan
from annotator.formats.spacy_docbin import docbin_bytes, pipeline_language

CHINESE = "新疆再教育营中的拘留和强迫劳动被联合国报告记录𠀋。"
GOLD = ["新疆", "拘留", "强迫劳动", "联合国", "报告"]


def document(text: str, quotes: list[str], language: str) -> ExportDocument:
    spans = []
    for number, quote in enumerate(quotes):
        start = text.index(quote)
        spans.append(ExportSpan(start, start + len(quote), f"c{number}", quote, "gold"))
    return ExportDocument(1, "t", text, "h", "s", language=language, spans=tuple(spans))


def entities(data: bytes) -> list[tuple[int, int, str, str]]:
    from spacy.tokens import DocBin

    (doc,) = DocBin().from_bytes(data).get_docs(spacy.blank("xx").vocab)
    return [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "ja", "", "en"])
def test_five_chinese_spans_come_back_as_five_exact_entities(language):
    data, statistics = docbin_bytes([document(CHINESE, GOLD, language)])
    expected = sorted(
        (CHINESE.index(q), CHINESE.index(q) + len(q), f"c{n}", q) for n, q in enumerate(GOLD)
    )
    assert entities(data) == expected
    assert statistics["entities"] == 5
    assert statistics["expanded"] == 0


def test_japanese_kana_and_korean_get_the_character_level_fallback():
    japanese = "警察は新疆でトゥルスンを拘束した。"
    data, statistics = docbin_bytes([document(japanese, ["トゥルスン", "拘束"], "ja")])
    assert [e[3] for e in entities(data)] == ["トゥルスン", "拘束"]
    assert statistics["expanded"] == 0
    korean = "경찰이 투르순을 구금했다"
    data, statistics = docbin_bytes([document(korean, ["경찰", "투르순"], "ko")])
    assert [e[3] for e in entities(data)] == ["경찰", "투르순"]
    assert statistics["expanded"] == 0


def test_the_pipeline_is_the_languages_where_spacy_has_one_offline():
    assert pipeline_language("zh-Hant-TW") == "zh"
    assert pipeline_language("ja") == "xx"
    assert pipeline_language("ug-Arab") == "xx"
    assert pipeline_language("ko") == "xx-ko"
