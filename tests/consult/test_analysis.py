"""The analysis of what was said: counts per occupation, part, response, sender kind,
campaign and day, aggregated in a fixed number of queries, and the charts drawn from them."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.api.keys import create_api_key
from consult.models import Comment
from consult.reporting.analysis import build_analysis
from consult.reporting.charts import nice_top, shorten
from consult.workflow.consultations import open_consultation
from consult.workflow.moderation import moderate_comments, set_disposition
from tests.factories import CommentFactory, ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(drafting, publisher):
    open_consultation(drafting, by=publisher, now=drafting.opens_at - dt.timedelta(days=1))
    drafting.refresh_from_db()
    return drafting


def _comment(consultation, *, day: int = 0, **kwargs) -> Comment:
    kwargs.setdefault("submitted_at", consultation.opens_at + dt.timedelta(days=day, hours=10))
    return CommentFactory(consultation=consultation, **kwargs)


def _rows(chart) -> dict[str, dict[str, int]]:
    return {row.label: row.values for row in chart.rows}


def test_counts_per_occupation_part_response_sender_and_campaign(opened, moderator):
    first, second = opened.drafts.in_order()
    campaign_text = "Please rename this occupation to hydrogen technician."
    for _ in range(3):
        _comment(opened, occupation=first, field="name", body=campaign_text)
    _comment(opened, occupation=first, field="definition", organisation="Hydrogen Association")
    _comment(opened, occupation=second, field="task", task_number=1)
    _comment(opened, body="The whole list is welcome.", organisation="Chamber of Commerce")
    spam = _comment(opened, occupation=second, field="name", body="Buy cheap watches")
    moderate_comments([spam], by=moderator, action="mark_spam")
    adopted = Comment.objects.filter(occupation=first, field="definition")
    set_disposition(
        adopted, by=moderator, disposition="adopted", reply="Done.", now=opened.closes_at
    )

    analysis = build_analysis(opened, now=opened.closes_at)

    assert analysis.comments == 6  # spam left out
    assert (analysis.individuals, analysis.organisations) == (4, 2)
    assert (analysis.campaigns, analysis.in_campaigns) == (1, 3)
    dispositions = {row.label: row.total for row in analysis.by_disposition.rows}
    assert dispositions == {
        "Pending": 5,
        "Adopted": 1,
        "Partly adopted": 0,
        "Not adopted": 0,
        "Noted": 0,
    }
    by_occupation = {row.label: row.total for row in analysis.by_occupation.rows}
    assert by_occupation == {
        "The whole list": 1,
        "1. Hydrogen producer": 4,
        "2. Low-altitude pilot": 1,
    }
    assert _rows(analysis.by_occupation)["1. Hydrogen producer"]["adopted"] == 1
    parts = _rows(analysis.by_part)
    assert parts["1. Hydrogen producer"] == {
        "whole": 0,
        "name": 3,
        "code": 0,
        "definition": 1,
        "task": 0,
        "job_types": 0,
        "markers": 0,
    }
    assert parts["2. Low-altitude pilot"]["task"] == 1
    assert [row.total for row in analysis.senders.rows] == [4, 2]
    assert [row.total for row in analysis.campaign_share.rows] == [3, 3]


def test_a_text_repeated_only_with_spam_is_no_campaign(opened, moderator):
    """Campaign membership is judged among the counted comments: spam does not make one."""
    text = "Identical text, once honest and once spam."
    _comment(opened, body=text)
    spam = _comment(opened, body=text)
    moderate_comments([spam], by=moderator, action="mark_spam")
    analysis = build_analysis(opened, now=opened.closes_at)
    assert (analysis.campaigns, analysis.in_campaigns) == (0, 0)


def test_comments_per_day_cover_the_whole_window_in_beijing_time(opened):
    # 23:30 Beijing time on the first day is 15:30 UTC: it counts on 17 June, not 18 June.
    _comment(opened, submitted_at=opened.opens_at + dt.timedelta(hours=23, minutes=30))
    _comment(opened, day=2)
    _comment(opened, day=2)
    analysis = build_analysis(opened, now=opened.closes_at + dt.timedelta(days=3))
    days = analysis.per_day.columns
    assert len(days) == 31  # 17 June to 17 July
    assert [c.value for c in days[:4]] == [1, 0, 2, 0]
    assert analysis.per_day.total == 3
    assert sum(c.show_label for c in days) <= 12


def test_per_day_stops_at_today_while_the_window_is_open(opened):
    _comment(opened, day=1)
    analysis = build_analysis(opened, now=opened.opens_at + dt.timedelta(days=4, hours=1))
    assert [c.value for c in analysis.per_day.columns] == [0, 1, 0, 0, 0]


def test_bars_are_drawn_to_scale(opened):
    first, second = opened.drafts.in_order()
    for _ in range(4):
        _comment(opened, occupation=first)
    _comment(opened, occupation=second)
    chart = build_analysis(opened, now=opened.closes_at).by_occupation
    widths = {row.label: sum(s.width for s in row.segments) for row in chart.rows}
    assert widths["The whole list"] == 0
    assert widths["1. Hydrogen producer"] == pytest.approx(4 * widths["2. Low-altitude pilot"])
    assert chart.ticks[-1].value >= 4


def test_an_empty_consultation_draws_empty_charts(opened):
    analysis = build_analysis(opened, now=opened.closes_at)
    assert analysis.comments == 0
    assert all(row.share is None for row in analysis.senders.rows)
    assert all(not row.segments for row in analysis.by_occupation.rows)


def test_a_comment_sent_with_a_key_is_its_organisations_and_counts_its_people(opened):
    key, _token = create_api_key(
        owner="Hydrogen Energy Association", scopes=["comment"], by=None, now=opened.opens_at
    )
    _comment(opened, body="We speak for our members.", api_key=key, signatures=120)
    _comment(opened, body="A comment of my own.")
    analysis = build_analysis(opened, now=opened.closes_at)
    assert (analysis.individuals, analysis.organisations) == (1, 1)
    assert analysis.people == 121


def test_a_consultation_without_a_window_has_an_analysis_without_days():
    consultation = ConsultationFactory(status="drafting", opens_at=None, closes_at=None)
    analysis = build_analysis(consultation, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    assert analysis.comments == 0
    assert analysis.per_day.columns == []


@pytest.mark.parametrize(
    ("largest", "top", "step"),
    [(0, 1, 1), (1, 1, 1), (4, 4, 1), (7, 8, 2), (23, 25, 5), (960, 1000, 200)],
)
def test_axis_tops(largest, top, step):
    assert nice_top(largest) == (top, step)


def test_long_labels_are_cut_by_display_width():
    assert shorten("水电解制氢生产操作员与数字孪生应用技术员岗位", 20) == "水电解制氢生产操作…"
    assert shorten("Short name", 20) == "Short name"


def test_the_analysis_takes_the_same_queries_however_many_comments(
    opened, django_assert_max_num_queries
):
    first, _second = opened.drafts.in_order()
    _comment(opened, occupation=first)
    with django_assert_max_num_queries(5):
        build_analysis(opened, now=opened.closes_at)
    for day in range(20):
        _comment(opened, occupation=first, day=day, organisation="Org" if day % 2 else "")
        _comment(opened, body="Same text everywhere.", day=day)
    with django_assert_max_num_queries(5):
        analysis = build_analysis(opened, now=opened.closes_at)
    assert analysis.comments == 41
