"""Staff link an adopted comment to the draft revision that answers it on the comment's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consult.models import Comment
from occupations.models import Transition
from tests.site.conftest import said_and_done

pytestmark = pytest.mark.django_db

INLINE = {
    "attachments-TOTAL_FORMS": "0",
    "attachments-INITIAL_FORMS": "0",
    "attachments-MIN_NUM_FORMS": "0",
    "attachments-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def in_review(editor, moderator, publisher, window):
    return said_and_done(
        editor=editor, moderator=moderator, publisher=publisher, window=window, publish=False
    )


def _latest_revision(draft) -> int:
    return draft.history.latest("history_date", "history_id").history_id


def test_the_comment_page_links_an_adopted_comment_to_its_revision(
    client_for, moderator, in_review
):
    _consultation, first = in_review
    comment = Comment.objects.get(body="Task one is vague.")
    url = reverse("admin:consult_comment_change", args=[comment.pk])
    client = client_for(moderator)
    page = client.get(url).content.decode()
    revision = _latest_revision(first)
    assert f'<option value="{revision}">#{revision} · Hydrogen technician' in page
    response = client.post(
        url,
        {"disposition": "partly_adopted", "reply": "Clarified.", "answering_revision": revision}
        | INLINE,
    )
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).answering_revision_id == revision
    assert (
        Transition.objects.filter(action="link_answering_revision", object_id=comment.pk).count()
        == 1
    )


def test_a_revision_of_another_draft_is_refused_on_its_field(client_for, moderator, in_review):
    consultation, _first = in_review
    comment = Comment.objects.get(body="Task one is vague.")
    second = consultation.drafts.get(position=2)
    url = reverse("admin:consult_comment_change", args=[comment.pk])
    response = client_for(moderator).post(
        url,
        {"disposition": "adopted", "reply": "", "answering_revision": _latest_revision(second)}
        | INLINE,
    )
    assert response.status_code == 200
    html = response.content.decode()
    field_row = html[html.index("field-answering_revision") :][:1500]
    assert "Select a valid choice" in field_row
    assert Comment.objects.get(pk=comment.pk).disposition == "pending"


def test_a_comment_not_adopted_is_refused_naming_the_disposition(client_for, moderator, in_review):
    _consultation, first = in_review
    comment = Comment.objects.get(body="Task one is vague.")
    url = reverse("admin:consult_comment_change", args=[comment.pk])
    response = client_for(moderator).post(
        url,
        {"disposition": "noted", "reply": "", "answering_revision": _latest_revision(first)}
        | INLINE,
    )
    assert response.status_code == 200
    html = response.content.decode()
    field_row = html[html.index("field-disposition") :][:1500]
    assert "only an adopted or partly adopted comment can be linked" in field_row
    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.disposition, stored.answering_revision) == ("pending", None)


def test_a_new_disposition_drops_a_link_it_no_longer_allows(client_for, moderator, in_review):
    """Changing an adopted comment to "noted" on its page unlinks it rather than refusing."""
    comment = Comment.objects.get(body="Mention safety.")
    assert comment.answering_revision_id is not None
    url = reverse("admin:consult_comment_change", args=[comment.pk])
    response = client_for(moderator).post(
        url,
        {"disposition": "noted", "reply": "", "answering_revision": comment.answering_revision_id}
        | INLINE,
    )
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).answering_revision is None
