"""The ``README`` of a release's downloads: what each file holds, every column described, the
licence and how to cite the release. In English, as the column names are."""

from __future__ import annotations

from django.conf import settings

from occupations.models.releases import Release
from occupations.releases import REGISTRY

# One description per column of every CSV file (the API's CSV columns); a test checks that
# none is missing, so a column added to the API is described here too.
COLUMNS: dict[str, dict[str, str]] = {
    "batches": {
        "slug": "Stable identifier of the batch, used in its URL.",
        "number": "Ordinal number of the batch (1 = first batch); empty if it has none.",
        "title": "Title of the batch as announced.",
        "announced_on": (
            "Date of the announcement, ISO 8601; read it with announced_precision: a date "
            "known to the month is given as the month's first day, to the year as 1 January."
        ),
        "announced_precision": "How much of announced_on the source states: day, month or year.",
        "authorities": "Issuing authorities, one per line.",
        "occupation_count": "Occupations of the batch in this release.",
        "announced_count": (
            "How many occupations the announcement said; may exceed those it named. Empty if "
            "not stated."
        ),
        "url": "Path of the record in the REST API, from the site's root.",
    },
    "occupations": {
        "id": "Stable identifier of the occupation, the same in every release.",
        "code": "Code in the classification, D-DD-DD-DD; empty where the source gives none.",
        "name": "Name of the occupation.",
        "alternative_names": "Other names and translations, one per line.",
        "definition": "Definition of the occupation.",
        "tasks": "Main tasks, in order, one per line.",
        "job_types": "Job types under the occupation, one per line.",
        "green": "true if marked as a green occupation (L), else false.",
        "digital": "true if marked as a digital occupation (S), else false.",
        "group.code": "Code of the major group (1-8); empty if not assigned.",
        "group.title": "Title of the major group.",
        "batch.slug": "Slug of the batch that published the occupation.",
        "batch.title": "Title of that batch.",
        "batch.announced_on": (
            "Announcement date of that batch (see announced_precision in batches.csv)."
        ),
        "batch.announced_precision": "How much of batch.announced_on the source states.",
        "standards.id": "Ids of the occupation's skill standards, one per line.",
        "standards.title": "Titles of those standards, one per line.",
        "standards.kind": "Kinds of those standards (technical or skill), one per line.",
        "url": "Path of the record in the REST API, from the site's root.",
    },
    "standards": {
        "id": "Stable identifier of the skill standard.",
        "title": "Title of the standard.",
        "kind": (
            "technical: professional technicians, three levels; skill: skilled workers, "
            "five levels."
        ),
        "occupation.id": "Id of the occupation the standard belongs to.",
        "occupation.name": "Name of that occupation.",
        "occupation.code": "Code of that occupation.",
        "issued_on": (
            "Date of issue, ISO 8601; empty where the source gives none. Read it with "
            "issued_precision: a date known to the month is given as the month's first day."
        ),
        "issued_precision": "How much of issued_on the source states: day, month or year.",
        "authorities": "Issuing authorities, one per line.",
        "directions": "Occupational directions, if the standard splits into them; one per line.",
        "levels.rank": "Rank of each level, lowest first (1 = lowest), one per line.",
        "levels.key": (
            "Key of each level: primary, intermediate, advanced, or level5 to level1; one per line."
        ),
        "levels.name": "Name of each level, one per line.",
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
        "list is one item per line inside its cell. A cell that a spreadsheet would read as a",
        "formula (starting with =, +, -, @) begins with an apostrophe. Booleans are true or",
        "false. Each date is written in the ISO 8601 form of its precision: 2019-04 for a",
        "date known to the month, 2024 for one known to the year, 2020-07-06 for a day; the",
        "precision column beside it says the same. No month or year is written as a day.",
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
