"""What axe cannot judge on its own: the focus ring's contrast with what surrounds it, the
withdrawn drafts' labels, a field and its label in view after an error link, the catalogue at
320 px, and the task links filling the form."""

from __future__ import annotations

import re

import pytest

from tests.site.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Relative luminance and contrast ratio as WCAG 2 defines them.
CONTRAST_JS = """
(args) => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(parse(a)), lum(parse(b))].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const backgroundOf = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg && !bg.startsWith("rgba(0, 0, 0, 0)") && bg !== "transparent") return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const el = args.selector ? document.querySelector(args.selector) : document.activeElement;
  const style = getComputedStyle(el);
  const around = backgroundOf(el.parentElement);
  const ring = (style.boxShadow.match(/rgba?\\([^)]*\\)/) || ["rgb(255, 255, 255)"])[0];
  return {
    outline: ratio(style.outlineColor, around),
    ring: ratio(ring, around),
    outlineWidth: parseFloat(style.outlineWidth),
    text: ratio(style.color, backgroundOf(el)),
  };
}
"""


@pytest.fixture
def world():
    return build_world()


def open_page(browser, language: str = "en", width: int = 1280):
    context = browser.new_context(locale=language, viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    return context.new_page()


def test_the_focus_indicator_stands_out_at_3_to_1_on_the_page_and_in_the_header(
    live_server, browser, artifacts, world
):
    page = open_page(browser)
    page.goto(f"{live_server.url}/consultations/{world.open.slug}/")
    for selector in ("main a[href]", ".site-header nav a", ".language button", "#id_body"):
        page.locator(selector).first.focus()
        seen = page.evaluate(CONTRAST_JS, {"selector": None})
        assert seen["outlineWidth"] >= 2, selector
        assert max(seen["outline"], seen["ring"]) >= 3, (selector, seen)
    page.locator("main a[href]").first.focus()
    page.screenshot(path=str(artifacts / "focus-ring.png"))
    page.context.close()


def test_withdrawn_drafts_labels_have_4_5_to_1(live_server, browser, world):
    page = open_page(browser)
    for path in (
        f"/consultations/{world.closed.slug}/",
        f"/consultations/{world.closed.slug}/report/",
    ):
        page.goto(live_server.url + path)
        for selector in (".status-withdrawn", ".withdrawn-note"):
            seen = page.evaluate(CONTRAST_JS, {"selector": selector})
            assert seen["text"] >= 4.5, (path, selector, seen)
        faded = (
            "getComputedStyle(document.querySelector('.draft-withdrawn, section.draft')).opacity"
        )
        assert page.evaluate(faded) == "1"
    page.context.close()


@pytest.mark.parametrize("width", [1280, 320])
def test_an_error_link_brings_the_field_and_its_label_into_view(
    live_server, browser, artifacts, world, width
):
    page = open_page(browser, width=width)
    page.goto(f"{live_server.url}/consultations/{world.open.slug}/")
    page.locator("#id_email").fill("not-an-address")
    page.locator("form.comment-form button[type=submit]").click()
    for link, field in (("Your comment", "id_body"), ("E-mail", "id_email")):
        page.locator("#error-summary").get_by_role("link", name=re.compile(link)).click()
        assert page.evaluate("document.activeElement.id") == field
        label = page.locator(f"label[for={field}]").bounding_box()
        box = page.locator(f"#{field}").bounding_box()
        viewport = page.viewport_size
        assert label["y"] >= 0, (field, label)
        assert box["y"] + min(box["height"], 40) <= viewport["height"], (field, box)
        page.screenshot(path=str(artifacts / f"error-link-{field}-{width}.png"))
    page.context.close()


def test_the_catalogue_fits_a_320_px_screen(live_server, browser, artifacts, world):
    page = open_page(browser, width=320)
    page.goto(f"{live_server.url}/occupations/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    row = page.locator("table.stack tbody tr").first
    assert row.bounding_box()["width"] <= 320
    assert "碳排放管理员" in row.inner_text()
    page.screenshot(path=str(artifacts / "catalogue-320.png"), full_page=True)
    page.context.close()


def test_a_task_link_fills_in_occupation_part_and_number(live_server, browser, world):
    page = open_page(browser)
    page.goto(f"{live_server.url}/consultations/{world.open.slug}/")
    page.get_by_role("link", name=re.compile("Comment on task 2")).first.click()
    draft = world.open.drafts.get(position=1)
    assert page.locator("#id_occupation").input_value() == str(draft.pk)
    assert page.locator("#id_field").input_value() == "task"
    assert page.locator("#id_task_number").input_value() == "2"
    page.context.close()
