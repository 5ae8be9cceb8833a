"""A compiled query gives what its queryset gives, for any values, with the SQL built once; a
compiled insert stores what ``save()`` stores."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from occupations.compiled import CompiledInsert, CompiledQuery
from occupations.models import Batch, ClassificationGroup, Occupation
from tests.factories import BatchFactory, OccupationFactory

pytestmark = pytest.mark.django_db


def occupations_of(batch_slug, position):
    return (
        Occupation.objects.filter(batch__slug=batch_slug, position__gte=position)
        .order_by("position")
        .values_list("pk", "name", "tasks", "batch__announced_on", "created_at")
    )


BY_BATCH = CompiledQuery(occupations_of, batch_slug="\x00batch placeholder\x00", position=32_001)


@pytest.fixture
def batches():
    first = BatchFactory(slug="first", announced_on=dt.date(2019, 4, 1))
    second = BatchFactory(slug="second", announced_on=dt.date(2020, 7, 6))
    for position, tasks in [(1, ["Design."]), (2, ["Design.", "Operate."]), (3, [])]:
        OccupationFactory(batch=first, position=position, tasks=tasks)
    OccupationFactory(batch=second, position=1, tasks=["Inspect."])
    return first, second


@pytest.mark.parametrize(
    ("slug", "position"), [("first", 1), ("first", 2), ("second", 1), ("second", 2), ("none", 1)]
)
def test_the_rows_are_the_querysets_rows_for_every_value(batches, slug, position):
    expected = list(occupations_of(slug, position))
    rows = BY_BATCH.rows(batch_slug=slug, position=position)
    assert rows == expected
    if expected:
        # Converted by the fields, as the queryset converts them: JSON to lists, aware dates.
        assert isinstance(rows[0][2], list)
        assert isinstance(rows[0][3], dt.date)
        assert rows[0][4].tzinfo is not None


def test_a_value_that_looks_like_sql_is_only_a_value(batches):
    assert BY_BATCH.rows(batch_slug="first' OR '1'='1", position=1) == []
    assert Occupation.objects.count() == 4


def test_the_query_is_compiled_once_and_runs_as_one_query(batches):
    query = CompiledQuery(occupations_of, batch_slug="\x00batch placeholder\x00", position=32_001)
    query.rows(batch_slug="first", position=1)
    with CaptureQueriesContext(connection) as first:
        query.rows(batch_slug="second", position=1)
    with CaptureQueriesContext(connection) as second:
        query.rows(batch_slug="first", position=3)
    assert len(first) == len(second) == 1
    assert first[0]["sql"].split("WHERE")[0] == second[0]["sql"].split("WHERE")[0]
    assert len(query._compiled) == 1


def test_a_value_the_orm_changes_is_refused_when_the_query_is_compiled(batches):
    query = CompiledQuery(
        lambda name: Occupation.objects.filter(name__icontains=name).values_list("pk"),
        name="\x00name placeholder\x00",
    )
    with pytest.raises(ImproperlyConfigured, match="'name' does not reach"):
        query.rows(name="Occupation")


def test_only_a_values_list_queryset_is_compiled(batches):
    query = CompiledQuery(lambda slug: Batch.objects.filter(slug=slug), slug="\x00slug\x00")
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        query.rows(slug="first")


def test_the_values_must_be_the_placeholders_names(batches):
    with pytest.raises(TypeError, match="batch_slug"):
        BY_BATCH.rows(batch_slug="first")


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="CONN_HEALTH_CHECKS is set for PostgreSQL"
)


@pytest.fixture
def kept_connection(monkeypatch):
    """Puts the connection as a request finds it when it was kept from an earlier request,
    with health checks on: not checked yet. Counts Django's own checks from then on."""
    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or is_usable())

    def keep():
        connection.ensure_connection()
        monkeypatch.setattr(connection, "health_check_enabled", True)
        connection.health_check_done = False
        checks.clear()
        return checks

    return keep


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_a_kept_connection_the_read_is_the_health_check(batches, kept_connection):
    expected = list(occupations_of("first", 1))
    checks = kept_connection()
    assert BY_BATCH.rows(batch_slug="first", position=1) == expected
    assert checks == []
    assert connection.health_check_done
    # What follows in the request does not check again.
    assert Batch.objects.count() == 2
    assert checks == []


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_read_on_a_connection_that_died_runs_again_on_a_new_one(batches, kept_connection):
    import psycopg

    expected = list(occupations_of("first", 1))
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    checks = kept_connection()
    assert BY_BATCH.rows(batch_slug="first", position=1) == expected
    assert checks == ["SELECT 1"]  # asked only after the read failed
    assert connection.connection.info.backend_pid != backend


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_the_connection_is_checked_first(batches, monkeypatch):
    from django.db import transaction

    connection.ensure_connection()
    checks = []
    monkeypatch.setattr(connection, "health_check_enabled", True)
    monkeypatch.setattr(connection, "close_if_health_check_failed", lambda: checks.append(1))
    with transaction.atomic():
        connection.health_check_done = False
        assert BY_BATCH.rows(batch_slug="second", position=1) == list(occupations_of("second", 1))
    assert checks


# CompiledInsert ---------------------------------------------------------------------------

GROUP_INSERT = CompiledInsert(ClassificationGroup)


def stored(group):
    return ClassificationGroup.objects.filter(pk=group.pk).values().get()


def test_a_compiled_insert_stores_what_save_stores():
    major = ClassificationGroup.objects.create(code="1", title="Saved", level="major")
    compiled = ClassificationGroup(code="2", title="Compiled 编译", level="major")
    GROUP_INSERT.insert(compiled)
    assert compiled.pk is not None and compiled.pk != major.pk
    assert not compiled._state.adding and compiled._state.db == "default"
    saved_row, compiled_row = stored(major), stored(compiled)
    assert compiled_row == {
        **saved_row,
        "id": compiled.pk,
        "code": "2",
        "title": "Compiled 编译",
        "updated_at": compiled_row["updated_at"],
    }
    # auto_now was set on the object, as save() sets it, and that is what was stored.
    assert compiled.updated_at == compiled_row["updated_at"]
    assert compiled.updated_at >= major.updated_at


def test_a_compiled_insert_is_compiled_once_and_is_one_query():
    GROUP_INSERT.insert(ClassificationGroup(code="3", title="First", level="major"))
    parent = ClassificationGroup.objects.get(code="3")
    with CaptureQueriesContext(connection) as queries:
        GROUP_INSERT.insert(
            ClassificationGroup(code="3-01", title="Child", level="medium", parent=parent)
        )
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("INSERT INTO")
    assert len(GROUP_INSERT._compiled) == 1
    assert ClassificationGroup.objects.get(code="3-01").parent == parent


def test_a_compiled_insert_lets_the_database_refuse_a_row():
    GROUP_INSERT.insert(ClassificationGroup(code="4", title="Once", level="major"))
    with pytest.raises(IntegrityError), transaction.atomic():
        GROUP_INSERT.insert(ClassificationGroup(code="4", title="Twice", level="major"))
    with pytest.raises(IntegrityError), transaction.atomic():
        GROUP_INSERT.insert(ClassificationGroup(code="4-01", title="No parent", level="medium"))
    assert list(ClassificationGroup.objects.values_list("title", flat=True)) == ["Once"]


def test_a_compiled_insert_refuses_an_unsaved_related_object_as_save_does():
    unsaved_parent = ClassificationGroup(code="5", title="Unsaved", level="major")
    child = ClassificationGroup(code="5-01", title="Child", level="medium", parent=unsaved_parent)
    with pytest.raises(ValueError, match="unsaved related object 'parent'"):
        GROUP_INSERT.insert(child)
    assert not ClassificationGroup.objects.exists()


def test_receivers_of_save_signals_still_hear_of_the_row():
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.code, created))

    post_save.connect(receiver, sender=ClassificationGroup)
    try:
        GROUP_INSERT.insert(ClassificationGroup(code="6", title="Heard", level="major"))
    finally:
        post_save.disconnect(receiver, sender=ClassificationGroup)
    assert heard == [("6", True)]


def test_an_expression_or_a_primary_key_of_its_own_is_saved_as_save_saves_it():
    GROUP_INSERT.insert(ClassificationGroup(code="7", title=Upper(Value("expr")), level="major"))
    GROUP_INSERT.insert(ClassificationGroup(pk=4242, code="8", title="Own key", level="major"))
    assert ClassificationGroup.objects.get(code="7").title == "EXPR"
    assert ClassificationGroup.objects.get(code="8").pk == 4242


def test_only_plain_models_of_the_right_type_are_inserted():
    with pytest.raises(ImproperlyConfigured, match="save"):
        CompiledInsert(Occupation)
    with pytest.raises(TypeError, match=r"expected a occupations\.ClassificationGroup"):
        GROUP_INSERT.insert(Batch())


# A guarded insert stores its row only while the rows it was decided on hold.

AS_READ = ("pk", "code", "title", "updated_at", "parent_id")


@pytest.fixture
def parent():
    return ClassificationGroup.objects.create(code="3", title="Parent", level="major")


def test_a_guarded_insert_stores_its_row_in_one_query_while_the_rows_hold(parent):
    child = ClassificationGroup(code="3-01", title="Child", level="medium", parent=parent)
    with CaptureQueriesContext(connection) as queries:
        assert GROUP_INSERT.insert(child, unless_changed=[(parent, AS_READ)]) is True
    (insert,) = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert insert.startswith('INSERT INTO "occupations_classificationgroup"')
    assert "WHERE EXISTS (SELECT 1 FROM" in insert
    # The major group has no parent: that is compared too, as IS NULL.
    assert '"parent_id" IS NULL' in insert
    assert child.pk is not None and not child._state.adding
    assert ClassificationGroup.objects.get(code="3-01").parent == parent


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Renamed"},
        {"title": "Parent' OR '1'='1"},
        {"updated_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        {"code": "2"},
    ],
)
def test_a_guarded_insert_stores_nothing_once_a_row_changed(parent, change):
    ClassificationGroup.objects.filter(pk=parent.pk).update(**change)
    child = ClassificationGroup(code="3-02", title="Child", level="medium", parent=parent)
    assert GROUP_INSERT.insert(child, unless_changed=[(parent, AS_READ)]) is False
    assert child.pk is None and child._state.adding
    assert not ClassificationGroup.objects.filter(level="medium").exists()


def test_a_guarded_insert_stores_nothing_once_a_row_is_gone(parent):
    other = ClassificationGroup.objects.create(code="4", title="Other", level="major")
    guard = [(parent, AS_READ), (other, ("pk", "code"))]
    ClassificationGroup.objects.filter(pk=other.pk).delete()
    child = ClassificationGroup(code="3-03", title="Child", level="medium", parent=parent)
    assert GROUP_INSERT.insert(child, unless_changed=guard) is False
    assert not ClassificationGroup.objects.filter(level="medium").exists()


def test_a_row_saved_by_save_is_guarded_too(parent):
    """A receiver of save signals sends the row through save(): the guard is read, with the
    rows locked, in the same transaction."""
    post_save.connect(_noop, sender=ClassificationGroup)
    try:
        held = ClassificationGroup(code="3-04", title="Held", level="medium", parent=parent)
        assert GROUP_INSERT.insert(held, unless_changed=[(parent, AS_READ)]) is True
        ClassificationGroup.objects.filter(pk=parent.pk).update(title="Renamed")
        lost = ClassificationGroup(code="3-05", title="Lost", level="medium", parent=parent)
        assert GROUP_INSERT.insert(lost, unless_changed=[(parent, AS_READ)]) is False
    finally:
        post_save.disconnect(_noop, sender=ClassificationGroup)
    assert list(
        ClassificationGroup.objects.filter(level="medium").values_list("code", flat=True)
    ) == ["3-04"]


def _noop(**kwargs):
    pass


def test_a_guard_names_the_primary_key_and_plain_columns_only(parent):
    child = ClassificationGroup(code="3-06", title="Child", level="medium", parent=parent)
    with pytest.raises(ImproperlyConfigured, match="primary key"):
        GROUP_INSERT.insert(child, unless_changed=[(parent, ("code",))])
    occupation = OccupationFactory()
    with pytest.raises(ImproperlyConfigured, match="tasks cannot be guarded"):
        GROUP_INSERT.insert(child, unless_changed=[(occupation, ("pk", "tasks"))])
    assert not ClassificationGroup.objects.filter(level="medium").exists()
