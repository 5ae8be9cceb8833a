"""Recompute a consultation's comment record from the database and report any difference from
the published one (``consult.commitment.recheck``). Exit status 1 on a difference."""

from django.core.management.base import BaseCommand, CommandError

from consult import commitment
from consult.models import CommentRecord

SHOWN = 20  # tracking numbers listed per kind of difference


class Command(BaseCommand):
    help = "Recompute a consultation's comment record from the database and report differences."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the consultation's slug")

    def handle(self, *args, slug: str, **options) -> None:
        record = (
            CommentRecord.objects.select_related("consultation")
            .filter(consultation__slug=slug)
            .first()
        )
        if record is None:
            raise CommandError(
                f"No comment record for {slug!r}: no such consultation, or its window has not "
                "closed yet."
            )
        root, difference = commitment.recheck(record)
        self.stdout.write(
            f"Published: {record.root} over {record.leaf_count} comments "
            f"({record.algorithm}, computed {record.computed_at.isoformat()})"
        )
        self.stdout.write(f"Recomputed: {root} over {difference.count} comments")
        if root == record.root and difference.clean:
            self.stdout.write(self.style.SUCCESS("The record matches the comments as stored."))
            return
        if difference.changed:
            self.stdout.write(
                f"{len(difference.changed)} comments changed since the record: "
                + ", ".join(difference.changed[:SHOWN])
            )
        if difference.missing:
            self.stdout.write(f"{difference.missing} comments of the record are no longer stored.")
        if difference.added:
            self.stdout.write(
                f"{len(difference.added)} comments stored after the record: "
                + ", ".join(difference.added[:SHOWN])
            )
        raise CommandError("The comments as stored differ from the published record.")
