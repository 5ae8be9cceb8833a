"""A campaign's page in the admin: the method in plain words, the representative text, every
member with what it changed, the organisations among the senders; moderation and taking a
member out for the whole campaign; the consultation admin's rebuild action."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from consult.models import Comment, Consultation
from occupations.models import Transition
from tests.admin.conftest import messages_of
from tests.factories import CommentFactory, ConsultationFactory
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

TEMPLATE = (
    "我们强烈支持将氢能运维工程技术人员列入新职业目录。该职业从业人员已超过{n}人，工作内容与现有"
    "职业差别明显，建议尽快发布国家职业技能标准，以便开展培训和评价。{extra}"
)


@pytest.fixture
def consultation():
    return ConsultationFactory(status=Consultation.Status.CONSULTATION)


@pytest.fixture
def campaign(consultation):
    return [
        CommentFactory(
            consultation=consultation,
            body=TEMPLATE.format(n="三万", extra=""),
            organisation="甲协会",
        ),
        CommentFactory(
            consultation=consultation,
            body=TEMPLATE.format(n="三万", extra="谢谢！"),
            organisation="甲协会",
        ),
        CommentFactory(
            consultation=consultation,
            body=TEMPLATE.format(n="五万", extra=""),
            organisation="乙公司",
        ),
    ]


def page_url(member) -> str:
    return reverse("admin:consult_comment_campaign", args=[member.cluster_id])


def test_the_campaign_page_shows_each_member_with_what_it_changed(client_for, moderator, campaign):
    CommentFactory(consultation=campaign[0].consultation, body="Something else entirely.")
    body = client_for(moderator).get(page_url(campaign[0])).content.decode()
    assert body.count('class="campaign-member"') == 3
    assert '<td class="size">3</td>' in body
    assert "<em>the representative</em>" in body
    assert "<ins>谢谢！</ins>" in body
    assert "<del>三</del><ins>五</ins>" in body
    assert "甲协会 (2)" in body and "乙公司 (1)" in body
    assert "Something else" not in body
    assert "MinHash" in body and "80%" in body


def test_the_method_is_explained_in_chinese_too(client_for, moderator, campaign):
    client = client_for(moderator)
    with translation.override("zh-hans"):
        body = client.get(page_url(campaign[0]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "相似" in body and "80%" in body


def test_the_campaign_page_costs_the_same_whatever_its_size(client_for, moderator, campaign):
    client = client_for(moderator)
    url = page_url(campaign[0])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(20):
        CommentFactory(
            consultation=campaign[0].consultation,
            body=TEMPLATE.format(n="三万", extra=f"第{i}条"),
            organisation=f"单位{i}",
        )
    assert Comment.objects.of_campaign(campaign[0]).count() == 23
    assert count() == few


def test_a_moderator_publishes_a_whole_campaign_each_logged_once(client_for, moderator, campaign):
    elsewhere = CommentFactory(
        consultation=ConsultationFactory(status=Consultation.Status.CONSULTATION),
        body=campaign[0].body,
    )
    url = reverse("admin:consult_comment_campaign_moderate", args=[campaign[0].pk, "publish"])
    response = client_for(moderator).post(url)
    assert "3 comments published." in messages_of(response)
    assert {c.status for c in Comment.objects.filter(consultation=campaign[0].consultation)} == {
        "published"
    }
    assert Comment.objects.get(pk=elsewhere.pk).status == "received"
    logged = Transition.objects.filter(action="publish").values_list("object_id", flat=True)
    assert sorted(logged) == sorted(c.pk for c in campaign)


def test_an_editor_may_not_moderate_a_campaign(client_for, editor, campaign):
    url = reverse("admin:consult_comment_campaign_moderate", args=[campaign[0].pk, "publish"])
    response = client_for(editor).post(url)
    assert "consult.moderate_comment" in messages_of(response)[0]
    assert set(Comment.objects.values_list("status", flat=True)) == {"received"}


def test_a_moderator_takes_a_member_out(client_for, moderator, campaign):
    url = reverse("admin:consult_comment_campaign_take_out", args=[campaign[0].pk, campaign[2].pk])
    response = client_for(moderator).post(url)
    assert f"Comment {campaign[2].tracking_number} is no longer part" in messages_of(response)[0]
    assert Comment.objects.of_campaign(campaign[0]).count() == 2
    # Taking the representative out hands the page to the next member.
    url = reverse("admin:consult_comment_campaign_take_out", args=[campaign[0].pk, campaign[0].pk])
    response = client_for(moderator).post(url)
    assert response["Location"] == reverse("admin:consult_comment_campaign", args=[campaign[1].pk])
    assert not Comment.objects.campaigns().exists()
    assert Comment.objects.count() == 3


def test_taking_out_a_comment_of_another_campaign_is_not_found(client_for, moderator, campaign):
    alone = CommentFactory(consultation=campaign[0].consultation, body="Unrelated text here.")
    url = reverse("admin:consult_comment_campaign_take_out", args=[campaign[0].pk, alone.pk])
    assert client_for(moderator).post(url).status_code == 404
    assert not Comment.objects.filter(kept_apart=True).exists()


def test_an_editor_may_not_take_a_member_out(client_for, editor, campaign):
    url = reverse("admin:consult_comment_campaign_take_out", args=[campaign[0].pk, campaign[2].pk])
    response = client_for(editor).post(url)
    assert "consult.moderate_comment" in messages_of(response)[0]
    assert Comment.objects.of_campaign(campaign[0]).count() == 3


def test_the_rebuild_action_queues_the_worker(client_for, moderator, campaign):
    Comment.objects.update(cluster=None)
    consultation = campaign[0].consultation
    response = client_for(moderator).post(
        reverse("admin:consult_consultation_changelist"),
        {"action": "rebuild_campaigns_action", "_selected_action": [consultation.pk]},
    )
    assert "will be recomputed by the worker" in messages_of(response)[0]
    assert not Comment.objects.campaigns().exists()
    run_queued_tasks()
    (row,) = Comment.objects.campaigns()
    assert (row["cluster_id"], row["size"]) == (campaign[0].pk, 3)


def test_an_editor_is_not_offered_the_rebuild_action(client_for, editor, campaign):
    page = client_for(editor).get(reverse("admin:consult_consultation_changelist"))
    assert "rebuild_campaigns_action" not in page.content.decode()
