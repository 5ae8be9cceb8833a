"""The comment record: its root is stable, moves with any committed field, row or attachment,
and every comment's proof verifies with a verifier that knows only the documented encoding."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import translation

from consult import commitment
from consult.models import Attachment, Comment, CommentRecord, Consultation
from core.errors import InvalidTransition
from tests.factories import CommentFactory, ConsultationFactory
from tests.record import independent

pytestmark = pytest.mark.django_db

CLOSED = dt.datetime(2026, 7, 17, 16, 0, tzinfo=dt.UTC)
AFTER = CLOSED + dt.timedelta(minutes=10)


def closed_consultation(n: int) -> Consultation:
    consultation = ConsultationFactory(
        status=Consultation.Status.CONSULTATION,
        opens_at=CLOSED - dt.timedelta(days=30),
        closes_at=CLOSED,
    )
    for i in range(n):
        CommentFactory(
            consultation=consultation,
            submitted_at=CLOSED - dt.timedelta(hours=n - i, microseconds=i),
            status=["received", "published", "hidden", "spam"][i % 4],
            author_name=f"Author {i}",
            email=f"author{i}@example.org" if i % 2 else "",
        )
    return consultation


def sent(comment: Comment) -> dict:
    """What was sent, as the README documents it."""
    return {
        "occupation": comment.occupation_id,
        "field": comment.field,
        "task_number": comment.task_number,
        "body": comment.body,
        "proposed_text": comment.proposed_text,
        "author_name": comment.author_name,
        "organisation": comment.organisation,
        "email": comment.email,
        "consent_to_publish": comment.consent_to_publish,
        "attachments": list(comment.attachments.order_by("pk").values_list("sha256", flat=True)),
        "salt": bytes(comment.record_salt).hex(),
    }


def independent_root(consultation: Consultation) -> str:
    leaves = [
        independent.leaf(
            "consult-comment-v2",
            c.tracking_number,
            c.submitted_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            independent.content_sha256(sent(c)),
        )
        for c in consultation.comments.order_by("pk")
    ]
    return independent.root_of(leaves).hex()


def recomputed(consultation: Consultation) -> str:
    return commitment.root_of(
        commitment.build_levels(commitment.read_leaves(consultation.pk).hashes)
    )


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, 13])
def test_every_comment_has_a_proof_the_independent_verifier_accepts(n):
    consultation = closed_consultation(n)
    record = commitment.commit(consultation, now=AFTER)
    assert record.leaf_count == n
    assert record.root == independent_root(consultation)
    checked = 0
    for comment in consultation.comments.all():
        proof = commitment.proof(comment)
        assert independent.content_sha256(sent(comment)) == proof["content_sha256"]
        assert independent.verify(proof), comment.tracking_number
        checked += 1
    assert checked == n


def test_a_wrong_proof_fails():
    consultation = closed_consultation(6)
    commitment.commit(consultation, now=AFTER)
    proof = commitment.proof(consultation.comments.order_by("pk")[2])
    assert independent.verify(proof)
    flipped = proof["audit_path"][0][:-1] + ("0" if proof["audit_path"][0][-1] != "0" else "1")
    wrong = [
        {**proof, "audit_path": [flipped, *proof["audit_path"][1:]]},
        {**proof, "leaf_index": proof["leaf_index"] + 1},
        {**proof, "tree_size": proof["leaf_index"] + 1},
        {**proof, "content_sha256": "0" * 64},
        {**proof, "received_at": proof["received_at"].replace(".", ",")},
        {**proof, "audit_path": proof["audit_path"][:-1]},
        {**proof, "root": "f" * 64},
    ]
    for bad in wrong:
        assert not independent.verify(bad)


def test_the_root_is_stable_across_recomputation():
    consultation = closed_consultation(7)
    record = commitment.commit(consultation, now=AFTER)
    assert recomputed(consultation) == record.root
    assert commitment.commit(consultation, now=AFTER + dt.timedelta(days=1)).pk == record.pk
    root, difference = commitment.recheck(record)
    assert root == record.root and difference.clean


CHANGES = {
    "body": "A different text.",
    "proposed_text": "Other wording.",
    "author_name": "Someone else",
    "organisation": "Another body",
    "email": "other@example.org",
    "consent_to_publish": False,
    "tracking_number": "0000-0000-0000",
    "submitted_at": CLOSED - dt.timedelta(days=2),
}


@pytest.mark.parametrize("field", CHANGES)
def test_the_root_changes_with_any_committed_field(field):
    consultation = closed_consultation(5)
    record = commitment.commit(consultation, now=AFTER)
    victim = consultation.comments.order_by("pk")[3]
    Comment.objects.filter(pk=victim.pk).update(**{field: CHANGES[field]})
    assert recomputed(consultation) != record.root
    _, difference = commitment.recheck(record)
    assert difference.changed == [Comment.objects.get(pk=victim.pk).tracking_number]


def test_the_root_changes_with_the_target():
    consultation = closed_consultation(3)
    record = commitment.commit(consultation, now=AFTER)
    victim = consultation.comments.first()
    Comment.objects.filter(pk=victim.pk).update(field="", occupation=None, task_number=None)
    assert recomputed(consultation) == record.root  # nothing changed yet: all were on the list
    from tests.factories import DraftOccupationFactory

    draft = DraftOccupationFactory(consultation=consultation)
    Comment.objects.filter(pk=victim.pk).update(occupation=draft)
    assert recomputed(consultation) != record.root


def test_the_root_changes_with_an_attachment():
    consultation = closed_consultation(3)
    comment = consultation.comments.first()
    attachment = Attachment(
        comment=comment, original_name="a.txt", content_type="text/plain", size=5, sha256="a" * 64
    )
    attachment.file.save("a.txt", ContentFile(b"hello"), save=False)
    attachment.save()
    record = commitment.commit(consultation, now=AFTER)
    assert record.root == independent_root(consultation)
    Attachment.objects.filter(pk=attachment.pk).update(sha256="b" * 64)
    assert recomputed(consultation) != record.root
    Attachment.objects.filter(pk=attachment.pk).delete()
    assert recomputed(consultation) != record.root


def test_a_deleted_or_added_row_changes_the_root_and_the_count():
    consultation = closed_consultation(4)
    record = commitment.commit(consultation, now=AFTER)
    consultation.comments.order_by("pk").first().delete()
    root, difference = commitment.recheck(record)
    assert root != record.root and difference.missing == 1 and difference.count == 3
    late = CommentFactory(consultation=consultation, submitted_at=AFTER)
    root, difference = commitment.recheck(record)
    assert difference.added == [late.tracking_number] and difference.count == 4
    with pytest.raises(commitment.NoProof):
        commitment.proof(late)


def test_no_record_before_the_close_and_the_proof_says_why():
    consultation = closed_consultation(2)
    with pytest.raises(InvalidTransition):
        commitment.commit(consultation, now=CLOSED)
    with translation.override("en"), pytest.raises(commitment.NoProof, match="window closes"):
        commitment.proof(consultation.comments.first())
    assert commitment.commit_due(now=CLOSED) == []
    assert commitment.commit_due(now=AFTER) == [consultation.slug]


def test_a_consultation_whose_comments_were_collected_elsewhere_gets_no_record():
    # A record of the nothing this site received would read as a count of what was sent.
    consultation = closed_consultation(0)
    Consultation.objects.filter(pk=consultation.pk).update(comments_collected_elsewhere=True)
    consultation.refresh_from_db()
    assert commitment.commit_due(now=AFTER) == []
    with translation.override("en"), pytest.raises(InvalidTransition, match="elsewhere"):
        commitment.commit(consultation, now=AFTER)
    assert not CommentRecord.objects.exists()


def test_the_record_never_changes():
    record = commitment.commit(closed_consultation(2), now=AFTER)
    with pytest.raises(InvalidTransition):
        record.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentRecord.objects.filter(pk=record.pk).update(root="0" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        record.chunks.update(digests=b"")


def test_proofs_hold_across_chunk_boundaries(monkeypatch):
    """Levels stored over several chunks (4 digests each here instead of 1,024): every leaf is
    found in its chunk and every proof verifies."""
    monkeypatch.setattr(commitment, "CHUNK_SIZE", 4)
    consultation = closed_consultation(37)
    record = commitment.commit(consultation, now=AFTER)
    assert record.chunks.filter(level=0).count() == 10
    assert record.root == independent_root(consultation)
    proofs = [commitment.proof(c) for c in consultation.comments.order_by("pk")]
    assert [p["leaf_index"] for p in proofs] == list(range(37))
    assert all(independent.verify(p) for p in proofs)
