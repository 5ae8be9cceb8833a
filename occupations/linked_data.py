"""schema.org JSON-LD for the registry's pages: an ``Occupation`` on each occupation page, a
``Dataset`` on each batch page. Each record's ``@id`` is its page's address, which does not
change from one release of the registry to the next.

Every text taken from the registry carries the language it is written in (a JSON-LD value
object, ``{"@value": …, "@language": …}``): a label held in one language only is given in it
whatever the page's language. Dates are written at the precision the sources state
(``iso_date``). A skill standard is one credential per level it certifies."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from occupations.models import Batch, Language, Occupation, Release, SkillStandard, iso_date

SCHEMA_ORG = "https://schema.org"
# Inside <script>, "</script>" or "<!--" in a value would end or hide the block.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def text(value: str, language: str) -> dict[str, str]:
    """A text with the language it is written in."""
    return {"@value": value, "@language": language}


def ui_text(value: str) -> dict[str, str]:
    """A text of the site's own vocabulary, in the page's language."""
    return text(value, Language.EN if (get_language() or "").startswith("en") else "zh-hans")


def authority_name(authority) -> dict[str, str]:
    name = authority.localized_name
    return text(name, "zh-hans" if name == authority.name_zh else Language.EN)


def code_set() -> dict[str, Any]:
    return {
        "@type": "CategoryCodeSet",
        "name": ui_text(
            _("Occupational Classification of the People's Republic of China (2022 edition)")
        ),
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
                "name": text(occupation.localized_name, occupation.localized_name_language),
                "inCodeSet": code_set(),
            }
        )
    if occupation.group is not None:
        categories.append(
            {
                "@type": "CategoryCode",
                "codeValue": occupation.group.code,
                "name": text(
                    occupation.group.localized_title, occupation.group.localized_title_language
                ),
                "inCodeSet": code_set(),
            }
        )
    return categories


def qualifications(standard: SkillStandard) -> list[dict[str, Any]]:
    """One credential per level the standard certifies (a standard of five levels is five
    certificates), each naming its level."""
    title = text(standard.localized_title, standard.localized_title_language)
    authorities = [
        {"@type": "GovernmentOrganization", "name": authority_name(a)}
        for a in standard.authorities.all()
    ]
    issued = iso_date(standard.issued_on, standard.issued_precision)
    nodes = []
    for level in standard.levels.all():
        node: dict[str, Any] = {
            "@type": "EducationalOccupationalCredential",
            "name": title,
            "credentialCategory": ui_text(_("National occupational skill standard")),
            "educationalLevel": ui_text(level.name),
        }
        if authorities:
            node["recognizedBy"] = authorities
        if issued:
            node["dateCreated"] = issued
        nodes.append(node)
    return nodes


def occupation_json_ld(request: HttpRequest, occupation: Occupation) -> dict[str, Any]:
    """schema.org ``Occupation``: name, other names, definition, main tasks, its codes in the
    classification and its skill standards as qualifications."""
    url = request.build_absolute_uri(occupation.get_absolute_url())
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Occupation",
        "@id": url,
        "url": url,
        "name": text(occupation.localized_name, occupation.localized_name_language),
    }
    # Other names: the name in the other language first, then the other names.
    other_names = []
    if occupation.other_name:
        other_names.append(text(occupation.other_name, occupation.other_name_language))
    names_language = occupation.localized_alternative_names_language
    other_names += [
        text(name, names_language) for name in occupation.localized_alternative_names if name
    ]
    if other_names:
        data["alternateName"] = other_names
    # The definition and tasks are written in the record's language.
    if occupation.definition:
        data["description"] = text(occupation.definition, occupation.language)
    if occupation.tasks:
        data["responsibilities"] = [text(task, occupation.language) for task in occupation.tasks]
    if occupation.code:
        data["identifier"] = occupation.code
    categories = occupational_categories(occupation)
    if categories:
        data["occupationalCategory"] = categories
    standards = [
        node for standard in occupation.standards.all() for node in qualifications(standard)
    ]
    if standards:
        data["qualifications"] = standards
    return data


def batch_description(batch: Batch, occupations: list[Occupation]) -> str:
    """What the batch is, in the page's language, worded as the sources define a new
    occupation (one not yet included in the classification), and never claiming that the
    registry names every occupation the announcement counted."""
    named = len(occupations)
    values = {"title": batch.localized_title, "date": batch.announced_display, "named": named}
    if batch.announced_count and batch.announced_count > named:
        sentence = _(
            "%(title)s: announced %(date)s, %(count)d new occupations (occupations not yet "
            "included in the classification); the registry names %(named)d of them."
        )
        values["count"] = batch.announced_count
    else:
        sentence = _(
            "%(title)s: announced %(date)s, %(named)d new occupations (occupations not yet "
            "included in the classification)."
        )
    parts = [sentence % values]
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
    announced = iso_date(batch.announced_on, batch.announced_precision)
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "name": text(batch.localized_title, batch.localized_title_language),
        "description": ui_text(batch_description(batch, occupations)),
        # The languages the dataset's texts are written in, not the page's.
        "inLanguage": sorted(
            {batch.localized_title_language}
            | {occupation.localized_name_language for occupation in occupations}
        ),
        "identifier": batch.slug,
        "datePublished": announced,
        "temporalCoverage": announced,
        "license": settings.OPEN_DATA_LICENCE_URL,
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": ui_text(_("Registry of new occupations")),
            "url": request.build_absolute_uri(reverse("occupation-list")),
            "license": settings.OPEN_DATA_LICENCE_URL,
        },
        "about": [
            {
                "@type": "Occupation",
                "@id": request.build_absolute_uri(occupation.get_absolute_url()),
                "name": text(occupation.localized_name, occupation.localized_name_language),
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
        {"@type": "GovernmentOrganization", "name": authority_name(a)}
        for a in batch.authorities.all()
    ]
    if creators:
        data["creator"] = creators
    # The registry's latest release: the version of the data a consumer reads now.
    version = Release.objects.latest_first().values_list("version", flat=True).first()
    if version:
        data["version"] = version
    return data


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` element."""
    # JSON inside <script> must not be HTML-escaped (&quot; is not JSON); <, > and & are
    # escaped as JSON unicode escapes instead, so no value can close or comment the block.
    text = json.dumps(data, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    body = mark_safe(text)  # JSON-escaped above
    return format_html('<script type="application/ld+json">{}</script>', body)
