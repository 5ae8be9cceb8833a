"""Exports of comments for staff: CSV streamed row by row, XLSX in write-only mode.

The e-mail address and the IP hash of a comment are never exported.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from occupations.exports import CHUNK_SIZE, export_response

COMMENT_COLUMNS = (
    ("tracking_number", "tracking number"),
    ("submitted_at", "submitted"),
    ("consultation__slug", "consultation"),
    ("occupation__position", "occupation position"),
    ("occupation__name", "occupation"),
    ("field", "field"),
    ("task_number", "task number"),
    ("body", "comment"),
    ("proposed_text", "proposed text"),
    ("author_name", "name"),
    ("organisation", "organisation"),
    ("consent_to_publish", "consent to publish"),
    ("status", "moderation status"),
    ("fingerprint", "fingerprint"),
    ("disposition", "disposition"),
    ("reply", "reply"),
    ("replied_at", "replied"),
)


def comment_rows(queryset) -> Iterator[tuple]:
    """One tuple per comment, in the queryset's order, read in chunks."""
    return queryset.values_list(*(name for name, _label in COMMENT_COLUMNS)).iterator(
        chunk_size=CHUNK_SIZE
    )


def export_comments(queryset, *, fmt: str = "csv"):
    """The comments of ``queryset`` as a CSV (streamed) or XLSX download."""
    header = [label for _name, label in COMMENT_COLUMNS]
    return export_response(fmt, "comments", _("Comments"), header, lambda: comment_rows(queryset))
