"""Every page and API endpoint, with every kind of user: who gets what.

Later issues add their endpoints here. Columns: anonymous, a member of another project
only, a reviewer of the project not assigned to the document, the assigned reviewer, a
moderator, a manager, and staff (a superuser who is not a member).
"""

import json

import pytest
from django.test import Client

from annotator.models import Assignment, ModerationItem, Role
from annotator.services.assignments import review_submit
from annotator.services.moderation import item_resolve
from annotator.services.moderation_start import moderation_start
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    assign_reviewer,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

USERS = ("anonymous", "outsider", "unassigned", "assigned", "moderator", "manager", "staff")


@pytest.fixture
def world():
    project = ProjectFactory(slug="walk")
    category = CategoryFactory(project=project, code="detention")
    users = {
        "outsider": UserFactory(username="outsider"),
        "unassigned": UserFactory(username="unassigned"),
        "assigned": UserFactory(username="assigned"),
        "second": UserFactory(username="second"),
        "moderator": UserFactory(username="moderator"),
        "manager": UserFactory(username="manager"),
        "staff": UserFactory(username="staff", is_staff=True, is_superuser=True),
    }
    MembershipFactory(project=ProjectFactory(), user=users["outsider"], role=Role.REVIEWER)
    for name, role in [
        ("unassigned", Role.REVIEWER),
        ("assigned", Role.REVIEWER),
        ("second", Role.REVIEWER),
        ("moderator", Role.MODERATOR),
        ("manager", Role.MANAGER),
    ]:
        MembershipFactory(project=project, user=users[name], role=role)

    def document(text):
        made = make_document(project, text, assign=False)
        for name in ("assigned", "second"):
            assign_reviewer(made, users[name])
        return made

    open_doc = document("He was detained in 2017 and held for a year.")
    annotation = make_annotation(open_doc, users["assigned"], category, 7, 15)
    moderated = document("She was detained. He was beaten.")
    make_annotation(moderated, users["assigned"], category, 8, 16)
    for name in ("assigned", "second"):
        review_submit(document=moderated, reviewer=users[name])
    moderation_start(document=moderated, actor=users["moderator"])
    reconciled = document("They were detained without trial.")
    make_annotation(reconciled, users["assigned"], category, 10, 18)
    for name in ("assigned", "second"):
        review_submit(document=reconciled, reviewer=users[name])
    moderation_start(document=reconciled, actor=users["moderator"])
    for item in ModerationItem.objects.filter(document=reconciled):
        item_resolve(
            item_id=item.pk, moderator=users["moderator"], version=1, resolution="reject", spans=[]
        )
    return {
        "project": project,
        "users": users,
        "open": open_doc,
        "moderated": moderated,
        "reconciled": reconciled,
        "annotation": annotation,
        "item": ModerationItem.objects.get(document=moderated),
    }


def doc_url(world, key, suffix=""):
    return f"/projects/{world['project'].slug}/documents/{world[key].pk}/{suffix}"


def assignment_of(world, key):
    """The id of the assigned reviewer's assignment to a document of the walk."""
    return Assignment.objects.get(document=world[key], reviewer=world["users"]["assigned"]).pk


# The statuses of a managers' page, form post and API operation, and of an API read any
# member may make, in the order of USERS.
MANAGERS_PAGE = (302, 404, 403, 403, 403, 200, 404)
MANAGERS_POST = (302, 404, 403, 403, 403, 302, 404)
MANAGERS_API = (401, 404, 403, 403, 403, 200, 404)
MEMBERS_API = (401, 404, 200, 200, 200, 200, 404)
# Moderators' reads and decisions: a reviewer of the project is refused, anyone else is
# told nothing exists.
MODERATORS_API = (401, 404, 404, 403, 200, 200, 404)


def settings_of(world) -> str:
    return f"/projects/{world['project'].slug}/settings/"


def category_of(world):
    return world["project"].categories.get(code="detention")


def membership_of(world, name):
    from annotator.models import Membership

    return Membership.objects.get(project=world["project"], user=world["users"][name])


def w_user(world, name) -> int:
    return world["users"][name].pk


def assignment_of_user(world, key, name) -> int:
    return Assignment.objects.get(document=world[key], reviewer=world["users"][name]).pk


def version_of(world) -> int:
    """A taxonomy version of the walk's project (its first), made on first use."""
    from annotator.services.taxonomy import taxonomy_version_create

    if "version" not in world:
        world["version"] = taxonomy_version_create(project=world["project"], actor=None).number
    return world["version"]


def gold_of(world) -> int:
    """A gold span of the document in moderation, drawn by the moderator, made on first use."""
    from annotator.alignment import Span
    from annotator.services.gold import gold_create

    if "gold" not in world:
        world["gold"] = gold_create(
            document=world["moderated"],
            moderator=world["users"]["moderator"],
            span=Span(0, 3, "detention", "", "", ""),
            quote="She",
        ).pk
    return world["gold"]


def resolved_item_of(world) -> ModerationItem:
    """The reconciled document's item, resolved (rejected) by the moderator."""
    return ModerationItem.objects.get(document=world["reconciled"])


def incident_item_of(world, *, resolved: bool = False) -> int:
    """An incident item of the document in moderation (one reviewer recorded an incident
    the other did not), made on first use; resolved (rejected) by the moderator if asked."""
    from annotator.models import IncidentItem
    from annotator.services.incident_moderation import incident_item_resolve

    if "incident_item" not in world:
        record = {"act": [8, 16], "category": "detention", "evidence_status": "unknown",
                  "slots": [], "note": ""}  # fmt: skip
        world["incident_item"] = IncidentItem.objects.create(
            document=world["moderated"],
            act_start=8,
            act_end=16,
            kinds=["missing"],
            versions={str(w_user(world, "assigned")): [record]},
            signature="1" * 64,
        )
    item = world["incident_item"]
    if resolved and item.status == "open":
        world["incident_item"] = incident_item_resolve(
            item_id=item.pk, moderator=world["users"]["moderator"], version=item.version,
            reviewer=None,
        )  # fmt: skip
    return world["incident_item"].pk


def relation_item_of(world, *, resolved: bool = False) -> int:
    """A relation item of the document in moderation (one reviewer linked two passages the
    other did not), made on first use; resolved (rejected) by the moderator if asked."""
    from annotator.models import RelationItem
    from annotator.services.relation_moderation import relation_item_resolve

    if "relation_item" not in world:
        world["relation_item"] = RelationItem.objects.create(
            document=world["moderated"],
            first_start=0,
            first_end=3,
            second_start=8,
            second_end=16,
            kinds=["missing"],
            versions={str(w_user(world, "assigned")): [["denies", [0, 3], [8, 16], False]]},
            signature="0" * 64,
        )
    item = world["relation_item"]
    if resolved and item.status == "open":
        world["relation_item"] = relation_item_resolve(
            item_id=item.pk, moderator=world["users"]["moderator"], version=item.version, keep=[]
        )
    return world["relation_item"].pk


# (method, url builder, body or None (or a builder), expected statuses in the order of USERS)
CASES = {
    "project list": ("get", lambda w: "/", None, (302, 200, 200, 200, 200, 200, 200)),
    "document list": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/",
        None,
        (302, 404, 200, 200, 200, 200, 404),
    ),
    "auto assign": (
        "post",
        lambda w: f"/projects/{w['project'].slug}/assign/",
        {},
        (302, 404, 403, 403, 403, 302, 404),
    ),
    "detect languages": (
        "post",
        lambda w: f"/projects/{w['project'].slug}/languages/detect/",
        {},
        MANAGERS_POST,
    ),
    "next document": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/next/",
        None,
        (302, 404, 302, 302, 403, 403, 404),
    ),
    "document": ("get", lambda w: doc_url(w, "open"), None, (302, 404, 404, 200, 200, 200, 404)),
    "editor": (
        "get",
        lambda w: doc_url(w, "open", "annotate/"),
        None,
        (302, 404, 404, 200, 403, 403, 404),
    ),
    "original file": (
        "get",
        lambda w: doc_url(w, "open", "original"),
        None,
        (302, 404, 404, 200, 200, 200, 404),
    ),
    "submit": (
        "post",
        lambda w: doc_url(w, "open", "submit/"),
        {},
        (302, 404, 404, 302, 403, 403, 404),
    ),
    "assign one": (
        "post",
        lambda w: doc_url(w, "open", "assign/"),
        {"reviewer": "0"},
        (302, 404, 404, 403, 403, 302, 404),
    ),
    "retitle": (
        "post",
        lambda w: doc_url(w, "open", "title/"),
        {"title": "A corrected title"},
        (302, 404, 404, 403, 403, 302, 404),
    ),
    "reopen": (
        "post",
        lambda w: doc_url(w, "moderated", f"assignments/{assignment_of(w, 'moderated')}/reopen/"),
        {},
        (302, 404, 404, 403, 302, 302, 404),
    ),
    "reopen another document's assignment": (
        "post",
        lambda w: doc_url(w, "moderated", f"assignments/{assignment_of(w, 'open')}/reopen/"),
        {},
        (302, 404, 404, 403, 404, 404, 404),
    ),
    "start moderation": (
        "post",
        lambda w: doc_url(w, "open", "moderate/"),
        {},
        (302, 404, 404, 403, 302, 302, 404),
    ),
    "feedback": (
        "get",
        lambda w: doc_url(w, "reconciled", "feedback/"),
        None,
        (302, 404, 404, 200, 403, 403, 404),
    ),
    "history": (
        "get",
        lambda w: doc_url(w, "open", "history/"),
        None,
        (302, 404, 404, 403, 200, 200, 404),
    ),
    "category colours": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/categories.css",
        None,
        (302, 404, 200, 200, 200, 200, 404),
    ),
    "import form": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/import/",
        None,
        (302, 404, 403, 403, 403, 200, 404),
    ),
    "import": (
        "post",
        lambda w: f"/projects/{w['project'].slug}/import/",
        {},
        (302, 404, 403, 403, 403, 200, 404),
    ),
    "api import": (
        "post",
        lambda w: f"/api/v1/projects/{w['project'].slug}/documents",
        {"files": "not a file"},
        (401, 404, 403, 403, 403, 400, 404),
    ),
    "imports": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/imports/",
        None,
        (302, 404, 403, 403, 403, 200, 404),
    ),
    "import report": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/import/{import_run_of(w).pk}/",
        None,
        (302, 404, 403, 403, 403, 200, 404),
    ),
    "load an imported taxonomy": (
        "post",
        lambda w: f"/projects/{w['project'].slug}/import/{import_run_of(w).pk}/taxonomy/0/",
        {},
        (302, 404, 403, 403, 403, 302, 404),
    ),
    "export form": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/export/",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "export download": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/export/?format=csv&layer=reviewers&download=1",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "api export": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/export?format=csv&layer=reviewers",
        None,
        (401, 404, 403, 403, 200, 200, 404),
    ),
    "api annotation": (
        "get",
        lambda w: f"/api/v1/annotations/{w['annotation'].pk}",
        None,
        # Blind annotation: an unsubmitted span is its reviewer's alone.
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api export summary": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/export/summary?format=csv&layer=reviewers",
        None,
        (401, 404, 403, 403, 200, 200, 404),
    ),
    "agreement": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/agreement/",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "agreement csv": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/agreement/?download=csv",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "moderation queue": (
        "get",
        lambda w: "/moderation/",
        None,
        (302, 403, 403, 403, 200, 200, 403),
    ),
    "moderation item": (
        "get",
        lambda w: f"/moderation/items/{w['item'].pk}/",
        None,
        (302, 404, 404, 404, 200, 200, 404),
    ),
    "resolve item": (
        "post",
        lambda w: f"/moderation/items/{w['item'].pk}/",
        {"version": 1, "decision": "reject"},
        (302, 404, 404, 404, 302, 302, 404),
    ),
    "admin": ("get", lambda w: "/admin/", None, (302, 302, 302, 302, 302, 302, 200)),
    "api docs": ("get", lambda w: "/api/v1/docs", None, (302, 200, 200, 200, 200, 200, 200)),
    "api categories": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/categories",
        None,
        (401, 404, 200, 200, 200, 200, 404),
    ),
    "api document": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api list annotations": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}/annotations",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api create annotation": (
        "post_json",
        lambda w: f"/api/v1/documents/{w['open'].pk}/annotations",
        {"start": 0, "end": 2, "quote": "He", "category": "detention"},
        (401, 404, 404, 201, 403, 403, 404),
    ),
    "api change annotation": (
        "patch_json",
        lambda w: f"/api/v1/annotations/{w['annotation'].pk}",
        {"version": 1, "note": "changed"},
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api delete annotation": (
        "delete",
        lambda w: f"/api/v1/annotations/{w['annotation'].pk}?version=1",
        None,
        (401, 404, 404, 204, 404, 404, 404),
    ),
    # --- Relations between spans (issue 17): blind like spans ---------------------------
    "api relation types": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/relation-types",
        None,
        MEMBERS_API,
    ),
    "api list relations": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}/relations",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api create relation": (
        "post_json",
        lambda w: f"/api/v1/documents/{w['open'].pk}/relations",
        lambda w: {
            "source": w["annotation"].pk,
            "target": second_span_of(w).pk,
            "type": relation_type_of(w).code,
        },
        (401, 404, 404, 201, 403, 403, 404),
    ),
    "api relation": (
        "get",
        lambda w: f"/api/v1/relations/{relation_of(w).pk}",
        None,
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api change relation": (
        "patch_json",
        lambda w: f"/api/v1/relations/{relation_of(w).pk}",
        {"version": 1, "note": "changed"},
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api delete relation": (
        "delete",
        lambda w: f"/api/v1/relations/{relation_of(w).pk}?version=1",
        None,
        (401, 404, 404, 204, 404, 404, 404),
    ),
    # --- Incident records (issue 17): blind like spans ----------------------------------
    "api incident roles": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/incident-roles",
        None,
        MEMBERS_API,
    ),
    "api list incidents": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}/incidents",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api create incident": (
        "post_json",
        lambda w: f"/api/v1/documents/{w['open'].pk}/incidents",
        lambda w: {"act": w["annotation"].pk},
        (401, 404, 404, 201, 403, 403, 404),
    ),
    "api incident": (
        "get",
        lambda w: f"/api/v1/incidents/{incident_of(w).pk}",
        None,
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api change incident": (
        "patch_json",
        lambda w: f"/api/v1/incidents/{incident_of(w).pk}",
        {"version": 1, "note": "changed"},
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api delete incident": (
        "delete",
        lambda w: f"/api/v1/incidents/{incident_of(w).pk}?version=1",
        None,
        (401, 404, 404, 204, 404, 404, 404),
    ),
    "api fill an incident role": (
        "post_json",
        lambda w: f"/api/v1/incidents/{incident_of(w).pk}/slots",
        lambda w: {"role": incident_role_of(w).code, "annotation": second_span_of(w).pk},
        (401, 404, 404, 201, 404, 404, 404),
    ),
    "api empty an incident slot": (
        "delete",
        lambda w: f"/api/v1/incidents/{incident_of(w).pk}/slots/{incident_slot_of(w).pk}",
        None,
        (401, 404, 404, 204, 404, 404, 404),
    ),
    "own api tokens": ("get", lambda w: "/account/tokens/", None, (302, *[200] * 6)),
    "make an api token": (
        "post",
        lambda w: "/account/tokens/",
        {"name": "walk"},
        (302, *[302] * 6),
    ),
    # Only its owner may revoke a token; for anyone else, staff included, it does not exist.
    "revoke the manager's token": (
        "post",
        lambda w: f"/account/tokens/{token_of(w, 'manager').pk}/revoke/",
        {},
        (302, 404, 404, 404, 404, 302, 404),
    ),
    # --- Project administration (issue 15): settings, taxonomy, members, assignments ------
    "new project form": (
        "get",
        lambda w: "/new-project/",
        None,
        (302, 403, 403, 403, 403, 403, 200),
    ),
    "create a project": (
        "post",
        lambda w: "/new-project/",
        {"name": "Walk two", "slug": "walk-two", "reviewers_per_document": 2},
        (302, 403, 403, 403, 403, 403, 302),
    ),
    "project settings": (
        "get",
        lambda w: f"{settings_of(w)}",
        None,
        MANAGERS_PAGE,
    ),
    "change the settings": (
        "post",
        lambda w: f"{settings_of(w)}",
        {"name": "Walk", "slug": "walk", "reviewers_per_document": 2},
        MANAGERS_POST,
    ),
    "taxonomy page": ("get", lambda w: f"{settings_of(w)}taxonomy/", None, MANAGERS_PAGE),
    "add a category": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/",
        {"code": "new_one", "name": "New one", "colour": "#0072B2"},
        MANAGERS_POST,
    ),
    "category form": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/{category_of(w).pk}/",
        None,
        MANAGERS_PAGE,
    ),
    "edit a category": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/{category_of(w).pk}/",
        {"code": "detention", "name": "Detention", "colour": "#0072B2"},
        MANAGERS_POST,
    ),
    "move a category": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/{category_of(w).pk}/move/",
        {"direction": "down"},
        MANAGERS_POST,
    ),
    "retire a category": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/{category_of(w).pk}/retire/",
        {"retired": "1"},
        MANAGERS_POST,
    ),
    "delete a category": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/{category_of(w).pk}/delete/",
        {},
        MANAGERS_POST,
    ),
    "relation type form, new": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/relation-types/new/",
        None,
        MANAGERS_PAGE,
    ),
    "add a relation type": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/relation-types/new/",
        {"code": "denies", "name": "Denies", "target_categories": ["detention"]},
        MANAGERS_POST,
    ),
    "relation type form": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/relation-types/{relation_type_of(w).pk}/",
        None,
        MANAGERS_PAGE,
    ),
    "edit a relation type": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/relation-types/{relation_type_of(w).pk}/",
        {"name": "Corroborates", "definition": "Says the same."},
        MANAGERS_POST,
    ),
    "retire a relation type": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/relation-types/{relation_type_of(w).pk}/retire/",
        {"retired": "1"},
        MANAGERS_POST,
    ),
    "incident role form, new": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/incident-roles/new/",
        None,
        MANAGERS_PAGE,
    ),
    "add an incident role": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/incident-roles/new/",
        {"code": "witnesses", "name": "Witnesses", "categories": ["detention"]},
        MANAGERS_POST,
    ),
    "incident role form": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/incident-roles/{incident_role_of(w).pk}/",
        None,
        MANAGERS_PAGE,
    ),
    "edit an incident role": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/incident-roles/{incident_role_of(w).pk}/",
        {"name": "Sources", "definition": "Who says so.", "multiple": "on"},
        MANAGERS_POST,
    ),
    "delete an incident role": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/incident-roles/{incident_role_of(w).pk}/delete/",
        {},
        MANAGERS_POST,
    ),
    "taxonomy upload form": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/upload/",
        None,
        MANAGERS_PAGE,
    ),
    "taxonomy upload": (
        "post",
        lambda w: f"{settings_of(w)}taxonomy/upload/",
        {},
        MANAGERS_PAGE,
    ),
    "taxonomy download": (
        "get",
        lambda w: f"{settings_of(w)}taxonomy/download/",
        None,
        MANAGERS_PAGE,
    ),
    "members page": ("get", lambda w: f"{settings_of(w)}members/", None, MANAGERS_PAGE),
    "add a member": (
        "post",
        lambda w: f"{settings_of(w)}members/",
        {"username": "outsider", "role": "reviewer"},
        MANAGERS_POST,
    ),
    "make an account": (
        "post",
        lambda w: f"{settings_of(w)}members/new/",
        {"username": "walker", "role": "reviewer"},
        MANAGERS_POST,
    ),
    "change a role": (
        "post",
        lambda w: f"{settings_of(w)}members/{membership_of(w, 'second').pk}/role/",
        {"role": "moderator"},
        MANAGERS_POST,
    ),
    "remove a member": (
        "post",
        lambda w: f"{settings_of(w)}members/{membership_of(w, 'second').pk}/remove/",
        {},
        MANAGERS_POST,
    ),
    "new set-password link": (
        "post",
        lambda w: f"{settings_of(w)}members/{membership_of(w, 'second').pk}/link/",
        {},
        MANAGERS_POST,
    ),
    "assignments grid": (
        "get",
        lambda w: f"{settings_of(w)}assignments/",
        None,
        MANAGERS_PAGE,
    ),
    "bulk assignment": (
        "post",
        lambda w: f"{settings_of(w)}assignments/",
        lambda w: {"scope": "filtered", "reviewer": w_user(w, "unassigned"), "operation": "assign"},
        MANAGERS_POST,
    ),
    "assignment plan": (
        "get",
        lambda w: f"{settings_of(w)}assignments/plan/",
        None,
        MANAGERS_PAGE,
    ),
    "apply a plan": (
        "post",
        lambda w: f"{settings_of(w)}assignments/plan/",
        {"plan": "1:1"},
        MANAGERS_PAGE,
    ),
    "unassign": (
        "post",
        lambda w: (
            f"{settings_of(w)}assignments/{assignment_of_user(w, 'open', 'second')}/unassign/"
        ),
        {},
        MANAGERS_POST,
    ),
    "progress": ("get", lambda w: f"{settings_of(w)}progress/", None, MANAGERS_PAGE),
    "document description": (
        "post",
        lambda w: doc_url(w, "open", "metadata/"),
        {"direction": "auto", "publisher": "A publisher"},
        (302, 404, 404, 403, 403, 302, 404),
    ),
    "set-password page": (
        "get",
        lambda w: "/accounts/set-password/MQ/not-a-token/",
        None,
        (200, 200, 200, 200, 200, 200, 200),
    ),
    "api projects": ("get", lambda w: "/api/v1/projects", None, (401, *[200] * 6)),
    "api create project": (
        "post_json",
        lambda w: "/api/v1/projects",
        {"slug": "walk-api", "name": "Walk API"},
        (401, 403, 403, 403, 403, 403, 201),
    ),
    "api project": (
        "get",
        lambda w: "/api/v1/projects/walk",
        None,
        MEMBERS_API,
    ),
    "api change project": (
        "patch_json",
        lambda w: "/api/v1/projects/walk",
        {"name": "Walk"},
        MANAGERS_API,
    ),
    "api taxonomy": ("get", lambda w: "/api/v1/projects/walk/taxonomy", None, MEMBERS_API),
    "api change taxonomy": (
        "put_json",
        lambda w: "/api/v1/projects/walk/taxonomy",
        {"categories": [{"code": "detention", "name": "Detention"}], "dry_run": True},
        MANAGERS_API,
    ),
    "api upload taxonomy": (
        "post",
        lambda w: "/api/v1/projects/walk/taxonomy/file",
        {"file": "not a file"},
        (401, 404, 403, 403, 403, 400, 404),
    ),
    "api taxonomy versions": (
        "get",
        lambda w: "/api/v1/projects/walk/taxonomy/versions",
        None,
        (401, 404, 403, 403, 200, 200, 404),
    ),
    "api taxonomy version": (
        "get",
        lambda w: f"/api/v1/projects/walk/taxonomy/versions/{version_of(w)}",
        None,
        (401, 404, 403, 403, 200, 200, 404),
    ),
    "api members": ("get", lambda w: "/api/v1/projects/walk/members", None, MANAGERS_API),
    "api add member": (
        "post_json",
        lambda w: "/api/v1/projects/walk/members",
        {"username": "outsider"},
        (401, 404, 403, 403, 403, 201, 404),
    ),
    "api change member": (
        "patch_json",
        lambda w: "/api/v1/projects/walk/members/second",
        {"role": "moderator"},
        MANAGERS_API,
    ),
    "api remove member": (
        "delete",
        lambda w: "/api/v1/projects/walk/members/second",
        None,
        MANAGERS_API,
    ),
    "api make an account": (
        "post_json",
        lambda w: "/api/v1/projects/walk/users",
        {"username": "walker"},
        (401, 404, 403, 403, 403, 201, 404),
    ),
    "api documents": ("get", lambda w: "/api/v1/projects/walk/documents", None, MEMBERS_API),
    "api change document": (
        "patch_json",
        lambda w: f"/api/v1/documents/{w['open'].pk}",
        {"publisher": "A publisher"},
        (401, 404, 404, 403, 403, 200, 404),
    ),
    "api original": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}/original",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api assignments": (
        "get",
        lambda w: "/api/v1/projects/walk/assignments",
        None,
        MANAGERS_API,
    ),
    "api assign": (
        "post_json",
        lambda w: "/api/v1/projects/walk/assignments",
        lambda w: {"documents": [w["open"].pk], "reviewer": "unassigned"},
        MANAGERS_API,
    ),
    "api unassign many": (
        "post_json",
        lambda w: "/api/v1/projects/walk/assignments/delete",
        lambda w: {"documents": [w["open"].pk], "reviewer": "second"},
        MANAGERS_API,
    ),
    "api unassign one": (
        "delete",
        lambda w: f"/api/v1/projects/walk/assignments/{assignment_of_user(w, 'open', 'second')}",
        None,
        (401, 404, 403, 403, 403, 204, 404),
    ),
    "api automatic assignment": (
        "post_json",
        lambda w: "/api/v1/projects/walk/assignments/auto",
        {"dry_run": True},
        MANAGERS_API,
    ),
    "api submit a layer": (
        "post",
        lambda w: f"/api/v1/documents/{w['open'].pk}/submit",
        {},
        (401, 404, 404, 200, 403, 403, 404),
    ),
    "api reopen a layer": (
        "post",
        lambda w: (
            f"/api/v1/documents/{w['moderated'].pk}/assignments/"
            f"{assignment_of(w, 'moderated')}/reopen"
        ),
        {},
        (401, 404, 404, 403, 200, 200, 404),
    ),
    "api agreement": (
        "get",
        lambda w: "/api/v1/projects/walk/agreement",
        None,
        (401, 404, 403, 403, 200, 200, 404),
    ),
    "curation page": (
        "get",
        lambda w: doc_url(w, "moderated", "curate/"),
        None,
        (302, 404, 404, 403, 200, 200, 404),
    ),
    "gold read view in moderation": (
        "get",
        lambda w: doc_url(w, "moderated", "gold/"),
        None,
        (302, 404, 404, 403, 200, 200, 404),
    ),
    "gold read view reconciled": (
        "get",
        lambda w: doc_url(w, "reconciled", "gold/"),
        None,
        (302, 404, 404, 200, 200, 200, 404),
    ),
    "reopen item": (
        "post",
        lambda w: f"/moderation/items/{resolved_item_of(w).pk}/reopen/",
        lambda w: {"version": resolved_item_of(w).version, "rationale": "Looked again."},
        (302, 404, 404, 404, 302, 302, 404),
    ),
    "api items of a document": (
        "get",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/items",
        None,
        MODERATORS_API,
    ),
    "api item": ("get", lambda w: f"/api/v1/items/{w['item'].pk}", None, MODERATORS_API),
    "api resolve item": (
        "post_json",
        lambda w: f"/api/v1/items/{w['item'].pk}/resolve",
        {"version": 1, "resolution": "reject", "spans": [], "reason": "other"},
        MODERATORS_API,
    ),
    "api reopen item": (
        "post_json",
        lambda w: f"/api/v1/items/{resolved_item_of(w).pk}/reopen",
        lambda w: {"version": resolved_item_of(w).version, "rationale": "Looked again."},
        MODERATORS_API,
    ),
    "api relation items of a document": (
        "get",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/relation-items",
        None,
        MODERATORS_API,
    ),
    "api resolve relation item": (
        "post_json",
        lambda w: f"/api/v1/relation-items/{relation_item_of(w)}/resolve",
        {"version": 1, "keep": [], "reason": "other"},
        MODERATORS_API,
    ),
    "api reopen relation item": (
        "post_json",
        lambda w: f"/api/v1/relation-items/{relation_item_of(w, resolved=True)}/reopen",
        {"version": 2, "rationale": "Looked again."},
        MODERATORS_API,
    ),
    "api gold relations of a document in moderation": (
        "get",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/gold-relations",
        None,
        MODERATORS_API,
    ),
    "api gold relations of a reconciled document": (
        "get",
        lambda w: f"/api/v1/documents/{w['reconciled'].pk}/gold-relations",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api incident items of a document": (
        "get",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/incident-items",
        None,
        MODERATORS_API,
    ),
    "api resolve incident item": (
        "post_json",
        lambda w: f"/api/v1/incident-items/{incident_item_of(w)}/resolve",
        {"version": 1, "reviewer": "", "reason": "other"},
        MODERATORS_API,
    ),
    "api reopen incident item": (
        "post_json",
        lambda w: f"/api/v1/incident-items/{incident_item_of(w, resolved=True)}/reopen",
        {"version": 2, "rationale": "Looked again."},
        MODERATORS_API,
    ),
    "api gold incidents of a document in moderation": (
        "get",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/gold-incidents",
        None,
        MODERATORS_API,
    ),
    "api gold incidents of a reconciled document": (
        "get",
        lambda w: f"/api/v1/documents/{w['reconciled'].pk}/gold-incidents",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api gold of a document in moderation": (
        "get",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/gold",
        None,
        MODERATORS_API,
    ),
    "api gold of a reconciled document": (
        "get",
        lambda w: f"/api/v1/documents/{w['reconciled'].pk}/gold",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api add a gold span": (
        "post_json",
        lambda w: f"/api/v1/documents/{w['moderated'].pk}/gold",
        {"start": 0, "end": 3, "category": "detention", "quote": "She"},
        (401, 404, 404, 403, 201, 201, 404),
    ),
    "api gold span": ("get", lambda w: f"/api/v1/gold/{gold_of(w)}", None, MODERATORS_API),
    "api change a gold span": (
        "patch_json",
        lambda w: f"/api/v1/gold/{gold_of(w)}",
        {"version": 1, "note": "Checked against the report."},
        MODERATORS_API,
    ),
    "api delete a gold span": (
        "delete",
        lambda w: f"/api/v1/gold/{gold_of(w)}?version=1",
        None,
        (401, 404, 404, 403, 204, 204, 404),
    ),
    "api set a password": (
        "post_json",
        lambda w: "/api/v1/account/password",
        {"uid": "MQ", "token": "not-a-token", "password": "x"},
        (400, 400, 400, 400, 400, 400, 400),
    ),
}


def relation_type_of(world):
    """A relation type of the walk's project, any category at either end, made on first use."""
    from annotator.models import RelationType

    if "relation_type" not in world:
        world["relation_type"] = RelationType.objects.create(
            project=world["project"], code="corroborates", name="Corroborates"
        )
    return world["relation_type"]


def second_span_of(world):
    """Another span of the assigned reviewer on the open document ("2017"), made on first use."""
    if "second_span" not in world:
        text = world["open"].text
        start = text.index("2017")
        world["second_span"] = make_annotation(
            world["open"], world["users"]["assigned"], category_of(world), start, start + 4
        )
    return world["second_span"]


def relation_of(world):
    """The assigned reviewer's relation between their two spans of the open document."""
    from annotator.services.relations import relation_create

    if "relation" not in world:
        world["relation"] = relation_create(
            document=world["open"],
            reviewer=world["users"]["assigned"],
            source_id=world["annotation"].pk,
            target_id=second_span_of(world).pk,
            relation_type=relation_type_of(world),
        )
    return world["relation"]


def incident_role_of(world):
    """An incident role of the walk's project, any category, made on first use."""
    from annotator.models import IncidentRole

    if "incident_role" not in world:
        world["incident_role"] = IncidentRole.objects.create(
            project=world["project"], code="source", name="Source", multiple=True
        )
    return world["incident_role"]


def incident_of(world):
    """The assigned reviewer's incident whose act is their span of the open document."""
    from annotator.services.incidents import incident_create

    if "incident" not in world:
        world["incident"] = incident_create(
            document=world["open"],
            reviewer=world["users"]["assigned"],
            act_id=world["annotation"].pk,
        )
    return world["incident"]


def incident_slot_of(world):
    """A slot of that incident, filled with the reviewer's second span."""
    from annotator.services.incidents import incident_slot_add

    if "incident_slot" not in world:
        world["incident_slot"] = incident_slot_add(
            incident_id=incident_of(world).pk,
            actor=world["users"]["assigned"],
            role=incident_role_of(world),
            annotation_id=second_span_of(world).pk,
        )
    return world["incident_slot"]


def token_of(world, name):
    """The user's API token in this world, made on first use."""
    from annotator.services.tokens import api_token_create

    tokens = world.setdefault("tokens", {})
    if name not in tokens:
        tokens[name], _ = api_token_create(user=world["users"][name], name=f"{name}'s script")
    return tokens[name]


def import_run_of(world):
    """An import run of the walk's project (with one row), made on first use."""
    from annotator.models import ImportVia
    from annotator.selectors.importing import import_run_get
    from annotator.services.importing import SourceFile, documents_import

    if "import_run" not in world:
        report = documents_import(
            project=world["project"],
            sources=[SourceFile("walk.txt", b"Imported for the walk.")],
            imported_by=world["users"]["manager"],
            via=ImportVia.WEB,
        )
        world["import_run"] = import_run_get(project=world["project"], run_id=report.run_id)
    return world["import_run"]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("who", USERS)
def test_who_gets_what(world, case, who):
    method, url_of, body, expected = CASES[case]
    client = Client()
    if who != "anonymous":
        client.force_login(world["users"][who])
    url = url_of(world)
    if callable(body):  # a body that names something of the world
        body = body(world)
    if method == "get":
        response = client.get(url)
    elif method == "post":
        response = client.post(url, body)
    elif method == "delete":
        response = client.delete(url)
    else:
        verb = getattr(client, method.removesuffix("_json"))
        response = verb(url, json.dumps(body), content_type="application/json")
    assert response.status_code == expected[USERS.index(who)], (
        f"{case}: {who} got {response.status_code}"
    )


@pytest.mark.parametrize("who", USERS[1:])
def test_each_user_sees_only_their_own_api_tokens(world, who):
    for name in world["users"]:
        token_of(world, name)
    client = Client()
    client.force_login(world["users"][who])
    page = client.get("/account/tokens/").content.decode()
    shown = [name for name in world["users"] if f">{name}&#x27;s script<" in page]
    assert shown == [who]
    assert page.count(token_of(world, who).prefix) == 1


# --- No reviewer identity: what a moderator of an anonymously moderated project sees --------

# Ids no other number on these pages (offsets, sizes, primary keys) comes near, so that any
# appearance of one, in a value, a URL or JSON, is the reviewer's id and nothing else.
REVIEWER_IDS = {"kestrel-reviewer": 7340033, "heron-reviewer": 7340051}


@pytest.fixture
def anonymous_world():
    """An anonymously moderated project: two reviewers annotated and submitted, the manager
    assigned them through the service (so the history names them), moderation started and
    one of its two items resolved by accepting a reviewer's version."""
    from annotator.services.assignments import assignment_create

    project = ProjectFactory(slug="anonymous-walk", anonymous_moderation=True)
    detention = CategoryFactory(project=project, code="detention")
    torture = CategoryFactory(project=project, code="torture")
    moderator = UserFactory(username="the-moderator")
    manager = UserFactory(username="the-manager")
    reviewers = [UserFactory(username=name, id=pk) for name, pk in REVIEWER_IDS.items()]
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    for reviewer in reviewers:
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    text = "She was detained. He was beaten. They were sent to work."
    document = make_document(project, text, assign=False, imported_by=manager)
    for reviewer in reviewers:
        assignment_create(document=document, reviewer=reviewer, actor=manager)
    first, second = reviewers
    make_annotation(document, first, detention, 8, 16)
    make_annotation(document, second, torture, 8, 16)
    make_annotation(document, first, torture, 25, 31)
    for reviewer in reviewers:
        review_submit(document=document, reviewer=reviewer)
    items = list(ModerationItem.objects.filter(document=document).order_by("start"))
    assert len(items) == 2, "submitting both layers starts moderation"
    item_resolve(
        item_id=items[0].pk,
        moderator=moderator,
        version=1,
        resolution="accept_reviewer",
        spans=[(8, 16, "detention")],
    )
    return {
        "project": project,
        "document": document,
        "moderator": moderator,
        "reviewers": reviewers,
        "resolved": items[0],
        "open": items[1],
    }


def _anonymous_pages(w):
    project, document = w["project"].slug, w["document"].pk
    base = f"/projects/{project}/documents/{document}/"
    return {
        "project list": ("/", 200),
        "document list": (f"/projects/{project}/", 200),
        "document": (base, 200),
        "history": (f"{base}history/", 200),
        "editor": (f"{base}annotate/", 403),
        "queue": ("/moderation/", 200),
        "queue of the document": (f"/moderation/?document={document}", 200),
        "open item": (f"/moderation/items/{w['open'].pk}/", 200),
        "resolved item": (f"/moderation/items/{w['resolved'].pk}/", 200),
        "agreement": (f"/projects/{project}/agreement/", 200),
        "agreement csv": (f"/projects/{project}/agreement/?download=csv", 200),
        "agreement json": (f"/projects/{project}/agreement/?download=json", 200),
        "export page": (f"/projects/{project}/export/", 200),
        "export preview": (f"/projects/{project}/export/?format=jsonl&layer=all&preview=1", 200),
        "export download": (
            f"/projects/{project}/export/?format=jsonl&layer=all&download=1",
            200,
        ),
    }


ANONYMOUS_PAGES = (
    "project list",
    "document list",
    "document",
    "history",
    "editor",
    "queue",
    "queue of the document",
    "open item",
    "resolved item",
    "agreement",
    "agreement csv",
    "agreement json",
    "export page",
    "export preview",
    "export download",
)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("page", ANONYMOUS_PAGES)
def test_no_reviewer_identity_reaches_a_moderator(anonymous_world, page):
    """No reviewer's user name or user id is on any page or download of an anonymously
    moderated project that its moderator opens: not in text, a button's value, a URL nor
    JSON (``"reviewer": 7340033``)."""
    import re

    url, status = _anonymous_pages(anonymous_world)[page]
    client = Client()
    client.force_login(anonymous_world["moderator"])
    response = client.get(url)
    assert response.status_code == status, f"{page}: {response.status_code}"
    body = _body(response)
    for reviewer in anonymous_world["reviewers"]:
        assert reviewer.username not in body, f"{page} names {reviewer.username}"
        shown = re.search(rf"(?<!\d){reviewer.pk}(?!\d)", body)
        assert shown is None, (
            f"{page} shows the id of {reviewer.username}: "
            f"…{body[max(0, shown.start() - 60) : shown.end() + 20]}…"
        )


def test_the_identity_walk_covers_every_page_it_names(anonymous_world):
    names = {page.values[0] if hasattr(page, "values") else page for page in ANONYMOUS_PAGES}
    assert names == set(_anonymous_pages(anonymous_world))


@pytest.mark.parametrize("page", ["document", "history", "open item"])
def test_the_identity_walk_would_see_names(anonymous_world, page):
    """The walk's control: the project's manager, who may see names, gets them on the same
    pages, so the walk above looks where names would be."""
    from annotator.models import Membership

    manager = Membership.objects.get(project=anonymous_world["project"], role=Role.MANAGER).user
    client = Client()
    client.force_login(manager)
    body = _body(client.get(_anonymous_pages(anonymous_world)[page][0]))
    assert all(reviewer.username in body for reviewer in anonymous_world["reviewers"])


def test_the_walk_covers_every_api_operation(world):
    """Every operation in the OpenAPI schema is walked above with every kind of user: an
    endpoint added without its row here fails this test, not a later audit."""
    import re

    schema = Client().get("/api/v1/openapi.json")
    if schema.status_code != 200:  # the schema is for members; any member may read it
        client = Client()
        client.force_login(world["users"]["assigned"])
        schema = client.get("/api/v1/openapi.json")
    operations = {
        (method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
        for path, item in schema.json()["paths"].items()
        for method in item
    }
    walked = set()
    for method, url_of, _body, _expected in CASES.values():
        url = url_of(world).split("?", 1)[0]
        verb = method.removesuffix("_json")
        walked |= {(m, path) for m, pattern, path in operations if m == verb and pattern.match(url)}
    missing = sorted(f"{m.upper()} {path}" for m, _, path in operations if (m, path) not in walked)
    assert not missing, f"operations no row of the walk reaches: {missing}"


# Pages no walk needs: the sign-in pages, open to all, and the icon's redirect.
UNWALKED_PAGES = {"login", "logout", "favicon"}


def test_the_walk_covers_every_page(world):
    """Every page of ``urls.py`` (the API has its own check above, the admin its own
    permissions) is walked above with every kind of user: a page added without its row
    here fails this test."""
    from django.urls import URLResolver, get_resolver, resolve

    def names(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from names(pattern, route)
            elif not route.startswith(("api/", "admin/")):
                yield pattern.name or route.removesuffix(".ico")

    walked = {
        resolve(url_of(world).split("?", 1)[0]).url_name for _, url_of, _, _ in CASES.values()
    }
    missing = sorted(set(names(get_resolver())) - walked - UNWALKED_PAGES)
    assert not missing, f"pages no row of the walk reaches: {missing}"
