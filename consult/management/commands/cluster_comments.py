"""``manage.py cluster_comments <slug>``: recompute a consultation's near-duplicate campaigns
(``consult.clustering.rebuild``) with a progress bar on stderr."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consult import clustering
from consult.models import Consultation


class ProgressBar:
    """One line per stage on stderr, redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, stream, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.started = time.perf_counter()
        self.shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        fraction = done / total
        tenth = int(fraction * 10)
        tty = self.stream.isatty()
        if not tty and self.shown.get(stage) == tenth:
            return
        self.shown[stage] = tenth
        elapsed = time.perf_counter() - self.started
        bar = "#" * int(fraction * 30)
        line = f"{stage:<11} [{bar:<30}] {fraction:6.1%} {done:>10,}/{total:,} {elapsed:7.1f} s"
        end = "\n" if done >= total or not tty else ""
        self.stream.write(("\r" if tty else "") + line + end)
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Recompute the near-duplicate campaigns of one consultation from its comments' texts "
        "(signatures, band keys and each comment's campaign). Comments staff took out of a "
        "campaign stay out. New comments wait for it and are then assigned as usual."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The consultation's slug.")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar."
        )

    def handle(self, *args, **options) -> None:
        consultation = Consultation.objects.filter(slug=options["slug"]).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {options['slug']!r}.")
        progress = ProgressBar(
            sys.stderr, enabled=not options["no_progress"] and options["verbosity"] >= 1
        )
        started = time.perf_counter()
        result = clustering.rebuild(consultation, progress=progress)
        self.stdout.write(
            f"{consultation.slug}: {result.comments:,} comments, {result.in_campaigns:,} of "
            f"them in {result.campaigns:,} campaigns ({time.perf_counter() - started:.1f} s)."
        )
