"""Exports of comments for staff: CSV streamed (by ``COPY`` on PostgreSQL), XLSX in write-only
mode; ``core.exports`` does the work.

The e-mail address and the IP hash of a comment are never exported.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.exports import export_queryset

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


def export_comments(queryset, *, fmt: str = "csv"):
    """The comments of ``queryset`` (its filters and order) as a CSV (streamed) or XLSX
    download."""
    return export_queryset(
        queryset, COMMENT_COLUMNS, fmt=fmt, basename="comments", title=_("Comments")
    )
