"""A guarded report and safer defaults: beginning the review warns that the report becomes
public, the report is provisional until publication, publishing lists the comments not yet dealt
with and asks for an explicit confirmation, and no default leads staff astray."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consult.admin.forms import DispositionForm, PublishForm, batch_title_from
from consult.models import Consultation
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import DraftDecision, decide_drafts
from occupations.models import Batch
from tests.admin.conftest import messages_of
from tests.factories import SHANGHAI, CommentFactory

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
AFTER = dt.datetime(2026, 7, 18, 0, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def decided(drafting, superuser, editor):
    """In review, both drafts decided (one accepted with a code, one withdrawn)."""
    open_consultation(drafting, by=superuser, now=BEFORE)
    begin_review(drafting, by=superuser, now=AFTER)
    first, second = drafting.drafts.in_order()
    decide_drafts(
        drafting,
        by=editor,
        decisions=[
            DraftDecision(draft=first, decision="accept", code="4-08-09-12"),
            DraftDecision(draft=second, decision="withdraw", reason="Merged."),
        ],
    )
    drafting.refresh_from_db()
    return drafting


def publish_data(**extra):
    return {
        "slug": "new-occupations-2026",
        "title": "New occupations 2026",
        "announced_on": "2026-09-01",
        "announced_precision": "day",
        **extra,
    }


def test_beginning_the_review_warns_that_the_report_becomes_public(
    client_for, publisher, drafting, superuser
):
    open_consultation(drafting, by=superuser, now=BEFORE)
    with time_machine.travel(AFTER, tick=False):
        page = client_for(publisher).get(
            reverse("admin:consult_consultation_begin_review", args=[drafting.pk])
        )
    body = page.content.decode()
    assert "The response report becomes public." in body
    assert "/consultations/draft-list-2026/report/" in body


@time_machine.travel(AFTER, tick=False)
def test_publishing_lists_comments_not_dealt_with_and_asks_to_confirm(
    client_for, publisher, decided
):
    CommentFactory(consultation=decided)  # received: not moderated
    CommentFactory(consultation=decided, status="published")  # moderated, no disposition
    url = reverse("admin:consult_consultation_publish", args=[decided.pk])
    client = client_for(publisher)
    body = client.get(url).content.decode()
    assert "1 comment has not been moderated" in body
    assert "1 comment has no disposition" in body
    assert "to be dealt with by moderators" in body
    response = client.post(url, publish_data())
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Batch.objects.exists()
    response = client.post(url, publish_data(publish_anyway="on"))
    assert response.status_code == 302, messages_of(response)
    decided.refresh_from_db()
    assert decided.status == Consultation.Status.PUBLISHED


@time_machine.travel(AFTER, tick=False)
def test_with_every_comment_dealt_with_no_confirmation_is_asked(client_for, publisher, decided):
    CommentFactory(consultation=decided, status="spam")
    url = reverse("admin:consult_consultation_publish", args=[decided.pk])
    response = client_for(publisher).post(url, publish_data())
    assert response.status_code == 302, messages_of(response)


def test_the_batch_title_drops_the_draft_mark():
    assert batch_title_from("第七批新职业信息（征求意见稿）") == "第七批新职业信息"
    assert batch_title_from("第七批新职业信息 (征求意见稿)") == "第七批新职业信息"
    assert batch_title_from("New occupations (draft for comments)") == "New occupations"
    assert batch_title_from("（征求意见稿）") == "（征求意见稿）"


@time_machine.travel(AFTER, tick=False)
def test_the_publish_page_proposes_the_title_without_the_draft_mark(client_for, publisher, decided):
    decided.title = "第七批新职业信息（征求意见稿）"
    decided.save()
    page = client_for(publisher).get(
        reverse("admin:consult_consultation_publish", args=[decided.pk])
    )
    assert page.context["form"].initial["title"] == "第七批新职业信息"


@pytest.mark.parametrize(
    ("slug", "error"),
    [
        ("2026", "at least one word"),
        ("20-26", "at least one word"),
        ("xin-zhiye-", "single hyphens"),
        ("新职业", "lower-case ASCII"),
        ("New-Occupations", "lower-case ASCII"),
    ],
)
def test_a_batch_slug_must_be_ascii_words(slug, error):
    form = PublishForm(publish_data(slug=slug))
    assert not form.is_valid()
    assert error in " ".join(form.errors["slug"])
    assert "permanent public address" in str(form.fields["slug"].help_text)


def test_a_consultation_slug_of_digits_only_is_refused(client_for, editor):
    response = client_for(editor).post(
        reverse("admin:consult_consultation_add"),
        {
            "title": "Draft list",
            "slug": "2026",
            "summary": "",
            "opens_at_0": "",
            "opens_at_1": "",
            "closes_at_0": "",
            "closes_at_1": "",
            "sources": "",
            "notes": "",
            "drafts-TOTAL_FORMS": "0",
            "drafts-INITIAL_FORMS": "0",
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "an address of digits only reads as a number" in body
    assert "permanent public address" in body
    assert not Consultation.objects.exists()


def test_no_disposition_is_preselected():
    form = DispositionForm()
    assert form.fields["disposition"].choices[0][0] == ""
    assert not DispositionForm({"disposition": "", "reply": ""}).is_valid()
    assert DispositionForm({"disposition": "noted", "reply": ""}).is_valid()
