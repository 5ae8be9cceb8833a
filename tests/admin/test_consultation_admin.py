"""Consultation steps in the admin: each allowed for Publishers, refused for other roles and
when the workflow refuses, with the refusal shown as a message and nothing changed."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consult.models import Consultation, WindowExtension
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import accept_draft, revise_draft, withdraw_draft
from occupations.models import Batch, Transition
from tests.admin.conftest import messages_of
from tests.factories import SHANGHAI, AuthorityFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
DURING = dt.datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)
AFTER = dt.datetime(2026, 7, 18, 0, 0, 0, tzinfo=SHANGHAI)


def url(name, pk):
    return reverse(f"admin:consult_consultation_{name}", args=[pk])


# Open ---------------------------------------------------------------------------------------


@time_machine.travel(BEFORE, tick=False)
def test_the_open_page_lists_the_drafts_to_be_frozen(client_for, publisher, drafting):
    response = client_for(publisher).get(url("open", drafting.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Hydrogen producer" in body and "Low-altitude pilot" in body
    assert "2 drafts will be proposed to the public" in body


@time_machine.travel(BEFORE, tick=False)
def test_a_publisher_opens_a_consultation(client_for, publisher, drafting):
    response = client_for(publisher).post(url("open", drafting.pk), {"confirm": "1"})
    assert response.status_code == 302
    assert "is open for public consultation" in messages_of(response)[0]
    drafting.refresh_from_db()
    assert drafting.status == Consultation.Status.CONSULTATION
    assert set(drafting.drafts.values_list("status", flat=True)) == {"proposed"}


@pytest.mark.parametrize("role", ["editor", "moderator", "outsider"])
@time_machine.travel(BEFORE, tick=False)
def test_other_roles_may_not_open_a_consultation(client_for, drafting, role, request):
    user = request.getfixturevalue(role)
    response = client_for(user).post(url("open", drafting.pk), {"confirm": "1"})
    drafting.refresh_from_db()
    if role == "outsider":
        # No role at all: the consultation itself is out of sight.
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert "consult.open_consultation" in messages_of(response)[0]
    assert drafting.status == Consultation.Status.DRAFTING
    assert not Transition.objects.exists()


@time_machine.travel(AFTER, tick=False)
def test_opening_after_the_window_is_refused_with_the_reason(client_for, publisher, drafting):
    response = client_for(publisher).post(url("open", drafting.pk), {"confirm": "1"})
    assert response.status_code == 200
    assert "closing time has already passed" in " ".join(messages_of(response))
    drafting.refresh_from_db()
    assert drafting.status == Consultation.Status.DRAFTING


@time_machine.travel(BEFORE, tick=False)
def test_the_open_button_shows_only_for_publishers(client_for, publisher, editor, drafting):
    change = reverse("admin:consult_consultation_change", args=[drafting.pk])
    assert url("open", drafting.pk) in client_for(publisher).get(change).content.decode()
    assert url("open", drafting.pk) not in client_for(editor).get(change).content.decode()


@time_machine.travel(AFTER, tick=False)
def test_no_open_button_once_the_window_has_passed_but_the_reason(client_for, publisher, drafting):
    change = reverse("admin:consult_consultation_change", args=[drafting.pk])
    body = client_for(publisher).get(change).content.decode()
    assert url("open", drafting.pk) not in body
    assert "Open consultation is not possible yet: The window&#x27;s closing time" in body


# Extend -------------------------------------------------------------------------------------


@pytest.fixture
def consulting(drafting, superuser):
    """The drafting consultation, opened through the workflow before its window."""
    open_consultation(drafting, by=superuser, now=BEFORE)
    drafting.refresh_from_db()
    return drafting


@time_machine.travel(DURING, tick=False)
def test_a_publisher_extends_the_window(client_for, publisher, consulting):
    response = client_for(publisher).post(
        url("extend", consulting.pk),
        {"closes_at_0": "2026-07-31", "closes_at_1": "23:59:59", "reason": "Many requests."},
    )
    assert response.status_code == 302, messages_of(response)
    consulting.refresh_from_db()
    assert consulting.closes_at == dt.datetime(2026, 7, 31, 23, 59, 59, tzinfo=SHANGHAI)
    assert WindowExtension.objects.get().reason == "Many requests."


@time_machine.travel(DURING, tick=False)
def test_an_earlier_closing_time_is_refused_on_the_field(client_for, publisher, consulting):
    response = client_for(publisher).post(
        url("extend", consulting.pk),
        {"closes_at_0": "2026-07-10", "closes_at_1": "12:00:00", "reason": "Oops."},
    )
    assert response.status_code == 200
    assert "must be later than the current one" in response.content.decode()
    consulting.refresh_from_db()
    assert consulting.closes_at == dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI)
    assert not WindowExtension.objects.exists()


@time_machine.travel(DURING, tick=False)
def test_bad_input_on_the_extend_form_is_a_form_error(client_for, publisher, consulting):
    response = client_for(publisher).post(
        url("extend", consulting.pk), {"closes_at_0": "soon", "closes_at_1": "", "reason": ""}
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()


@time_machine.travel(DURING, tick=False)
def test_an_editor_may_not_extend(client_for, editor, consulting):
    response = client_for(editor).post(
        url("extend", consulting.pk),
        {"closes_at_0": "2026-07-31", "closes_at_1": "23:59:59", "reason": "Because."},
    )
    assert "consult.extend_window" in messages_of(response)[0]
    assert not WindowExtension.objects.exists()


# Begin review -------------------------------------------------------------------------------


def test_a_publisher_begins_the_review_once_the_window_closed(client_for, publisher, consulting):
    with time_machine.travel(AFTER, tick=False):
        response = client_for(publisher).post(url("begin_review", consulting.pk), {"confirm": "1"})
    assert response.status_code == 302
    consulting.refresh_from_db()
    assert consulting.status == Consultation.Status.REVIEW


def test_beginning_the_review_while_open_is_refused(client_for, publisher, consulting):
    with time_machine.travel(DURING, tick=False):
        response = client_for(publisher).post(url("begin_review", consulting.pk), {"confirm": "1"})
    assert response.status_code == 200
    assert "still open until 2026-07-17 23:59:59" in " ".join(messages_of(response))
    consulting.refresh_from_db()
    assert consulting.status == Consultation.Status.CONSULTATION


def test_a_moderator_may_not_begin_the_review(client_for, moderator, consulting):
    with time_machine.travel(AFTER, tick=False):
        response = client_for(moderator).post(url("begin_review", consulting.pk), {"confirm": "1"})
    assert "consult.begin_review" in messages_of(response)[0]
    consulting.refresh_from_db()
    assert consulting.status == Consultation.Status.CONSULTATION


# Publish ------------------------------------------------------------------------------------


@pytest.fixture
def reviewed(consulting, superuser):
    """In review after its window, through the workflow: the first draft accepted with a code,
    the second withdrawn."""
    begin_review(consulting, by=superuser, now=AFTER)
    first, second = consulting.drafts.in_order()
    revise_draft(first, by=superuser, changes={"proposed_code": "6-28-01-17"})
    accept_draft(first, by=superuser)
    withdraw_draft(second, by=superuser, reason="Merged into the first.")
    consulting.refresh_from_db()
    return consulting


PUBLISH = {
    "slug": "batch-2026",
    "title": "New occupations 2026",
    "number": "",
    "announced_on": "2026-09-01",
    "announced_precision": "month",
    "notes": "",
}


@time_machine.travel(AFTER, tick=False)
def test_the_publish_page_lists_what_will_happen(client_for, publisher, reviewed):
    DraftOccupationFactory(consultation=reviewed, position=3, name="Undecided one")
    AuthorityFactory()
    response = client_for(publisher).get(url("publish", reviewed.pk))
    body = response.content.decode()
    assert "6-28-01-17" in body and "Hydrogen producer" in body
    assert "Merged into the first." in body
    assert "“Undecided one” is neither accepted nor withdrawn." in body
    assert "Ministry of Human Resources and Social Security" in body


@time_machine.travel(AFTER, tick=False)
def test_a_publisher_publishes_the_batch(client_for, publisher, reviewed):
    authority = AuthorityFactory()
    response = client_for(publisher).post(
        url("publish", reviewed.pk), {**PUBLISH, "authorities": [authority.pk]}
    )
    assert response.status_code == 302, messages_of(response)
    reviewed.refresh_from_db()
    assert reviewed.status == Consultation.Status.PUBLISHED
    batch = Batch.objects.get(slug="batch-2026")
    assert list(batch.authorities.all()) == [authority]
    assert [o.code for o in batch.occupations.all()] == ["6-28-01-17"]


@time_machine.travel(AFTER, tick=False)
def test_publishing_with_problems_is_refused_and_nothing_is_created(
    client_for, publisher, reviewed
):
    DraftOccupationFactory(consultation=reviewed, position=3, name="Undecided one")
    response = client_for(publisher).post(url("publish", reviewed.pk), PUBLISH)
    assert response.status_code == 200
    assert "neither accepted nor withdrawn" in " ".join(messages_of(response))
    assert not Batch.objects.exists()
    reviewed.refresh_from_db()
    assert reviewed.status == Consultation.Status.REVIEW


@time_machine.travel(AFTER, tick=False)
def test_a_day_precision_mismatch_is_shown_on_the_date_field(client_for, publisher, reviewed):
    response = client_for(publisher).post(
        url("publish", reviewed.pk), {**PUBLISH, "announced_on": "2026-09-15"}
    )
    assert response.status_code == 200
    assert "given as its first day" in response.content.decode()
    assert not Batch.objects.exists()


@pytest.mark.parametrize("role", ["editor", "moderator"])
@time_machine.travel(AFTER, tick=False)
def test_other_roles_may_not_publish(client_for, reviewed, role, request):
    response = client_for(request.getfixturevalue(role)).post(url("publish", reviewed.pk), PUBLISH)
    assert "consult.publish_consultation" in messages_of(response)[0]
    assert not Batch.objects.exists()


# Editing ------------------------------------------------------------------------------------


def test_the_status_is_never_a_form_field(client_for, superuser, drafting):
    change = reverse("admin:consult_consultation_change", args=[drafting.pk])
    body = client_for(superuser).get(change).content.decode()
    assert 'name="status"' not in body
    assert 'name="drafts-0-tasks"' in body


def test_drafts_edited_inline_are_revised_through_the_workflow(client_for, editor, drafting):
    client = client_for(editor)
    change = reverse("admin:consult_consultation_change", args=[drafting.pk])
    first, second = drafting.drafts.in_order()
    data = {
        "title": drafting.title,
        "slug": drafting.slug,
        "summary": drafting.summary,
        "text_source": "draft_list",
        "opens_at_0": "2026-06-17",
        "opens_at_1": "00:00:00",
        "closes_at_0": "2026-07-17",
        "closes_at_1": "23:59:59",
        "sources": "",
        "notes": "",
        "drafts-TOTAL_FORMS": "3",
        "drafts-INITIAL_FORMS": "2",
        "drafts-MIN_NUM_FORMS": "0",
        "drafts-MAX_NUM_FORMS": "1000",
        "extensions-TOTAL_FORMS": "0",
        "extensions-INITIAL_FORMS": "0",
        "extensions-MIN_NUM_FORMS": "0",
        "extensions-MAX_NUM_FORMS": "1000",
    }
    for i, draft in enumerate([first, second]):
        data.update(
            {
                f"drafts-{i}-id": str(draft.pk),
                f"drafts-{i}-consultation": str(drafting.pk),
                f"drafts-{i}-position": str(draft.position),
                f"drafts-{i}-name": draft.name,
                f"drafts-{i}-proposed_code": "",
                f"drafts-{i}-definition": draft.definition,
                f"drafts-{i}-tasks": "\n".join(draft.tasks),
                f"drafts-{i}-job_types": "",
                f"drafts-{i}-alternative_names": "",
                f"drafts-{i}-language": "zh-hans",
            }
        )
    data["drafts-0-tasks"] = "Produce hydrogen.\n\n  Keep the plant safe.  \n"
    data.update(
        {
            "drafts-2-consultation": str(drafting.pk),
            "drafts-2-position": "3",
            "drafts-2-name": "Carbon accountant",
            "drafts-2-language": "en",
            "drafts-2-definition": "Personnel who account for emissions.",
            "drafts-2-tasks": "Count carbon.",
            "drafts-2-job_types": "",
            "drafts-2-alternative_names": "",
            "drafts-2-proposed_code": "",
        }
    )
    response = client.post(change, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if hasattr(response, "context") else response
    )
    first.refresh_from_db()
    assert first.tasks == ["Produce hydrogen.", "Keep the plant safe."]
    assert Transition.objects.filter(action="revise", object_id=first.pk).exists()
    assert drafting.drafts.count() == 3
    assert drafting.drafts.get(position=3).tasks == ["Count carbon."]


def test_a_list_item_too_long_names_its_field(client_for, editor, drafting):
    from consult.admin.forms import DraftOccupationForm

    form = DraftOccupationForm(
        data={"position": 1, "name": "X", "tasks": "ok\n" + "x" * 1001, "job_types": ""}
    )
    assert not form.is_valid()
    assert form.errors["tasks"] == ["main tasks, line 2: at most 1000 characters (it has 1001)."]


@time_machine.travel(DURING, tick=False)
def test_the_window_and_drafts_are_read_only_once_open(client_for, publisher, editor, consulting):
    change = reverse("admin:consult_consultation_change", args=[consulting.pk])
    body = client_for(publisher).get(change).content.decode()
    assert 'name="closes_at_0"' not in body
    assert url("extend", consulting.pk) in body
    body = client_for(editor).get(change).content.decode()
    assert 'name="drafts-0-tasks"' not in body
    assert "<li>Inspect equipment.</li>" in body


def test_the_report_view_shows_counts(client_for, moderator, consulting):
    from tests.factories import CommentFactory

    CommentFactory(consultation=consulting, body="Rename it.", reply="Thanks.")
    response = client_for(moderator).get(url("report", consulting.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Rename it." in body and "Thanks." in body


def test_the_summary_can_be_edited_once_open_without_touching_drafts(
    client_for, publisher, consulting
):
    change = reverse("admin:consult_consultation_change", args=[consulting.pk])
    drafts = list(consulting.drafts.values_list("pk", "tasks"))
    response = client_for(publisher).post(
        change,
        {
            "title": consulting.title,
            "summary": "Comments through 17 July.",
            "text_source": "draft_list",
            "sources": "",
            "notes": "",
            "drafts-TOTAL_FORMS": "2",
            "drafts-INITIAL_FORMS": "2",
            "drafts-MIN_NUM_FORMS": "0",
            "drafts-MAX_NUM_FORMS": "1000",
            "drafts-0-id": str(drafts[0][0]),
            "drafts-0-tasks": "Smuggled in.",
            "drafts-1-id": str(drafts[1][0]),
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
            "extensions-MIN_NUM_FORMS": "0",
            "extensions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    consulting.refresh_from_db()
    assert consulting.summary == "Comments through 17 July."
    assert list(consulting.drafts.values_list("pk", "tasks")) == drafts
    assert consulting.closes_at == dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI)
