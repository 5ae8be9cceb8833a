"""The analysis charts in headless Chromium, in both languages: each chart is drawn, its bars
are as long as its table's numbers say, and the numbers written on it are the table's."""

from __future__ import annotations

import pytest

from tests.site.conftest import said_and_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("dispositions", "occupations", "parts", "senders", "campaigns", "days")

# Per chart: each row's drawn total and bar length, and the table's total for that row.
READ_CHART = """(slug) => {
  const figure = document.querySelector(`figure[data-chart="${slug}"]`);
  const svg = figure.querySelector("svg[role=img]");
  const box = svg.getBoundingClientRect();
  const rows = [...svg.querySelectorAll("g.chart-row")].map((g) => {
    const bars = [...g.querySelectorAll("rect.chart-bar")];
    const drawn = g.querySelector("text.chart-value");
    return {
      label: g.dataset.label,
      drawn: drawn ? Number(drawn.textContent) : 0,
      segments: bars.map((b) => Number(b.dataset.value)),
      length: bars.reduce((sum, b) => {
        const r = b.getBoundingClientRect();
        return sum + (slug === "days" ? r.height : r.width);
      }, 0),
    };
  });
  const table = figure.querySelector(`table[data-chart-table="${slug}"]`);
  const cells = [...table.querySelectorAll("tbody tr")].map((tr) => ({
    label: tr.querySelector("th").textContent.trim(),
    total: Number(tr.querySelector("td[data-total]").textContent),
    values: [...tr.querySelectorAll("td")].map((td) => td.textContent.trim()),
  }));
  return {
    width: box.width,
    height: box.height,
    title: svg.querySelector("title").textContent,
    rows,
    cells,
    caption: table.querySelector("caption").textContent,
  };
}"""


@pytest.fixture
def published(editor, moderator, publisher, window):
    consultation, _first = said_and_done(
        editor=editor, moderator=moderator, publisher=publisher, window=window
    )
    return consultation


def _check(chart: dict, slug: str) -> None:
    assert chart["width"] > 300 and chart["height"] > 50, slug
    assert chart["caption"] == chart["title"]
    assert [r["label"] for r in chart["rows"]] == [c["label"] for c in chart["cells"]], slug
    for row, cell in zip(chart["rows"], chart["cells"], strict=True):
        # The number written at the end of each bar is the table's number.
        assert row["drawn"] == cell["total"], (slug, row, cell)
        assert sum(row["segments"]) == cell["total"], (slug, row, cell)
    # Bars are drawn to one scale: length per comment is the same on every drawn row.
    scales = [row["length"] / row["drawn"] for row in chart["rows"] if row["drawn"]]
    assert scales, slug
    assert max(scales) - min(scales) < 0.5, (slug, scales)


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Analysis of what was said"), ("zh-CN", "意见分析")]
)
def test_the_charts_render_with_the_numbers_of_their_tables(
    live_server, page_for, artifacts, published, language, heading
):
    page = page_for(language)
    page.goto(f"{live_server.url}/consultations/{published.slug}/report/")
    section = page.locator("#analysis")
    assert section.get_by_role("heading", name=heading, exact=True).is_visible()
    for slug in CHARTS:
        chart = page.evaluate(READ_CHART, slug)
        _check(chart, slug)
    senders = page.evaluate(READ_CHART, "senders")
    assert [c["total"] for c in senders["cells"]] == [4, 2]
    assert section.get_by_role("img").count() == len(CHARTS)
    section.screenshot(path=str(artifacts / f"analysis-charts-{language}.png"))
    changes = page.locator(".you-said-we-did").first
    changes.screenshot(path=str(artifacts / f"you-said-we-did-{language}.png"))
