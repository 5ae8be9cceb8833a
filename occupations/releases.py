"""What a release holds: every record type of the published registry as the API shows it,
the snapshot of the whole registry, its differences from the previous release, and the
registry as it was in a release.

A record is stored as its API representation (the serializers of ``occupations.api.registry``, so
the field lists live in one place) without its ``url``, which depends on the host asking; readers
put it back (``with_url``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import translation
from rest_framework import serializers

from occupations.api.pinned_reads import RecordUrls, ordered
from occupations.api.registry import (
    BatchSerializer,
    BatchViewSet,
    OccupationSerializer,
    OccupationViewSet,
    StandardSerializer,
    StandardViewSet,
)
from occupations.models.releases import RecordType, Release, ReleaseRecord

# Records serialized per query while a snapshot is taken: the prefetches run once per chunk.
SNAPSHOT_CHUNK = 2000


@dataclass(frozen=True)
class RegistryRecords:
    """One record type of the registry: how the API reads, shows and names it."""

    record_type: str
    plural: str  # the name of its file and of its key in the JSON download
    key_field: str  # the field of the representation that the API's detail URL takes
    view_name: str
    viewset: type
    serializer: type[serializers.ModelSerializer]

    @property
    def fields(self) -> list[str]:
        return [name for name in self.serializer.Meta.fields if name != "url"]

    @property
    def csv_columns(self) -> list[str]:
        return list(self.viewset.csv_columns)

    def live(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """Each published record now: (pk, key, representation without url), in pk order.

        Labels held in two languages are recorded in the site's default language (the other
        where that one is missing), whoever issues the release and in whichever language: a
        release records what changed in the registry, never the reader's language."""
        view = self.viewset(action="list")
        queryset = view.decorate(view.get_queryset()).order_by("pk")
        pks = list(view.get_queryset().order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), SNAPSHOT_CHUNK):
            chunk = list(queryset.filter(pk__in=pks[start : start + SNAPSHOT_CHUNK]))
            with translation.override(settings.LANGUAGE_CODE):
                data = self.serializer(chunk, many=True, context={"request": None}).data
            for obj, record in zip(chunk, data, strict=True):
                record = plain(record)
                record.pop("url", None)
                yield obj.pk, str(record[self.key_field]), record

    def urls(self) -> RecordUrls:
        """Paths of this type's records, from the site's root."""
        return RecordUrls(self.view_name, self.viewset.lookup_field)


REGISTRY = (
    RegistryRecords(
        RecordType.BATCH, "batches", "slug", "api:batch-detail", BatchViewSet, BatchSerializer
    ),
    RegistryRecords(
        RecordType.OCCUPATION,
        "occupations",
        "id",
        "api:occupation-detail",
        OccupationViewSet,
        OccupationSerializer,
    ),
    RegistryRecords(
        RecordType.STANDARD,
        "standards",
        "id",
        "api:standard-detail",
        StandardViewSet,
        StandardSerializer,
    ),
)
BY_TYPE = {records.record_type: records for records in REGISTRY}


def plain(data: Any) -> Any:
    """``data`` as JSON would give it back: plain dicts, lists, strings and numbers, so that
    a fresh representation compares equal to a stored one."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def with_url(
    records: RegistryRecords, data: dict[str, Any], urls: RecordUrls | None
) -> dict[str, Any]:
    """A stored representation as the API shows it: in field order, with its ``url`` (by
    ``urls``) if the type has one."""
    record = ordered(list(records.serializer.Meta.fields), data)
    if urls is not None:
        record["url"] = urls(str(data[records.key_field]))
    return record


@dataclass
class Differences:
    """What a new release would record: new rows, and the latest rows they replace."""

    rows: list[ReleaseRecord]
    superseded: list[int]  # pks of the rows the new ones replace

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"old": old.get(name), "new": new.get(name)}
        for name in dict.fromkeys([*old, *new])
        if old.get(name) != new.get(name)
    }


def differences() -> Differences:
    """The published registry now against each record's latest release row."""
    latest = {
        (row.record_type, row.record_id): row
        for row in ReleaseRecord.objects.current().only(
            "pk", "record_type", "record_id", "key", "action", "data"
        )
    }
    result = Differences(rows=[], superseded=[])
    seen: set[tuple[str, int]] = set()
    for records in REGISTRY:
        for pk, key, data in records.live():
            seen.add((records.record_type, pk))
            previous = latest.get((records.record_type, pk))
            new = ReleaseRecord(record_type=records.record_type, record_id=pk, key=key, data=data)
            if previous is None or previous.action == ReleaseRecord.Action.REMOVED:
                new.action = ReleaseRecord.Action.ADDED
            elif previous.data != data:
                new.action = ReleaseRecord.Action.CHANGED
                new.changes = changed_fields(previous.data, data)
            else:
                continue
            result.rows.append(new)
            if previous is not None:
                result.superseded.append(previous.pk)
    for (record_type, pk), previous in latest.items():
        if (record_type, pk) in seen or previous.action == ReleaseRecord.Action.REMOVED:
            continue
        result.rows.append(
            ReleaseRecord(
                record_type=record_type,
                record_id=pk,
                key=previous.key,
                action=ReleaseRecord.Action.REMOVED,
                data=previous.data,
            )
        )
        result.superseded.append(previous.pk)
    return result


def release_rows(release: Release, record_type: str) -> models.QuerySet[ReleaseRecord]:
    """The records of one type in ``release``, in id order."""
    return (
        ReleaseRecord.objects.in_release(release)
        .filter(record_type=record_type)
        .order_by("record_id")
    )
