"""A client generated from ``/api/schema/`` with openapi-python-client: one schema whatever the
reader's language, ASCII names only, and every list and detail endpoint read through it, each
answer parsing into the generated models with nothing left over.

The test walks the schema's own paths, so an endpoint added later is read too."""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client as DjangoClient

from config.wsgi import application
from occupations.workflow import issue_release

pytestmark = pytest.mark.django_db

PACKAGE = "consult_api_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No formatter after generation: the client is read, not kept.
CONFIG = f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\npost_hooks: []\n"
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def fetch_schema(language: str) -> bytes:
    response = DjangoClient().get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    return response.content


@pytest.fixture(scope="module")
def schema_text(django_db_blocker) -> bytes:
    with django_db_blocker.unblock():
        return fetch_schema("zh-hans")


@pytest.fixture(scope="module")
def generated(schema_text, tmp_path_factory):
    """The generated client package, imported."""
    workdir = tmp_path_factory.mktemp("client")
    (workdir / "schema.json").write_bytes(schema_text)
    (workdir / "config.yaml").write_text(CONFIG)
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "schema.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(workdir))
    try:
        package = importlib.import_module(PACKAGE)
        yield workdir / PACKAGE, package
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def wsgi_client(generated, registry, consultations, settings):
    """The generated client, talking to the application in this process and transaction.

    The request signals of a real WSGI call would close the test's connection (and its
    transaction); Django's test client disconnects them too."""
    settings.API_THROTTLE_RATE = "0"
    # A release of the registry, so that ?release= and the release endpoints have one.
    issue_release(by=None, note="The registry for the generated client.")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    _, package = generated
    client = package.Client(
        base_url="http://testserver",
        httpx_args={"transport": httpx.WSGITransport(app=application)},
        raise_on_unexpected_status=True,
    )
    yield client
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_is_the_same_in_every_language(schema_text):
    assert fetch_schema("en") == schema_text
    assert fetch_schema("zh-hans,zh;q=0.9") == schema_text
    assert DjangoClient().get("/api/schema/?format=json&lang=zh-hans").content == schema_text


def test_the_generated_client_has_only_ascii_names(generated):
    root, _ = generated
    files = sorted(root.rglob("*.py"))
    assert any(path.name == "occupations_list.py" for path in files)
    for path in files:
        assert path.relative_to(root).as_posix().isascii(), path
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        names = {token.string for token in tokens if token.type == tokenize.NAME}
        assert all(name.isascii() for name in names), (
            path,
            sorted(n for n in names if not n.isascii()),
        )


def test_operations_are_tagged_by_resource_without_the_version_in_their_ids(schema_text):
    import json

    schema = json.loads(schema_text)
    operations = [op for item in schema["paths"].values() for op in item.values()]
    tags = {tag for op in operations for tag in op["tags"]}
    assert {"batches", "occupations", "standards", "consultations", "comments"} <= tags
    assert "v1" not in tags
    ids = {op["operationId"] for op in operations}
    assert {"occupations_list", "occupations_retrieve", "consultations_comments_list"} <= ids
    assert not [i for i in ids if i.startswith("v1")]
    components = schema["components"]["schemas"]
    # Enums are named components, shared by fields and filters alike.
    assert components["Disposition"]["enum"] == [
        "pending",
        "adopted",
        "partly_adopted",
        "not_adopted",
        "noted",
    ]
    assert {"DatePrecision", "StandardKind", "LevelKey", "Format", "Error"} <= set(components)
    comments = schema["paths"]["/api/v1/consultations/{consultation_slug}/comments/"]["get"]
    disposition = next(p for p in comments["parameters"] if p["name"] == "disposition")
    assert disposition["schema"] == {"$ref": "#/components/schemas/Disposition"}


# Reading everything through the generated client ----------------------------------------------


class SchemaWalk:
    """Every GET operation of the schema, called through the generated client."""

    def __init__(self, schema: dict[str, Any], package: Any, client: Any) -> None:
        self.schema = schema
        self.package = package
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def operation(self, template: str) -> dict[str, Any]:
        return self.schema["paths"][template]["get"]

    def call(self, template: str, path_values: dict[str, Any], **query: Any) -> Any:
        operation = self.operation(template)
        module = importlib.import_module(
            f"{self.package.__name__}.api.{operation['tags'][0]}.{operation['operationId']}"
        )
        response = module.sync_detailed(client=self.client, **path_values, **query)
        assert response.status_code == 200, (template, path_values, response.content[:300])
        expected = self.model_of(operation)
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if schema.get("type") == "array":  # a short list without pages (versions)
            assert isinstance(response.parsed, list), (template, type(response.parsed))
            assert all(isinstance(item, expected) for item in response.parsed), template
        else:
            assert isinstance(response.parsed, expected), (template, type(response.parsed))
        assert_nothing_undocumented(response.parsed, template)
        self.calls.append((template, path_values))
        return response.parsed

    def paged(self, template: str) -> bool:
        return any(p["name"] == "page" for p in self.operation(template)["parameters"])

    def model_of(self, operation: dict[str, Any]) -> type:
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        reference = schema["items"]["$ref"] if schema.get("type") == "array" else schema["$ref"]
        return getattr(self.package.models, reference.rsplit("/", 1)[1])

    def records(self, template: str, path_values: dict[str, Any]) -> list[Any]:
        """Every record of a list, page by page."""
        records: list[Any] = []
        page = 1
        while True:
            parsed = self.call(template, path_values, page=page, page_size=500)
            records.extend(parsed.results)
            if not parsed.next_:
                return records
            page += 1

    def path_values(self, template: str) -> list[dict[str, Any]]:
        """Every assignment of the path's parameters to existing records: the last parameter
        takes each record of the collection before it (``{slug}`` of ``/batches/`` is each
        batch's slug, ``{consultation_slug}`` each consultation's)."""
        parameters = PATH_PARAMETER.findall(template)
        if not parameters:
            return [{}]
        last = parameters[-1]
        collection = template[: template.index(f"{{{last}}}")]
        values = []
        for outer in self.path_values(collection):
            for record in self.records(collection, outer):
                attribute = last if hasattr(record, last) else last.rsplit("_", 1)[-1]
                values.append({**outer, last: getattr(record, attribute)})
        return values


def assert_nothing_undocumented(model: Any, where: str) -> None:
    """No field of the answer is missing from the schema: the generated models keep unknown
    fields in ``additional_properties``."""
    if isinstance(model, list):
        for item in model:
            assert_nothing_undocumented(item, where)
        return
    extra = getattr(model, "additional_properties", None)
    if extra is None:
        return
    assert extra == {}, (where, type(model).__name__, sorted(extra))
    for value in vars(model).values() if hasattr(model, "__dict__") else ():
        assert_nothing_undocumented(value, where)
    for field in getattr(type(model), "__attrs_attrs__", ()):
        if field.name != "additional_properties":
            assert_nothing_undocumented(getattr(model, field.name), where)


def test_every_list_and_detail_is_read_through_the_generated_client(
    generated, wsgi_client, schema_text
):
    import json

    schema = json.loads(schema_text)
    _, package = generated
    walk = SchemaWalk(schema, package, wsgi_client)

    # A proof is read by a tracking number no list gives (tests/record reads it).
    proof = "/api/v1/comments/{tracking_number}/proof/"
    for template in schema["paths"]:
        if template == proof:
            continue
        for values in walk.path_values(template):
            if PATH_PARAMETER.search(template) or not walk.paged(template):
                walk.call(template, values)  # one record, or one document (classification)
            else:
                walk.records(template, values)
        release = next(
            (p for p in walk.operation(template)["parameters"] if p["name"] == "release"), None
        )
        if release is not None:
            versions = [r.version for r in walk.records("/api/v1/releases/", {})]
            assert versions, "the fixtures issue no release to read ?release= against"
            for values in walk.path_values(template):
                walk.call(template, values, release=versions[-1])

    read = {template for template, _ in walk.calls}
    assert read == set(schema["paths"]) - {proof}
    details = [values for template, values in walk.calls if template.endswith("{id}/")]
    assert details, "no detail was read"
    # Each published occupation of the fixtures was read on its own, now and in the release.
    occupations = [v["id"] for t, v in walk.calls if t == "/api/v1/occupations/{id}/"]
    assert len(occupations) == 2 * len(set(occupations)) >= 8
