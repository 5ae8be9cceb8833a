"""The public conveniences: links that preselect a task, the tracking-number lookup, the text
as consulted on a closed consultation, the search in published comments, the accessibility
statement and privacy notice, and HEAD for monitors."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from consult.models import Comment
from consult.workflow.moderation import moderate_comments
from tests.factories import CommentFactory, UserFactory
from tests.site.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def text_of(response) -> str:
    return response.content.decode()


# HEAD --------------------------------------------------------------------------------------------


def test_monitors_get_200_for_head_on_the_public_pages(world):
    client = english()
    for path in ("/", "/consultations/", f"/consultations/{world.open.slug}/", "/occupations/"):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""


# Comment on this task ----------------------------------------------------------------------------


def test_each_task_has_a_link_that_preselects_occupation_part_and_number(world):
    draft = world.open.drafts.get(position=1)
    html = text_of(english().get(f"/consultations/{world.open.slug}/"))
    link = f"?occupation={draft.pk}&amp;field=task&amp;task_number=2#comment"
    assert f'href="{link}"' in html
    assert f'href="?occupation={draft.pk}&amp;field=definition#comment"' in html

    html = text_of(english().get(f"/consultations/{world.open.slug}/{link.replace('&amp;', '&')}"))
    assert re.search(rf'<option value="{draft.pk}" selected>', html)
    assert re.search(r'<option value="task" selected>', html)
    assert re.search(r'name="task_number" value="2"', html)


@pytest.mark.parametrize(
    "query",
    [
        "occupation=999999&field=task&task_number=1",
        "occupation={pk}&field=salary&task_number=1",
        "occupation={pk}&field=task&task_number=4",
        "occupation={pk}&field=task&task_number=-1",
        "occupation={pk}&field=task&task_number=two",
    ],
)
def test_a_preselection_that_does_not_fit_is_left_out_quietly(world, query):
    draft = world.open.drafts.get(position=1)
    response = english().get(f"/consultations/{world.open.slug}/?{query.format(pk=draft.pk)}")
    assert response.status_code == 200
    html = text_of(response)
    assert 'name="task_number" value=' not in html
    assert "error-summary" not in html


def test_no_comment_links_on_a_closed_consultation(world):
    html = text_of(english().get(f"/consultations/{world.closed.slug}/"))
    assert "field=task" not in html and "Comment on" not in html


# Tracking-number lookup --------------------------------------------------------------------------


def test_the_home_page_has_a_tracking_number_box(world):
    html = text_of(english().get("/"))
    assert 'action="/comments/"' in html and 'name="number"' in html


def test_a_known_number_leads_to_its_receipt(world):
    number = world.comment.tracking_number
    response = english().get("/comments/", {"number": number})
    assert response.status_code == 302 and response["Location"] == f"/comments/{number}/"
    loose = number.lower().replace("-", " ").replace("0", "o")
    response = english().get("/comments/", {"number": loose})
    assert response["Location"] == f"/comments/{number}/"


def test_an_unknown_number_gets_a_clear_message_and_the_box_again(world):
    response = english().get("/comments/", {"number": "7KQ4-M2XD-93TR"})
    assert response.status_code == 404
    html = text_of(response)
    assert "No comment has the tracking number 7KQ4-M2XD-93TR" in html
    assert 'value="7KQ4-M2XD-93TR"' in html and 'aria-invalid="true"' in html
    assert "Page not found" not in html
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("typed", ["12", "7KQ4-M2XD-93TU", "<script>x</script>", "x" * 500])
def test_a_malformed_number_is_refused_naming_the_field(world, typed):
    response = english().get("/comments/", {"number": typed})
    assert response.status_code == 400
    html = text_of(response)
    assert "Tracking number: A tracking number has 12 letters and digits" in html
    assert "<script>x" not in html


def test_the_empty_lookup_page_only_asks(world):
    response = english().get("/comments/")
    assert response.status_code == 200
    assert "Find your comment" in text_of(response)


def test_the_lookup_shows_nothing_of_a_comment_itself(world):
    """Only a redirect for a known number: the receipt is the one page that shows a comment."""
    response = english().get("/comments/", {"number": world.comment.tracking_number})
    assert response.content == b""


# The text as consulted ---------------------------------------------------------------------------


def test_a_closed_consultation_shows_the_consulted_text_with_revisions_marked(world):
    html = text_of(english().get(f"/consultations/{world.closed.slug}/"))
    assert "Each occupation is shown as the public read it" in html
    # As consulted: the old second task in the list; revised: the change marked.
    assert "<li>编制报告。</li>" in html
    assert "Revised after the consultation" in html
    assert "<ins>4-99-00-01</ins>" in html
    assert "<ins>按月</ins>" in html and "<ins>排放</ins>" in html
    # The withdrawn draft says so, with its public explanation.
    assert 'class="status status-withdrawn">withdrawn<' in html
    assert "已并入现有职业。" in html


def test_an_open_consultation_shows_the_current_text_without_revision_tables(world):
    html = text_of(english().get(f"/consultations/{world.open.slug}/"))
    assert "Revised after the consultation" not in html


# Search in published comments --------------------------------------------------------------------


def test_the_search_finds_published_comments_only(world):
    moderator = UserFactory(username="search-moderator", roles=["Moderators"])
    CommentFactory(consultation=world.closed, body="报告 未发表")
    private = CommentFactory(
        consultation=world.closed, body="报告 不同意公开", consent_to_publish=False
    )
    moderate_comments([private], by=moderator, action="publish")
    url = f"/consultations/{world.closed.slug}/comments/"
    html = text_of(english().get(url, {"q": "报告"}))
    assert "建议在任务 2 中写明报告的频率。" in html
    assert "1 published comment found." in html
    assert "未发表" not in html and "不同意公开" not in html


def test_the_search_filters_by_occupation_and_response(world):
    url = f"/consultations/{world.closed.slug}/comments/"
    kept = world.closed.drafts.get(position=1)
    assert "1 published comment found." in text_of(english().get(url, {"occupation": kept.pk}))
    assert "1 published comment found." in text_of(english().get(url, {"occupation": "list"}))
    assert "1 published comment found." in text_of(english().get(url, {"disposition": "adopted"}))
    assert "0 published comments found." in text_of(
        english().get(url, {"disposition": "not_adopted"})
    )
    # the reply is searched too
    assert "1 published comment found." in text_of(english().get(url, {"q": "按月报告"}))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"occupation": "999999"}, "Occupation"),
        ({"disposition": "maybe"}, "Response"),
        ({"q": "x" * 201}, "Words in the comment or reply"),
    ],
)
def test_a_bad_filter_is_named_and_left_out(world, query, field):
    response = english().get(f"/consultations/{world.closed.slug}/comments/", query)
    assert response.status_code == 200
    html = text_of(response)
    assert "Some filters were not understood and were left out" in html
    assert f"{field}: " in html
    assert "2 published comments found." in html


def test_the_search_of_an_unknown_or_drafting_consultation_is_not_found(world, db):
    assert english().get("/consultations/nope/comments/").status_code == 404


def test_the_search_pages_its_results_with_a_flat_query_count(world, django_assert_max_num_queries):
    moderator = UserFactory(username="search-moderator", roles=["Moderators"])

    def add(n: int) -> None:
        new = [CommentFactory(consultation=world.open, body=f"意见 {i} 关于报告") for i in range(n)]
        moderate_comments(new, by=moderator, action="publish")

    url = f"/consultations/{world.open.slug}/comments/"
    add(3)
    with django_assert_max_num_queries(8) as few:
        english().get(url, {"q": "报告"})
    add(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = english().get(url, {"q": "报告", "page": "2"})
    html = text_of(response)
    assert "63 published comments found." in html and "Page 2 of 4" in html
    assert 'href="?q=%E6%8A%A5%E5%91%8A&amp;page=3"' in html
    assert Comment.objects.published().filter(consultation=world.open).count() == 63


# Accessibility statement and privacy notice ------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_links_to_the_accessibility_statement_and_privacy_notice(world, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for path in (
        "/",
        f"/consultations/{world.closed.slug}/report/",
        "/comments/?number=0000",
        "/no-such-page/",
    ):
        html = text_of(client.get(path))
        assert 'href="/accessibility/"' in html and 'href="/privacy/"' in html, path


def test_the_privacy_notice_says_what_is_kept_and_whom_to_write_to(world, settings):
    settings.PUBLIC_CONTACT_EMAIL = "privacy@ministry.example"
    html = text_of(english().get("/privacy/"))
    assert "never published" in html
    assert "salted code computed from your internet address" in html
    assert "How long it is kept" in html and "Your rights" in html
    assert 'href="mailto:privacy@ministry.example"' in html


def test_the_accessibility_statement_names_its_standard_and_contact(world, settings):
    settings.PUBLIC_CONTACT_EMAIL = "access@ministry.example"
    html = text_of(english().get("/accessibility/"))
    assert "WCAG" in html and "GB/T 37668" in html
    assert 'href="mailto:access@ministry.example"' in html


def test_both_pages_are_in_chinese(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "无障碍" in text_of(client.get("/accessibility/"))
    assert "个人信息" in text_of(client.get("/privacy/"))
