"""What near-duplicate clustering (``consult.clustering``) keeps in the database, so that every
worker and web node sees the same campaigns: one MinHash signature per comment and its
locality-sensitive-hashing band keys, one row each, indexed for the candidate lookup. The
campaign a comment belongs to is ``Comment.cluster`` itself.
"""

from __future__ import annotations

from django.db import models

from consult.models.comments import Comment
from consult.models.consultations import Consultation


class CommentSignature(models.Model):
    """A comment's MinHash signature: ``clustering.NUM_PERM`` unsigned 32-bit values, little
    endian, of its normalised text's character shingles."""

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="signature"
    )
    # Rebuilds delete a consultation's rows at once.
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    minhash = models.BinaryField()

    class Meta:
        verbose_name = "comment signature"

    def __str__(self) -> str:
        return f"signature of comment {self.comment_id}"


class CommentBand(models.Model):
    """One band of a comment's signature hashed to a key: comments of one consultation that
    share a key are candidates, checked against each other's signatures. The primary key is
    the lookup itself (consultation, key), so no surrogate id is stored or indexed.

    No foreign-key constraints in the database: nine of these rows are derived from each
    comment, PostgreSQL checks deferred constraints one row at a time at commit, and that
    check took longer than the rest of a bulk rebuild. Django's cascade removes them with
    their comment or consultation; a rebuild rewrites them all."""

    pk = models.CompositePrimaryKey("consultation", "key", "comment")
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    key = models.BigIntegerField()
    # Not indexed either: rows are looked up by key and deleted by consultation; a comment
    # is never deleted on its own (the admin refuses it).
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        verbose_name = "comment band"

    def __str__(self) -> str:
        return f"band {self.key} of comment {self.comment_id}"
