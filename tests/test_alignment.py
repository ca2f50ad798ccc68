"""The alignment rules, on hand-made layers (no database)."""

import pytest

from annotator.alignment import Kind, Span, align, classify

A, B, C = "reviewer-a", "reviewer-b", "reviewer-c"


def kinds_of(layers) -> list[set[str]]:
    return [set(cluster.kinds) for cluster in align(layers)]


def test_identical_layers_give_unanimous_clusters_in_document_order():
    layer = [(10, 20, "torture"), (0, 5, "detention")]
    clusters = align({A: layer, B: list(reversed(layer))})
    assert [(c.start, c.end, c.unanimous) for c in clusters] == [(0, 5, True), (10, 20, True)]
    assert clusters[0].versions == {A: {Span(0, 5, "detention")}, B: {Span(0, 5, "detention")}}
    assert clusters[0].contestedness == 0


def test_same_boundaries_different_category_is_label():
    assert kinds_of({A: [(0, 5, "detention")], B: [(0, 5, "torture")]}) == [{Kind.LABEL}]


def test_same_category_different_boundaries_is_boundary():
    assert kinds_of({A: [(0, 5, "detention")], B: [(0, 7, "detention")]}) == [{Kind.BOUNDARY}]


def test_a_reviewer_with_nothing_in_the_cluster_is_missing():
    clusters = align({A: [(0, 5, "detention")], B: [], C: [(1, 4, "detention")]})
    assert len(clusters) == 1
    assert set(clusters[0].kinds) == {Kind.MISSING, Kind.BOUNDARY}
    assert clusters[0].versions[B] == frozenset()


def test_every_kind_that_applies_is_tagged():
    layers = {
        A: [(0, 10, "detention"), (20, 30, "torture")],
        B: [(0, 10, "forced_labour"), (22, 30, "torture")],
        C: [],
    }
    # (0,10) and (20,30) are separate clusters; C has nothing in either.
    assert kinds_of(layers) == [{Kind.LABEL, Kind.MISSING}, {Kind.BOUNDARY, Kind.MISSING}]


def test_chains_of_overlaps_form_one_cluster():
    # A's span and C's span do not overlap, but both overlap B's: one cluster.
    clusters = align(
        {A: [(0, 10, "detention")], B: [(8, 20, "detention")], C: [(18, 30, "detention")]}
    )
    assert len(clusters) == 1
    assert (clusters[0].start, clusters[0].end) == (0, 30)
    # Three extents of one category; and C marked nothing where A marked 0-10 (nor A where
    # C marked 18-30).
    assert set(clusters[0].kinds) == {Kind.BOUNDARY, Kind.MISSING}


def test_touching_spans_share_no_code_point_and_stay_apart():
    clusters = align({A: [(0, 5, "detention")], B: [(5, 10, "detention")]})
    assert [(c.start, c.end) for c in clusters] == [(0, 5), (5, 10)]
    assert all(c.kinds == {Kind.MISSING} for c in clusters)


def test_multi_label_spans_differ_by_label_not_by_missing():
    layers = {A: [(0, 5, "detention"), (0, 5, "torture")], B: [(0, 5, "detention")]}
    assert kinds_of(layers) == [{Kind.LABEL}]
    # The same two labels on both sides is unanimous.
    assert kinds_of({A: layers[A], B: list(layers[A])}) == [set()]


def test_other_category_at_other_boundaries_is_label_and_boundary_not_missing():
    # Found by a moderator: detention at 3109-3135 against transnational repression at
    # 3104-3135 was filed only as "missing", so the label filter and counts under-reported.
    assert kinds_of({A: [(0, 5, "detention")], B: [(2, 9, "torture")]}) == [
        {Kind.LABEL, Kind.BOUNDARY}
    ]
    layers = {A: [(3109, 3135, "detention")], B: [(3104, 3135, "transnational_repression")]}
    assert kinds_of(layers) == [{Kind.LABEL, Kind.BOUNDARY}]


def test_a_long_span_against_a_nested_one_of_another_category_is_label_and_boundary():
    layers = {A: [(0, 400, "torture")], B: [(120, 180, "reproductive")]}
    assert kinds_of(layers) == [{Kind.LABEL, Kind.BOUNDARY}]


def test_a_nested_span_the_other_reviewer_lacks_is_missing():
    layers = {
        A: [(0, 30, "detention"), (5, 10, "torture")],
        B: [(0, 30, "detention")],
    }
    assert kinds_of(layers) == [{Kind.MISSING}]


def test_matching_spans_that_say_other_things_of_the_evidence_are_attributes():
    # Both tagged "Twenty-six of the interviewees..." alike but for status, source and note:
    # it went into gold as unanimous, without them, and the moderator never saw it.
    first = Span(0, 40, "detention", "confirmed", "victim_testimony", "")
    second = Span(0, 40, "detention", "likely", "witness_testimony", "heard from a cousin")
    clusters = align({A: [first], B: [second]})
    assert set(clusters[0].kinds) == {Kind.ATTRIBUTES}
    assert not clusters[0].unanimous
    assert kinds_of({A: [first], B: [first]}) == [set()]
    # Attributes are compared between matching spans only: moved, it is a boundary.
    assert kinds_of({A: [first], B: [second._replace(end=41)]}) == [{Kind.BOUNDARY}]
    # A span only one reviewer has, with two that differ in attributes: both kinds.
    assert kinds_of({A: [first, Span(10, 20, "torture")], B: [second]}) == [
        {Kind.ATTRIBUTES, Kind.MISSING}
    ]


def test_nested_spans_of_one_reviewer_are_one_version():
    layers = {
        A: [(0, 30, "detention"), (5, 10, "torture")],
        B: [(0, 30, "detention"), (5, 10, "torture")],
    }
    clusters = align(layers)
    assert len(clusters) == 1
    assert clusters[0].unanimous
    assert len(clusters[0].versions[A]) == 2


def test_contestedness_counts_spans_not_shared_by_everyone():
    clusters = align(
        {
            A: [(0, 5, "detention"), (0, 9, "torture")],
            B: [(0, 5, "detention"), (0, 8, "torture")],
        }
    )
    assert clusters[0].contestedness == 2
    assert clusters[0].spans == {
        Span(0, 5, "detention"),
        Span(0, 9, "torture"),
        Span(0, 8, "torture"),
    }


def test_a_contested_cluster_always_has_a_kind():
    # Exhaustive over small layers: whenever versions differ, some kind applies.
    import itertools

    spans = [
        Span(0, 3, "x"),
        Span(0, 3, "y"),
        Span(0, 4, "x"),
        Span(2, 5, "y"),
        Span(0, 3, "x", "confirmed", "other", ""),
        Span(0, 3, "x", "", "", "a note"),
    ]
    subsets = [frozenset(c) for size in range(4) for c in itertools.combinations(spans, size)]
    for first, second in itertools.product(subsets, repeat=2):
        if not first and not second:
            continue
        versions = {A: first, B: second}
        assert bool(classify(versions)) == (first != second), versions


def test_reversed_spans_are_refused():
    with pytest.raises(ValueError, match="Empty or reversed"):
        align({A: [(5, 5, "detention")]})
