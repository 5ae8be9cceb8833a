"""Comments through the API: ``POST /api/v1/consultations/<slug>/comments/`` with a
key holding the ``comment`` scope.

``consult.intake.verdict.take_comment`` decides, as for the public form: the same checks
(``consult.intake.form.ApiCommentForm``), the same messages, the same storing. This module reads
the request into a ``Submission`` and renders the verdict (201 with the receipt, 404, 403 for
the window, 400 by field); the request's schema is generated from the form's fields. What is
added: ``signatures``, the key's owner as the submitting organisation, and ``Idempotency-Key``.
A retry with the same key and the same request answers the first comment and stores nothing;
the same key with another request is a 409. Two requests with one key at the same instant store
one comment: the database's unique constraint decides, and the loser answers with the winner's
comment.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from consult.intake.form import ApiCommentForm
from consult.intake.store import Sender
from consult.intake.verdict import Outcome, Submission, Verdict, take_comment
from consult.models import ATTACHMENT_MAX_BYTES, COMMENT_MAX_ATTACHMENTS, ApiKey, Comment
from core.api.schema import ERROR_SCHEMA, form_serializer
from core.clients import client_ip, request_started_at

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


# Schema ------------------------------------------------------------------------------------


# What the documentation says of the fields beside the form's own rules.
FIELD_DOCS: dict[str, dict[str, Any]] = {
    "occupation": {
        "help_text": "The `draft_id` of one draft occupation of this consultation (as "
        "listed in its `occupations`); leave out to comment on the draft list as a whole."
    },
    "field": {"help_text": "Part of the occupation commented on; needs `occupation`."},
    "task_number": {"help_text": "With `field` = `task`: the task's number in the list."},
    "body": {"help_text": "The comment."},
    "email": {"help_text": "A receipt is sent here; never published."},
    "notify_replies": {
        "help_text": "Mail the address in `email` when staff reply and when the report is "
        "published."
    },
    # The form takes null for 1, as it takes leaving it out; only the latter is documented.
    "signatures": {
        "help_text": "How many people the submitting organisation speaks for (default 1).",
        "allow_null": False,
    },
    "attachments": {
        "help_text": f"Multipart only: up to {COMMENT_MAX_ATTACHMENTS} files of at most "
        f"{ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB, PDF, DOCX, ODT or TXT by content."
    },
}
CommentSubmissionSerializer = form_serializer(
    ApiCommentForm,
    name="CommentSubmissionSerializer",
    doc="What the request may hold, for the schema; the checks are the form's\n"
    "(``ApiCommentForm``), run on the request as sent.",
    extra_kwargs=FIELD_DOCS,
)
# JSON carries no files: the same fields without attachments.
CommentJsonSubmissionSerializer = form_serializer(
    ApiCommentForm,
    name="CommentJsonSubmissionSerializer",
    doc="What a JSON request may hold, for the schema: the form's fields but the files.",
    extra_kwargs=FIELD_DOCS,
    exclude=("attachments",),
)


class CommentReceiptSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    receipt_url = serializers.URLField()
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.CharField(help_text="The organisation holding the key.")
    signatures = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Comment.Status.choices)


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "One key per refused field (or header), each with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        "X-RateLimit-Limit",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[201, 400, 403, 409, 429],
        description="Requests the key may make per period.",
    ),
    OpenApiParameter(
        "X-RateLimit-Remaining",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[201, 400, 403, 409, 429],
        description="Requests the key has left in the current period.",
    ),
    OpenApiParameter(
        "X-RateLimit-Reset",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Unix time at which the next request will be allowed.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before the next request.",
    ),
]
SUBMISSION_SCHEMA = extend_schema(
    operation_id="consultations_comments_create",
    summary="Submit a comment",
    description="Submit a comment on an open consultation for an organisation, with an API "
    "key holding the `comment` scope. The fields and checks are the public form's; the "
    "comment is moderated like any other and shown with the key's organisation. Send "
    "attachments as `multipart/form-data`. A retry with the same `Idempotency-Key` and the "
    "same request answers the first comment and stores nothing new; the same key with "
    "another request is refused with 409.",
    request={
        "application/json": CommentJsonSubmissionSerializer,
        "multipart/form-data": CommentSubmissionSerializer,
        "application/x-www-form-urlencoded": CommentSubmissionSerializer,
    },
    parameters=[
        OpenApiParameter(
            IDEMPOTENCY_HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            pattern=r"^[!-~]{1,255}$",
            description="Any string of up to 255 printable ASCII characters, unique per "
            "comment (a UUID, say).",
        ),
        *RATE_LIMIT_HEADERS,
    ],
    responses={
        201: OpenApiResponse(CommentReceiptSerializer, description="Stored."),
        400: OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Refused input, by field."),
        401: OpenApiResponse(ERROR_SCHEMA, description="No key, or a revoked one."),
        403: OpenApiResponse(
            ERROR_SCHEMA,
            description="The key lacks the comment scope, or the window is not open.",
        ),
        404: OpenApiResponse(ERROR_SCHEMA, description="No such public consultation."),
        409: OpenApiResponse(
            FIELD_ERRORS_SCHEMA, description="The Idempotency-Key was used for another request."
        ),
        415: OpenApiResponse(ERROR_SCHEMA, description="Neither JSON nor a form."),
        429: OpenApiResponse(ERROR_SCHEMA, description="Too many requests with this key."),
    },
)


# The action ---------------------------------------------------------------------------------


class CommentSubmission:
    """The ``create`` action of the consultation's comments viewset."""

    @sensitive_variables("data", "submission")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.auth
        if not isinstance(key, ApiKey):  # KeyScopes lets no POST without a key through
            raise exceptions.NotAuthenticated()
        slug = kwargs["consultation_slug"]
        now = request_started_at(request._request)
        idempotency_key = _idempotency_key(request)
        data = _request_data(request)
        fingerprint = request_fingerprint(data, consultation=slug) if idempotency_key else ""
        if idempotency_key:
            earlier = _earlier(request, key, idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
        _refuse_unknown_fields(data)
        submission = Submission(
            slug=slug,
            data=_as_form_data(data),
            files=request.FILES,
            upload_refusal=getattr(request._request, "upload_refusal", None),
            now=now,
            sender=Sender(
                ip=client_ip(request._request),
                language=translation.get_language(),
                site_url=request.build_absolute_uri("/").rstrip("/"),
            ),
            api_key=key,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
        )
        try:
            verdict = take_comment(submission)
        except IntegrityError:
            # Another request with this Idempotency-Key stored its comment first.
            earlier = (
                _earlier(request, key, idempotency_key, fingerprint) if idempotency_key else None
            )
            if earlier is None:
                raise
            return earlier
        return _answer(request, verdict, key)


def _answer(request: Request, verdict: Verdict, key: ApiKey) -> Response:
    """The verdict on a keyed submission as the API says it."""
    if verdict.outcome == Outcome.TAKEN and verdict.comment is not None:
        return _receipt(request, verdict.comment, key)
    if verdict.outcome == Outcome.NOT_FOUND:
        raise exceptions.NotFound()
    if verdict.outcome == Outcome.INVALID:
        raise exceptions.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): messages
                for name, messages in verdict.errors.items()
            }
        )
    # The one refusal left for a keyed submission: the window is not open.
    raise exceptions.PermissionDenied(verdict.refusal)


def _receipt(
    request: Request, comment: Comment, key: ApiKey, *, replayed: bool = False
) -> Response:
    url = request.build_absolute_uri(comment.get_absolute_url())
    body = {
        "tracking_number": comment.tracking_number,
        "receipt_url": url,
        "submitted_at": serializers.DateTimeField().to_representation(comment.submitted_at),
        "submitted_by": key.owner,
        "signatures": comment.signatures,
        "status": comment.status,
    }
    headers = {"Location": url}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status=status.HTTP_201_CREATED, headers=headers)


def _earlier(
    request: Request, key: ApiKey, idempotency_key: str, fingerprint: str
) -> Response | None:
    """The answer to a retry: the comment stored with this key and ``Idempotency-Key``, if
    any, when the request is the same; a 409 when it is not."""
    comment = Comment.objects.filter(api_key=key, idempotency_key=idempotency_key).first()
    if comment is None:
        return None
    if comment.request_fingerprint != fingerprint:
        raise Conflict(
            {
                IDEMPOTENCY_HEADER: [
                    _(
                        "This Idempotency-Key was already used for a different request; "
                        "use a new key for a new comment."
                    )
                ]
            }
        )
    return _receipt(request, comment, key, replayed=True)


def _idempotency_key(request: Request) -> str:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return ""
    if (
        not value
        or len(value) > IDEMPOTENCY_KEY_MAX_LENGTH
        or not all(" " < ch <= "~" for ch in value)
    ):
        raise exceptions.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    _(
                        "Give an Idempotency-Key of 1 to 255 printable ASCII characters "
                        "without spaces, such as a UUID."
                    )
                ]
            }
        )
    return value


def _request_data(request: Request) -> Any:
    """The request's fields; a body that cannot be parsed is refused as the API refuses any
    field, so that every 400 has the documented shape."""
    try:
        return request.data
    except exceptions.ParseError as error:
        raise exceptions.ValidationError({"non_field_errors": [str(error.detail)]}) from None


def _form_fields() -> set[str]:
    return set(ApiCommentForm.base_fields)


def _refuse_unknown_fields(data: Any) -> None:
    if not isinstance(data, dict):
        raise exceptions.ValidationError(
            {"non_field_errors": [_("Send the comment as a JSON object or a form.")]}
        )
    known = _form_fields()
    problems: dict[str, list[str]] = {}
    for name in data:
        if name not in known:
            problems[str(name)] = [
                _("Unknown field; the fields are: %(fields)s.")
                % {"fields": ", ".join(sorted(known))}
            ]
    if not isinstance(data, QueryDict):
        for name, value in data.items():
            if name == "attachments" and value in ([], None):
                continue  # no files: as if left out
            if name == "attachments":
                problems[name] = [_("Send attachments as multipart/form-data.")]
            elif isinstance(value, dict | list):
                problems[str(name)] = [_("Give a single value, not a list or an object.")]
    if problems:
        raise exceptions.ValidationError(problems)


def _as_form_data(data: Any) -> QueryDict | dict[str, Any]:
    """The request's fields as the form reads them: a JSON object's null is an empty field,
    ``true``/``false`` the checkbox's on/off."""
    if isinstance(data, QueryDict):
        return data
    converted: dict[str, Any] = {}
    for name, value in data.items():
        if name == "attachments":
            continue  # an empty list (anything else was refused): no files
        if value is None or value is False:
            converted[name] = ""
        else:
            converted[name] = value
    return converted


def request_fingerprint(data: Any, *, consultation: str) -> str:
    """A hash of what a request sent to ``consultation`` (its slug), fields and files,
    independent of how it was framed (a multipart boundary changes with every retry): two
    requests with the same fingerprint ask for the same comment on the same consultation."""
    canonical: dict[str, Any] = {}
    if isinstance(data, QueryDict):
        for name, values in data.lists():
            canonical[name] = [_file_digest(v) if hasattr(v, "read") else v for v in values]
    elif isinstance(data, dict):
        canonical = dict(data)
    encoded = json.dumps([consultation, canonical], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _file_digest(upload: Any) -> list[Any]:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return [upload.name, upload.size, digest.hexdigest()]
