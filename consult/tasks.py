"""The task queue's tasks (Django's Tasks API through the django-tasks backport; under Django 6
the import becomes ``django.tasks``). Each is a thin call into the module that owns the rule;
arguments are ids, never addresses or other personal data, since the queue stores them."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from consult import campaigns as clustering
from consult.delivery import mail as outbox
from consult.delivery import notifications, webhooks
from consult.models import Consultation
from consult.reporting import export_jobs
from consult.reporting import pdf as report_pdf
from consult.workflow import consultations as workflow
from occupations import downloads


@task()
def deliver_mail(mail_id: int) -> str:
    """Try to send one outgoing mail (``consult.delivery.mail.deliver``)."""
    return outbox.deliver(mail_id)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Try to deliver one webhook event to one endpoint (``consult.delivery.webhooks.deliver``)."""
    return webhooks.deliver(delivery_id)


@task()
def sweep() -> dict[str, int]:
    """Re-enqueue mail, webhook deliveries and release downloads whose task was lost; remove
    exports past their day."""
    now = timezone.now()
    return {
        "mail_requeued": outbox.sweep(now=now),
        "webhooks_requeued": webhooks.sweep(now=now),
        "exports_removed": export_jobs.remove_expired(now=now),
        "downloads_requeued": downloads.requeue_missing(now=now),
    }


@task()
def assign_new_comments_to_campaigns() -> int:
    """Put new comments in their near-duplicate campaigns (``consult.campaigns.assign_new``)."""
    return clustering.assign_new()


@task()
def rebuild_campaigns(consultation_id: int) -> dict[str, int]:
    """Recompute the campaigns of one consultation (``consult.campaigns.rebuild``)."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        return {"comments": 0, "campaigns": 0, "in_campaigns": 0}
    result = clustering.rebuild(consultation)
    return {
        "comments": result.comments,
        "campaigns": result.campaigns,
        "in_campaigns": result.in_campaigns,
    }


@task()
def begin_due_reviews() -> list[str]:
    """Begin the review of every consultation whose window has closed."""
    return [c.slug for c in workflow.begin_due_reviews(now=timezone.now())]


@task()
def build_comment_export(job_id: int) -> str:
    """Build the spreadsheet of one export job (``consult.reporting.export_jobs.build``)."""
    return export_jobs.build(job_id)


@task()
def prune_task_results() -> None:
    """Delete the queue's rows of tasks finished more than two weeks ago (a sweep a minute
    adds 1,440 a day)."""
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)


@task()
def build_report_pdf(consultation_id: int, language: str, site_url: str) -> str:
    """Build the PDF of a consultation's public report (``consult.reporting.pdf.build``)."""
    return report_pdf.build(consultation_id, language, site_url)


@task()
def moderation_digest() -> int:
    """The moderators' daily digest of new comments (``consult.delivery.notifications``)."""
    return notifications.moderation_digest(now=timezone.now())
