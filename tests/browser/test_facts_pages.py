"""The facts pages in a browser: a provenance marker opens by keyboard to show its rule or
every reading with its source, and the classification page, a batch with disputed and
inferred facts and the catalogue's three-valued filters pass axe in both languages, at 1280
and 320 px, without scrolling sideways."""

from __future__ import annotations

import datetime as dt

import pytest

from occupations.models import Batch, ClassificationEdition, Occupation, ReleasePeriod
from tests.browser.test_accessibility import blocking_violations, sideways_scrolling
from tests.site.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RULE = "year from the order of batches in 000_history.txt"


def facts_world():
    world = build_world()
    Batch.objects.filter(slug=world.batch_slug).update(
        provenance={
            "number": {"basis": "inference", "rule": RULE},
            "announced_on": {
                "basis": "disagreement",
                "readings": [
                    {"value": "2020-06", "file": "000_history.txt", "quote": "It came in June."},
                    {"value": "2020-07-06", "file": "001_news.txt", "quote": "On July 6, 2020."},
                ],
                "rule": "the day-precise reading is stored",
            },
        },
        number=3,
        sources=[{"file": "000_history.txt", "quote": "Nine occupations were announced."}],
    )
    Occupation.objects.filter(pk=world.occupation_pk).update(green=None, digital=False)
    ClassificationEdition.objects.create(
        year=2022,
        issued_on=dt.date(2022, 1, 1),
        issued_precision="year",
        revision=2,
        major_group_count=8,
        occupation_count=1639,
        sources=[{"file": "010.txt", "quote": "The 2022 edition lists 1,639 occupations."}],
    )
    ReleasePeriod.objects.create(
        started_year=2004,
        ended_year=2009,
        batch_count=12,
        occupation_count=120,
        occupation_count_is_minimum=True,
        sources=[{"file": "000.txt", "quote": "By 2009, 12 batches had been released."}],
        provenance={"ended_year": {"basis": "inference", "rule": RULE}},
    )
    return world


def test_a_provenance_marker_opens_by_keyboard(live_server, browser):
    world = facts_world()
    context = browser.new_context(locale="en")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/batches/{world.batch_slug}/")
        marker = page.locator("dd details.provenance-inference").first
        assert not marker.locator("text=" + RULE).is_visible()
        marker.locator("summary").focus()
        page.keyboard.press("Enter")
        marker.locator("text=" + RULE).wait_for(state="visible")
        disputed = page.locator("dd details.provenance-disagreement").first
        disputed.locator("summary").click()
        disputed.locator("text=It came in June.").wait_for(state="visible")
        assert disputed.locator("text=(001_news.txt)").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_facts_pages_pass_axe(live_server, browser, language, width):
    world = facts_world()
    context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
    page = context.new_page()
    found: list[str] = []
    try:
        for path in (
            "/classification/",
            f"/batches/{world.batch_slug}/",
            f"/occupations/{world.occupation_pk}/",
            "/occupations/?green=unknown&digital=not_marked",
        ):
            page.goto(live_server.url + path)
            # Every marker open, so that its note is checked too.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            found += blocking_violations(page)
            found += sideways_scrolling(page, width)
    finally:
        context.close()
    assert not found, "\n".join(found)
