"""``/api/v1/classification/``: the classification itself as one document — its editions, the
earlier releases of new occupations the registry holds only totals of, and a summary of each
batch — every date in the ISO form of its precision, every record with its sources and
provenance. Routed in ``occupations.api.routes``; the page is ``/classification/``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import conditional
from core.api.relations import AbsoluteUrlField
from core.api.schema import (
    COMMON_RESPONSES,
    LANG_PARAMETER,
    VALIDATION_ERROR_SCHEMA,
    VALIDATOR_HEADERS,
    ApiAutoSchema,
)
from core.api.viewsets import ReadOnlyApiViewSet
from occupations.api.registry import PreciseDateField, record_provenance
from occupations.classification import History, classification_history
from occupations.models import Batch, ClassificationEdition, ReleasePeriod


class ClassificationEditionSerializer(serializers.ModelSerializer):
    issued_on = PreciseDateField("issued_on", "issued_precision")
    provenance = record_provenance()

    class Meta:
        model = ClassificationEdition
        fields = [
            "year",
            "issued_on",
            "issued_precision",
            "revision",
            "major_group_count",
            "occupation_count",
            "provenance",
        ]


class ReleasePeriodSerializer(serializers.ModelSerializer):
    provenance = record_provenance()

    class Meta:
        model = ReleasePeriod
        fields = [
            "started_year",
            "ended_year",
            "batch_count",
            "occupation_count",
            "occupation_count_is_minimum",
            "provenance",
        ]


class ClassificationBatchSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="localized_title")
    title_language = serializers.CharField(
        source="localized_title_language", help_text=_("The language the title is written in.")
    )
    announced_on = PreciseDateField("announced_on", "announced_precision")
    named_count = serializers.IntegerField(
        source="occupation_total",
        help_text=_("Occupations of the batch the sources name, all in the registry."),
    )
    provenance = record_provenance()
    url = AbsoluteUrlField(view_name="api:batch-detail", lookup_field="slug")

    class Meta:
        model = Batch
        fields = [
            "slug",
            "number",
            "title",
            "title_language",
            "announced_on",
            "announced_precision",
            "announced_count",
            "named_count",
            "provenance",
            "url",
        ]


class ClassificationSerializer(serializers.Serializer):
    editions = ClassificationEditionSerializer(
        many=True, help_text=_("The editions, oldest first.")
    )
    release_periods = ReleasePeriodSerializer(
        source="periods",
        many=True,
        help_text=_("Earlier releases of new occupations, known only by their totals."),
    )
    batches = ClassificationBatchSerializer(
        many=True, help_text=_("The batches of new occupations, oldest first.")
    )


class OneDocumentSchema(ApiAutoSchema):
    """The schema of a list route that answers one object, not an array of them."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema(
    description=(
        "The classification itself, as one document: its editions (1999, 2015, 2022, with the "
        "counts the sources state), the earlier releases of new occupations known only by "
        "their totals, and a summary of each batch, oldest first, each record with its "
        "sources and provenance. Dates are ISO 8601 at their precision."
    ),
    parameters=[LANG_PARAMETER, *VALIDATOR_HEADERS],
    responses={
        (200, "application/json"): ClassificationSerializer,
        (400, "application/json"): OpenApiResponse(
            VALIDATION_ERROR_SCHEMA, description="A query parameter has an invalid value."
        ),
        **COMMON_RESPONSES,
    },
)
class ClassificationViewSet(ReadOnlyApiViewSet):
    """One document, no detail route; JSON only (a CSV has no shape for three lists)."""

    routed_actions = ("list",)
    schema = OneDocumentSchema()
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    serializer_class = ClassificationSerializer
    pagination_class = None  # type: ignore[assignment]

    def get_queryset(self):  # the document reads three tables (occupations.classification)
        return ClassificationEdition.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        history: History = classification_history()
        data = self.get_serializer(history).data
        validators = None
        if self.uses_validators():
            # Editions and periods keep no time of change: the validator is the content's own.
            digest = hashlib.sha256(
                json.dumps(data, sort_keys=True, default=str).encode()
            ).hexdigest()
            validators = conditional.validators_for(
                [self.basename, request.accepted_media_type, get_language()], {"data": digest}
            )
            not_modified = self.not_modified(validators)
            if not_modified is not None:
                return not_modified
        return self.with_validators(Response(data), validators)
