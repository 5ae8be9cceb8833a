"""The moderation list on a 1366 px laptop screen, in Chinese: what a moderator decides on is in
view without scrolling sideways, and no column header wraps one character per line."""

import pytest

from consult.models import Consultation
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_decisive_columns_fit_a_laptop_screen(live_server, page_for, artifacts):
    UserFactory(username="moderator", roles=["Moderators"])
    consultation = ConsultationFactory(
        status=Consultation.Status.CONSULTATION, title="2026年新职业信息征求意见"
    )
    draft = DraftOccupationFactory(consultation=consultation, name="低空飞行器操控员")
    for n in range(5):
        CommentFactory(
            consultation=consultation,
            occupation=draft,
            field="task",
            task_number=1,
            body="建议把第一项任务改写为更具体的表述，" * 3 + str(n),
            author_name="李明",
            organisation="某行业协会",
        )
    page = page_for("zh-hans")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=auth-username]", "moderator")
    page.fill("input[name=auth-password]", "correct horse battery")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/consult/comment/?consultation__id__exact={consultation.pk}")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(artifacts / "moderation-1366-zh.png"), full_page=False)
    for column in ("excerpt", "status", "disposition", "consent_to_publish"):
        box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert box is not None, column
        assert box["x"] + box["width"] <= 1366, column
    excerpt = page.locator("#result_list tbody .field-excerpt").first.bounding_box()
    assert excerpt["width"] >= 200, excerpt
    heights = page.eval_on_selector_all(
        "#result_list thead th", "cells => cells.map(c => c.getBoundingClientRect().height)"
    )
    line = page.eval_on_selector(
        "#result_list thead th", "c => parseFloat(getComputedStyle(c).lineHeight) || 16"
    )
    assert max(heights) < 3 * line + 16, heights
    assert page.locator("#result_list thead th.column-consultation").count() == 0
