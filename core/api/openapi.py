"""The schema as one document clients can generate from: English whatever the request's
language, and every enum and error body a named component (see SPECTACULAR_SETTINGS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from core.api.schema import ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA

# The language of the schema: clients generate class and attribute names from its titles, so
# it must not change with the reader's Accept-Language or the site's default language.
SCHEMA_LANGUAGE = "en"
ERROR_COMPONENT = "Error"
VALIDATION_ERROR_COMPONENT = "ValidationErrors"


class EnglishSchemaGenerator(SchemaGenerator):
    """The schema generator, always in English (the interactive docs around it stay in the
    reader's language)."""

    def get_schema(self, request: Any = None, public: bool = False) -> dict[str, Any]:
        # get_schema() turns every lazy translation into text before it returns.
        with translation.override(SCHEMA_LANGUAGE):
            return super().get_schema(request=request, public=public)


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_"))


def _enum_of(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The enum schema of a parameter: the schema itself or the items of an array."""
    if "enum" in schema:
        return schema
    items = schema.get("items")
    if isinstance(items, dict) and "enum" in items:
        return items
    return None


def _values(enum: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in enum.get("enum") or () if v not in ("", None)))


def _singular(tag: str) -> str:
    for plural, singular in (("ies", "y"), ("ches", "ch"), ("s", "")):
        if tag.endswith(plural):
            return tag[: -len(plural)] + singular
    return tag


def _resource(operation: dict[str, Any]) -> str:
    return _singular(str((operation.get("tags") or ["api"])[0]))


def _parameter_enums(
    result: dict[str, Any],
) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(operation, parameter, its enum schema) for every query parameter with an enum."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                enum = _enum_of(parameter.get("schema", {}))
                if enum is not None and parameter.get("in") == "query":
                    yield operation, parameter, enum


def _enum_component_name(
    components: dict[str, Any],
    enum: dict[str, Any],
    *,
    resource: str,
    parameter: str,
    shared: bool,
) -> str:
    """The component an inline parameter enum becomes: an enum component with the same values
    if there is one (the ``disposition`` filter shares the field's enum), else one named after
    the parameter (``Format``) or, where the values differ by resource, after both
    (``OccupationOrdering``)."""
    values = _values(enum)
    for name, component in components.items():
        if "enum" in component and _values(component) == values:
            return name
    name = _pascal(parameter) if shared else _pascal(resource) + _pascal(parameter)
    if name in components:
        name += "Filter"
    components[name] = {k: v for k, v in enum.items() if k != "description"}
    return name


def _name_error_bodies(operation: dict[str, Any]) -> None:
    for response in operation.get("responses", {}).values():
        for media in response.get("content", {}).values():
            if media.get("schema") == ERROR_SCHEMA:
                media["schema"] = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
            elif media.get("schema") == VALIDATION_ERROR_SCHEMA:
                media["schema"] = {"$ref": f"#/components/schemas/{VALIDATION_ERROR_COMPONENT}"}


def name_inline_schemas(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Post-processing hook: every enum of a query parameter and every error body becomes a
    named component, so that a generated client has one ``Format``, one ``Error`` and one
    ``Disposition`` rather than a class per operation named after it."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    components[VALIDATION_ERROR_COMPONENT] = VALIDATION_ERROR_SCHEMA
    # A parameter name with one set of values across several resources (format) is shared.
    value_sets: dict[str, set[tuple[str, ...]]] = {}
    resources: dict[str, set[str]] = {}
    for operation, parameter, enum in _parameter_enums(result):
        value_sets.setdefault(parameter["name"], set()).add(_values(enum))
        resources.setdefault(parameter["name"], set()).add(_resource(operation))
    for operation, parameter, enum in list(_parameter_enums(result)):
        name = _enum_component_name(
            components,
            enum,
            resource=_resource(operation),
            parameter=parameter["name"],
            shared=len(value_sets[parameter["name"]]) == 1
            and len(resources[parameter["name"]]) > 1,
        )
        reference = {"$ref": f"#/components/schemas/{name}"}
        if enum is parameter["schema"]:
            parameter["schema"] = reference
        else:
            parameter["schema"]["items"] = reference
    for item in result.get("paths", {}).values():
        for operation in item.values():
            _name_error_bodies(operation)
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result
