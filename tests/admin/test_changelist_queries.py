"""Every changelist renders in a bounded number of queries, whatever the number of rows."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import clustering
from consult.models import Comment, Consultation, comment_fingerprint, new_tracking_number
from core.db.paginators import EstimatedCountPaginator
from occupations.models import Transition
from occupations.workflow import (
    RequirementRow,
    WeightRow,
    attach_skill_standard,
    set_level_tables,
)
from tests.factories import (
    BatchFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    OccupationFactory,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12


def body_of(i: int) -> str:
    """Texts that repeat every 500 comments, each far from the others (a number alone would
    leave them 75% alike, near-duplicates)."""
    return f"Comment {i % 500}: {hashlib.sha256(str(i % 500).encode()).hexdigest()[:16]}"


def make_comments(consultation, drafts, n: int) -> None:
    """``n`` comments, put in their campaigns as the worker would."""
    Comment.objects.bulk_create(
        [
            Comment(
                consultation=consultation,
                occupation=drafts[i % len(drafts)] if i % 3 else None,
                field="name" if i % 3 == 1 else "",
                body=body_of(i),
                fingerprint=comment_fingerprint(body_of(i)),
                tracking_number=new_tracking_number(),
                consent_to_publish=bool(i % 2),
                status=("received", "published", "hidden")[i % 3],
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    clustering.rebuild(consultation)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_comment_changelist_is_bounded_at_10000_comments(
    client_for, superuser, moderator, monkeypatch
):
    # Both sizes counted exactly. Otherwise the path depends on the statistics earlier tests
    # left in pg_class (ANALYZE's figures outlive a rolled-back test), and at 10,000 rows an
    # estimate drops the COUNT: one query fewer. The estimate has tests of its own.
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 10**9)
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    drafts = [DraftOccupationFactory(consultation=consultation) for _ in range(3)]
    client = client_for(superuser)
    url = reverse("admin:consult_comment_changelist")

    make_comments(consultation, drafts, 10)
    few = count_queries(client, url)
    make_comments(consultation, drafts, 9990)
    many = count_queries(client, url)
    filtered = count_queries(client, url + "?status__exact=received&campaign=yes")
    as_moderator = count_queries(client_for(moderator), url)

    assert Comment.objects.count() == 10_000
    assert many == few
    assert many <= MAX_QUERIES
    assert filtered <= MAX_QUERIES
    assert as_moderator <= MAX_QUERIES


def test_every_comment_changelist_page_takes_the_same_queries_at_any_size(client_for, superuser):
    """First, middle, filtered, searched and campaign-filtered pages (and an ``o`` naming the
    unsortable campaign column): at most 10 queries, the same for 600 comments as for 3,000."""
    from django.contrib import admin

    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    drafts = [DraftOccupationFactory(consultation=consultation) for _ in range(3)]
    client = client_for(superuser)
    url = reverse("admin:consult_comment_changelist")
    campaign = admin.site._registry[Comment].list_display.index("campaign") + 1
    pages = [
        "",
        "?p=2",
        "?status__exact=received",
        "?q=Comment+49",
        "?campaign=yes",
        "?campaign=no",
        f"?o=-{campaign}",
        f"?o={campaign}&p=2",
    ]

    # Campaigns and single comments on both sides (a campaign is per consultation).
    make_comments(consultation, drafts, 600)
    few = [count_queries(client, url + page) for page in pages]
    other = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    make_comments(other, [DraftOccupationFactory(consultation=other)], 2400)
    many = [count_queries(client, url + page) for page in pages]

    assert many == few
    assert max(many) <= 10


def test_the_comment_changelist_lists_one_page_with_campaign_sizes(client_for, moderator):
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    drafts = [DraftOccupationFactory(consultation=consultation)]
    make_comments(consultation, drafts, 1000)
    response = client_for(moderator).get(reverse("admin:consult_comment_changelist"))
    body = response.content.decode()
    assert body.count('class="action-checkbox"') == 100
    assert "× 2" in body


@pytest.mark.parametrize(
    "name",
    [
        "consult_consultation",
        "consult_draftoccupation",
        "consult_windowextension",
        "consult_attachment",
        "occupations_batch",
        "occupations_occupation",
        "occupations_skillstandard",
        "occupations_standardlevel",
        "occupations_levelrequirement",
        "occupations_levelweight",
        "occupations_authority",
        "occupations_classificationgroup",
        "occupations_transition",
    ],
)
def test_every_other_changelist_is_bounded(client_for, superuser, name):
    client = client_for(superuser)
    url = reverse(f"admin:{name}_changelist")

    def grow(n):
        consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
        drafts = [DraftOccupationFactory(consultation=consultation) for _ in range(n)]
        make_comments(consultation, drafts, n)
        batch = BatchFactory()
        for _ in range(n):
            occupation = OccupationFactory(batch=batch)
            standard = attach_skill_standard(
                occupation, by=superuser, title="Standard", kind="technical"
            )
            for level in standard.levels.all():
                set_level_tables(
                    level,
                    by=superuser,
                    requirements=[RequirementRow(work_area="Design")],
                    weights=[WeightRow(category="knowledge", item="Basics", weight=100)],
                )
        Transition.objects.record(consultation, action="test", source="", target="", by=superuser)

    grow(1)
    few = count_queries(client, url)
    grow(5)
    many = count_queries(client, url)
    assert many == few
    assert many <= MAX_QUERIES
