"""An XLSX of the comment changelist built by a worker: asked for from the admin, its progress
shown, downloaded by who asked, removed after a day."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consult.admin import exports
from consult.models import Comment, ExportJob
from tests.factories import CommentFactory, ConsultationFactory
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def comments():
    consultation = ConsultationFactory(slug="list-a")
    other = ConsultationFactory(slug="list-b")
    CommentFactory.create_batch(3, consultation=consultation, status=Comment.Status.PUBLISHED)
    CommentFactory(consultation=consultation, status=Comment.Status.HIDDEN, body="=HIDDEN()")
    CommentFactory.create_batch(2, consultation=other)
    return consultation


def _rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_an_export_is_built_by_the_worker_and_downloaded_by_who_asked(
    client, moderator, comments, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    request_url = (
        reverse("admin:consult_exportjob_request") + f"?consultation__id__exact={comments.pk}"
    )
    page = client.get(request_url)
    assert page.status_code == 200
    assert "4 comments match" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    status = client.get(job.get_absolute_url()).content.decode()
    assert "Queued" in status or "queued" in status
    assert 'http-equiv="refresh"' in status

    run_queued_tasks()
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.rows_done, job.percent_done) == ("done", 4, 4, 100)
    status = client.get(job.get_absolute_url()).content.decode()
    download_url = reverse("admin:consult_exportjob_download", args=[job.token])
    assert download_url in status and 'http-equiv="refresh"' not in status

    download = client.get(download_url)
    assert download.status_code == 200
    assert "private, no-store" in download["Cache-Control"]
    rows = _rows(b"".join(download.streaming_content))
    assert rows[0][0] == "tracking number"
    assert len(rows) == 1 + 4  # the filtered consultation only
    assert "'=HIDDEN()" in {row[7] for row in rows[1:]}
    # Nothing under MEDIA_URL serves it.
    assert client.get("/media/" + job.file.name).status_code == 404


def test_another_staff_member_cannot_see_or_download_an_export(client, moderator, editor, comments):
    job = exports.request_comment_export(by=moderator, filters="", now=timezone.now())
    editor.user_permissions.add(*moderator.groups.get().permissions.filter(codename="view_comment"))
    client.force_login(editor)
    assert client.get(job.get_absolute_url()).status_code == 404
    download_url = reverse("admin:consult_exportjob_download", args=[job.token])
    assert client.get(download_url).status_code == 404


def test_invalid_filters_are_refused_before_a_job_is_queued(client, moderator, comments):
    client.force_login(moderator)
    response = client.post(reverse("admin:consult_exportjob_request") + "?nonsense=1")
    assert response.status_code == 302
    assert not ExportJob.objects.exists()


def test_a_job_runs_once_however_often_its_task_is_delivered(moderator, comments):
    job = exports.request_comment_export(by=moderator, filters="", now=timezone.now())
    assert exports.build(job.pk) == "done"
    assert exports.build(job.pk) == "skipped"


def test_exports_are_removed_after_a_day(moderator, comments):
    asked = dt.datetime(2026, 7, 20, 9, 0, tzinfo=dt.UTC)
    job = exports.request_comment_export(by=moderator, filters="", now=asked)
    exports.build(job.pk)
    job.refresh_from_db()
    path = job.file.path
    with time_machine.travel(asked + dt.timedelta(hours=23), tick=False):
        assert ExportJob.objects.remove_expired(now=timezone.now()) == 0
    with time_machine.travel(asked + dt.timedelta(days=1), tick=False):
        assert ExportJob.objects.remove_expired(now=timezone.now()) == 1
    assert not ExportJob.objects.exists()
    assert not Path(path).exists()


def test_the_synchronous_exports_still_work(client, moderator, comments):
    client.force_login(moderator)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("admin:consult_comment_export", args=[fmt]))
        assert response.status_code == 200
