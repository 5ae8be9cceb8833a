"""The moderation queue: bulk actions per role, dispositions, campaigns, attachments."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from consult.models import Attachment, Comment, Consultation
from consult.workflow.moderation import moderate_comments
from occupations.models import Transition
from tests.admin.conftest import messages_of
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:consult_comment_changelist"


@pytest.fixture
def consultation():
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    DraftOccupationFactory(consultation=consultation, name="Hydrogen producer")
    return consultation


@pytest.fixture
def comments(consultation):
    return [
        CommentFactory(consultation=consultation, body="Fine as it is."),
        CommentFactory(consultation=consultation, body="No consent.", consent_to_publish=False),
    ]


INLINE = {
    "attachments-TOTAL_FORMS": "0",
    "attachments-INITIAL_FORMS": "0",
    "attachments-MIN_NUM_FORMS": "0",
    "attachments-MAX_NUM_FORMS": "1000",
}


def act(client, action, comments, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [c.pk for c in comments], **extra},
    )


def mark_spam(comment, by):
    moderate_comments([comment], by=by, action="mark_spam")


def statuses(comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


def test_a_moderator_publishes_and_sees_what_was_refused(client_for, moderator, comments):
    response = act(client_for(moderator), "publish_action", comments)
    shown = messages_of(response)
    assert "1 comment published." in shown
    assert any("1 comment kept private" in m and "did not consent" in m for m in shown)
    assert statuses(comments) == ["published", "hidden"]
    assert Transition.objects.filter(action="publish").count() == 1


@pytest.mark.parametrize(
    ("action", "status"), [("hide_action", "hidden"), ("mark_spam_action", "spam")]
)
def test_a_moderator_hides_or_marks_spam(client_for, moderator, comments, action, status):
    response = act(client_for(moderator), action, comments)
    assert response.status_code == 302
    assert statuses(comments) == [status, status]


@pytest.mark.parametrize("role", ["editor", "publisher"])
def test_other_roles_cannot_moderate(client_for, comments, role, request):
    client = client_for(request.getfixturevalue(role))
    changelist = client.get(reverse(CHANGELIST)).content.decode()
    assert "publish_action" not in changelist
    response = act(client, "publish_action", comments)
    assert "does not allow the action “publish_action”" in messages_of(response)[0]
    assert statuses(comments) == ["received", "received"]


def test_the_moderation_buttons_on_one_comment(client_for, moderator, comments):
    client = client_for(moderator)
    url = reverse("admin:consult_comment_moderate", args=[comments[0].pk, "hide"])
    assert (
        url
        in client.get(
            reverse("admin:consult_comment_change", args=[comments[0].pk])
        ).content.decode()
    )
    response = client.post(url)
    assert response.status_code == 302
    assert statuses(comments[:1]) == ["hidden"]
    assert client.get(url).status_code == 302  # GET changes nothing
    assert statuses(comments[:1]) == ["hidden"]


def test_a_bulk_disposition_goes_through_an_intermediate_page(client_for, moderator, comments):
    client = client_for(moderator)
    page = act(client, "disposition_action", comments)
    assert page.status_code == 200
    assert "Fine as it is." in page.content.decode()
    response = act(
        client,
        "disposition_action",
        comments,
        apply="1",
        disposition="partly_adopted",
        reply="Task 2 was reworded.",
    )
    assert "2 comments given a disposition." in messages_of(response)
    assert {(c.disposition, c.reply) for c in Comment.objects.all()} == {
        ("partly_adopted", "Task 2 was reworded.")
    }


def test_spam_gets_no_disposition_and_is_reported(client_for, moderator, comments):
    mark_spam(comments[1], moderator)
    response = act(
        client_for(moderator),
        "disposition_action",
        comments,
        apply="1",
        disposition="noted",
        reply="",
    )
    shown = " ".join(messages_of(response))
    assert "1 comment given a disposition." in shown
    assert "spam gets no disposition" in shown
    assert Comment.objects.get(pk=comments[1].pk).disposition == "pending"


def test_an_editor_cannot_set_dispositions(client_for, editor, comments):
    act(client_for(editor), "disposition_action", comments, apply="1", disposition="noted")
    assert set(Comment.objects.values_list("disposition", flat=True)) == {"pending"}


def test_the_change_form_records_a_disposition_through_the_workflow(
    client_for, moderator, comments
):
    url = reverse("admin:consult_comment_change", args=[comments[0].pk])
    client = client_for(moderator)
    body = client.get(url).content.decode()
    assert 'name="status"' not in body and 'name="body"' not in body
    response = client.post(url, {"disposition": "adopted", "reply": "Adopted in full.", **INLINE})
    assert response.status_code == 302
    comment = Comment.objects.get(pk=comments[0].pk)
    assert (comment.disposition, comment.reply) == ("adopted", "Adopted in full.")
    assert comment.replied_at is not None
    assert Transition.objects.filter(action="set_disposition").count() == 1


def test_the_change_form_refuses_a_disposition_for_spam(client_for, moderator, comments):
    mark_spam(comments[0], moderator)
    url = reverse("admin:consult_comment_change", args=[comments[0].pk])
    response = client_for(moderator).post(url, {"disposition": "adopted", "reply": "", **INLINE})
    assert response.status_code == 200
    assert "spam gets no disposition" in response.content.decode()
    assert Comment.objects.get(pk=comments[0].pk).disposition == "pending"


# Campaigns ----------------------------------------------------------------------------------


@pytest.fixture
def campaign(consultation):
    texts = ["Keep the old name!", "keep the OLD name", "Keep the old name."]
    return [CommentFactory(consultation=consultation, body=t) for t in texts]


def campaign_disposition_url(member: Comment) -> str:
    """The disposition page of ``member``'s campaign, named by its representative."""
    member.refresh_from_db(fields=["cluster"])
    return reverse("admin:consult_comment_campaign_disposition", args=[member.cluster_id])


def test_a_campaign_is_one_row_with_its_size(client_for, moderator, campaign, comments):
    response = client_for(moderator).get(reverse("admin:consult_comment_campaigns"))
    body = response.content.decode()
    assert body.count('class="campaign"') == 1
    assert '<td class="size">3</td>' in body
    member = campaign[0]
    page = client_for(moderator).get(reverse("admin:consult_comment_campaign", args=[member.pk]))
    assert page.content.decode().count('class="campaign-member"') == 3


@pytest.fixture
def same_text_elsewhere(campaign):
    """The campaign's text sent to a second consultation too, twice."""
    other = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    return [CommentFactory(consultation=other, body="KEEP the old name") for _ in range(2)]


def test_the_same_text_in_two_consultations_is_two_campaigns(
    client_for, moderator, campaign, same_text_elsewhere
):
    body = client_for(moderator).get(reverse("admin:consult_comment_campaigns")).content.decode()
    assert body.count('class="campaign"') == 2
    assert '<td class="size">3</td>' in body and '<td class="size">2</td>' in body
    for member in (campaign[0], same_text_elsewhere[0]):
        assert campaign_disposition_url(member) in body
    sizes = {(row["consultation_id"], row["size"]) for row in Comment.objects.campaigns()}
    assert sizes == {
        (campaign[0].consultation_id, 3),
        (same_text_elsewhere[0].consultation_id, 2),
    }


def test_a_campaign_disposition_changes_only_its_consultations_comments(
    client_for, moderator, campaign, same_text_elsewhere
):
    response = client_for(moderator).post(
        campaign_disposition_url(same_text_elsewhere[0]),
        {"disposition": "noted", "reply": "Noted."},
    )
    assert "2 comments given a disposition." in messages_of(response)
    assert response["Location"] == reverse(
        "admin:consult_comment_campaign", args=[same_text_elsewhere[0].pk]
    )
    noted = Comment.objects.filter(disposition="noted")
    assert set(noted) == set(same_text_elsewhere)
    assert {c.disposition for c in Comment.objects.filter(pk__in=[c.pk for c in campaign])} == {
        "pending"
    }
    logged = Transition.objects.filter(action="set_disposition")
    # Each comment of the campaign written to the log once, no other.
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        c.pk for c in same_text_elsewhere
    )


def test_a_campaign_disposition_of_an_unknown_campaign_is_not_found(
    client_for, moderator, campaign, same_text_elsewhere
):
    """Only a campaign's representative names it: a member or an unknown key is none."""
    member = campaign[0]
    for key in (campaign[1].pk, 999_999):
        url = reverse("admin:consult_comment_campaign_disposition", args=[key])
        assert client_for(moderator).get(url).status_code == 404
    assert client_for(moderator).get(campaign_disposition_url(member)).status_code == 200


def test_a_disposition_for_a_whole_campaign(client_for, moderator, campaign, comments):
    mark_spam(campaign[2], moderator)
    url = campaign_disposition_url(campaign[0])
    client = client_for(moderator)
    assert "Keep the old name!" in client.get(url).content.decode()
    response = client.post(url, {"disposition": "not_adopted", "reply": "The name stays."})
    assert "2 comments given a disposition." in messages_of(response)
    dispositions = [Comment.objects.get(pk=c.pk).disposition for c in campaign]
    assert dispositions == ["not_adopted", "not_adopted", "pending"]
    assert Comment.objects.get(pk=comments[0].pk).disposition == "pending"


def test_an_editor_may_not_set_a_campaign_disposition(client_for, editor, campaign):
    url = campaign_disposition_url(campaign[0])
    response = client_for(editor).post(url, {"disposition": "noted", "reply": ""})
    assert "consult.set_disposition" in messages_of(response)[0]
    assert set(Comment.objects.values_list("disposition", flat=True)) == {"pending"}


def test_the_changelist_filters_campaigns(client_for, moderator, campaign, comments):
    client = client_for(moderator)
    in_campaign = client.get(reverse(CHANGELIST) + "?campaign=yes").content.decode()
    single = client.get(reverse(CHANGELIST) + "?campaign=no").content.decode()
    assert in_campaign.count('class="action-checkbox"') == 3
    assert single.count('class="action-checkbox"') == 2


def test_search_finds_text(client_for, moderator, campaign, comments):
    body = client_for(moderator).get(reverse(CHANGELIST) + "?q=consent").content.decode()
    assert body.count('class="action-checkbox"') == 1


# Attachments --------------------------------------------------------------------------------


@pytest.fixture
def attachment(comments):
    item = Attachment(
        comment=comments[0], original_name="evidence.txt", content_type="text/plain", size=11
    )
    item.file.save("evidence.txt", ContentFile(b"hello staff"), save=False)
    item.save()
    return item


@pytest.mark.parametrize("role", ["moderator", "editor", "publisher"])
def test_staff_download_attachments(client_for, attachment, role, request):
    url = reverse("admin:consult_attachment_download", args=[attachment.pk])
    response = client_for(request.getfixturevalue(role)).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello staff"
    assert 'filename="evidence.txt"' in response["Content-Disposition"]


def test_attachments_are_refused_without_the_permission(client_for, outsider, client, attachment):
    url = reverse("admin:consult_attachment_download", args=[attachment.pk])
    assert client_for(outsider).get(url).status_code == 403
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert client.get("/media/" + attachment.file.name).status_code == 404


def test_the_comment_page_links_the_download(client_for, moderator, attachment):
    url = reverse("admin:consult_comment_change", args=[attachment.comment_id])
    body = client_for(moderator).get(url).content.decode()
    assert reverse("admin:consult_attachment_download", args=[attachment.pk]) in body
    assert "/media/" not in body


def test_comments_cannot_be_added_or_deleted(client_for, superuser, comments):
    client = client_for(superuser)
    assert client.get(reverse("admin:consult_comment_add")).status_code == 403
    url = reverse("admin:consult_comment_delete", args=[comments[0].pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Comment.objects.count() == 2
