"""Near-duplicate campaigns: a new comment joins the campaign of the comments whose text is the
same or nearly the same, in Chinese and English; a rebuild finds the same campaigns; staff can
take a comment out for good; everything lives in the database."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consult import clustering, schedules
from consult.intake import store
from consult.models import Comment, CommentBand, CommentSignature, Consultation
from core.errors import InvalidTransition, NotPermitted
from occupations.models import Transition
from tests.factories import CommentFactory, ConsultationFactory
from tests.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

ZH = (
    "我们强烈支持将“氢能运维工程技术人员”列入新职业目录。该职业从业人员已超过三万人，"
    "工作内容与现有职业差别明显，建议尽快发布国家职业技能标准，以便开展培训和评价。"
)
ZH_VARIANT = (
    "本单位强烈支持将“氢能运维工程技术人员”列入新职业目录！该职业从业人员已超过三万人，"
    "工作内容与现有职业差别明显，建议尽快发布国家职业技能标准,以便开展培训与评价。"
)
EN = (
    "We strongly support adding hydrogen energy operations engineers to the classification. "
    "More than thirty thousand people already do this work, which differs clearly from existing "
    "occupations; please publish a national skill standard soon so that training can start."
)
EN_VARIANT = (
    "I strongly support adding hydrogen energy operations engineers to the classification! "
    "More than thirty thousand people already do this work, which differs clearly from existing "
    "occupations; please publish a national skill standard quickly so that training can start."
)
UNRELATED = (
    "The definition of the data annotator should mention quality checks and the tools used; "
    "task 3 repeats task 1 and could be merged with it."
)


@pytest.fixture
def consultation():
    return ConsultationFactory(status=Consultation.Status.CONSULTATION)


def comment(consultation, body, **kwargs) -> Comment:
    return CommentFactory(consultation=consultation, body=body, **kwargs)


def test_near_copies_join_one_campaign_in_chinese_and_english(consultation):
    zh, zh2 = comment(consultation, ZH), comment(consultation, ZH_VARIANT)
    en, en2 = comment(consultation, EN), comment(consultation, EN_VARIANT)
    alone = comment(consultation, UNRELATED)
    assert (zh.cluster_id, zh2.cluster_id) == (zh.pk, zh.pk)
    assert (en.cluster_id, en2.cluster_id) == (en.pk, en.pk)
    assert alone.cluster_id == alone.pk
    sizes = {row["cluster_id"]: row["size"] for row in Comment.objects.campaigns()}
    assert sizes == {zh.pk: 2, en.pk: 2}
    assert set(Comment.objects.in_campaign()) == {zh, zh2, en, en2}
    assert set(Comment.objects.in_campaign(member=False)) == {alone}


def test_identical_texts_up_to_spacing_and_punctuation_are_similarity_one(consultation):
    first = comment(consultation, "Keep the old name!")
    second = comment(consultation, "  keep THE old   name.")
    signatures = [
        clustering._from_bytes(s.minhash) for s in CommentSignature.objects.order_by("pk")
    ]
    assert clustering.similarity(signatures[0], np.stack(signatures[1:]))[0] == 1.0
    assert second.cluster_id == first.pk


def test_the_same_text_in_another_consultation_is_another_campaign(consultation):
    first = comment(consultation, EN)
    other = comment(ConsultationFactory(status=Consultation.Status.CONSULTATION), EN)
    assert (first.cluster_id, other.cluster_id) == (first.pk, other.pk)
    assert not Comment.objects.campaigns().exists()


def test_the_threshold_is_a_setting(consultation, settings):
    settings.CAMPAIGN_SIMILARITY = 1.0
    en, en2 = comment(consultation, EN), comment(consultation, EN_VARIANT)
    assert en2.cluster_id == en2.pk != en.cluster_id
    assert "100%" in clustering.explanation()


def test_what_clustering_needs_is_stored_as_rows(consultation):
    member = comment(consultation, ZH)
    signature = CommentSignature.objects.get(comment=member)
    assert len(bytes(signature.minhash)) == 4 * clustering.NUM_PERM
    keys = set(CommentBand.objects.filter(comment=member).values_list("key", flat=True))
    assert len(keys) == clustering.BANDS
    # Assigning again (a retried task) rewrites the same rows.
    assert clustering.assign(member.pk) == member.pk
    assert CommentBand.objects.filter(comment=member).count() == clustering.BANDS
    assert clustering.assign(10**9) is None


def test_a_comment_linking_two_campaigns_joins_them_under_the_earliest(consultation):
    """Single linkage: a text close to two campaigns makes them one (no comment merged)."""
    left_text = (
        EN + " Signed by the workers of the northern hydrogen plant cooperative and families."
    )
    right_text = "From the association of southern energy engineers and technicians: " + EN
    sigs = clustering.signatures([left_text, right_text, EN])
    # The bridge is close to each side, the sides are not close to each other.
    assert clustering.similarity(sigs[2], sigs[:2]).min() >= 0.8
    assert clustering.similarity(sigs[0], sigs[1:2])[0] < 0.8
    left = comment(consultation, left_text)
    right = comment(consultation, right_text)
    assert right.cluster_id == right.pk
    bridge = comment(consultation, EN)
    assert bridge.cluster_id == left.pk
    assert (
        list(Comment.objects.order_by("pk").values_list("cluster_id", flat=True)) == [left.pk] * 3
    )


def test_a_rebuild_finds_the_same_campaigns_as_assignment(consultation):
    texts = [ZH, ZH_VARIANT, EN, EN_VARIANT, UNRELATED, ZH + "谢谢。", EN.upper()]
    comments = [comment(consultation, body) for body in texts]
    before = dict(Comment.objects.values_list("pk", "cluster_id"))
    CommentBand.objects.all().delete()
    Comment.objects.update(cluster=None)
    stages = []
    result = clustering.rebuild(consultation, progress=lambda s, d, t: stages.append((s, d, t)))
    assert dict(Comment.objects.values_list("pk", "cluster_id")) == before
    assert (result.comments, result.campaigns, result.in_campaigns) == (7, 2, 6)
    assert ("signatures", 7, 7) in stages and ("saving", 1, 1) in stages
    assert CommentBand.objects.count() == 7 * clustering.BANDS
    assert comments[0].pk in before.values()


def test_a_rebuild_corrects_wrong_campaigns_and_rewrites_no_right_one(consultation):
    zh, zh_variant, en, unrelated = (
        comment(consultation, body) for body in (ZH, ZH_VARIANT, EN, UNRELATED)
    )
    Comment.objects.filter(pk=unrelated.pk).update(cluster_id=zh.pk)
    Comment.objects.filter(pk=zh_variant.pk).update(cluster_id=zh_variant.pk)
    Comment.objects.filter(pk=en.pk).update(cluster=None)
    clustering.rebuild(consultation)
    assert dict(Comment.objects.values_list("pk", "cluster_id")) == {
        zh.pk: zh.pk,
        zh_variant.pk: zh.pk,
        en.pk: en.pk,
        unrelated.pk: unrelated.pk,
    }
    with CaptureQueriesContext(connection) as queries:
        clustering.rebuild(consultation)
    table = Comment._meta.db_table
    assert not [q for q in queries if q["sql"].startswith(f'UPDATE "{table}"')]


def test_a_new_comment_is_clustered_by_the_worker_at_its_next_tick(
    consultation, django_capture_on_commit_callbacks
):
    first = comment(consultation, EN)
    with django_capture_on_commit_callbacks(execute=True):
        target = store.Target(consultation=consultation, draft=None)
        later = store.submit_comment(target, now=timezone.now(), body=EN_VARIANT)
    later.refresh_from_db()
    assert later.cluster_id is None and Comment.objects.unclustered().get() == later
    assert "assign_new_comments_to_campaigns" in schedules.enqueue_due(now=timezone.now())
    run_queued_tasks()
    later.refresh_from_db()
    assert later.cluster_id == first.pk


def test_the_scheduled_run_assigns_new_comments_oldest_first_in_batches(consultation):
    first = comment(consultation, ZH)
    older = comment(consultation, ZH_VARIANT, clustered=False)
    newer = comment(consultation, UNRELATED, clustered=False)
    assert clustering.assign_new(limit=1) == 1
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.cluster_id, newer.cluster_id) == (first.pk, None)
    assert clustering.assign_new() == 1
    newer.refresh_from_db()
    assert newer.cluster_id == newer.pk
    assert clustering.assign_new() == 0


def test_taking_a_member_out_keeps_it_out_of_assignments_and_rebuilds(consultation, moderator):
    first, second, third = (comment(consultation, body) for body in (EN, EN_VARIANT, EN + " Yes."))
    now = timezone.now()
    clustering.take_out_of_campaign(second, by=moderator, now=now)
    second.refresh_from_db()
    assert (second.cluster_id, second.kept_apart) == (second.pk, True)
    log = Transition.objects.get(action="take_out_of_campaign")
    assert (log.object_id, log.source, log.target) == (second.pk, str(first.pk), str(second.pk))
    clustering.rebuild(consultation)
    clustering.assign(second.pk)
    assert dict(Comment.objects.values_list("pk", "cluster_id")) == {
        first.pk: first.pk,
        second.pk: second.pk,
        third.pk: first.pk,
    }
    # The representative taken out hands the campaign to the earliest other member.
    clustering.take_out_of_campaign(first, by=moderator, now=now)
    assert dict(Comment.objects.values_list("pk", "cluster_id")) == {
        first.pk: first.pk,
        second.pk: second.pk,
        third.pk: third.pk,
    }
    assert Comment.objects.get(pk=first.pk).body == EN  # nothing merged or deleted
    assert Comment.objects.count() == 3


def test_taking_out_is_refused_for_a_comment_alone_or_without_the_permission(
    consultation, moderator, editor
):
    alone = comment(consultation, UNRELATED)
    with pytest.raises(InvalidTransition, match="in no campaign"):
        clustering.take_out_of_campaign(alone, by=moderator, now=timezone.now())
    member, _other = comment(consultation, EN), comment(consultation, EN)
    with pytest.raises(NotPermitted):
        clustering.take_out_of_campaign(member, by=editor, now=timezone.now())
    assert not Comment.objects.filter(kept_apart=True).exists()


def test_the_command_rebuilds_with_a_progress_bar(consultation, monkeypatch):
    comment(consultation, EN)
    comment(consultation, EN_VARIANT)
    Comment.objects.update(cluster=None)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    call_command("cluster_comments", consultation.slug, stdout=out)
    assert "2 comments, 2 of them in 1 campaigns" in out.getvalue()
    assert "signatures" in err.getvalue() and "100.0%" in err.getvalue()
    assert not Comment.objects.unclustered().exists()


def test_the_command_names_an_unknown_consultation():
    with pytest.raises(CommandError, match="No consultation has the slug 'nope'"):
        call_command("cluster_comments", "nope")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "must be a number"),
        ("0", "must be above 0 and at most 1"),
        ("1.5", "must be above 0"),
    ],
)
def test_a_bad_threshold_stops_the_start_with_the_setting_named(monkeypatch, raw, message):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import env_fraction

    monkeypatch.setenv("CAMPAIGN_SIMILARITY", raw)
    with pytest.raises(ImproperlyConfigured, match=f"CAMPAIGN_SIMILARITY {message}"):
        env_fraction("CAMPAIGN_SIMILARITY", 0.8)
    monkeypatch.setenv("CAMPAIGN_SIMILARITY", "0.9")
    assert env_fraction("CAMPAIGN_SIMILARITY", 0.8) == 0.9


def test_the_analysis_counts_near_copies_as_campaign_members(consultation):
    """The charts' share from campaigns asks the same clusters as the campaign pages."""
    for body in (EN, EN_VARIANT, ZH, ZH_VARIANT, UNRELATED):
        comment(consultation, body)
    comment(consultation, EN + " Spam.", status="spam")
    share = Comment.objects.filter(consultation=consultation).not_spam().campaign_share()
    assert (share.campaigns, share.members) == (2, {None: 4})
