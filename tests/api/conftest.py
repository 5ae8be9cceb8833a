"""Fixtures of the API tests: a small published registry, consultations in every public state
with comments in every moderation state, and builders of many rows for query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from consult.models import Attachment, Comment, Consultation, DraftOccupation
from occupations.models import SkillStandard, StandardLevel
from occupations.workflow import attach_skill_standard
from tests.factories import (
    AuthorityFactory,
    BatchFactory,
    CommentFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    GroupFactory,
    OccupationFactory,
)

# Text that must never leave the API: it is in comments the public may not see.
SECRET_BODIES = ("SECRET-UNCONSENTED", "SECRET-RECEIVED", "SECRET-HIDDEN", "SECRET-SPAM")
SECRET_EMAIL = "reader@example.org"
# Statuses of the requests the schema fuzzer sent (test_api_schema), reported at the end.
FUZZ_CASES: list[int] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZ_CASES:
        statuses = ", ".join(
            f"{status}: {FUZZ_CASES.count(status)}" for status in sorted(set(FUZZ_CASES))
        )
        terminalreporter.write_line(f"schemathesis: {len(FUZZ_CASES)} cases ({statuses})")


@pytest.fixture
def standards_editor(db):
    """A superuser made without hashing a password: the registry fixture runs for most tests."""
    return get_user_model().objects.create(
        username="standards-editor", is_staff=True, is_superuser=True
    )


@pytest.fixture
def registry(db, standards_editor):
    """Two published batches (April 2019 and March 2021), four occupations, two standards."""
    ministry = AuthorityFactory()
    statistics = AuthorityFactory(name="National Bureau of Statistics")
    professional = GroupFactory()
    workers = GroupFactory(code="6", title="生产制造及有关人员", title_en="Production workers")
    first = BatchFactory(
        slug="batch-1",
        number=1,
        title="First batch of new occupations",
        announced_on=dt.date(2019, 4, 1),
        announced_precision="month",
        announced_count=13,
    )
    first.authorities.set([ministry, statistics])
    fourth = BatchFactory(
        slug="batch-4",
        number=4,
        title="Fourth batch of new occupations",
        announced_on=dt.date(2021, 3, 1),
        announced_precision="month",
        announced_count=18,
    )
    fourth.authorities.set([ministry])
    ai = OccupationFactory(
        batch=first,
        position=1,
        code="2-02-10-09",
        name="人工智能工程技术人员",
        alternative_names=["Artificial intelligence engineering technician"],
        definition="从事与人工智能相关算法、深度学习等多种技术的分析、研究、开发的工程技术人员。",
        tasks=["分析、研究人工智能算法", "研发机器学习、深度学习等技术"],
        job_types=[],
        digital=True,
        group=professional,
    )
    iot = OccupationFactory(
        batch=first,
        position=2,
        code="2-02-10-10",
        name="物联网工程技术人员",
        alternative_names=["Internet of Things engineering technician"],
        definition="从事物联网架构、平台、芯片的研究和应用的工程技术人员。",
        tasks=["研究物联网技术"],
        digital=True,
        group=professional,
    )
    carbon = OccupationFactory(
        batch=fourth,
        position=1,
        code="6-28-01-15",
        name="碳排放管理员",
        alternative_names=["Carbon emission administrator"],
        definition="从事企事业单位二氧化碳等温室气体排放监测、统计核算的人员。",
        tasks=["监测企事业单位碳排放现状", "统计核算企事业单位碳排放数据"],
        job_types=["碳排放监测员", "碳排放核查员"],
        green=True,
        group=workers,
    )
    historic = OccupationFactory(
        batch=fourth,
        position=2,
        code="",
        name="Blockchain application operator",
        definition="=Operates blockchain applications.",
        tasks=[],
    )
    ai_standard = attach_skill_standard(
        ai,
        by=standards_editor,
        title="人工智能工程技术人员国家职业技术技能标准",
        kind="technical",
        issued_on=dt.date(2021, 7, 1),
        authorities=[ministry],
        directions=["人工智能训练", "智能产品开发"],
    )
    carbon_standard = attach_skill_standard(
        carbon,
        by=standards_editor,
        title="碳排放管理员国家职业技能标准",
        kind="skill",
        authorities=[ministry, statistics],
    )
    return {
        "batches": [first, fourth],
        "occupations": [ai, iot, carbon, historic],
        "standards": [ai_standard, carbon_standard],
        "groups": [professional, workers],
    }


def _comment(consultation, body, **kwargs) -> Comment:
    kwargs.setdefault("email", SECRET_EMAIL)
    kwargs.setdefault("ip_hash", "f" * 64)
    return CommentFactory(consultation=consultation, body=body, **kwargs)


@pytest.fixture
def consultations(db):
    """An open consultation with comments in every moderation state, a scheduled one, one in
    review, and one still drafting (never public)."""
    now = timezone.now()
    open_one = ConsultationFactory(
        slug="draft-list-2026",
        title="2026 draft list of new occupations",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=20),
    )
    hydrogen = DraftOccupationFactory(
        consultation=open_one,
        position=1,
        proposed_code="6-28-01-17",
        name="Hydrogen producer",
        tasks=["Operate electrolysers.", "Record readings."],
        job_types=["Electrolysis operator"],
        green=True,
        status=DraftOccupation.Status.PROPOSED,
    )
    DraftOccupationFactory(
        consultation=open_one,
        position=2,
        name="Low-altitude pilot",
        digital=True,
        status=DraftOccupation.Status.PROPOSED,
    )
    signed = _comment(
        open_one,
        "The definition should mention storage.",
        occupation=hydrogen,
        field=Comment.Field.DEFINITION,
        proposed_text="Personnel who produce and store hydrogen.",
        author_name="Example Reader",
        organisation="Hydrogen Energy Association",
        status=Comment.Status.PUBLISHED,
        disposition=Comment.Disposition.ADOPTED,
        reply="Adopted in the revised definition.",
        replied_at=now,
    )
    Attachment.objects.create(
        comment=signed,
        file="attachments/2026/07/evidence.pdf",
        original_name="evidence.pdf",
        content_type=Attachment.Kind.PDF,
        size=1024,
    )
    anonymous = _comment(open_one, "The list is welcome.", status=Comment.Status.PUBLISHED)
    _comment(open_one, SECRET_BODIES[0], status=Comment.Status.PUBLISHED, consent_to_publish=False)
    _comment(open_one, SECRET_BODIES[1])
    _comment(open_one, SECRET_BODIES[2], status=Comment.Status.HIDDEN)
    _comment(open_one, SECRET_BODIES[3], status=Comment.Status.SPAM)
    scheduled = ConsultationFactory(
        slug="next-list",
        status=Consultation.Status.CONSULTATION,
        opens_at=now + dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=40),
    )
    DraftOccupationFactory(consultation=scheduled, position=1, status="proposed")
    in_review = ConsultationFactory(
        slug="last-list",
        status=Consultation.Status.REVIEW,
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=30),
    )
    DraftOccupationFactory(consultation=in_review, position=1, status="proposed")
    drafting = ConsultationFactory(slug="still-drafting", title="Not public yet")
    DraftOccupationFactory(consultation=drafting, position=1, name="Secret draft")
    return {
        "open": open_one,
        "scheduled": scheduled,
        "review": in_review,
        "drafting": drafting,
        "signed": signed,
        "anonymous": anonymous,
        "hydrogen": hydrogen,
    }


# Builders of many rows, for query counts ------------------------------------------------------


def many_occupations(count: int) -> None:
    """``count`` occupations, each with tasks, a group and a three-level standard."""
    group = GroupFactory()
    batch = BatchFactory()
    batch.authorities.set([AuthorityFactory()])
    for position in range(1, count + 1):
        occupation = OccupationFactory(batch=batch, position=position, group=group)
        standard = SkillStandard.objects.create(
            occupation=occupation, title=f"Standard {position}", kind="technical"
        )
        standard.authorities.set([AuthorityFactory()])
        StandardLevel.objects.bulk_create(
            StandardLevel(standard=standard, kind="technical", rank=rank, key=key)
            for rank, key in enumerate(("primary", "intermediate", "advanced"), start=1)
        )


def many_batches(count: int) -> None:
    authority = AuthorityFactory()
    for _ in range(count):
        batch = BatchFactory()
        batch.authorities.set([authority])
        OccupationFactory(batch=batch, position=1)


def many_consultations(count: int) -> None:
    for _ in range(count):
        consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
        DraftOccupationFactory(consultation=consultation, position=1, status="proposed")
        DraftOccupationFactory(consultation=consultation, position=2, status="proposed")
        CommentFactory(consultation=consultation, status=Comment.Status.PUBLISHED)


def many_comments(consultation: Consultation, count: int) -> None:
    draft = consultation.drafts.first()
    for _ in range(count):
        CommentFactory(
            consultation=consultation,
            occupation=draft,
            field=Comment.Field.NAME,
            status=Comment.Status.PUBLISHED,
        )


# Reading responses ------------------------------------------------------------------------


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_of(response) -> list[list[str]]:
    """The rows of a CSV response, header first (the byte-order mark removed)."""
    return list(csv.reader(io.StringIO(body_of(response).decode("utf-8-sig"), newline="")))


def results_of(client, url: str, **params) -> list[dict]:
    response = client.get(url, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]
