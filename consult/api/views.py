"""The consultations API: every consultation past drafting with its draft list, and
its published comments (reads; the keyed comment POST is ``consult.api.comments``). Routed in
``consult.api.routes``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from consult import commitment
from consult.api.comments import SUBMISSION_SCHEMA, CommentSubmission
from consult.api.keys import API_KEY_HEADER, ApiKeyAuthentication
from consult.models import Comment, CommentRecord, Consultation, DraftOccupation
from consult.models.comments import normalise_tracking_number
from core.api.filters import StableOrderingFilter, StrictBooleanFilter, UpdatedSinceFilter
from core.api.pagination import ApiPagination
from core.api.schema import ID_PARAMETER, VALIDATION_ERROR_SCHEMA, detail_schema, list_schema
from core.api.throttling import ApiRateThrottle, KeyedRateThrottle
from core.api.viewsets import ID_REGEX, SLUG_REGEX, ReadOnlyApiViewSet
from occupations.api.registry import (
    MARKER_HELP,
    ReferenceFilter,
    StringListField,
    label,
    label_language,
    record_provenance,
)

# Filters -----------------------------------------------------------------------------------


class ConsultationFilter(filters.FilterSet):
    state = filters.ChoiceFilter(
        choices=Consultation.State.choices,
        method="filter_state",
        label=_("By the clock: scheduled, open or closed"),
    )
    status = filters.ChoiceFilter(
        choices=[c for c in Consultation.Status.choices if c[0] != Consultation.Status.DRAFTING],
        label=_("Stage of the process"),
    )
    updated_since = UpdatedSinceFilter()
    include_samples = StrictBooleanFilter(
        method="filter_include_samples",
        label=_(
            "true to list sample (demonstration) consultations too; by default they are left out"
        ),
    )
    ordering = StableOrderingFilter(
        fields=(("opens_at", "opens_at"), ("closes_at", "closes_at"), ("title", "title"))
    )

    class Meta:
        model = Consultation
        fields: list[str] = []

    def filter_include_samples(
        self, queryset: models.QuerySet, name: str, value: bool
    ) -> models.QuerySet:
        return queryset  # filter_queryset() leaves samples out unless this is true

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_samples"):
            queryset = queryset.filter(sample=False)
        return queryset

    def filter_state(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        now = timezone.now()
        by_state = {
            Consultation.State.SCHEDULED: queryset.scheduled,
            Consultation.State.OPEN: queryset.open,
            Consultation.State.CLOSED: queryset.closed,
        }
        return by_state[value](now)


class CommentFilter(filters.FilterSet):
    occupation = ReferenceFilter(
        # Not DraftOccupation.objects.all(): the browsable API lists the choices, and a draft
        # of a consultation still in drafting is not public.
        queryset=DraftOccupation.objects.public().filter(
            consultation__in=Consultation.objects.public()
        ),
        label=_("The draft_id of the draft occupation commented on"),
    )
    field = filters.ChoiceFilter(
        choices=[c for c in Comment.Field.choices if c[0]], label=_("Field commented on")
    )
    disposition = filters.ChoiceFilter(
        choices=Comment.Disposition.choices, label=_("What staff did with the comment")
    )
    ordering = StableOrderingFilter(fields=(("submitted_at", "submitted_at"),))

    class Meta:
        model = Comment
        fields: list[str] = []


# Serializers -------------------------------------------------------------------------------


DRAFT_TYPE = "draft_occupation"


@extend_schema_field(OpenApiTypes.URI)
class DraftUrlField(serializers.Field):
    """The draft's place on its consultation's page (``#draft-<id>``): a draft has no API
    address of its own."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The draft on its consultation's public page."))
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, draft: DraftOccupation) -> str:
        path = f"{reverse('consultation-detail', kwargs={'slug': draft.consultation.slug})}"
        path += f"#draft-{draft.pk}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DraftIdentity(serializers.Serializer):
    """How a draft is named in the API: ``draft_id`` (never ``id``, so that a join with the
    registry's occupation ids cannot match a draft by accident), its ``type`` and ``url``."""

    draft_id = serializers.IntegerField(
        source="pk",
        read_only=True,
        help_text=_(
            "Id of the draft, unique among drafts; not an occupation id (a published "
            "occupation has its own)."
        ),
    )
    type = serializers.SerializerMethodField(help_text=_("Always draft_occupation."))
    url = DraftUrlField()

    @extend_schema_field(serializers.ChoiceField(choices=[DRAFT_TYPE]))
    def get_type(self, draft: DraftOccupation) -> str:
        return DRAFT_TYPE


class DraftSummarySerializer(DraftIdentity, serializers.ModelSerializer):
    name = label("name")
    name_language = label_language("name")
    code = serializers.CharField(source="proposed_code", help_text=_("Proposed code."))
    kind = serializers.ChoiceField(
        choices=DraftOccupation.Kind.choices,
        read_only=True,
        help_text=_("What the proposal is: a new occupation, or a change to a published one."),
    )
    target = serializers.IntegerField(
        source="target_id",
        allow_null=True,
        read_only=True,
        help_text=_(
            "The id of the published occupation a new job type, revision or retirement "
            "changes; null for a new occupation or an upgrade."
        ),
    )
    tasks = StringListField(help_text=_("Main tasks, in order."))
    job_types = StringListField()
    green = serializers.BooleanField(allow_null=True, read_only=True, help_text=MARKER_HELP)
    digital = serializers.BooleanField(allow_null=True, read_only=True, help_text=MARKER_HELP)
    provenance = record_provenance()
    public_explanation = serializers.SerializerMethodField(
        help_text=_(
            "Why a withdrawn draft was withdrawn, as published once the report is public; "
            "empty before then and for other drafts."
        )
    )

    justification = serializers.CharField(
        read_only=True,
        help_text=_(
            "Why the draft is a new occupation although it is near a published occupation, "
            "job type or another consultation's draft; empty when it is not that near."
        ),
    )

    class Meta:
        model = DraftOccupation
        fields = [
            "draft_id",
            "type",
            "kind",
            "target",
            "code",
            "name",
            "name_language",
            "definition",
            "tasks",
            "job_types",
            "green",
            "digital",
            "status",
            "public_explanation",
            "justification",
            "provenance",
            "url",
        ]

    def get_public_explanation(self, draft: DraftOccupation) -> str:
        # The withdrawal's internal note (withdrawal_reason) is never exposed.
        return draft.public_explanation if draft.consultation.report_is_public else ""


class CommentRecordSerializer(serializers.ModelSerializer):
    count = serializers.IntegerField(
        source="leaf_count", help_text=_("Comments received in the window: the tree's leaves.")
    )

    class Meta:
        model = CommentRecord
        fields = ["root", "count", "algorithm", "computed_at"]


class ConsultationSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    opens_at = serializers.DateTimeField(
        allow_null=True,
        read_only=True,
        help_text=_("When comments opened; null when no source states the moment."),
    )
    comment_record = CommentRecordSerializer(
        allow_null=True,
        default=None,
        help_text=_(
            "The commitment to every comment received (a Merkle tree, RFC 6962 with SHA-256), "
            "computed once the window has closed; null before."
        ),
    )
    withdrawn_as_misattributed = serializers.SerializerMethodField(
        help_text=_(
            "Comments taken out of public view because the owner of their address "
            "said they did not send them; null where comments were collected elsewhere."
        ),
    )
    closes_at = serializers.DateTimeField(
        allow_null=True,
        read_only=True,
        help_text=_("When comments closed; null when no source states the moment."),
    )
    sample = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "true for a demonstration consultation, not a real one; samples are left out of "
            "lists unless include_samples=true, and out of the feeds."
        ),
    )
    comments_collected_elsewhere = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "true where the public's comments went to the ministry by other channels: this "
            "site holds none of them and does not know how many there were."
        ),
    )
    comment_count = serializers.SerializerMethodField(
        help_text=_(
            "Comments received here, spam excluded; null where comments were collected "
            "elsewhere (their number is not known)."
        )
    )
    provenance = record_provenance()
    occupations = DraftSummarySerializer(
        source="drafts", many=True, help_text=_("The draft list, in order.")
    )

    class Meta:
        model = Consultation
        fields = [
            "slug",
            "title",
            "sample",
            "opens_at",
            "closes_at",
            "state",
            "status",
            "comments_collected_elsewhere",
            "comment_count",
            "comment_record",
            "withdrawn_as_misattributed",
            "occupations",
            "provenance",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Consultation.State.choices))
    def get_state(self, consultation: Consultation) -> str | None:
        return consultation.state(self.context["now"])

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_comment_count(self, consultation: Consultation) -> int | None:
        if consultation.comments_collected_elsewhere:
            return None
        return consultation.comment_total

    def get_withdrawn_as_misattributed(self, consultation: Consultation) -> int | None:
        if consultation.comments_collected_elsewhere:
            return None
        return consultation.misattributed_total


class CommentOccupationSerializer(DraftIdentity, serializers.ModelSerializer):
    name = label("name")
    name_language = label_language("name")

    class Meta:
        model = DraftOccupation
        fields = ["draft_id", "type", "name", "name_language", "url"]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    occupation = CommentOccupationSerializer(allow_null=True)
    submitted_by = serializers.CharField(
        source="api_key.owner",
        allow_null=True,
        default=None,
        help_text=_("The organisation that sent the comment through the API, or null."),
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "submitted_at",
            "author",
            "organisation",
            "occupation",
            "field",
            "body",
            "proposed_text",
            "disposition",
            "reply",
            "signatures",
            "submitted_by",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_author(self, comment: Comment) -> str:
        # The API's vocabulary does not change with the reader's language.
        with translation.override("en"):
            return comment.public_author


class CommentPagination(ApiPagination):
    """The pages of a consultation's published comments: after ``count``, the consultation's
    ``comment_record`` (the paginator's ``summary``, given by the view), so that the record
    travels with the data it is the record of."""

    summary_schema = {
        "comment_record": {
            "allOf": [{"$ref": "#/components/schemas/CommentRecord"}],
            "nullable": True,
            "description": "The consultation's comment record: the commitment to every "
            "comment received (a Merkle tree, RFC 6962 with SHA-256), published or not; "
            "null until the window has closed and the record is computed.",
        }
    }

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = [*paginated.get("required", []), "comment_record"]
        return paginated


# Viewsets ----------------------------------------------------------------------------------

CONSULTATION_SLUG = OpenApiParameter(
    "consultation_slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=f"^{SLUG_REGEX}$",
    description="Slug of the consultation.",
)


@extend_schema_view(
    list=list_schema(
        ConsultationSerializer,
        description="Every consultation past drafting, with its draft list. `state` follows "
        "the clock (comments are accepted while it is `open`); `status` is the stage of the "
        "process.",
    ),
    retrieve=detail_schema(ConsultationSerializer, description="One consultation."),
)
class ConsultationViewSet(ReadOnlyApiViewSet):
    serializer_class = ConsultationSerializer
    filterset_class = ConsultationFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    # The state changes with the clock, and comments keep arriving while a window is open.
    cache_max_age = 60
    csv_name = "consultations"
    csv_columns = [
        "slug",
        "title",
        "sample",
        "opens_at",
        "closes_at",
        "state",
        "status",
        "comments_collected_elsewhere",
        "comment_count",
        "comment_record.root",
        "comment_record.count",
        "comment_record.algorithm",
        "comment_record.computed_at",
        "withdrawn_as_misattributed",
        "occupations.draft_id",
        "occupations.code",
        "occupations.name",
        "occupations.status",
        "provenance",
    ]

    def get_queryset(self) -> models.QuerySet:
        return Consultation.objects.public()

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        return (
            queryset.with_comment_count()
            .annotate(
                misattributed_total=models.Count(
                    "comments",
                    filter=models.Q(comments__withdrawal=Comment.Withdrawal.MISATTRIBUTED),
                )
            )
            .select_related("comment_record")
            .prefetch_related(
                models.Prefetch("drafts", queryset=DraftOccupation.objects.public().in_order())
            )
        )

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        now = self.now
        drafts = DraftOccupation.objects.filter(consultation=models.OuterRef("pk")).order_by()
        comments = (
            Comment.objects.not_spam()
            .filter(consultation=models.OuterRef("pk"))
            .order_by()
            .values("consultation")
        )
        # Subqueries rather than joins: drafts times comments would multiply the rows.
        return (
            queryset.order_by()
            .annotate(
                latest_draft=models.Subquery(
                    drafts.order_by("-updated_at").values("updated_at")[:1]
                ),
                latest_comment=models.Subquery(
                    comments.annotate(latest=models.Max("updated_at")).values("latest")
                ),
                comment_number=models.Subquery(
                    comments.annotate(number=models.Count("pk")).values("number")
                ),
            )
            .aggregate(
                count=models.Count("pk"),
                last_modified=models.Max("updated_at"),
                drafts_modified=models.Max("latest_draft"),
                comments_modified=models.Max("latest_comment"),
                comment_rows=models.Sum("comment_number"),
                records=models.Count("comment_record"),
                # The clock moves consultations between states: the latest opening or closing
                # already passed is when the list last changed for that reason.
                opened=models.Max("opens_at", filter=models.Q(opens_at__lte=now)),
                closed=models.Max("closes_at", filter=models.Q(closes_at__lt=now)),
            )
        )


@extend_schema_view(
    list=list_schema(
        CommentSerializer,
        description="Published comments on one consultation (moderated, with the author's "
        "consent), newest first. Never an e-mail address, a client address or an attachment.",
        parameters=[CONSULTATION_SLUG],
    ),
    retrieve=detail_schema(
        CommentSerializer,
        description="One published comment.",
        parameters=[CONSULTATION_SLUG, ID_PARAMETER],
    ),
    create=SUBMISSION_SCHEMA,
)
@extend_schema(tags=["comments"])
class ConsultationCommentViewSet(CommentSubmission, ReadOnlyApiViewSet):
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    pagination_class = CommentPagination
    lookup_value_regex = ID_REGEX
    cache_max_age = 60
    csv_name = "comments"
    csv_columns = [
        "id",
        "submitted_at",
        "author",
        "organisation",
        "occupation.draft_id",
        "occupation.name",
        "field",
        "body",
        "proposed_text",
        "disposition",
        "reply",
        "signatures",
        "submitted_by",
        # The consultation's comment record, the same on every row (empty before it exists).
        "comment_record.root",
        "comment_record.count",
        "comment_record.algorithm",
    ]

    @property
    def consultation(self) -> Consultation:
        if not hasattr(self, "_consultation"):
            self._consultation = get_object_or_404(
                Consultation.objects.public().select_related("comment_record"),
                slug=self.kwargs["consultation_slug"],
            )
        return self._consultation

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return Comment.objects.published().filter(consultation=self.consultation)

    def comment_record(self) -> dict[str, Any] | None:
        """The consultation's comment record as the API gives it, or None before it exists."""
        record = getattr(self.consultation, "comment_record", None)
        return None if record is None else CommentRecordSerializer(record).data

    def get_paginated_response(self, data: Any) -> Response:
        self.paginator.summary = {"comment_record": self.comment_record()}
        return super().get_paginated_response(data)

    def csv_records_response(self, records: Iterable[dict]) -> StreamingHttpResponse:
        """The CSV with the comment record's columns on every row."""
        comment_record = self.comment_record()
        return super().csv_records_response(
            {**row, "comment_record": comment_record} for row in records
        )

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """The published comments, JSON or CSV, carry their consultation's comment record in
        a ``Comment-Record`` header (algorithm, root, count) once it exists, besides the
        ``comment_record`` of the JSON page and the columns of the CSV."""
        response = super().finalize_response(request, response, *args, **kwargs)
        # The consultation as the request already read it (with its record): no query more.
        consultation = getattr(self, "_consultation", None)
        record = getattr(consultation, "comment_record", None)
        if record is not None and response.status_code < 400:
            response["Comment-Record"] = (
                f"{record.algorithm}; root={record.root}; count={record.leaf_count}"
            )
        return response

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("occupation__consultation", "api_key")

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        # The set (count and sum of ids) catches a comment leaving it by moderation or
        # deletion; updated_at catches every moderation step, disposition and reply.
        values = queryset.order_by().aggregate(
            count=models.Count("pk"),
            ids=models.Sum("pk"),
            last_modified=models.Max("updated_at"),
            occupations_modified=models.Max("occupation__updated_at"),
        )
        # The comment record joins the response once computed (the consultation was read
        # with it: no query more).
        record = getattr(self.consultation, "comment_record", None)
        if record is not None:
            values["record_root"] = record.root
            values["record_computed_at"] = record.computed_at
        return values


class CommentProofSerializer(serializers.Serializer):
    """The documented shape of an inclusion proof (``consult.commitment.proof``)."""

    consultation = serializers.SlugField()
    algorithm = serializers.CharField()
    encoding = serializers.CharField(
        help_text=_("The entry's encoding, its first line (consult-comment-v1 or -v2).")
    )
    root = serializers.CharField(help_text=_("The record's root (SHA-256, hex)."))
    tree_size = serializers.IntegerField(help_text=_("Comments in the record."))
    computed_at = serializers.DateTimeField()
    leaf_index = serializers.IntegerField(help_text=_("The comment's entry, from 0."))
    tracking_number = serializers.CharField()
    received_at = serializers.CharField(help_text=_("The moment received, UTC."))
    content_sha256 = serializers.CharField(
        help_text=_(
            "SHA-256 of what was sent (hex); in v2 with a random salt shown only to the sender."
        )
    )
    leaf_data = serializers.CharField(help_text=_("The entry's four lines."))
    leaf_hash = serializers.CharField()
    audit_path = serializers.ListField(
        child=serializers.CharField(), help_text=_("Sibling hashes, bottom up (RFC 6962).")
    )


class CommentProofViewSet(viewsets.ViewSet):
    """``/api/v1/comments/<tracking_number>/proof/``: a comment's inclusion proof in its
    consultation's comment record (``consult.commitment.proof``)."""

    throttle_classes = [ApiRateThrottle, KeyedRateThrottle]
    lookup_field = "tracking_number"
    lookup_value_regex = r"[0-9A-Za-z -]{12,20}"

    @extend_schema(
        tags=["comments"],
        operation_id="comments_proof",
        responses={
            200: CommentProofSerializer,
            400: OpenApiResponse(
                VALIDATION_ERROR_SCHEMA, description="A path or parameter refused by name."
            ),
            404: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        },
        description="The inclusion proof of one comment in the comment record of its "
        "consultation (RFC 6962 encoding, SHA-256): leaf data, leaf index, tree size, audit path "
        "and root. 409 with the reason before the record exists (the window has not closed).",
    )
    @action(detail=True, methods=["get"], url_path="proof")
    def proof(self, request: Request, tracking_number: str) -> Response:
        comment = (
            Comment.objects.select_related("consultation__comment_record")
            .filter(
                Consultation.objects.public_condition("consultation__"),
                tracking_number=normalise_tracking_number(tracking_number),
            )
            .first()
        )
        if comment is None:
            return Response(
                {"detail": _("No comment has this tracking number.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        try:
            return Response(commitment.proof(comment))
        except commitment.NoProof as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The API key's security scheme in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": API_KEY_HEADER,
            "description": "A key issued by staff. Scope `read` raises the rate limit of "
            "reads; scope `comment` allows submitting comments.",
        }
