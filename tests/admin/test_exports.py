"""Exports stream: CSV is read row by row from ``streaming_content``; XLSX opens in openpyxl."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from consult.models import Comment, Consultation, comment_fingerprint, new_tracking_number
from tests.factories import ConsultationFactory, DraftOccupationFactory, OccupationFactory

pytestmark = pytest.mark.django_db


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
            status="received" if i % 2 else "published",
        )
        for i, body in enumerate(bodies)
    )
    return consultation


def test_the_comment_csv_streams_row_by_row(client_for, moderator, consultation):
    response = client_for(moderator).get(reverse("admin:consult_comment_export", args=["csv"]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    chunks = iter(response.streaming_content)
    header = next(chunks).decode()
    assert header.startswith("\ufefftracking number,submitted")
    rows = [next(csv.reader([chunk.decode()])) for chunk in chunks]
    assert len(rows) == 4
    bodies = sorted(row[7] for row in rows)
    assert '\'=HYPERLINK("http://x")' in bodies  # a formula is defused
    assert "第二项任务应修改。" in bodies
    assert all("private@example.org" not in ",".join(row) for row in rows)


def test_the_comment_export_follows_the_changelist_filters(client_for, moderator, consultation):
    url = reverse("admin:consult_comment_export", args=["csv"]) + "?status__exact=published"
    response = client_for(moderator).get(url)
    lines = list(response.streaming_content)
    assert len(lines) == 1 + 2


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
