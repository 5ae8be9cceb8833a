"""Issuing a release: permission-checked, logged, refused with nothing to release, one
release when two publishers issue at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import InvalidTransition, NotPermitted
from occupations.models import Release, ReleaseRecord, Transition
from occupations.workflow import NothingToRelease, issue_release
from tests.api.conftest import many_occupations
from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(db):
    batch = BatchFactory()
    return [OccupationFactory(batch=batch, position=i) for i in (1, 2)]


def test_a_publisher_issues_the_first_release_with_every_record_added(registry, publisher):
    release = issue_release(by=publisher, note="First release.")
    assert release.version.endswith(".1")
    assert release.issued_by == publisher
    assert (release.added_count, release.changed_count, release.removed_count) == (3, 0, 0)
    assert set(release.records.values_list("record_type", "action")) == {
        ("batch", "added"),
        ("occupation", "added"),
    }
    (step,) = Transition.objects.for_object(release)
    assert (step.action, step.target, step.actor, step.note) == (
        "issue_release",
        release.version,
        publisher,
        "First release.",
    )


def test_a_change_and_a_removal_are_recorded_with_their_fields(registry, publisher):
    first = issue_release(by=publisher, note="First.")
    kept, dropped = registry
    kept.name = "Renamed"
    kept.save()
    dropped_pk = dropped.pk
    dropped.delete()
    second = issue_release(by=publisher, note="Second.")
    assert second.version.split(".")[1] == "2"
    changed = second.records.get(action="changed", record_type="occupation")
    assert changed.changes == {
        "name": {
            "old": first.records.get(record_type="occupation", record_id=kept.pk).data["name"],
            "new": "Renamed",
        }
    }
    removed = second.records.get(action="removed")
    assert removed.record_id == dropped_pk
    # The batch shows one occupation fewer.
    assert second.records.get(record_type="batch").changes["occupation_count"] == {
        "old": 2,
        "new": 1,
    }
    assert (
        ReleaseRecord.objects.current().get(record_type="occupation", record_id=dropped_pk).action
        == "removed"
    )


@pytest.mark.parametrize("user", ["editor", "moderator", "outsider"])
def test_only_publishers_issue_releases(registry, request, user):
    with pytest.raises(NotPermitted):
        issue_release(by=request.getfixturevalue(user), note="Not mine to issue.")
    assert not Release.objects.exists()


def test_nothing_to_release_is_refused(registry, publisher):
    issue_release(by=publisher, note="First.")
    with translation.override("en"), pytest.raises(NothingToRelease, match="has not changed since"):
        issue_release(by=publisher, note="Again.")
    assert Release.objects.count() == 1


def test_an_empty_registry_has_nothing_to_release(publisher):
    with pytest.raises(NothingToRelease):
        issue_release(by=publisher, note="Empty.")


@pytest.mark.parametrize("note", ["", "   ", "x" * 2001])
def test_a_release_needs_a_note_of_sensible_length(registry, publisher, note):
    with pytest.raises(InvalidTransition) as refusal:
        issue_release(by=publisher, note=note)
    assert refusal.value.field == "note"
    assert not Release.objects.exists()


def test_issuing_enqueues_the_downloads_once_committed(
    registry, publisher, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue_release(by=publisher, note="First.")
    assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "occupations.downloads.build_release_downloads"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("released_before", [False, True])
def test_two_publishers_issuing_at_once_give_one_release(publisher, released_before):
    batch = BatchFactory()
    OccupationFactory(batch=batch, position=1)
    if released_before:
        issue_release(by=publisher, note="Earlier.")
        OccupationFactory(batch=batch, position=2)
    before = Release.objects.count()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def issue() -> None:
        try:
            barrier.wait()
            outcomes.append(issue_release(by=publisher, note="At once."))
        except InvalidTransition as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Release.objects.count() == before + 1
    assert sum(isinstance(o, Release) for o in outcomes) == 1
    assert sum(isinstance(o, InvalidTransition) for o in outcomes) == 1


def test_the_snapshot_reads_in_as_many_queries_for_three_records_as_for_forty(publisher):
    def issue_queries() -> tuple[int, int]:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            release = issue_release(by=publisher, note="Counted.")
            transaction.set_rollback(True)
        return len(captured), release.added_count

    many_occupations(3)
    issue_queries()  # what is cached per process (content types, permissions) is cached now
    few = issue_queries()
    many_occupations(40)
    many = issue_queries()

    assert few[1] < many[1]
    assert few[0] == many[0]
