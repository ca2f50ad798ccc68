"""Relation agreement: pairwise F1 of relations given matched ends, and nominal alpha on their
types, against a worked example computed by hand below."""

from __future__ import annotations

import math

import pytest

from annotator.agreement import NominalCoincidences
from annotator.agreement.relations import (
    RelationCounts,
    RelationLayer,
    relation_agreement,
    relation_counts,
    relation_type_units,
)
from tests.oracles import krippendorff_alpha

ALLEGATION, DENIAL, SECOND, OTHER = (0, 10), (20, 30), (40, 50), (60, 70)
SYMMETRIC = {"same_incident"}


def layer(spans, relations) -> RelationLayer:
    return RelationLayer.of(spans, relations)


def test_a_relation_drawn_by_both_between_the_same_spans_matches_whatever_its_type():
    a = layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "denies")])
    b = layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "corroborates")])
    assert relation_counts(a, b) == RelationCounts(matched=1, n_a=1, n_b=1)


def test_direction_matters_unless_a_type_is_symmetric():
    a = layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "denies")])
    reversed_ = layer([ALLEGATION, DENIAL], [(ALLEGATION, DENIAL, "denies")])
    assert relation_counts(a, reversed_).matched == 0
    both_ways = layer([ALLEGATION, DENIAL], [(ALLEGATION, DENIAL, "same_incident")])
    assert relation_counts(a, both_ways, SYMMETRIC).matched == 1


def test_only_relations_whose_two_spans_the_other_marked_count():
    """b never marked SECOND: a's link to it is a disagreement about spans, not relations."""
    a = layer(
        [ALLEGATION, DENIAL, SECOND],
        [(DENIAL, ALLEGATION, "denies"), (SECOND, ALLEGATION, "corroborates")],
    )
    b = layer([ALLEGATION, DENIAL], [])
    assert relation_counts(a, b) == RelationCounts(matched=0, n_a=1, n_b=0)
    assert relation_counts(a, b).f1 == 0.0
    assert math.isnan(relation_counts(layer([], []), layer([], [])).f1)


def test_a_pair_linked_twice_is_matched_one_to_one_and_to_its_like_first():
    a = layer(
        [ALLEGATION, DENIAL],
        [(DENIAL, ALLEGATION, "denies"), (DENIAL, ALLEGATION, "corroborates")],
    )
    b = layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "corroborates")])
    assert relation_counts(a, b) == RelationCounts(matched=1, n_a=2, n_b=1)
    units = relation_type_units({"a": a, "b": b})
    assert units == [["corroborates<+denies<", "corroborates<"]]


# The worked example. Three reviewers on one document, four spans each marked by all:
#   r1: DENIAL→ALLEGATION denies; SECOND→ALLEGATION corroborates; DENIAL–OTHER same_incident
#   r2: DENIAL→ALLEGATION denies; SECOND→ALLEGATION denies
#   r3: DENIAL→ALLEGATION corroborates; OTHER–DENIAL same_incident
# Pairs (all ends matched, every relation counts):
#   r1–r2: matched 2 (DENIAL→ALLEGATION, SECOND→ALLEGATION), n 3 + 2
#   r1–r3: matched 2 (DENIAL→ALLEGATION, the symmetric pair in either order), n 3 + 2
#   r2–r3: matched 1 (DENIAL→ALLEGATION), n 2 + 2
#   F1 = 2 (2 + 2 + 1) / (5 + 5 + 4) = 10 / 14
# Units for alpha on types (pairs in document order; ALLEGATION < DENIAL < SECOND < OTHER):
#   (ALLEGATION, DENIAL): denies<, denies<, corroborates<
#   (ALLEGATION, SECOND): corroborates<, denies<
#   (DENIAL, OTHER): same_incident, same_incident
# Alpha on those units is worked out by hand in the test below, and checked against the plain
# coincidence-matrix oracle of tests/oracles.py too.
def worked_example():
    spans = [ALLEGATION, DENIAL, SECOND, OTHER]
    return {
        "r1": layer(
            spans,
            [
                (DENIAL, ALLEGATION, "denies"),
                (SECOND, ALLEGATION, "corroborates"),
                (DENIAL, OTHER, "same_incident"),
            ],
        ),
        "r2": layer(spans, [(DENIAL, ALLEGATION, "denies"), (SECOND, ALLEGATION, "denies")]),
        "r3": layer(
            spans, [(DENIAL, ALLEGATION, "corroborates"), (OTHER, DENIAL, "same_incident")]
        ),
    }


def test_the_worked_example_f1_given_matched_ends():
    result = relation_agreement([worked_example()], SYMMETRIC)
    assert result.counts == RelationCounts(matched=5, n_a=8, n_b=6)
    assert result.f1 == pytest.approx(10 / 14)


def test_the_worked_example_alpha_on_types_equals_the_coincidence_matrix_oracle():
    units = relation_type_units(worked_example(), SYMMETRIC)
    assert units == [
        ["denies<", "denies<", "corroborates<"],
        ["corroborates<", "denies<"],
        ["same_incident", "same_incident"],
    ]
    # By hand: the pairable values are unit 1's 3, unit 2's 2 and unit 3's 2: n = 7, with
    # n_denies< = 3, n_corroborates< = 2, n_same_incident = 2, so Σ n_c² = 9 + 4 + 4 = 17.
    # Σ o_cc: unit 1's ordered denies<-denies< pairs, 2 / (3 - 1) = 1; unit 3's, 2 / 1 = 2: 3.
    # alpha = 1 - (n - 1)(n - Σ o_cc) / (n² - Σ n_c²) = 1 - 6 · 4 / (49 - 17) = 1 - 24 / 32 = 0.25
    alpha = NominalCoincidences([units]).alpha()
    assert alpha == pytest.approx(0.25)
    matrix = [
        [unit[i] if i < len(unit) else None for unit in units] for i in range(3)
    ]  # coders × units, as the oracle takes it
    assert alpha == pytest.approx(krippendorff_alpha(matrix))


def test_relation_agreement_sums_documents_before_the_ratio():
    one = {
        "a": layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "denies")]),
        "b": layer([ALLEGATION, DENIAL], []),
    }
    two = {
        "a": layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "denies")]),
        "b": layer([ALLEGATION, DENIAL], [(DENIAL, ALLEGATION, "denies")]),
    }
    result = relation_agreement([one, two])
    assert result.counts == RelationCounts(matched=1, n_a=2, n_b=1)
    assert result.f1 == pytest.approx(2 / 3)
    assert len(result.type_sections) == 2
