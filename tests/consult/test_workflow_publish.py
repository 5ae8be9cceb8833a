"""Publication: a consultation in review becomes a registry Batch, all or nothing."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection
from django.utils import translation

from consult.models import Consultation, DraftOccupation
from consult.workflow.publication import publication_problems, publish_consultation
from core.errors import InvalidTransition, NotPermitted
from occupations.models import Batch, Occupation, Transition
from tests.factories import (
    AuthorityFactory,
    ConsultationFactory,
    DraftOccupationFactory,
    GroupFactory,
    OccupationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = Consultation.Status
D = DraftOccupation.Status


def _publish(consultation, by, now, **kwargs):
    kwargs.setdefault("slug", "new-occupations-2026")
    kwargs.setdefault("title", "New occupations 2026")
    kwargs.setdefault("announced_on", dt.date(2026, 9, 1))
    kwargs.setdefault("announced_precision", "month")
    return publish_consultation(consultation, by=by, now=now, **kwargs)


@pytest.fixture
def in_review(db, window):
    """In review: two accepted drafts around a withdrawn one."""
    consultation = ConsultationFactory(
        status=S.REVIEW, opens_at=window[0], closes_at=window[1], slug="list-2026"
    )
    group = GroupFactory(code="6", title="生产制造及有关人员", title_en="Production")
    DraftOccupationFactory(
        consultation=consultation,
        position=1,
        status=D.ACCEPTED,
        proposed_code="6-28-01-17",
        name="氢能生产工",
        alternative_names=["Hydrogen producer"],
        definition="从事氢气制取的人员。",
        tasks=["操作制氢设备。", "记录运行数据。"],
        job_types=["电解水制氢工"],
        green=True,
        group=group,
        sources=[{"file": "2026-draft.md", "quote": "氢能生产工"}],
    )
    DraftOccupationFactory(
        consultation=consultation,
        position=2,
        status=D.WITHDRAWN,
        withdrawal_reason="Merged into another occupation.",
        proposed_code="4-99-99-99",
        name="Withdrawn draft",
    )
    DraftOccupationFactory(
        consultation=consultation,
        position=3,
        status=D.ACCEPTED,
        proposed_code="4-14-01-05",
        name="低空飞行器操控员",
        digital=True,
    )
    return consultation


@pytest.fixture
def after_close(window):
    return window[1] + dt.timedelta(days=30)


def _nothing_published(consultation, status=S.REVIEW):
    consultation.refresh_from_db()
    assert consultation.status == status
    assert not Batch.objects.exists()
    assert not Occupation.objects.exists()
    assert not DraftOccupation.objects.filter(occupation__isnull=False).exists()
    assert not Transition.objects.exists()


def test_publication_creates_one_batch_with_the_accepted_drafts_in_order(
    in_review, publisher, after_close
):
    mohrss = AuthorityFactory()
    samr = AuthorityFactory(name="State Administration for Market Regulation")
    batch = _publish(in_review, publisher, after_close, number=7, authorities=[mohrss, samr])

    assert Batch.objects.get() == batch
    assert (batch.slug, batch.title, batch.number) == (
        "new-occupations-2026",
        "New occupations 2026",
        7,
    )
    with translation.override("en"):
        assert batch.announced_display == "September 2026"
    assert set(batch.authorities.all()) == {mohrss, samr}
    occupations = list(batch.occupations.order_by("position"))
    assert [(o.position, o.code, o.name) for o in occupations] == [
        (1, "6-28-01-17", "氢能生产工"),
        (2, "4-14-01-05", "低空飞行器操控员"),
    ]
    hydrogen = occupations[0]
    assert hydrogen.alternative_names == ["Hydrogen producer"]
    assert hydrogen.definition == "从事氢气制取的人员。"
    assert hydrogen.tasks == ["操作制氢设备。", "记录运行数据。"]
    assert hydrogen.job_types == ["电解水制氢工"]
    assert (hydrogen.green, hydrogen.digital) == (True, None)  # digital: not stated
    assert hydrogen.group.code == "6"
    assert hydrogen.sources == [{"file": "2026-draft.md", "quote": "氢能生产工"}]
    assert (occupations[1].green, occupations[1].digital) == (None, True)

    linked = dict(in_review.drafts.values_list("name", "occupation__code"))
    assert linked == {
        "氢能生产工": "6-28-01-17",
        "Withdrawn draft": None,
        "低空飞行器操控员": "4-14-01-05",
    }
    in_review.refresh_from_db()
    assert in_review.status == S.PUBLISHED
    assert in_review.batch == batch
    (step,) = Transition.objects.all()
    assert step.content_object == in_review
    assert (step.action, step.source, step.target, step.actor, step.at) == (
        "publish",
        "review",
        "published",
        publisher,
        after_close,
    )
    assert Occupation.objects.search("氢能").get() == hydrogen


def test_publication_is_refused_a_second_time(in_review, publisher, after_close):
    _publish(in_review, publisher, after_close)
    with pytest.raises(InvalidTransition, match="is published; “publish” is not allowed"):
        _publish(in_review, publisher, after_close, slug="again")
    assert Batch.objects.count() == 1
    assert Occupation.objects.count() == 2
    assert Transition.objects.count() == 1


@pytest.mark.parametrize("status", [S.DRAFTING, S.CONSULTATION, S.PUBLISHED])
def test_publication_is_refused_unless_in_review(consultation_in, publisher, after_close, status):
    consultation = consultation_in(status)
    batches_before = Batch.objects.count()
    with pytest.raises(InvalidTransition, match="not allowed from that state"):
        _publish(consultation, publisher, after_close)
    consultation.refresh_from_db()
    assert consultation.status == status
    assert Batch.objects.count() == batches_before
    assert not Occupation.objects.exists()
    assert not Transition.objects.exists()


def test_publication_is_refused_before_the_window_closes(in_review, publisher):
    """A consultation forced into review while its window is open cannot be published until
    ``closes_at`` has passed."""
    with pytest.raises(InvalidTransition, match="cannot be published before it closes"):
        _publish(in_review, publisher, in_review.closes_at)
    _nothing_published(in_review)


def test_publication_is_refused_without_the_permission(in_review, editor, after_close):
    with pytest.raises(NotPermitted, match=r"consult\.publish_consultation"):
        _publish(in_review, editor, after_close)
    _nothing_published(in_review)


def test_publication_is_refused_for_a_code_used_twice_in_the_list(
    in_review, publisher, after_close
):
    DraftOccupation.objects.filter(position=3).update(proposed_code="6-28-01-17")
    with pytest.raises(InvalidTransition) as exc:
        _publish(in_review, publisher, after_close)
    assert "“低空飞行器操控员” has the code 6-28-01-17, which “氢能生产工” also has." in str(
        exc.value
    )
    _nothing_published(in_review)


def test_publication_is_refused_for_a_code_already_in_the_registry(
    in_review, publisher, after_close
):
    existing = OccupationFactory(code="4-14-01-05", name="Existing occupation")
    with pytest.raises(InvalidTransition) as exc:
        _publish(in_review, publisher, after_close)
    assert (
        "“低空飞行器操控员” has the code 4-14-01-05, already used by the published "
        "“Existing occupation”."
    ) in str(exc.value)
    in_review.refresh_from_db()
    assert in_review.status == S.REVIEW
    assert list(Occupation.objects.all()) == [existing]
    assert Batch.objects.get() == existing.batch
    assert not Transition.objects.exists()


def _store_unchecked_code(draft: DraftOccupation, code: str) -> None:
    """Store a code the database would refuse, as a row written before the constraint existed
    would hold it. The test's transaction rolls the constraint change back."""
    table = DraftOccupation._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks must fire before the table can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT draft_code_format")
            cursor.execute(f"UPDATE {table} SET proposed_code = %s WHERE id = %s", [code, draft.pk])
        else:
            cursor.execute("PRAGMA ignore_check_constraints = 1")
            try:
                cursor.execute(
                    f"UPDATE {table} SET proposed_code = %s WHERE id = %s", [code, draft.pk]
                )
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = 0")


def test_publication_is_refused_for_a_malformed_code(in_review, publisher, after_close):
    _store_unchecked_code(in_review.drafts.get(position=3), "4-14-1-5")
    with pytest.raises(InvalidTransition) as exc:
        _publish(in_review, publisher, after_close)
    assert "“低空飞行器操控员” has the malformed code 4-14-1-5 (expected D-DD-DD-DD)." in str(
        exc.value
    )
    _nothing_published(in_review)


def test_publication_is_refused_for_an_accepted_draft_without_a_code(
    in_review, publisher, after_close
):
    DraftOccupation.objects.filter(position=1).update(proposed_code="")
    with pytest.raises(InvalidTransition, match="“氢能生产工” has no code"):
        _publish(in_review, publisher, after_close)
    _nothing_published(in_review)


def test_publication_is_refused_while_a_draft_is_undecided(in_review, publisher, after_close):
    DraftOccupationFactory(
        consultation=in_review, position=4, status=D.PROPOSED, name="Undecided draft"
    )
    with pytest.raises(InvalidTransition, match="“Undecided draft” is neither accepted nor"):
        _publish(in_review, publisher, after_close)
    _nothing_published(in_review)


def test_publication_is_refused_when_nothing_was_accepted(in_review, publisher, after_close):
    DraftOccupation.objects.filter(status=D.ACCEPTED).update(
        status=D.WITHDRAWN, withdrawal_reason="None survived review."
    )
    with pytest.raises(InvalidTransition, match="No draft has been accepted"):
        _publish(in_review, publisher, after_close)
    _nothing_published(in_review)


def test_publication_problems_lists_every_problem_with_its_draft(in_review):
    DraftOccupation.objects.filter(position=3).update(proposed_code="6-28-01-17")
    DraftOccupationFactory(consultation=in_review, position=4, status=D.DRAFT, name="Late")
    problems = publication_problems(in_review)
    assert [(p.draft.name if p.draft else None) for p in problems] == [
        "Late",
        "低空飞行器操控员",
    ]


def test_publication_is_refused_for_a_date_more_precise_than_its_precision(
    in_review, publisher, after_close
):
    with pytest.raises(InvalidTransition, match="first day") as exc:
        _publish(
            in_review,
            publisher,
            after_close,
            announced_on=dt.date(2026, 9, 15),
            announced_precision="month",
        )
    assert exc.value.field == "announced_on"
    _nothing_published(in_review)


def test_publication_is_refused_for_an_unknown_date_precision(in_review, publisher, after_close):
    with pytest.raises(InvalidTransition, match="Unknown date precision 'week'") as exc:
        _publish(in_review, publisher, after_close, announced_precision="week")
    assert exc.value.field == "announced_precision"
    _nothing_published(in_review)


def test_publication_is_refused_for_a_slug_or_number_already_taken(
    in_review, publisher, after_close
):
    taken = OccupationFactory(batch__slug="taken", batch__number=4).batch
    with pytest.raises(InvalidTransition, match="slug taken already exists"):
        _publish(in_review, publisher, after_close, slug="taken")
    with pytest.raises(InvalidTransition, match="numbered 4 already exists"):
        _publish(in_review, publisher, after_close, number=4)
    in_review.refresh_from_db()
    assert in_review.status == S.REVIEW
    assert list(Batch.objects.all()) == [taken]
    assert Occupation.objects.count() == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RuntimeError("disk full"), pytest.raises(RuntimeError, match="disk full")),
        (
            IntegrityError("duplicate key"),
            pytest.raises(InvalidTransition, match="was taken while publishing"),
        ),
    ],
)
def test_a_failure_half_way_leaves_nothing_published(
    in_review, publisher, after_close, monkeypatch, error, expected
):
    """If the second occupation cannot be written, the first, the batch and the status change
    are rolled back with it."""
    original_save = Occupation.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.name)
        if len(calls) == 2:
            raise error
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Occupation, "save", failing_save)
    with expected:
        _publish(in_review, publisher, after_close)
    assert calls == ["氢能生产工", "低空飞行器操控员"]
    _nothing_published(in_review)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_once_make_exactly_one_batch(window):
    """Both press "publish" at the same moment: the row lock lets one through, the other is
    told the consultation is already published."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database file; row locks need PostgreSQL.")
    consultation = ConsultationFactory(status=S.REVIEW, opens_at=window[0], closes_at=window[1])
    for position in (1, 2):
        DraftOccupationFactory(
            consultation=consultation,
            position=position,
            status=D.ACCEPTED,
            proposed_code=f"6-28-01-{16 + position}",
        )
    publishers = [UserFactory(username=f"publisher{i}", roles=["Publishers"]) for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def publish(user):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # the language is per thread
                # Different slugs: only the row lock, not a unique slug, can stop the second.
                outcomes[user.username] = _publish(
                    consultation, user, window[1] + dt.timedelta(days=1), slug=user.username
                )
        except Exception as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(user,)) for user in publishers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    batches = [o for o in outcomes.values() if isinstance(o, Batch)]
    refusals = [o for o in outcomes.values() if isinstance(o, InvalidTransition)]
    assert len(batches) == 1, outcomes
    assert len(refusals) == 1, outcomes
    # The loser waited for the lock and then saw the consultation published; it did not get as
    # far as colliding on the occupation codes.
    assert "is published" in str(refusals[0])
    assert Batch.objects.count() == 1
    assert Occupation.objects.count() == 2
    consultation.refresh_from_db()
    assert consultation.status == S.PUBLISHED
    assert Transition.objects.filter(action="publish").count() == 1
