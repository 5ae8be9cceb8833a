"""``manage.py setup_demo``: an admin account and a sample consultation open now; safe to run
again, and never resets a password."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from consult.models import Consultation, DraftOccupation
from consult.workflow.consultations import begin_review
from consult.workflow.drafts import accept_draft, revise_draft, withdraw_draft
from consult.workflow.publication import publish_consultation
from occupations.models import Transition

pytestmark = pytest.mark.django_db

PASSWORD_SHOWN = re.compile(r"Its password, shown only this once: (\S+)")


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def samples():
    return Consultation.objects.filter(title__startswith="[Sample]")


def test_the_admin_gets_the_password_from_the_environment_which_is_not_printed(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "a long demo password")

    output = setup_demo()

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.check_password("a long demo password")
    assert "a long demo password" not in output
    assert "with the password from DEMO_ADMIN_PASSWORD" in output


def test_without_the_variable_a_password_is_generated_and_shown_once(monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)

    first = setup_demo()
    second = setup_demo()

    (password,) = PASSWORD_SHOWN.findall(first)
    assert len(password) >= 12
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert password not in second
    assert "already exists; its password was not changed" in second


def test_an_existing_password_is_never_reset(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "the first password")
    setup_demo()
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "another password")

    setup_demo()

    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("the first password")
    assert not admin.check_password("another password")


def test_an_existing_plain_admin_account_becomes_superuser_keeping_its_password(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "ignored")
    get_user_model().objects.create_user("admin", password="own password", is_staff=False)

    output = setup_demo()

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("own password")
    assert "its password was not changed" in output


def test_the_sample_consultation_is_labelled_open_now_for_thirty_days(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "pw")
    before = timezone.now()

    output = setup_demo()

    (sample,) = samples()
    now = timezone.now()
    assert sample.title.startswith("[Sample] ")
    assert "sample data" in sample.title.lower()
    assert sample.sample is True  # left out of feeds and the API's default lists
    assert sample.status == Consultation.Status.CONSULTATION
    assert sample.is_open_for_comments(now)
    assert before <= sample.opens_at <= now
    assert sample.closes_at - sample.opens_at == dt.timedelta(days=30)
    drafts = sample.drafts.in_order()
    assert 2 <= drafts.count() <= 3
    assert all(d.name.startswith("[Sample] ") for d in drafts)
    assert set(drafts.values_list("status", flat=True)) == {DraftOccupation.Status.PROPOSED}
    # Opened through the workflow, like a real consultation: logged and texts frozen.
    assert Transition.objects.for_object(sample).get().action == "open_consultation"
    assert all(d.consulted_text == d.text() for d in drafts)
    assert f"/consultations/{sample.slug}/" in output


def test_running_again_changes_nothing_and_is_quick(monkeypatch, django_assert_max_num_queries):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "pw")
    setup_demo()
    sample = samples().get()
    drafts = list(DraftOccupation.objects.values())
    logged = Transition.objects.count()

    with django_assert_max_num_queries(4):
        output = setup_demo()

    assert samples().get() == sample
    assert Consultation.objects.get(pk=sample.pk).closes_at == sample.closes_at
    assert list(DraftOccupation.objects.values()) == drafts
    assert Transition.objects.count() == logged
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert "is open at" in output


def test_a_sample_whose_window_has_passed_is_reopened_not_duplicated(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "pw")
    setup_demo()
    later = timezone.now() + dt.timedelta(days=45)

    with time_machine.travel(later, tick=False):
        output = setup_demo()
        (sample,) = samples()
        assert sample.is_open_for_comments(timezone.now())
        assert sample.closes_at == later + dt.timedelta(days=30)
    assert "Reopened the sample consultation" in output
    assert sample.drafts.count() == 3


def test_a_published_sample_stays_published_and_a_new_sample_opens(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "pw")
    setup_demo()
    admin = get_user_model().objects.get(username="admin")
    sample = samples().get()
    after = sample.closes_at + dt.timedelta(seconds=1)
    begin_review(sample, by=admin, now=after)
    first, *others = sample.drafts.in_order()
    revise_draft(first, by=admin, changes={"proposed_code": "4-99-00-01"})
    accept_draft(first, by=admin)
    for draft in others:
        withdraw_draft(draft, by=admin, reason="Sample.")
    publish_consultation(
        sample,
        by=admin,
        now=after,
        slug="sample-batch",
        title="[Sample] Batch",
        announced_on=after.date(),
        announced_precision="day",
    )

    with time_machine.travel(after, tick=False):
        setup_demo()
        open_samples = [s for s in samples() if s.is_open_for_comments(timezone.now())]

    assert Consultation.objects.get(pk=sample.pk).status == Consultation.Status.PUBLISHED
    assert len(open_samples) == 1
    assert open_samples[0].slug == "sample-draft-list"
    assert samples().count() == 2
