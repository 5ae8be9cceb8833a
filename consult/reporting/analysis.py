"""The analysis of what was said in a consultation: counts aggregated in the database and laid
out as bar charts, each with the table of its numbers.

``build_analysis(consultation)`` serves the staff page in the admin and the public report. It
runs five queries whatever the number of comments: the draft list, one grouped count by
(occupation, part, disposition, sender kind), one by day, and the two of
``CommentQuerySet.campaign_share()``, the one place that decides what a campaign is. Spam is
left out of every count, as in the response report (``consult.reporting.report``).

The charts are drawn by ``consult.reporting.charts`` (geometry) and two small templates of SVG
rects, ``site/includes/bar_chart.html`` and ``site/includes/column_chart.html``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consult.models import Comment, Consultation, DraftOccupation
from consult.reporting.charts import BarChart, ColumnChart, Series, bar_chart, column_chart

# Colours with at least 3:1 contrast against the white background (WCAG 1.4.11).
DISPOSITION_COLOURS = {
    "pending": "#5f5f5f",
    "adopted": "#1b7837",
    "partly_adopted": "#4d7a0f",
    "not_adopted": "#b2182b",
    "noted": "#2166ac",
}
PART_COLOURS = ("#1f5f99", "#b35806", "#1b7837", "#762a83", "#b2182b", "#4d4d4d", "#8c510a")
SINGLE_COLOUR = "#1f5f99"
# The parts of a draft, in the order of the comment form.
PARTS = ("", "name", "code", "definition", "task", "job_types", "markers")


def _part_label(key: str) -> str:
    if key == "":
        return _("The occupation as a whole")
    if key == "task":
        return _("Main tasks")
    return str(Comment.Field(key).label).capitalize()


@dataclass
class Counts:
    """The grouped counts of one consultation's non-spam comments."""

    # (occupation_id, part, disposition, is_organisation) -> comments
    cells: dict[tuple[int | None, str, str, bool], int] = field(default_factory=dict)
    # The people behind the comments: an organisation's comment sent through the API counts
    # the people it speaks for (``Comment.signatures``), any other comment one.
    people: int = 0

    def total(self, **match) -> int:
        keys = ("occupation_id", "part", "disposition", "organisation")
        wanted = [(keys.index(k), v) for k, v in match.items()]
        return sum(n for cell, n in self.cells.items() if all(cell[i] == v for i, v in wanted))


@dataclass
class Analysis:
    consultation: Consultation
    comments: int
    organisations: int
    individuals: int
    people: int
    campaigns: int
    in_campaigns: int
    by_disposition: BarChart
    by_occupation: BarChart
    by_part: BarChart
    senders: BarChart
    campaign_share: BarChart
    per_day: ColumnChart

    @property
    def bar_charts(self) -> list[BarChart]:
        return [
            self.by_disposition,
            self.by_occupation,
            self.by_part,
            self.senders,
            self.campaign_share,
        ]


def _count(comments) -> Counts:
    rows = (
        comments.order_by()
        .annotate(
            # A comment sent with an organisation's key is that organisation's, though its
            # organisation field may be blank.
            is_organisation=Case(
                When(organisation="", api_key__isnull=True, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
        .values("occupation_id", "field", "disposition", "is_organisation")
        .annotate(n=Count("*"), people=Sum(Coalesce("signatures", 1)))
        .values_list("occupation_id", "field", "disposition", "is_organisation", "n", "people")
    )
    counts = Counts()
    for occupation_id, part, disposition, organisation, n, people in rows:
        key = (occupation_id, part, disposition, bool(organisation))
        counts.cells[key] = counts.cells.get(key, 0) + n
        counts.people += people
    return counts


def _days(consultation: Consultation, comments, now: dt.datetime) -> list[tuple[dt.date, int]]:
    """Comments per day (Beijing time) over the window, days without comments included; a day
    outside the window with comments widens the range rather than being dropped. A
    consultation without a window yet (drafting) has only the days that have comments."""
    zone = timezone.get_default_timezone()
    rows = (
        comments.order_by()
        .annotate(day=TruncDate("submitted_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("*"))
        .values_list("day", "n")
    )
    per_day = dict(rows)
    if consultation.opens_at is None or consultation.closes_at is None:
        return sorted(per_day.items())
    first = timezone.localtime(consultation.opens_at, zone).date()
    last = timezone.localtime(min(consultation.closes_at, max(now, consultation.opens_at)), zone)
    last_day = last.date()
    if per_day:
        first, last_day = min(first, *per_day), max(last_day, *per_day)
    days = []
    day = first
    while day <= last_day:
        days.append((day, per_day.get(day, 0)))
        day += dt.timedelta(days=1)
    return days


def _disposition_series() -> list[Series]:
    return [
        Series(value, str(label).capitalize(), DISPOSITION_COLOURS[value])
        for value, label in Comment.Disposition.choices
    ]


def _by_disposition(counts: Counts) -> BarChart:
    rows = [
        (str(label).capitalize(), {"n": counts.total(disposition=value)})
        for value, label in Comment.Disposition.choices
    ]
    return bar_chart(
        "dispositions",
        title=_("What was done with the comments"),
        description=_("Comments by response: %(values)s."),
        label_header=_("Response"),
        series=[Series("n", _("Comments"), SINGLE_COLOUR)],
        rows=rows,
    )


def _occupation_rows(drafts: list[DraftOccupation]) -> list[tuple[int | None, str]]:
    return [(None, _("The whole list"))] + [(d.pk, f"{d.position}. {d.name}") for d in drafts]


def _by_occupation(counts: Counts, drafts: list[DraftOccupation]) -> BarChart:
    rows = [
        (label, {v: counts.total(occupation_id=pk, disposition=v) for v in Comment.Disposition})
        for pk, label in _occupation_rows(drafts)
    ]
    return bar_chart(
        "occupations",
        title=_("Comments per occupation, by response"),
        description=_("Comments on the whole list and on each occupation: %(values)s."),
        label_header=pgettext("chart row", "Occupation"),
        series=_disposition_series(),
        rows=rows,
    )


def _by_part(counts: Counts, drafts: list[DraftOccupation]) -> BarChart:
    series = [
        Series(key or "whole", _part_label(key), PART_COLOURS[i]) for i, key in enumerate(PARTS)
    ]
    rows = [
        (
            label,
            {
                s.key: counts.total(occupation_id=pk, part=part)
                for s, part in zip(series, PARTS, strict=True)
            },
        )
        for pk, label in _occupation_rows(drafts)
        if pk is not None
    ]
    return bar_chart(
        "parts",
        title=_("Comments per occupation, by part commented on"),
        description=_("Comments on each part of each occupation: %(values)s."),
        label_header=pgettext("chart row", "Occupation"),
        series=series,
        rows=rows,
    )


def _senders(counts: Counts) -> BarChart:
    return bar_chart(
        "senders",
        title=_("Who commented"),
        description=_("Comments by kind of sender: %(values)s."),
        label_header=_("Sender"),
        series=[Series("n", _("Comments"), SINGLE_COLOUR)],
        rows=[
            (_("Individuals"), {"n": counts.total(organisation=False)}),
            (_("Organisations"), {"n": counts.total(organisation=True)}),
        ],
    )


def _campaign_share(total: int, in_campaigns: int, campaigns: int) -> BarChart:
    return bar_chart(
        "campaigns",
        title=_("Share of comments from campaigns"),
        description=_(
            "A campaign is a text sent by several people (%(campaigns)s campaigns): %(values)s."
        ),
        params={"campaigns": campaigns},
        label_header=_("Comments"),
        series=[Series("n", _("Comments"), SINGLE_COLOUR)],
        rows=[
            (_("In a campaign"), {"n": in_campaigns}),
            (_("Written alone"), {"n": total - in_campaigns}),
        ],
    )


def _per_day(days: list[tuple[dt.date, int]]) -> ColumnChart:
    return column_chart(
        "days",
        title=_("Comments per day"),
        description=_(
            "Comments received each day of the window (Beijing time): %(total)s in all, at "
            "most %(peak)s on one day (%(peak_day)s)."
        ),
        label_header=_("Day"),
        value_header=_("Comments"),
        columns=[
            (date_format(day, "SHORT_DATE_FORMAT"), date_format(day, "n/j"), n) for day, n in days
        ],
        colour=SINGLE_COLOUR,
    )


def build_analysis(consultation: Consultation, *, now: dt.datetime | None = None) -> Analysis:
    """The analysis of ``consultation``'s comments (spam left out). Changes nothing; five
    queries whatever the number of comments."""
    now = now or timezone.now()
    drafts = list(
        DraftOccupation.objects.filter(consultation=consultation)
        .public()
        .in_order()
        .only("pk", "position", "name")
    )
    comments = Comment.objects.filter(consultation=consultation).not_spam()
    counts = _count(comments)
    share = comments.campaign_share()
    total = counts.total()
    organisations = counts.total(organisation=True)
    return Analysis(
        consultation=consultation,
        comments=total,
        organisations=organisations,
        individuals=total - organisations,
        people=counts.people,
        campaigns=share.campaigns,
        in_campaigns=share.total_members,
        by_disposition=_by_disposition(counts),
        by_occupation=_by_occupation(counts, drafts),
        by_part=_by_part(counts, drafts),
        senders=_senders(counts),
        campaign_share=_campaign_share(total, share.total_members, share.campaigns),
        per_day=_per_day(_days(consultation, comments, now)),
    )
