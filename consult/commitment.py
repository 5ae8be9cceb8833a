"""The comment record: a Merkle tree over every comment a consultation received in its window,
computed once when the window has closed, and the inclusion proof of each comment.

The encoding is RFC 6962's (Certificate Transparency, section 2.1), with SHA-256:

- a leaf hash is ``SHA-256(0x00 || leaf data)``, an inner node ``SHA-256(0x01 || left ||
  right)``, the root of no leaves ``SHA-256("")``;
- the leaves are every comment of the consultation (published, hidden, spam, withdrawn
  alike) in the order they were stored (ascending database id);
- a comment's leaf data is the UTF-8 text of four lines joined by "\\n", with no final newline:
  the record's encoding (``consult-comment-v2``), its tracking number, the moment it was
  received in UTC (``2026-07-17T15:59:59.123456Z``) and the SHA-256 (hex) of what was sent
  (``content_json``) with, in v2, the comment's random salt, which only its sender is shown: the
  content hash is public (on the proof), the name and e-mail address in it are not, and without
  the salt a guessed address cannot be tested against it. Records computed before v2 keep
  encoding v1 (no salt), so that they still verify; their roots never change.

The tree is built in memory as one ``bytes`` of 32-byte digests per level: an odd last node is
carried up unchanged, which is RFC 6962's split at the largest power of two below the size, so
an audit path is each level's sibling, bottom up, where there is one. The levels are stored in
``CommentRecordChunk`` rows so that a proof reads one chunk per level.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BinaryField, Case, Count, Q, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from consult.models import (
    ALGORITHM,
    ENCODING_V2,
    Attachment,
    Comment,
    CommentRecord,
    CommentRecordChunk,
    Consultation,
)
from consult.models.records import CHUNK_SIZE
from core.errors import InvalidTransition

DIGEST = 32
# Comments read per query while the leaves are computed.
READ_CHUNK = 5000
# A comment whose request arrived just before the close may still be being stored: the record
# is computed once the window has been closed this long.
SETTLE = dt.timedelta(minutes=2)

CONTENT_FIELDS = (
    "id",
    "tracking_number",
    "submitted_at",
    "occupation_id",
    "field",
    "task_number",
    "body",
    "proposed_text",
    "author_name",
    "organisation",
    "email",
    "consent_to_publish",
    "record_salt",
)


# The encoding ---------------------------------------------------------------------------------


def received_at(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sent_document(values: dict, attachments: list[str], encoding: str = ENCODING_V2) -> dict:
    """What was sent: the text fields, the target, the consent and each attachment's SHA-256
    in the order they were stored, and in v2 the comment's salt (hex)."""
    document = {
        "occupation": values["occupation_id"],
        "field": values["field"],
        "task_number": values["task_number"],
        "body": values["body"],
        "proposed_text": values["proposed_text"],
        "author_name": values["author_name"],
        "organisation": values["organisation"],
        "email": values["email"],
        "consent_to_publish": values["consent_to_publish"],
        "attachments": attachments,
    }
    if encoding == ENCODING_V2:
        document["salt"] = bytes(values["record_salt"]).hex()
    return document


def content_json(values: dict, attachments: list[str], encoding: str = ENCODING_V2) -> bytes:
    """``sent_document`` as canonical JSON (keys sorted, no spaces, UTF-8)."""
    document = sent_document(values, attachments, encoding)
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def leaf_data(
    tracking_number: str, moment: dt.datetime, content_sha256: str, encoding: str = ENCODING_V2
) -> bytes:
    return "\n".join((encoding, tracking_number, received_at(moment), content_sha256)).encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def build_levels(leaves: bytes) -> list[bytes]:
    """Every level of the tree over ``leaves`` (concatenated 32-byte leaf hashes), leaves
    first, root last."""
    levels = [leaves]
    level = leaves
    while len(level) > DIGEST:
        sha256 = hashlib.sha256
        view = memoryview(level)
        pairs = len(level) // (2 * DIGEST)
        parts = [sha256(b"\x01" + view[i * 64 : i * 64 + 64]).digest() for i in range(pairs)]
        if (len(level) // DIGEST) % 2:
            parts.append(level[-DIGEST:])
        level = b"".join(parts)
        levels.append(level)
    return levels


def root_of(levels: list[bytes]) -> str:
    top = levels[-1]
    return (top if top else hashlib.sha256(b"").digest()).hex()


# Reading the comments ------------------------------------------------------------------------


@dataclass
class Leaves:
    """The leaves of a consultation's comments as stored now, in record order."""

    hashes: bytes
    comment_ids: array
    tracking_numbers: list[str] = field(default_factory=list)


def _attachment_hashes(consultation_id: int) -> dict[int, list[str]]:
    hashes: dict[int, list[str]] = {}
    rows = (
        Attachment.objects.filter(comment__consultation_id=consultation_id)
        .order_by("comment_id", "pk")
        .values_list("comment_id", "sha256")
    )
    for comment_id, digest in rows.iterator(READ_CHUNK):
        hashes.setdefault(comment_id, []).append(digest)
    return hashes


def comment_rows(consultation_id: int) -> Iterator[dict]:
    """The consultation's comments in record order, with what a leaf binds, read in chunks."""
    rows = (
        Comment.objects.filter(consultation_id=consultation_id)
        .order_by("pk")
        .values(*CONTENT_FIELDS)
    )
    return rows.iterator(READ_CHUNK)


def comment_leaf(values: dict, attachments: list[str], encoding: str = ENCODING_V2) -> bytes:
    content = hashlib.sha256(content_json(values, attachments, encoding)).hexdigest()
    return leaf_hash(
        leaf_data(values["tracking_number"], values["submitted_at"], content, encoding)
    )


def read_leaves(
    consultation_id: int, *, keep_numbers: bool = False, encoding: str = ENCODING_V2
) -> Leaves:
    attachments = _attachment_hashes(consultation_id)
    # One growing buffer of digests, not a list of a million small bytes objects.
    hashes = bytearray()
    ids = array("q")
    numbers: list[str] = []
    for values in comment_rows(consultation_id):
        hashes += comment_leaf(values, attachments.get(values["id"], []), encoding)
        ids.append(values["id"])
        if keep_numbers:
            numbers.append(values["tracking_number"])
    return Leaves(hashes=bytes(hashes), comment_ids=ids, tracking_numbers=numbers)


# Computing and storing the record -------------------------------------------------------------


def _chunks(record: CommentRecord, levels: list[bytes], ids: array) -> Iterator[CommentRecordChunk]:
    span = CHUNK_SIZE * DIGEST
    for level_number, level in enumerate(levels):
        for number, start in enumerate(range(0, len(level), span)):
            chunk = CommentRecordChunk(
                record=record,
                level=level_number,
                number=number,
                digests=level[start : start + span],
            )
            if level_number == 0:
                chunk_ids = ids[number * CHUNK_SIZE : (number + 1) * CHUNK_SIZE]
                chunk.first_comment_id = chunk_ids[0]
                chunk.comment_ids = chunk_ids.tobytes()
            yield chunk


def commit(consultation: Consultation, *, now: dt.datetime) -> CommentRecord:
    """Compute and store the consultation's comment record; the one already stored if there
    is one (a record never changes). Requires the window closed for ``SETTLE``."""
    if consultation.closes_at is None or consultation.status == Consultation.Status.DRAFTING:
        raise InvalidTransition(_("Only a consultation that was open for comments has a record."))
    if consultation.comments_collected_elsewhere:
        raise InvalidTransition(
            _("This consultation's comments were collected elsewhere; this site has no record.")
        )
    if now < consultation.closes_at + SETTLE:
        raise InvalidTransition(_("The comment window has not closed yet."))
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        existing = CommentRecord.objects.filter(consultation=locked).first()
        if existing is not None:
            return existing
        leaves = read_leaves(locked.pk)
        levels = build_levels(leaves.hashes)
        record = CommentRecord(
            consultation=locked,
            root=root_of(levels),
            leaf_count=len(leaves.comment_ids),
            algorithm=ALGORITHM,
            encoding=ENCODING_V2,
            computed_at=now,
        )
        record.save()
        CommentRecordChunk.objects.bulk_create(_chunks(record, levels, leaves.comment_ids), 200)
    return record


def due(now: dt.datetime):
    """Consultations whose window has closed (for ``SETTLE``) and that have no record yet.
    One whose comments were collected elsewhere gets none: a record of the nothing this site
    received would read as a count of what the public sent."""
    return Consultation.objects.public().filter(
        closes_at__lt=now - SETTLE, comment_record__isnull=True, comments_collected_elsewhere=False
    )


def commit_due(*, now: dt.datetime) -> list[str]:
    """Compute the record of every consultation due (the worker's schedule)."""
    return [commit(consultation, now=now).consultation.slug for consultation in due(now)]


# Proofs --------------------------------------------------------------------------------------


class NoProof(Exception):
    """Why a comment has no inclusion proof (yet): the message says it to the public."""


def _level_sizes(count: int) -> list[int]:
    sizes = [count]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def leaf_index(record: CommentRecord, comment_id: int) -> int | None:
    chunk = (
        CommentRecordChunk.objects.filter(record=record, level=0, first_comment_id__lte=comment_id)
        .order_by("-first_comment_id")
        .only("number", "comment_ids")
        .first()
    )
    if chunk is None:
        return None
    ids = array("q")
    ids.frombytes(bytes(chunk.comment_ids))
    position = bisect.bisect_left(ids, comment_id)
    if position == len(ids) or ids[position] != comment_id:
        return None
    return chunk.number * CHUNK_SIZE + position


def audit_path(record: CommentRecord, index: int) -> tuple[bytes, list[bytes]]:
    """The leaf hash at ``index`` and its audit path (RFC 6962), read from the stored levels:
    one row per level, and of each only the pair of digests the path needs (a node and its
    sibling are always in one chunk, whose size is even), never the chunk's 32 KiB."""
    positions: list[int] = []
    position = index
    for _size in _level_sizes(record.leaf_count)[:-1]:
        positions.append(position)
        position //= 2
    positions = positions or [index]
    offsets = [
        When(level=level, then=Value((position & ~1) % CHUNK_SIZE * DIGEST + 1))
        for level, position in enumerate(positions)
    ]
    condition = Q()
    for level, position in enumerate(positions):
        condition |= Q(level=level, number=position // CHUNK_SIZE)
    pairs = dict(
        CommentRecordChunk.objects.filter(condition, record=record)
        .annotate(
            pair=Substr("digests", Case(*offsets), Value(2 * DIGEST), output_field=BinaryField())
        )
        .values_list("level", "pair")
    )
    path = []
    sizes = _level_sizes(record.leaf_count)
    for level, position in enumerate(positions):
        sibling = position ^ 1
        if sibling < sizes[level]:
            start = (sibling & 1) * DIGEST
            path.append(bytes(pairs[level])[start : start + DIGEST])
    start = (index & 1) * DIGEST
    return bytes(pairs[0])[start : start + DIGEST], path


def proof(comment: Comment) -> dict:
    """The inclusion proof of ``comment`` in its consultation's record, as published (the
    receipt page, its JSON file, the API). ``NoProof`` says why there is none."""
    record = getattr(comment.consultation, "comment_record", None)
    if record is None:
        raise NoProof(
            _(
                "The comment record of this consultation is computed when its window closes; "
                "there is no proof before then."
            )
        )
    index = leaf_index(record, comment.pk)
    if index is None:
        raise NoProof(_("This comment was stored after the record was computed: it is not in it."))
    stored_leaf, path = audit_path(record, index)
    attachments = list(comment.attachments.order_by("pk").values_list("sha256", flat=True))
    values = {name: getattr(comment, name) for name in CONTENT_FIELDS}
    content = hashlib.sha256(content_json(values, attachments, record.encoding)).hexdigest()
    moment = comment.submitted_at
    return {
        "consultation": comment.consultation.slug,
        "algorithm": record.algorithm,
        "encoding": record.encoding,
        "root": record.root,
        "tree_size": record.leaf_count,
        "computed_at": record.computed_at.isoformat(),
        "leaf_index": index,
        "tracking_number": comment.tracking_number,
        "received_at": received_at(comment.submitted_at),
        "content_sha256": content,
        "leaf_data": leaf_data(comment.tracking_number, moment, content, record.encoding).decode(),
        "leaf_hash": stored_leaf.hex(),
        "audit_path": [digest.hex() for digest in path],
    }


# Checking ------------------------------------------------------------------------------------


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: whether ``path`` proves ``leaf`` at ``index`` of ``size``."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


@dataclass
class Difference:
    root: str
    count: int
    changed: list[str]
    missing: int
    added: list[str]

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.added)


def recheck(record: CommentRecord) -> tuple[str, Difference]:
    """Recompute the record from the comments as stored now: the root it gives and how the
    stored comments differ from the record (changed leaves by tracking number, rows missing,
    rows stored after it)."""
    leaves = read_leaves(record.consultation_id, keep_numbers=True, encoding=record.encoding)
    recorded_ids = array("q")
    recorded = bytearray()
    for chunk in record.chunks.filter(level=0).order_by("number"):
        recorded_ids.frombytes(bytes(chunk.comment_ids))
        recorded += bytes(chunk.digests)
    now_at = {cid: i for i, cid in enumerate(leaves.comment_ids)}
    changed, missing = [], 0
    for i, cid in enumerate(recorded_ids):
        j = now_at.pop(cid, None)
        if j is None:
            missing += 1
        elif (
            leaves.hashes[j * DIGEST : (j + 1) * DIGEST] != recorded[i * DIGEST : (i + 1) * DIGEST]
        ):
            changed.append(leaves.tracking_numbers[j])
    added = [leaves.tracking_numbers[j] for j in sorted(now_at.values())]
    root = root_of(build_levels(leaves.hashes))
    return root, Difference(root, len(leaves.comment_ids), changed, missing, added)


# What the public pages show -------------------------------------------------------------------


@dataclass
class Summary:
    """A consultation's comment record as its page, report and feed show it: the record (None
    before the close), how many comments are stored now (a difference from the record's count
    shows rows added or removed since), and how many were withdrawn as misattributed."""

    record: CommentRecord | None
    stored: int
    misattributed: int

    @property
    def mismatch(self) -> bool:
        return self.record is not None and self.record.leaf_count != self.stored


def summary(consultation: Consultation) -> Summary:
    counts = Comment.objects.filter(consultation=consultation).aggregate(
        stored=Count("pk"),
        misattributed=Count("pk", filter=Q(withdrawal=Comment.Withdrawal.MISATTRIBUTED)),
    )
    return Summary(
        record=CommentRecord.objects.filter(consultation=consultation).first(),
        stored=counts["stored"],
        misattributed=counts["misattributed"],
    )


def release_section(release, state: dict) -> list[dict]:
    """The comment records of the consultations whose batch is in a release's records
    (``occupations.downloads.EXTRA_SECTIONS``), for its JSON document."""
    slugs = [batch["slug"] for batch in state.get("batches", []) if "slug" in batch]
    records = (
        CommentRecord.objects.filter(consultation__batch__slug__in=slugs)
        .select_related("consultation__batch")
        .order_by("consultation__closes_at", "pk")
    )
    return [
        {"consultation": r.consultation.slug, "batch": r.consultation.batch.slug, **r.as_dict()}
        for r in records
    ]


# What only the sender is shown ----------------------------------------------------------------


def sent_by_sender(comment: Comment) -> dict:
    """What the sender needs to check that their whole submission (name and e-mail address
    included) is what the record binds: the document whose canonical JSON's SHA-256 is the
    proof's ``content_sha256``, salt included. For the private link only: the salt in it is what
    keeps the public content hash from confirming a guessed address."""
    record = CommentRecord.objects.filter(consultation_id=comment.consultation_id).first()
    encoding = record.encoding if record is not None else ENCODING_V2
    attachments = list(comment.attachments.order_by("pk").values_list("sha256", flat=True))
    values = {name: getattr(comment, name) for name in CONTENT_FIELDS}
    document = sent_document(values, attachments, encoding)
    return {
        "document": document,
        "json": content_json(values, attachments, encoding).decode(),
        "content_sha256": hashlib.sha256(content_json(values, attachments, encoding)).hexdigest(),
    }
