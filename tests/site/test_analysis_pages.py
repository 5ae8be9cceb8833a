"""The analysis and "you said, we did" on the public report, the occupation page and the
admin: what people see, in both languages, within a fixed query budget."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consult.models import Comment
from consult.workflow.moderation import moderate_comments
from tests.factories import CommentFactory
from tests.site.conftest import said_and_done

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(editor, moderator, publisher, window):
    return said_and_done(editor=editor, moderator=moderator, publisher=publisher, window=window)


def _get(url: str, language: str = "en", client: Client | None = None):
    client = client or Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def _table(html: str, slug: str) -> list[list[str]]:
    table = re.search(rf'<table data-chart-table="{slug}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_public_report_shows_the_charts_with_their_tables(published):
    consultation, _first = published
    html, _queries = _get(f"/consultations/{consultation.slug}/report/")
    assert html.count('role="img"') == 6
    assert html.count("<caption>") >= 6
    assert 'aria-labelledby="chart-senders-title chart-senders-desc"' in html
    assert _table(html, "senders") == [["Individuals", "4", "67%"], ["Organisations", "2", "33%"]]
    assert _table(html, "campaigns")[0][:2] == ["In a campaign", "3"]
    dispositions = dict(row[:2] for row in _table(html, "dispositions"))
    assert dispositions["Adopted"] == "2"
    assert dispositions["Pending"] == "4"


def test_the_report_says_what_changed_and_who_asked(published):
    consultation, first = published
    safety = Comment.objects.get(body="Mention safety.")
    renamed = Comment.objects.get(body="Call it hydrogen technician.")
    html, _queries = _get(f"/consultations/{consultation.slug}/report/")
    block = html[html.index(f'id="changes-{first.pk}"') :]
    block = block[: block.index("</table>")]
    definition_row = block[block.index("Definition") :]
    assert "safely" in definition_row
    assert safety.tracking_number in definition_row.split("</tr>")[0]
    name_row = block[block.index('<th scope="row">Name') :].split("</tr>")[0]
    assert renamed.tracking_number in name_row
    assert "Hydrogen Association" in name_row


def test_the_occupation_page_shows_the_changes_and_links_to_the_report(published):
    consultation, first = published
    safety = Comment.objects.get(body="Mention safety.")
    html, _queries = _get(f"/occupations/{first.occupation_id}/")
    assert safety.tracking_number in html
    assert f'href="/consultations/{consultation.slug}/report/#changes-{first.pk}"' in html


def test_the_report_in_chinese(published):
    consultation, _first = published
    html, _queries = _get(f"/consultations/{consultation.slug}/report/", "zh-hans")
    assert "意见分析" in html
    assert "谁提出了意见" in html
    assert "提出修改的意见" in html


def test_the_report_and_occupation_page_keep_their_query_budget(
    published, window, django_assert_max_num_queries
):
    consultation, first = published
    report, occupation = (
        f"/consultations/{consultation.slug}/report/",
        f"/occupations/{first.occupation_id}/",
    )
    _html, report_budget = _get(report)
    _html, occupation_budget = _get(occupation)
    for n in range(30):
        CommentFactory(
            consultation=consultation,
            occupation=first if n % 2 else None,
            body=f"Late look {n % 4}",
            organisation="Org" if n % 3 else "",
            submitted_at=window[0] + (window[1] - window[0]) * n / 40,
            status="published",
        )
    with django_assert_max_num_queries(report_budget):
        assert Client().get(report).status_code == 200
    with django_assert_max_num_queries(occupation_budget):
        assert Client().get(occupation).status_code == 200


def test_staff_see_the_analysis_in_the_admin_within_a_query_budget(
    published, moderator, window, django_assert_max_num_queries
):
    consultation, _first = published
    client = Client()
    client.force_login(moderator)
    url = f"/admin/consult/consultation/{consultation.pk}/analysis/"
    html, before = _get(url, client=client)
    assert html.count('role="img"') == 6
    assert f"/consultations/{consultation.slug}/report/#analysis" in html
    change, _queries = _get(f"/admin/consult/consultation/{consultation.pk}/change/", client=client)
    assert url in change
    for n in range(25):
        CommentFactory(consultation=consultation, submitted_at=window[0], body=f"More {n}")
    with django_assert_max_num_queries(before):
        assert client.get(url).status_code == 200


def test_staff_see_every_linked_comment_in_the_admin_report(in_review_staff):
    client, consultation = in_review_staff
    hidden = Comment.objects.get(body="Call it hydrogen technician.")
    moderate_comments([hidden], by=User.objects.get(username="moderator"), action="hide")
    url = f"/admin/consult/consultation/{consultation.pk}/report/"
    staff, _queries = _get(url, client=client)
    assert "What changed, and who asked for it" in staff
    assert "Revised text (not yet published)" in staff
    assert hidden.tracking_number in staff
    public, _queries = _get(url + "?public=1", client=client)
    assert hidden.tracking_number not in public
    assert "and 1 comment that is not published" in public


@pytest.fixture
def in_review_staff(editor, moderator, publisher, window):
    consultation, _first = said_and_done(
        editor=editor, moderator=moderator, publisher=publisher, window=window, publish=False
    )
    client = Client()
    client.force_login(moderator)
    return client, consultation
