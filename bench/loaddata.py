"""The load-data generator behind ``manage.py generate_load_data``: a database filled with
generated data for the benchmarks.

The data looks like the real thing at scale: published batches of occupations (Chinese names
with English alternative names, definitions, numbered tasks, job types), skill standards with
their full level sets on some occupations, consultations in every state with their draft lists,
and public comments in Chinese and English, a share of them in labelled near-duplicate campaigns
(``bench.campaigns``: a letter copied with names changed, words swapped, sentences inserted,
punctuation and spacing edited).

Rows are written with ``bulk_create`` in batches, so ``save()`` does not run: the command fills
``Occupation.search_text`` and ``Comment.fingerprint`` itself, and leaves the comments
unclustered: ``manage.py cluster_comments <slug>`` assigns their campaigns. The same ``--seed``
gives the same records; only timestamps of the open consultation move with the clock, so that it
is open when the command runs. Every generated batch and consultation has a slug starting with
``load-``; the command refuses to run twice on one database.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from django.db import transaction

from bench import campaigns
from bench.wordpools import (
    EN_CLOSINGS,
    EN_CONTEXTS,
    EN_OPENINGS,
    FIELDS,
    JOB_TYPES,
    OBJECTS,
    ORGANISATIONS,
    ROLES,
    TASK_OBJECTS,
    TASK_VERBS,
    ZH_CLOSINGS,
    ZH_CONTEXTS,
    ZH_OPENINGS,
)
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
    JobType,
    Occupation,
    SkillStandard,
    StandardLevel,
)

SLUG_PREFIX = "load-"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


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
                text = self._occupation_text()
                job_types = text.pop("job_types")
                occupation = Occupation(
                    batch=batches[i // per_batch],
                    position=i % per_batch + 1,
                    # A few historic-style records without a code, as in the real registry.
                    code="" if rng.random() < 0.02 else codes[i],
                    group=rng.choice(groups) if groups and rng.random() < 0.9 else None,
                    notes="Generated load data.",
                    **text,
                )
                occupation.job_types = job_types  # read by the search text
                occupation.search_text = occupation.build_search_text()
                rows.append((occupation, job_types))
            Occupation.objects.bulk_create([occupation for occupation, _names in rows])
            # bulk_create skips save(): the job type records are written here.
            JobType.objects.bulk_create(
                JobType(
                    occupation=occupation,
                    batch_id=occupation.batch_id,
                    position=position,
                    name=name,
                    language=occupation.language,
                )
                for occupation, names in rows
                for position, name in enumerate(names, start=1)
            )
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

    def _campaign_pool(
        self, consultations: list[Consultation], drafts_by_consultation: dict
    ) -> dict[int, list[campaigns.Template]]:
        """Two to six campaign letters per consultation (by its index), numbered across all,
        in Chinese and English, each about one of its drafts."""
        rng = self.rng
        pool: dict[int, list[campaigns.Template]] = {}
        number = 0
        for index, consultation in enumerate(consultations):
            drafts = drafts_by_consultation.get(consultation.pk, [])
            for _n in range(rng.randint(2, 6)):
                draft = rng.choice(drafts) if drafts else None
                language = rng.choice(("zh", "en"))
                if draft is None:
                    occupation = ""
                elif language == "zh":
                    occupation = f"“{draft.name}”"
                else:
                    occupation = (draft.alternative_names or ["this occupation"])[0]
                letter = campaigns.template(rng, number, language, occupation)
                pool.setdefault(index, []).append(letter)
                number += 1
        return pool

    def comments(
        self,
        total: int,
        consultations: list[Consultation],
        campaign_share: float,
        labels: TextIO | None = None,
    ) -> tuple[int, int]:
        """``total`` comments spread over the consultations, the open one taking the largest
        share; ``campaign_share`` of them are near-duplicate copies of campaign letters
        (``bench.campaigns``), the rest written independently. With ``labels``, writes
        ``tracking_number,campaign`` for every comment (campaign empty for an independent
        one) as CSV. Returns (comments, campaigns)."""
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
        campaigns_by_consultation = self._campaign_pool(consultations, drafts_by_consultation)
        label_writer = csv.writer(labels) if labels is not None else None
        if label_writer is not None:
            label_writer.writerow(["tracking_number", "campaign"])

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
                letters = campaigns_by_consultation.get(index)
                label: int | None = None
                if letters and rng.random() < campaign_share:
                    letter = rng.choice(letters)
                    body, label = campaigns.variant(rng, letter), letter.number
                    draft, field = None, Comment.Field.WHOLE
                else:
                    subject = rng.choice(FIELDS)
                    body = self._comment_body(draft, subject[0], subject[1])
                fingerprint = comment_fingerprint(body)
                if label_writer is not None:
                    label_writer.writerow([tracking_numbers[i], "" if label is None else label])
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
        return total, sum(len(letters) for letters in campaigns_by_consultation.values())
