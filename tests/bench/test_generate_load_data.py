"""The load-data generator fills every table the benchmarks read, with the shapes the product
relies on (fingerprints, search text, level sets, unique tracking numbers), repeatably."""

from __future__ import annotations

import csv
import re

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.utils import timezone

from bench.campaigns import pairwise_quality
from bench.loaddata import Generator
from consult import clustering
from consult.models import (
    TRACKING_NUMBER_PATTERN,
    Comment,
    Consultation,
    DraftOccupation,
    comment_fingerprint,
)
from occupations.models import LEVELS_BY_KIND, Occupation, SkillStandard

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def bench_app(settings):
    """The command comes with the ``bench`` app, which only a bench run installs."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]


def generate(**options) -> None:
    call_command(
        "generate_load_data",
        occupations=options.get("occupations", 150),
        comments=options.get("comments", 800),
        seed=options.get("seed", 7),
        consultations=5,
        occupations_per_batch=50,
        standard_share=0.2,
        no_progress=True,
        verbosity=0,
    )


def test_generates_the_requested_rows_with_the_shapes_the_product_relies_on(bench_app):
    generate()
    occupations = Occupation.objects.filter(batch__slug__startswith="load-")
    assert occupations.count() == 150
    assert occupations.values("batch").distinct().count() == 3
    for occupation in occupations[:50]:
        assert occupation.search_text == occupation.build_search_text() != ""
        assert CJK.search(occupation.name)
        assert occupation.alternative_names and occupation.alternative_names[0].isascii()
    # Job types are records, written beside the occupations' bulk insert.
    assert any(occupation.job_types for occupation in occupations)
    codes = [c for c in occupations.values_list("code", flat=True) if c]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[1-8]-\d\d-\d\d-\d\d", code) for code in codes)

    standards = SkillStandard.objects.filter(occupation__in=occupations)
    assert standards.exists()
    for standard in standards.prefetch_related("levels"):
        assert tuple(level.key for level in standard.levels.all()) == LEVELS_BY_KIND[standard.kind]

    now = timezone.now()
    states = {c.slug: c.state(now) for c in Consultation.objects.filter(slug__startswith="load-")}
    assert states.pop("load-open") == Consultation.State.OPEN
    assert set(states.values()) == {Consultation.State.CLOSED}
    assert DraftOccupation.objects.filter(
        consultation__slug="load-open", status=DraftOccupation.Status.PROPOSED
    ).exists()


def test_comments_have_unique_tracking_numbers_campaigns_and_both_languages(bench_app):
    generate()
    comments = list(Comment.objects.all())
    assert len(comments) == 800
    numbers = [c.tracking_number for c in comments]
    assert len(set(numbers)) == 800
    assert all(re.match(TRACKING_NUMBER_PATTERN, n) for n in numbers)
    assert all(c.fingerprint == comment_fingerprint(c.body) for c in comments)
    assert any(CJK.search(c.body) for c in comments)
    assert any(c.body.isascii() for c in comments)
    # Campaigns: one letter sent many times, each copy edited, left for the campaigns.
    assert not Comment.objects.filter(cluster__isnull=False).exists()
    for consultation in Consultation.objects.filter(slug__startswith="load-"):
        clustering.rebuild(consultation)
    assert Comment.objects.campaigns(min_size=10).count() >= 5
    (largest, *_rest) = Comment.objects.campaigns()
    members = Comment.objects.of_campaign(largest["cluster_id"])
    assert len({c.fingerprint for c in members}) > largest["size"] // 2
    # Comments fall inside their consultation's window, and rows pass the model's own rules.
    for comment in comments[:100]:
        consultation = comment.consultation
        assert consultation.opens_at <= comment.submitted_at <= consultation.closes_at
        comment.full_clean(exclude=["status"], validate_unique=False)


def test_the_labels_name_each_comments_campaign(bench_app, tmp_path):
    """The labels file gives every comment its campaign; the clustering finds them."""
    path = tmp_path / "labels.csv"
    call_command(
        "generate_load_data",
        occupations=60,
        comments=1500,
        seed=5,
        consultations=3,
        occupations_per_batch=30,
        labels=path,
        no_progress=True,
        verbosity=0,
    )
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 1500
    labels = {row["tracking_number"]: row["campaign"] or None for row in rows}
    assert 0.2 < sum(label is not None for label in labels.values()) / 1500 < 0.4
    for consultation in Consultation.objects.filter(slug__startswith="load-"):
        clustering.rebuild(consultation)
    found = dict(Comment.objects.values_list("tracking_number", "cluster_id"))
    numbers = sorted(labels)
    precision, recall = pairwise_quality([labels[n] for n in numbers], [found[n] for n in numbers])
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)


def test_the_same_seed_gives_the_same_text():
    now = timezone.now()
    first = Generator(seed=3, batch_size=10, progress=False, now=now, log=print)
    second = Generator(seed=3, batch_size=10, progress=False, now=now, log=print)
    assert [first._occupation_text() for _ in range(20)] == [
        second._occupation_text() for _ in range(20)
    ]
    other = Generator(seed=4, batch_size=10, progress=False, now=now, log=print)
    assert [first._occupation_text() for _ in range(5)] != [
        other._occupation_text() for _ in range(5)
    ]


def test_refuses_to_run_twice_on_one_database(bench_app):
    generate(occupations=10, comments=10)
    with pytest.raises(CommandError, match="already holds generated load data"):
        generate(occupations=10, comments=10)


def test_the_command_exists_only_where_the_bench_app_is_installed(settings):
    assert "generate_load_data" not in get_commands()
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
    assert get_commands()["generate_load_data"] == "bench"
