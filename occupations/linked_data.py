"""schema.org JSON-LD for the registry's pages: an ``Occupation`` on each occupation page, a
``Dataset`` on each batch page. Each record's ``@id`` is its page's address, which does not
change from one release of the registry to the next."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from occupations.models import Batch, Occupation, SkillStandard, iso_date

SCHEMA_ORG = "https://schema.org"
# Inside <script>, "</script>" or "<!--" in a value would end or hide the block.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def code_set() -> dict[str, Any]:
    return {
        "@type": "CategoryCodeSet",
        "name": _("Occupational Classification of the People's Republic of China (2022 edition)"),
    }


def occupational_categories(occupation: Occupation) -> list[dict[str, Any]]:
    """The occupation's own code (where it has one) and its major group, as codes of the
    classification."""
    categories = []
    if occupation.code:
        categories.append(
            {
                "@type": "CategoryCode",
                "codeValue": occupation.code,
                "name": occupation.localized_name,
                "inCodeSet": code_set(),
            }
        )
    if occupation.group is not None:
        categories.append(
            {
                "@type": "CategoryCode",
                "codeValue": occupation.group.code,
                "name": occupation.group.localized_title,
                "inCodeSet": code_set(),
            }
        )
    return categories


def qualification(standard: SkillStandard) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "EducationalOccupationalCredential",
        "name": standard.localized_title,
        "credentialCategory": _("National occupational skill standard"),
        "educationalLevel": [level.name for level in standard.levels.all()],
    }
    authorities = [
        {"@type": "GovernmentOrganization", "name": a.localized_name}
        for a in standard.authorities.all()
    ]
    if authorities:
        node["recognizedBy"] = authorities
    issued = iso_date(standard.issued_on, standard.issued_precision)
    if issued:
        node["dateCreated"] = issued
    return node


def occupation_json_ld(request: HttpRequest, occupation: Occupation) -> dict[str, Any]:
    """schema.org ``Occupation``: name, other names, definition, main tasks, its codes in the
    classification and its skill standards as qualifications."""
    url = request.build_absolute_uri(occupation.get_absolute_url())
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Occupation",
        "@id": url,
        "url": url,
        "name": occupation.localized_name,
    }
    # Other names: the name in the other language first, then the other names.
    other_names = [occupation.other_name, *occupation.localized_alternative_names]
    if any(other_names):
        data["alternateName"] = [name for name in other_names if name]
    if occupation.definition:
        data["description"] = occupation.definition
    if occupation.tasks:
        data["responsibilities"] = list(occupation.tasks)
    if occupation.code:
        data["identifier"] = occupation.code
    categories = occupational_categories(occupation)
    if categories:
        data["occupationalCategory"] = categories
    standards = [qualification(standard) for standard in occupation.standards.all()]
    if standards:
        data["qualifications"] = standards
    return data


def batch_description(batch: Batch, occupations: list[Occupation]) -> str:
    count = batch.announced_count or len(occupations)
    text = _(
        "%(title)s: %(count)d new occupations added to the classification, announced %(date)s."
    )
    parts = [
        text % {"title": batch.localized_title, "count": count, "date": batch.announced_display}
    ]
    if occupations:
        names = "; ".join(occupation.localized_name for occupation in occupations)
        parts.append(_("Occupations: %(names)s.") % {"names": names})
    return " ".join(parts)


def batch_json_ld(
    request: HttpRequest, batch: Batch, occupations: list[Occupation]
) -> dict[str, Any]:
    """schema.org ``Dataset``: the batch as a published list, who issued it, when, and where
    its data can be read."""
    url = request.build_absolute_uri(batch.get_absolute_url())
    api = request.build_absolute_uri(reverse("api:batch-detail", kwargs={"slug": batch.slug}))
    occupations_csv = request.build_absolute_uri(
        f"{reverse('api:occupation-list')}?batch={batch.slug}&format=csv"
    )
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "name": batch.localized_title,
        "description": batch_description(batch, occupations),
        "inLanguage": get_language(),
        "identifier": batch.slug,
        "datePublished": iso_date(batch.announced_on, batch.announced_precision),
        "isPartOf": {
            "@type": "DataCatalog",
            "name": _("Registry of new occupations"),
            "url": request.build_absolute_uri(reverse("occupation-list")),
        },
        "about": [
            {
                "@type": "Occupation",
                "@id": request.build_absolute_uri(occupation.get_absolute_url()),
                "name": occupation.localized_name,
                "url": request.build_absolute_uri(occupation.get_absolute_url()),
            }
            for occupation in occupations
        ],
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": "application/json", "contentUrl": api},
            {"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": occupations_csv},
        ],
    }
    creators = [
        {"@type": "GovernmentOrganization", "name": a.localized_name}
        for a in batch.authorities.all()
    ]
    if creators:
        data["creator"] = creators
    return data


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` element."""
    # JSON inside <script> must not be HTML-escaped (&quot; is not JSON); <, > and & are
    # escaped as JSON unicode escapes instead, so no value can close or comment the block.
    text = json.dumps(data, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    body = mark_safe(text)  # JSON-escaped above
    return format_html('<script type="application/ld+json">{}</script>', body)
