"""axe-core over every public page: with and without form errors, open, scheduled and closed
consultations, in both languages, at 1280 and 320 px. No violation of impact moderate or above
is allowed (axe's own rule set, bundled by axe-playwright-python: nothing is downloaded)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.site.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"moderate", "serious", "critical"}
AXE = Axe()


def blocking_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{page.url} [{v['impact']}] {v['id']}: {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def sideways_scrolling(page, width: int) -> list[str]:
    """Nothing may need scrolling sideways at this width (WCAG 1.4.10, reflow)."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return (
        [f"{page.url} scrolls sideways: {scroll_width} px > {width}"]
        if scroll_width > width
        else []
    )


def public_paths(world) -> list[str]:
    return [
        "/",
        "/consultations/",
        f"/consultations/{world.open.slug}/",
        f"/consultations/{world.open.slug}/?occupation={world.open.drafts.first().pk}"
        "&field=task&task_number=2",
        f"/consultations/{world.scheduled.slug}/",
        f"/consultations/{world.closed.slug}/",
        f"/consultations/{world.closed.slug}/report/",
        f"/consultations/{world.closed.slug}/report.pdf",
        f"/consultations/{world.closed.slug}/comments/?q=报告",
        f"/consultations/{world.closed.slug}/comments/?q=nothing-matches-this",
        f"/comments/{world.comment.tracking_number}/",
        f"/comments/?number={world.comment.tracking_number}",
        "/comments/?number=0000-0000-0000",
        "/comments/?number=not a number",
        "/occupations/",
        "/occupations/?q=碳",
        f"/occupations/{world.occupation_pk}/",
        f"/batches/{world.batch_slug}/",
        "/classification/",
        "/accessibility/",
        "/privacy/",
        "/no-such-page/",
    ]


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_no_public_page_has_an_accessibility_violation(
    live_server, browser, artifacts, settings, language, width
):
    settings.COMMENT_RATE_LIMIT = "1/h"
    world = build_world()
    context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    found: list[str] = []
    shown = {
        "/": "home",
        f"/consultations/{world.closed.slug}/": "closed-consultation",
        f"/consultations/{world.closed.slug}/comments/?q=报告": "comment-search",
    }
    try:
        for path in public_paths(world):
            page.goto(live_server.url + path)
            found += blocking_violations(page)
            found += sideways_scrolling(page, width)
            if path in shown:
                shot = f"{shown[path]}-{language}-{width}.png"
                page.screenshot(path=str(artifacts / shot), full_page=True)

        # The form sent back with errors (nothing typed in the comment box).
        page.goto(f"{live_server.url}/consultations/{world.open.slug}/")
        page.locator("#id_email").fill("not-an-address")
        page.locator("form.comment-form button[type=submit]").click()
        page.wait_for_selector("#error-summary")
        found += blocking_violations(page)
        page.screenshot(path=str(artifacts / f"form-errors-{language}-{width}.png"), full_page=True)

        # One comment is taken, the next is refused by the (lowered) limit.
        for text in ("第一条意见。", "第二条意见。"):
            page.goto(f"{live_server.url}/consultations/{world.open.slug}/")
            page.locator("#id_body").fill(text)
            page.locator("form.comment-form button[type=submit]").click()
            page.wait_for_load_state()
        assert "第二条意见。" in page.locator("#id_body").input_value()
        found += blocking_violations(page)
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_the_check_finds_a_violation_when_there_is_one(live_server, browser):
    """The sweep can fail: a page with an unlabelled field and low-contrast text is caught."""
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<input type="text"><p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    ids = {v.split("] ")[1].split(":")[0] for v in blocking_violations(page)}
    page.close()
    assert {"label", "color-contrast"} <= ids
