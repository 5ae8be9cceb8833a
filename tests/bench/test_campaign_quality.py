"""The clustering finds the generated campaigns (``bench.campaigns``) at the default threshold:
pairwise precision at least 0.95 and recall at least 0.90 of the same-campaign decisions, both
by a bulk rebuild and by assigning comments one by one as the worker does. A small set here
(22 campaigns of 20 to 80 copies, Chinese and English, and 1,000 independent comments); the
full-size figures are in bench/README.md."""

from __future__ import annotations

import random

import pytest

from bench.campaigns import labelled_set, pairwise_quality
from consult import clustering
from consult.models import (
    Comment,
    CommentBand,
    CommentSignature,
    Consultation,
    new_tracking_number,
)
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def texts():
    return labelled_set(random.Random(11), campaigns=22, independents=1000, budget=1000, high=80)


@pytest.fixture
def stored(texts):
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    comments = Comment.objects.bulk_create(
        [
            Comment(
                consultation=consultation,
                body=text.body,
                fingerprint="",
                tracking_number=new_tracking_number(),
            )
            for text in texts
        ]
    )
    return consultation, [c.pk for c in comments]


def quality(texts, pks) -> tuple[float, float]:
    found = dict(Comment.objects.values_list("pk", "cluster_id"))
    return pairwise_quality([t.campaign for t in texts], [found[pk] for pk in pks])


def test_the_set_is_what_the_measure_needs(texts):
    labels = [t.campaign for t in texts if t.campaign is not None]
    sizes = [labels.count(n) for n in set(labels)]
    assert len(sizes) == 22 and min(sizes) >= 20 and max(sizes) <= 80
    assert sum(t.campaign is None for t in texts) == 1000
    bodies = {t.body for t in texts if t.campaign == 0}
    assert len(bodies) > sizes[0] * 0.9  # copies differ, not one text repeated
    assert any(t.body.isascii() for t in texts) and not all(t.body.isascii() for t in texts)


def test_a_rebuild_finds_the_campaigns(texts, stored):
    consultation, pks = stored
    clustering.rebuild(consultation)
    precision, recall = quality(texts, pks)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)


def test_assigning_one_by_one_finds_the_campaigns(texts, stored):
    _consultation, pks = stored
    for pk in pks:
        clustering.assign(pk)
    precision, recall = quality(texts, pks)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)
    assert CommentSignature.objects.count() == len(pks)
    assert CommentBand.objects.values("comment").distinct().count() == len(pks)
