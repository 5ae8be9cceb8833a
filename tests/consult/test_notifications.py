"""Notifications go through the outbox, to the role that must act or the commenter who asked,
in the recipient's language, each with an unsubscribe link that works without signing in."""

import datetime as dt
import re

import pytest
from django.test import Client

from consult.delivery import notifications
from consult.models import Comment, OutgoingMail, StaffMailSettings
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.drafts import DraftDecision, decide_drafts, revise_draft, withdraw_draft
from consult.workflow.moderation import set_disposition
from consult.workflow.publication import publish_consultation
from tests.factories import SHANGHAI, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

K = OutgoingMail.Kind
BEFORE = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
DURING = dt.datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)
AFTER = dt.datetime(2026, 7, 18, 0, 0, 0, tzinfo=SHANGHAI)
LINK = re.compile(r"http://testserver(/notifications/unsubscribe/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def staff(editor, moderator, publisher):
    """One member of each role reads Chinese (the default); a second publisher reads English."""
    english = UserFactory(username="publisher-en", roles=["Publishers"])
    StaffMailSettings.objects.create(user=english, language="en")
    return {"editor": editor, "moderator": moderator, "publisher": publisher, "english": english}


def mails(kind):
    return list(OutgoingMail.objects.filter(kind=kind).order_by("recipient"))


def opened(drafting, superuser):
    open_consultation(drafting, by=superuser, now=BEFORE)
    drafting.refresh_from_db()
    return drafting


def test_when_the_review_begins_publishers_and_editors_are_told_in_their_language(
    drafting, superuser, staff
):
    consultation = opened(drafting, superuser)
    CommentFactory(consultation=consultation)
    begin_review(consultation, by=None, now=AFTER)

    closed = mails(K.WINDOW_CLOSED)
    assert [(m.recipient, m.language) for m in closed] == [
        ("publisher-en@example.org", "en"),
        ("publisher@example.org", "zh-hans"),
    ]
    english, chinese = closed
    assert english.subject == f"Comments closed: “{consultation.title}” is in review"
    assert "1 comment still awaits moderation." in english.body
    assert "评论" in chinese.subject or "审" in chinese.subject
    blocked = mails(K.PUBLICATION_BLOCKED)
    assert [m.recipient for m in blocked] == ["editor@example.org"]
    assert "Hydrogen producer" in blocked[0].body
    assert "/decide/" in blocked[0].body
    assert not OutgoingMail.objects.filter(recipient="moderator@example.org").exists()
    assert all(LINK.search(m.body) for m in [*closed, *blocked])


def test_publishers_are_told_once_when_every_draft_is_decided(drafting, superuser, staff):
    consultation = opened(drafting, superuser)
    begin_review(consultation, by=superuser, now=AFTER)
    first, second = consultation.drafts.in_order()
    editor = staff["editor"]
    decide_drafts(
        consultation,
        by=editor,
        decisions=[DraftDecision(draft=first, decision="accept", code="4-08-09-12")],
    )
    assert mails(K.READY_TO_PUBLISH) == []
    withdraw_draft(second, by=editor, reason="Merged.")
    ready = mails(K.READY_TO_PUBLISH)
    assert [(m.recipient, m.language) for m in ready] == [
        ("publisher-en@example.org", "en"),
        ("publisher@example.org", "zh-hans"),
    ]
    assert "/publish/" in ready[0].body
    revise_draft(first, by=editor, changes={"definition": "Reworded."})
    assert len(mails(K.READY_TO_PUBLISH)) == 2


def test_a_commenter_who_asked_is_told_of_a_reply_in_their_language(moderator):
    asked = CommentFactory(email="a@example.org", notify_replies=True, language="en")
    silent = CommentFactory(email="b@example.org", notify_replies=False, language="en")
    set_disposition(
        [asked, silent], by=moderator, disposition="noted", reply="Thank you.", now=AFTER
    )
    (mail,) = mails(K.REPLY)
    assert (mail.recipient, mail.language) == ("a@example.org", "en")
    assert "Thank you." in mail.body and asked.tracking_number in mail.body
    # The same reply again (a disposition changed only): no second mail.
    set_disposition([asked], by=moderator, disposition="adopted", reply="Thank you.", now=AFTER)
    assert len(mails(K.REPLY)) == 1


def test_commenters_who_asked_are_told_when_the_report_is_final(drafting, superuser, staff):
    consultation = opened(drafting, superuser)
    asked = CommentFactory(
        consultation=consultation, email="a@example.org", notify_replies=True, language="zh-hans"
    )
    CommentFactory(consultation=consultation, email="b@example.org")
    begin_review(consultation, by=superuser, now=AFTER)
    first, second = consultation.drafts.in_order()
    decide_drafts(
        consultation,
        by=staff["editor"],
        decisions=[
            DraftDecision(draft=first, decision="accept", code="4-08-09-12"),
            DraftDecision(draft=second, decision="withdraw", reason="Merged."),
        ],
    )
    publish_consultation(
        consultation,
        by=staff["publisher"],
        now=AFTER,
        slug="new-2026",
        title="New",
        announced_on=AFTER.date(),
    )
    (mail,) = mails(K.REPORT_PUBLISHED)
    assert (mail.recipient, mail.language) == ("a@example.org", "zh-hans")
    assert f"/consultations/{consultation.slug}/report/" in mail.body
    assert asked.tracking_number in mail.body


def test_moderators_get_a_daily_digest_per_open_consultation(drafting, superuser, staff):
    consultation = opened(drafting, superuser)
    CommentFactory(consultation=consultation, submitted_at=DURING - dt.timedelta(hours=2))
    CommentFactory(consultation=consultation, submitted_at=DURING - dt.timedelta(hours=3))
    CommentFactory(consultation=consultation, submitted_at=DURING - dt.timedelta(days=3))
    assert notifications.moderation_digest(now=DURING) == 1
    (mail,) = mails(K.MODERATION_DIGEST)
    assert mail.recipient == "moderator@example.org" and mail.language == "zh-hans"
    assert consultation.title in mail.body
    assert "2" in mail.body and "3" in mail.body  # 2 new, 3 awaiting moderation
    # Run twice the same day (a second worker): no second digest.
    notifications.moderation_digest(now=DURING + dt.timedelta(minutes=1))
    assert len(mails(K.MODERATION_DIGEST)) == 1


def test_no_digest_without_new_comments(drafting, superuser, staff):
    opened(drafting, superuser)
    assert notifications.moderation_digest(now=DURING) == 0
    assert not OutgoingMail.objects.exists()


def test_the_unsubscribe_link_works_without_signing_in(drafting, superuser, staff):
    consultation = opened(drafting, superuser)
    CommentFactory(consultation=consultation, submitted_at=DURING - dt.timedelta(hours=1))
    notifications.moderation_digest(now=DURING)
    (mail,) = mails(K.MODERATION_DIGEST)
    path = LINK.search(mail.body).group(1)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(path)
    assert page.status_code == 200 and "Stop these e-mails" in page.content.decode()
    assert StaffMailSettings.objects.filter(user=staff["moderator"]).count() == 0  # GET: nothing
    done = client.post(path)
    assert "you will not receive these e-mails any more" in done.content.decode()
    assert client.post(path).status_code == 200  # twice: still fine
    CommentFactory(consultation=consultation, submitted_at=DURING + dt.timedelta(hours=23))
    assert notifications.moderation_digest(now=DURING + dt.timedelta(days=1)) == 0


def test_a_commenter_unsubscribes_from_replies(moderator):
    comment = CommentFactory(email="a@example.org", notify_replies=True, language="en")
    set_disposition([comment], by=moderator, disposition="noted", reply="One.", now=AFTER)
    path = LINK.search(mails(K.REPLY)[0].body).group(1)
    Client().post(path)
    assert not Comment.objects.get(pk=comment.pk).notify_replies
    set_disposition([comment], by=moderator, disposition="noted", reply="Two.", now=AFTER)
    assert len(mails(K.REPLY)) == 1


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ:1abc:forged"])
def test_a_bad_unsubscribe_link_is_a_clear_404(token):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_links_in_mail_already_sent_keep_working():
    """Every unsubscribe link ever sent carries a token signed with this salt: a link signed
    before any change to the code still unsubscribes."""
    from django.core import signing

    comment = CommentFactory(email="a@example.org", notify_replies=True, language="en")
    sent_earlier = signing.dumps(
        {"c": comment.pk}, salt="consult.notifications.unsubscribe", compress=True
    )
    assert notifications.comment_token(comment.pk) == sent_earlier
    response = Client().post(f"/notifications/unsubscribe/{sent_earlier}/")
    assert response.status_code == 200
    assert not Comment.objects.get(pk=comment.pk).notify_replies
