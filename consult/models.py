"""The consultation process: draft lists with their comment window, draft occupations, public
comments and their moderation.

State fields are django-fsm-2 ``FSMField(protected=True)``: only the verb-named transition methods
below change them. Steps that touch several records (opening a consultation freezes every draft;
publication creates registry records) are functions in ``consult.workflow``, which check the
actor's permission, lock rows and write the Transition log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from occupations.errors import InvalidTransition
from occupations.models import (
    OCCUPATION_CODE_PATTERN,
    Batch,
    ClassificationGroup,
    Occupation,
    OccupationText,
    TimeStamped,
    validate_occupation_code,
)

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


def normalise_tracking_number(value: str) -> str:
    """Accept the forms people type: lower case, no dashes, O for 0, I or L for 1."""
    cleaned = value.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != 12:
        return value
    return f"{cleaned[0:4]}-{cleaned[4:8]}-{cleaned[8:12]}"


def comment_fingerprint(body: str) -> str:
    """Identical texts up to case, width, spacing and punctuation share a fingerprint; a
    campaign is a set of comments with the same fingerprint."""
    text = unicodedata.normalize("NFKC", body).casefold()
    kept = "".join(ch for ch in text if ch.isalnum())
    return hashlib.sha256(kept.encode("utf-8")).hexdigest()


ONE_SECOND = dt.timedelta(seconds=1)


def whole_second(moment: dt.datetime) -> dt.datetime:
    """The window is read in whole seconds: "through 23:59:59" still holds at 23:59:59.4, and
    a window opening at 10:00:00.3 is open at 10:00:00.1."""
    return moment.replace(microsecond=0)


class ConsultationQuerySet(models.QuerySet):
    def drafting(self) -> ConsultationQuerySet:
        """Consultations whose draft list may still take new drafts."""
        return self.filter(status=Consultation.Status.DRAFTING)

    @staticmethod
    def public_condition(through: str = "") -> models.Q:
        """What makes a consultation public: it is past drafting. ``through`` reaches it from a
        related model (``"consultation__"``), so that a query can join it instead of
        filtering on a subquery of public consultations."""
        return ~models.Q(**{f"{through}status": Consultation.Status.DRAFTING})

    def public(self) -> ConsultationQuerySet:
        """Every consultation past drafting."""
        return self.filter(self.public_condition())

    def open(self, now: dt.datetime) -> ConsultationQuerySet:
        now = whole_second(now)
        return self.public().filter(opens_at__lt=now + ONE_SECOND, closes_at__gte=now)

    def scheduled(self, now: dt.datetime) -> ConsultationQuerySet:
        return self.public().filter(opens_at__gte=whole_second(now) + ONE_SECOND)

    def closed(self, now: dt.datetime) -> ConsultationQuerySet:
        return self.public().filter(closes_at__lt=whole_second(now))

    def awaiting_review(self, now: dt.datetime) -> ConsultationQuerySet:
        """Window over but review not begun: what the scheduled command moves on."""
        return self.filter(status=Consultation.Status.CONSULTATION, closes_at__lt=whole_second(now))

    def with_comment_count(self) -> ConsultationQuerySet:
        """``comment_total``: comments received, spam excluded."""
        return self.annotate(
            comment_total=Count("comments", filter=~Q(comments__status=Comment.Status.SPAM))
        )


class Consultation(FSMModelMixin, TimeStamped):
    """A draft list of new occupations on its way to publication."""

    class Status(models.TextChoices):
        DRAFTING = "drafting", _("drafting")
        CONSULTATION = "consultation", _("public consultation")
        REVIEW = "review", _("review of comments")
        PUBLISHED = "published", _("published")

    class State(models.TextChoices):
        """What the public sees, decided by the clock alone."""

        SCHEDULED = "scheduled", _("scheduled")
        OPEN = "open", _("open for comments")
        CLOSED = "closed", _("closed")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    status = FSMField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFTING,
        protected=True,
        db_index=True,
    )
    opens_at = models.DateTimeField(_("comments open at"), null=True, blank=True)
    closes_at = models.DateTimeField(
        _("comments close at"),
        null=True,
        blank=True,
        help_text=_('"Comments through 17 July" closes at 17 July 23:59:59 local time.'),
    )
    batch = models.OneToOneField(
        Batch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("published batch"),
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        permissions = [
            ("open_consultation", _("Can open a consultation to the public")),
            ("extend_window", _("Can extend a consultation's comment window")),
            ("begin_review", _("Can begin the review of a closed consultation")),
            ("publish_consultation", _("Can publish a consultation as a batch")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["drafting", "consultation", "review", "published"]),
                name="consultation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(opens_at__isnull=False, closes_at__isnull=False, opens_at__lt=F("closes_at")),
                name="consultation_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="drafting") | Q(opens_at__isnull=False),
                name="consultation_window_set_once_public",
            ),
            models.CheckConstraint(
                condition=Q(status="published", batch__isnull=False)
                | (~Q(status="published") & Q(batch__isnull=True)),
                name="consultation_batch_iff_published",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultation-detail", kwargs={"slug": self.slug})

    # Reads -----------------------------------------------------------------------------

    def state(self, now: dt.datetime) -> str | None:
        """``scheduled``, ``open`` or ``closed`` by the clock; None while drafting."""
        if self.status == self.Status.DRAFTING or self.opens_at is None:
            return None
        now = whole_second(now)
        if now < whole_second(self.opens_at):
            return self.State.SCHEDULED
        if now <= self.closes_at:
            return self.State.OPEN
        return self.State.CLOSED

    def is_open_for_comments(self, now: dt.datetime) -> bool:
        """Comments are accepted from ``opens_at`` to ``closes_at`` inclusive, by the server
        clock alone: whether review has begun never matters."""
        return self.state(now) == self.State.OPEN

    def time_left(self, now: dt.datetime) -> dt.timedelta | None:
        if not self.is_open_for_comments(now):
            return None
        return self.closes_at - now

    @property
    def drafts_are_editable(self) -> bool:
        """Drafts are added, edited freely and deleted only while drafting; once the list is
        public every change goes through the workflow (revise, withdraw, accept)."""
        return self.status == self.Status.DRAFTING

    @property
    def report_is_public(self) -> bool:
        return self.status in {self.Status.REVIEW, self.Status.PUBLISHED}

    # Transitions (one record each; consult.workflow wraps them) ---------------------------

    @transition(field=status, source=Status.DRAFTING, target=Status.CONSULTATION)
    def open_consultation(self, *, now: dt.datetime) -> None:
        """Requires a window that ends in the future and at least one draft not withdrawn."""
        if self.opens_at is None or self.closes_at is None:
            raise InvalidTransition(
                gettext("Set both ends of the comment window before opening the consultation."),
                field="opens_at" if self.opens_at is None else "closes_at",
            )
        if self.opens_at >= self.closes_at:
            raise InvalidTransition(
                gettext("The window must open before it closes."), field="closes_at"
            )
        if self.closes_at <= now:
            raise InvalidTransition(
                gettext("The window's closing time has already passed."), field="closes_at"
            )
        if not self.drafts.active().exists():
            raise InvalidTransition(gettext("A consultation needs at least one draft occupation."))

    def extend_window(self, *, now: dt.datetime, closes_at: dt.datetime) -> None:
        """Move ``closes_at`` later while the consultation is still scheduled or open."""
        if self.status != self.Status.CONSULTATION:
            raise InvalidTransition(
                gettext("Only a consultation in public consultation can have its window extended.")
            )
        if whole_second(now) > self.closes_at:
            raise InvalidTransition(
                gettext("The window has already closed; it cannot be extended."), field="closes_at"
            )
        if closes_at <= self.closes_at:
            raise InvalidTransition(
                gettext("The new closing time must be later than the current one."),
                field="closes_at",
            )
        self.closes_at = closes_at

    @transition(field=status, source=Status.CONSULTATION, target=Status.REVIEW)
    def begin_review(self, *, now: dt.datetime) -> None:
        """Only once the window has closed (``now`` is past ``closes_at``)."""
        if whole_second(now) <= self.closes_at:
            raise InvalidTransition(
                gettext("The comment window is still open until %(closes_at)s.")
                % {"closes_at": timezone.localtime(self.closes_at).strftime("%Y-%m-%d %H:%M:%S")}
            )

    @transition(field=status, source=Status.REVIEW, target=Status.PUBLISHED)
    def mark_published(self, *, batch: Batch, now: dt.datetime) -> None:
        """Record the batch this consultation became; ``consult.workflow`` creates it."""
        if whole_second(now) <= self.closes_at:
            raise InvalidTransition(gettext("A consultation cannot be published before it closes."))
        self.batch = batch


class WindowExtension(models.Model):
    """A kept record of every change to a consultation's closing time."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="extensions"
    )
    previous_closes_at = models.DateTimeField(_("closed at"))
    new_closes_at = models.DateTimeField(_("now closes at"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("window extension")
        verbose_name_plural = _("window extensions")
        constraints = [
            models.CheckConstraint(
                condition=Q(new_closes_at__gt=F("previous_closes_at")),
                name="extension_moves_later",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation}: {self.previous_closes_at} → {self.new_closes_at}"


# The fields of a draft whose text the public comments on and staff may revise.
DRAFT_TEXT_FIELDS = (
    "proposed_code",
    "name",
    "alternative_names",
    "definition",
    "tasks",
    "job_types",
    "green",
    "digital",
    "group_id",
)
# The text fields that hold a list of strings, in order (what the API shows as lists).
DRAFT_LIST_FIELDS = {"alternative_names", "tasks", "job_types"}


class DraftOccupationQuerySet(models.QuerySet):
    def in_order(self) -> DraftOccupationQuerySet:
        return self.order_by("position", "pk")

    def active(self) -> DraftOccupationQuerySet:
        return self.exclude(status=DraftOccupation.Status.WITHDRAWN)

    def public(self) -> DraftOccupationQuerySet:
        """The list as the public saw it: a draft withdrawn before the consultation opened was
        never part of it (its text was never frozen), so it is never shown."""
        return self.exclude(status=DraftOccupation.Status.WITHDRAWN, consulted_text={})


class DraftOccupation(FSMModelMixin, OccupationText, TimeStamped):
    """A proposed occupation in one consultation's draft list."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        WITHDRAWN = "withdrawn", _("withdrawn")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="drafts")
    position = models.PositiveSmallIntegerField(_("position"))
    proposed_code = models.CharField(
        _("proposed code"), max_length=11, blank=True, validators=[validate_occupation_code]
    )
    group = models.ForeignKey(
        ClassificationGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("major group"),
    )
    status = FSMField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        protected=True,
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The text as the public saw it when the consultation opened (DRAFT_TEXT_FIELDS).
    consulted_text = models.JSONField(default=dict, blank=True, editable=False)
    occupation = models.OneToOneField(
        Occupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draft",
        verbose_name=_("published occupation"),
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "consulted_text"])
    objects = DraftOccupationQuerySet.as_manager()

    class Meta:
        ordering = ["consultation_id", "position"]
        verbose_name = _("draft occupation")
        verbose_name_plural = _("draft occupations")
        permissions = [
            ("withdraw_draft", _("Can withdraw a draft occupation")),
            ("accept_draft", _("Can accept a draft occupation for publication")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "position"], name="draft_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "proposed", "accepted", "withdrawn"]),
                name="draft_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawal_reason=""),
                name="draft_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(proposed_code="") | Q(proposed_code__regex=OCCUPATION_CODE_PATTERN),
                name="draft_code_format",
            ),
            models.CheckConstraint(
                condition=Q(occupation__isnull=True) | Q(status="accepted"),
                name="draft_published_only_if_accepted",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def text(self) -> dict:
        """The revisable text, as stored in ``consulted_text``."""
        return {name: getattr(self, name) for name in DRAFT_TEXT_FIELDS}

    def changes_since_consultation(self) -> dict[str, tuple]:
        """``{field: (consulted, current)}`` for every field revised since the public saw it."""
        if not self.consulted_text:
            return {}
        current = self.text()
        return {
            name: (self.consulted_text.get(name), current[name])
            for name in DRAFT_TEXT_FIELDS
            if self.consulted_text.get(name) != current[name]
        }

    def revise(self, changes: dict) -> list[str]:
        """Apply ``changes`` (a subset of DRAFT_TEXT_FIELDS); returns the fields that changed.

        Allowed while drafting and during review, never while the public is reading the text
        nor after publication, and never on a withdrawn draft.
        """
        allowed = {Consultation.Status.DRAFTING, Consultation.Status.REVIEW}
        if self.consultation.status not in allowed:
            raise InvalidTransition(
                gettext(
                    "Drafts can be revised only while drafting or during review, not while the "
                    "consultation is %(status)s."
                )
                % {"status": self.consultation.get_status_display()}
            )
        if self.status == self.Status.WITHDRAWN:
            raise InvalidTransition(
                gettext("A withdrawn draft cannot be revised; reinstate it first.")
            )
        unknown = set(changes) - set(DRAFT_TEXT_FIELDS)
        if unknown:
            raise InvalidTransition(
                gettext("These fields cannot be revised: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))},
                field=sorted(unknown)[0],
            )
        for name in DRAFT_LIST_FIELDS & set(changes):
            value = changes[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidTransition(
                    gettext("%(field)s must be a list of texts.") % {"field": name}, field=name
                )
        changed = [name for name, value in changes.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, changes[name])
        return changed

    @transition(field=status, source=Status.DRAFT, target=Status.PROPOSED)
    def propose(self) -> None:
        """Freeze the text the public will comment on."""
        self.consulted_text = self.text()

    @transition(field=status, source=Status.PROPOSED, target=Status.ACCEPTED)
    def accept(self) -> None:
        if self.consultation.status != Consultation.Status.REVIEW:
            raise InvalidTransition(gettext("Drafts are accepted during review."))

    @transition(
        field=status,
        source=[Status.DRAFT, Status.PROPOSED, Status.ACCEPTED],
        target=Status.WITHDRAWN,
    )
    def withdraw(self, *, reason: str) -> None:
        if self.consultation.status not in {
            Consultation.Status.DRAFTING,
            Consultation.Status.REVIEW,
        }:
            raise InvalidTransition(
                gettext("Drafts can be withdrawn only while drafting or during review.")
            )
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the withdrawal."), field="reason")
        self.withdrawal_reason = reason.strip()

    @transition(
        field=status,
        source=Status.WITHDRAWN,
        target=RETURN_VALUE(Status.DRAFT, Status.PROPOSED),
    )
    def reinstate(self) -> str:
        """Back to ``draft`` while drafting (the text is not frozen yet), to ``proposed`` during
        review."""
        if self.consultation.status == Consultation.Status.DRAFTING:
            self.withdrawal_reason = ""
            return self.Status.DRAFT
        if self.consultation.status != Consultation.Status.REVIEW:
            raise InvalidTransition(
                gettext("Withdrawn drafts can be reinstated while drafting or during review.")
            )
        if not self.consulted_text:
            raise InvalidTransition(
                gettext(
                    "“%(name)s” was withdrawn before the consultation opened; the public never "
                    "saw it, so it cannot join the list during review."
                )
                % {"name": self.name}
            )
        self.withdrawal_reason = ""
        return self.Status.PROPOSED


# What the public may see: moderated to published, with the author's consent. A module
# constant because the partial index of ``Comment.Meta`` must state the very same condition
# (PostgreSQL uses a partial index only for a WHERE that implies its condition).
PUBLIC_COMMENT = Q(status="published", consent_to_publish=True)

# What accepting a comment is decided on, read before the form is checked: the consultation's
# window, and the chosen draft's list and status. The comment's INSERT stores it only if these
# are still as read (workflow.submit_comment), so the read may be a recent one.
COMMENT_WINDOW_FIELDS = ("pk", "slug", "status", "opens_at", "closes_at")
COMMENT_DRAFT_FIELDS = ("pk", "consultation_id", "status")


class CommentQuerySet(models.QuerySet):
    def published(self) -> CommentQuerySet:
        """What the public may see: moderated to published, with the author's consent."""
        return self.filter(PUBLIC_COMMENT)

    def not_spam(self) -> CommentQuerySet:
        return self.exclude(status=Comment.Status.SPAM)

    def awaiting_moderation(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.RECEIVED)

    def in_campaign(self, member: bool = True) -> CommentQuerySet:
        """The comments that share their consultation and fingerprint with another comment
        (``member=False``: those that do not), i.e. campaign size >= 2 (or 1). An ``EXISTS``
        that stops at the first other member, not a count per comment."""
        other = Comment.objects.filter(
            consultation=OuterRef("consultation"), fingerprint=OuterRef("fingerprint")
        ).exclude(pk=OuterRef("pk"))
        return self.filter(Exists(other) if member else ~Exists(other))

    def campaign_sizes(self, comments: Iterable[Comment]) -> dict[tuple[int, str], int]:
        """The campaign size of each given comment, keyed by ``(consultation_id,
        fingerprint)``: how many comments of this queryset share its consultation and
        fingerprint, itself included (1 when it stands alone). One grouped query, for a page
        of comments, not a table."""
        keys = {(c.consultation_id, c.fingerprint) for c in comments}
        if not keys:
            return {}
        rows = (
            self.filter(
                consultation_id__in={k[0] for k in keys}, fingerprint__in={k[1] for k in keys}
            )
            .order_by()
            .values_list("consultation_id", "fingerprint")
            # COUNT(*), not COUNT(id): the comment_campaign index can answer it alone.
            .annotate(n=Count("*"))
        )
        sizes = {(consultation, fingerprint): n for consultation, fingerprint, n in rows}
        return {key: sizes.get(key, 1) for key in keys}

    def of_campaign(self, fingerprint: str) -> CommentQuerySet:
        """The comments with ``fingerprint``, found in the comment_campaign index: the
        consultations are named (a short list) so that the index is searched for the
        fingerprint within each of them; without them, the fingerprint alone would be a scan
        of the whole table."""
        consultations = Consultation.objects.using(self.db).values_list("pk", flat=True)
        return self.filter(
            consultation_id__in=list(consultations.order_by()), fingerprint=fingerprint
        )

    def campaigns(self, min_size: int = 2) -> models.QuerySet:
        """One row per fingerprint shared by at least ``min_size`` comments."""
        return (
            self.values("fingerprint")
            .annotate(size=Count("pk"))
            .filter(size__gte=min_size)
            .order_by("-size", "fingerprint")
        )


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
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, editable=False)
    # Unique by a constraint in Meta rather than ``unique=True``, which on PostgreSQL adds a
    # second index (varchar_pattern_ops, for LIKE) that no query here uses and that every
    # comment's INSERT would have to update.
    tracking_number = models.CharField(_("tracking number"), max_length=14, editable=False)
    status = FSMField(
        _("moderation status"),
        max_length=10,
        choices=Status.choices,
        default=Status.RECEIVED,
        protected=True,
    )
    fingerprint = models.CharField(max_length=64, editable=False)
    disposition = models.CharField(
        _("disposition"),
        max_length=14,
        choices=Disposition.choices,
        default=Disposition.PENDING,
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
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
            models.UniqueConstraint(
                fields=["tracking_number"], name="comment_tracking_number_unique"
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
    )
    def publish(self) -> None:
        if not self.consent_to_publish:
            raise InvalidTransition(
                gettext("Comment %(number)s cannot be published: its author did not consent.")
                % {"number": self.tracking_number}
            )

    @transition(
        field=status, source=[Status.RECEIVED, Status.PUBLISHED, Status.SPAM], target=Status.HIDDEN
    )
    def hide(self) -> None:
        """Keep the comment out of public view (it still counts in the report)."""

    @transition(
        field=status,
        source=[Status.RECEIVED, Status.PUBLISHED, Status.HIDDEN],
        target=Status.SPAM,
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
