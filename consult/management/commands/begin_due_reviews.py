"""Begin the review of every consultation whose comment window has closed (run from cron)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from consult.workflow.consultations import begin_due_reviews


class Command(BaseCommand):
    help = "Move every consultation whose comment window has closed into review."

    def handle(self, *args, **options) -> None:
        started = begin_due_reviews(now=timezone.now())
        for consultation in started:
            self.stdout.write(f"Review begun: {consultation.slug} ({consultation.title})")
        if not started:
            self.stdout.write("No consultation is due for review.")
