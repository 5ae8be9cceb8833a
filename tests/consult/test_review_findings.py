"""Behaviours found missing by review: the list as the public saw it, the last second of a
window, no files left behind by a refused comment."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from consult import workflow
from consult.models import Attachment, Comment, Consultation, DraftOccupation
from consult.reports import build_response_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened_with_a_withdrawn_draft(drafting, editor, publisher, window):
    """Two drafts; the second withdrawn while drafting, with an internal reason, then opened."""
    internal = drafting.drafts.get(position=2)
    workflow.withdraw_draft(internal, by=editor, reason="Internal legal concern SECRETREASON")
    workflow.open_consultation(drafting, by=publisher, now=window[0] - dt.timedelta(days=1))
    drafting.refresh_from_db()
    return drafting, internal


def test_a_draft_withdrawn_before_opening_is_never_public(opened_with_a_withdrawn_draft, window):
    consultation, internal = opened_with_a_withdrawn_draft
    assert list(consultation.drafts.public()) == [consultation.drafts.get(position=1)]

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "Hydrogen producer" in page
    assert internal.name not in page
    assert "SECRETREASON" not in page

    api = client.get(f"/api/v1/consultations/{consultation.slug}/").json()
    assert [o["name"] for o in api["occupations"]] == ["Hydrogen producer"]
    refused = client.get(
        f"/api/v1/consultations/{consultation.slug}/comments/", {"occupation": internal.pk}
    )
    assert refused.status_code == 400
    assert "occupation" in refused.json()

    report = build_response_report(consultation, public=True)
    assert internal.name not in str(report)


def test_a_draft_withdrawn_during_review_stays_on_the_public_list(drafting, editor, publisher):
    """The public commented on it; the page says it was withdrawn and why."""
    workflow.open_consultation(drafting, by=publisher, now=drafting.opens_at - dt.timedelta(days=1))
    workflow.begin_review(drafting, by=publisher, now=drafting.closes_at + dt.timedelta(1))
    second = drafting.drafts.get(position=2)
    workflow.withdraw_draft(second, by=editor, reason="Merged into the first.")
    assert second.pk in set(drafting.drafts.public().values_list("pk", flat=True))
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(drafting.get_absolute_url()).content.decode()
    assert "Low-altitude pilot" in page
    assert "Merged into the first." in page


def test_the_last_second_of_the_window_counts_whole(drafting, window):
    """ "Through 23:59:59": a comment at 23:59:59.4 is in time, one at the next second is not."""
    Consultation.objects.filter(pk=drafting.pk).update(status="consultation")
    drafting.refresh_from_db()
    late_in_the_second = window[1] + dt.timedelta(milliseconds=400)
    assert drafting.is_open_for_comments(late_in_the_second)
    assert drafting in Consultation.objects.open(late_in_the_second)
    assert not drafting.is_open_for_comments(window[1] + dt.timedelta(seconds=1))
    assert drafting in Consultation.objects.closed(window[1] + dt.timedelta(seconds=1))
    comment = workflow.submit_comment(drafting, now=late_in_the_second, body="Just in time.")
    assert comment.submitted_at == late_in_the_second


def test_a_comment_that_fails_half_way_leaves_no_file_behind(
    drafting, window, settings, monkeypatch
):
    Consultation.objects.filter(pk=drafting.pk).update(status="consultation")
    drafting.refresh_from_db()
    saved = []
    real_save = Attachment.save

    def fail_on_second(self, *args, **kwargs):
        saved.append(self.file.name)
        if len(saved) == 2:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", fail_on_second)
    uploads = [
        workflow.UploadedAttachment(
            name=f"note{i}.txt",
            content_type=Attachment.Kind.TXT,
            file=ContentFile(b"Evidence for the comment.\n"),
            size=26,
        )
        for i in (1, 2)
    ]
    with pytest.raises(RuntimeError):
        workflow.submit_comment(drafting, now=window[0], body="With files.", attachments=uploads)

    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    leftover = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert leftover == []
    assert len(saved) == 2
    assert not DraftOccupation.objects.filter(status="withdrawn").exists()


def test_a_window_opening_mid_second_is_open_for_that_whole_second(drafting):
    opens = dt.datetime(2026, 6, 17, 10, 0, 0, 300_000, tzinfo=dt.UTC)
    Consultation.objects.filter(pk=drafting.pk).update(status="consultation", opens_at=opens)
    drafting.refresh_from_db()
    early_in_the_second = opens.replace(microsecond=100_000)
    assert drafting.is_open_for_comments(early_in_the_second)
    assert drafting in Consultation.objects.open(early_in_the_second)
    before = opens - dt.timedelta(seconds=1)
    assert not drafting.is_open_for_comments(before)
    assert drafting in Consultation.objects.scheduled(before)
    assert drafting not in Consultation.objects.scheduled(early_in_the_second)
