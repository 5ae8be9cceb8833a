"""The comment record of a consultation: a Merkle commitment to every comment received in its
window, computed once when the window has closed (``consult.commitment``), and never changed.

``CommentRecord`` holds what is published (root, count, algorithm, time); its
``CommentRecordChunk`` rows hold the tree's levels as runs of 32-byte digests, so that an
inclusion proof reads one run per level instead of recomputing the tree."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consult.models.consultations import Consultation
from core.errors import InvalidTransition

ALGORITHM = "rfc6962-sha256"
# The leaf encodings (``consult.commitment``): v1 hashed what was sent as it stands, so that a
# published content hash let anyone test a guessed name or e-mail address; v2 mixes in each
# comment's random salt. A record keeps the encoding it was computed with, so the records
# computed before v2 still verify (their leaves cannot change without changing their root).
ENCODING_V1 = "consult-comment-v1"
ENCODING_V2 = "consult-comment-v2"
ENCODINGS = (ENCODING_V1, ENCODING_V2)
# Digests per chunk row: a proof reads one chunk per level of the tree (32 KiB each).
CHUNK_SIZE = 1024


class CommentRecord(models.Model):
    """Root, number of leaves, algorithm and time of one consultation's comment record. Written
    once with its chunks in one transaction; ``save`` refuses to update it."""

    consultation = models.OneToOneField(
        Consultation,
        on_delete=models.PROTECT,
        related_name="comment_record",
        verbose_name=_("consultation"),
    )
    root = models.CharField(_("root"), max_length=64)
    leaf_count = models.PositiveIntegerField(_("number of comments"))
    algorithm = models.CharField(_("algorithm"), max_length=20, default=ALGORITHM)
    computed_at = models.DateTimeField(_("computed at"))
    encoding = models.CharField(_("leaf encoding"), max_length=20, default=ENCODING_V2)

    class Meta:
        verbose_name = _("comment record")
        verbose_name_plural = _("comment records")
        constraints = [
            models.CheckConstraint(
                condition=Q(root__regex=r"\A[0-9a-f]{64}\Z"), name="comment_record_root_hex"
            ),
            models.CheckConstraint(
                condition=Q(algorithm=ALGORITHM), name="comment_record_algorithm_known"
            ),
            models.CheckConstraint(
                condition=Q(encoding__in=ENCODINGS), name="comment_record_encoding_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation}: {self.root}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise InvalidTransition(_("A comment record never changes once computed."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def as_dict(self) -> dict:
        """What the page, the API, the feed, the report and the downloads publish."""
        return {
            "root": self.root,
            "count": self.leaf_count,
            "algorithm": self.algorithm,
            "computed_at": self.computed_at.isoformat(),
        }


class CommentRecordChunk(models.Model):
    """``CHUNK_SIZE`` consecutive digests of one level of a record's tree (level 0: the leaf
    hashes, in leaf order). A leaf chunk also carries the ids of its comments (ascending, as
    the leaves are ordered), so that a comment's leaf index is found in one read."""

    record = models.ForeignKey(CommentRecord, on_delete=models.PROTECT, related_name="chunks")
    level = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    digests = models.BinaryField()
    first_comment_id = models.BigIntegerField(null=True)
    comment_ids = models.BinaryField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "level", "number"], name="comment_record_chunk_unique"
            ),
            models.CheckConstraint(
                condition=Q(level=0, first_comment_id__isnull=False, comment_ids__isnull=False)
                | (~Q(level=0) & Q(first_comment_id__isnull=True, comment_ids__isnull=True)),
                name="comment_record_chunk_ids_on_leaves",
            ),
        ]
        indexes = [
            models.Index(
                fields=["record", "first_comment_id"],
                condition=Q(level=0),
                name="comment_record_leaf_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_id}: level {self.level}, chunk {self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise InvalidTransition(_("A comment record never changes once computed."))
        super().save(*args, **kwargs)
