"""The moderation pages: starting moderation, the queue, an item and its resolution."""

import pytest
from django.urls import reverse

from annotator.models import DocumentStatus, GoldSpan, ItemStatus, ModerationItem, Role
from annotator.services.assignments import review_submit
from annotator.services.moderation import ModerationError, item_resolve
from annotator.services.moderation_start import moderation_start
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db
TEXT = "He was detained in 2017. She was beaten in custody. They were sent to work."


def at(needle):
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    det = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    tor = CategoryFactory(project=project, code="torture", name="Torture")
    alice = UserFactory(username="alice")
    bob = UserFactory(username="{{ bob }}")  # template syntax in a username must stay text
    carol = UserFactory(username="carol")  # assigned too, but has not submitted
    for user in (alice, bob, carol):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(project, TEXT, title="Testimony")
    make_annotation(document, alice, det, *at("detained"))
    make_annotation(document, bob, tor, *at("detained"))
    make_annotation(document, alice, tor, *at("was beaten"))
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)
    return {"document": document, "alice": alice, "bob": bob, "moderator": moderator}


def test_moderator_starts_moderation_from_the_document(world):
    client = client_for(world["moderator"])
    page = client.get(world["document"].get_absolute_url()).content.decode()
    assert "Start moderation (2 layers submitted)" in page
    url = reverse(
        "moderation_begin",
        kwargs={"project_slug": world["document"].project.slug, "pk": world["document"].pk},
    )
    response = client.post(url)
    assert response.status_code == 302
    assert ModerationItem.objects.filter(document=world["document"]).count() == 2
    world["document"].refresh_from_db()
    assert world["document"].status == DocumentStatus.IN_MODERATION
    assert client_for(world["alice"]).post(url).status_code == 403


def test_queue_lists_filters_and_counts_open_items(world, django_assert_max_num_queries):
    moderation_start(document=world["document"], actor=world["moderator"])
    client = client_for(world["moderator"])
    url = reverse("moderation_queue")
    response = client.get(url)
    assert [item.passage for item in response.context["page"].object_list] == [
        "detained",
        "was beaten",
    ]
    counts = response.context["counts"]  # more kinds may be counted too
    assert {k: counts[k] for k in ("total", "label", "boundary", "missing")} == {
        "total": 2,
        "label": 1,
        "boundary": 0,
        "missing": 1,
    }
    assert [
        i.passage for i in client.get(url, {"kind": "missing"}).context["page"].object_list
    ] == ["was beaten"]
    assert len(client.get(url, {"category": "detention"}).context["page"].object_list) == 1
    assert len(client.get(url, {"document": 999}).context["page"].object_list) == 0
    assert client_for(world["alice"]).get(url).status_code == 403
    # The page's queries do not grow with items: session, user, projects, the filters'
    # documents and categories (each at most QUEUE_FILTER_CHOICES rows), the count, the page
    # of items, their passages, the counts by kind.
    with django_assert_max_num_queries(9) as captured:
        client.get(url)
    before = len(captured)
    other = make_document(world["document"].project, TEXT + " Again.", title="Second")
    category = world["document"].project.categories.get(code="torture")
    for user in (world["alice"], world["bob"]):
        make_annotation(other, user, category, 0, 2 if user == world["alice"] else 3)
        review_submit(document=other, reviewer=user)
    moderation_start(document=other, actor=world["moderator"])
    with django_assert_max_num_queries(before):
        assert len(client.get(url).context["page"].object_list) == 3


def queue_form(response):
    return response.context["form"]


def test_queue_filters_offer_the_documents_with_open_items_and_categories_by_name(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    project = world["document"].project
    quiet = make_document(project, "Nothing to moderate here.", title="Quiet")
    client = client_for(world["moderator"])
    url = reverse("moderation_queue")
    form = queue_form(client.get(url, {"project": project.slug}))
    documents = dict(form.fields["document"].widget.choices)
    assert documents == {
        "": "Any document",
        world["document"].pk: f"Testimony (#{world['document'].pk})",
    }
    assert quiet.pk not in documents, "a document without open items is not offered"
    categories = dict(form.fields["category"].widget.choices)
    assert categories == {
        "": "Any category",
        "detention": "Arbitrary detention",
        "torture": "Torture",
    }

    # The links of old keep working: ids and codes in the query, as before.
    page = client.get(url, {"document": world["document"].pk, "category": "torture"})
    assert [item.passage for item in page.context["page"].object_list] == ["detained", "was beaten"]
    assert f'<option value="{world["document"].pk}" selected>' in page.content.decode()
    elsewhere = client.get(url, {"document": quiet.pk, "category": "nope"})
    assert elsewhere.context["page"].object_list == []
    html = elsewhere.content.decode()
    assert f'<option value="{quiet.pk}" selected>#{quiet.pk} (no open items)</option>' in html
    assert '<option value="nope" selected>nope (not in the taxonomy)</option>' in html


def test_queue_filters_of_several_projects_are_grouped_and_merged_by_code(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    other = ProjectFactory(name="Another project")
    MembershipFactory(project=other, user=world["moderator"], role=Role.MODERATOR)
    CategoryFactory(project=other, code="detention", name="Detention")
    CategoryFactory(project=other, code="labour", name="Torture")  # a name used by another code
    reviewers = [UserFactory(), UserFactory()]
    for user in reviewers:
        MembershipFactory(project=other, user=user, role=Role.REVIEWER)
    document = make_document(other, TEXT, title="Elsewhere")
    make_annotation(document, reviewers[0], other.categories.get(code="detention"), *at("detained"))
    for user in reviewers:
        review_submit(document=document, reviewer=user)
    moderation_start(document=document, actor=world["moderator"])

    form = queue_form(client_for(world["moderator"]).get(reverse("moderation_queue")))
    groups = dict(form.fields["document"].widget.choices)
    assert groups["Another project"] == [(document.pk, f"Elsewhere (#{document.pk})")]
    assert [pk for pk, _ in groups["Test project"]] == [world["document"].pk]
    categories = dict(form.fields["category"].widget.choices)
    assert categories["detention"] == "Detention / Arbitrary detention", "by project name"
    assert categories["torture"] == "Torture (torture)"
    assert categories["labour"] == "Torture (labour)"


def test_queue_filters_fall_back_to_boxes_beyond_the_limit(world, monkeypatch):
    moderation_start(document=world["document"], actor=world["moderator"])
    monkeypatch.setattr("annotator.views.moderation.QUEUE_FILTER_CHOICES", 1)
    response = client_for(world["moderator"]).get(
        reverse("moderation_queue"), {"document": world["document"].pk}
    )
    form = queue_form(response)
    assert form.fields["document"].widget.input_type == "select", "one document: still listed"
    assert form.fields["document"].label == "Document"
    assert form.fields["category"].widget.input_type == "text", "two categories: a box"
    assert form.fields["category"].label == "Category code"
    assert len(response.context["page"].object_list) == 2
    monkeypatch.setattr("annotator.views.moderation.QUEUE_FILTER_CHOICES", 0)
    form = queue_form(client_for(world["moderator"]).get(reverse("moderation_queue")))
    assert form.fields["document"].widget.input_type == "number"
    assert form.fields["document"].label == "Document id"


def test_item_page_shows_versions_and_resolves(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    label = ModerationItem.objects.get(document=world["document"], start=at("detained")[0])
    client = client_for(world["moderator"])
    url = reverse("moderation_item", kwargs={"item_id": label.pk})
    page = client.get(url).content.decode()
    assert "A: alice" in page
    assert "B: {{ bob }}" in page, "a username is shown as text, never run as a template"
    assert "Accept A&#x27;s version" in page or "Accept A's version" in page
    response = client.post(
        url,
        {
            "version": 1,
            "decision": "accept:A",
            "reason": "reviewer_error",
            "rationale": "Detention, not torture.",
        },
    )
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.status == ItemStatus.RESOLVED
    gold = GoldSpan.objects.get(item=label)
    assert (gold.category.code, gold.proposed_by) == ("detention", [world["alice"].pk])
    # A second moderator with the page still open is told, and nothing changes.
    stale = client.post(url, {"version": 1, "decision": "reject"}, follow=True)
    assert "already resolved by moderator" in stale.content.decode()
    label.refresh_from_db()
    assert label.resolution == "accept_reviewer"
    assert GoldSpan.objects.filter(item=label).count() == 1


def test_a_span_outside_the_item_is_refused_and_nothing_is_written(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    item = ModerationItem.objects.get(document=world["document"], start=at("detained")[0])
    with pytest.raises(ModerationError, match="outside this item"):
        item_resolve(
            item_id=item.pk,
            moderator=world["moderator"],
            version=1,
            resolution="custom",
            spans=[(0, 2, "detention")],
        )
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not GoldSpan.objects.filter(item=item).exists()


def test_the_item_page_offers_no_typed_offsets_but_the_curation_page(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    item = ModerationItem.objects.get(document=world["document"], start=at("detained")[0])
    client = client_for(world["moderator"])
    page = client.get(reverse("moderation_item", kwargs={"item_id": item.pk}))
    assert "custom_start" not in page.context["form"].fields
    curate = reverse(
        "document_curate",
        kwargs={"project_slug": world["document"].project.slug, "pk": world["document"].pk},
    )
    assert f'href="{curate}?item={item.pk}"' in page.content.decode()
    # A post of the old custom decision is refused, and nothing is written.
    response = client.post(
        reverse("moderation_item", kwargs={"item_id": item.pk}),
        {"version": 1, "decision": "custom", "custom_start": 0, "custom_end": 2},
    )
    assert "Choose what to do with this item." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_anonymous_moderation_hides_reviewer_names(world, project):
    project.anonymous_moderation = True
    project.save()
    moderation_start(document=world["document"], actor=world["moderator"])
    item = ModerationItem.objects.filter(document=world["document"]).first()
    page = client_for(world["moderator"]).get(
        reverse("moderation_item", kwargs={"item_id": item.pk})
    )
    content = page.content.decode()
    assert "Reviewer A" in content
    assert "alice" not in content


def test_decisions_name_a_letter_never_a_user_id(world):
    """The accept buttons post the reviewer's letter; a user id posted instead is refused
    (it would tell whether that account reviewed this item) and changes nothing."""
    moderation_start(document=world["document"], actor=world["moderator"])
    item = ModerationItem.objects.get(document=world["document"], start=at("detained")[0])
    client = client_for(world["moderator"])
    url = reverse("moderation_item", kwargs={"item_id": item.pk})
    page = client.get(url).content.decode()
    assert 'value="accept:A"' in page
    assert 'value="accept:B"' in page
    for user in (world["alice"], world["bob"]):
        assert f'value="accept:{user.pk}"' not in page
        response = client.post(url, {"version": 1, "decision": f"accept:{user.pk}"})
        assert response.status_code == 200
        assert "No such reviewer in this item." in response.content.decode()
    response = client.post(url, {"version": 1, "decision": "accept:Z"})
    assert "No such reviewer in this item." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not GoldSpan.objects.filter(item=item).exists()
    # B is bob (assigned second): accepting B keeps bob's torture span.
    assert client.post(url, {"version": 1, "decision": "accept:B"}).status_code == 302
    gold = GoldSpan.objects.get(item=item)
    assert (gold.category.code, gold.proposed_by) == ("torture", [world["bob"].pk])


def test_item_letters_are_the_documents_letters(world, project):
    """A reviewer's letter on an item is their letter on the document page: the order in
    which they were assigned, whoever submitted. Carol, assigned third and not submitted,
    is C on the document page and on no item."""
    from annotator.models import Assignment

    project.anonymous_moderation = True
    project.save()
    order = list(
        Assignment.objects.filter(document=world["document"])
        .order_by("assigned_at", "pk")
        .values_list("reviewer__username", flat=True)
    )
    assert order == ["alice", "{{ bob }}", "carol"]
    moderation_start(document=world["document"], actor=world["moderator"])
    item = ModerationItem.objects.get(document=world["document"], start=at("detained")[0])
    client = client_for(world["moderator"])
    url = reverse("moderation_item", kwargs={"item_id": item.pk})
    rows = client.get(url).context["rows"]
    assert [label for label, _ in rows] == ["Reviewer A", "Reviewer B"]
    assert [spans[0]["span"].category for _, spans in rows] == ["detention", "torture"]
    document_page = client.get(world["document"].get_absolute_url()).content.decode()
    assert "Reviewer A</bdi>: submitted" in document_page
    assert "Reviewer B</bdi>: submitted" in document_page
    assert "Reviewer C</bdi>: annotating" in document_page


def test_items_of_other_projects_are_not_found(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    item = ModerationItem.objects.filter(document=world["document"]).first()
    stranger = UserFactory()
    MembershipFactory(project=ProjectFactory(), user=stranger, role=Role.MODERATOR)
    url = reverse("moderation_item", kwargs={"item_id": item.pk})
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(world["alice"]).get(url).status_code == 404
