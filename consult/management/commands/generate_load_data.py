"""``manage.py generate_load_data``: fill a database with generated data for the benchmarks.

The data looks like the real thing at scale: published batches of occupations (Chinese names
with English alternative names, definitions, numbered tasks, job types), skill standards with
their full level sets on some occupations, consultations in every state with their draft lists,
and public comments in Chinese and English, a share of them in campaigns (the same text sent
many times, differing only in spacing, case and punctuation, so they share a fingerprint).

Rows are written with ``bulk_create`` in batches, so ``save()`` does not run: the command fills
``Occupation.search_text`` and ``Comment.fingerprint`` itself. The same ``--seed`` gives the
same records; only timestamps of the open consultation move with the clock, so that it is open
when the command runs. Every generated batch and consultation has a slug starting with
``load-``; the command refuses to run twice on one database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sys
import time
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from consult.models import (
    CROCKFORD_ALPHABET,
    Comment,
    Consultation,
    DraftOccupation,
    comment_fingerprint,
)
from occupations.models import (
    LEVELS_BY_KIND,
    Authority,
    Batch,
    ClassificationGroup,
    Occupation,
    SkillStandard,
    StandardLevel,
)

SLUG_PREFIX = "load-"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# Word pools for occupation names: field + object + role, in Chinese and English.
FIELDS = [
    ("智能制造", "intelligent manufacturing"),
    ("工业互联网", "industrial internet"),
    ("人工智能", "artificial intelligence"),
    ("区块链", "blockchain"),
    ("云计算", "cloud computing"),
    ("物联网", "internet of things"),
    ("大数据", "big data"),
    ("数字孪生", "digital twin"),
    ("低空飞行", "low-altitude flight"),
    ("氢能", "hydrogen energy"),
    ("储能", "energy storage"),
    ("碳排放", "carbon emission"),
    ("碳汇", "carbon sink"),
    ("新能源汽车", "new energy vehicle"),
    ("集成电路", "integrated circuit"),
    ("虚拟现实", "virtual reality"),
    ("康复辅助", "rehabilitation aid"),
    ("健康照护", "health care"),
    ("城市轨道交通", "urban rail transit"),
    ("农业经理", "agricultural management"),
    ("电子竞技", "e-sports"),
    ("网络直播", "live streaming"),
    ("供应链", "supply chain"),
    ("无人机", "drone"),
    ("家庭教育", "family education"),
    ("建筑信息模型", "building information modelling"),
    ("数据安全", "data security"),
    ("智慧养老", "smart elderly care"),
]
OBJECTS = [
    ("装备", "equipment"),
    ("系统", "systems"),
    ("平台", "platform"),
    ("数据", "data"),
    ("服务", "services"),
    ("工程", "engineering"),
    ("运营", "operations"),
    ("测试", "testing"),
    ("应用", "applications"),
    ("网络", "networks"),
]
ROLES = [
    ("工程技术人员", "engineering technician"),
    ("运维员", "maintenance worker"),
    ("操作员", "operator"),
    ("管理师", "manager"),
    ("设计师", "designer"),
    ("技术员", "technician"),
    ("分析师", "analyst"),
    ("检验员", "inspector"),
    ("调试员", "commissioning worker"),
    ("咨询师", "consultant"),
    ("培训师", "trainer"),
    ("安全员", "safety officer"),
]
TASK_VERBS = [
    ("负责", "Be responsible for"),
    ("开展", "Carry out"),
    ("组织", "Organise"),
    ("参与", "Take part in"),
    ("制定", "Draw up"),
]
TASK_OBJECTS = [
    ("{f}{o}的安装、调试与维护", "installing, commissioning and maintaining {fe} {oe}"),
    ("{f}{o}的需求分析与方案设计", "requirements analysis and design of {fe} {oe}"),
    ("{f}{o}运行数据的采集、监测与分析", "collecting, monitoring and analysing {fe} data"),
    ("{f}{o}的质量检验与故障诊断", "quality inspection and fault diagnosis of {fe} {oe}"),
    ("{f}相关标准、规范和操作规程", "standards and operating procedures for {fe}"),
    ("{f}{o}的技术培训与咨询", "training and advice on {fe} {oe}"),
    ("{f}项目的进度、成本和安全管理", "schedule, cost and safety of {fe} projects"),
    ("{f}{o}的网络与数据安全防护", "network and data security of {fe} {oe}"),
]
JOB_TYPES = ["运维", "研发", "测试", "实施", "管理", "设计", "操作", "培训"]

# Comment text: sentences in Chinese and in English, combined with numbers and names.
ZH_OPENINGS = [
    "建议将“{name}”的名称调整为“{alt}”。",
    "“{name}”的定义过于宽泛，建议补充具体的工作对象。",
    "我单位约有{n}名从业人员从事“{name}”相关工作，支持列入目录。",
    "主要工作任务第{t}项与现有职业存在交叉，建议删除或合并。",
    "建议在“{name}”下增设{jt}工种。",
    "该职业与{field}行业发展密切相关，建议尽快发布。",
    "从业人员规模估计在{n}人左右，建议补充职业技能等级划分。",
    "建议将“{name}”归入第{g}大类。",
]
# Every individual comment opens with its writer's context, which carries a number: texts
# written one by one rarely coincide, so only campaigns share a fingerprint.
ZH_CONTEXTS = [
    "我在{field}领域工作了{y}年，所在单位有{n}名员工。",
    "本单位是{field}企业，现有相关从业人员{n}人。",
    "作为{field}专业教师，我已培养学生{n}名。",
    "我们协会覆盖{field}企业{n}家。",
]
EN_CONTEXTS = [
    "I have worked in {fe} for {y} years, at a firm of {n} people.",
    "We are a {fe} company with {n} staff in related roles.",
    "As a {fe} lecturer I have trained {n} students.",
    "Our association represents {n} {fe} firms.",
]
ZH_CLOSINGS = [
    "以上意见供参考。",
    "望予以采纳。",
    "请在技能标准中予以体现。",
    "建议听取行业协会的意见。",
    "",
]
EN_OPENINGS = [
    'Consider renaming "{alt}" to better match industry usage.',
    "Task {t} overlaps with an occupation already in the classification.",
    "Our organisation employs about {n} people in this role and supports its inclusion.",
    "The definition should name the equipment the worker operates.",
    "Please add a {jte} job type under this occupation.",
    "The {fe} sector needs this occupation recognised as soon as possible.",
    "The draft should state the skill levels expected for about {n} workers.",
    "This occupation belongs in major group {g}, not where it is now.",
]
EN_CLOSINGS = [
    "Thank you for the opportunity to comment.",
    "We would welcome a reply.",
    "Industry associations should be consulted.",
    "",
]
ORGANISATIONS = [
    "{field}产业联盟",
    "{field}行业协会",
    "某职业技术学院",
    "某市人力资源服务中心",
    "{fe} industry association",
    "Vocational training centre",
    "",
    "",
]
CAMPAIGN_TEXTS_ZH = [
    "强烈支持将“{name}”列入新职业目录！这是{n}名从业者的共同心声。",
    "我们反对将“{name}”与现有职业合并，请保留为独立职业。",
    "请尽快发布“{name}”的国家职业技能标准，从业者急需。",
]
CAMPAIGN_TEXTS_EN = [
    'We strongly support adding "{alt}" to the classification. {n} workers depend on it.',
    'Please keep "{alt}" as a separate occupation; do not merge it.',
]


def _progress(label: str, done: int, total: int, started: float, *, enabled: bool) -> None:
    """A plain progress line on stderr: redrawn in place on a terminal, every 10% otherwise."""
    if not enabled or total <= 0:
        return
    fraction = done / total
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed > 0 else 0.0
    bar = "#" * int(fraction * 30)
    line = (
        f"{label:<12} [{bar:<30}] {fraction:6.1%} {done:>10,}/{total:,} "
        f"{elapsed:6.1f} s {rate:>9,.0f}/s"
    )
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
        sys.stderr.flush()
    else:
        step = max(total // 10, 1)
        if done >= total or done // step != (done - 1) // step:
            sys.stderr.write(line + "\n")


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


class Generator:
    """Builds the records from one random generator, so that a seed repeats the data."""

    def __init__(
        self, *, seed: int, batch_size: int, progress: bool, now: dt.datetime, log
    ) -> None:
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.progress = progress
        self.now = now
        self.log = log

    # Occupations --------------------------------------------------------------------------

    def _occupation_text(self) -> dict:
        rng = self.rng
        f, fe = rng.choice(FIELDS)
        o, oe = rng.choice(OBJECTS)
        r, re_ = rng.choice(ROLES)
        name = f"{f}{o}{r}"
        english = f"{fe} {oe} {re_}"
        tasks = []
        for verb, verb_en in rng.sample(TASK_VERBS, k=rng.randint(2, len(TASK_VERBS))):
            zh, en = rng.choice(TASK_OBJECTS)
            tasks.append(f"{verb}{zh.format(f=f, o=o)}。")
            if rng.random() < 0.2:
                tasks.append(f"{verb_en} {en.format(fe=fe, oe=oe)}.")
        return {
            "name": name,
            "alternative_names": [english.capitalize()],
            "definition": (
                f"从事{f}{o}的设计、实施、运行和维护等工作的人员。"
                f" Personnel who design, build, run and maintain {fe} {oe}."
            ),
            "tasks": tasks,
            "job_types": [
                f"{f}{jt}{r[-1]}" for jt in rng.sample(JOB_TYPES, k=rng.choice((0, 0, 2, 3)))
            ],
            "green": f in {"氢能", "储能", "碳排放", "碳汇", "新能源汽车"} or rng.random() < 0.05,
            "digital": rng.random() < 0.4,
        }

    def _codes(self, count: int) -> list[str]:
        """``count`` distinct codes D-DD-DD-DD not yet in the registry."""
        taken = set(Occupation.objects.exclude(code="").values_list("code", flat=True))
        codes: list[str] = []
        for number in self.rng.sample(range(8_000_000), k=min(8_000_000, count + len(taken))):
            major, rest = divmod(number, 1_000_000)
            code = f"{major + 1}-{rest // 10000:02d}-{rest // 100 % 100:02d}-{rest % 100:02d}"
            if code not in taken:
                codes.append(code)
                if len(codes) == count:
                    break
        return codes

    def batches_and_occupations(self, total: int, per_batch: int) -> list[Batch]:
        rng = self.rng
        groups = list(ClassificationGroup.objects.filter(level="major").order_by("code"))
        authority, _created = Authority.objects.get_or_create(
            name="Ministry of Human Resources and Social Security"
        )
        batch_count = max(1, -(-total // per_batch))
        first_day = dt.date(2019, 4, 1)
        span = (dt.date(2026, 3, 1) - first_day).days
        batches = Batch.objects.bulk_create(
            [
                Batch(
                    slug=f"{SLUG_PREFIX}batch-{i + 1:04d}",
                    title=f"Generated batch {i + 1} of new occupations",
                    announced_on=first_day + dt.timedelta(days=span * i // batch_count),
                    announced_precision="day",
                    announced_count=min(per_batch, total - i * per_batch),
                    notes="Generated load data for benchmarks.",
                )
                for i in range(batch_count)
            ]
        )
        Batch.authorities.through.objects.bulk_create(
            [Batch.authorities.through(batch_id=b.pk, authority_id=authority.pk) for b in batches]
        )
        codes = self._codes(total)
        started = time.perf_counter()
        for start, end in _chunks(total, self.batch_size):
            rows = []
            for i in range(start, end):
                occupation = Occupation(
                    batch=batches[i // per_batch],
                    position=i % per_batch + 1,
                    # A few historic-style records without a code, as in the real registry.
                    code="" if rng.random() < 0.02 else codes[i],
                    group=rng.choice(groups) if groups and rng.random() < 0.9 else None,
                    notes="Generated load data.",
                    **self._occupation_text(),
                )
                occupation.search_text = occupation.build_search_text()
                rows.append(occupation)
            Occupation.objects.bulk_create(rows)
            _progress("occupations", end, total, started, enabled=self.progress)
        return batches

    def standards(self, share: float) -> int:
        """Attach a standard with its full level set to ``share`` of the generated
        occupations."""
        rng = self.rng
        authority = Authority.objects.get(name="Ministry of Human Resources and Social Security")
        ids = list(
            Occupation.objects.filter(batch__slug__startswith=SLUG_PREFIX)
            .order_by("pk")
            .values_list("pk", "name")
        )
        chosen = [row for row in ids if rng.random() < share]
        started = time.perf_counter()
        for start, end in _chunks(len(chosen), self.batch_size):
            standards = []
            for pk, name in chosen[start:end]:
                kind = rng.choice((SkillStandard.Kind.TECHNICAL, SkillStandard.Kind.SKILL))
                directions = (
                    []
                    if rng.random() < 0.7
                    else [f"{name}（{d}方向）" for d in rng.sample(JOB_TYPES, k=2)]
                )
                standards.append(
                    SkillStandard(
                        occupation_id=pk,
                        title=f"{name}国家职业技能标准",
                        kind=kind,
                        edition=f"{rng.randint(2020, 2026)}年版",
                        issued_on=dt.date(rng.randint(2020, 2026), rng.randint(1, 12), 1),
                        issued_precision="month",
                        directions=directions,
                        notes="Generated load data.",
                    )
                )
            SkillStandard.objects.bulk_create(standards)
            StandardLevel.objects.bulk_create(
                [
                    StandardLevel(standard=s, kind=s.kind, rank=rank, key=key)
                    for s in standards
                    for rank, key in enumerate(LEVELS_BY_KIND[s.kind], start=1)
                ]
            )
            SkillStandard.authorities.through.objects.bulk_create(
                [
                    SkillStandard.authorities.through(
                        skillstandard_id=s.pk, authority_id=authority.pk
                    )
                    for s in standards
                ]
            )
            _progress("standards", end, len(chosen), started, enabled=self.progress)
        return len(chosen)

    # Consultations ------------------------------------------------------------------------

    def consultations(self, count: int, batches: list[Batch]) -> list[Consultation]:
        """``count`` consultations: published ones (one per batch, newest batches), one in
        review, and one open now for comments."""
        rng = self.rng
        published = min(max(count - 2, 0), len(batches))
        rows: list[Consultation] = []
        for i, batch in enumerate(batches[len(batches) - published :]):
            closes = dt.datetime.combine(
                batch.announced_on - dt.timedelta(days=60), dt.time(23, 59, 59), SHANGHAI
            )
            rows.append(
                Consultation(
                    slug=f"{SLUG_PREFIX}published-{i + 1:03d}",
                    title=f"Generated draft list {i + 1} (published)",
                    summary="Generated load data.",
                    status=Consultation.Status.PUBLISHED,
                    opens_at=closes - dt.timedelta(days=30, hours=23, minutes=59, seconds=59),
                    closes_at=closes,
                    batch=batch,
                )
            )
        review_closes = self.now - dt.timedelta(days=20)
        rows.append(
            Consultation(
                slug=f"{SLUG_PREFIX}review",
                title="Generated draft list in review",
                summary="Generated load data.",
                status=Consultation.Status.REVIEW,
                opens_at=review_closes - dt.timedelta(days=30),
                closes_at=review_closes,
            )
        )
        rows.append(
            Consultation(
                slug=f"{SLUG_PREFIX}open",
                title="Generated draft list open for comments",
                summary="Generated load data: comments are open.",
                status=Consultation.Status.CONSULTATION,
                opens_at=self.now - dt.timedelta(days=10),
                closes_at=self.now + dt.timedelta(days=30),
            )
        )
        consultations = Consultation.objects.bulk_create(rows)
        drafts: list[DraftOccupation] = []
        for consultation in consultations:
            if consultation.batch_id is not None:
                occupations = list(
                    Occupation.objects.filter(batch_id=consultation.batch_id).order_by("position")[
                        :30
                    ]
                )
                for position, occupation in enumerate(occupations, start=1):
                    text = {
                        "proposed_code": occupation.code,
                        "name": occupation.name,
                        "alternative_names": occupation.alternative_names,
                        "definition": occupation.definition,
                        "tasks": occupation.tasks,
                        "job_types": occupation.job_types,
                        "green": occupation.green,
                        "digital": occupation.digital,
                        "group_id": occupation.group_id,
                    }
                    drafts.append(
                        DraftOccupation(
                            consultation=consultation,
                            position=position,
                            status=DraftOccupation.Status.ACCEPTED,
                            occupation=occupation,
                            consulted_text=text,
                            **{k: v for k, v in text.items() if k != "group_id"},
                            group_id=occupation.group_id,
                        )
                    )
            else:
                for position in range(1, rng.randint(12, 30) + 1):
                    text = self._occupation_text()
                    draft = DraftOccupation(
                        consultation=consultation,
                        position=position,
                        status=DraftOccupation.Status.PROPOSED,
                        **text,
                    )
                    draft.consulted_text = draft.text()
                    drafts.append(draft)
        DraftOccupation.objects.bulk_create(drafts, batch_size=self.batch_size)
        return consultations

    # Comments -----------------------------------------------------------------------------

    def _tracking_numbers(self, count: int) -> list[str]:
        taken = set(Comment.objects.values_list("tracking_number", flat=True))
        numbers: list[str] = []
        seen = set(taken)
        bits = self.rng.getrandbits
        while len(numbers) < count:
            value = bits(60)
            chars = "".join(CROCKFORD_ALPHABET[(value >> (5 * i)) & 31] for i in range(12))
            number = f"{chars[0:4]}-{chars[4:8]}-{chars[8:12]}"
            if number not in seen:
                seen.add(number)
                numbers.append(number)
        return numbers

    def _comment_body(self, draft: DraftOccupation | None, field_zh: str, field_en: str) -> str:
        rng = self.rng
        name = draft.name if draft else "目录"
        alt = draft.alternative_names[0] if draft and draft.alternative_names else "the list"
        values = {
            "name": name,
            "alt": alt,
            "n": rng.randint(3, 50_000),
            "t": rng.randint(1, 8),
            "jt": rng.choice(JOB_TYPES),
            "jte": rng.choice(("maintenance", "research", "testing", "training")),
            "g": rng.randint(1, 8),
            "field": field_zh,
            "fe": field_en,
            "y": rng.randint(1, 40),
        }
        if rng.random() < 0.6:
            sentences = [rng.choice(ZH_CONTEXTS), *rng.sample(ZH_OPENINGS, k=rng.randint(1, 3))]
            closing = rng.choice(ZH_CLOSINGS)
            return "".join(s.format(**values) for s in sentences) + closing
        sentences = [rng.choice(EN_CONTEXTS), *rng.sample(EN_OPENINGS, k=rng.randint(1, 3))]
        closing = rng.choice(EN_CLOSINGS)
        return " ".join([*(s.format(**values) for s in sentences), closing]).strip()

    def _campaign_variant(self, text: str) -> str:
        """The same campaign text as people paste it: spacing, case and punctuation vary, the
        fingerprint does not."""
        rng = self.rng
        choice = rng.random()
        if choice < 0.25:
            return text.upper() if text.isascii() else text
        if choice < 0.5:
            return "  " + text.replace("，", ", ").replace("。", ".") + " "
        if choice < 0.75:
            return text.rstrip("！!。.") + "!!"
        return text

    def comments(
        self, total: int, consultations: list[Consultation], campaign_share: float
    ) -> tuple[int, int]:
        """``total`` comments spread over the consultations, the open one taking the largest
        share. Returns (comments, campaigns)."""
        rng = self.rng
        drafts_by_consultation: dict[int, list[DraftOccupation]] = {}
        for draft in DraftOccupation.objects.filter(consultation__in=consultations).order_by(
            "consultation_id", "position"
        ):
            drafts_by_consultation.setdefault(draft.consultation_id, []).append(draft)
        weights = [1.0] * len(consultations)
        weights[-1] = max(1.0, len(consultations) / 2)  # the open consultation
        weights[-2] = max(1.0, len(consultations) / 4)  # the one in review
        cum_weights = list(itertools.accumulate(weights))
        indexes = range(len(consultations))
        campaign_pool: list[tuple[int, str, str]] = []  # (consultation index, text, fingerprint)
        for index, consultation in enumerate(consultations):
            drafts = drafts_by_consultation.get(consultation.pk, [])
            for _n in range(rng.randint(2, 6)):
                draft = rng.choice(drafts) if drafts else None
                values = {
                    "name": draft.name if draft else "目录",
                    "alt": draft.alternative_names[0]
                    if draft and draft.alternative_names
                    else "the list",
                    "n": rng.randint(1000, 90_000),
                }
                template = rng.choice(CAMPAIGN_TEXTS_ZH + CAMPAIGN_TEXTS_EN)
                text = template.format(**values)
                campaign_pool.append((index, text, comment_fingerprint(text)))
        campaigns_by_consultation: dict[int, list[tuple[str, str]]] = {}
        for index, text, fingerprint in campaign_pool:
            campaigns_by_consultation.setdefault(index, []).append((text, fingerprint))

        tracking_numbers = self._tracking_numbers(total)
        # The whole occupation is what most comments are about.
        fields = [Comment.Field.WHOLE] * 4 + [f for f in Comment.Field.values if f]
        statuses = (
            [Comment.Status.RECEIVED] * 5
            + [Comment.Status.PUBLISHED] * 3
            + [Comment.Status.HIDDEN]
            + [Comment.Status.SPAM]
        )
        dispositions = Comment.Disposition.values
        started = time.perf_counter()
        for start, end in _chunks(total, self.batch_size):
            rows = []
            for i in range(start, end):
                index = rng.choices(indexes, cum_weights=cum_weights)[0]
                consultation = consultations[index]
                drafts = drafts_by_consultation.get(consultation.pk, [])
                draft = rng.choice(drafts) if drafts and rng.random() < 0.8 else None
                field = rng.choice(fields) if draft else Comment.Field.WHOLE
                opens = consultation.opens_at
                closes = min(consultation.closes_at, self.now)
                submitted = opens + dt.timedelta(
                    seconds=rng.random() * (closes - opens).total_seconds()
                )
                campaign = campaigns_by_consultation.get(index)
                if campaign and rng.random() < campaign_share:
                    text, fingerprint = rng.choice(campaign)
                    body = self._campaign_variant(text)
                    draft, field = None, Comment.Field.WHOLE
                else:
                    subject = rng.choice(FIELDS)
                    body = self._comment_body(draft, subject[0], subject[1])
                    fingerprint = comment_fingerprint(body)
                status = rng.choice(statuses)
                consent = rng.random() < 0.7
                if status == Comment.Status.PUBLISHED and not consent:
                    status = Comment.Status.RECEIVED
                reviewed = consultation.status in {
                    Consultation.Status.REVIEW,
                    Consultation.Status.PUBLISHED,
                }
                disposition = (
                    rng.choice(dispositions)
                    if reviewed and status != Comment.Status.SPAM
                    else Comment.Disposition.PENDING
                )
                replied = disposition != Comment.Disposition.PENDING and rng.random() < 0.5
                anonymous = rng.random() < 0.4
                rows.append(
                    Comment(
                        consultation=consultation,
                        occupation=draft,
                        field=field,
                        task_number=rng.randint(1, 5) if field == Comment.Field.TASK else None,
                        body=body,
                        proposed_text=(
                            f"{draft.name}（修订）" if draft and rng.random() < 0.15 else ""
                        ),
                        author_name="" if anonymous else f"Respondent {i + 1}",
                        organisation=rng.choice(ORGANISATIONS).format(
                            field=rng.choice(FIELDS)[0], fe=rng.choice(FIELDS)[1]
                        ),
                        email="" if anonymous else f"respondent{i + 1}@example.org",
                        consent_to_publish=consent,
                        submitted_at=submitted,
                        tracking_number=tracking_numbers[i],
                        status=status,
                        fingerprint=fingerprint,
                        disposition=disposition,
                        reply="感谢您的意见，已转相关部门研究。" if replied else "",
                        replied_at=(
                            submitted + dt.timedelta(days=rng.randint(20, 90)) if replied else None
                        ),
                        ip_hash=f"{rng.getrandbits(256):064x}",
                    )
                )
            with transaction.atomic():
                Comment.objects.bulk_create(rows)
            _progress("comments", end, total, started, enabled=self.progress)
        return total, len(campaign_pool)


class Command(BaseCommand):
    help = (
        "Fill the database with generated load data for benchmarks: batches of occupations "
        "with skill standards, consultations in every state with draft lists, and public "
        "comments (Chinese and English, some in campaigns). The same --seed gives the same "
        "data. Refuses to run on a database that already has generated data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--occupations", type=int, default=20_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--consultations",
            type=int,
            default=24,
            help="Consultations to create: all but two are published (one per batch, as far "
            "as there are batches), one is in review and one is open for comments now.",
        )
        parser.add_argument("--occupations-per-batch", type=int, default=200)
        parser.add_argument(
            "--standard-share",
            type=float,
            default=0.1,
            help="Share of the generated occupations that get a skill standard.",
        )
        parser.add_argument(
            "--campaign-share",
            type=float,
            default=0.3,
            help="Share of the comments that repeat a campaign text.",
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw progress lines on stderr."
        )

    def handle(self, *args, **options) -> None:
        for name in ("occupations", "comments", "batch_size", "occupations_per_batch"):
            if options[name] < (1 if name != "comments" else 0):
                raise CommandError(f"--{name.replace('_', '-')} must be positive.")
        if options["consultations"] < 2:
            raise CommandError("--consultations must be at least 2 (one open, one in review).")
        if options["occupations_per_batch"] > 30_000:
            raise CommandError("--occupations-per-batch must be at most 30,000.")
        if Batch.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            raise CommandError(
                "This database already holds generated load data; use a fresh database."
            )
        progress = not options["no_progress"] and options["verbosity"] >= 1
        generator = Generator(
            seed=options["seed"],
            batch_size=options["batch_size"],
            progress=progress,
            now=timezone.now().replace(microsecond=0),
            log=self.stdout.write,
        )
        started = time.perf_counter()
        batches = generator.batches_and_occupations(
            options["occupations"], options["occupations_per_batch"]
        )
        standards = generator.standards(options["standard_share"])
        consultations = generator.consultations(options["consultations"], batches)
        comments, campaigns = generator.comments(
            options["comments"], consultations, options["campaign_share"]
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {options['occupations']:,} occupations in {len(batches):,} batches, "
                f"{standards:,} skill standards, {len(consultations)} consultations and "
                f"{comments:,} comments ({campaigns} campaign texts) in {elapsed:.1f} s "
                f"(seed {options['seed']})."
            )
        )
