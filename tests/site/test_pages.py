"""What the public pages show, and what they never show."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from consult.models import Comment, Consultation
from consult.workflow.consultations import begin_review, extend_window
from consult.workflow.drafts import accept_draft, revise_draft
from consult.workflow.publication import publish_consultation
from occupations.workflow import attach_skill_standard
from tests.factories import (
    BatchFactory,
    CommentFactory,
    ConsultationFactory,
    GroupFactory,
    OccupationFactory,
)
from tests.site.conftest import make_draft

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def text_of(response) -> str:
    return response.content.decode()


# Home and the list of consultations ---------------------------------------------------------


def test_home_shows_open_consultations_with_time_left_and_latest_batches(client, consultation):
    BatchFactory(
        title="Fourth batch", announced_on=dt.date(2021, 3, 1), announced_precision="month"
    )
    with time_machine.travel(consultation.closes_at - dt.timedelta(days=3, hours=2), tick=False):
        html = text_of(client.get("/"))
    assert consultation.title in html
    assert "3 days and 2 hours" in html
    assert "Fourth batch" in html
    assert "March 2021" in html
    assert "1 March 2021" not in html and "March 1, 2021" not in html


def test_the_list_of_consultations_separates_scheduled_open_and_closed(client, window):
    ConsultationFactory(
        title="Open one", status="consultation", opens_at=window[0], closes_at=window[1]
    )
    ConsultationFactory(
        title="Later one",
        status="consultation",
        opens_at=window[1] + dt.timedelta(days=10),
        closes_at=window[1] + dt.timedelta(days=40),
    )
    ConsultationFactory(
        title="Past one",
        status="review",
        opens_at=window[0] - dt.timedelta(days=400),
        closes_at=window[0] - dt.timedelta(days=370),
    )
    ConsultationFactory(title="Secret drafting one")
    with time_machine.travel(window[0] + dt.timedelta(days=1), tick=False):
        html = text_of(client.get("/consultations/"))
    open_part = html[html.index('id="open"') : html.index('id="scheduled"')]
    scheduled_part = html[html.index('id="scheduled"') : html.index('id="closed"')]
    closed_part = html[html.index('id="closed"') :]
    assert "Open one" in open_part
    assert "Later one" in scheduled_part
    assert "Past one" in closed_part and "Response report" in closed_part
    assert "Secret drafting one" not in html


# The consultation page -------------------------------------------------------------------------


def test_the_consultation_page_shows_every_draft_in_full(client, consultation, during):
    group = GroupFactory()
    make_draft(
        consultation,
        3,
        name="Digital twin engineer",
        proposed_code="2-02-10-17",
        definition="Engineers who build virtual replicas.",
        tasks=["Model systems.", "Validate models."],
        job_types=["Twin modeller", "Twin operator"],
        alternative_names=["数字孪生工程技术人员"],
        digital=True,
        group=group,
    )
    html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    assert "Digital twin engineer" in html
    assert "2-02-10-17" in html
    assert "Engineers who build virtual replicas." in html
    assert html.index("<li>Model systems.") < html.index("<li>Validate models.")
    assert "Twin modeller" in html and "Twin operator" in html
    assert "数字孪生工程技术人员" in html
    assert "2 Professional and technical personnel" in html  # the group in the page's language
    assert 'class="marker marker-digital"' in html
    assert 'class="marker marker-green"' in html  # the hydrogen producer
    assert "Comments are open until" in html
    assert 'action="/consultations/draft-list-2026/comment/"' in html


def test_a_link_per_draft_preselects_it_in_the_form(client, consultation, during):
    draft = consultation.drafts.get(position=2)
    html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    assert f'href="?occupation={draft.pk}#comment"' in html
    html = text_of(client.get(f"/consultations/{consultation.slug}/?occupation={draft.pk}"))
    assert f'<option value="{draft.pk}" selected>2. Low-altitude pilot</option>' in html
    html = text_of(client.get(f"/consultations/{consultation.slug}/?occupation=junk"))
    assert "selected>2. Low-altitude pilot" not in html


def test_an_extended_window_says_so(client, consultation, publisher, during):
    extend_window(
        consultation,
        by=publisher,
        now=consultation.opens_at,
        closes_at=consultation.closes_at + dt.timedelta(days=7),
        reason="Many requests for more time.",
    )
    html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    assert "The window was extended; it was to close on July 17, 2026, 11:59 p.m." in html
    assert "July 24, 2026, 11:59 p.m." in html


def test_a_scheduled_consultation_says_when_it_opens_and_has_no_form(client, consultation):
    with time_machine.travel(consultation.opens_at - dt.timedelta(hours=1), tick=False):
        html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    assert "Comments will be accepted from" in html
    assert "June 17, 2026" in html
    assert 'name="body"' not in html


def test_a_closed_consultation_says_so_and_where_the_report_will_be(client, consultation):
    with time_machine.travel(consultation.closes_at + dt.timedelta(seconds=1), tick=False):
        html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    assert "This consultation closed on" in html
    assert "July 17, 2026, 11:59 p.m." in html
    assert "will be published here once staff have begun reviewing" in html
    assert 'name="body"' not in html


def test_times_are_shown_in_beijing_time(client, consultation, during, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    # 17 July 23:59:59 in Beijing is 15:59:59 UTC: the page must say 11:59 p.m.
    assert "July 17, 2026, 11:59 p.m." in html


def test_only_published_consented_comments_appear_on_the_page(client, consultation, during):
    draft = consultation.drafts.get(position=1)
    CommentFactory(
        consultation=consultation,
        occupation=draft,
        field="definition",
        body="Published and consented",
        author_name="Visible Author",
        organisation="Visible Org",
        email="hidden@example.org",
        status=Comment.Status.PUBLISHED,
        disposition="adopted",
        reply="We changed the definition.",
    )
    CommentFactory(consultation=consultation, body="Only received", status="received")
    CommentFactory(consultation=consultation, body="Hidden by staff", status="hidden")
    CommentFactory(consultation=consultation, body="Spam text", status="spam")
    CommentFactory(
        consultation=consultation,
        body="Published without consent",
        status="published",
        consent_to_publish=False,
    )
    html = text_of(client.get(f"/consultations/{consultation.slug}/"))
    assert "Published and consented" in html
    assert "Visible Author" in html and "Visible Org" in html
    assert "adopted" in html and "We changed the definition." in html
    assert "Hydrogen producer — definition" in html
    for unseen in ("Only received", "Hidden by staff", "Spam text", "Published without consent"):
        assert unseen not in html
    assert "hidden@example.org" not in html


def test_an_unknown_or_drafting_consultation_is_not_found(client):
    ConsultationFactory(slug="in-drafting")
    assert client.get("/consultations/in-drafting/").status_code == 404
    response = client.get("/consultations/no-such-thing/")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_a_server_error_gets_a_plain_page_in_both_languages(reviewed, monkeypatch):
    from django.test import Client

    from consult.public import reports

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(reports, "build_response_report", broken)
    response = Client(raise_request_exception=False).get(f"/consultations/{reviewed.slug}/report/")
    assert response.status_code == 500
    assert "服务器错误" in text_of(response) and "Server error" in text_of(response)


# Receipt -----------------------------------------------------------------------------------------


def test_the_receipt_shows_status_and_text_but_no_personal_data(client, consultation):
    comment = CommentFactory(
        consultation=consultation,
        occupation=consultation.drafts.get(position=1),
        field="task",
        task_number=2,
        body="Task two needs safety steps.",
        proposed_text="Inspect equipment safely.",
        author_name="Private Person",
        organisation="Private Institute",
        email="private@example.org",
        consent_to_publish=False,
    )
    html = text_of(client.get(f"/comments/{comment.tracking_number}/"))
    assert comment.tracking_number in html
    assert "Task two needs safety steps." in html
    assert "Inspect equipment safely." in html
    assert "Hydrogen producer — task 2" in html
    assert "received" in html
    assert "You did not agree to publication" in html
    for private in ("Private Person", "Private Institute", "private@example.org"):
        assert private not in html
    assert 'name="robots" content="noindex"' in html


def test_a_tracking_number_typed_loosely_redirects_to_the_receipt(client, consultation):
    comment = CommentFactory(consultation=consultation, tracking_number="7KQ4-M2XD-93TR")
    response = client.get("/comments/7kq4m2xd93tr/")
    assert response.status_code == 302
    assert response["Location"] == "/comments/7KQ4-M2XD-93TR/"
    assert client.get(response["Location"]).context["comment"] == comment


def test_an_unknown_tracking_number_is_not_found(client, db):
    assert client.get("/comments/0000-0000-0000/").status_code == 404
    assert client.get("/comments/garbage/").status_code == 404


# Response report --------------------------------------------------------------------------------


@pytest.fixture
def reviewed(db, window, consultation):
    """The consultation, closed and in review, with comments in every moderation state."""
    draft = consultation.drafts.get(position=1)
    published = dict(consultation=consultation, status="published", consent_to_publish=True)
    CommentFactory(
        **published,
        occupation=draft,
        field="task",
        task_number=1,
        body="Add safety training.",
        author_name="Ms Reporter",
        disposition="adopted",
        reply="Task 1 now mentions safety training.",
    )
    for _ in range(3):
        CommentFactory(**published, body="Same campaign text", disposition="noted")
    CommentFactory(consultation=consultation, body="Still only received", status="received")
    CommentFactory(consultation=consultation, body="Junk", status="spam")
    Consultation.objects.filter(pk=consultation.pk).update(status="review")
    consultation.refresh_from_db()
    return consultation


def test_the_report_waits_for_the_review(client, consultation, during):
    response = client.get(f"/consultations/{consultation.slug}/report/")
    assert response.status_code == 404
    assert "published once the comment window has closed" in text_of(response)


def test_the_report_shows_published_comments_with_dispositions_and_replies(client, reviewed):
    html = text_of(client.get(f"/consultations/{reviewed.slug}/report/"))
    assert "Add safety training." in html
    assert "Ms Reporter" in html
    assert "Task 1 now mentions safety training." in html
    assert "Operate electrolysers." in html  # the task commented on is quoted
    # Once as the campaign's line, once as the text with its reply.
    assert html.count("Same campaign text") == 2
    assert "the same or nearly the same text was sent 3 times" in html
    assert "Still only received" not in html and "Junk" not in html
    # 5 comments counted (spam left out), 3 submissions (the campaign once)
    assert "5 comments were received (3 counting each campaign once)" in html
    assert "3 of them belong to 1 campaign" in html
    assert re.search(r"Campaigns \(same or nearly the same text\)</th><td class=\"num\">1<", html)
    # The whole list: "N comments, of which M in K campaigns", each campaign once.
    assert "4 comments, of which 3 in 1 campaign." in html
    assert re.search(r'<li class="campaign">3 comments: <q>Same campaign text</q></li>', html)


# XSS -------------------------------------------------------------------------------------------


def test_markup_in_every_text_field_is_rendered_inert(client, reviewed):
    draft = reviewed.drafts.get(position=1)
    comment = CommentFactory(
        consultation=reviewed,
        occupation=draft,
        field="definition",
        body=XSS + " body",
        proposed_text=XSS + " proposed",
        author_name=XSS + " name",
        organisation=XSS + " org",
        status="published",
        consent_to_publish=True,
        disposition="not_adopted",
        reply=XSS + " reply",
    )
    pages = {
        "receipt": f"/comments/{comment.tracking_number}/",
        "consultation": f"/consultations/{reviewed.slug}/",
        "report": f"/consultations/{reviewed.slug}/report/",
    }
    for name, url in pages.items():
        html = text_of(client.get(url))
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert XSS_ESCAPED in html, name


def test_markup_in_draft_and_registry_text_is_rendered_inert(client, window):
    consultation = ConsultationFactory(
        slug="xss-list",
        title=XSS,
        summary=XSS,
        status="consultation",
        opens_at=window[0],
        closes_at=window[1],
    )
    make_draft(consultation, 1, name=XSS, definition=XSS, tasks=[XSS], job_types=[XSS])
    batch = BatchFactory(slug="xss-batch", title=XSS)
    occupation = OccupationFactory(batch=batch, name=XSS, definition=XSS, tasks=[XSS])
    for url in (
        "/",
        "/consultations/",
        "/consultations/xss-list/",
        "/batches/xss-batch/",
        f"/occupations/{occupation.pk}/",
        "/occupations/",
    ):
        html = text_of(client.get(url))
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;" in html, url


# Catalogue, occupation, batch ----------------------------------------------------------------


@pytest.fixture
def catalogue(db, publisher):
    group = GroupFactory()
    b2019 = BatchFactory(slug="first", title="First batch", announced_on=dt.date(2019, 4, 1))
    b2021 = BatchFactory(slug="fourth", title="Fourth batch", announced_on=dt.date(2021, 3, 1))
    carbon = OccupationFactory(
        batch=b2021,
        name="Carbon Emission Managers",
        green=True,
        group=group,
        alternative_names=["碳排放管理员"],
    )
    OccupationFactory(batch=b2021, name="Blockchain engineer", digital=True)
    ai = OccupationFactory(batch=b2019, name="人工智能工程技术人员", digital=True, group=group)
    attach_skill_standard(ai, by=publisher, title="AI engineering standard", kind="technical")
    return {"carbon": carbon, "ai": ai}


def names(response) -> list[str]:
    return [o.name for o in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Carbon Emission Managers", "Blockchain engineer", "人工智能工程技术人员"]),
        ("q=carbon", ["Carbon Emission Managers"]),
        ("q=碳排放", ["Carbon Emission Managers"]),
        ("q=人工智能", ["人工智能工程技术人员"]),
        ("batch=first", ["人工智能工程技术人员"]),
        ("year=2021", ["Carbon Emission Managers", "Blockchain engineer"]),
        ("green=on", ["Carbon Emission Managers"]),
        ("digital=on", ["Blockchain engineer", "人工智能工程技术人员"]),
        ("group=2", ["Carbon Emission Managers", "人工智能工程技术人员"]),
        ("has_standard=on", ["人工智能工程技术人员"]),
        ("digital=on&year=2021", ["Blockchain engineer"]),
    ],
)
def test_the_catalogue_searches_and_filters(client, catalogue, query, expected):
    response = client.get(f"/occupations/?{query}")
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    "query", ["year=abc", "batch=nope", "group=99", "page=999", "page=-1", "q=" + "x" * 500]
)
def test_bad_catalogue_parameters_never_fail(client, catalogue, query):
    response = client.get(f"/occupations/?{query}")
    assert response.status_code == 200


def test_the_occupation_page_shows_standards_and_levels(client, catalogue):
    html = text_of(client.get(f"/occupations/{catalogue['ai'].pk}/"))
    assert "AI engineering standard" in html
    assert "primary · intermediate · advanced" in html
    assert "April 2019" in html and "April 1, 2019" not in html


def test_the_occupation_page_shows_what_changed_since_the_consultation(
    client, window, publisher, editor
):
    consultation = ConsultationFactory(slug="to-publish", opens_at=window[0], closes_at=window[1])
    draft = make_draft(
        consultation,
        1,
        name="Hydrogen producer",
        definition="Workers who produce hydrogen.",
        tasks=["Operate electrolysers.", "Record readings."],
    )
    Consultation.objects.filter(pk=consultation.pk).update(status="consultation")
    after = window[1] + dt.timedelta(seconds=1)
    begin_review(consultation, by=publisher, now=after)
    revise_draft(
        draft,
        by=editor,
        changes={
            "proposed_code": "6-28-01-17",
            "definition": "Workers who produce green hydrogen by electrolysis.",
            "tasks": ["Operate electrolysers.", "Record and report readings.", "Train staff."],
        },
    )
    accept_draft(draft, by=editor)
    batch = publish_consultation(
        consultation,
        by=publisher,
        now=after,
        slug="batch-2026",
        title="Batch 2026",
        announced_on=dt.date(2026, 9, 1),
        announced_precision="month",
    )
    occupation = batch.occupations.get()
    html = text_of(client.get(f"/occupations/{occupation.pk}/"))
    assert "Changes since the public consultation" in html
    assert "<ins>6-28-01-17</ins>" in html
    assert "<ins>green </ins>" in html
    assert "<ins>Train staff.</ins>" in html
    assert 'href="/consultations/to-publish/"' in html
    batch_html = text_of(client.get("/batches/batch-2026/"))
    assert "September 2026" in batch_html and "September 1, 2026" not in batch_html
    assert 'href="/consultations/to-publish/"' in batch_html


def test_an_occupation_without_a_consultation_has_no_changes_block(client, catalogue):
    html = text_of(client.get(f"/occupations/{catalogue['carbon'].pk}/"))
    assert "Changes since the public consultation" not in html
    assert "碳排放管理员" in html


def test_a_batch_page_lists_its_occupations_and_says_how_many_were_announced(client, db):
    batch = BatchFactory(
        slug="b2024",
        title="Batch 2024",
        announced_on=dt.date(2024, 1, 1),
        announced_precision="year",
        announced_count=19,
    )
    OccupationFactory(batch=batch, name="Named one")
    html = text_of(client.get("/batches/b2024/"))
    assert "Named one" in html
    assert "The announcement gave 19 occupations; 1 of them are named" in html
    assert ">2024<" in html and "January 2024" not in html


# Feeds -------------------------------------------------------------------------------------------


def test_the_feeds_are_valid_rss_and_atom(client, consultation, catalogue):
    for url, root_tag in [
        ("/feeds/consultations/", "rss"),
        ("/feeds/consultations/atom/", "{http://www.w3.org/2005/Atom}feed"),
        ("/feeds/batches/", "rss"),
        ("/feeds/batches/atom/", "{http://www.w3.org/2005/Atom}feed"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        root = ET.fromstring(response.content)
        assert root.tag == root_tag, url
    rss = text_of(client.get("/feeds/consultations/"))
    assert consultation.title in rss and "/consultations/draft-list-2026/" in rss
    atom = text_of(client.get("/feeds/batches/atom/"))
    assert "Fourth batch" in atom and "March 2021" in atom


def test_chinese_titles_round_trip_through_the_feeds(client, window):
    ConsultationFactory(
        slug="zh-list",
        title="关于征求《新职业信息》意见的通知",
        status="consultation",
        opens_at=window[0],
        closes_at=window[1],
    )
    BatchFactory(title="第四批新职业", announced_on=dt.date(2021, 3, 1))
    for url in ("/feeds/consultations/", "/feeds/consultations/atom/"):
        root = ET.fromstring(client.get(url).content)
        assert "关于征求《新职业信息》意见的通知" in ET.tostring(root, encoding="unicode")
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/feeds/batches/")
    root = ET.fromstring(chinese.content)
    assert root.find("channel/title").text == "新职业：已发布批次"
    assert "第四批新职业" in ET.tostring(root, encoding="unicode")
    assert "2021年3月" in ET.tostring(root, encoding="unicode")


# Languages ------------------------------------------------------------------------------------


def test_the_browser_language_chooses_chinese_or_english(consultation, during):
    from django.test import Client

    chinese = text_of(
        Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get("/consultations/draft-list-2026/")
    )
    english = text_of(
        Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get("/consultations/draft-list-2026/")
    )
    assert '<html lang="zh-hans">' in chinese
    assert "发表意见" in chinese and "Comment on the draft list" not in chinese
    assert '<html lang="en">' in english
    assert "Comment on the draft list" in english
    assert not re.search(r"[\u4e00-\u9fff]", english.split("<main", 1)[1].split('id="drafts"')[0])


def test_the_language_switcher_works_without_javascript(client, consultation, during):
    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/consultations/draft-list-2026/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/consultations/draft-list-2026/"
    html = text_of(client.get("/consultations/draft-list-2026/"))
    assert '<html lang="zh-hans">' in html
    assert 'name="language" value="en"' in html


def test_chinese_text_round_trips_through_the_form_and_receipt(
    client, consultation, comment_url, valid_data, during
):
    body = "建议将“氢能”改为“绿色氢能”。𠀀 emoji 🚀"
    response = client.post(
        comment_url, {**valid_data, "body": body}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == body
    assert body in text_of(client.get(response["Location"]))


def test_the_report_is_provisional_until_published_with_the_time_of_its_last_change(
    client, reviewed
):
    latest = reviewed.comments.order_by("-updated_at").first().updated_at
    html = text_of(client.get(f"/consultations/{reviewed.slug}/report/"))
    assert "Provisional" in html
    stamp = date_format(timezone.localtime(latest), "DATETIME_FORMAT")
    assert f"updated {stamp} (Beijing time)" in html
