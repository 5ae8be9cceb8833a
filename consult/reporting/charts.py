"""Bar and column charts drawn on the server as SVG, with the table of their numbers.

The geometry is computed here and the templates (``site/includes/bar_chart.html``,
``site/includes/column_chart.html``) only write it out as ``<rect>`` and ``<text>`` elements:
a few dozen lines that need no JavaScript, no fonts of their own and no extra dependency, and
that pass the page's Content Security Policy (presentation attributes, no inline styles).
Charting libraries that render SVG on the server (pygal, matplotlib) either ship a script for
their tooltips or draw text as paths with fonts that lack Chinese glyphs, and none draws the
table of numbers that must sit beside each chart.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

WIDTH = 720
LABEL_WIDTH = 230
VALUE_GUTTER = 56
BAR_HEIGHT = 22
ROW_GAP = 10
TOP = 10
AXIS_HEIGHT = 26
LABEL_UNITS = 34  # display width of a row label, a CJK character counting two


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


@dataclass
class Segment:
    series: Series
    value: int
    x: float
    width: float


@dataclass
class BarRow:
    label: str
    short_label: str
    values: dict[str, int]
    total: int
    share: float | None
    y: float
    text_y: float
    total_x: float
    segments: list[Segment] = field(default_factory=list)

    @property
    def cells(self) -> list[int]:
        return list(self.values.values())


@dataclass
class Tick:
    value: int
    x: float


@dataclass
class BarChart:
    slug: str
    title: str
    description: str
    label_header: str
    series: list[Series]
    rows: list[BarRow]
    ticks: list[Tick]
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float

    @property
    def label_x(self) -> int:
        return self.plot_left - 8

    @property
    def tick_label_y(self) -> float:
        return self.axis_y + 16

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


@dataclass
class Column:
    label: str
    short_label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    centre: float
    show_label: bool


@dataclass
class ColumnChart:
    slug: str
    title: str
    description: str
    label_header: str
    value_header: str
    colour: str
    columns: list[Column]
    ticks: list[tuple[int, float]]
    width: int
    height: int
    plot_left: int
    plot_right: int
    base_y: float

    @property
    def total(self) -> int:
        return sum(c.value for c in self.columns)

    @property
    def tick_label_x(self) -> int:
        return self.plot_left - 6

    @property
    def date_label_y(self) -> float:
        return self.base_y + 16


def nice_top(largest: int) -> tuple[int, int]:
    """The axis maximum and tick step for values up to ``largest``: a step of 1, 2 or 5 times
    a power of ten giving at most five intervals."""
    if largest <= 0:
        return 1, 1
    step = 1
    for magnitude in (10**k for k in range(0, 12)):
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(largest / step) <= 5:
                return step * math.ceil(largest / step), step
    return largest, largest  # pragma: no cover - beyond 5 * 10**11 comments


def shorten(text: str, units: int = LABEL_UNITS) -> str:
    """``text`` cut to ``units`` of display width (wide characters count two), with "…"."""
    used, kept = 0, []
    for ch in text:
        width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + width > units - 1:
            return "".join(kept) + "…"
        used += width
        kept.append(ch)
    return text


def _summary(pairs: list[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs)


def bar_chart(
    slug: str,
    *,
    title: str,
    description: str,
    label_header: str,
    series: list[Series],
    rows: list[tuple[str, dict[str, int]]],
    params: dict | None = None,
) -> BarChart:
    """Horizontal bars, one per row; with several series, each bar is stacked in their order.

    ``description`` may hold ``%(values)s`` (replaced by each row's label and total) and the
    keys of ``params``.
    """
    plot_left, plot_right = LABEL_WIDTH, WIDTH - VALUE_GUTTER
    totals = [sum(values.values()) for _label, values in rows]
    top, step = nice_top(max(totals, default=0))
    scale = (plot_right - plot_left) / top
    grand = sum(totals)
    bars = []
    for i, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        y = TOP + i * (BAR_HEIGHT + ROW_GAP)
        row = BarRow(
            label=label,
            short_label=shorten(label),
            values={s.key: values.get(s.key, 0) for s in series},
            total=total,
            share=total / grand if grand else None,
            y=y,
            text_y=y + BAR_HEIGHT / 2 + 4,
            total_x=plot_left + total * scale + 6,
        )
        x = float(plot_left)
        for s in series:
            value = row.values[s.key]
            if value:
                row.segments.append(Segment(s, value, round(x, 2), round(value * scale, 2)))
                x += value * scale
        bars.append(row)
    axis_y = TOP + len(rows) * (BAR_HEIGHT + ROW_GAP)
    ticks = [Tick(v, round(plot_left + v * scale, 2)) for v in range(0, top + 1, step)]
    return BarChart(
        slug=slug,
        title=title,
        description=description
        % {"values": _summary([(r.label, r.total) for r in bars]), **(params or {})},
        label_header=label_header,
        series=series,
        rows=bars,
        ticks=ticks,
        width=WIDTH,
        height=int(axis_y + AXIS_HEIGHT),
        plot_left=plot_left,
        plot_right=plot_right,
        axis_y=axis_y,
    )


def _peak(columns: list[Column]) -> dict:
    peak = max(columns, key=lambda c: c.value, default=None)
    return {
        "total": sum(c.value for c in columns),
        "peak": peak.value if peak else 0,
        "peak_day": peak.label if peak else "—",
    }


COLUMN_PLOT_HEIGHT = 180
COLUMN_LEFT = 48
COLUMN_LABELS = 12  # at most this many dates written under the axis


def column_chart(
    slug: str,
    *,
    title: str,
    description: str,
    label_header: str,
    value_header: str,
    columns: list[tuple[str, str, int]],
    colour: str,
) -> ColumnChart:
    """Vertical columns in order (a time series): ``(label, short label, value)`` each; every
    n-th short label is written under the axis so that they never overlap."""
    plot_left, plot_right = COLUMN_LEFT, WIDTH - 12
    top, step = nice_top(max((v for _l, _s, v in columns), default=0))
    base_y = TOP + 14 + COLUMN_PLOT_HEIGHT
    slot = (plot_right - plot_left) / max(len(columns), 1)
    every = max(1, math.ceil(len(columns) / COLUMN_LABELS))
    drawn = []
    for i, (label, short, value) in enumerate(columns):
        height = value * COLUMN_PLOT_HEIGHT / top
        x = plot_left + i * slot + slot * 0.15
        drawn.append(
            Column(
                label=label,
                short_label=short,
                value=value,
                x=round(x, 2),
                y=round(base_y - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                centre=round(x + slot * 0.35, 2),
                show_label=i % every == 0,
            )
        )
    ticks = [(v, round(base_y - v * COLUMN_PLOT_HEIGHT / top, 2)) for v in range(0, top + 1, step)]
    return ColumnChart(
        slug=slug,
        title=title,
        description=description % _peak(drawn),
        label_header=label_header,
        value_header=value_header,
        colour=colour,
        columns=drawn,
        ticks=ticks,
        width=WIDTH,
        height=int(base_y + AXIS_HEIGHT + 6),
        plot_left=plot_left,
        plot_right=plot_right,
        base_y=base_y,
    )
