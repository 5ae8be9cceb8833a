"""Public comments on a consultation, their attachments and moderation."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from consult.models.consultations import Consultation
from consult.models.drafts import DraftOccupation
from core.errors import InvalidTransition

COMMENT_BODY_MAX_LENGTH = 5000
COMMENT_MAX_ATTACHMENTS = 3
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Crockford base32 without I, L, O and U: tracking numbers read aloud over the phone.
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# \A and \Z rather than ^ and $ for the reason given at OCCUPATION_CODE_PATTERN.
TRACKING_NUMBER_PATTERN = r"\A[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\Z"


def new_tracking_number() -> str:
    # 32 symbols are 5 bits each: one draw of 60 random bits is 12 uniform symbols.
    bits = secrets.randbits(60)
    chars = "".join(CROCKFORD_ALPHABET[(bits >> (5 * i)) & 31] for i in range(12))
    return f"{chars[0:4]}-{chars[4:8]}-{chars[8:12]}"


SALT_BYTES = 16


def new_salt() -> bytes:
    """A comment's record salt: random, so that the content hash its record publishes cannot
    be used to test a guessed name or e-mail address (``consult.commitment``)."""
    return secrets.token_bytes(SALT_BYTES)


def normalise_tracking_number(value: str) -> str:
    """Accept the forms people type: lower case, no dashes, O for 0, I or L for 1."""
    cleaned = value.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != 12:
        return value
    return f"{cleaned[0:4]}-{cleaned[4:8]}-{cleaned[8:12]}"


_NOT_ALNUM = re.compile(r"[\W_]+")


def normalised_text(body: str) -> str:
    """The text compared for campaigns: width and case folded (NFKC, casefold), only letters
    and digits kept, so spacing and punctuation never tell two texts apart."""
    text = unicodedata.normalize("NFKC", body).casefold()
    # The regex engine's word characters are exactly str.isalnum() and "_": the same text as
    # keeping the alphanumeric characters one by one, in a fifth of the time.
    return _NOT_ALNUM.sub("", text)


def comment_fingerprint(body: str) -> str:
    """Identical texts up to case, width, spacing and punctuation share a fingerprint (the
    similarity-1 case of a campaign, ``consult.clustering``)."""
    return hashlib.sha256(normalised_text(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CampaignShare:
    """``CommentQuerySet.campaign_share()``: the number of campaigns and, per draft occupation
    id (``None`` for the whole list), how many comments belong to one."""

    campaigns: int
    members: dict[int | None, int]

    @property
    def total_members(self) -> int:
        return sum(self.members.values())


# The dispositions that a draft revision can answer ("you said, we did").
ANSWERABLE_DISPOSITIONS = ("adopted", "partly_adopted")

# What the public may see: moderated to published, with the author's consent. A module
# constant because the partial index of ``Comment.Meta`` must state the very same condition
# (PostgreSQL uses a partial index only for a WHERE that implies its condition).
# A comment withdrawn by its sender or disputed by the owner of its address ("this wasn't me",
# ``consult.workflow.withdrawal``) leaves every public view at once.
PUBLIC_COMMENT = Q(status="published", consent_to_publish=True, withdrawal="")


class CommentQuerySet(models.QuerySet):
    def published(self) -> CommentQuerySet:
        """What the public may see: moderated to published, with the author's consent, and
        neither withdrawn nor disputed."""
        return self.filter(PUBLIC_COMMENT)

    def withdrawn_as_misattributed(self) -> CommentQuerySet:
        return self.filter(withdrawal=Comment.Withdrawal.MISATTRIBUTED)

    def not_spam(self) -> CommentQuerySet:
        return self.exclude(status=Comment.Status.SPAM)

    def awaiting_moderation(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.RECEIVED)

    def in_campaign(self, member: bool = True) -> CommentQuerySet:
        """The comments whose campaign (``cluster``) has another member (``member=False``:
        those alone, or not yet clustered). An ``EXISTS`` that stops at the first other
        member, not a count per comment."""
        other = Comment.objects.filter(
            consultation=OuterRef("consultation"), cluster=OuterRef("cluster")
        ).exclude(pk=OuterRef("pk"))
        return self.filter(Exists(other) if member else ~Exists(other))

    def campaign_sizes(self, comments: Iterable[Comment]) -> dict[int, int]:
        """The campaign size of each given comment, keyed by its pk: how many comments of this
        queryset share its ``cluster``, itself included (1 when it stands alone or is not yet
        clustered). One grouped query, for a page of comments, not a table."""
        comments = list(comments)
        clusters = {c.cluster_id for c in comments if c.cluster_id is not None}
        sizes: dict[int, int] = {}
        if clusters:
            rows = (
                self.filter(
                    consultation_id__in={c.consultation_id for c in comments},
                    cluster_id__in=clusters,
                )
                .order_by()
                .values_list("cluster_id")
                .annotate(n=Count("*"))
            )
            sizes = dict(rows)
        return {
            c.pk: sizes.get(c.cluster_id, 1) if c.cluster_id is not None else 1 for c in comments
        }

    def campaign_share(self) -> CampaignShare:
        """How many comments of this queryset belong to a campaign, per draft occupation
        (``None``: the whole list), and how many campaigns there are. Membership is judged
        within this queryset (a near-duplicate cluster, ``cluster``, with two of its comments
        in one consultation), so ``.not_spam()`` before it leaves spam out of both sides. The
        one place the analysis asks what a campaign is: two grouped queries, whatever the
        number of rows."""
        other = self.filter(
            consultation=OuterRef("consultation"), cluster=OuterRef("cluster")
        ).exclude(pk=OuterRef("pk"))
        members = (
            self.filter(Exists(other))
            .order_by()
            .values("occupation_id")
            .annotate(n=Count("*"))
            .values_list("occupation_id", "n")
        )
        return CampaignShare(campaigns=self.order_by().campaigns().count(), members=dict(members))

    def sent_from(self, ip_hash: str, since: dt.datetime) -> CommentQuerySet:
        """The comments stored from the client whose address hashes to ``ip_hash``
        (``core.clients``) from ``since`` on: what the comment limit counts when the shared
        cache is down. Read through the ``comment_newest_first`` index, the last period's rows
        only, so no index of its own costs every stored comment."""
        return self.filter(submitted_at__gte=since, ip_hash=ip_hash)

    def of_campaign(self, cluster: Comment | int) -> CommentQuerySet:
        """The comments of one campaign: those whose ``cluster`` is ``cluster`` (its
        representative, an instance or a key), found in the comment_cluster index."""
        pk = cluster.pk if isinstance(cluster, Comment) else cluster
        representative = Comment.objects.filter(pk=pk).values("consultation_id")
        return self.filter(consultation_id=models.Subquery(representative[:1]), cluster_id=pk)

    def campaigns(self, min_size: int = 2) -> models.QuerySet:
        """One row per campaign, ``consultation_id`` and ``cluster_id`` (its representative
        comment) with its ``size``: each consultation's near-duplicate clusters of at least
        ``min_size`` of these comments, largest first. Comments not yet clustered are in
        none."""
        return (
            self.filter(cluster__isnull=False)
            .values("consultation_id", "cluster_id")
            .annotate(size=Count("pk"))
            .filter(size__gte=min_size)
            .order_by("-size", "consultation_id", "cluster_id")
        )

    def unclustered(self) -> CommentQuerySet:
        """Comments stored but not yet assigned to a campaign (their task is queued, or lost),
        found in the comment_unclustered partial index."""
        return self.filter(cluster__isnull=True)


class Comment(FSMModelMixin, models.Model):
    """A public comment on a consultation, or on one draft (and one field of it)."""

    class Field(models.TextChoices):
        WHOLE = "", _("the occupation as a whole")
        NAME = "name", _("name")
        CODE = "code", _("code")
        DEFINITION = "definition", _("definition")
        TASK = "task", _("a main task")
        JOB_TYPES = "job_types", _("job types")
        MARKERS = "markers", _("green / digital markers")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden")
        SPAM = "spam", _("spam")

    class Withdrawal(models.TextChoices):
        NONE = "", _("not withdrawn")
        MISATTRIBUTED = "misattributed", _("disputed: not sent by the owner of its address")
        BY_AUTHOR = "by_author", _("withdrawn by its sender")

    class Disposition(models.TextChoices):
        PENDING = "pending", _("pending")
        ADOPTED = "adopted", _("adopted")
        PARTLY_ADOPTED = "partly_adopted", _("partly adopted")
        NOT_ADOPTED = "not_adopted", _("not adopted")
        NOTED = "noted", _("noted")

    # Indexed as the first column of the indexes in Meta, not on its own.
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="comments", db_index=False
    )
    occupation = models.ForeignKey(
        DraftOccupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("occupation"),
    )
    field = models.CharField(_("field"), max_length=10, choices=Field.choices, blank=True)
    task_number = models.PositiveSmallIntegerField(_("task number"), null=True, blank=True)
    body = models.TextField(_("comment"))
    proposed_text = models.TextField(_("proposed text"), blank=True)
    author_name = models.CharField(_("name"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    consent_to_publish = models.BooleanField(_("consent to publish"), default=False)
    notify_replies = models.BooleanField(
        _("tell me about replies"),
        default=False,
        help_text=_(
            "E-mail the author when the comment gets a reply and when the report is final."
        ),
    )
    # The page's language when the comment was sent: the language of the mails to its author.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, editable=False)
    # Unique by a constraint in Meta rather than ``unique=True``, which on PostgreSQL adds a
    # second index (varchar_pattern_ops, for LIKE) that no query here uses and that every
    # comment's INSERT would have to update.
    tracking_number = models.CharField(_("tracking number"), max_length=14, editable=False)
    # Mixed into the content hash of the comment record; shown only to the sender (the private
    # link of the receipt e-mail), never on a public page, proof or export.
    record_salt = models.BinaryField(_("record salt"), default=new_salt, editable=False)
    status = FSMField(
        _("moderation status"),
        max_length=10,
        choices=Status.choices,
        default=Status.RECEIVED,
        protected=True,
    )
    fingerprint = models.CharField(max_length=64, editable=False)
    # The campaign: the representative (earliest) comment of this comment's near-duplicate
    # cluster, itself when it stands alone; null until the worker has clustered it
    # (``consult.clustering``). Indexed with the consultation in Meta.
    cluster = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        related_name="cluster_members",
        verbose_name=_("campaign"),
    )
    # Taken out of its campaign by staff: a rebuild leaves it alone too.
    kept_apart = models.BooleanField(_("kept out of campaigns"), default=False, editable=False)
    disposition = models.CharField(
        _("disposition"),
        max_length=14,
        choices=Disposition.choices,
        default=Disposition.PENDING,
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    # "You said, we did": the revision of the draft that answers an adopted or partly adopted
    # comment (``workflow.link_answering_revision``). A history row, so that the change it
    # made stays visible however the draft is revised later.
    answering_revision = models.ForeignKey(
        "consult.HistoricalDraftOccupation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answering revision"),
    )
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Set through the receipt's private link (``consult.workflow.withdrawal``), cleared only by
    # staff with a reason; the comment's leaf stays in the comment record.
    withdrawal = models.CharField(
        _("withdrawal"),
        max_length=14,
        choices=Withdrawal.choices,
        blank=True,
        default="",
        editable=False,
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    # Comments sent through the API: the key (whose owner is shown as the submitting
    # organisation), how many people that organisation speaks for, and the client's
    # Idempotency-Key with a hash of what it sent, so that a retry stores nothing new. Not
    # indexed on its own: keys are revoked, not deleted, and the unique constraint below
    # serves the lookups by key.
    api_key = models.ForeignKey(
        "consult.ApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        related_name="comments",
        verbose_name=_("API key"),
    )
    signatures = models.PositiveIntegerField(_("signatures"), null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=255, blank=True, editable=False)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # The public form's one-time token (``consult.intake.form.new_submission_token``): a resend
    # of the same submission (after an answer lost on the way) finds this comment and gets its
    # receipt instead of storing another. Blank for comments sent without one.
    submission_token = models.CharField(max_length=64, blank=True, editable=False)
    # Moves with moderation and dispositions: the API's Last-Modified reads it.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = [
            ("moderate_comment", _("Can moderate comments")),
            ("set_disposition", _("Can record dispositions and replies")),
        ]
        # Every index is a cost on each stored comment. The single-column ones are declared
        # here rather than with db_index=True, which on PostgreSQL adds a second, LIKE-pattern
        # index that no query of these choice and hash columns uses.
        indexes = [
            models.Index(fields=["status"], name="comment_status"),
            models.Index(fields=["disposition"], name="comment_disposition"),
            models.Index(fields=["consultation", "status"], name="comment_consultation_status"),
            # Campaigns are looked up by consultation and fingerprint (``of_campaign``): no
            # index on the fingerprint alone, a random key that every stored comment would
            # write to a page of its own (a third of the comment's WAL after a checkpoint).
            models.Index(fields=["consultation", "fingerprint"], name="comment_campaign"),
            # A campaign's members (``of_campaign``) and sizes (``campaigns``).
            models.Index(fields=["consultation", "cluster"], name="comment_cluster"),
            # What the sweep still has to cluster: a handful of rows at any time.
            models.Index(
                fields=["id"], condition=Q(cluster__isnull=True), name="comment_unclustered"
            ),
            # The admin changelist's and the export's order: a page reads its rows from the
            # index instead of sorting the table.
            models.Index(fields=["-submitted_at", "-id"], name="comment_newest_first"),
            # A consultation's public comments in page order: the public page reads its 50 rows
            # in order from this index, with no sort, and can count from it.
            models.Index(
                fields=["consultation", "submitted_at", "id"],
                condition=PUBLIC_COMMENT,
                name="comment_public_in_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(Length("record_salt"), SALT_BYTES)),
                name="comment_record_salt_length",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["received", "published", "hidden", "spam"]),
                name="comment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    disposition__in=[
                        "pending",
                        "adopted",
                        "partly_adopted",
                        "not_adopted",
                        "noted",
                    ]
                ),
                name="comment_disposition_valid",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal="", withdrawn_at__isnull=True)
                | Q(withdrawal__in=["misattributed", "by_author"], withdrawn_at__isnull=False),
                name="comment_withdrawal_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    field__in=["", "name", "code", "definition", "task", "job_types", "markers"]
                ),
                name="comment_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(occupation__isnull=False) | Q(field=""),
                name="comment_field_needs_occupation",
            ),
            models.CheckConstraint(
                condition=Q(field="task", task_number__isnull=False, task_number__gte=1)
                | (~Q(field="task") & Q(task_number__isnull=True)),
                name="comment_task_number_iff_task",
            ),
            models.CheckConstraint(
                condition=Q(answering_revision__isnull=True)
                | Q(disposition__in=["adopted", "partly_adopted"]),
                name="comment_answered_only_if_adopted",
            ),
            models.UniqueConstraint(
                fields=["tracking_number"], name="comment_tracking_number_unique"
            ),
            # Two requests with one Idempotency-Key store one comment, even at the same instant.
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="comment_idempotency_key_unique",
            ),
            # One comment per token, even for two resends at the same instant.
            models.UniqueConstraint(
                fields=["submission_token"],
                condition=~Q(submission_token=""),
                name="comment_submission_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    api_key__isnull=True,
                    signatures__isnull=True,
                    idempotency_key="",
                    request_fingerprint="",
                )
                | Q(api_key__isnull=False, signatures__gte=1),
                name="comment_api_fields_with_key",
            ),
            models.CheckConstraint(
                condition=Q(tracking_number__regex=TRACKING_NUMBER_PATTERN),
                name="comment_tracking_number_format",
            ),
            models.CheckConstraint(
                condition=Q(
                    GreaterThan(Length("body"), 0),
                    LessThanOrEqual(Length("body"), COMMENT_BODY_MAX_LENGTH),
                ),
                name="comment_body_length",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    def get_absolute_url(self) -> str:
        return reverse("comment-receipt", kwargs={"tracking_number": self.tracking_number})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.consent_to_publish

    @property
    def public_author(self) -> str:
        return self.author_name or str(_("Anonymous"))

    @property
    def target_display(self) -> str:
        if self.occupation_id is None:
            return str(_("the whole list"))
        if self.field == self.Field.TASK:
            return gettext("%(occupation)s — task %(number)s") % {
                "occupation": self.occupation.name,
                "number": self.task_number,
            }
        if self.field:
            return f"{self.occupation.name} — {self.get_field_display()}"
        return self.occupation.name

    @transition(
        field=status,
        source=[Status.RECEIVED, Status.HIDDEN, Status.SPAM],
        target=Status.PUBLISHED,
        permission="consult.moderate_comment",
    )
    def publish(self) -> None:
        if not self.consent_to_publish:
            raise InvalidTransition(
                gettext("Comment %(number)s cannot be published: its author did not consent.")
                % {"number": self.tracking_number}
            )

    @transition(
        field=status,
        source=[Status.RECEIVED, Status.PUBLISHED, Status.SPAM],
        target=Status.HIDDEN,
        permission="consult.moderate_comment",
    )
    def hide(self) -> None:
        """Keep the comment out of public view (it still counts in the report)."""

    @transition(
        field=status,
        source=[Status.RECEIVED, Status.PUBLISHED, Status.HIDDEN],
        target=Status.SPAM,
        permission="consult.moderate_comment",
    )
    def mark_spam(self) -> None:
        """Spam is left out of every count and of the report."""

    def set_disposition(self, *, disposition: str, reply: str, now: dt.datetime) -> None:
        if disposition not in self.Disposition.values:
            raise InvalidTransition(
                gettext("Unknown disposition %(value)r.") % {"value": disposition},
                field="disposition",
            )
        if self.status == self.Status.SPAM:
            raise InvalidTransition(
                gettext("Comment %(number)s is spam; spam gets no disposition.")
                % {"number": self.tracking_number}
            )
        self.disposition = disposition
        self.reply = reply.strip()
        self.replied_at = now if self.reply else None
        if disposition not in ANSWERABLE_DISPOSITIONS:
            # Only an adopted comment is answered by a revision (comment_answered_only_if_adopted).
            self.answering_revision = None

    def link_answering_revision(self, revision) -> None:
        """Record that ``revision`` (a history row of a draft) is the change that answers this
        comment, or clear the link with ``None``.

        Requires an adopted or partly adopted comment, and a revision of the comment's own draft
        (of a draft of its consultation for a comment on the whole list) made after the comment
        was sent: an earlier text cannot answer it. Refusals name the field to blame.
        """
        if revision is None:
            self.answering_revision = None
            return
        if self.disposition not in ANSWERABLE_DISPOSITIONS:
            raise InvalidTransition(
                gettext(
                    "Comment %(number)s is %(disposition)s; only an adopted or partly adopted "
                    "comment can be linked to the revision that answers it."
                )
                % {"number": self.tracking_number, "disposition": self.get_disposition_display()},
                field="disposition",
            )
        if self.occupation_id is not None and revision.id != self.occupation_id:
            raise InvalidTransition(
                gettext(
                    "That revision is of another draft occupation; comment %(number)s is on "
                    "“%(name)s”."
                )
                % {"number": self.tracking_number, "name": self.occupation.name},
                field="revision",
            )
        if self.occupation_id is None and revision.consultation_id != self.consultation_id:
            raise InvalidTransition(
                gettext("That revision is of a draft of another consultation."), field="revision"
            )
        if revision.history_date < self.submitted_at:
            raise InvalidTransition(
                gettext(
                    "That revision was made before comment %(number)s was sent, so it cannot "
                    "answer it."
                )
                % {"number": self.tracking_number},
                field="revision",
            )
        self.answering_revision = revision


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random name: what the uploader called the file is kept only as metadata."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PDF = "application/pdf", "PDF"
        DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"
        ODT = "application/vnd.oasis.opendocument.text", "ODT"
        TXT = "text/plain", "TXT"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    # The file's SHA-256 (hex), taken when it was stored: what the comment record commits to.
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["comment_id", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=ATTACHMENT_MAX_BYTES), name="attachment_at_most_10mb"
            ),
            models.CheckConstraint(
                condition=Q(
                    content_type__in=[
                        "application/pdf",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "application/vnd.oasis.opendocument.text",
                        "text/plain",
                    ]
                ),
                name="attachment_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
