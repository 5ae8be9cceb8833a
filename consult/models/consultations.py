"""Draft lists with their comment window: the consultation and its window extensions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.errors import InvalidTransition
from occupations.models import Batch, TimeStamped
from occupations.provenance import provenance_field

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
        from consult.models.comments import Comment  # defined after Consultation

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

    class TextSource(models.TextChoices):
        """Where the drafts' text comes from: the draft list itself, or a press report of it
        (the historic record: the public commented on the list, which no source reproduces)."""

        DRAFT_LIST = "draft_list", _("the draft list as published for comment")
        PRESS_SUMMARY = "press_summary", _("a press report's summary of the draft list")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    text_source = models.CharField(
        _("source of the drafts' text"),
        max_length=13,
        choices=TextSource.choices,
        default=TextSource.DRAFT_LIST,
    )
    status = FSMField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFTING,
        protected=True,
        db_index=True,
    )
    opens_at = models.DateTimeField(
        _("comments open at"),
        null=True,
        blank=True,
        help_text=_("Blank when no source states the moment the window opened."),
    )
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
    sample = models.BooleanField(
        _("sample"),
        default=False,
        help_text=_(
            "A demonstration consultation: left out of feeds and of the API's default lists."
        ),
    )
    comments_collected_elsewhere = models.BooleanField(
        _("comments collected elsewhere"),
        default=False,
        help_text=_(
            "The public's comments were sent to the ministry by other channels; this site "
            "holds none of them and does not know how many there were."
        ),
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
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
                condition=Q(text_source__in=["draft_list", "press_summary"]),
                name="consultation_text_source_valid",
            ),
            # A window has both ends, in order; only a consultation whose comments were
            # collected elsewhere (imported from the history) may lack the opening no source
            # states.
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(opens_at__isnull=False, closes_at__isnull=False, opens_at__lt=F("closes_at"))
                | Q(
                    opens_at__isnull=True,
                    closes_at__isnull=False,
                    comments_collected_elsewhere=True,
                ),
                name="consultation_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="drafting")
                | Q(opens_at__isnull=False)
                | Q(closes_at__isnull=False, comments_collected_elsewhere=True),
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
        if self.status == self.Status.DRAFTING:
            return None
        return self.window_state(now)

    def window_state(self, now: dt.datetime) -> str | None:
        """Where ``now`` falls in the window, whatever the status; None with no window. The
        window is read in whole seconds, both ends included. Every rule about the window asks
        this method (or ``state``). A window whose opening no source states is closed once its
        closing has passed, and unknown before."""
        if self.closes_at is None:
            return None
        now = whole_second(now)
        if self.opens_at is None:
            # The sources may give the close and not the opening: past the close, the window
            # has closed whenever it opened; before it, where now falls is not known.
            return self.State.CLOSED if now > self.closes_at else None
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

    # Transitions (one record each; the steps of consult.workflow wrap them) ---------------

    @transition(
        field=status,
        source=Status.DRAFTING,
        target=Status.CONSULTATION,
        permission="consult.open_consultation",
    )
    def open_consultation(self, *, now: dt.datetime) -> None:
        """Requires a window that ends in the future and at least one draft not withdrawn."""
        if refusal := self.open_refusal(now):
            raise refusal

    def open_refusal(self, now: dt.datetime) -> InvalidTransition | None:
        """Why ``open_consultation`` would be refused at ``now`` (state aside); None: it would
        not. The admin offers the step only when this is None."""
        if self.opens_at is None or self.closes_at is None:
            return InvalidTransition(
                gettext("Set both ends of the comment window before opening the consultation."),
                field="opens_at" if self.opens_at is None else "closes_at",
            )
        if self.opens_at >= self.closes_at:
            return InvalidTransition(
                gettext("The window must open before it closes."), field="closes_at"
            )
        if self.window_state(now) == self.State.CLOSED:
            return InvalidTransition(
                gettext("The window's closing time has already passed."), field="closes_at"
            )
        if not self.drafts.active().exists():
            return InvalidTransition(gettext("A consultation needs at least one draft occupation."))
        return None

    def extend_window(self, *, now: dt.datetime, closes_at: dt.datetime) -> None:
        """Move ``closes_at`` later while the consultation is still scheduled or open."""
        if self.status != self.Status.CONSULTATION:
            raise InvalidTransition(
                gettext("Only a consultation in public consultation can have its window extended.")
            )
        if self.state(now) == self.State.CLOSED:
            raise InvalidTransition(
                gettext("The window has already closed; it cannot be extended."), field="closes_at"
            )
        if closes_at <= self.closes_at:
            raise InvalidTransition(
                gettext("The new closing time must be later than the current one."),
                field="closes_at",
            )
        self.closes_at = closes_at

    @transition(
        field=status,
        source=Status.CONSULTATION,
        target=Status.REVIEW,
        permission="consult.begin_review",
    )
    def begin_review(self, *, now: dt.datetime) -> None:
        """Only once the window has closed (``now`` is past ``closes_at``)."""
        if refusal := self.begin_review_refusal(now):
            raise refusal

    def begin_review_refusal(self, now: dt.datetime) -> InvalidTransition | None:
        """Why ``begin_review`` would be refused at ``now`` (state aside); None: it would not."""
        if self.state(now) != self.State.CLOSED:
            return InvalidTransition(
                gettext("The comment window is still open until %(closes_at)s.")
                % {"closes_at": timezone.localtime(self.closes_at).strftime("%Y-%m-%d %H:%M:%S")}
            )
        return None

    @transition(
        field=status,
        source=Status.REVIEW,
        target=Status.PUBLISHED,
        permission="consult.publish_consultation",
    )
    def mark_published(self, *, batch: Batch, now: dt.datetime) -> None:
        """Record the batch this consultation became; ``consult.workflow.consultations`` creates
        it."""
        if refusal := self.publish_refusal(now):
            raise refusal
        self.batch = batch

    def publish_refusal(self, now: dt.datetime) -> InvalidTransition | None:
        """Why ``mark_published`` would be refused at ``now`` (state and drafts aside)."""
        if self.state(now) != self.State.CLOSED:
            return InvalidTransition(
                gettext("A consultation cannot be published before it closes.")
            )
        return None


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
