import datetime as dt

import pytest

from consult.models import Consultation, DraftOccupation
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import accept_draft, revise_draft, withdraw_draft
from consult.workflow.publication import publish_consultation
from occupations.models import Occupation, Transition
from occupations.workflow import attach_skill_standard

pytestmark = pytest.mark.django_db


def test_a_draft_list_goes_from_drafting_to_a_batch_with_a_standard(drafting, publisher, editor):
    """The whole path, once, through the workflow functions."""
    before = drafting.opens_at - dt.timedelta(days=1)
    open_consultation(drafting, by=publisher, now=before)
    drafting.refresh_from_db()
    assert drafting.status == Consultation.Status.CONSULTATION
    after = drafting.closes_at + dt.timedelta(seconds=1)
    begin_review(drafting, by=publisher, now=after)
    first, second = drafting.drafts.in_order()
    revise_draft(first, by=editor, changes={"proposed_code": "6-28-01-17"})
    accept_draft(first, by=editor)
    withdraw_draft(second, by=editor, reason="Merged into the first.")
    batch = publish_consultation(
        drafting,
        by=publisher,
        now=after,
        slug="batch-2026",
        title="New occupations 2026",
        announced_on=dt.date(2026, 9, 1),
        announced_precision="month",
    )
    drafting.refresh_from_db()
    assert drafting.status == Consultation.Status.PUBLISHED
    assert [o.name for o in batch.occupations.all()] == ["Hydrogen producer"]
    occupation = Occupation.objects.get()
    assert occupation.code == "6-28-01-17"
    assert DraftOccupation.objects.get(pk=first.pk).occupation == occupation
    standard = attach_skill_standard(
        occupation, by=publisher, title="National standard", kind="technical"
    )
    assert [lvl.key for lvl in standard.levels.all()] == ["primary", "intermediate", "advanced"]
    assert Transition.objects.count() == 7
