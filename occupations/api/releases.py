"""``/api/v1/releases/``: the numbered releases of the registry, each with its counts, its change
list and its downloads. Routed in ``occupations.api.routes``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_view
from rest_framework import serializers

from core.api.relations import AbsoluteUrlField
from core.api.schema import detail_schema, list_schema
from core.api.viewsets import ReadOnlyApiViewSet
from occupations.models.releases import Release, ReleaseRecord

VERSION_REGEX = r"[0-9]{4}\.[0-9]+"


class ReleaseCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField(source="added_count")
    changed = serializers.IntegerField(source="changed_count")
    removed = serializers.IntegerField(source="removed_count")


class DownloadSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField(help_text=_("Absolute URL of the file."))
    size = serializers.IntegerField(help_text=_("Bytes."))
    sha256 = serializers.CharField(help_text=_("SHA-256 of the file, as in SHA256SUMS."))


class FieldChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ChangeSerializer(serializers.ModelSerializer):
    id = serializers.CharField(
        source="key", help_text=_("The record's id (a batch: its slug), as in its API URL.")
    )
    # Not get_fields(): ModelSerializer builds its fields with a method of that name.
    fields = serializers.SerializerMethodField(
        method_name="changed_fields", help_text=_("Changed fields; empty unless changed.")
    )

    class Meta:
        model = ReleaseRecord
        fields = ["record_type", "id", "action", "fields"]

    @extend_schema_field(FieldChangeSerializer(many=True))
    def changed_fields(self, row: ReleaseRecord) -> list[dict[str, Any]]:
        return [
            {"name": name, "old": values["old"], "new": values["new"]}
            for name, values in row.changes.items()
        ]


class ReleaseSerializer(serializers.ModelSerializer):
    counts = ReleaseCountsSerializer(source="*", help_text=_("Records added, changed, removed."))
    changes = ChangeSerializer(
        many=True,
        source="records",
        help_text=_("Every record the release added, changed or removed."),
    )
    downloads = serializers.SerializerMethodField(
        help_text=_("The release's files; empty until the worker has built them.")
    )
    url = AbsoluteUrlField(view_name="api:release-detail", lookup_field="version")

    class Meta:
        model = Release
        fields = ["version", "issued_at", "note", "counts", "changes", "downloads", "url"]

    @extend_schema_field(DownloadSerializer(many=True))
    def get_downloads(self, release: Release) -> list[dict[str, Any]]:
        request = self.context.get("request")
        listed = []
        for file in release.downloads:
            path = reverse(
                "release-download", kwargs={"version": release.version, "name": file["name"]}
            )
            url = request.build_absolute_uri(path) if request is not None else path
            listed.append({"name": file["name"], "url": url, **file})
        return listed


class ReleaseDetailSerializer(ReleaseSerializer):
    previous = serializers.CharField(
        source="previous_version",
        allow_null=True,
        help_text=_("The version before this one; null for the first."),
    )

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "previous"]


@extend_schema_view(
    list=list_schema(
        ReleaseSerializer,
        description="Numbered releases of the registry, each with every record it added, "
        "changed or removed.",
    ),
    retrieve=detail_schema(
        ReleaseDetailSerializer,
        description="One release, with every record it added, changed or removed.",
    ),
)
class ReleaseViewSet(ReadOnlyApiViewSet):
    serializer_class = ReleaseSerializer
    lookup_field = "version"
    lookup_value_regex = VERSION_REGEX
    csv_name = "releases"
    csv_columns = [
        "version",
        "issued_at",
        "note",
        "counts.added",
        "counts.changed",
        "counts.removed",
        "url",
    ]

    def get_serializer_class(self):
        return ReleaseDetailSerializer if self.action == "retrieve" else ReleaseSerializer

    def get_queryset(self) -> models.QuerySet:
        return Release.objects.latest_first()

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        if self.wants_csv():
            return queryset  # the CSV has no column for the changes
        # One query for the changes of every release of the page; the stored records
        # themselves (``data``) are not part of a change list.
        changes = ReleaseRecord.objects.only(
            "release_id", "record_type", "key", "action", "changes"
        ).order_by("record_type", "record_id")
        return queryset.prefetch_related(models.Prefetch("records", queryset=changes))

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        # A release changes only when its downloads are built.
        return queryset.order_by().aggregate(
            count=models.Count("*"),
            last_modified=models.Max("issued_at"),
            downloads_built=models.Max("downloads_built_at"),
        )
