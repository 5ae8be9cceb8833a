"""Compute the comment record of every consultation whose window has closed and that has none
yet, at once (the workers do it every minute: ``consult.schedules``)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from consult.commitment import commit_due
from consult.models import CommentRecord


class Command(BaseCommand):
    help = "Compute the comment record of every consultation whose window has closed."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        committed = commit_due(now=timezone.now())
        seconds = time.perf_counter() - started
        for record in CommentRecord.objects.filter(consultation__slug__in=committed).select_related(
            "consultation"
        ):
            self.stdout.write(
                f"Comment record of {record.consultation.slug}: {record.leaf_count} comments, "
                f"root {record.root}"
            )
        if committed:
            self.stdout.write(f"Computed in {seconds:.1f} s.")
        if not committed:
            self.stdout.write("No consultation is due for its comment record.")
