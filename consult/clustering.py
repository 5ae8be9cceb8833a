"""Near-duplicate campaigns: the comments of a consultation whose texts are the same or nearly
the same.

Method (the staff page explains it in words, ``EXPLANATION``): a comment's text is normalised
as for its fingerprint (``normalised_text``: width and case folded, only letters and digits
kept) and cut into overlapping runs of ``SHINGLE`` characters, which works for Chinese without
word segmentation and for English alike. ``datasketch.MinHash`` turns that set into
``NUM_PERM`` numbers whose share of equal positions between two comments estimates the Jaccard
similarity of their sets. The signature is cut into ``BANDS`` bands of ``ROWS`` numbers; each
band is hashed to a key (locality-sensitive hashing), and two comments sharing any key are
candidates. A candidate pair whose estimated similarity reaches ``CAMPAIGN_SIMILARITY``
(default 0.8) is linked, and a campaign is a set of comments joined by links (single linkage),
represented by its earliest comment, whose key is every member's ``Comment.cluster``.
Identical normalised texts have similarity 1 and are always linked.

Everything the method needs is stored (``CommentSignature``, ``CommentBand``), so any worker
assigns a new comment (``assign``) by looking its keys up in the database; no index lives in a
process. ``rebuild`` recomputes a consultation in bulk, holding only that run's arrays.
Nothing is merged or deleted: a campaign is a label on each comment, which staff may take off
(``take_out_of_campaign``), and a comment taken out stays out of every rebuild.

``datasketch`` does the hashing; what is written here is the storage and the linking, which
that library keeps in memory or in Redis and Cassandra only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from consult.models import (
    Comment,
    CommentBand,
    CommentSignature,
    Consultation,
    normalised_text,
)
from core.errors import InvalidTransition, require_permission
from occupations.models import Transition

if TYPE_CHECKING:
    from core.errors import Actor

SHINGLE = 4
NUM_PERM = 64
# datasketch 2's bijective 32-bit permutations; stored signatures are only comparable with
# signatures of the same scheme, so a change of scheme needs ``cluster_comments`` everywhere.
SCHEME = "affine32"
# 9 bands of 7 rows: a pair at similarity 0.8 becomes a candidate with probability 0.88, at
# 0.9 with 0.997, at 0.5 with 0.07 (datasketch's optimum for a threshold of 0.8 weighing
# missed pairs 9 to 1 against extra candidates, which the signature check removes).
BANDS = 9
ROWS = 7
# A new comment is checked against at most this many candidates: enough for every campaign it
# may belong to, bounded for one that joins a campaign of thousands.
CANDIDATE_LIMIT = 400
CHUNK = 2000
# Comments a scheduled run assigns at most, the rest waiting for the next tick: at tens of
# milliseconds each, a run ends before the next one starts (an overlapping run would only
# assign again what is assigned already: ``assign`` is idempotent).
ASSIGN_BATCH = 500

EXPLANATION = _(
    "Comments are grouped into a campaign when their texts are the same or nearly the same. "
    "Each text is compared after removing spacing, punctuation and differences of case and "
    "width, as overlapping runs of %(shingle)s characters, which works for Chinese and English "
    "alike. The computer estimates, for two comments, the share of these runs that they have "
    "in common (the Jaccard similarity, estimated with MinHash from %(perm)s samples); two "
    "comments with at least %(threshold)s%% in common are linked, and every comment linked to "
    "a member of a campaign belongs to it. Identical texts are always linked. Each campaign is "
    "shown by its earliest comment, and every member with what it changed. Nothing is merged "
    "or deleted: each comment stays a comment of its own, staff decide what to do with it, "
    "and a comment staff take out of a campaign stays out."
)


def explanation() -> str:
    """``EXPLANATION`` with the numbers in force."""
    return str(EXPLANATION) % {
        "shingle": SHINGLE,
        "perm": NUM_PERM,
        "threshold": round(threshold() * 100),
    }


def threshold() -> float:
    return float(settings.CAMPAIGN_SIMILARITY)


# Signatures --------------------------------------------------------------------------------


# datasketch is imported where a signature is computed: importing it loads SciPy for its LSH
# parameter search (about 64 MB resident, measured), which this module does not use, and web
# processes, which never compute a signature, need not carry it.


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutations for ``NUM_PERM`` with its default seed: constants, the same
    in every process, computed once rather than for every signature."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


_FNV_PRIME = np.uint64(0x100000001B3)


def shingle_hashes(body: str) -> list[int]:
    """The ``SHINGLE``-character runs of the normalised text, each as a 32-bit number
    (the text itself when it is shorter; its raw folded form when nothing is left after
    normalising). Computed over the code points as arrays: hashing each run as a bytes object
    in Python cost four fifths of a signature's time."""
    text = normalised_text(body) or body.casefold().strip() or " "
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    runs = max(len(codes) - SHINGLE + 1, 1)
    with np.errstate(over="ignore"):
        h = codes[:runs].copy()
        for offset in range(1, min(SHINGLE, len(codes))):
            h = h * _FNV_PRIME + codes[offset : offset + runs]
        h ^= h >> np.uint64(32)
    # A run seen twice only repeats a minimum: no need to make the list a set first.
    return (h & np.uint64(0xFFFFFFFF)).tolist()


def signatures(bodies: list[str]) -> np.ndarray:
    """The MinHash signatures of ``bodies``, one row of ``NUM_PERM`` uint32 each."""
    if not bodies:
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    from datasketch import MinHash

    permutations = _permutations()
    rows = []
    for body in bodies:
        # The runs are numbers already: datasketch's default SHA-1 of each would only repeat
        # the work (its docs suggest a faster hash function for speed).
        minhash = MinHash(num_perm=NUM_PERM, permutations=permutations, scheme=SCHEME, hashfunc=int)
        minhash.update_batch(shingle_hashes(body))
        rows.append(minhash.hashvalues)
    return np.asarray(rows, dtype=np.uint32)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """One signed 64-bit key per band of each signature, the band's number mixed in so that
    equal values in two different bands never meet (an FNV-style fold, vectorised)."""
    keys = np.empty((sigs.shape[0], BANDS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(BANDS):
            h = np.full(sigs.shape[0], np.uint64(band + 1) * _MIX, dtype=np.uint64)
            for value in sigs[:, band * ROWS : (band + 1) * ROWS].T:
                h = (h ^ value.astype(np.uint64)) * np.uint64(0x100000001B3)
                h ^= h >> np.uint64(29)
            keys[:, band] = h
    return keys.view(np.int64)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of signature ``a`` with each row of ``b``."""
    return (b == a).mean(axis=1)


def _to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def _from_bytes(raw: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype="<u4")


# One new comment ---------------------------------------------------------------------------


def _store_signature(comment: Comment, sig: np.ndarray) -> list[int]:
    """Write the comment's signature and band rows, unless a run before wrote them (a comment's
    text never changes, so neither do they); its keys. Two INSERTs."""
    keys = sorted({int(k) for k in band_keys(sig[None, :])[0]})
    CommentSignature.objects.bulk_create(
        [
            CommentSignature(
                comment=comment, consultation_id=comment.consultation_id, minhash=_to_bytes(sig)
            )
        ],
        ignore_conflicts=True,
    )
    CommentBand.objects.bulk_create(
        [
            CommentBand(consultation_id=comment.consultation_id, key=k, comment=comment)
            for k in keys
        ],
        ignore_conflicts=True,
    )
    return keys


def _linked_clusters(comment: Comment, sig: np.ndarray, keys: list[int]) -> set[int]:
    """The campaigns (representatives) of the candidates similar enough to ``comment``; a
    candidate not yet clustered counts as a campaign of its own."""
    candidates = (
        CommentBand.objects.filter(consultation_id=comment.consultation_id, key__in=keys)
        .exclude(comment_id=comment.pk)
        .values("comment_id")
    )
    rows = list(
        CommentSignature.objects.filter(comment_id__in=candidates, comment__kept_apart=False)
        .order_by("comment_id")
        .values_list("comment_id", "comment__cluster_id", "minhash")[:CANDIDATE_LIMIT]
    )
    if not rows:
        return set()
    sims = similarity(sig, np.stack([_from_bytes(raw) for _pk, _c, raw in rows]))
    return {
        cluster if cluster is not None else pk
        for (pk, cluster, _raw), s in zip(rows, sims, strict=True)
        if s >= threshold()
    }


def assign(comment_id: int) -> int | None:
    """Store the signature of comment ``comment_id`` and put it in its campaign: linked to
    every campaign with a similar candidate, which become one under the earliest
    representative. The campaign's key, or None if the comment no longer exists. Idempotent.

    Runs in the worker. The consultation's row is locked for the step, so two assignments (or
    an assignment and a rebuild) of one consultation never relabel the same campaigns at once;
    other consultations are not held up.
    """
    with transaction.atomic():
        of_comment = Comment.objects.filter(pk=comment_id).values("consultation_id")
        locked = (
            Consultation.objects.select_for_update()
            .filter(pk=models.Subquery(of_comment))
            .values_list("pk", flat=True)
        )
        if not list(locked):
            return None
        comment = (
            Comment.objects.filter(pk=comment_id)
            .only("pk", "consultation_id", "body", "cluster_id", "kept_apart")
            .order_by()[0]
        )
        sig = signatures([comment.body])[0]
        keys = _store_signature(comment, sig)
        if comment.kept_apart:
            linked: set[int] = set()
        else:
            linked = _linked_clusters(comment, sig, keys)
        if comment.cluster_id is not None and comment.cluster_id != comment.pk:
            linked.add(comment.cluster_id)  # a rerun keeps what it had
        root = min(linked | {comment.pk})
        merged = linked - {root}
        if merged:
            Comment.objects.filter(
                consultation_id=comment.consultation_id, cluster_id__in=merged
            ).update(cluster_id=root)
            # A candidate not yet clustered is its own representative.
            Comment.objects.filter(pk__in=merged, cluster__isnull=True).update(cluster_id=root)
        Comment.objects.filter(pk=comment.pk).update(cluster_id=root)
        return root


def assign_new(*, limit: int = ASSIGN_BATCH) -> int:
    """Assign the oldest ``limit`` comments that are in no campaign yet; how many. Run by the
    worker on a schedule (``consult.schedules``): the comment POST stores the row and nothing
    else, and a comment stored by any path (the form, the API, an import) is picked up."""
    pks = list(Comment.objects.unclustered().order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in pks:
        assign(pk)
    return len(pks)


# Staff ---------------------------------------------------------------------------------------


def take_out_of_campaign(comment: Comment, *, by: Actor, now: dt.datetime) -> Comment:
    """Take ``comment`` out of its near-duplicate campaign for good: it becomes a campaign of
    its own and no assignment or rebuild links it again (``Comment.kept_apart``). When it was
    the campaign's representative, the earliest remaining member takes its place. Nothing else
    changes. Logged as ``take_out_of_campaign`` from the campaign's representative. Requires
    ``consult.moderate_comment``; refused for a comment in no campaign."""
    require_permission(
        by, "consult.moderate_comment", gettext_now("take comments out of campaigns")
    )
    with transaction.atomic():
        # The consultation's lock is the one ``assign`` and ``rebuild`` take: no assignment
        # relabels this campaign meanwhile.
        Consultation.objects.select_for_update().get(pk=comment.consultation_id)
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        members = Comment.objects.filter(
            consultation_id=comment.consultation_id, cluster_id=comment.cluster_id
        ).exclude(pk=comment.pk)
        if comment.cluster_id is None or not members.exists():
            raise InvalidTransition(
                gettext_now("Comment %(number)s is in no campaign.")
                % {"number": comment.tracking_number}
            )
        source = str(comment.cluster_id)
        if comment.cluster_id == comment.pk:
            heir = members.order_by("pk").values_list("pk", flat=True)[0]
            members.update(cluster_id=heir)
        Comment.objects.filter(pk=comment.pk).update(cluster_id=comment.pk, kept_apart=True)
        comment.cluster_id, comment.kept_apart = comment.pk, True
        Transition.objects.record(
            comment,
            action="take_out_of_campaign",
            source=source,
            target=str(comment.pk),
            by=by,
            at=now,
        )
    return comment


# A whole consultation ----------------------------------------------------------------------


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    """Report nothing."""


@dataclass
class RebuildResult:
    comments: int
    campaigns: int
    in_campaigns: int


def _chunks(pks: np.ndarray, size: int) -> Iterator[list[tuple[int, str, bool, int | None]]]:
    """The comments ``pks`` (in pk order), ``size`` at a time: pk, body, kept apart, campaign.

    Each chunk is read by primary key, whatever the planner knows of the table. Keyset pages
    (``pk > last`` within the consultation, ``LIMIT size``) depended on it: on a table just
    loaded, before its statistics were gathered, PostgreSQL read each page through the
    consultation's index and a sort, that is every later comment of the consultation again
    (a middle page read 432,370 rows for 2,000 under EXPLAIN ANALYZE; 147 s of a rebuild of
    832,170 comments in all, profiled)."""
    for start in range(0, len(pks), size):
        yield list(
            Comment.objects.filter(pk__in=pks[start : start + size].tolist())
            .order_by("pk")
            .values_list("pk", "body", "kept_apart", "cluster_id")
        )


class _Components:
    """Union-find over row numbers; a set's root is its smallest row (the earliest comment,
    rows being in pk order)."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def roots(self, rows: np.ndarray) -> np.ndarray:
        found = self.parent[rows]
        while True:
            up = self.parent[found]
            if np.array_equal(up, found):
                return found
            found = up

    def union(self, a: int, others: np.ndarray) -> None:
        if len(others) == 0:
            return
        tops = np.unique(np.concatenate([self.roots(np.array([a])), self.roots(others)]))
        self.parent[tops] = tops[0]

    def flatten(self) -> np.ndarray:
        return self.roots(np.arange(len(self.parent)))


def _link_bucket(members: np.ndarray, sigs: np.ndarray, sets: _Components, limit: float) -> None:
    """Link the members of one band bucket (rows in pk order): each to the first earlier
    leader it is similar to, a member similar to no leader becoming one. Members already in
    one set are not compared again."""
    if len(np.unique(sets.roots(members))) == 1:
        return
    remaining = members
    while len(remaining) > 1:
        leader, rest = remaining[0], remaining[1:]
        close = similarity(sigs[leader], sigs[rest]) >= limit
        sets.union(int(leader), rest[close])
        remaining = rest[~close]


def _link_all(keys: np.ndarray, sigs: np.ndarray, linkable: np.ndarray) -> np.ndarray:
    """Each row's root row after linking every band's buckets."""
    sets = _Components(len(keys))
    limit = threshold()
    rows = np.flatnonzero(linkable)
    for band in range(BANDS):
        band_keys_ = keys[rows, band]
        order = np.argsort(band_keys_, kind="stable")
        ordered = band_keys_[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        ends = np.r_[starts[1:], len(ordered)]
        for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
            _link_bucket(rows[order[start:end]], sigs, sets, limit)
    return sets.flatten()


def _write_clusters(pks: np.ndarray, current: np.ndarray, roots: np.ndarray) -> int:
    """Give each comment its campaign (itself when alone, else its root row's comment),
    writing only the comments whose campaign changes: a first run writes each comment once,
    a rerun next to nothing. ``current`` holds each comment's campaign as read, -1 for none.
    The number of campaigns of two or more comments."""
    labels = pks[roots]
    changed = np.flatnonzero(labels != current)
    alone = changed[labels[changed] == pks[changed]]
    for i in range(0, len(alone), CHUNK):
        Comment.objects.filter(pk__in=pks[alone[i : i + CHUNK]].tolist()).update(cluster_id=F("pk"))
    joined = changed[labels[changed] != pks[changed]]
    joined = joined[np.argsort(labels[joined], kind="stable")]
    starts = np.flatnonzero(np.r_[True, labels[joined][1:] != labels[joined][:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(joined)], strict=True):
        members = pks[joined[start:end]].tolist()
        for i in range(0, len(members), CHUNK):
            Comment.objects.filter(pk__in=members[i : i + CHUNK]).update(
                cluster_id=int(labels[joined[start]])
            )
    _roots, sizes = np.unique(roots, return_counts=True)
    return int((sizes > 1).sum())


def rebuild(consultation: Consultation, *, progress: Progress = _no_progress) -> RebuildResult:
    """Recompute every signature, band key and campaign of ``consultation`` from its texts.

    One transaction under the consultation's row lock: assignments of new comments wait and
    then run on the rebuilt state. Memory: the run's signatures and keys, about 350 bytes a
    comment. Comments taken out of campaigns stay out. ``progress(stage, done, total)`` is
    called as it goes.
    """
    with transaction.atomic():
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        # Comments stored from now on wait for their assignment by the worker.
        ids = np.array(
            Comment.objects.filter(consultation=consultation)
            .order_by("pk")
            .values_list("pk", flat=True),
            dtype=np.int64,
        )
        total = len(ids)
        CommentBand.objects.filter(consultation=consultation).delete()
        CommentSignature.objects.filter(consultation=consultation).delete()
        pks = np.empty(total, dtype=np.int64)
        sigs = np.empty((total, NUM_PERM), dtype=np.uint32)
        keys = np.empty((total, BANDS), dtype=np.int64)
        linkable = np.empty(total, dtype=bool)
        current = np.empty(total, dtype=np.int64)
        done = 0
        progress("signatures", 0, total)
        for rows in _chunks(ids, CHUNK):
            chunk = signatures([body for _pk, body, _kept, _cluster in rows])
            chunk_keys = band_keys(chunk)
            end = done + len(rows)
            pks[done:end] = [pk for pk, _body, _kept, _cluster in rows]
            linkable[done:end] = [not kept for _pk, _body, kept, _cluster in rows]
            current[done:end] = [-1 if c is None else c for _pk, _body, _kept, c in rows]
            sigs[done:end], keys[done:end] = chunk, chunk_keys
            _write_rows(consultation.pk, pks[done:end], chunk, chunk_keys)
            done = end
            progress("signatures", done, total)
        pks, sigs, keys = pks[:done], sigs[:done], keys[:done]
        linkable, current = linkable[:done], current[:done]
        progress("linking", 0, 1)
        roots = _link_all(keys, sigs, linkable)
        progress("linking", 1, 1)
        progress("saving", 0, 1)
        campaigns = _write_clusters(pks, current, roots)
        progress("saving", 1, 1)
        in_campaigns = int(done - len(np.unique(roots)) + campaigns)
    return RebuildResult(comments=done, campaigns=campaigns, in_campaigns=in_campaigns)


ROWS_PER_INSERT = 4000


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Multi-row INSERTs of ``ROWS_PER_INSERT`` rows: building a model instance per band row
    cost more than the rest of a rebuild together (nine rows a comment), and one statement
    per row as much again; these rows have no behaviour to run."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_INSERT):
            part = rows[start : start + ROWS_PER_INSERT]
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES "
            cursor.execute(sql + ", ".join([one] * len(part)), [v for row in part for v in row])


def _write_rows(consultation_id: int, pks: np.ndarray, sigs: np.ndarray, keys: np.ndarray) -> None:
    """A chunk's signature and band rows (table and column names from the models)."""
    signature, band = CommentSignature._meta, CommentBand._meta
    _insert(
        signature.db_table,
        tuple(signature.get_field(f).column for f in ("comment", "consultation", "minhash")),
        [(int(pk), consultation_id, _to_bytes(s)) for pk, s in zip(pks, sigs, strict=True)],
    )
    _insert(
        band.db_table,
        tuple(band.get_field(f).column for f in ("consultation", "key", "comment")),
        [
            (consultation_id, key, int(pk))
            for pk, row in zip(pks, keys, strict=True)
            for key in sorted({int(k) for k in row})
        ],
    )


@task()
def rebuild_campaigns(consultation_id: int) -> dict[str, int]:
    """Recompute the campaigns of one consultation (``rebuild``), for staff's action and after
    an upgrade."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        return {"comments": 0, "campaigns": 0, "in_campaigns": 0}
    result = rebuild(consultation)
    return {
        "comments": result.comments,
        "campaigns": result.campaigns,
        "in_campaigns": result.in_campaigns,
    }
