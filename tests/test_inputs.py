"""Bad input never makes a 5xx, the API answers JSON only, and uploads are bounded.

Each test here is an attack that once succeeded: an id past 64 bits (OverflowError on
SQLite), U+0000 in a text (DataError on PostgreSQL), Django's HTML error pages under the
API, the schema hidden from token users, uploads read whole into memory or spooled to disk
for anonymous senders, and confidential pages left to shared caches.
"""

from __future__ import annotations

import json
import tracemalloc
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import connection
from django.test import Client
from django.test.client import FakePayload, encode_multipart
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from annotator.models import Annotation, Document, Role
from annotator.services.assignments import review_submit
from annotator.services.importing import ImportLimits, uploaded_sources
from annotator.services.moderation_start import moderation_start
from annotator.services.tokens import api_token_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

BIG = 2**63  # one past the largest id a database holds
LARGEST = 2**63 - 1
NUL = "\x00"
TEXT = "He was detained in 2017. She was beaten in custody."


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def team(project, reviewer):
    """A project with a manager, a moderator, two reviewers who submitted different layers
    of one document (so that moderation has an item), and an annotation to change."""
    detention = CategoryFactory(project=project, code="detention", name="Detention")
    torture = CategoryFactory(project=project, code="torture", name="Torture")
    manager = UserFactory(username="manager")
    moderator = UserFactory(username="moderator")
    second = UserFactory(username="second-reviewer")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    MembershipFactory(project=project, user=second, role=Role.REVIEWER)
    submitted = make_document(project, TEXT, title="Submitted")
    make_annotation(submitted, reviewer, detention, *at("detained"))
    make_annotation(submitted, second, torture, *at("detained"))
    for user in (reviewer, second):
        review_submit(document=submitted, reviewer=user)
    moderation_start(document=submitted, actor=moderator)
    document = make_document(project, TEXT + " Open.", title="Open")
    annotation = make_annotation(document, reviewer, detention, *at("detained"))
    return {
        "project": project,
        "manager": manager,
        "moderator": moderator,
        "reviewer": reviewer,
        "document": document,
        "submitted": submitted,
        "annotation": annotation,
        "item": submitted.moderation_items.first(),
    }


def quiet(client: Client) -> Client:
    """A client that returns the 500 page rather than raising the view's exception."""
    client.raise_request_exception = False
    return client


def token_for(user) -> str:
    _, secret = api_token_create(user=user, name="script")
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- 1. Ids past 64 bits ---------------------------------------------------------------


API_ID_CASES = {
    "document": ("get", "/api/v1/documents/{id}", None, "document_id"),
    "document's annotations": ("get", "/api/v1/documents/{id}/annotations", None, "document_id"),
    "annotate a document": (
        "post",
        "/api/v1/documents/{id}/annotations",
        {"start": 7, "end": 15, "quote": "detained", "category": "detention"},
        "document_id",
    ),
    "annotation": ("get", "/api/v1/annotations/{id}", None, "annotation_id"),
    "change an annotation": ("patch", "/api/v1/annotations/{id}", {"version": 1}, "annotation_id"),
    "delete an annotation": ("delete", "/api/v1/annotations/{id}?version=1", None, "annotation_id"),
}


def call(client: Client, method: str, url: str, body: dict | None = None, **extra):
    if body is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize("case", list(API_ID_CASES))
@pytest.mark.parametrize("number", [BIG, 10**30, 0])
def test_an_api_id_outside_the_database_range_is_invalid_input(team, case, number):
    method, url, body, name = API_ID_CASES[case]
    response = call(quiet(client_for(team["reviewer"])), method, url.format(id=number), body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert name in response.json()["detail"]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_version_outside_the_range_is_invalid_input(team, method):
    url = f"/api/v1/annotations/{team['annotation'].pk}"
    client = quiet(client_for(team["reviewer"]))
    if method == "patch":
        response = call(client, "patch", url, {"version": BIG, "note": "x"})
    else:
        response = client.delete(f"{url}?version={BIG}")
    assert response.status_code == 400, response.content
    assert "version" in response.json()["detail"]
    assert Annotation.objects.filter(pk=team["annotation"].pk, note="").exists()


def test_the_largest_id_is_simply_not_found(team):
    response = client_for(team["reviewer"]).get(f"/api/v1/documents/{LARGEST}")
    assert response.status_code == 404


def page_urls(team) -> dict[str, tuple[str, str, object]]:
    """Every page whose URL holds an id: (method, url with {id}, who asks)."""
    slug = team["project"].slug
    pk = team["document"].pk
    documents = f"/projects/{slug}/documents"
    return {
        "document": ("get", f"{documents}/{{id}}/", team["manager"]),
        "annotate": ("get", f"{documents}/{{id}}/annotate/", team["reviewer"]),
        "feedback": ("get", f"{documents}/{{id}}/feedback/", team["reviewer"]),
        "history": ("get", f"{documents}/{{id}}/history/", team["manager"]),
        "original": ("get", f"{documents}/{{id}}/original", team["manager"]),
        "submit": ("post", f"{documents}/{{id}}/submit/", team["reviewer"]),
        "assign": ("post", f"{documents}/{{id}}/assign/", team["manager"]),
        "title": ("post", f"{documents}/{{id}}/title/", team["manager"]),
        "moderate": ("post", f"{documents}/{{id}}/moderate/", team["moderator"]),
        "reopen": ("post", f"{documents}/{pk}/assignments/{{id}}/reopen/", team["manager"]),
        "reopen's document": ("post", f"{documents}/{{id}}/assignments/1/reopen/", team["manager"]),
        "moderation item": ("get", "/moderation/items/{id}/", team["moderator"]),
    }


PAGES = [
    "document",
    "annotate",
    "feedback",
    "history",
    "original",
    "submit",
    "assign",
    "title",
    "moderate",
    "reopen",
    "reopen's document",
    "moderation item",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("number", [BIG, 10**30])
def test_a_page_id_past_64_bits_is_not_found(team, page, number):
    method, url, user = page_urls(team)[page]
    response = getattr(quiet(client_for(user)), method)(url.format(id=number))
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_page_id_past_64_bits_is_refused_before_any_query(team, page):
    """Django 5.2 answers most such lookups with an empty result, but only once the view
    has queried the membership and the document; and a lookup through a relation
    (``reviewer_id=…``) is not covered at all: SQLite cannot bind the number. Now the URL
    matches nothing, and nothing of the application's tables is queried (the session and
    the user may be, for a form's POST)."""
    method, url, user = page_urls(team)[page]
    client = quiet(client_for(user))
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url.format(id=BIG))
    assert response.status_code == 404
    assert [query["sql"] for query in queries if "annotator_" in query["sql"]] == []


def test_the_id_converter_takes_exactly_the_database_range(team):
    url = f"/projects/{team['project'].slug}/documents/{LARGEST}/"
    assert resolve(url).kwargs["pk"] == LARGEST
    assert reverse("moderation_item", kwargs={"item_id": LARGEST}).endswith(f"/{LARGEST}/")
    response = client_for(team["manager"]).get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("number", [str(BIG), str(10**30)])
def test_a_queue_filter_past_64_bits_is_ignored_not_a_server_error(team, number):
    response = quiet(client_for(team["moderator"])).get(
        reverse("moderation_queue"), {"document": number}
    )
    assert response.status_code == 200
    assert "document" in response.context["form"].errors


def test_a_version_past_64_bits_is_refused_by_the_item_form(team):
    item = team["item"]
    response = quiet(client_for(team["moderator"])).post(
        reverse("moderation_item", kwargs={"item_id": item.pk}),
        {"version": str(BIG), "decision": "reject"},
    )
    assert response.status_code == 200
    assert "version" in response.context["form"].errors


def test_a_custom_span_past_64_bits_is_refused_by_the_api(team):
    item = team["item"]
    response = call(
        quiet(client_for(team["moderator"])),
        "post",
        f"/api/v1/items/{item.pk}/resolve",
        {
            "version": 1,
            "resolution": "custom",
            "spans": [{"start": BIG, "end": BIG + 1, "category": "detention"}],
        },
    )
    assert_json_error(response, 400)
    item.refresh_from_db()
    assert item.status == "open"


# --- 1. U+0000 in any text ---------------------------------------------------------------


def assert_nul_refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert field in detail
    assert "NUL character (U+0000), which cannot be stored" in detail


@pytest.mark.parametrize(
    ("field", "value"),
    [("note", f"a{NUL}b"), ("category", f"detention{NUL}"), ("quote", f"detained{NUL}")],
)
def test_nul_in_a_new_annotation_is_refused(team, field, value):
    body = {"start": 7, "end": 15, "quote": "detained", "category": "detention", field: value}
    url = f"/api/v1/documents/{team['document'].pk}/annotations"
    response = call(quiet(client_for(team["reviewer"])), "post", url, body)
    assert_nul_refused(response, field)


@pytest.mark.parametrize("field", ["note", "category", "quote"])
def test_nul_in_a_change_is_refused(team, field):
    url = f"/api/v1/annotations/{team['annotation'].pk}"
    body = {"version": 1, field: f"x{NUL}"}
    assert_nul_refused(call(quiet(client_for(team["reviewer"])), "patch", url, body), field)
    assert Annotation.objects.get(pk=team["annotation"].pk).version == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/a%00b/categories",
        "/api/v1/projects/a%00b/export?format=csv",
        "/api/v1/projects/a%00b/export/summary?format=csv",
    ],
)
def test_nul_in_a_slug_is_refused(team, url):
    assert_nul_refused(quiet(client_for(team["manager"])).get(url), "slug")


def test_nul_in_an_upload_slug_is_refused(team):
    response = quiet(client_for(team["manager"])).post(
        "/api/v1/projects/a%00b/documents",
        {"files": SimpleUploadedFile("a.txt", b"Some text.")},
    )
    assert_nul_refused(response, "slug")


@pytest.mark.parametrize("parameter", ["category", "status", "layer", "format"])
def test_nul_in_an_export_filter_is_refused(team, parameter):
    query = {"format": "csv", parameter: f"detention{NUL}"}
    for url in ("export", "export/summary"):
        response = quiet(client_for(team["manager"])).get(
            f"/api/v1/projects/{team['project'].slug}/{url}", query
        )
        assert_nul_refused(response, parameter)


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("document_list", {"q": f"detained{NUL}"}),
        ("project_agreement", {"q": f"detained{NUL}"}),
        ("project_agreement", {"language": f"en{NUL}"}),
    ],
)
def test_nul_in_a_page_filter_is_an_invalid_filter(team, page, query):
    url = reverse(page, kwargs={"project_slug": team["project"].slug})
    response = quiet(client_for(team["manager"])).get(url, query)
    assert response.status_code == 200
    assert set(query) <= set(response.context["form"].errors)


def test_nul_in_a_queue_filter_is_an_invalid_filter(team):
    response = quiet(client_for(team["moderator"])).get(
        reverse("moderation_queue"), {"category": f"detention{NUL}"}
    )
    assert response.status_code == 200
    assert "category" in response.context["form"].errors


def test_nul_in_a_title_is_refused(team):
    document = team["document"]
    url = reverse(
        "document_title", kwargs={"project_slug": document.project.slug, "pk": document.pk}
    )
    response = quiet(client_for(team["manager"])).post(url, {"title": f"New{NUL}title"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Open"


def test_nul_in_a_rationale_is_refused(team):
    item = team["item"]
    response = quiet(client_for(team["moderator"])).post(
        reverse("moderation_item", kwargs={"item_id": item.pk}),
        {"version": item.version, "decision": "reject", "rationale": f"because{NUL}"},
    )
    assert response.status_code == 200
    assert "rationale" in response.context["form"].errors
    item.refresh_from_db()
    assert item.status == "open"


def test_a_text_file_with_a_nul_in_it_is_imported_without_it(team):
    """A text with a stray NUL byte decodes (too few to look binary); its canonical text
    drops the NUL, which PostgreSQL could not store."""
    data = ("A testimony. " * 200 + NUL + "End.").encode()
    response = quiet(client_for(team["manager"])).post(
        f"/api/v1/projects/{team['project'].slug}/documents",
        {"files": [SimpleUploadedFile("stray.txt", data)]},
    )
    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert result["outcome"] == "imported", result
    assert NUL not in Document.objects.get(pk=result["document"]).text


@pytest.mark.parametrize(
    "nul_in",
    [
        {"title": f"Title{NUL}"},
        {"label": [[2, 11, f"detention{NUL}"]]},
        {"source_url": f"https://example.org/{NUL}"},
        {"publisher": f"NGO{NUL}"},
        {"meta": {f"key{NUL}": f"value{NUL}"}},
    ],
    ids=["title", "label", "source_url", "publisher", "meta"],
)
def test_nul_in_a_corpus_line_fails_that_line_alone(team, nul_in):
    """The corpus reader already refuses NUL: kept as the attack it stops."""
    lines = [{"text": "A testimony of detention.", **nul_in}, {"text": "Another testimony."}]
    response = quiet(client_for(team["manager"])).post(
        f"/api/v1/projects/{team['project'].slug}/documents",
        {
            "files": [
                SimpleUploadedFile(
                    "corpus.jsonl", "\n".join(json.dumps(line) for line in lines).encode()
                )
            ]
        },
    )
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert first["outcome"] == "failed"
    assert second["outcome"] == "imported"


# --- 2. The API answers JSON only --------------------------------------------------------


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def test_more_files_than_django_takes_get_json_from_the_api(team, settings):
    files = [SimpleUploadedFile(f"{index}.txt", b"x") for index in range(1001)]
    response = quiet(client_for(team["manager"])).post(
        f"/api/v1/projects/{team['project'].slug}/documents", {"files": files}
    )
    body = assert_json_error(response, 413)
    assert "at most 1000" in body["detail"]
    assert not Document.objects.filter(title="0").exists()


def test_a_body_too_big_for_memory_gets_json_from_the_api(team, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"start": 7, "end": 15, "quote": "detained", "category": "detention", "note": "x" * 2000}
    url = f"/api/v1/documents/{team['document'].pk}/annotations"
    response = call(quiet(client_for(team["reviewer"])), "post", url, body)
    assert "too large" in assert_json_error(response, 413)["detail"]


def test_form_fields_too_big_for_memory_get_json_from_the_api(team, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = quiet(client_for(team["manager"])).post(
        f"/api/v1/projects/{team['project'].slug}/documents",
        {"files": [SimpleUploadedFile("a.txt", b"Some text.")], "load_taxonomy": "x" * 2000},
    )
    assert_json_error(response, 413)


def test_an_unknown_api_url_gets_json(team):
    client = quiet(client_for(team["reviewer"]))
    assert_json_error(client.get("/api/v1/no-such-thing"), 404)
    assert_json_error(client.get("/api/v2/documents/1"), 404)


def test_a_method_the_api_does_not_have_gets_json(team):
    response = quiet(client_for(team["reviewer"])).put(f"/api/v1/documents/{team['document'].pk}")
    assert_json_error(response, 405)
    assert "GET" in response["Allow"]


def test_a_server_error_in_the_api_is_json(team, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("annotator.api.documents.document_access_by_id", broken)
    response = quiet(client_for(team["reviewer"])).get(f"/api/v1/documents/{team['document'].pk}")
    body = assert_json_error(response, 500)
    assert "a bug" not in body["detail"]


def test_pages_keep_their_html_errors(team):
    response = quiet(client_for(team["manager"])).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def openapi_operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", method, operation


def takes_a_version(schema: dict, operation: dict) -> bool:
    """Whether an operation's query or body has a ``version`` (optimistic concurrency)."""
    if any(parameter["name"] == "version" for parameter in operation.get("parameters", [])):
        return True
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    reference = body.get("schema", {}).get("$ref", "")
    if not reference:
        return False
    properties = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]["properties"]
    return "version" in properties


def test_every_operation_documents_its_errors(team):
    schema = client_for(team["reviewer"]).get("/api/v1/openapi.json").json()
    operations = list(openapi_operations(schema))
    assert len(operations) >= 9
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for name, method, operation in operations:
        responses = operation["responses"]
        for status in ("400", "401", "404"):
            assert status in responses, f"{name} does not document {status}"
            assert responses[status]["content"]["application/json"]["schema"] == error, name
        if method != "get" or "export" in name:
            assert "403" in responses, f"{name} does not document 403"
        if takes_a_version(schema, operation):
            # A change based on a version can be stale: 409 with what is there now.
            assert "409" in responses, f"{name} takes a version but does not document 409"
            conflict = responses["409"]["content"]["application/json"]["schema"]["$ref"]
            body = schema["components"]["schemas"][conflict.rsplit("/", 1)[-1]]
            assert set(body["properties"]) == {"detail", "current"}, name
        if method in ("post", "patch"):
            assert "413" in responses, f"{name} does not document 413"
    properties = schema["components"]["schemas"]["ErrorOut"]["properties"]
    assert set(properties) == {"detail"}


def test_id_and_version_parameters_are_bounded_in_the_schema(team):
    schema = client_for(team["reviewer"]).get("/api/v1/openapi.json").json()
    bounded = 0
    for _, _, operation in openapi_operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"].endswith("_id") or parameter["name"] == "version":
                assert parameter["schema"]["minimum"] == 1
                assert parameter["schema"]["maximum"] == LARGEST
                bounded += 1
    assert bounded >= 6


# --- 2. The schema and its page with a token ---------------------------------------------


def test_the_schema_is_readable_with_a_token(team):
    response = Client().get("/api/v1/openapi.json", **bearer(token_for(team["reviewer"])))
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_docs_page_is_readable_with_a_token(team):
    response = Client().get("/api/v1/docs", **bearer(token_for(team["reviewer"])))
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.parametrize("url", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_a_session_still_reads_the_schema_and_its_page(team, url):
    assert client_for(team["reviewer"]).get(url).status_code == 200


def test_the_schema_is_refused_to_anonymous_users_with_json(team):
    response = Client().get("/api/v1/openapi.json")
    assert_json_error(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("url", ["/api/v1/openapi.json", "/api/v1/docs"])
@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_a_bad_token_gets_401_for_the_schema_and_its_page(team, url, token):
    response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    if token:
        assert_json_error(response, 401)
    elif url.endswith("docs"):
        assert response.status_code == 302
    else:
        assert_json_error(response, 401)


def test_the_docs_page_sends_anonymous_browsers_to_the_login_page(team):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_token_of_a_deactivated_user_reads_no_schema(team):
    secret = token_for(team["reviewer"])
    team["reviewer"].is_active = False
    team["reviewer"].save()
    assert_json_error(Client().get("/api/v1/openapi.json", **bearer(secret)), 401)


# --- 3. Uploads ----------------------------------------------------------------------------


class CountingPayload(FakePayload):
    """A request body that counts what is read of it."""

    def __init__(self, content: bytes = b"") -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = None) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "BoUnDaRyStRiNg"
    body = encode_multipart(
        boundary, {"files": [SimpleUploadedFile(name, data) for name, data in files.items()]}
    )
    return body, f"multipart/form-data; boundary={boundary}"


def send(client: Client, url: str, body: bytes, content_type: str, **extra):
    """POST ``body`` as the request's stream, so that the test sees what was read of it."""
    payload = CountingPayload(body)
    environ = {
        "wsgi.input": payload,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        **extra,
    }
    return client.generic("POST", url, **environ), payload


@pytest.mark.parametrize("api", [True, False], ids=["api", "page"])
def test_a_request_over_the_upload_limit_is_refused_unread(team, settings, api):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_000_000
    slug = team["project"].slug
    url = f"/api/v1/projects/{slug}/documents" if api else f"/projects/{slug}/import/"
    body, content_type = multipart({"a.txt": b"x" * 10})
    client = quiet(client_for(team["manager"]))
    # A Content-Length of 2 GB, and only a few bytes sent: nothing may be read.
    response, payload = send(client, url, body, content_type, CONTENT_LENGTH=str(2 * 10**9))
    assert response.status_code == 413
    assert payload.bytes_read == 0
    assert "2,000.0 MB" in response.content.decode()
    if api:
        assert_json_error(response, 413)
    else:
        assert response["Content-Type"].startswith("text/plain")


def test_the_upload_limit_is_a_setting_of_its_own(settings):
    assert settings.IMPORT_MAX_UPLOAD_BYTES == 1000 * 1_000_000
    assert settings.IMPORT_MAX_UPLOAD_BYTES >= settings.IMPORT_MAX_ARCHIVE_BYTES


class RecordingUploadHandler(FileUploadHandler):
    """Notes every file Django starts to receive: an upload nobody reads never starts."""

    started: list[str] = []

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        RecordingUploadHandler.started.append(self.file_name)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@pytest.fixture
def recorded_uploads(settings, tmp_path):
    RecordingUploadHandler.started = []
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_HANDLERS = [
        "tests.test_inputs.RecordingUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    return RecordingUploadHandler.started


@pytest.mark.parametrize("cookie", [False, True], ids=["no cookie", "stale session cookie"])
def test_an_anonymous_upload_to_a_page_is_sent_to_the_login_page_unread(
    team, recorded_uploads, tmp_path, cookie
):
    # The CSRF check, which the test client skips unless asked, is what read the body.
    client = Client(enforce_csrf_checks=True)
    if cookie:
        client.cookies["sessionid"] = "no-such-session"
    body, content_type = multipart({"big.txt": b"x" * 100_000})
    url = f"/projects/{team['project'].slug}/import/"
    response, payload = send(client, url, body, content_type)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert payload.bytes_read == 0
    assert recorded_uploads == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cookie", [False, True], ids=["no cookie", "stale session cookie"])
def test_an_anonymous_upload_to_the_api_gets_401_unread(team, recorded_uploads, tmp_path, cookie):
    client = quiet(Client(enforce_csrf_checks=True))
    if cookie:
        client.cookies["sessionid"] = "no-such-session"
    body, content_type = multipart({"big.txt": b"x" * 100_000})
    url = f"/api/v1/projects/{team['project'].slug}/documents"
    response, payload = send(client, url, body, content_type)
    assert_json_error(response, 401)
    assert payload.bytes_read == 0
    assert recorded_uploads == []
    assert list(tmp_path.iterdir()) == []


def test_the_login_form_still_takes_a_multipart_post(team):
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": team["manager"].username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("project_list")


def test_a_large_anonymous_post_to_the_login_form_is_refused_unread(team, recorded_uploads):
    body, content_type = multipart({"big.txt": b"x" * 100})
    client = Client(enforce_csrf_checks=True)
    response, payload = send(
        client, reverse("login"), body, content_type, CONTENT_LENGTH=str(11 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert payload.bytes_read == 0
    assert recorded_uploads == []


def test_an_upload_with_a_bad_token_gets_401_unread(team, recorded_uploads):
    body, content_type = multipart({"big.txt": b"x" * 100_000})
    url = f"/api/v1/projects/{team['project'].slug}/documents"
    client = quiet(Client(enforce_csrf_checks=True))
    response, payload = send(client, url, body, content_type, **bearer("not-a-token"))
    assert_json_error(response, 401)
    assert payload.bytes_read == 0
    assert recorded_uploads == []


def test_an_upload_with_a_token_is_read_and_imported(team, recorded_uploads):
    body, content_type = multipart({"note.txt": b"A testimony of detention."})
    url = f"/api/v1/projects/{team['project'].slug}/documents"
    secret = token_for(team["manager"])
    response, payload = send(Client(), url, body, content_type, **bearer(secret))
    assert response.status_code == 200, response.content
    assert response.json()["imported"] == 1
    assert payload.bytes_read == len(body)
    assert recorded_uploads == ["note.txt"]


def test_uploads_stream_to_temporary_files_beyond_a_small_size(settings):
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_HANDLERS[-1] == (
        "django.core.files.uploadhandler.TemporaryFileUploadHandler"
    )


class UnreadableUpload(SimpleUploadedFile):
    """An upload that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError(f"{self.name} was read")

    def chunks(self, *args, **kwargs):
        raise AssertionError(f"{self.name} was read")


LIMITS = ImportLimits(max_file_bytes=1000, max_archive_bytes=5000, max_archive_files=10)


def test_an_upload_over_its_limit_is_never_read(team):
    big = UnreadableUpload("big.txt", b"x" * 1001)
    archive = UnreadableUpload("big.zip", b"x" * 5001)
    small = SimpleUploadedFile("small.txt", b"A small testimony.")
    sources = list(uploaded_sources([big, small, archive], limits=LIMITS))
    assert [source.name for source in sources] == ["big.txt", "small.txt", "big.zip"]
    assert sources[1].data == b"A small testimony."


def test_an_upload_over_its_limit_fails_alone_by_name(team):
    from annotator.services.importing import documents_import

    big = UnreadableUpload("big.txt", b"x" * 1001)
    small = SimpleUploadedFile("small.txt", b"A small testimony.")
    report = documents_import(
        project=team["project"],
        sources=uploaded_sources([big, small], limits=LIMITS),
        imported_by=team["manager"],
        limits=LIMITS,
    )
    failed, imported = report.results
    assert (failed.name, failed.outcome) == ("big.txt", "failed")
    assert failed.reason == "The file is 0.0 MB; the limit is 0 MB."
    assert (imported.name, imported.outcome) == ("small.txt", "imported")


def test_an_upload_over_its_limit_takes_no_memory(team, tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    upload = TemporaryUploadedFile("big.txt", "text/plain", 0, None)
    chunk = b"x" * 1_000_000
    for _ in range(20):
        upload.write(chunk)
    upload.size = 20_000_000
    upload.seek(0)
    limits = ImportLimits(
        max_file_bytes=5_000_000, max_archive_bytes=5_000_000, max_archive_files=1
    )
    tracemalloc.start()
    try:
        sources = list(uploaded_sources([upload], limits=limits))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        upload.close()
    assert [source.name for source in sources] == ["big.txt"]
    assert peak < 1_000_000, f"{peak / 1e6:.1f} MB held for an upload refused by its size"


def test_an_api_upload_over_the_file_limit_fails_alone(team, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    response = client_for(team["manager"]).post(
        f"/api/v1/projects/{team['project'].slug}/documents",
        {
            "files": [
                SimpleUploadedFile("big.txt", b"x " * 1000),
                SimpleUploadedFile("small.txt", b"A small testimony."),
            ]
        },
    )
    assert response.status_code == 200
    big, small = response.json()["results"]
    assert (big["name"], big["outcome"]) == ("big.txt", "failed")
    assert "the limit is" in big["reason"]
    assert (small["name"], small["outcome"]) == ("small.txt", "imported")


# --- No copy in a shared cache -------------------------------------------------------------


def cache_cases(team) -> dict[str, tuple[object, str]]:
    project, document = team["project"], team["document"]
    kwargs = {"project_slug": project.slug, "pk": document.pk}
    return {
        "document": (team["manager"], reverse("document_detail", kwargs=kwargs)),
        "editor": (team["reviewer"], reverse("document_annotate", kwargs=kwargs)),
        "history": (team["manager"], reverse("document_history", kwargs=kwargs)),
        "original": (team["manager"], reverse("document_source", kwargs=kwargs)),
        "document list": (
            team["manager"],
            reverse("document_list", kwargs={"project_slug": project.slug}),
        ),
        "moderation queue": (team["moderator"], reverse("moderation_queue")),
        "moderation item": (
            team["moderator"],
            reverse("moderation_item", kwargs={"item_id": team["item"].pk}),
        ),
        "export": (
            team["manager"],
            reverse("corpus_export", kwargs={"project_slug": project.slug})
            + "?format=csv&layer=reviewers&download=1",
        ),
        "api document": (team["reviewer"], f"/api/v1/documents/{document.pk}"),
        "api annotations": (team["reviewer"], f"/api/v1/documents/{document.pk}/annotations"),
        "api export": (team["manager"], f"/api/v1/projects/{project.slug}/export?format=jsonl"),
        "api error": (team["reviewer"], "/api/v1/documents/0"),
    }


CACHE_CASES = [
    "document",
    "editor",
    "history",
    "original",
    "document list",
    "moderation queue",
    "moderation item",
    "export",
    "api document",
    "api annotations",
    "api export",
    "api error",
]


@pytest.mark.parametrize("case", CACHE_CASES)
def test_confidential_responses_are_never_stored(team, case):
    user, url = cache_cases(team)[case]
    response = client_for(user).get(url)
    assert response.status_code in (200, 400), response.status_code
    assert response["Cache-Control"] == "no-store"


def test_a_response_with_its_own_caching_keeps_it(team):
    url = reverse("category_styles", kwargs={"project_slug": team["project"].slug})
    response = client_for(team["reviewer"]).get(url)
    # Revalidated, not stored-nowhere: the category colours carry no evidence.
    assert response["Cache-Control"] == "private, no-cache"


def test_static_files_keep_their_long_caching(client):
    response = client.get("/static/annotator/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]
    response.close()


def test_the_login_page_is_not_stored(client):
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]


# --- 5. User text cannot reorder the page around it ----------------------------------------

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows it is drawn reversed, until isolated
EVIL = f"Evil{RLO}txt.exe"


class Isolation(HTMLParser):
    """Finds every piece of page text holding ``EVIL`` that could reorder the page around
    it: not inside a ``<bdi>`` or a ``dir="auto"`` element, and followed by other text in
    the same block. (An override runs to the end of its paragraph, which a block element
    ends: a name that ends its table cell or its line can reorder nothing but itself.)

    Exempt are the places where a browser shows text on its own, never beside other text:
    the tab's title, script data, an option of a list, a text field, an SVG label, and a
    preformatted JSON dump (the history's before and after). Also exempt, by name: the
    moderation form's span labels, which views/moderation.py builds as one string.
    """

    EXEMPT = {"title", "script", "style", "option", "textarea", "text", "pre"}
    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr", "col", "area"}
    BLOCKS = {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details",
        "div", "dl", "dt", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "html", "li", "main", "nav", "ol", "p", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.opened = 0
        self.leaks: list[str] = []
        self.pending: list[tuple[int, str]] = []  # (its block, where): a leak if text follows
        self.seen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.opened += 1
            self.stack.append((tag, dict(attrs), self.opened))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def isolated(self) -> bool:
        for tag, attrs, _ in self.stack:
            if tag == "bdi" or attrs.get("dir") == "auto" or tag in self.EXEMPT:
                return True
            if tag == "label" and "form-check-label" in (attrs.get("class") or ""):
                return True
        return False

    def block(self) -> int:
        return next((uid for tag, _, uid in reversed(self.stack) if tag in self.BLOCKS), 0)

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        open_blocks = {uid for _, _, uid in self.stack}
        self.leaks.extend(where for block, where in self.pending if block in open_blocks)
        self.pending = []
        if EVIL not in data:
            return
        self.seen += 1
        if self.isolated():
            return
        where = " > ".join(tag for tag, _, _ in self.stack[-4:]) + f": {data.strip()[:80]!r}"
        if data.rsplit(EVIL, 1)[1].strip():
            self.leaks.append(where)
        else:
            self.pending.append((self.block(), where))


def leaks_in(response, status: int = 200) -> tuple[int, list[str]]:
    assert response.status_code == status, response.status_code
    checker = Isolation()
    checker.feed(response.content.decode())
    return checker.seen, checker.leaks


@pytest.fixture
def evil(settings):
    """A project in which every name and text a user can choose holds U+202E."""
    from annotator.models import Project
    from annotator.services.moderation import item_resolve

    project = Project.objects.create(
        slug="evil",
        name=f"Project {EVIL}",
        description=f"About {EVIL}",
        guidelines=f"Mark {EVIL} carefully.",
        anonymous_moderation=False,
    )
    category = CategoryFactory(
        project=project, code="detention", name=f"Detention {EVIL}", definition=f"Held {EVIL}"
    )
    other = CategoryFactory(project=project, code="torture", name=f"Torture {EVIL}")
    users = {
        role: UserFactory(username=f"{role}-{EVIL}")
        for role in ("manager", "moderator", "reviewer", "second")
    }
    for name, user in users.items():
        role = {"manager": Role.MANAGER, "moderator": Role.MODERATOR}.get(name, Role.REVIEWER)
        MembershipFactory(project=project, user=user, role=role)
    document = make_document(
        project,
        TEXT,
        name=f"{EVIL}.txt",
        imported_by=users["manager"],
        title=f"Title {EVIL}",
        publisher=f"NGO {EVIL}",
    )
    make_annotation(document, users["reviewer"], category, *at("detained"))
    make_annotation(document, users["second"], other, *at("detained"))
    make_annotation(document, users["reviewer"], other, *at("was beaten"))
    for name in ("reviewer", "second"):
        review_submit(document=document, reviewer=users[name])
    moderation_start(document=document, actor=users["moderator"])
    resolved, still_open = document.moderation_items.order_by("start")
    item_resolve(
        item_id=resolved.pk,
        moderator=users["moderator"],
        version=resolved.version,
        resolution="reject",
        spans=[],
        rationale=f"Because {EVIL}",
    )
    api_token_create(user=users["manager"], name=f"Script {EVIL}")
    return {
        "project": project,
        "document": document,
        "users": users,
        "resolved": resolved,
        "open": still_open,
    }


def evil_page(evil, page: str) -> tuple[str, str]:
    """Who opens ``page`` of the evil project, and its URL."""
    project, document = evil["project"], evil["document"]
    slug = {"project_slug": project.slug}
    kwargs = {**slug, "pk": document.pk}
    who, name, arguments = {
        "projects": ("reviewer", "project_list", {}),
        "documents": ("manager", "document_list", slug),
        "document": ("manager", "document_detail", kwargs),
        "editor": ("reviewer", "document_annotate", kwargs),
        "history": ("manager", "document_history", kwargs),
        "queue": ("moderator", "moderation_queue", {}),
        "resolved item": ("moderator", "moderation_item", {"item_id": evil["resolved"].pk}),
        "open item": ("moderator", "moderation_item", {"item_id": evil["open"].pk}),
        "agreement": ("manager", "project_agreement", slug),
        "not a reviewer": ("manager", "document_annotate", kwargs),
        "tokens": ("manager", "account_tokens", {}),
    }[page]
    return who, reverse(name, kwargs=arguments)


EVIL_PAGES = [
    "projects",
    "documents",
    "document",
    "editor",
    "history",
    "queue",
    "resolved item",
    "open item",
    "agreement",
    "not a reviewer",
    "tokens",
]


@pytest.mark.parametrize("page", EVIL_PAGES)
def test_names_and_texts_are_isolated_on_every_page(evil, page):
    who, url = evil_page(evil, page)
    response = client_for(evil["users"][who]).get(url)
    seen, leaks = leaks_in(response, 403 if page == "not a reviewer" else 200)
    assert seen, f"the page shows no user text with U+202E: {url}"
    assert leaks == []


def test_the_import_report_isolates_file_names_and_who_imported(evil):
    manager = evil["users"]["manager"]
    url = reverse("document_import", kwargs={"project_slug": evil["project"].slug})
    response = client_for(manager).post(
        url,
        {
            "files": [
                SimpleUploadedFile(f"{EVIL}.txt", b"Another testimony."),
                SimpleUploadedFile(f"{EVIL}.pdf", b"not a pdf"),
            ]
        },
        follow=True,
    )
    seen, leaks = leaks_in(response)
    assert seen >= 2
    assert leaks == []
