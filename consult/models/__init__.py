"""The consultation process: draft lists with their comment window, draft occupations, public
comments and their moderation.

State fields are django-fsm-2 ``FSMField(protected=True)``: only the verb-named transition methods
below change them. Steps that touch several records (opening a consultation freezes every draft;
publication creates registry records) are functions in ``consult.workflow.consultations``, which
check the actor's permission, lock rows and write the Transition log."""

from consult.models.api_keys import ApiKey, ApiKeyQuerySet
from consult.models.clusters import CommentBand, CommentSignature
from consult.models.comments import (
    ATTACHMENT_MAX_BYTES,
    COMMENT_BODY_MAX_LENGTH,
    COMMENT_MAX_ATTACHMENTS,
    CROCKFORD_ALPHABET,
    PUBLIC_COMMENT,
    TRACKING_NUMBER_PATTERN,
    Attachment,
    CampaignShare,
    Comment,
    CommentQuerySet,
    attachment_path,
    comment_fingerprint,
    new_tracking_number,
    normalise_tracking_number,
    normalised_text,
)
from consult.models.consultations import (
    ONE_SECOND,
    Consultation,
    ConsultationQuerySet,
    WindowExtension,
    whole_second,
)
from consult.models.deliveries import Delivery, DeliveryQuerySet
from consult.models.drafts import (
    DRAFT_LABEL_FIELDS,
    DRAFT_LIST_FIELDS,
    DRAFT_NOTE_FIELDS,
    DRAFT_TEXT_FIELDS,
    DraftOccupation,
    DraftOccupationQuerySet,
)
from consult.models.exports import ExportJob, ExportJobQuerySet
from consult.models.mail import (
    DeliveryAttempt,
    OutgoingMail,
    OutgoingMailQuerySet,
    StaffMailSettings,
)
from consult.models.records import (
    ALGORITHM,
    ENCODING_V1,
    ENCODING_V2,
    CommentRecord,
    CommentRecordChunk,
)
from consult.models.schedules import ScheduledRun
from consult.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryQuerySet,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
from consult.models.workers import WorkerHeartbeat, WorkerHeartbeatQuerySet

__all__ = [
    "ALGORITHM",
    "ATTACHMENT_MAX_BYTES",
    "COMMENT_BODY_MAX_LENGTH",
    "COMMENT_MAX_ATTACHMENTS",
    "CROCKFORD_ALPHABET",
    "DRAFT_LABEL_FIELDS",
    "DRAFT_LIST_FIELDS",
    "DRAFT_NOTE_FIELDS",
    "DRAFT_TEXT_FIELDS",
    "ENCODING_V1",
    "ENCODING_V2",
    "ONE_SECOND",
    "PUBLIC_COMMENT",
    "TRACKING_NUMBER_PATTERN",
    "ApiKey",
    "ApiKeyQuerySet",
    "Attachment",
    "CampaignShare",
    "Comment",
    "CommentBand",
    "CommentQuerySet",
    "CommentRecord",
    "CommentRecordChunk",
    "CommentSignature",
    "Consultation",
    "ConsultationQuerySet",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryQuerySet",
    "DraftOccupation",
    "DraftOccupationQuerySet",
    "ExportJob",
    "ExportJobQuerySet",
    "OutgoingMail",
    "OutgoingMailQuerySet",
    "ScheduledRun",
    "StaffMailSettings",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDeliveryQuerySet",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookMessage",
    "WindowExtension",
    "WorkerHeartbeat",
    "WorkerHeartbeatQuerySet",
    "attachment_path",
    "comment_fingerprint",
    "new_tracking_number",
    "normalise_tracking_number",
    "normalised_text",
    "whole_second",
]
