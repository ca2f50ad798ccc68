"""Relations of several layers aligned for moderation: grouping by passages, and what
makes a group contested (pure; no database)."""

from annotator.relation_alignment import Link, align_links

A, B, C = (0, 10), (20, 30), (40, 50)


def denies(source, target):
    return Link.of("denies", source, target)


def test_the_same_relation_drawn_by_everyone_is_unanimous():
    clusters = align_links({1: [denies(A, B)], 2: [denies(A, B)]})
    assert len(clusters) == 1
    assert clusters[0].unanimous, clusters[0].kinds


def test_a_reviewer_without_the_relation_makes_it_missing():
    (cluster,) = align_links({1: [denies(A, B)], 2: []})
    assert cluster.kinds == {"missing"}
    assert cluster.versions[2] == frozenset()


def test_different_types_on_the_same_passages():
    (cluster,) = align_links({1: [denies(A, B)], 2: [Link.of("corroborates", A, B)]})
    assert cluster.kinds == {"type"}
    assert cluster.pair == (A, B)


def test_the_same_type_pointing_the_other_way():
    (cluster,) = align_links({1: [denies(A, B)], 2: [denies(B, A)]})
    assert cluster.kinds == {"direction"}


def test_symmetric_relations_have_no_direction():
    same = [Link.of("same", A, B, symmetric=True)]
    other_way = [Link.of("same", B, A, symmetric=True)]
    (cluster,) = align_links({1: same, 2: other_way})
    assert cluster.unanimous


def test_a_link_to_another_passage_is_a_different_end():
    clusters = align_links({1: [denies(A, B)], 2: [denies(A, C)]})
    assert [c.pair for c in clusters] == [(A, B), (A, C)]
    assert all(c.kinds == {"missing", "ends"} for c in clusters)


def test_the_signature_ignores_order_and_follows_changes():
    first = align_links({1: [denies(A, B)], 2: []})[0].signature
    again = align_links({2: [], 1: [denies(A, B)]})[0].signature
    changed = align_links({1: [denies(A, B)], 2: [denies(B, A)]})[0].signature
    assert first == again
    assert first != changed


def test_links_round_trip_through_plain_data():
    link = Link.of("same", B, A, symmetric=True)
    assert Link.from_list(link.as_list()) == link
    assert link.source == A  # a symmetric link keeps its ends in offset order
