"""A small public site reached through the workflow: one open consultation, one published one
with moderated comments and a batch, one scheduled one. Shared by the accessibility sweep."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone

from consult.models import Comment, Consultation
from consult.workflow.consultations import begin_review
from consult.workflow.drafts import accept_draft, revise_draft, withdraw_draft
from consult.workflow.moderation import moderate_comments, set_disposition
from consult.workflow.publication import publish_consultation
from tests.factories import AuthorityFactory, CommentFactory, ConsultationFactory, UserFactory
from tests.site.conftest import make_draft


@dataclasses.dataclass
class World:
    open: Consultation
    closed: Consultation
    scheduled: Consultation
    comment: Comment
    occupation_pk: int
    batch_slug: str


def build_world() -> World:
    now = timezone.now()
    editor = UserFactory(username="world-editor", roles=["Editors"])
    moderator = UserFactory(username="world-moderator", roles=["Moderators"])
    publisher = UserFactory(username="world-publisher", roles=["Publishers"])
    open_one = ConsultationFactory(
        slug="open-2026",
        title="2026 新职业信息（征求意见稿）",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=29, hours=3),
    )
    make_draft(
        open_one,
        1,
        name="氢能生产工",
        tasks=["操作电解槽。", "检查设备。", "记录读数。"],
        job_types=["电解槽操作员"],
        green=True,
    )
    make_draft(open_one, 2, name="低空飞行器驾驶员", tasks=["规划航线。"], digital=True)

    closed = ConsultationFactory(
        slug="closed-2025",
        title="2025 新职业信息（征求意见稿）",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=90),
        closes_at=now - dt.timedelta(days=60),
    )
    kept = make_draft(
        closed, 1, name="碳排放管理员", tasks=["监测排放。", "编制报告。"], green=True
    )
    dropped = make_draft(closed, 2, name="数据标注员", tasks=["标注数据。"], digital=True)
    comment = CommentFactory(
        consultation=closed,
        occupation=kept,
        field="task",
        task_number=2,
        body="建议在任务 2 中写明报告的频率。",
        author_name="某协会",
        submitted_at=now - dt.timedelta(days=70),
    )
    CommentFactory(
        consultation=closed, body="同意该草案。", submitted_at=now - dt.timedelta(days=69)
    )
    moderate_comments(Comment.objects.filter(consultation=closed), by=moderator, action="publish")
    begin_review(closed, by=publisher, now=now)
    set_disposition(
        [comment], by=moderator, disposition="adopted", reply="任务 2 已写明按月报告。", now=now
    )
    revise_draft(
        kept,
        by=editor,
        changes={"proposed_code": "4-99-00-01", "tasks": ["监测排放。", "按月编制排放报告。"]},
    )
    accept_draft(kept, by=editor)
    withdraw_draft(
        dropped, by=editor, reason="与现有职业重复。", public_explanation="已并入现有职业。"
    )
    AuthorityFactory(name="人力资源社会保障部")
    batch = publish_consultation(
        closed,
        by=publisher,
        now=now,
        slug="batch-2025",
        title="2025 年新职业",
        announced_on=now.date(),
    )
    scheduled = ConsultationFactory(
        slug="later-2027",
        title="2027 新职业信息（征求意见稿）",
        status=Consultation.Status.CONSULTATION,
        opens_at=now + dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=40),
    )
    make_draft(scheduled, 1, name="智能体训练师")
    comment.refresh_from_db()
    return World(
        open=open_one,
        closed=closed,
        scheduled=scheduled,
        comment=comment,
        occupation_pk=batch.occupations.get().pk,
        batch_slug=batch.slug,
    )
