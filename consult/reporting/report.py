"""The response report of a consultation: what the public said, per draft occupation and per
field, and what was done with it.

``build_response_report(consultation, public=...)`` serves both the staff view in the admin and
the public ``/consultations/<slug>/report/`` page. It runs a constant number of queries (five)
whatever the number of comments: counts and campaigns are aggregated in the database, and the
texts shown are fetched in one query with only the columns a report may show (never e-mail or
IP hash).

Counting rules:

- spam is left out of everything;
- every other comment (received, published, hidden) counts, whatever the variant;
- a campaign is a near-duplicate cluster (``Comment.cluster``, ``consult.clustering``): the
  comments of one consultation with the same or nearly the same text. Per occupation the
  report says "N comments, of which M in K campaigns": the campaigns with at least two
  (non-spam) comments in the consultation, each listed once with its comments on that
  occupation;
- a repeated text is the part of a campaign that landed on one target, at least two comments;
  it appears once, with its size;
- ``submissions`` counts a repeated text once, ``comments`` counts each of its copies;
- ``people`` counts the people behind the comments: a comment sent through the API for an
  organisation counts its ``signatures``, any other comment one.

The public variant lists only the texts and replies of comments that are published and whose
author consented to publication; the staff variant lists every non-spam comment's text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from consult.models import Comment, Consultation, DraftOccupation

# The order in which a draft's fields are reported; tasks are inserted where "task" stands.
FIELD_ORDER = ("", "name", "code", "definition", "task", "job_types", "markers")


def empty_dispositions() -> dict[str, int]:
    """Every disposition with a zero count, in the order of ``Comment.Disposition``."""
    return dict.fromkeys(Comment.Disposition.values, 0)


def disposition_rows(
    counts: dict[str, int], *, nonzero: bool = False
) -> list[tuple[str, str, int]]:
    """``(value, label, count)`` in the order of ``Comment.Disposition``."""
    labels = dict(Comment.Disposition.choices)
    return [
        (value, str(labels.get(value, value)), n) for value, n in counts.items() if n or not nonzero
    ]


@dataclass
class ReportComment:
    """One comment's text as a report may show it (a repeated text is shown once)."""

    tracking_number: str
    submitted_at: dt.datetime
    author: str
    organisation: str
    body: str
    proposed_text: str
    status: str
    disposition: str
    disposition_label: str
    reply: str
    replied_at: dt.datetime | None
    # The organisation that sent it through the API, and how many people it speaks for.
    submitted_by: str = ""
    signatures: int | None = None
    # How many comments share this text on this target (1 unless it heads a repeated text).
    repeats: int = 1


@dataclass
class RepeatedText:
    """Comments of one campaign on the same target, counted once."""

    cluster: int
    size: int


@dataclass
class CampaignShare:
    """One campaign's comments on one occupation (or the whole list): ``size`` of the
    campaign's ``total`` in the consultation; ``text`` the first of them the report may
    quote ("" if none)."""

    cluster: int
    size: int
    total: int
    text: str = ""


@dataclass
class FieldReport:
    """The comments on one target: the whole list, an occupation as a whole, or one field."""

    key: str  # "", "name", "code", "definition", "task", "job_types", "markers"
    label: str
    task_number: int | None = None
    task_text: str = ""
    comments: int = 0
    submissions: int = 0
    people: int = 0
    dispositions: dict[str, int] = field(default_factory=empty_dispositions)
    repeated_texts: list[RepeatedText] = field(default_factory=list)
    texts: list[ReportComment] = field(default_factory=list)

    @property
    def disposition_rows(self) -> list[tuple[str, str, int]]:
        """``(value, label, count)`` of the dispositions this target received."""
        return disposition_rows(self.dispositions, nonzero=True)


@dataclass
class OccupationReport:
    """One draft occupation (``draft`` is None for comments on the whole list)."""

    draft: DraftOccupation | None
    label: str
    fields: list[FieldReport] = field(default_factory=list)
    comments: int = 0
    submissions: int = 0
    people: int = 0
    dispositions: dict[str, int] = field(default_factory=empty_dispositions)
    # Each campaign once, largest first: "N comments, of which M in K campaigns".
    campaigns: list[CampaignShare] = field(default_factory=list)

    @property
    def disposition_rows(self) -> list[tuple[str, str, int]]:
        return disposition_rows(self.dispositions, nonzero=True)

    @property
    def in_campaigns(self) -> int:
        """M: this occupation's comments that belong to a campaign."""
        return sum(c.size for c in self.campaigns)


@dataclass
class ResponseReport:
    consultation: Consultation
    public: bool
    whole_list: OccupationReport
    occupations: list[OccupationReport]
    comments: int = 0
    submissions: int = 0
    people: int = 0
    repeated_text_count: int = 0
    # Campaigns of the consultation (at least two non-spam comments) and their comments.
    campaign_count: int = 0
    in_campaigns: int = 0
    dispositions: dict[str, int] = field(default_factory=empty_dispositions)
    # The last change the report shows: a comment moderated or answered, a draft decided or
    # revised.
    updated_at: dt.datetime | None = None

    @property
    def is_provisional(self) -> bool:
        """Until the consultation is published, dispositions and replies may still change."""
        return self.consultation.status != Consultation.Status.PUBLISHED

    @property
    def sections(self) -> list[OccupationReport]:
        """The whole list first, then every draft in order."""
        return [self.whole_list, *self.occupations]

    @property
    def disposition_rows(self) -> list[tuple[str, str, int]]:
        """``(value, label, count)`` for the totals table, zeros included."""
        return disposition_rows(self.dispositions)


_TEXT_COLUMNS = (
    "pk",
    "occupation_id",
    "field",
    "task_number",
    "cluster_id",
    "tracking_number",
    "submitted_at",
    "author_name",
    "organisation",
    "body",
    "proposed_text",
    "status",
    "disposition",
    "reply",
    "replied_at",
    "api_key__owner",
    "signatures",
)


def _field_label(key: str, task_number: int | None) -> str:
    if key == Comment.Field.TASK:
        return _("Task %(number)s") % {"number": task_number}
    if key == "":
        return _("The occupation as a whole")
    return str(Comment.Field(key).label).capitalize()


def _sort_key(key: str, task_number: int | None) -> tuple[int, int]:
    return (FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER), task_number or 0)


Target = tuple[int | None, str, int | None]  # (occupation_id, field, task_number)


class _FieldReports(dict[Target, FieldReport]):
    """The reports of every target met so far, created on first use."""

    def of(self, occupation_id: int | None, key: str, task_number: int | None) -> FieldReport:
        target = (occupation_id, key, task_number)
        if target not in self:
            label = _("The whole list") if occupation_id is None else _field_label(key, task_number)
            self[target] = FieldReport(key=key, label=label, task_number=task_number)
        return self[target]


def _add_dispositions(total: dict[str, int], part: dict[str, int]) -> None:
    for value, n in part.items():
        total[value] = total.get(value, 0) + n


def _count_comments(fields: _FieldReports, counts) -> None:
    """Add the ``(target..., disposition, n)`` rows to each target's counts."""
    for occupation_id, key, task_number, disposition, n, people, _last_change in counts:
        report = fields.of(occupation_id, key, task_number)
        report.comments += n
        report.people += people
        _add_dispositions(report.dispositions, {disposition: n})


def _collect_repeated_texts(fields: _FieldReports, repeated) -> dict[tuple, RepeatedText]:
    """Attach the ``(target..., fingerprint, size)`` rows to their targets, largest first.

    Returns the repeated texts by ``(target..., fingerprint)``; a target's submissions count each
    of its repeated texts once.
    """
    repeated_index: dict[tuple, RepeatedText] = {}
    for occupation_id, key, task_number, cluster, size in repeated:
        text = RepeatedText(cluster=cluster, size=size)
        fields.of(occupation_id, key, task_number).repeated_texts.append(text)
        repeated_index[(occupation_id, key, task_number, cluster)] = text
    for report in fields.values():
        report.repeated_texts.sort(key=lambda c: (-c.size, c.cluster))
        report.submissions = report.comments - sum(c.size - 1 for c in report.repeated_texts)
    return repeated_index


def _report_comment(
    row: dict, repeated: RepeatedText | None, labels: dict[str, str]
) -> ReportComment:
    disposition = row["disposition"]
    return ReportComment(
        tracking_number=row["tracking_number"],
        submitted_at=row["submitted_at"],
        author=row["author_name"] or str(_("Anonymous")),
        organisation=row["organisation"],
        body=row["body"],
        proposed_text=row["proposed_text"],
        status=row["status"],
        disposition=disposition,
        disposition_label=str(labels.get(disposition, disposition)),
        reply=row["reply"],
        replied_at=row["replied_at"],
        submitted_by=row["api_key__owner"] or "",
        signatures=row["signatures"],
        repeats=repeated.size if repeated is not None else 1,
    )


def _list_texts(
    fields: _FieldReports,
    texts,
    repeated_index: dict[tuple, RepeatedText],
    campaigns: dict[int | None, dict[int, CampaignShare]],
) -> None:
    """Add each text to its target in order; a repeated text is listed once, at its first.
    The first text of each campaign on an occupation is the one its campaign line quotes."""
    labels = dict(Comment.Disposition.choices)
    seen: set[tuple] = set()
    for row in texts:
        target = (row["occupation_id"], row["field"], row["task_number"])
        share = campaigns.get(row["occupation_id"], {}).get(row["cluster_id"])
        if share is not None and not share.text:
            share.text = row["body"]
        text_key = (*target, row["cluster_id"] or -row["pk"])
        repeated = repeated_index.get(text_key)
        if repeated is not None and text_key in seen:
            continue
        seen.add(text_key)
        fields.of(*target).texts.append(_report_comment(row, repeated, labels))


def _task_text(draft: DraftOccupation, task_number: int) -> str:
    """The task as the public read it (the consulted text when frozen), or "" if out of range."""
    tasks = (draft.consulted_text or {}).get("tasks") or draft.tasks
    return tasks[task_number - 1] if 0 < task_number <= len(tasks) else ""


def _campaign_shares(rows) -> dict[int | None, dict[int, CampaignShare]]:
    """The ``(occupation_id, cluster, n)`` rows of campaigns' comments as each occupation's
    campaigns, with each campaign's total over the consultation."""
    rows = list(rows)
    totals: dict[int, int] = {}
    for _occupation, cluster, n in rows:
        totals[cluster] = totals.get(cluster, 0) + n
    shares: dict[int | None, dict[int, CampaignShare]] = {}
    for occupation_id, cluster, n in rows:
        share = CampaignShare(cluster=cluster, size=n, total=totals[cluster])
        shares.setdefault(occupation_id, {})[cluster] = share
    return shares


def _section(
    draft: DraftOccupation | None,
    fields: _FieldReports,
    campaigns: dict[int | None, dict[int, CampaignShare]],
) -> OccupationReport:
    """The report of one draft (or of the whole list for ``None``), its fields in order."""
    occupation_id = draft.pk if draft is not None else None
    label = draft.name if draft is not None else _("The whole list")
    result = OccupationReport(draft=draft, label=label)
    result.campaigns = sorted(
        campaigns.get(occupation_id, {}).values(), key=lambda c: (-c.size, c.cluster)
    )
    mine = [(k, r) for k, r in fields.items() if k[0] == occupation_id]
    mine.sort(key=lambda item: _sort_key(item[0][1], item[0][2]))
    for (_occ, key, task_number), report in mine:
        if draft is not None and key == "task" and task_number:
            report.task_text = _task_text(draft, task_number)
        result.fields.append(report)
        result.comments += report.comments
        result.submissions += report.submissions
        result.people += report.people
        _add_dispositions(result.dispositions, report.dispositions)
    return result


def build_response_report(consultation: Consultation, *, public: bool) -> ResponseReport:
    """Build the response report of ``consultation``.

    Requires a saved consultation; works in any status (staff may look during consultation,
    the public page should show it only when ``consultation.report_is_public``). Changes
    nothing. ``public=True`` lists only published, consented comments' texts and replies;
    counts always include every non-spam comment. Five queries, whatever the row counts.
    """
    drafts = list(DraftOccupation.objects.filter(consultation=consultation).public().in_order())
    comments = Comment.objects.filter(consultation=consultation).not_spam()
    target = ("occupation_id", "field", "task_number")

    counts = (
        comments.order_by()
        .values(*target, "disposition")
        .annotate(
            n=Count("pk"), people=Sum(Coalesce("signatures", 1)), last_change=Max("updated_at")
        )
        .values_list(*target, "disposition", "n", "people", "last_change")
    )
    repeated = (
        comments.filter(cluster__isnull=False)
        .order_by()
        .values(*target, "cluster_id")
        .annotate(size=Count("pk"))
        .filter(size__gte=2)
        .values_list(*target, "cluster_id", "size")
    )
    # Campaigns: clusters of at least two non-spam comments in the consultation, counted per
    # occupation (a subquery, so the rows are campaigns, not comments).
    campaign_keys = (
        comments.filter(cluster__isnull=False)
        .order_by()
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .values("cluster_id")
    )
    per_occupation = (
        comments.filter(cluster_id__in=campaign_keys)
        .order_by()
        .values("occupation_id", "cluster_id")
        .annotate(n=Count("pk"))
        .values_list("occupation_id", "cluster_id", "n")
    )
    shown = Comment.objects.published() if public else Comment.objects.not_spam()
    texts = (
        shown.filter(consultation=consultation)
        .order_by("submitted_at", "pk")
        .values(*_TEXT_COLUMNS)
    )

    fields = _FieldReports()
    counts = list(counts)
    _count_comments(fields, counts)
    repeated_index = _collect_repeated_texts(fields, repeated)
    campaigns = _campaign_shares(per_occupation)
    _list_texts(fields, texts, repeated_index, campaigns)

    report = ResponseReport(
        consultation=consultation,
        public=public,
        whole_list=_section(None, fields, campaigns),
        occupations=[_section(draft, fields, campaigns) for draft in drafts],
    )
    report.campaign_count = len({c for shares in campaigns.values() for c in shares})
    report.in_campaigns = sum(s.size for shares in campaigns.values() for s in shares.values())
    for part in report.sections:
        report.comments += part.comments
        report.submissions += part.submissions
        report.people += part.people
        _add_dispositions(report.dispositions, part.dispositions)
    report.repeated_text_count = sum(len(r.repeated_texts) for r in fields.values())
    moments = [consultation.updated_at, *(d.updated_at for d in drafts)]
    moments += [row[-1] for row in counts if row[-1] is not None]
    report.updated_at = max(moments)
    return report
