"""``manage.py loadseeds``: load the seed files (the process's real history) into the database."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from seeds import loader
from seeds.files import SeedError
from seeds.writing import UNCHANGED


class Command(BaseCommand):
    help = (
        "Check every seed file, then load them all in one transaction. Records are matched by "
        "their natural keys, so loading twice changes nothing. On bad data the command names the "
        "file and record, loads nothing and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help="Folder holding the seed files (default: the project's seeds/ folder).",
        )
        parser.add_argument(
            "--check-quotes",
            type=Path,
            metavar="SOURCES_DIR",
            default=None,
            help="Check every quote against the news articles in SOURCES_DIR: copied word for "
            "word, and a whole sentence (default: shared/seeds beside the checkout, skipped "
            "with a notice when that folder is absent).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the files; write nothing.",
        )

    @no_translations
    def handle(
        self,
        *args,
        path: Path | None,
        check_quotes: Path | None,
        dry_run: bool,
        verbosity: int,
        **options,
    ) -> None:
        directory = path or loader.default_directory()
        started = time.perf_counter()
        try:
            seeds = loader.read_seeds(directory)
            sources = check_quotes or loader.default_sources_directory()
            if check_quotes is not None or sources.is_dir():
                checked = loader.check_quotes(seeds, sources)
                self.stdout.write(
                    f"{checked} quotes found word for word, each a whole sentence, in {sources}."
                )
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"Quotes not checked against the source articles: {sources} is absent "
                        "(pass --check-quotes SOURCES_DIR). Everything else is checked."
                    )
                )
            if dry_run:
                self.stdout.write(self.style.SUCCESS(f"Seed files in {directory} are valid."))
                return
            report = loader.load(seeds)
        except SeedError as exc:
            raise CommandError(
                f"Seed data not loaded, nothing was changed. {exc.file}: {exc.record}: "
                f"{exc.message}"
            ) from exc
        if verbosity >= 1:
            # What was created or updated; with -v 2 also what was already in place.
            for line in report.lines:
                if verbosity >= 2 or not line.endswith(UNCHANGED):
                    self.stdout.write(line)
        self.stdout.write(report.table())
        elapsed = time.perf_counter() - started
        summary = (
            f"Loaded the seed data from {directory} in {elapsed:.2f} s."
            if report.changed_anything
            else f"Seed data from {directory} already loaded: nothing changed ({elapsed:.2f} s)."
        )
        self.stdout.write(self.style.SUCCESS(summary))
