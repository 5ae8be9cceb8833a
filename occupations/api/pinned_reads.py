"""``?release=`` and ``?since_release=`` on the registry's API.

``?release=<version>`` reads the registry as it was in that release, from the records the
release stored: the same representation, fields and URLs as the live API, pages and CSV
included. ``?since_release=<version>`` on a list keeps only the records changed after that
release (up to ``?release=`` if given; else up to now, changes not yet released included).
A version that is not a release is a 400 naming the parameter.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import conditional
from occupations.models.releases import Release, ReleaseRecord

RELEASE = "release"
SINCE_RELEASE = "since_release"
# What a read of a past release takes besides ``release``: filters apply to the registry as
# it is now, so they are refused with a release rather than silently misapplied. ``lang``
# is taken (it chooses the language of messages), but a release holds its labels in the
# language it recorded them in (``occupations.releases``), which Content-Language gives.
RELEASE_READ_PARAMETERS = {RELEASE, SINCE_RELEASE, "page", "page_size", "format", "lang"}
# A release never changes: its reads may be cached for a day.
RELEASE_CACHE_MAX_AGE = 86400

# A version as releases are numbered: the year it was issued in (from 1000) and its number in
# that year (from 1). The schema gives the pattern; anything else, or a version that was never
# issued, answers 400 naming the parameter.
VERSION_PARAMETER_PATTERN = r"^[1-9][0-9]{3}\.[1-9][0-9]*$"

RELEASE_PARAMETER = OpenApiParameter(
    RELEASE,
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    pattern=VERSION_PARAMETER_PATTERN,
    description=(
        "A release version (`2026.1`): the registry as it was in that release. Takes no "
        "other filter than `since_release`; an unknown version answers 400."
    ),
)
SINCE_RELEASE_PARAMETER = OpenApiParameter(
    SINCE_RELEASE,
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    pattern=VERSION_PARAMETER_PATTERN,
    description=(
        "A release version: only the records added or changed after it (up to `release`, "
        "else up to now). Removed records are listed in the releases' `changes`."
    ),
)


def ordered(fields: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its keys in the order of ``fields`` (the database may keep JSON keys in
    another), keys not among them last."""
    order = {name: i for i, name in enumerate(fields)}
    return dict(sorted(data.items(), key=lambda item: order.get(item[0], len(order))))


class RecordUrls:
    """The URL of each record of one detail route, from ``base`` (empty: from the site's
    root)."""

    def __init__(self, view_name: str, lookup: str, base: str = "") -> None:
        self.view_name, self.lookup, self.base = view_name, lookup, base

    def __call__(self, key: str) -> str:
        return self.base + reverse(self.view_name, kwargs={self.lookup: key})


class ReleaseReadsMixin:
    """For a ``ReadOnlyApiViewSet`` of registry records of type ``release_record_type``."""

    release_record_type = ""
    # Set by the viewset and the request (DRF's GenericViewSet provides them).
    request: Request
    action: str | None
    basename: str
    kwargs: dict[str, Any]
    lookup_field: str

    @cached_property
    def release(self) -> Release | None:
        return self.release_parameter(RELEASE)

    @cached_property
    def since_release(self) -> Release | None:
        return self.release_parameter(SINCE_RELEASE)

    def release_parameter(self, name: str) -> Release | None:
        value = self.request.query_params.get(name)
        if value is None:
            return None
        release = Release.objects.filter(version=value[:20]).first() if value else None
        if release is None:
            message = _("%(value)s is not a release; the releases are listed at %(url)s.") % {
                "value": repr(value[:20]),
                "url": reverse("api:release-list"),
            }
            raise ValidationError({name: [message]})
        return release

    def text_language(self) -> str:
        """A release's records were stored in the site's default language, whoever asks."""
        if self.release is not None:
            return settings.LANGUAGE_CODE
        return super().text_language()  # type: ignore[misc]

    def known_query_parameters(self) -> set[str]:
        known: set[str] = super().known_query_parameters()  # type: ignore[misc]
        return known | ({RELEASE, SINCE_RELEASE} if self.action == "list" else {RELEASE})

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        release, since = self.release, self.since_release
        if since is not None and self.action != "list":
            raise ValidationError({SINCE_RELEASE: [_("Only lists take since_release.")]})
        if release is None:
            return
        for name in request.query_params:
            if name not in RELEASE_READ_PARAMETERS:
                raise ValidationError(
                    {
                        name: [
                            _(
                                "Filters read the registry as it is now and cannot be "
                                "combined with release; download the release's files to "
                                "filter it."
                            )
                        ]
                    }
                )
        if since is not None and since.sequence >= release.sequence:
            raise ValidationError(
                {SINCE_RELEASE: [_("since_release must be a release before release.")]}
            )

    # The live registry ---------------------------------------------------------------------

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        queryset = super().filter_queryset(queryset)
        since = self.since_release
        if since is None or self.action != "list":
            return queryset
        changed = (
            ReleaseRecord.objects.changed_after(since)
            .filter(record_type=self.release_record_type)
            .values("record_id")
        )
        condition = models.Q(pk__in=changed)
        latest = Release.objects.latest_first().first()
        if latest is not None:
            # Changes made since the latest release belong to the next one.
            condition |= models.Q(updated_at__gt=latest.issued_at)
        return queryset.filter(condition)

    # A past release ------------------------------------------------------------------------

    def release_rows(self, release: Release) -> models.QuerySet[ReleaseRecord]:
        rows = ReleaseRecord.objects.in_release(release).filter(
            record_type=self.release_record_type
        )
        if self.since_release is not None:
            changed = (
                ReleaseRecord.objects.changed_after(self.since_release, until=release)
                .filter(record_type=self.release_record_type)
                .values("record_id")
            )
            rows = rows.filter(record_id__in=changed)
        return rows.order_by("record_id")

    def release_record(self, row: ReleaseRecord) -> dict[str, Any]:
        """A stored record as the live API shows it: field order, absolute URL."""
        fields = list(self.get_serializer_class().Meta.fields)
        record = ordered(fields, row.data)
        if "url" in fields:
            record["url"] = self.record_urls(row.key)
        return record

    @cached_property
    def record_urls(self) -> RecordUrls:
        return RecordUrls(
            f"api:{self.basename}-detail",
            self.lookup_field,
            self.request.build_absolute_uri("/")[:-1],
        )

    def release_detail_extra(self, release: Release, row: ReleaseRecord) -> dict[str, Any]:
        """What a detail adds to the stored record (a batch: its occupations)."""
        return {}

    def release_validators(self, release: Release, count: int) -> conditional.Validators:
        identity = [
            self.basename,
            self.action,
            sorted(self.kwargs.items()),
            sorted(self.request.query_params.lists()),
            self.request.accepted_media_type,
            get_language(),
        ]
        return conditional.validators_for(
            identity, {"count": count, "issued_at": release.issued_at}
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        release = self.release
        if release is None:
            return super().list(request, *args, **kwargs)
        rows = self.release_rows(release)
        validators = self.release_validators(release, rows.count())
        response = conditional.not_modified(request._request, validators)
        if response is None:
            if self.wants_csv():
                records = (self.release_record(row) for row in rows.iterator(chunk_size=500))
                response = self.csv_records_response(records)
            else:
                page = self.paginator.paginate_queryset(
                    rows, request, view=self, count=validators.count
                )
                response = self.get_paginated_response([self.release_record(row) for row in page])
        return conditional.with_validators(response, validators, max_age=RELEASE_CACHE_MAX_AGE)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        release = self.release
        if release is None:
            return super().retrieve(request, *args, **kwargs)
        key = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        row = self.release_rows(release).filter(key=key).first()
        if row is None:
            raise NotFound(_("No such record in release %(version)s.") % {"version": release})
        validators = self.release_validators(release, 1)
        response = conditional.not_modified(request._request, validators)
        if response is None:
            record = {**self.release_record(row), **self.release_detail_extra(release, row)}
            response = self.csv_records_response([record]) if self.wants_csv() else Response(record)
        return conditional.with_validators(response, validators, max_age=RELEASE_CACHE_MAX_AGE)
