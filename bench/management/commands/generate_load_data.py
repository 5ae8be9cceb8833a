"""``manage.py generate_load_data``: fill a database with generated data for the benchmarks
(``bench.loaddata``). Installed with the ``bench`` app, which only the bench run enables."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bench.loaddata import SLUG_PREFIX, Generator
from occupations.models import Batch


class Command(BaseCommand):
    help = (
        "Fill the database with generated load data for benchmarks: batches of occupations "
        "with skill standards, consultations in every state with draft lists, and public "
        "comments (Chinese and English, some in labelled near-duplicate campaigns, left for "
        "cluster_comments to cluster). The same --seed gives the same "
        "data. Refuses to run on a database that already has generated data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--occupations", type=int, default=20_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--consultations",
            type=int,
            default=24,
            help="Consultations to create: all but two are published (one per batch, as far "
            "as there are batches), one is in review and one is open for comments now.",
        )
        parser.add_argument("--occupations-per-batch", type=int, default=200)
        parser.add_argument(
            "--standard-share",
            type=float,
            default=0.1,
            help="Share of the generated occupations that get a skill standard.",
        )
        parser.add_argument(
            "--campaign-share",
            type=float,
            default=0.3,
            help="Share of the comments that are near-duplicate copies of a campaign letter.",
        )
        parser.add_argument(
            "--labels",
            type=Path,
            help="Write the campaign of every generated comment here as CSV "
            "(tracking_number,campaign; campaign empty for an independent comment).",
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw progress lines on stderr."
        )

    def handle(self, *args, **options) -> None:
        for name in ("occupations", "comments", "batch_size", "occupations_per_batch"):
            if options[name] < (1 if name != "comments" else 0):
                raise CommandError(f"--{name.replace('_', '-')} must be positive.")
        if options["consultations"] < 2:
            raise CommandError("--consultations must be at least 2 (one open, one in review).")
        if options["occupations_per_batch"] > 30_000:
            raise CommandError("--occupations-per-batch must be at most 30,000.")
        if Batch.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            raise CommandError(
                "This database already holds generated load data; use a fresh database."
            )
        progress = not options["no_progress"] and options["verbosity"] >= 1
        generator = Generator(
            seed=options["seed"],
            batch_size=options["batch_size"],
            progress=progress,
            now=timezone.now().replace(microsecond=0),
            log=self.stdout.write,
        )
        started = time.perf_counter()
        batches = generator.batches_and_occupations(
            options["occupations"], options["occupations_per_batch"]
        )
        standards = generator.standards(options["standard_share"])
        consultations = generator.consultations(options["consultations"], batches)
        with contextlib.ExitStack() as stack:
            labels = None
            if options["labels"] is not None:
                labels = stack.enter_context(options["labels"].open("w", newline=""))
            comments, campaigns = generator.comments(
                options["comments"], consultations, options["campaign_share"], labels=labels
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {options['occupations']:,} occupations in {len(batches):,} batches, "
                f"{standards:,} skill standards, {len(consultations)} consultations and "
                f"{comments:,} comments ({campaigns} campaign letters) in {elapsed:.1f} s "
                f"(seed {options['seed']})."
            )
        )
