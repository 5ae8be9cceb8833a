"""The downloads of a release: the whole registry as it was in that release, as CSV (one file
per record type, UTF-8 with a byte-order mark so that spreadsheet programs read it), one XLSX
workbook, one JSON document, a ``README`` data dictionary and a ``SHA256SUMS`` manifest.

Built by the worker (``build_release_downloads``, queued once a release commits) from its stored
records, so a release's files never change: the same records as ``?release=`` in the API, in
the same cells as the API's CSV. Stored under ``downloads/<version>/`` in the ``downloads``
storage and served by ``occupations.views.download``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django_tasks import task
from openpyxl import Workbook

from core.api.renderers import value_at
from core.exports.cells import TRUE_FALSE, cell
from occupations.data_dictionary import readme
from occupations.models.releases import Release
from occupations.releases import REGISTRY, RegistryRecords, release_rows, with_url

logger = logging.getLogger(__name__)

JSON_NAME = "registry.json"
XLSX_NAME = "registry.xlsx"
README_NAME = "README"
MANIFEST_NAME = "SHA256SUMS"
CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TEXT_TYPE = "text/plain; charset=utf-8"
# Sections that apps above the registry add to a release's JSON document, by key: each is given
# the release and its records by record type, and returns a list of rows. The consultations
# add ``comment_records`` (the comment record of each consultation whose batch is in the
# release), so the record of what was received travels with the data.
EXTRA_SECTIONS: dict[str, Callable[[Release, dict[str, list[dict[str, Any]]]], list[dict]]] = {}
CORE_PROPERTIES = "docProps/core.xml"
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def storage() -> Storage:
    return storages["downloads"]


def content_language(name: str) -> str | None:
    """The language of a download's text, for its ``Content-Language``: the README is written
    in English (as the column names are); the data files hold labels in either language (each
    with its language column) and say so; the manifest is not text in a language."""
    if name == README_NAME:
        return "en"
    if name == MANIFEST_NAME:
        return None
    return "zh-hans, en"


def path(release: Release, name: str) -> str:
    return f"downloads/{release.version}/{name}"


def content_type(name: str) -> str:
    for suffix, kind in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return kind
    return TEXT_TYPE


def release_records(release: Release) -> dict[str, list[dict[str, Any]]]:
    """Every record of ``release`` by record type (``occupations``…), as the API shows it,
    with URLs as paths from the site's root."""
    state = {}
    for records in REGISTRY:
        urls = records.urls() if "url" in records.serializer.Meta.fields else None
        rows = release_rows(release, records.record_type).values_list("data", flat=True)
        state[records.plural] = [with_url(records, data, urls) for data in rows.iterator(2000)]
    return state


def release_header(release: Release) -> dict[str, Any]:
    return {
        "version": release.version,
        "issued_at": release.issued_at.isoformat(),
        "note": release.note,
    }


def json_file(release: Release, state: dict[str, list[dict[str, Any]]]) -> bytes:
    document: dict[str, Any] = {"release": release_header(release), **state}
    for key, section in EXTRA_SECTIONS.items():
        document[key] = section(release, state)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def cells(records: RegistryRecords, rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """The cells of the CSV and XLSX files, computed once for both: the API's CSV cells
    (``core.api.renderers.csv_lines``). ``cell`` removes the control characters (XML cannot
    hold them) before it defuses formulas, and nothing changes a cell after it."""
    tz = timezone.get_current_timezone()
    columns = records.csv_columns
    return [
        [cell(value_at(record, column), tz, booleans=TRUE_FALSE) for column in columns]
        for record in rows
    ]


def csv_file(records: RegistryRecords, table: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(records.csv_columns)
    writer.writerows(table)
    return buffer.getvalue().encode()


def xlsx_file(release: Release, tables: dict[str, list[list[Any]]]) -> bytes:
    """One sheet per record type, the columns and cells of the CSV files."""
    workbook = Workbook(write_only=True)
    # Fixed, so that building the same release twice gives the same bytes.
    workbook.properties.created = workbook.properties.modified = release.issued_at.replace(
        tzinfo=None, microsecond=0
    )
    workbook.properties.title = f"Occupation registry {release.version}"
    for records in REGISTRY:
        sheet = workbook.create_sheet(title=records.plural)
        sheet.append(records.csv_columns)
        for row in tables[records.plural]:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_fixed_times(buffer.getvalue(), release.issued_at)


def _with_fixed_times(archive: bytes, when: dt.datetime) -> bytes:
    """The zip ``archive`` with every entry dated ``when``: the zip format stores the time
    each entry was written, and a release's files must be the same bytes however often they
    are built (their URLs are cached for good)."""
    stamp = timezone.localtime(when).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(entry)
            if entry.filename == CORE_PROPERTIES:
                # openpyxl stamps the time of saving as the workbook's last modification.
                content = MODIFIED.sub(
                    rb"\g<1>"
                    + when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                    + rb"\g<2>",
                    content,
                )
            target.writestr(fixed, content)
    return out.getvalue()


def build_files(release: Release) -> dict[str, bytes]:
    """Every download of ``release`` by file name, the manifest last."""
    state = release_records(release)
    tables = {records.plural: cells(records, state[records.plural]) for records in REGISTRY}
    files = {
        f"{records.plural}.csv": csv_file(records, tables[records.plural]) for records in REGISTRY
    }
    files[XLSX_NAME] = xlsx_file(release, tables)
    files[JSON_NAME] = json_file(release, state)
    files[README_NAME] = readme(release, {name: len(rows) for name, rows in state.items()}).encode()
    files[MANIFEST_NAME] = "".join(
        f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in files.items()
    ).encode()
    return files


def build(release_id: int) -> str:
    """Build and store the downloads of release ``release_id``; what happened, as a word
    (``built``, or ``skipped`` when there is no such release)."""
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        return "skipped"
    files = build_files(release)
    target = storage()
    for name, content in files.items():
        # The storage overwrites (settings.STORAGES): a rebuild keeps each file's name.
        target.save(path(release, name), ContentFile(content))
    release.record_downloads(
        [
            {"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            for name, content in files.items()
        ],
        now=timezone.now(),
    )
    logger.info("Downloads of release %s built: %d files.", release.version, len(files))
    return "built"


# A release whose files are still missing this long after it was issued lost its build task
# (a worker stopped mid-build, a queue row removed): the sweep enqueues it again.
BUILD_GRACE = dt.timedelta(minutes=15)


def requeue_missing(*, now: dt.datetime) -> int:
    """Enqueue the build of every release issued before ``now - BUILD_GRACE`` whose files
    were never built; how many. A build twice over writes the same bytes."""
    missing = Release.objects.filter(
        downloads_built_at__isnull=True, issued_at__lt=now - BUILD_GRACE
    ).values_list("pk", flat=True)
    count = 0
    for release_id in missing:
        build_release_downloads.enqueue(release_id)
        count += 1
    return count


@task()
def build_release_downloads(release_id: int) -> str:
    """Build the downloads of one release (``build``); queued once the release commits."""
    return build(release_id)
