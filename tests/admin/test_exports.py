"""Exports stream: CSV through ``COPY`` on PostgreSQL and through Python's csv elsewhere, with
the same cells either way; XLSX opens in openpyxl."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from consult.admin.exports import COMMENT_COLUMNS
from consult.models import Comment, Consultation, comment_fingerprint, new_tracking_number
from core.exports import cells, sql
from tests.factories import (
    SHANGHAI,
    ConsultationFactory,
    DraftOccupationFactory,
    OccupationFactory,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
COMMENT_HEADER = [label for _path, label in COMMENT_COLUMNS]
# The session, the user, two reads of permissions, the changelist's two filter lists and its
# count, and the rows.
EXPORT_QUERIES = 8


def parsed(response) -> list[list[str]]:
    """The rows of a streamed CSV response as a spreadsheet reads them (BOM dropped)."""
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def export_url(query: str = "") -> str:
    return reverse("admin:consult_comment_export", args=["csv"]) + query


def python_path(monkeypatch):
    """Make exports take the Python path on any database."""
    monkeypatch.setattr(sql, "can_copy", lambda queryset: False)


@pytest.fixture
def consultation():
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    draft = DraftOccupationFactory(consultation=consultation, name="Hydrogen producer")
    bodies = ['=HYPERLINK("http://x")', "Rename it.", "Rename it.", "第二项任务应修改。"]
    Comment.objects.bulk_create(
        Comment(
            consultation=consultation,
            occupation=draft if i else None,
            field="name" if i else "",
            body=body,
            fingerprint=comment_fingerprint(body),
            tracking_number=new_tracking_number(),
            email="private@example.org",
            ip_hash="c0ffee" * 10,
            status="received" if i % 2 else "published",
        )
        for i, body in enumerate(bodies)
    )
    return consultation


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def varied():
    """Comments whose cells need every rule: quoting, line breaks, formulas, empty and NULL
    values, both booleans, times either side of local midnight."""
    consultation = ConsultationFactory(slug="list-2026", status=Consultation.Status.CONSULTATION)
    draft = DraftOccupationFactory(
        consultation=consultation, position=3, name='"Low-altitude", pilot'
    )
    specs = [
        # body, submitted_at, extra fields
        ("区块链工程技术人员，名称应改为“区块链工程师”。", at(2026, 7, 17, 23, 59, 59, 999999), {}),
        ('Commas, "quotes" and\nnew lines\r\nboth kinds', at(2026, 7, 18, 0, 0, 0), {}),
        ("=1+1", at(2026, 7, 18, 0, 0, 1), {"consent_to_publish": True}),
        ("+86 10 1234", at(2026, 1, 1, 0, 0), {"author_name": "@someone"}),
        ("-minus first", at(2025, 12, 31, 23, 59, 59), {"organisation": "=org"}),
        ("@SUM(A1:A9)", at(2026, 2, 28, 8, 0), {"status": "published"}),
        ("\tTab first", at(2026, 3, 1, 0, 30), {"proposed_text": "\rCR first"}),
        ("\x01=1+2 hidden", at(2026, 3, 2, 0, 0), {"author_name": "\x1f\x7f-hidden"}),
        (
            "On task two.",
            at(2026, 6, 30, 16, 0),
            {
                "occupation": draft,
                "field": "task",
                "task_number": 2,
                "reply": "Adopted; see the revised list.",
                "replied_at": at(2026, 8, 1, 0, 0, 0),
                "disposition": "adopted",
                "consent_to_publish": True,
            },
        ),
        ("On the name.", at(2026, 6, 30, 16, 0), {"occupation": draft, "field": "name"}),
    ]
    Comment.objects.bulk_create(
        Comment(
            consultation=consultation,
            body=body,
            submitted_at=submitted_at,
            fingerprint=comment_fingerprint(body),
            tracking_number=new_tracking_number(),
            email="private@example.org",
            ip_hash="c0ffee" * 10,
            **extra,
        )
        for body, submitted_at, extra in specs
    )
    return consultation


# What staff get --------------------------------------------------------------------------


def test_the_comment_csv_streams_with_a_bom_and_the_header(client_for, moderator, consultation):
    response = client_for(moderator).get(export_url())
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="comments-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = parsed(response)
    assert rows[0] == COMMENT_HEADER
    assert len(rows) == 1 + 4
    bodies = sorted(row[7] for row in rows[1:])
    assert '\'=HYPERLINK("http://x")' in bodies  # a formula is defused
    assert "第二项任务应修改。" in bodies


def test_the_comment_export_never_holds_the_email_or_the_ip_hash(
    client_for, moderator, consultation, monkeypatch
):
    for path in ("copy", "python"):
        if path == "python":
            python_path(monkeypatch)
        rows = parsed(client_for(moderator).get(export_url()))
        # Every comment that holds them is exported.
        assert len(rows) == 1 + 4, path
        text = "\n".join(",".join(row) for row in rows)
        assert "private@example.org" not in text
        assert "c0ffee" not in text


def test_the_comment_export_follows_the_changelist_filters(client_for, moderator, consultation):
    rows = parsed(client_for(moderator).get(export_url("?status__exact=published")))
    assert len(rows) == 1 + 2
    assert {row[12] for row in rows[1:]} == {"published"}


def test_the_comment_export_follows_the_changelist_search(client_for, moderator, consultation):
    rows = parsed(client_for(moderator).get(export_url("?q=Rename")))
    assert [row[7] for row in rows[1:]] == ["Rename it.", "Rename it."]


def test_comment_cells_are_formatted_for_spreadsheets(client_for, moderator, varied):
    """Local times to the second, yes/no, empty for NULL, formulas defused, text intact."""
    rows = parsed(client_for(moderator).get(export_url()))
    assert rows[0] == COMMENT_HEADER
    by_body = {row[7].lstrip("'"): dict(zip(COMMENT_HEADER, row, strict=True)) for row in rows[1:]}
    assert len(by_body) == 10

    chinese = by_body["区块链工程技术人员，名称应改为“区块链工程师”。"]
    assert chinese["submitted"] == "2026-07-17 23:59:59"  # truncated, not rounded over midnight
    assert chinese["consultation"] == "list-2026"
    assert chinese["consent to publish"] == "no"
    assert chinese["occupation"] == chinese["occupation position"] == ""
    assert chinese["task number"] == chinese["replied"] == chinese["reply"] == ""
    assert chinese["comment"] == "区块链工程技术人员，名称应改为“区块链工程师”。"

    quoted = by_body['Commas, "quotes" and\nnew lines\r\nboth kinds']
    assert quoted["submitted"] == "2026-07-18 00:00:00"
    assert quoted["comment"] == 'Commas, "quotes" and\nnew lines\r\nboth kinds'

    assert by_body["=1+1"]["comment"] == "'=1+1"
    assert by_body["=1+1"]["consent to publish"] == "yes"
    assert by_body["=1+1"]["submitted"] == "2026-07-18 00:00:01"
    assert by_body["+86 10 1234"]["comment"] == "'+86 10 1234"
    assert by_body["+86 10 1234"]["name"] == "'@someone"
    assert by_body["+86 10 1234"]["submitted"] == "2026-01-01 00:00:00"
    assert by_body["-minus first"]["organisation"] == "'=org"
    assert by_body["-minus first"]["submitted"] == "2025-12-31 23:59:59"
    assert by_body["@SUM(A1:A9)"]["comment"] == "'@SUM(A1:A9)"
    assert by_body["@SUM(A1:A9)"]["moderation status"] == "published"
    assert by_body["\tTab first"]["comment"] == "'\tTab first"
    assert by_body["\tTab first"]["proposed text"] == "'\rCR first"
    # Control characters are removed first, so the formula they hid is defused too.
    assert by_body["=1+2 hidden"]["comment"] == "'=1+2 hidden"
    assert by_body["=1+2 hidden"]["name"] == "'-hidden"

    task = by_body["On task two."]
    assert task["submitted"] == "2026-06-30 16:00:00"
    assert task["occupation position"] == "3"
    assert task["occupation"] == '"Low-altitude", pilot'
    assert task["field"] == "task"
    assert task["task number"] == "2"
    assert task["disposition"] == "adopted"
    assert task["reply"] == "Adopted; see the revised list."
    assert task["replied"] == "2026-08-01 00:00:00"
    assert by_body["On the name."]["task number"] == ""


def test_the_comment_xlsx_opens(client_for, moderator, consultation):
    response = client_for(moderator).get(reverse("admin:consult_comment_export", args=["xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "tracking number"
    assert len(rows) == 5


def test_the_occupation_csv_streams(client_for, editor):
    OccupationFactory(code="2-02-10-07", name="区块链工程技术人员", tasks=["设计", "部署"])
    OccupationFactory(code="4-04-05-05", name="Drone pilot")
    response = client_for(editor).get(reverse("admin:occupations_occupation_export", args=["csv"]))
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["id", "code", "name"]
    assert [row[1] for row in rows[1:]] == ["2-02-10-07", "4-04-05-05"]
    assert rows[1][5] == "设计\n部署"


def test_the_occupation_xlsx_opens(client_for, editor):
    OccupationFactory(code="2-02-10-07")
    response = client_for(editor).get(reverse("admin:occupations_occupation_export", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert list(workbook.active.iter_rows(values_only=True))[1][1] == "2-02-10-07"


def test_exports_need_the_view_permission(client_for, outsider, consultation):
    client = client_for(outsider)
    assert client.get(reverse("admin:consult_comment_export", args=["csv"])).status_code == 403
    url = reverse("admin:occupations_occupation_export", args=["csv"])
    assert client.get(url).status_code == 403


# The two CSV paths -----------------------------------------------------------------------


@on_postgresql
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status__exact=published",
        "?q=first",
        "?consent_to_publish__exact=1&o=-2",
        "?submitted_at__gte=2026-07-18+00%3A00%3A00%2B08%3A00"
        "&submitted_at__lt=2026-07-19+00%3A00%3A00%2B08%3A00",
        "?o=3.-2",  # by consultation, then newest first
    ],
)
def test_copy_gives_the_cells_of_the_python_path(client_for, moderator, varied, query, monkeypatch):
    client = client_for(moderator)
    copied = parsed(client.get(export_url(query)))
    python_path(monkeypatch)
    assert copied == parsed(client.get(export_url(query)))
    assert len(copied) > 1


def export_queries(client, query: str = "") -> tuple[int, int]:
    """The rows of a comment export and the queries it cost, its streaming included."""
    with CaptureQueriesContext(connection) as queries:
        rows = parsed(client.get(export_url(query)))
    return len(rows) - 1, len(queries)


@pytest.mark.parametrize(
    "copy", [pytest.param(True, marks=on_postgresql), False], ids=["copy", "python"]
)
def test_the_comment_csv_reads_its_rows_in_one_query_however_many(
    client_for, moderator, varied, monkeypatch, copy
):
    """Besides the request's own queries and the changelist's count, the rows are read once."""
    if not copy:
        python_path(monkeypatch)
    client = client_for(moderator)
    one = export_queries(client, "?status__exact=published")
    Comment.objects.bulk_create(
        Comment(
            consultation=varied,
            body=f"Comment {i}",
            fingerprint=str(i),
            tracking_number=new_tracking_number(),
            status="published",
        )
        for i in range(50)
    )
    many = export_queries(client, "?status__exact=published")
    assert (one[0], many[0]) == (1, 51)
    assert one[1] == many[1] <= EXPORT_QUERIES


@on_postgresql
def test_copy_gives_the_occupation_cells_of_the_python_path(client_for, editor, monkeypatch):
    OccupationFactory(
        code="2-02-10-07",
        name="区块链工程技术人员",
        alternative_names=["区块链工程师", "Blockchain engineer"],
        tasks=["=设计", '部署, "运维"\n监控'],
        job_types=[],
        green=True,
    )
    OccupationFactory(name="-Drone pilot", tasks=["@fly"], digital=True)
    url = reverse("admin:occupations_occupation_export", args=["csv"])
    client = client_for(editor)
    copied = parsed(client.get(url))
    python_path(monkeypatch)
    assert copied == parsed(client.get(url))
    first = dict(zip(copied[0], copied[1], strict=True))
    assert first["alternative names"] == "区块链工程师\nBlockchain engineer"
    assert first["main tasks"] == '\'=设计\n部署, "运维"\n监控'
    assert first["job types"] == first["major group"] == ""
    assert (first["green (L)"], first["digital (S)"]) == ("yes", "")  # digital: not known
    assert copied[2][2] == "'-Drone pilot"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_client_that_leaves_mid_copy_leaves_the_connection_usable(
    client_for, moderator, monkeypatch
):
    """The COPY is cancelled when the response is closed early; the next query works."""
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    Comment.objects.bulk_create(
        Comment(
            consultation=consultation,
            body=f"Comment {i} " + "x" * 200,
            fingerprint=str(i),
            tracking_number=new_tracking_number(),
        )
        for i in range(300)
    )
    monkeypatch.setattr(sql, "COPY_CHUNK_BYTES", 1024)
    response = client_for(moderator).get(export_url())
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"\xef\xbb\xbftracking number,")
    assert next(chunks)  # more than one chunk: streamed, not built whole
    response.close()
    assert Comment.objects.count() == 300
    assert connection.connection.info.transaction_status == 0  # idle


def test_the_python_path_hands_over_several_rows_per_chunk(
    client_for, moderator, consultation, monkeypatch
):
    python_path(monkeypatch)
    monkeypatch.setattr(cells, "ROWS_PER_CHUNK", 3)
    response = client_for(moderator).get(export_url())
    chunks = [chunk.decode() for chunk in response.streaming_content]
    assert len(chunks) == 2  # header and 3 rows, then 1 row
    assert chunks[0].startswith("\ufefftracking number,")
    assert len(list(csv.reader(io.StringIO(chunks[0][1:])))) == 1 + 3
    assert len(list(csv.reader(io.StringIO(chunks[1])))) == 1
