"""Draft-level steps: revise (history kept), withdraw with a reason, accept, reinstate."""

import datetime as dt

import pytest

from consult.models import Consultation, DraftOccupation
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import accept_draft, reinstate_draft, revise_draft, withdraw_draft
from core.errors import InvalidTransition, NotPermitted
from occupations.models import Transition

pytestmark = pytest.mark.django_db

S = Consultation.Status
D = DraftOccupation.Status


def _draft(consultation_in, consultation_status, draft_status=None) -> DraftOccupation:
    consultation = consultation_in(consultation_status)
    draft = consultation.drafts.get(position=1)
    if draft_status is not None and draft.status != draft_status:
        DraftOccupation.objects.filter(pk=draft.pk).update(
            status=draft_status,
            withdrawal_reason="Merged." if draft_status == D.WITHDRAWN else "",
        )
        draft.refresh_from_db()
    return draft


def _unchanged(draft: DraftOccupation) -> None:
    before = {
        f: getattr(draft, f) for f in ("status", "name", "proposed_code", "withdrawal_reason")
    }
    draft.refresh_from_db()
    after = {f: getattr(draft, f) for f in before}
    assert after == before
    assert not Transition.objects.for_object(draft).exists()


# revise_draft ------------------------------------------------------------------------------


def test_revising_in_review_keeps_the_consulted_text_and_the_history(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW)
    DraftOccupation.objects.filter(pk=draft.pk).update(consulted_text=draft.text())
    draft.refresh_from_db()

    changed = revise_draft(
        draft,
        by=editor,
        changes={"name": "Hydrogen production worker", "tasks": ["Operate electrolysers."]},
        note="Renamed after comments.",
    )

    assert changed == ["name", "tasks"]
    draft.refresh_from_db()
    assert draft.name == "Hydrogen production worker"
    assert draft.consulted_text["name"] == "Hydrogen producer"
    assert draft.changes_since_consultation() == {
        "name": ("Hydrogen producer", "Hydrogen production worker"),
        "tasks": (["Inspect equipment.", "Record readings."], ["Operate electrolysers."]),
    }
    latest, *_ = draft.history.all()
    assert latest.name == "Hydrogen production worker"
    assert latest.history_change_reason == "Renamed after comments."
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == draft
    assert (step.action, step.actor, step.note) == ("revise", editor, "Renamed after comments.")


def test_the_text_the_public_saw_survives_opening_and_a_review_revision(
    drafting, editor, publisher, window
):
    """Opening freezes the text; a revision in review shows up as a change against it, and the
    history holds the consulted version and the revision."""
    open_consultation(drafting, by=publisher, now=window[0])
    begin_review(drafting, by=publisher, now=window[1] + dt.timedelta(seconds=1))
    draft = drafting.drafts.get(position=1)
    assert draft.changes_since_consultation() == {}

    revise_draft(draft, by=editor, changes={"definition": "Revised definition."})

    draft.refresh_from_db()
    assert draft.changes_since_consultation() == {
        "definition": (
            "Personnel who maintain hydrogen production equipment.",
            "Revised definition.",
        )
    }
    reasons = [h.history_change_reason for h in draft.history.order_by("history_date")]
    assert reasons[-2:] == ["Text frozen for public consultation", "Revised: definition"]
    assert [h.definition for h in draft.history.order_by("history_date")][-1] == (
        "Revised definition."
    )


def test_revising_while_drafting_is_allowed_and_leaves_no_consulted_text(consultation_in, editor):
    draft = _draft(consultation_in, S.DRAFTING)
    assert revise_draft(draft, by=editor, changes={"green": True}) == ["green"]
    draft.refresh_from_db()
    assert draft.green is True
    assert draft.changes_since_consultation() == {}
    assert Transition.objects.for_object(draft).count() == 1


def test_a_revision_that_changes_nothing_writes_nothing(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW)
    history_before = draft.history.count()
    assert revise_draft(draft, by=editor, changes={"name": draft.name}) == []
    assert draft.history.count() == history_before
    assert not Transition.objects.exists()


@pytest.mark.parametrize("status", [S.CONSULTATION, S.PUBLISHED])
def test_revising_is_refused_while_the_public_reads_or_after_publication(
    consultation_in, editor, status
):
    draft = _draft(consultation_in, status)
    with pytest.raises(InvalidTransition, match="only while drafting or during review"):
        revise_draft(draft, by=editor, changes={"name": "Changed"})
    _unchanged(draft)


def test_revising_a_withdrawn_draft_is_refused(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW, D.WITHDRAWN)
    with pytest.raises(InvalidTransition, match="withdrawn draft cannot be revised"):
        revise_draft(draft, by=editor, changes={"name": "Changed"})
    _unchanged(draft)


def test_revising_a_field_outside_the_text_is_refused(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(InvalidTransition, match="cannot be revised: status") as exc:
        revise_draft(draft, by=editor, changes={"status": "accepted"})
    assert exc.value.field == "status"
    _unchanged(draft)


@pytest.mark.parametrize("code", ["6-28-1-17", "9-28-01-17", "6-28-01-17\n", "62801017"])
def test_revising_to_a_malformed_code_is_refused(consultation_in, editor, code):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(InvalidTransition, match="proposed code: An occupation code has the form"):
        revise_draft(draft, by=editor, changes={"proposed_code": code})
    _unchanged(draft)


def test_revising_to_an_unknown_group_is_refused(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(InvalidTransition, match="major group: ") as exc:
        revise_draft(draft, by=editor, changes={"group_id": 99999})
    assert exc.value.field == "group"
    _unchanged(draft)
    assert draft.group_id is None


@pytest.mark.parametrize(
    "changes",
    [{"tasks": "Operate electrolysers."}, {"job_types": [1, 2]}, {"alternative_names": None}],
)
def test_revising_a_list_field_to_anything_but_a_list_of_texts_is_refused(
    consultation_in, editor, changes
):
    draft = _draft(consultation_in, S.REVIEW)
    (name,) = changes
    label = {"tasks": "main tasks", "job_types": "job types"}.get(name, "alternative names")
    with pytest.raises(InvalidTransition, match=f"^{label} must be a list of texts") as exc:
        revise_draft(draft, by=editor, changes=changes)
    assert exc.value.field == name
    _unchanged(draft)
    assert draft.tasks == ["Inspect equipment.", "Record readings."]


def test_revising_is_refused_without_the_permission(consultation_in, moderator):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(NotPermitted, match=r"consult\.change_draftoccupation"):
        revise_draft(draft, by=moderator, changes={"name": "Changed"})
    _unchanged(draft)


# withdraw_draft ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consultation_status", "draft_status"),
    [(S.DRAFTING, D.DRAFT), (S.REVIEW, D.PROPOSED), (S.REVIEW, D.ACCEPTED)],
)
def test_withdrawing_keeps_the_reason(consultation_in, editor, consultation_status, draft_status):
    draft = _draft(consultation_in, consultation_status, draft_status)
    withdraw_draft(draft, by=editor, reason="  Merged into another occupation. ")

    draft.refresh_from_db()
    assert draft.status == D.WITHDRAWN
    assert draft.withdrawal_reason == "Merged into another occupation."
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == draft
    assert (step.action, step.source, step.target, step.note) == (
        "withdraw_draft",
        draft_status,
        "withdrawn",
        "Merged into another occupation.",
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_withdrawing_without_a_reason_is_refused(consultation_in, editor, reason):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(InvalidTransition, match="Give a reason for the withdrawal") as exc:
        withdraw_draft(draft, by=editor, reason=reason)
    assert exc.value.field == "reason"
    _unchanged(draft)


@pytest.mark.parametrize("status", [S.CONSULTATION, S.PUBLISHED])
def test_withdrawing_is_refused_while_the_public_reads_or_after_publication(
    consultation_in, editor, status
):
    draft = _draft(consultation_in, status)
    with pytest.raises(InvalidTransition, match="only while drafting or during review"):
        withdraw_draft(draft, by=editor, reason="Merged.")
    _unchanged(draft)


def test_withdrawing_a_withdrawn_draft_is_refused(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW, D.WITHDRAWN)
    with pytest.raises(InvalidTransition, match="is withdrawn; “withdraw” is not allowed"):
        withdraw_draft(draft, by=editor, reason="Again.")
    _unchanged(draft)


def test_withdrawing_is_refused_without_the_permission(consultation_in, moderator):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(NotPermitted, match=r"consult\.withdraw_draft"):
        withdraw_draft(draft, by=moderator, reason="Merged.")
    _unchanged(draft)


# accept_draft ------------------------------------------------------------------------------


def test_accepting_a_proposed_draft_in_review(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW)
    accept_draft(draft, by=editor)
    draft.refresh_from_db()
    assert draft.status == D.ACCEPTED
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == draft
    assert (step.action, step.source, step.target, step.actor) == (
        "accept_draft",
        "proposed",
        "accepted",
        editor,
    )


@pytest.mark.parametrize("draft_status", [D.DRAFT, D.ACCEPTED, D.WITHDRAWN])
def test_accepting_is_refused_unless_proposed(consultation_in, editor, draft_status):
    draft = _draft(consultation_in, S.REVIEW, draft_status)
    with pytest.raises(InvalidTransition, match="“accept” is not allowed from that state"):
        accept_draft(draft, by=editor)
    _unchanged(draft)


def test_accepting_is_refused_while_the_public_reads(consultation_in, editor):
    draft = _draft(consultation_in, S.CONSULTATION)
    with pytest.raises(InvalidTransition, match="Drafts are accepted during review"):
        accept_draft(draft, by=editor)
    _unchanged(draft)


@pytest.mark.parametrize("status", [S.DRAFTING, S.PUBLISHED])
def test_accepting_is_refused_outside_review(consultation_in, editor, status):
    draft = _draft(consultation_in, status, D.PROPOSED)
    with pytest.raises(InvalidTransition, match="Drafts are accepted during review"):
        accept_draft(draft, by=editor)
    _unchanged(draft)


def test_accepting_is_refused_without_the_permission(consultation_in, publisher):
    draft = _draft(consultation_in, S.REVIEW)
    with pytest.raises(NotPermitted, match=r"consult\.accept_draft"):
        accept_draft(draft, by=publisher)
    _unchanged(draft)


# reinstate_draft ---------------------------------------------------------------------------


def test_reinstating_a_withdrawn_draft_in_review(consultation_in, editor):
    draft = _draft(consultation_in, S.REVIEW, D.WITHDRAWN)
    DraftOccupation.objects.filter(pk=draft.pk).update(consulted_text=draft.text())
    reinstate_draft(draft, by=editor)
    draft.refresh_from_db()
    assert draft.status == D.PROPOSED
    assert draft.withdrawal_reason == ""
    (step,) = Transition.objects.all()  # exactly one row for the step
    assert step.content_object == draft
    assert (step.action, step.source, step.target) == ("reinstate_draft", "withdrawn", "proposed")


def test_a_draft_the_public_never_saw_cannot_be_reinstated_in_review(consultation_in, editor):
    """A draft withdrawn before the consultation opened has no consulted text: bringing it
    back during review would publish an occupation nobody could comment on."""
    draft = _draft(consultation_in, S.REVIEW, D.WITHDRAWN)
    assert draft.consulted_text == {}
    with pytest.raises(InvalidTransition, match="the public never saw it"):
        reinstate_draft(draft, by=editor)
    _unchanged(draft)
    assert not Transition.objects.exists()


@pytest.mark.parametrize("draft_status", [D.DRAFT, D.PROPOSED, D.ACCEPTED])
def test_reinstating_is_refused_unless_withdrawn(consultation_in, editor, draft_status):
    draft = _draft(consultation_in, S.REVIEW, draft_status)
    with pytest.raises(InvalidTransition, match="“reinstate” is not allowed from that state"):
        reinstate_draft(draft, by=editor)
    _unchanged(draft)


def test_a_draft_withdrawn_while_drafting_can_be_reinstated_as_a_draft(
    drafting, editor, publisher, window
):
    """Undoing a withdrawal before the consultation opens puts the draft back in the list the
    public will see, with its text not yet frozen."""
    draft = drafting.drafts.get(position=2)
    withdraw_draft(draft, by=editor, reason="By mistake.")
    reinstate_draft(draft, by=editor)
    draft.refresh_from_db()
    assert (draft.status, draft.withdrawal_reason, draft.consulted_text) == (D.DRAFT, "", {})
    step = Transition.objects.for_object(draft).filter(action="reinstate_draft").get()
    assert (step.source, step.target) == ("withdrawn", "draft")

    open_consultation(drafting, by=publisher, now=window[0])
    draft.refresh_from_db()
    assert draft.status == D.PROPOSED
    assert draft.consulted_text["name"] == "Low-altitude pilot"


@pytest.mark.parametrize("status", [S.CONSULTATION, S.PUBLISHED])
def test_reinstating_is_refused_while_the_public_reads_or_after_publication(
    consultation_in, editor, status
):
    draft = _draft(consultation_in, status, D.WITHDRAWN)
    with pytest.raises(InvalidTransition, match="reinstated while drafting or during review"):
        reinstate_draft(draft, by=editor)
    _unchanged(draft)


def test_reinstating_is_refused_without_the_permission(consultation_in, moderator):
    draft = _draft(consultation_in, S.REVIEW, D.WITHDRAWN)
    with pytest.raises(NotPermitted, match=r"consult\.withdraw_draft"):
        reinstate_draft(draft, by=moderator)
    _unchanged(draft)
