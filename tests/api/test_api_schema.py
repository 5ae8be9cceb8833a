"""The OpenAPI 3 schema: valid, complete, served with offline docs, and true to what the API
answers (schemathesis fuzzes every operation against it)."""

from __future__ import annotations

import json
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
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from openapi_spec_validator import validate
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
# Enough examples to reach every filter of every operation; the whole run stays well under a
# minute on two cores.
FUZZ_EXAMPLES = 40


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
fuzzed = schemathesis.from_dict(SCHEMA, app=application)


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


@pytest.fixture
def fuzz_data(registry, consultations, settings):
    """Records for the fuzzer to find, and no throttle in its way.

    The fuzzer calls the real WSGI application, whose request signals would close the test's
    database connection (and its transaction); Django's own test client disconnects them too.
    """
    settings.API_THROTTLE_RATE = "0"
    settings.API_KEY_READ_RATE = "0"
    settings.API_KEY_COMMENT_RATE = "0"
    # A release of the registry, so that ?release= and the release endpoints have one.
    issue_release(by=None, note="The registry for the fuzzer.")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield registry, consultations
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@fuzzed.parametrize()
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
def test_every_answer_conforms_to_the_schema(case, fuzz_data):
    # Anonymous: the generated X-Api-Key would only meet the 401 of an unknown key.
    (case.headers or {}).pop("X-Api-Key", None)
    response = case.call_wsgi()
    FUZZ_CASES.append(response.status_code)

    assert response.status_code < 500
    case.validate_response(response, excluded_checks=(ignored_auth,))


@pytest.fixture
def api_key(fuzz_data):
    """A key with both scopes: the fuzzer reads with it and submits comments to every
    consultation, open or not."""
    _key, token = create_api_key(
        owner="Fuzzing Association", scopes=["read", "comment"], by=None, now=timezone.now()
    )
    return token


@fuzzed.parametrize()
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
def test_every_answer_with_a_key_conforms_to_the_schema(case, api_key):
    case.headers = {**(case.headers or {}), "X-Api-Key": api_key}
    if case.method == "POST":
        # A random slug names no consultation: submit to the open one, so that the fuzzed
        # bodies meet the form's checks and storing.
        case.path_parameters = {"consultation_slug": "draft-list-2026"}
    response = case.call_wsgi()
    FUZZ_CASES.append(response.status_code)

    assert response.status_code < 500
    # Reads are public by design, so a read without a key succeeds, which schemathesis's
    # ignored_auth check takes for a key not enforced (the key's 401 is tested on its own).
    case.validate_response(response, excluded_checks=(ignored_auth,))
