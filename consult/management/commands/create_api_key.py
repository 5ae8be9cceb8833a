"""``manage.py create_api_key --owner "…" --scopes read,comment``: make a key and print it,
the one time it can be seen."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consult.api.keys import create_api_key
from core.errors import WorkflowError


class Command(BaseCommand):
    help = "Create an API key for an organisation and print it (it is shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", required=True, help="The organisation holding the key.")
        parser.add_argument(
            "--scopes", default="read", help="read, comment or read,comment (default read)."
        )
        parser.add_argument("--note", default="", help="Why the key was issued (for staff).")

    def handle(self, *args, owner: str, scopes: str, note: str, **options) -> None:
        try:
            key, token = create_api_key(
                owner=owner, scopes=scopes.split(","), by=None, now=timezone.now(), note=note
            )
        except WorkflowError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(f"API key #{key.pk} for {key.owner} ({', '.join(key.scopes)}):")
        self.stdout.write(token)
        self.stdout.write("Store it now: only its hash is kept, and it cannot be shown again.")
