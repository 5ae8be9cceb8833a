"""Draft occupations: the proposed text the public comments on, with its history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from consult.models.consultations import Consultation
from core.errors import InvalidTransition
from occupations.models import (
    OCCUPATION_CODE_PATTERN,
    VERSIONED_FIELDS,
    ClassificationGroup,
    JobType,
    Occupation,
    OccupationText,
    TimeStamped,
    occupation_text,
    validate_occupation_code,
)
from occupations.provenance import provenance_field

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
# The labels in the other language, and the language of the name and other names: revised
# with the text and kept in its history, but not part of the text frozen for the public
# (consultations frozen before labels were held by language have none).
DRAFT_LABEL_FIELDS = ("language", "translated_name", "translated_alternative_names")
# Why a draft near an existing record is new (``consult.similar``): revised with the text and
# kept in its history, published with the draft, not part of the text frozen for the public.
DRAFT_NOTE_FIELDS = ("justification",)
# The versioned fields a draft holds under another name: its proposed code, its group.
OWN_NAMES = {"code", "group"}
# The kinds of proposal that change a published occupation (``DraftOccupation.target``).
TARGETED_KINDS = ("new_job_type", "revision", "retirement")


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

    class Kind(models.TextChoices):
        NEW_OCCUPATION = "new_occupation", _("new occupation")
        NEW_JOB_TYPE = "new_job_type", _("new job type under a published occupation")
        UPGRADE = "upgrade", _("job type upgraded to an occupation")
        REVISION = "revision", _("revision of a published occupation")
        RETIREMENT = "retirement", _("retirement of a published occupation")

    class SuccessorRelation(models.TextChoices):
        MERGED_INTO = "merged_into", _("merged into")
        SPLIT_INTO = "split_into", _("split into")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(
        _("kind of proposal"), max_length=14, choices=Kind.choices, default=Kind.NEW_OCCUPATION
    )
    # The published occupation a job type goes under, or that is revised or retired.
    target = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("published occupation changed"),
    )
    # The published job type an upgrade makes an occupation.
    target_job_type = models.ForeignKey(
        JobType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upgrade_proposals",
        verbose_name=_("job type upgraded"),
    )
    # For a retirement: the occupations that take its place, if any, and how.
    successors = models.ManyToManyField(
        Occupation, blank=True, related_name="+", verbose_name=_("successors")
    )
    successor_relation = models.CharField(
        _("successors' relation"), max_length=11, choices=SuccessorRelation.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"))
    # A draft is a text under consultation: its job types are a list of names. Published, they
    # become the occupation's job type records.
    job_types = models.JSONField(_("job types"), default=list, blank=True)
    # A draft holds its job types as a list of names (a published occupation has records).
    TEXT_FIELDS = (*OccupationText.TEXT_FIELDS, "job_types")
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
    # Staff only: why the draft was withdrawn. The public sees public_explanation, and only
    # once the report is public.
    withdrawal_reason = models.TextField(_("internal note on the withdrawal"), blank=True)
    public_explanation = models.TextField(_("public explanation of the withdrawal"), blank=True)
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_(
            "Why this is a new occupation although it is near a published occupation, job type "
            "or another consultation's draft; required when it is that near, and published with "
            "the draft."
        ),
    )
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
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "consulted_text"])
    # Set before a save to give its history row a reason (simple_history reads it).
    _change_reason: str
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
            models.CheckConstraint(
                condition=Q(
                    kind__in=["new_occupation", "new_job_type", "upgrade", "revision", "retirement"]
                ),
                name="draft_kind_valid",
            ),
            # A job type, a revision and a retirement name the published occupation they
            # change; nothing else does.
            models.CheckConstraint(
                condition=Q(kind__in=TARGETED_KINDS, target__isnull=False)
                | (~Q(kind__in=TARGETED_KINDS) & Q(target__isnull=True)),
                name="draft_target_matches_kind",
            ),
            # An upgrade, and only an upgrade, names the job type it upgrades.
            models.CheckConstraint(
                condition=Q(kind="upgrade", target_job_type__isnull=False)
                | (~Q(kind="upgrade") & Q(target_job_type__isnull=True)),
                name="draft_job_type_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(successor_relation="")
                | Q(kind="retirement", successor_relation__in=["merged_into", "split_into"]),
                name="draft_successors_only_on_retirement",
            ),
            # Only a new occupation or an upgrade becomes an occupation of its own.
            models.CheckConstraint(
                condition=Q(occupation__isnull=True) | Q(kind__in=["new_occupation", "upgrade"]),
                name="draft_occupation_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Each kind of proposal names what it needs, and nothing else (the database's
        constraints say the same): errors name the field."""
        super().clean()
        errors: dict[str, str] = {}
        targeted = self.kind in TARGETED_KINDS
        if targeted and self.target_id is None:
            errors["target"] = gettext("A %(kind)s names the published occupation it changes.") % {
                "kind": self.get_kind_display()
            }
        elif not targeted and self.target_id is not None:
            errors["target"] = gettext("A %(kind)s changes no published occupation.") % {
                "kind": self.get_kind_display()
            }
        if self.kind == self.Kind.UPGRADE and self.target_job_type_id is None:
            errors["target_job_type"] = gettext("An upgrade names the job type it upgrades.")
        elif self.kind != self.Kind.UPGRADE and self.target_job_type_id is not None:
            errors["target_job_type"] = gettext("Only an upgrade names a job type.")
        if self.successor_relation and self.kind != self.Kind.RETIREMENT:
            errors["successor_relation"] = gettext("Only a retirement has successors.")
        if errors:
            raise ValidationError(errors)

    def target_changes(self) -> dict[str, tuple]:
        """For a revision: ``{field: (published, proposed)}`` for every field of the target
        (``occupations.models.VERSIONED_FIELDS``) the proposed text changes."""
        if self.kind != self.Kind.REVISION or self.target is None:
            return {}
        published = occupation_text(self.target)
        proposed = {
            **{
                name: getattr(self, name)
                for name in VERSIONED_FIELDS
                if name not in {"code", "group"}
            },
            "code": self.proposed_code,
            "group": self.group.code if self.group_id else None,
        }
        return {
            name: (published[name], proposed[name])
            for name in VERSIONED_FIELDS
            if published[name] != proposed[name]
        }

    def changed_occupation_id(self) -> int | None:
        """The published occupation this proposal changes, if any: its target, or for an
        upgrade the occupation its job type leaves."""
        if self.kind == self.Kind.UPGRADE and self.target_job_type is not None:
            return self.target_job_type.occupation_id
        return self.target_id

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
        """Apply ``changes`` (a subset of DRAFT_TEXT_FIELDS, DRAFT_LABEL_FIELDS and
        DRAFT_NOTE_FIELDS); returns the fields that changed.

        Allowed while drafting and during review, never while the public is reading the text
        nor after publication, and never on a withdrawn draft.
        """
        if refusal := self.revise_refusal():
            raise refusal
        unknown = set(changes) - {*DRAFT_TEXT_FIELDS, *DRAFT_LABEL_FIELDS, *DRAFT_NOTE_FIELDS}
        if unknown:
            raise InvalidTransition(
                gettext("These fields cannot be revised: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))},
                field=sorted(unknown)[0],
            )
        for name in {*DRAFT_LIST_FIELDS, "translated_alternative_names"} & set(changes):
            value = changes[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidTransition(
                    gettext("%(field)s must be a list of texts.")
                    % {"field": self._meta.get_field(name).verbose_name},
                    field=name,
                )
        changed = [name for name, value in changes.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, changes[name])
        return changed

    # Part of opening the consultation, never a step of its own.
    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.PROPOSED,
        permission="consult.open_consultation",
    )
    def propose(self) -> None:
        """Freeze the text the public will comment on."""
        self.consulted_text = self.text()

    @transition(
        field=status,
        source=Status.PROPOSED,
        target=Status.ACCEPTED,
        permission="consult.accept_draft",
    )
    def accept(self) -> None:
        if refusal := self.accept_refusal():
            raise refusal

    def accept_refusal(self) -> InvalidTransition | None:
        """Why ``accept`` would be refused (state aside); None: it would not."""
        if self.consultation.status != Consultation.Status.REVIEW:
            return InvalidTransition(gettext("Drafts are accepted during review."))
        return None

    @transition(
        field=status,
        source=[Status.DRAFT, Status.PROPOSED, Status.ACCEPTED],
        target=Status.WITHDRAWN,
        permission="consult.withdraw_draft",
    )
    def withdraw(self, *, reason: str, public_explanation: str = "") -> None:
        """Withdraw with ``reason``, an internal note for staff, and optionally a
        ``public_explanation`` shown once the consultation's report is public."""
        if refusal := self.withdraw_refusal():
            raise refusal
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the withdrawal."), field="reason")
        self.withdrawal_reason = reason.strip()
        self.public_explanation = public_explanation.strip()

    def withdraw_refusal(self) -> InvalidTransition | None:
        """Why ``withdraw`` would be refused whatever the reason given (state aside)."""
        if self.consultation.status not in {
            Consultation.Status.DRAFTING,
            Consultation.Status.REVIEW,
        }:
            return InvalidTransition(
                gettext("Drafts can be withdrawn only while drafting or during review.")
            )
        return None

    @transition(
        field=status,
        source=Status.WITHDRAWN,
        target=RETURN_VALUE(Status.DRAFT, Status.PROPOSED),
        permission="consult.withdraw_draft",
    )
    def reinstate(self) -> str:
        """Back to ``draft`` while drafting (the text is not frozen yet), to ``proposed`` during
        review."""
        if refusal := self.reinstate_refusal():
            raise refusal
        self.withdrawal_reason = self.public_explanation = ""
        if self.consultation.status == Consultation.Status.DRAFTING:
            return self.Status.DRAFT
        return self.Status.PROPOSED

    def reinstate_refusal(self) -> InvalidTransition | None:
        """Why ``reinstate`` would be refused (state aside); None: it would not."""
        if self.consultation.status == Consultation.Status.DRAFTING:
            return None
        if self.consultation.status != Consultation.Status.REVIEW:
            return InvalidTransition(
                gettext("Withdrawn drafts can be reinstated while drafting or during review.")
            )
        if not self.consulted_text:
            return InvalidTransition(
                gettext(
                    "“%(name)s” was withdrawn before the consultation opened; the public never "
                    "saw it, so it cannot join the list during review."
                )
                % {"name": self.name}
            )
        return None

    def revise_refusal(self) -> InvalidTransition | None:
        """Why ``revise`` would be refused whatever the changes; None: it would not."""
        allowed = {Consultation.Status.DRAFTING, Consultation.Status.REVIEW}
        if self.consultation.status not in allowed:
            return InvalidTransition(
                gettext(
                    "Drafts can be revised only while drafting or during review, not while the "
                    "consultation is %(status)s."
                )
                % {"status": self.consultation.get_status_display()}
            )
        if self.status == self.Status.WITHDRAWN:
            return InvalidTransition(
                gettext("A withdrawn draft cannot be revised; reinstate it first.")
            )
        return None
