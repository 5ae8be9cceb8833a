"""The OpenAPI 3 schema: valid, complete, served with offline docs, and true to what the API
answers (schemathesis fuzzes every operation against it)."""

from __future__ import annotations

import json
import os
import types

import hypothesis_jsonschema._from_schema as jsonschema_strategies
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, assume
from hypothesis import settings as hypothesis_settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from openapi_spec_validator import validate
from schemathesis import DataGenerationMethod
from schemathesis.specs.openapi.checks import ignored_auth

from config.wsgi import application
from consult.api.keys import create_api_key
from consult.intake.form import ApiCommentForm
from occupations.workflow import issue_release
from tests.api.conftest import FUZZ_CASES

pytestmark = pytest.mark.django_db

OCCUPATION_FILTERS = {
    "q",
    "batch",
    "year",
    "green",
    "digital",
    "group",
    "code",
    "has_standard",
    "updated_since",
    "ordering",
}
# Enough examples to reach every filter of every operation; each scope's run stays well under
# a minute on two cores. SCHEMATHESIS_EXAMPLES=500 runs a longer one by hand.
FUZZ_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))


class _StepwiseMany:
    """hypothesis-jsonschema 0.23 draws object properties with ``many(...).more()``; newer
    Hypothesis offers ``many`` only as ``with many(...) as elements: for _ in elements``. This
    drives the new protocol one step per ``more()``."""

    def __init__(self, data, **sizes) -> None:
        self._many = conjecture_utils.many(data, **sizes)
        self._many.__enter__()
        self._steps = iter(self._many)

    def more(self) -> bool:
        try:
            next(self._steps)
        except StopIteration:
            self._many.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(conjecture_utils.many, "more"):
    # Only hypothesis-jsonschema sees the adapter; Hypothesis keeps its own many().
    jsonschema_strategies.cu = types.SimpleNamespace(
        **{**vars(conjecture_utils), "many": _StepwiseMany}
    )


def openapi_schema() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


SCHEMA = openapi_schema()


def operations():
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_is_valid_openapi_3():
    validate(SCHEMA)
    assert SCHEMA["openapi"].startswith("3.")


def test_spectacular_validates_it_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", validate=True, fail_on_warn=True, file=str(target))

    assert "/api/v1/occupations/" in target.read_text()


PROOF = "/api/v1/comments/{tracking_number}/proof/"


def test_every_endpoint_of_the_contract_is_documented():
    assert sorted(SCHEMA["paths"]) == [
        "/api/v1/batches/",
        "/api/v1/batches/{slug}/",
        "/api/v1/classification/",
        "/api/v1/comments/{tracking_number}/proof/",
        "/api/v1/consultations/",
        "/api/v1/consultations/{consultation_slug}/comments/",
        "/api/v1/consultations/{consultation_slug}/comments/{id}/",
        "/api/v1/consultations/{slug}/",
        "/api/v1/occupations/",
        "/api/v1/occupations/{id}/",
        "/api/v1/occupations/{id}/versions/",
        "/api/v1/releases/",
        "/api/v1/releases/{version}/",
        "/api/v1/standards/",
        "/api/v1/standards/{id}/",
    ]
    assert {(path, method) for path, method, _ in operations() if method != "get"} == {
        ("/api/v1/consultations/{consultation_slug}/comments/", "post")
    }


def test_the_comment_submission_is_documented_with_its_key():
    operation = SCHEMA["paths"]["/api/v1/consultations/{consultation_slug}/comments/"]["post"]
    assert SCHEMA["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": SCHEMA["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    assert operation["security"] == [{"ApiKey": []}]
    reference = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    fields = set(SCHEMA["components"]["schemas"][reference.rsplit("/", 1)[1]]["properties"])
    form_fields = set(ApiCommentForm.base_fields)
    assert fields == form_fields
    assert {"Idempotency-Key"} <= {p["name"] for p in operation["parameters"]}
    assert {"201", "400", "401", "403", "404", "409", "429"} <= set(operation["responses"])
    # Reads stay open: the key is optional there.
    read = SCHEMA["paths"]["/api/v1/batches/"]["get"]
    assert {} in read["security"] and {"ApiKey": []} in read["security"]


# Resources that are one JSON document, not a list of records: no CSV, no pages
# (tests/api/test_classification_api.py checks theirs).
ONE_DOCUMENT = {"/api/v1/classification/"}
# An occupation's versions: one short JSON list, no pages, CSV nor validators.
VERSIONS = "/api/v1/occupations/{id}/versions/"


def test_every_operation_documents_its_parameters_and_statuses():
    for path, method, operation in operations():
        if method != "get" or path in ONE_DOCUMENT:
            continue
        if path == PROOF:
            # One proof, JSON only: what it answers before the record exists is a 409.
            assert {"200", "404", "409"} <= set(operation["responses"]), path
            continue
        if path == VERSIONS:
            assert {"200", "404"} <= set(operation["responses"]), path
            assert {p["name"] for p in operation["parameters"]} >= {"id"}, path
            continue
        parameters = {p["name"] for p in operation["parameters"]}
        assert {"format", "If-None-Match", "If-Modified-Since"} <= parameters, path
        responses = operation["responses"]
        assert {"200", "304", "400", "404", "429"} <= set(responses), path
        assert set(responses["200"]["content"]) == {"application/json", "text/csv"}, path
        assert "ETag" in responses["200"]["headers"], path
        assert "Retry-After" in responses["429"]["headers"], path
        if not path.endswith("}/"):
            assert {"page", "page_size"} <= parameters, path


def test_the_published_comments_document_their_comment_record():
    operation = SCHEMA["paths"]["/api/v1/consultations/{consultation_slug}/comments/"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = SCHEMA["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert list(page["properties"]) == ["count", "comment_record", "next", "previous", "results"]
    assert "comment_record" in page["required"]
    documented = page["properties"]["comment_record"]
    assert documented["nullable"] is True and "RFC 6962" in documented["description"]
    record = documented["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert set(SCHEMA["components"]["schemas"][record]["properties"]) == {
        "root",
        "count",
        "algorithm",
        "computed_at",
    }


def test_the_occupation_filters_are_documented_by_their_contract_names():
    operation = SCHEMA["paths"]["/api/v1/occupations/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert set(parameters) >= OCCUPATION_FILTERS
    # Three values: marked, excluded by a source, not known.
    for marker in ("green", "digital"):
        schema = parameters[marker]["schema"]
        if "$ref" in schema:
            schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        assert set(schema["enum"]) == {"true", "false", "unknown"}, marker
    # Lists count each marker's values; samples are named in the consultations' schema.
    listing = SCHEMA["components"]["schemas"]["PaginatedOccupationList"]["properties"]
    assert set(listing["markers"]["properties"]) == {"green", "digital"}
    assert set(listing["announced"]["properties"]) == {"announced_count", "named_count"}
    consultations = SCHEMA["paths"]["/api/v1/consultations/"]["get"]["parameters"]
    assert "include_samples" in {p["name"] for p in consultations}
    assert parameters["year"]["schema"]["type"] == "integer"
    assert parameters["updated_since"]["schema"]["format"] == "date-time"
    assert parameters["format"]["schema"] == {"$ref": "#/components/schemas/Format"}
    assert SCHEMA["components"]["schemas"]["Format"]["enum"] == ["csv", "json"]


def test_the_schema_and_the_docs_are_served(client):
    schema = client.get("/api/schema/", {"format": "json"})
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/v1/occupations/" in schema.json()["paths"]
    assert docs.status_code == 200
    page = docs.content.decode()
    # Swagger UI comes from the sidecar package: no request leaves the server's own origin.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr.net" not in page
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


# Fuzzing ---------------------------------------------------------------------------------

# Who reads and writes: anonymous clients and a key of each scope. A key never reads less than
# anonymous clients do, and every answer to any of them conforms to the schema.
SCOPES = {
    "anonymous": None,
    "read": ["read"],
    "comment": ["comment"],
    "read+comment": ["read", "comment"],
}
# Data the schema allows and data it forbids: the server takes the one and refuses the other.
DATA = (DataGenerationMethod.positive, DataGenerationMethod.negative)
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
fuzzed_both_ways = schemathesis.from_dict(SCHEMA, app=application, data_generation_methods=DATA)


@pytest.fixture
def fuzz_data(registry, consultations, settings):
    """Records for the fuzzer to find, and no throttle in its way.

    The fuzzer calls the real WSGI application, whose request signals would close the test's
    database connection (and its transaction); Django's own test client disconnects them too.
    """
    settings.API_THROTTLE_RATE = "0"
    settings.API_KEY_READ_RATE = "0"
    settings.API_KEY_COMMENT_RATE = "0"
    settings.API_KEY_FAILURE_RATE = "0"
    # A release of the registry, so that ?release= and the release endpoints have one.
    issue_release(by=None, note="The registry for the fuzzer.")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield registry, consultations
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=list(SCOPES))
def sender(request, fuzz_data):
    """The X-Api-Key of a key with one of the scopes (none for anonymous): the fuzzer reads
    with it and submits comments to every consultation, open or not."""
    scopes = SCOPES[request.param]
    if scopes is None:
        return None
    _key, token = create_api_key(
        owner="Fuzzing Association", scopes=scopes, by=None, now=timezone.now()
    )
    return token


@fuzzed_both_ways.parametrize()
@hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_answer_conforms_to_the_schema(case, sender):
    """Every operation, anonymous and with each key scope, with all of schemathesis's checks
    (no server error; status, content type, headers and body as documented; data the schema
    forbids refused; a key that the schema requires enforced)."""
    headers = dict(case.headers or {})
    # The generated X-Api-Key would only meet the 401 of an unknown key.
    headers.pop("X-Api-Key", None)
    if sender is not None:
        headers["X-Api-Key"] = sender
    case.headers = headers
    if case.method == "POST" and sender is not None:
        # A random slug names no consultation: submit to the open one, so that the fuzzed
        # bodies meet the form's checks and storing.
        case.path_parameters = {
            **(case.path_parameters or {}),
            "consultation_slug": "draft-list-2026",
        }
    # A form body that is not an object (negative data: `true`, `[1]`) cannot be encoded as a
    # form by schemathesis 3's WSGI transport; JSON bodies of every shape are sent.
    assume(case.media_type not in FORM_MEDIA_TYPES or isinstance(case.body, dict))
    # A query parameter whose negative value is empty (a list, an object, null, lists of
    # those) is sent as nothing at all: the request that leaves is not the negative one the
    # check would judge.
    assume(not any(sent_as_nothing(value) for value in (case.query or {}).values()))
    response = case.call_wsgi()
    FUZZ_CASES.append(response.status_code)

    assert response.status_code < 500
    case.validate_response(response, excluded_checks=not_applicable_checks(case))


def sent_as_nothing(value) -> bool:
    if value is None or value == {} or value == []:
        return True
    return isinstance(value, list) and all(sent_as_nothing(item) for item in value)


def not_applicable_checks(case) -> tuple:
    """schemathesis 3's ``ignored_auth`` takes any security requirement for a required one;
    where the operation's schema makes the key optional (``{}`` among its requirements: the
    public reads), a keyless 200 is the contract, not a key left unchecked. Everywhere else
    (sending a comment) the check runs."""
    security = case.operation.definition.raw.get("security", SCHEMA.get("security", []))
    return (ignored_auth,) if {} in security else ()
