"""``{% worker_notice %}``: a warning, on pages that wait for the task queue (the admin index,
an export's progress, the report PDF being made), when no worker has been seen for longer than
``WORKER_LEASE_SECONDS``; nothing otherwise."""

from __future__ import annotations

import datetime as dt

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from consult.models import WorkerHeartbeat

register = template.Library()


def worker_silence_message(now: dt.datetime | None = None) -> str:
    """What to tell a reader when no worker is running; empty while one is."""
    now = now or timezone.now()
    silence = WorkerHeartbeat.objects.silence(
        now, dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    )
    if silence is None:
        return ""
    if silence.minutes is None:
        return gettext(
            "No worker of the task queue has been seen: what waits for one (mail, exports, "
            "PDFs) will not happen until one runs (manage.py run_worker)."
        )
    return ngettext(
        "No worker has been seen for %(minutes)d minute: what waits for one (mail, exports, "
        "PDFs) will not happen until one runs again.",
        "No worker has been seen for %(minutes)d minutes: what waits for one (mail, exports, "
        "PDFs) will not happen until one runs again.",
        silence.minutes,
    ) % {"minutes": silence.minutes}


@register.inclusion_tag("includes/worker_notice.html")
def worker_notice(css: str = "errornote") -> dict:
    """The warning in a paragraph of class ``css`` (the admin's ``errornote`` by default)."""
    return {"message": worker_silence_message(), "css": css}
