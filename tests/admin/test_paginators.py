"""EstimatedCountPaginator: PostgreSQL's estimate for an unfiltered comment changelist,
an exact count everywhere else."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult.models import Comment, Consultation
from core.db.paginators import EstimatedCountPaginator, estimated_row_count
from tests.admin.test_changelist_queries import make_comments
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:consult_comment_changelist"
MAX_QUERIES = 10

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the estimate is PostgreSQL's"
)


def fetch(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, [q["sql"] for q in ctx.captured_queries]


@pytest.fixture
def counted(monkeypatch) -> list[tuple[type, bool]]:
    """Every queryset counted while the test runs, as (model, filtered): a count of the whole
    comment table, ``(Comment, False)``, is what a page must not run at scale."""
    seen: list[tuple[type, bool]] = []
    count = QuerySet.count

    def counting(queryset):
        seen.append((queryset.model, bool(queryset.query.where)))
        return count(queryset)

    monkeypatch.setattr(QuerySet, "count", counting)
    return seen


@pytest.fixture
def comments():
    for i in range(20):
        CommentFactory(status=("received", "published")[i % 2])
    return Comment.objects.all()


def test_a_small_table_is_counted_exactly(client_for, superuser, comments):
    response, _ = fetch(client_for(superuser), reverse(CHANGELIST))
    assert response.context["cl"].result_count == 20
    assert not response.context["cl"].paginator.estimated
    assert "20 comments" in response.content.decode()


def test_sqlite_and_filtered_querysets_have_no_estimate(comments):
    assert estimated_row_count(Comment.objects.filter(status="received")) is None
    assert estimated_row_count(Comment.objects.filter(pk__gt=0).distinct()) is None
    assert estimated_row_count(Comment.objects.all()[:5]) is None
    if connection.vendor != "postgresql":
        assert estimated_row_count(Comment.objects.all()) is None


@pytest.fixture
def estimated(monkeypatch):
    """An analysed table of 1,500 comments taken as large: the estimate path applies."""
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    drafts = [DraftOccupationFactory(consultation=consultation) for _ in range(3)]
    make_comments(consultation, drafts, 1500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consult_comment")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1000)


@postgresql_only
@pytest.mark.parametrize("page", ["", "?p=8", "?p=15"])
def test_an_unfiltered_page_takes_postgresqls_estimate_instead_of_counting(
    client_for, superuser, estimated, counted, page
):
    response, sql = fetch(client_for(superuser), reverse(CHANGELIST) + page)
    changelist = response.context["cl"]
    assert changelist.paginator.estimated
    assert (Comment, False) not in counted
    assert len(sql) <= MAX_QUERIES
    # A freshly analysed table of this size is estimated exactly.
    assert changelist.result_count == 1500
    body = response.content.decode()
    assert "about 1500 comments (estimated)" in body
    assert "Select all comments (about 1500)" in body
    assert body.count('class="action-checkbox"') == 100


@postgresql_only
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status__exact=received", {"status": "received"}),
        ("?q=499", {"body__icontains": "499"}),
        ("?campaign=no", None),
    ],
)
def test_a_filtered_page_counts_exactly(client_for, superuser, estimated, counted, query, expected):
    response, _ = fetch(client_for(superuser), reverse(CHANGELIST) + query)
    changelist = response.context["cl"]
    exact = Comment.objects.filter(**expected).count() if expected else 0
    assert not changelist.paginator.estimated
    assert changelist.result_count == exact
    assert f"{exact} comments" in response.content.decode()
    assert (Comment, True) in counted and (Comment, False) not in counted


# A page's rows read by their keys first ------------------------------------------------------


@pytest.fixture
def many_comments():
    consultation = ConsultationFactory()
    drafts = [DraftOccupationFactory(consultation=consultation) for _ in range(3)]
    make_comments(consultation, drafts, 250)
    # A run of equal times: the page's keys must break ties by id, as the full order does.
    tied = list(Comment.objects.order_by("pk").values_list("pk", flat=True)[:60])
    Comment.objects.filter(pk__in=tied).update(
        submitted_at=Comment.objects.get(pk=tied[0]).submitted_at
    )
    return Comment.objects.all()


@pytest.mark.parametrize("filters", [{}, {"status": "received"}, {"occupation__isnull": True}])
def test_every_page_read_by_its_keys_has_the_rows_of_the_plain_slice(many_comments, filters):
    queryset = (
        Comment.objects.filter(**filters)
        .select_related("consultation", "occupation")
        .order_by("-submitted_at", "-pk")
    )
    expected = list(queryset.values_list("pk", flat=True))
    paginator = EstimatedCountPaginator(queryset, 30)
    assert paginator.num_pages > 2
    seen = []
    for number in paginator.page_range:
        page = paginator.page(number)
        with CaptureQueriesContext(connection) as ctx:
            rows = list(page.object_list)
            names = [comment.consultation.title for comment in rows]
        assert len(ctx.captured_queries) == 1  # the related rows came with the page
        assert [comment.pk for comment in rows] == expected[(number - 1) * 30 : number * 30]
        assert all(names)
        seen += [comment.pk for comment in rows]
    assert seen == expected


def test_a_queryset_that_removes_duplicates_is_paged_as_it_is(many_comments):
    queryset = Comment.objects.filter(consultation__drafts__isnull=False).distinct().order_by("-pk")
    page = EstimatedCountPaginator(queryset, 10).page(2)
    assert [c.pk for c in page.object_list] == list(
        Comment.objects.order_by("-pk").values_list("pk", flat=True)[10:20]
    )


def test_a_middle_page_of_the_changelist_shows_its_rows_in_order(
    client_for, superuser, many_comments
):
    response, sql = fetch(client_for(superuser), reverse(CHANGELIST) + "?p=2")
    assert len(sql) <= MAX_QUERIES
    shown = [comment.pk for comment in response.context["cl"].result_list]
    assert shown == list(
        Comment.objects.order_by("-submitted_at", "-pk").values_list("pk", flat=True)[100:200]
    )
