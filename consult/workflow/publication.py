"""Publishing a consultation as a batch of the registry: what stops it
(``publication_problems``, shown on the admin's confirmation page) and the step itself
(``publish_consultation``), one transaction that creates the registry's records from the
accepted drafts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from consult.delivery import notifications, webhooks
from consult.models import Consultation, DraftOccupation, WebhookEvent
from consult.models.drafts import TARGETED_KINDS
from consult.staff.roles import EDITORS
from consult.workflow.transitions import lock as _lock
from consult.workflow.transitions import run_transition as _transition
from consult.workflow.transitions import wrong_state as _wrong_state
from core.errors import InvalidTransition, require_permission
from occupations.models import (
    OCCUPATION_CODE_RE,
    Authority,
    Batch,
    DatePrecision,
    JobType,
    Lineage,
    Occupation,
    OccupationVersion,
    Transition,
    occupation_text,
    precision_is_consistent,
)

if TYPE_CHECKING:
    from core.errors import Actor


# Consultation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicationProblem:
    """One thing that stops publication: the draft it is about (None: the list as a whole),
    what is wrong, and the role whose members must act (a ``consult.staff.roles.ROLES`` name)."""

    draft: DraftOccupation | None
    message: str
    role: str = EDITORS
    field: str = ""


def publication_problems(consultation: Consultation) -> list[PublicationProblem]:
    """Everything that stops publication, each naming its draft; empty when it may proceed.

    The admin's confirmation page shows this list; ``publish_consultation`` refuses with it.
    """
    problems: list[PublicationProblem] = []
    drafts = list(consultation.drafts.in_order())
    accepted = [d for d in drafts if d.status == DraftOccupation.Status.ACCEPTED]
    undecided = [
        d
        for d in drafts
        if d.status in {DraftOccupation.Status.DRAFT, DraftOccupation.Status.PROPOSED}
    ]
    if not accepted:
        problems.append(PublicationProblem(None, _("No draft has been accepted.")))
    for draft in undecided:
        problems.append(
            PublicationProblem(
                draft,
                _("“%(name)s” is neither accepted nor withdrawn.") % {"name": draft.name},
            )
        )
    seen: dict[str, DraftOccupation] = {}
    for draft in accepted:
        if draft.kind not in CREATING_KINDS:
            continue
        code = draft.proposed_code
        if not code:
            problems.append(
                PublicationProblem(draft, _("“%(name)s” has no code.") % {"name": draft.name})
            )
        elif not OCCUPATION_CODE_RE.match(code):
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s” has the malformed code %(code)s (expected D-DD-DD-DD).")
                    % {"name": draft.name, "code": code},
                )
            )
        elif code in seen:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s” has the code %(code)s, which “%(other)s” also has.")
                    % {"name": draft.name, "code": code, "other": seen[code].name},
                )
            )
        else:
            seen[code] = draft
    taken = dict(Occupation.objects.filter(code__in=seen).values_list("code", "name"))
    for code, existing in taken.items():
        problems.append(
            PublicationProblem(
                seen[code],
                _("“%(name)s” has the code %(code)s, already used by the published “%(other)s”.")
                % {"name": seen[code].name, "code": code, "other": existing},
            )
        )
    problems.extend(_change_problems(accepted))
    return problems


# The kinds of proposal that become an occupation of their own.
CREATING_KINDS = {DraftOccupation.Kind.NEW_OCCUPATION, DraftOccupation.Kind.UPGRADE}


def _change_problems(accepted: list[DraftOccupation]) -> list[PublicationProblem]:
    """What stops the proposals that change the published registry: a retired or missing
    target, a revision that changes nothing or takes a code in use, a job type already
    upgraded or already under its occupation, successors that cannot take a place, two
    proposals changing one occupation."""
    problems: list[PublicationProblem] = []
    changing: dict[int, DraftOccupation] = {}
    # Occupations this list retires: none of them can take another's place.
    retiring = {d.target_id for d in accepted if d.kind == DraftOccupation.Kind.RETIREMENT}
    for draft in accepted:
        name = draft.name
        if draft.kind in TARGETED_KINDS and draft.target is None:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s” names no published occupation to change.") % {"name": name},
                    field="target",
                )
            )
            continue
        target = draft.target
        if draft.kind in TARGETED_KINDS and target is not None and target.retired:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s”: the published occupation “%(target)s” is retired.")
                    % {"name": name, "target": target.name},
                    field="target",
                )
            )
        problems.extend(_kind_problems(draft, retiring))
        changed = draft.changed_occupation_id()
        if changed is None:
            continue
        if changed in changing:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s” and “%(other)s” both change the same published occupation.")
                    % {"name": name, "other": changing[changed].name},
                    field="target",
                )
            )
        else:
            changing[changed] = draft
    return problems


def _kind_problems(draft: DraftOccupation, retiring: set[int | None]) -> list[PublicationProblem]:
    """What stops one proposal of its kind (its target exists)."""
    K = DraftOccupation.Kind
    name = draft.name
    problems: list[PublicationProblem] = []
    if draft.kind == K.UPGRADE:
        job_type = draft.target_job_type
        assert job_type is not None  # draft_job_type_matches_kind (a constraint)
        occupation = job_type.occupation
        if occupation is None or job_type.lineage_out.exists():
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s”: the job type “%(job_type)s” has already left its occupation.")
                    % {"name": name, "job_type": job_type.name},
                    field="target_job_type",
                )
            )
        elif occupation.retired:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(name)s”: the job type “%(job_type)s” is under a retired occupation.")
                    % {"name": name, "job_type": job_type.name},
                    field="target_job_type",
                )
            )
    elif draft.kind == K.NEW_JOB_TYPE:
        target = draft.target
        assert target is not None  # checked by publication_problems before this
        if draft.name in target.job_types:
            problems.append(
                PublicationProblem(
                    draft,
                    _("“%(target)s” already has the job type “%(name)s”.")
                    % {"name": name, "target": target.name},
                    field="name",
                )
            )
    elif draft.kind == K.REVISION:
        problems.extend(_revision_problems(draft))
    elif draft.kind == K.RETIREMENT:
        for successor in draft.successors.all():
            if successor.pk == draft.target_id or successor.retired or successor.pk in retiring:
                problems.append(
                    PublicationProblem(
                        draft,
                        _("“%(name)s”: “%(successor)s” cannot take its place.")
                        % {"name": name, "successor": successor.name},
                        field="successors",
                    )
                )
    return problems


def _revision_problems(draft: DraftOccupation) -> list[PublicationProblem]:
    changes = draft.target_changes()
    if not changes:
        return [
            PublicationProblem(
                draft,
                _("“%(name)s” changes nothing in the published occupation.") % {"name": draft.name},
                field="target",
            )
        ]
    if "code" not in changes:
        return []
    code = draft.proposed_code
    if not OCCUPATION_CODE_RE.match(code):
        return [
            PublicationProblem(
                draft,
                _("“%(name)s” has the malformed code %(code)s (expected D-DD-DD-DD).")
                % {"name": draft.name, "code": code},
                field="proposed_code",
            )
        ]
    assert draft.target_id is not None  # draft_target_matches_kind (a constraint)
    taken = Occupation.objects.filter(code=code).exclude(pk=draft.target_id).first()
    if taken is not None:
        return [
            PublicationProblem(
                draft,
                _("“%(name)s” has the code %(code)s, already used by the published “%(other)s”.")
                % {"name": draft.name, "code": code, "other": taken.name},
                field="proposed_code",
            )
        ]
    return []


def publish_consultation(
    consultation: Consultation,
    *,
    by: Actor,
    now: dt.datetime,
    slug: str,
    title: str,
    announced_on: dt.date,
    announced_precision: str = DatePrecision.DAY,
    number: int | None = None,
    authorities: Sequence[Authority] = (),
    notes: str = "",
) -> Batch:
    """Publish the accepted drafts as a registry Batch, all or nothing.

    Requires ``consult.publish_consultation``, a consultation in review whose window has
    closed, every draft accepted or withdrawn, and a well-formed code unique in the registry for
    every accepted draft. Creates the Batch and one Occupation per accepted draft (in draft
    order), links each draft to what it became, marks the consultation published.
    """
    require_permission(by, "consult.publish_consultation", _("publish a consultation"))
    if announced_precision not in DatePrecision.values:
        raise InvalidTransition(
            _("Unknown date precision %(precision)r.") % {"precision": announced_precision},
            field="announced_precision",
        )
    if not precision_is_consistent(announced_on, announced_precision):
        raise InvalidTransition(
            _("A date known only to the month or year is given as its first day."),
            field="announced_on",
        )
    with transaction.atomic():
        # The row lock makes a second publisher wait here, then see "published" and stop.
        locked = _lock(Consultation, consultation.pk)
        if not can_proceed(locked.mark_published):
            raise _wrong_state(locked, "publish")
        problems = publication_problems(locked)
        if problems:
            raise InvalidTransition(
                _("Cannot publish: %(problems)s")
                % {"problems": " ".join(p.message for p in problems)},
                # The first field a problem names, for a form to show it on.
                field=next((p.field for p in problems if p.field), None),
            )
        if Batch.objects.filter(slug=slug).exists():
            raise InvalidTransition(
                _("A batch with the slug %(slug)s already exists.") % {"slug": slug},
                field="slug",
            )
        if number is not None and Batch.objects.filter(number=number).exists():
            raise InvalidTransition(
                _("A batch numbered %(number)s already exists.") % {"number": number},
                field="number",
            )
        batch = Batch.objects.create(
            slug=slug,
            title=title,
            number=number,
            announced_on=announced_on,
            announced_precision=announced_precision,
            notes=notes,
        )
        batch.authorities.set(authorities)
        accepted = locked.drafts.in_order().filter(status=DraftOccupation.Status.ACCEPTED)
        position = 0
        for draft in accepted.select_for_update():
            if draft.kind in CREATING_KINDS:
                position += 1
                draft.occupation = _create_occupation(draft, batch, position)
                draft._change_reason = "Published"
                draft.save(update_fields=["occupation", "updated_at"])
            if draft.kind != DraftOccupation.Kind.NEW_OCCUPATION:
                _publish_change(draft, batch)
        source, target = _transition(locked, "mark_published", batch=batch, now=now)
        locked.save()
        Transition.objects.record(
            locked,
            action="publish",
            source=source,
            target=target,
            by=by,
            at=now,
            note=_("Published as %(batch)s") % {"batch": batch.title},
        )
        webhooks.announce(
            WebhookEvent.BATCH_PUBLISHED, webhooks.batch_payload(batch, locked), now=now
        )
        notifications.report_published(locked, now=now)
    return batch


def _create_occupation(draft: DraftOccupation, batch: Batch, position: int) -> Occupation:
    """The occupation a new occupation or an upgrade becomes, at its version 1."""
    try:
        with transaction.atomic():
            occupation = Occupation.objects.create(
                batch=batch,
                position=position,
                code=draft.proposed_code,
                name=draft.name,
                alternative_names=draft.alternative_names,
                language=draft.language,
                translated_name=draft.translated_name,
                translated_alternative_names=draft.translated_alternative_names,
                definition=draft.definition,
                tasks=draft.tasks,
                job_types=draft.job_types,  # type: ignore[misc]  # a property: JobType records
                green=draft.green,
                digital=draft.digital,
                group_id=draft.group_id,
                sources=draft.sources,
            )
    except IntegrityError:
        # Another transaction took the code after publication_problems() looked.
        raise InvalidTransition(
            _("“%(name)s”: the code %(code)s was taken while publishing.")
            % {"name": draft.name, "code": draft.proposed_code}
        ) from None
    OccupationVersion.objects.first_of(occupation)
    return occupation


def _revise_job_types(
    draft: DraftOccupation, changed: Occupation, names: list[str], batch: Batch
) -> None:
    """A revision's job types: the records kept keep their sources and batch, a new name is
    a record of this batch, a name left out goes (unless a proposal still targets it)."""
    try:
        with transaction.atomic():
            changed.replace_job_types(list(names), batch_id=batch.pk)
    except ProtectedError:
        raise InvalidTransition(
            _(
                "“%(name)s” removes a job type that another proposal still names; decide "
                "that proposal first."
            )
            % {"name": draft.name},
            field="job_types",
        ) from None


def _publish_change(draft: DraftOccupation, batch: Batch) -> None:
    """Apply a proposal that changes a published occupation, and record its new version."""
    K = DraftOccupation.Kind
    changed_id = draft.changed_occupation_id()
    assert changed_id is not None  # only a proposal that changes an occupation comes here
    changed = Occupation.objects.select_for_update().get(pk=changed_id)
    before = occupation_text(changed)
    retired = False
    if draft.kind == K.UPGRADE:
        job_type = draft.target_job_type
        assert job_type is not None and draft.occupation is not None  # created just before
        Lineage.objects.create(
            from_job_type=job_type,
            to_occupation=draft.occupation,
            kind=Lineage.Kind.UPGRADED,
            batch=batch,
        )
        # The job type leaves its occupation: it stays a record of the batch that announced
        # it, naming the occupation it was under.
        job_type.batch = job_type.batch or batch
        orphans = JobType.objects.filter(batch=job_type.batch, occupation=None)
        job_type.position = (orphans.aggregate(last=Max("position"))["last"] or 0) + 1
        job_type.occupation = None
        job_type.occupation_name = changed.name
        job_type.save()
        changed.job_types_changed()
    elif draft.kind == K.NEW_JOB_TYPE:
        last = changed.job_type_records.aggregate(last=Max("position"))["last"] or 0
        JobType.objects.create(
            occupation=changed,
            batch=batch,
            position=last + 1,
            name=draft.name,
            language=draft.language,
            other_names=draft.alternative_names,
            sources=draft.sources,
        )
        changed.job_types_changed()
    elif draft.kind == K.REVISION:
        for name, (_published, proposed) in draft.target_changes().items():
            if name == "group":
                changed.group_id = draft.group_id
            elif name == "job_types":
                _revise_job_types(draft, changed, proposed, batch)
            else:
                setattr(changed, name, proposed)
    elif draft.kind == K.RETIREMENT:
        retired = True
        changed.retired_in = batch
        kind = draft.successor_relation or Lineage.Kind.REPLACES
        successors = list(draft.successors.all())
        Lineage.objects.bulk_create(
            Lineage(from_occupation=changed, to_occupation=successor, kind=kind, batch=batch)
            for successor in successors
        )
        # Their records now say what they replace: the API's validators see them change.
        Occupation.objects.filter(pk__in=[s.pk for s in successors]).update(
            updated_at=timezone.now()
        )
    changed.version += 1
    try:
        with transaction.atomic():
            changed.save()
    except IntegrityError:
        raise InvalidTransition(
            _("“%(name)s”: the code %(code)s was taken while publishing.")
            % {"name": draft.name, "code": draft.proposed_code},
            field="proposed_code",
        ) from None
    OccupationVersion.objects.next_of(changed, batch=batch, before=before, retired=retired)
