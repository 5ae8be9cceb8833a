"""``manage.py setup_demo``: an ``admin`` account and a sample consultation open now, so that a
fresh installation can be tried at once. Safe to run again: nothing is duplicated and an
existing password is never reset."""

from __future__ import annotations

import datetime as dt
import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from consult.models import Consultation, DraftOccupation
from consult.workflow.consultations import open_consultation

ADMIN_USERNAME = "admin"
PASSWORD_ENV = "DEMO_ADMIN_PASSWORD"
SAMPLE_SLUG = "sample-draft-list"
SAMPLE_WINDOW = dt.timedelta(days=30)
SAMPLE_TITLE = "[Sample] Draft list of new occupations (sample data for trying the site)"
SAMPLE_SUMMARY = (
    "Sample data, not a real consultation: this draft list exists so that the comment form can "
    "be tried on a fresh installation. Its occupations are made up."
)
SAMPLE_DRAFTS = (
    {
        "name": "[Sample] Urban Beekeeping Technician",
        "definition": "Sample text: personnel who keep and look after bee colonies on roofs, in "
        "parks and in other urban spaces.",
        "tasks": [
            "Sample task: inspect hives and record the state of each colony;",
            "Sample task: advise building managers on where hives can be kept safely;",
            "Sample task: harvest, label and store honey.",
        ],
        "job_types": ["Sample job type: Rooftop Apiary Keeper"],
        "green": True,
    },
    {
        "name": "[Sample] Low-Code Application Builder",
        "definition": "Sample text: personnel who build business applications with low-code "
        "development platforms.",
        "tasks": [
            "Sample task: gather the requirements of the people who will use the application;",
            "Sample task: assemble, test and publish the application on a low-code platform.",
        ],
        "digital": True,
    },
    {
        "name": "[Sample] Repair Café Coordinator",
        "definition": "Sample text: personnel who organise community events where household "
        "items are repaired instead of thrown away.",
        "tasks": [
            "Sample task: recruit volunteer repairers and plan events;",
            "Sample task: record what was repaired and report on waste avoided.",
        ],
    },
)


def ensure_admin() -> tuple[AbstractBaseUser, str, str | None]:
    """Create the ``admin`` superuser if missing; never touch an existing account's password.

    Returns the user, what was done, and the password only if it was generated here (so that it
    can be shown once). The password comes from ``DEMO_ADMIN_PASSWORD`` when set.
    """
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: ADMIN_USERNAME}).first()
    if user is None:
        password = os.environ.get(PASSWORD_ENV, "")
        generated = None
        if not password:
            password = generated = secrets.token_urlsafe(12)
        user = User._default_manager.create_superuser(
            ADMIN_USERNAME, email="admin@example.org", password=password
        )
        return user, "created", generated
    if not (user.is_active and user.is_staff and user.is_superuser):
        user.is_active = user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_active", "is_staff", "is_superuser"])
        return user, "made superuser", None
    return user, "unchanged", None


def ensure_sample_consultation(*, by, now: dt.datetime) -> tuple[Consultation, str]:
    """Make sure the sample consultation exists and is open at ``now``.

    Created in drafting with its sample drafts and opened through the workflow, so it looks
    exactly like a real one. A sample whose window has passed is given a fresh 30-day window
    (sample data only: a real consultation's window changes only through ``extend_window``).
    """
    consultation = Consultation.objects.filter(slug=SAMPLE_SLUG).first()
    if consultation is not None and not consultation.sample:
        # Made before samples were flagged: flag it, so feeds and the API leave it out.
        Consultation.objects.filter(pk=consultation.pk).update(sample=True)
        consultation.sample = True
    if consultation is not None and consultation.is_open_for_comments(now):
        return consultation, "unchanged"
    if consultation is None:
        consultation = Consultation.objects.create(
            slug=SAMPLE_SLUG,
            title=SAMPLE_TITLE,
            summary=SAMPLE_SUMMARY,
            opens_at=now,
            closes_at=now + SAMPLE_WINDOW,
            sample=True,
            notes="Sample data created by manage.py setup_demo.",
        )
        for position, draft in enumerate(SAMPLE_DRAFTS, start=1):
            DraftOccupation.objects.create(consultation=consultation, position=position, **draft)
        return open_consultation(consultation, by=by, now=now), "created"
    if consultation.status == Consultation.Status.DRAFTING:
        Consultation.objects.filter(pk=consultation.pk).update(
            opens_at=now, closes_at=now + SAMPLE_WINDOW
        )
        consultation.refresh_from_db()
        return open_consultation(consultation, by=by, now=now), "opened"
    # Past its window, or moved on to review or publication by someone trying the workflow:
    # put the sample back in public consultation with a fresh window.
    if consultation.batch_id is not None:
        # A published sample became a batch; the sample list starts again under a new slug.
        Consultation.objects.filter(pk=consultation.pk).update(
            slug=f"{SAMPLE_SLUG}-{now:%Y%m%d%H%M%S}"
        )
        return ensure_sample_consultation(by=by, now=now)
    Consultation.objects.filter(pk=consultation.pk).update(
        status=Consultation.Status.CONSULTATION, opens_at=now, closes_at=now + SAMPLE_WINDOW
    )
    consultation.refresh_from_db()
    return consultation, "reopened"


class Command(BaseCommand):
    help = (
        "Ensure an 'admin' superuser (password from DEMO_ADMIN_PASSWORD, else generated and "
        "shown once; an existing password is never reset) and a sample consultation that is "
        "open now, labelled as sample data. Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        with transaction.atomic():
            user, admin_outcome, generated = ensure_admin()
            consultation, sample_outcome = ensure_sample_consultation(by=user, now=now)

        if admin_outcome == "created" and generated:
            self.stdout.write(
                self.style.SUCCESS(f"Created the superuser '{ADMIN_USERNAME}'.")
                + f" Its password, shown only this once: {generated}"
            )
        elif admin_outcome == "created":
            self.stdout.write(
                self.style.SUCCESS(f"Created the superuser '{ADMIN_USERNAME}'")
                + f" with the password from {PASSWORD_ENV}."
            )
        elif admin_outcome == "made superuser":
            self.stdout.write(
                f"The user '{ADMIN_USERNAME}' is now an active superuser; its password was not "
                "changed."
            )
        else:
            self.stdout.write(
                f"The superuser '{ADMIN_USERNAME}' already exists; its password was not changed."
            )

        closes = timezone.localtime(consultation.closes_at).strftime("%Y-%m-%d %H:%M")
        closes = f"{closes} ({timezone.get_current_timezone_name()})"
        try:
            where = consultation.get_absolute_url()
        except NoReverseMatch:
            where = f"/consultations/{consultation.slug}/"
        if sample_outcome == "unchanged":
            self.stdout.write(
                f"The sample consultation “{consultation.title}” is open at {where} until {closes}."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"{sample_outcome.capitalize()} the sample consultation")
                + f" “{consultation.title}” at {where}, open until {closes}."
            )
