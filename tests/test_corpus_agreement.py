"""Corpus agreement figures: what each statistic is computed on, checked by hand and against
the verified oracles of ``tests/oracles.py`` applied to the same data by hand."""

import csv
import io
import math
from collections import Counter

import numpy as np
import pytest

from annotator.agreement import unitizing_alpha
from annotator.corpus_agreement import (
    FEW_DOCUMENTS,
    FIGURE_COLUMNS,
    NO_CATEGORY,
    TOKEN,
    DocumentLayers,
    corpus_figures,
    figure_rows,
    matched_pairs,
    reading,
    tokens,
)
from annotator.formats.tabular import csv_lines
from tests.oracles import cohen_kappa, krippendorff_alpha

TEXT = "He was detained in 2017. She was beaten in custody."


def at(needle, text=TEXT, category="detention"):
    start = text.index(needle)
    return (start, start + len(needle), category)


def words(text, starts, ends):
    return [text[s:e] for s, e in zip(starts, ends, strict=True)]


def test_tokens_are_words_and_single_other_characters():
    starts, ends = tokens("He was detained, in 2017!")
    assert words("He was detained, in 2017!", starts, ends) == [
        "He", "was", "detained", ",", "in", "2017", "!",
    ]  # fmt: skip


def test_tokens_keep_combining_marks_and_astral_characters():
    text = "قولغا ئېلىنْدى 💩 𠀋x"  # an Arabic sukun (U+0652) inside a word, an emoji, CJK Ext. B
    starts, ends = tokens(text)
    assert words(text, starts, ends) == ["قولغا", "ئېلىنْدى", "💩", "𠀋x"]
    assert ends[-1] == len(text), "offsets must be code points"


def test_identical_layers_agree_perfectly():
    layers = {1: [at("detained"), at("beaten", category="torture")]}
    layers[2] = list(layers[1])
    figures = corpus_figures(
        [DocumentLayers(1, "a", TEXT, layers), DocumentLayers(2, "b", TEXT, layers)],
        n_resamples=50,
    )
    headline = figures["headline"]
    assert headline["unitizing_alpha"]["value"] == 1.0
    assert headline["token_alpha"]["value"] == 1.0
    assert headline["token_kappa"]["value"] == 1.0
    assert headline["f1_exact"]["value"] == headline["f1_overlap"]["value"] == 1.0
    assert headline["unitizing_alpha"]["low"] == 1.0, "every resample agrees perfectly too"


def test_one_document_figures_equal_the_verified_functions_on_the_same_data():
    a = [at("detained"), at("She was beaten", category="torture")]
    b = [at("was detained"), at("beaten", category="torture"), at("custody")]
    figures = corpus_figures([DocumentLayers(7, "t", TEXT, {1: a, 2: b})], n_resamples=10)

    units = [(s, e, 1, c) for s, e, c in a] + [(s, e, 2, c) for s, e, c in b]
    expected_u = unitizing_alpha(units, 0, len(TEXT))
    assert figures["headline"]["unitizing_alpha"]["value"] == pytest.approx(expected_u)
    per_category = {row["code"]: row["unitizing_alpha"] for row in figures["categories"]}
    assert per_category["torture"] == pytest.approx(
        unitizing_alpha(units, 0, len(TEXT), category="torture")
    )

    starts, ends = tokens(TEXT)

    def labels(spans):
        out = []
        for s, e in zip(starts, ends, strict=True):
            covering = sorted({c for cs, ce, c in spans if cs < e and s < ce})
            out.append("+".join(covering) or NO_CATEGORY)
        return out

    assert figures["headline"]["token_alpha"]["value"] == pytest.approx(
        krippendorff_alpha([labels(a), labels(b)], "nominal")
    )
    assert figures["pairs"][0]["kappa"] == pytest.approx(cohen_kappa(labels(a), labels(b)))
    assert figures["headline"]["token_kappa"]["value"] == pytest.approx(
        cohen_kappa(labels(a), labels(b))
    ), "with one pair, Light's kappa is that pair's kappa"
    assert figures["headline"]["unitizing_alpha"]["low"] is None, "one document: no interval"


def test_spans_of_several_categories_on_a_token_make_a_combined_value():
    a = [at("detained"), at("detained", category="torture")]
    b = [at("detained")]
    figures = corpus_figures([DocumentLayers(1, "t", TEXT, {1: a, 2: b})], n_resamples=10)
    assert "detention+torture" in figures["token_values"]


def test_span_f1_is_micro_averaged_over_documents_and_pairs():
    # Document 1: one exact match, one boundary difference. Document 2: one span each, apart.
    doc1 = {1: [at("detained"), at("beaten")], 2: [at("detained"), at("was beaten")]}
    doc2 = {1: [at("He")], 2: [at("custody")]}
    figures = corpus_figures(
        [DocumentLayers(1, "a", TEXT, doc1), DocumentLayers(2, "b", TEXT, doc2)], n_resamples=10
    )
    # exact: tp 1 of 3 + 3 spans → F1 = 2·1 / 6; overlap: 2 of 3 each way → 2/3.
    assert figures["headline"]["f1_exact"]["value"] == pytest.approx(1 / 3, abs=1e-6)
    assert figures["headline"]["f1_overlap"]["value"] == pytest.approx(2 / 3, abs=1e-6)
    assert figures["pairs"] == [
        {
            "a": 1,
            "b": 2,
            "documents": 2,
            "kappa": figures["pairs"][0]["kappa"],
            "f1_exact": pytest.approx(1 / 3, abs=1e-6),
            "f1_overlap": pytest.approx(2 / 3, abs=1e-6),
        }
    ]


def test_reviewers_against_gold_only_on_reconciled_documents():
    gold = [at("detained"), at("beaten", category="torture")]
    reconciled = DocumentLayers(
        1, "done", TEXT, {1: [at("detained")], 2: [at("beaten", category="torture")]}, gold
    )
    unfinished = DocumentLayers(2, "open", TEXT, {1: [at("He")], 2: [at("He")]}, None)
    figures = corpus_figures([reconciled, unfinished], categories=["detention", "torture"])
    assert figures["gold"]["documents"] == 1
    overall = {row["reviewer"]: row for row in figures["gold"]["rows"] if row["category"] == ""}
    assert overall[1]["precision"] == 1.0
    assert overall[1]["recall"] == 0.5, "reviewer 1 found one of two gold spans"
    assert overall[1]["reference_spans"] == 2, "the unfinished document's spans do not count"
    torture = {
        row["reviewer"]: row for row in figures["gold"]["rows"] if row["category"] == "torture"
    }
    assert torture[1]["recall"] == 0.0
    assert torture[1]["precision"] is None, "reviewer 1 marked no torture: precision undefined"
    assert torture[2]["f1"] == 1.0


def test_documents_with_fewer_than_two_layers_are_left_out():
    figures = corpus_figures([DocumentLayers(1, "alone", TEXT, {1: [at("detained")]})])
    assert figures["documents"] == 0
    assert figures["headline"]["unitizing_alpha"]["value"] is None
    assert figures["pairs"] == []


def test_a_reviewer_who_marked_nothing_disagrees():
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: [at("detained")], 2: []})], n_resamples=10
    )
    assert figures["headline"]["unitizing_alpha"]["value"] < 0.5
    assert figures["headline"]["f1_exact"]["value"] == 0.0


def test_bootstrap_interval_is_reproducible_and_contains_the_estimate():
    rng = np.random.default_rng(3)
    documents = []
    for pk in range(12):
        spans = {1: [], 2: []}
        for word in ("He", "detained", "2017", "beaten", "custody"):
            for reviewer in (1, 2):
                if rng.random() < 0.7:
                    spans[reviewer].append(at(word))
        documents.append(DocumentLayers(pk, str(pk), TEXT, spans))
    first = corpus_figures(documents, n_resamples=200, seed=5)
    again = corpus_figures(documents, n_resamples=200, seed=5)
    other = corpus_figures(documents, n_resamples=200, seed=6)
    estimate = first["headline"]["unitizing_alpha"]
    assert estimate == again["headline"]["unitizing_alpha"], "same seed, same interval"
    assert estimate != other["headline"]["unitizing_alpha"]
    assert estimate["low"] <= estimate["value"] <= estimate["high"]
    token = first["headline"]["token_alpha"]
    assert token["low"] <= token["value"] <= token["high"]


def test_categories_follow_the_taxonomy_then_the_rest():
    layers = {1: [at("beaten", category="zzz")], 2: [at("beaten", category="zzz")]}
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, layers)], categories=["torture", "detention"]
    )
    assert [row["code"] for row in figures["categories"]] == ["torture", "detention", "zzz"]
    unused = figures["categories"][0]
    assert unused["unitizing_alpha"] is None
    assert unused["spans"] == 0


def test_reading_of_alpha():
    assert reading(0.81) == "reliable"
    assert reading(0.8) == "reliable"
    assert reading(0.7) == "tentative"
    assert reading(0.5) == "unreliable"
    assert reading(None) == "undefined"
    assert reading(math.nan) == "undefined"


def test_figure_rows_cover_every_figure_and_stay_spreadsheet_safe():
    layers = {1: [at("detained")], 2: [at("detained"), at("beaten")]}
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, layers, [at("detained")])], n_resamples=10
    )
    documents = [{"id": 1, "title": "=HYPERLINK(1)", "agreement": 0.5, "open_items": 1}]
    text = "".join(
        csv_lines(
            FIGURE_COLUMNS, figure_rows(figures, names={1: "ana", 2: "ben"}, documents=documents)
        )
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    kinds = {row["figure"] for row in rows}
    assert {"unitizing_alpha", "token_alpha", "pair_kappa", "gold_f1"} <= kinds
    assert {"document_unitizing_alpha", "f1_overlap"} <= kinds
    document = next(row for row in rows if row["figure"] == "document_unitizing_alpha")
    assert document["document_title"] == "'=HYPERLINK(1)", "a formula must not reach a sheet"
    pair = next(row for row in rows if row["figure"] == "pair_kappa")
    assert (pair["reviewer_a"], pair["reviewer_b"]) == ("ana", "ben")


def test_a_span_over_spaces_alone_covers_no_token_and_leaves_others_intact():
    text = "one    two three"
    a = [(3, 7, "x"), (0, 13, "y")]  # the spaces between "one" and "two"; then three tokens
    b = [(0, 13, "y")]
    figures = corpus_figures([DocumentLayers(1, "t", text, {1: a, 2: b})], n_resamples=10)
    assert figures["headline"]["token_alpha"]["value"] is None, "every token is y for both"
    assert figures["token_values"] == [NO_CATEGORY, "y"]


def test_token_values_are_the_same_with_very_many_categories(monkeypatch):
    a = [at("detained"), at("detained", category="torture"), at("beaten", category="torture")]
    b = [at("was detained"), at("custody", category="torture")]
    documents = [DocumentLayers(1, "t", TEXT, {1: a, 2: b})]
    usual = corpus_figures(documents, n_resamples=10)
    monkeypatch.setattr("annotator.corpus_agreement.token_values.MASK_BITS", 1)  # the path for > 62
    many = corpus_figures(documents, n_resamples=10)
    assert sorted(many["token_values"]) == sorted(usual["token_values"])
    assert many["headline"]["token_alpha"] == usual["headline"]["token_alpha"]


def test_fast_tokens_equal_the_regular_expression():
    samples = [
        "",
        "  ",
        "a",
        "He was detained, in 2017!",
        "قولغا ئېلىنْدى، 💩 𠀋x 🇺🇳 ‏ (CRLF)\r\n_under_score x\u200dy",
        "é\u0301 naïve  --  «quoted» ‘it’s’ 1,000.5",
    ]
    for text in samples:
        starts, ends = tokens(text)
        expected = [match.span() for match in TOKEN.finditer(text)]
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == expected, repr(text)


# The category confusion matrix between reviewers


def cells(figures, matching="exact"):
    return {(c["a"], c["b"]): c["count"] for c in figures["confusion"][matching]["cells"]}


def test_confusion_counts_each_matched_pair_once_by_its_two_categories():
    # Reviewer 1 says torture where reviewer 2 says detention; both say detention on "detained";
    # reviewer 2's "custody" has no counterpart, so it is in no cell.
    a = [at("detained"), at("beaten", category="torture")]
    b = [at("detained"), at("beaten"), at("custody", category="torture")]
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: a, 2: b})],
        categories=["detention", "torture"],
        n_resamples=10,
    )
    assert cells(figures) == {("detention", "detention"): 1, ("detention", "torture"): 1}
    assert figures["confusion"]["exact"]["pairs"] == 2
    assert figures["confusion"]["exact"]["agreeing"] == 1
    swapped = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: b, 2: a})],
        categories=["detention", "torture"],
        n_resamples=10,
    )
    assert swapped["confusion"] == figures["confusion"], "which reviewer is A does not matter"


def test_confusion_cells_name_the_taxonomy_s_first_category_first():
    a, b = [at("beaten")], [at("beaten", category="torture")]
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: a, 2: b})], categories=["torture", "detention"]
    )
    assert cells(figures) == {("torture", "detention"): 1}


def test_a_passage_both_reviewers_gave_two_categories_is_two_agreements():
    both = [at("detained"), at("detained", category="torture")]
    figures = corpus_figures([DocumentLayers(1, "t", TEXT, {1: both, 2: list(both)})])
    assert cells(figures) == {("detention", "detention"): 1, ("torture", "torture"): 1}


def test_confusion_sums_every_pair_of_reviewers_and_every_document():
    layers = {1: [at("detained")], 2: [at("detained")], 3: [at("detained", category="torture")]}
    documents = [DocumentLayers(pk, str(pk), TEXT, layers) for pk in (1, 2)]
    figures = corpus_figures(documents, categories=["detention", "torture"], n_resamples=10)
    # Per document: 1-2 agree, 1-3 and 2-3 differ; two documents.
    assert cells(figures) == {("detention", "detention"): 2, ("detention", "torture"): 4}
    assert figures["confusion"]["exact"]["pairs"] == 6


def test_overlap_matching_pairs_spans_one_to_one_same_category_first():
    a = [at("was detained")]
    b = [at("detained in 2017", text=TEXT, category="torture"), at("He was")]
    figures = corpus_figures([DocumentLayers(1, "t", TEXT, {1: a, 2: b})], n_resamples=10)
    assert cells(figures) == {}, "no identical boundaries"
    assert cells(figures, "overlap") == {("detention", "detention"): 1}, (
        "a span pairs once, with the overlapping span of its own category"
    )
    other = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: a, 2: b[:1]})], categories=["detention", "torture"]
    )
    assert cells(other, "overlap") == {("detention", "torture"): 1}


def test_matched_pairs_find_every_overlap_like_the_plain_definition():
    rng = np.random.default_rng(11)

    def layer():
        spans = set()
        for _ in range(30):
            start = int(rng.integers(0, 200))
            spans.add((start, start + int(rng.integers(1, 25)), str(rng.choice(["x", "y"]))))
        return sorted(spans)

    for _ in range(20):
        a, b = layer(), layer()
        pairs = matched_pairs(a, b, match="overlap")
        assert len({x for x, _ in pairs}) == len(pairs) == len({y for _, y in pairs})
        assert all(x[0] < y[1] and y[0] < x[1] for x, y in pairs)
        # Greedy on every overlapping pair: a span left unpaired overlaps only paired spans.
        left = set(a) - {x for x, _ in pairs}
        right = set(b) - {y for _, y in pairs}
        assert not any(x[0] < y[1] and y[0] < x[1] for x in left for y in right)
        exact = matched_pairs(a, b, match="exact")
        assert all(x[:2] == y[:2] for x, y in exact)
        # At each shared pair of boundaries, as many pairs as the smaller side has spans.
        boundaries = Counter(x[:2] for x in a), Counter(y[:2] for y in b)
        shared = boundaries[0].keys() & boundaries[1].keys()
        assert len(exact) == sum(min(boundaries[0][k], boundaries[1][k]) for k in shared)


# Agreement on evidence attributes


def with_attributes(span, status, source):
    return (*span, status, source)


def test_attribute_alpha_is_nominal_alpha_over_spans_matched_by_boundaries_and_category():
    a = [
        with_attributes(at("detained"), "confirmed", "victim_testimony"),
        with_attributes(at("beaten", category="torture"), "likely", "victim_testimony"),
        with_attributes(at("custody"), "confirmed", "media_report"),
    ]
    b = [
        with_attributes(at("detained"), "confirmed", "witness_testimony"),
        with_attributes(at("beaten", category="torture"), "possible", "victim_testimony"),
        with_attributes(at("custody", category="torture"), "likely", "media_report"),
    ]
    c = [with_attributes(at("detained"), "likely", "witness_testimony")]
    documents = [
        DocumentLayers(1, "two", TEXT, {1: a, 2: b}),
        DocumentLayers(2, "three", TEXT, {1: a, 2: b, 3: c}),
    ]
    figures = corpus_figures(documents, n_resamples=50)
    # Units: "detained" and "beaten" in each document ("custody" differs in category).
    status = [  # coders × units, None where a reviewer has no such span
        ["confirmed", "likely", "confirmed", "likely"],
        ["confirmed", "possible", "confirmed", "possible"],
        [None, None, "likely", None],
    ]
    source = [
        ["victim_testimony"] * 4,
        ["witness_testimony", "victim_testimony", "witness_testimony", "victim_testimony"],
        [None, None, "witness_testimony", None],
    ]
    attributes = figures["attributes"]
    assert attributes["evidence_status"]["value"] == pytest.approx(
        krippendorff_alpha(status, "nominal"), abs=1e-6
    )
    assert attributes["source_type"]["value"] == pytest.approx(
        krippendorff_alpha(source, "nominal"), abs=1e-6
    )
    assert attributes["evidence_status"]["units"] == 4
    assert attributes["evidence_status"]["agreeing"] == 1, "only the first document's detained"
    assert attributes["evidence_status"]["given"] == {"confirmed": 4, "likely": 3, "possible": 2}
    assert attributes["evidence_status"]["documents"] == 2
    assert attributes["evidence_status"]["few_documents"] is True


def test_attributes_do_not_change_any_other_figure():
    plain = {
        1: [at("detained"), at("beaten", category="torture")],
        2: [at("was detained"), at("beaten", category="torture")],
    }
    attributed = {
        reviewer: [with_attributes(span, "likely", "other") for span in spans]
        for reviewer, spans in plain.items()
    }
    with_plain = corpus_figures([DocumentLayers(1, "t", TEXT, plain)], n_resamples=20)
    with_attrs = corpus_figures([DocumentLayers(1, "t", TEXT, attributed)], n_resamples=20)
    assert {k: v for k, v in with_plain.items() if k != "attributes"} == {
        k: v for k, v in with_attrs.items() if k != "attributes"
    }
    assert with_plain["attributes"]["evidence_status"]["units"] == 0, "no attributes given"
    assert with_plain["attributes"]["evidence_status"]["value"] is None
    one_value = with_attrs["attributes"]["evidence_status"]
    assert one_value["units"] == 1
    assert one_value["value"] is None, "every value the same: alpha undefined"
    assert one_value["given"] == {"likely": 2}


def test_a_reviewer_s_duplicate_span_gives_one_value():
    a = [
        with_attributes(at("detained"), "possible", "other"),
        with_attributes(at("detained"), "confirmed", "other"),
    ]
    b = [with_attributes(at("detained"), "confirmed", "other")]
    figures = corpus_figures([DocumentLayers(1, "t", TEXT, {1: a, 2: b})], n_resamples=10)
    assert figures["attributes"]["evidence_status"]["given"] == {"confirmed": 2}


# Intervals resting on few documents


def test_an_interval_over_few_documents_is_flagged_rough():
    layers = {1: [at("detained"), at("beaten")], 2: [at("detained"), at("He")]}
    few = [DocumentLayers(pk, str(pk), TEXT, layers) for pk in range(3)]
    figures = corpus_figures(few, n_resamples=20)
    assert figures["bootstrap"]["few_documents"] is True
    assert figures["bootstrap"]["few_documents_below"] == FEW_DOCUMENTS == 10
    enough = [DocumentLayers(pk, str(pk), TEXT, layers) for pk in range(FEW_DOCUMENTS)]
    assert corpus_figures(enough, n_resamples=20)["bootstrap"]["few_documents"] is False

    rows = list(
        csv.DictReader(
            io.StringIO("".join(csv_lines(FIGURE_COLUMNS, figure_rows(figures, names={}))))
        )
    )
    by_figure = {row["figure"]: row for row in rows if not row["category"]}
    assert by_figure["unitizing_alpha"]["ci_few_documents"] == "true"
    assert by_figure["token_kappa"]["ci_few_documents"] == "", "no interval, no flag"


def test_figure_rows_carry_the_confusion_cells_and_the_attribute_alphas():
    a = [with_attributes(at("detained"), "confirmed", "other"), at("beaten", category="torture")]
    b = [with_attributes(at("detained"), "likely", "other"), at("beaten")]
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: a, 2: b})], categories=["detention", "torture"]
    )
    rows = list(
        csv.DictReader(
            io.StringIO("".join(csv_lines(FIGURE_COLUMNS, figure_rows(figures, names={}))))
        )
    )
    confusion = {
        (row["category"], row["category_b"]): row
        for row in rows
        if row["figure"] == "confusion_exact"
    }
    assert set(confusion) == {("detention", "detention"), ("detention", "torture")}
    assert confusion[("detention", "torture")]["value"] == "1"
    assert confusion[("detention", "torture")]["n"] == "2", "n: every matched pair"
    status = next(row for row in rows if row["figure"] == "evidence_status_alpha")
    assert status["n"] == "1"
    assert {"source_type_alpha", "confusion_overlap"} <= {row["figure"] for row in rows}


def test_figure_rows_read_figures_stored_before_the_new_ones():
    layers = {1: [at("detained")], 2: [at("detained")]}
    figures = corpus_figures([DocumentLayers(1, "t", TEXT, layers)], n_resamples=10)
    gone = ("confusion", "attributes", "schema", "groups")
    old = {k: v for k, v in figures.items() if k not in gone}
    old["bootstrap"] = {"resamples": 10, "seed": 0, "confidence": 0.95}
    rows = list(figure_rows(old, names={}))
    assert rows
    assert all(len(row) == len(FIGURE_COLUMNS) for row in rows)


def test_each_category_group_has_its_own_agreement_over_its_own_spans():
    """Reviewers who agree exactly on the people (entities) but not on what was done to
    them (violations): the entity group's alpha is 1, the violation group's is the alpha
    of the violation spans alone, and neither is the headline."""
    a = [at("He", category="victim"), at("was detained"), at("She", category="victim")]
    b = [at("He", category="victim"), at("was beaten", category="torture")]
    b.append(at("She", category="victim"))
    groups = {"detention": "violation", "torture": "violation", "victim": "entity"}
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: a, 2: b})],
        categories=["detention", "torture", "victim"],
        groups=groups,
        n_resamples=10,
    )
    rows = {row["group"]: row for row in figures["groups"]}
    assert rows["entity"]["categories"] == ["victim"]
    assert rows["entity"]["unitizing_alpha"] == pytest.approx(1.0)
    assert rows["entity"]["f1_exact"] == 1.0
    assert rows["entity"]["spans"] == 4
    violations = [s for s in a + b if s[2] != "victim"]
    units = [(s, e, 1, c) for s, e, c in a if c != "victim"]
    units += [(s, e, 2, c) for s, e, c in b if c != "victim"]
    assert rows["violation"]["unitizing_alpha"] == pytest.approx(
        unitizing_alpha(units, 0, len(TEXT))
    )
    assert rows["violation"]["spans"] == len(violations)
    assert rows["violation"]["f1_exact"] == 0.0
    assert rows["violation"]["unitizing_alpha"] < 1.0
    assert figures["headline"]["unitizing_alpha"]["value"] not in (
        rows["violation"]["unitizing_alpha"],
        rows["entity"]["unitizing_alpha"],
    )


def test_without_groups_every_category_is_a_violation():
    figures = corpus_figures(
        [DocumentLayers(1, "t", TEXT, {1: [at("He")], 2: [at("He")]})], n_resamples=10
    )
    assert [row["group"] for row in figures["groups"]] == ["violation"]
