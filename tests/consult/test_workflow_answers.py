"""Linking an adopted comment to the draft revision that answers it ("you said, we did")."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from consult.models import Comment, DraftOccupation
from consult.reporting.changes import draft_changes
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import revise_draft
from consult.workflow.moderation import link_answering_revision, set_disposition
from core.errors import InvalidTransition, NotPermitted
from occupations.models import Transition
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(drafting, publisher):
    """In review after a consultation, with one comment on each draft's definition."""
    opening = drafting.opens_at - dt.timedelta(days=1)
    # The frozen text's history row is dated by the clock, before any comment.
    with time_machine.travel(opening, tick=False):
        open_consultation(drafting, by=publisher, now=opening)
    first, second = drafting.drafts.in_order()
    for draft in (first, second):
        CommentFactory(
            consultation=drafting,
            occupation=draft,
            field="definition",
            body=f"Say what {draft.name} does with safety.",
            submitted_at=drafting.opens_at + dt.timedelta(days=2),
            status="published",
        )
    begin_review(drafting, by=publisher, now=drafting.closes_at + dt.timedelta(seconds=1))
    drafting.refresh_from_db()
    return drafting


def _adopt(comment: Comment, by, disposition: str = "adopted") -> None:
    set_disposition(
        [comment], by=by, disposition=disposition, reply="Adopted.", now=dt.datetime.now(dt.UTC)
    )


def _revise(draft: DraftOccupation, by, **changes) -> int:
    revise_draft(draft, by=by, changes=changes)
    return draft.history.latest("history_date", "history_id").history_id


def test_an_adopted_comment_is_linked_to_its_revision_and_the_step_is_logged(
    reviewed, editor, moderator
):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator)
    revision = _revise(first, editor, definition="Personnel who produce hydrogen safely.")

    linked = link_answering_revision(
        comment, by=moderator, revision_id=revision, now=reviewed.closes_at
    )

    assert linked.answering_revision_id == revision
    step = Transition.objects.filter(action="link_answering_revision").get()
    assert (step.object_id, step.actor, step.target) == (comment.pk, moderator, str(revision))


def test_unlinking_is_logged_and_linking_twice_is_one_step(reviewed, editor, moderator):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator, "partly_adopted")
    revision = _revise(first, editor, definition="Safer.")
    for _ in range(2):
        link_answering_revision(comment, by=moderator, revision_id=revision, now=None)
    link_answering_revision(comment, by=moderator, revision_id=None, now=None)
    assert Comment.objects.get(pk=comment.pk).answering_revision is None
    assert Transition.objects.filter(action="link_answering_revision").count() == 2


def test_a_revision_of_another_draft_is_refused_naming_the_field(reviewed, editor, moderator):
    first, second = reviewed.drafts.in_order()
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator)
    other = _revise(second, editor, definition="Pilots of drones.")
    with pytest.raises(InvalidTransition, match="another draft occupation") as refused:
        link_answering_revision(comment, by=moderator, revision_id=other, now=None)
    assert refused.value.field == "revision"
    assert Comment.objects.get(pk=comment.pk).answering_revision is None
    assert not Transition.objects.filter(action="link_answering_revision").exists()


def test_a_comment_not_adopted_is_refused_naming_the_field(reviewed, editor, moderator):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator, "not_adopted")
    revision = _revise(first, editor, definition="Safer.")
    with pytest.raises(InvalidTransition, match="only an adopted or partly adopted") as refused:
        link_answering_revision(comment, by=moderator, revision_id=revision, now=None)
    assert refused.value.field == "disposition"


def test_a_revision_that_does_not_exist_or_predates_the_comment_is_refused(reviewed, moderator):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator)
    with pytest.raises(InvalidTransition, match="no draft revision 999999") as refused:
        link_answering_revision(comment, by=moderator, revision_id=999999, now=None)
    assert refused.value.field == "revision"
    # The row written when the text was frozen for the consultation, before the comment.
    frozen = first.history.earliest("history_date", "history_id").history_id
    with pytest.raises(InvalidTransition, match="before comment") as refused:
        link_answering_revision(comment, by=moderator, revision_id=frozen, now=None)
    assert refused.value.field == "revision"


def test_only_staff_who_record_dispositions_may_link(reviewed, editor, moderator):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator)
    revision = _revise(first, editor, definition="Safer.")
    with pytest.raises(NotPermitted):
        link_answering_revision(comment, by=editor, revision_id=revision, now=None)


def test_a_new_disposition_that_is_not_adoption_drops_the_link(reviewed, editor, moderator):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    _adopt(comment, moderator)
    revision = _revise(first, editor, definition="Safer.")
    link_answering_revision(comment, by=moderator, revision_id=revision, now=None)
    _adopt(comment, moderator, "noted")
    assert Comment.objects.get(pk=comment.pk).answering_revision is None


def test_the_database_refuses_a_link_on_a_comment_not_adopted(reviewed, editor):
    first = reviewed.drafts.in_order()[0]
    revision = _revise(first, editor, definition="Safer.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(occupation=first).update(answering_revision_id=revision)


def test_each_change_lists_the_comments_that_asked_for_it(reviewed, editor, moderator):
    first = reviewed.drafts.in_order()[0]
    definition = Comment.objects.get(occupation=first)
    name = CommentFactory(
        consultation=reviewed,
        occupation=first,
        field="name",
        body="Call it hydrogen technician.",
        submitted_at=reviewed.opens_at + dt.timedelta(days=3),
        status="received",  # not published: counted on the public side, not shown
    )
    for comment in (definition, name):
        _adopt(comment, moderator)
    both = _revise(first, editor, definition="Safer.", name="Hydrogen technician")
    for comment in (definition, name):
        link_answering_revision(comment, by=moderator, revision_id=both, now=None)
    drafts = list(reviewed.drafts.in_order().select_related("occupation"))

    public = draft_changes(drafts, public=True)[first.pk]
    staff = draft_changes(drafts, public=False)[first.pk]

    by_key = {f.change.key: f for f in public.fields}
    assert set(by_key) == {"name", "definition"}
    # Each comment under the part it named, though the revision changed both.
    assert [c.tracking_number for c in by_key["definition"].comments] == [
        definition.tracking_number
    ]
    assert (by_key["name"].comments, by_key["name"].unpublished) == ([], 1)
    staff_name = next(f for f in staff.fields if f.change.key == "name")
    assert [c.tracking_number for c in staff_name.comments] == [name.tracking_number]
    assert public.linked == staff.linked == 2


def test_a_change_undone_later_keeps_its_comment_apart(reviewed, editor, moderator):
    first = reviewed.drafts.in_order()[0]
    comment = Comment.objects.get(occupation=first)
    original = first.definition
    _adopt(comment, moderator)
    revision = _revise(first, editor, definition="Safer.")
    link_answering_revision(comment, by=moderator, revision_id=revision, now=None)
    _revise(first, editor, definition=original)
    drafts = list(reviewed.drafts.in_order().select_related("occupation"))
    result = draft_changes(drafts, public=True)[first.pk]
    assert result.fields == []
    assert [c.tracking_number for c in result.undone] == [comment.tracking_number]
