"""The comment changelist at scale: campaign sizes for the page's rows only, the same numbers
as before, and the index its pages read in order."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import clustering
from consult.models import Comment, Consultation, comment_fingerprint
from tests.admin.test_changelist_queries import make_comments
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory
from tests.helpers import plan

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:consult_comment_changelist"
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
TRACKING = re.compile(r'<td class="field-tracking_number">([^<]+)</td>')
CAMPAIGN = re.compile(r'<td class="field-campaign">(.*?)</td>', re.S)
SIZE = re.compile(r"× (\d+)")

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")


def plan_of(queryset) -> str:
    """PostgreSQL's plan of ``queryset`` (see ``tests.helpers.plan``)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        return plan(cursor.mogrify(sql, params))


def campaign_column_index() -> str:
    """The changelist's ``o`` parameter for the campaign column (0 is the checkbox)."""
    return str(admin.site._registry[Comment].list_display.index("campaign") + 1)


def fetch(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, [q["sql"] for q in ctx.captured_queries]


def shown_sizes(response) -> list[tuple[str, int]]:
    """(tracking number, campaign size as the column shows it, 1 for "—") per row, in order."""
    rows = []
    for row in ROW.findall(response.content.decode()):
        tracking = TRACKING.search(row)
        if tracking is None:
            continue
        size = SIZE.search(CAMPAIGN.search(row).group(1))
        rows.append((tracking.group(1), int(size.group(1)) if size else 1))
    return rows


@pytest.fixture
def comments():
    """Two consultations; campaigns of several sizes, one fingerprint in both consultations
    (a campaign is per consultation), spam included as the column has always counted it."""
    first = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    second = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    for consultation, body, n in [
        (first, "Keep the old name", 5),
        (second, "Keep the old name", 2),
        (first, "Split the task list", 3),
        (second, "Merge with 4-01-02", 4),
    ]:
        for i in range(n):
            CommentFactory(
                consultation=consultation,
                body=body + "!" * (i % 2),  # written differently, one fingerprint
                status="spam" if i == 1 else "received",
            )
    for i in range(6):
        CommentFactory(consultation=(first, second)[i % 2], body=f"Alone {i}")
    return Comment.objects.all()


def expected_sizes() -> dict[str, int]:
    """A direct grouped count: the campaign size of every comment."""
    groups = Counter(Comment.objects.values_list("consultation_id", "fingerprint"))
    return {
        c.tracking_number: groups[(c.consultation_id, c.fingerprint)] for c in Comment.objects.all()
    }


def test_the_campaign_column_shows_the_size_of_each_comments_campaign(
    client_for, superuser, comments
):
    response, _ = fetch(client_for(superuser), reverse(CHANGELIST))
    shown = dict(shown_sizes(response))
    assert shown == expected_sizes()
    assert sorted(Counter(shown.values()).items()) == [(1, 6), (2, 2), (3, 3), (4, 4), (5, 5)]


@pytest.mark.parametrize(
    ("query", "sizes"),
    [("campaign=yes", {2, 3, 4, 5}), ("campaign=no", {1})],
)
def test_the_campaign_filter_keeps_members_or_single_comments(
    client_for, superuser, comments, query, sizes
):
    response, _ = fetch(client_for(superuser), reverse(CHANGELIST) + "?" + query)
    shown = dict(shown_sizes(response))
    expected = {t: n for t, n in expected_sizes().items() if n in sizes}
    assert shown == expected


def test_the_campaign_column_is_not_sortable(client_for, superuser, comments):
    """Ordering a large table by a per-row count takes minutes; an ``o`` naming the column is
    ignored and the page keeps the newest-first order (the campaigns view lists the largest)."""
    url = reverse(CHANGELIST) + f"?o=-{campaign_column_index()}"
    response, _ = fetch(client_for(superuser), url)
    assert dict(shown_sizes(response)) == expected_sizes()
    newest_first = list(
        Comment.objects.order_by("-submitted_at", "-pk").values_list("tracking_number", flat=True)
    )
    assert [t for t, _n in shown_sizes(response)] == newest_first


def test_the_change_form_shows_the_campaign_size(client_for, superuser, comments):
    member = Comment.objects.filter(body="Split the task list").first()
    alone = Comment.objects.get(body="Alone 0")
    client = client_for(superuser)
    page = client.get(reverse("admin:consult_comment_change", args=[member.pk]))
    assert "× 3</a>" in page.content.decode()
    page = client.get(reverse("admin:consult_comment_change", args=[alone.pk]))
    assert "× " not in page.content.decode()


def test_the_link_of_the_column_shows_the_campaign(client_for, superuser, comments):
    """The "× n" link leads to that campaign's page: n members."""
    response, _ = fetch(client_for(superuser), reverse(CHANGELIST))
    body = response.content.decode()
    link = re.search(r'<td class="field-campaign"><a href="([^"]+)">× 5</a>', body)
    page = client_for(superuser).get(link.group(1)).content.decode()
    assert page.count('class="campaign-member"') == 5
    representative = Comment.objects.filter(body="Keep the old name").order_by("pk").first()
    assert link.group(1) == reverse("admin:consult_comment_campaign", args=[representative.pk])


@postgresql_only
@pytest.mark.parametrize("page", ["", "?p=8"])
def test_a_page_reads_its_rows_in_order_from_the_newest_first_index(client_for, superuser, page):
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    make_comments(consultation, [DraftOccupationFactory(consultation=consultation)], 1500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consult_comment")
    response, _ = fetch(client_for(superuser), reverse(CHANGELIST) + page)
    changelist = response.context["cl"]
    rows = plan_of(changelist.paginator.page(changelist.page_num).object_list)
    assert "Index Scan using comment_newest_first" in rows
    assert "Sort" not in rows


@pytest.fixture
def one_text_in_two_consultations():
    """ "Keep it" sent to two consultations, and another text to the first."""
    first, second = (ConsultationFactory(status=Consultation.Status.CONSULTATION) for _ in "ab")
    for consultation, body in [(first, "Keep it"), (second, "keep it!"), (first, "Other text")]:
        CommentFactory(consultation=consultation, body=body)
    return first, second


def test_a_campaign_is_one_consultations_comments(one_text_in_two_consultations):
    """The same text in two consultations is two campaigns, each of its own comments."""
    first, second = one_text_in_two_consultations
    fingerprint = comment_fingerprint("Keep it")
    for consultation in (first, second):
        (member,) = Comment.objects.filter(consultation=consultation, fingerprint=fingerprint)
        assert member.cluster_id == member.pk
        found = Comment.objects.of_campaign(member)
        assert list(Comment.objects.of_campaign(member.pk)) == list(found) == [member]


@postgresql_only
def test_a_campaign_is_found_in_the_cluster_index():
    for _ in range(2):
        consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
        make_comments(consultation, [DraftOccupationFactory(consultation=consultation)], 800)
        clustering.rebuild(consultation)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consult_comment")
    member = Comment.objects.order_by("pk").first()
    campaign = Comment.objects.of_campaign(member.cluster_id)
    lines = plan_of(campaign.order_by())
    assert "Index Scan using comment_cluster on consult_comment" in lines, lines
    # The index is searched by consultation and campaign, not read whole for the campaign.
    assert "Index Cond: ((consultation_id = " in lines, lines
    indexes = {index.name for index in Comment._meta.indexes}
    assert "comment_cluster" in indexes and "comment_fingerprint" not in indexes


def test_the_fingerprint_filter_lists_one_consultations_campaign_or_the_text_everywhere(
    client_for, superuser, one_text_in_two_consultations
):
    first, _second = one_text_in_two_consultations
    client = client_for(superuser)
    url = reverse(CHANGELIST) + f"?fingerprint={comment_fingerprint('Keep it')}"
    everywhere, _ = fetch(client, url)
    assert len(shown_sizes(everywhere)) == 2
    campaign, _ = fetch(client, url + f"&consultation__id__exact={first.pk}")
    (row,) = campaign.context["cl"].result_list
    assert (row.consultation_id, row.body) == (first.pk, "Keep it")
