"""The ``README`` of a release's downloads: what each file holds, every column described, the
licence and how to cite the release. In English, as the column names are."""

from __future__ import annotations

from django.conf import settings

from occupations.models.releases import Release
from occupations.releases import REGISTRY

# What every date column holds: never a day the sources do not give.
DATE_RULE = (
    "ISO 8601 at the precision the sources state: YYYY-MM-DD for a day, YYYY-MM for a "
    "month (2019-04 for April 2019), YYYY for a year (2024)"
)
PROVENANCE = (
    "Where the record's facts come from, as JSON: sources (the sentences of the source "
    "files it is copied from, each with file and quote) and fields (by field name, each "
    "fact that does not come from those sentences: basis inference with its rule, "
    "reference with the outside reference named, disagreement with every reading and the "
    "rule that chose one, or source with its own file and quote). A field not named is "
    "supported by the sources."
)
MARKER = (
    "true if a source marks it as a {kind} occupation ({letter}), false if a source "
    "excludes it, empty if no source says (not known: empty is not false)."
)


def language_of(label: str) -> str:
    return (
        f"Language the {label} is written in: zh-hans or en. A label held in one language "
        "only is given in it."
    )


# One description per column of every CSV file (the API's CSV columns); a test checks that
# none is missing, so a column added to the API is described here too.
COLUMNS: dict[str, dict[str, str]] = {
    "batches": {
        "slug": "Stable identifier of the batch, used in its URL.",
        "number": "Ordinal number of the batch (1 = first batch); empty if it has none.",
        "title": "Title of the batch (see provenance for how it is known).",
        "title_language": language_of("title"),
        "announced_on": f"Date of the announcement, {DATE_RULE}.",
        "announced_precision": "How much of announced_on the sources state: day, month or year.",
        "authorities": "Issuing authorities, one per line.",
        "authorities_language": "Language of each authority's name, one per line.",
        "occupation_count": "Occupations of the batch in this release (the same as named_count).",
        "announced_count": (
            "How many occupations the announcement said; may exceed named_count. Empty if "
            "not stated."
        ),
        "named_count": (
            "How many of the announced occupations the registry names; below announced_count "
            "where the sources name only some."
        ),
        "provenance": PROVENANCE,
        "url": "Path of the record in the REST API, from the site's root.",
    },
    "occupations": {
        "id": "Stable identifier of the occupation, the same in every release.",
        "code": "Code in the classification, D-DD-DD-DD; empty where the source gives none.",
        "name": "Name of the occupation.",
        "name_language": language_of("name"),
        "alternative_names": "Other names and translations, one per line.",
        "alternative_names_language": language_of("other names"),
        "language": "Language the definition, tasks and job types are written in.",
        "definition": "Definition of the occupation.",
        "tasks": "Main tasks, in order, one per line.",
        "job_types": "Job types under the occupation, one per line.",
        "green": MARKER.format(kind="green", letter="L"),
        "digital": MARKER.format(kind="digital", letter="S"),
        "group.code": "Code of the major group (1-8); empty if not assigned.",
        "group.title": "Title of the major group.",
        "group.title_language": language_of("group title"),
        "batch.slug": "Slug of the batch that published the occupation.",
        "batch.title": "Title of that batch.",
        "batch.title_language": language_of("batch title"),
        "batch.announced_on": f"Announcement date of that batch, {DATE_RULE}.",
        "batch.announced_precision": "How much of batch.announced_on the sources state.",
        "standards.id": "Ids of the occupation's skill standards, one per line.",
        "standards.title": "Titles of those standards, one per line.",
        "standards.title_language": "Language of each of those titles, one per line.",
        "standards.kind": "Kinds of those standards (technical or skill), one per line.",
        "provenance": PROVENANCE,
        "version": "Version of the occupation: 1 at first publication, one more per change.",
        "retired": "true once a published change retired the occupation; it stays listed.",
        "retired_in": "Slug of the batch that retired the occupation; empty while in force.",
        "url": "Path of the record in the REST API, from the site's root.",
    },
    "standards": {
        "id": "Stable identifier of the skill standard.",
        "title": "Title of the standard.",
        "title_language": language_of("title"),
        "kind": (
            "technical: professional technicians, three levels; skill: skilled workers, "
            "five levels."
        ),
        "occupation.id": "Id of the occupation the standard belongs to.",
        "occupation.name": "Name of that occupation.",
        "occupation.name_language": language_of("occupation's name"),
        "occupation.code": "Code of that occupation.",
        "issued_on": f"Date of issue, {DATE_RULE}; empty where the sources give none.",
        "issued_precision": (
            "How much of issued_on the sources state: day, month or year; empty exactly when "
            "issued_on is empty."
        ),
        "authorities": "Issuing authorities, one per line.",
        "authorities_language": "Language of each authority's name, one per line.",
        "directions": "Occupational directions, if the standard splits into them; one per line.",
        "levels.rank": "Rank of each level, lowest first (1 = lowest), one per line.",
        "levels.key": (
            "Key of each level: primary, intermediate, advanced, or level5 to level1; one per line."
        ),
        "levels.name": (
            "Name of each level in Simplified Chinese (the key names it in English), one per line."
        ),
        "provenance": PROVENANCE,
    },
}


def readme(release: Release, counts: dict[str, int]) -> str:
    """The README text of ``release``'s downloads; ``counts`` is the records per file."""
    lines = [
        f"Occupation registry, release {release.version}",
        "=" * (len(release.version) + 27),
        "",
        *(
            [
                f"Date in the history: {release.citation_date or 'not stated in the sources'}",
                f"Recorded (loaded) at: {release.recorded_at.isoformat(timespec='seconds')}",
            ]
            if release.history
            else [f"Issued: {release.issued_at.isoformat(timespec='seconds')}"]
        ),
        f"Note: {release.note}",
        "",
        "Files",
        "-----",
        "",
    ]
    for records in REGISTRY:
        lines.append(f"{records.plural}.csv  {counts.get(records.plural, 0)} records")
    lines += [
        "registry.xlsx  the same records, one sheet per CSV file, the same columns",
        "registry.json  the same records as the REST API shows them, under the keys",
        "               batches, occupations and standards, after the release itself",
        "README         this file",
        "SHA256SUMS     the SHA-256 hash of every other file (check with sha256sum -c)",
        "",
        "CSV files are UTF-8 with a byte-order mark, comma-separated, with a header row. A",
        "list is one item per line inside its cell. Control characters are removed from text;",
        "then a cell that a spreadsheet would read as a formula (starting with =, +, -, @, a",
        "tab or a carriage return) begins with an apostrophe. Booleans are true or",
        "false; an empty marker (green, digital) is not known, not false. Every date is",
        "written at the precision the sources state: 2020-07-06 for a day, 2019-04 for a",
        "month, 2024 for a year, empty when not known; the precision columns say the same in",
        "a word. In the XLSX workbook dates are text cells, as written here. Provenance is a",
        "JSON object in one cell.",
        "",
        "Columns",
        "-------",
    ]
    for records in REGISTRY:
        lines += ["", f"{records.plural}.csv", ""]
        described = COLUMNS.get(records.plural, {})
        for column in records.csv_columns:
            lines.append(f"  {column}: {described.get(column, 'See the REST API schema.')}")
    lines += [
        "",
        "Licence",
        "-------",
        "",
        f"{settings.OPEN_DATA_LICENCE}: {settings.OPEN_DATA_LICENCE_URL}",
        "",
        "How to cite",
        "-----------",
        "",
        f"{release.citation} Cite the version: a release never changes.",
        "",
    ]
    return "\n".join(lines)
