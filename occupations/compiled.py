"""Queries whose SQL is compiled once per process and run again with other values.

For the few request paths where building and compiling the same ORM query costs more than
running it: reading a consultation's window to accept a comment took 0.7 ms of Python for a
query the database answers in under 0.1 ms. The query is still written with the ORM, in one
place, so that its rules (which consultations are public, which drafts are active) stay the
ORM's; only the compiled SQL is kept. ``CompiledInsert`` does the same for the INSERT of a
new row.

Django has no such cache (a ``QuerySet`` compiles its SQL each time it runs), and the packages
that offer one cache results, not SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connections,
    models,
    transaction,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet, signals
from django.db.models.sql import InsertQuery


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # Where each value goes among the parameters, and the type the ORM gave it there (on
    # PostgreSQL an integer goes as psycopg's Int2, Int4 or Int8, after its column).
    positions: dict[str, tuple[tuple[int, type], ...]]
    # Column index -> (converters, expression), as the compiler applies them to each row.
    converters: dict[int, tuple[list, Any]]


class CompiledQuery:
    """The SQL of ``build(**values)``, compiled once per process and database.

    ``build`` returns a ``values_list()`` queryset. It must build the same query whatever the
    values, and each value must reach the SQL unchanged, as parameters (an exact lookup, not
    ``contains``, a transform or an expression of the value). ``placeholders`` gives, for each
    value, a stand-in of the right type that appears nowhere else in the query: the query is
    compiled with them once, and their places among the parameters are where later values go.
    A value that does not reach the parameters is refused when the query is first compiled.

    ``rows(**values)`` returns the rows as ``list(build(**values))`` would, with the same
    converters applied to each column.

    A compiled query only reads, so it can be run again: on a connection kept from an earlier
    request, with ``CONN_HEALTH_CHECKS``, it is itself the health check (see ``_fetch_all``).
    """

    def __init__(self, build: Callable[..., QuerySet], **placeholders: object) -> None:
        self.build = build
        self.placeholders = placeholders
        # By database alias and vendor. Two threads compiling at once store the same thing.
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: object) -> list[tuple]:
        if values.keys() != self.placeholders.keys():
            raise TypeError(
                f"expected the values {sorted(self.placeholders)}, got {sorted(values)}"
            )
        connection = connections[using]
        compiled = self._compiled.get((using, connection.vendor)) or self._compile(using)
        params = list(compiled.params)
        for name, positions in compiled.positions.items():
            value = values[name]
            for index, kind in positions:
                params[index] = value if type(value) is kind else kind(value)
        rows = _fetch_all(connection, compiled.sql, params)
        return [_convert(row, compiled.converters, connection) for row in rows]

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if queryset._fields is None or compiler.has_extra_select:
            raise ImproperlyConfigured("A compiled query must be a values_list() queryset.")
        positions = {}
        for name, placeholder in self.placeholders.items():
            found = tuple(
                (index, type(param))
                for index, param in enumerate(params)
                if isinstance(param, type(placeholder)) and param == placeholder
            )
            if not found:
                raise ImproperlyConfigured(
                    f"The value {name!r} does not reach the compiled query's parameters "
                    "unchanged: it cannot be replaced by later values."
                )
            positions[name] = found
        fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            positions=positions,
            converters=compiler.get_converters(fields),
        )
        self._compiled[(using, connection.vendor)] = compiled
        return compiled


def _convert(row, converters: dict[int, tuple[list, Any]], connection) -> tuple:
    """``row`` with each column's converters applied, as the ORM's compiler applies them."""
    if not converters:
        return tuple(row)
    row = list(row)
    for index, (column_converters, expression) in converters.items():
        for converter in column_converters:
            row[index] = converter(row[index], expression, connection)
    return tuple(row)


def _fetch_all(connection: BaseDatabaseWrapper, sql: str, params: list) -> list:
    """Run a read and fetch its rows.

    Django checks a connection kept from an earlier request with a ``SELECT 1`` before its
    first query (``CONN_HEALTH_CHECKS``): one more round trip to the database on every
    request. A read can take that place: it runs at once, and if it fails because the
    connection died while idle, it runs again on a new connection, so that the request still
    never fails for a dead connection. Inside a transaction the connection cannot be replaced,
    and Django's check runs first as usual.
    """
    optimistic = (
        connection.health_check_enabled
        and not connection.health_check_done
        and connection.connection is not None
        and not connection.in_atomic_block
    )
    if optimistic:
        connection.health_check_done = True
        try:
            return _execute(connection, sql, params)
        except (InterfaceError, OperationalError):
            if connection.is_usable():
                raise  # the connection works: the error is the query's own
            connection.close()
    return _execute(connection, sql, params)


def _execute(connection: BaseDatabaseWrapper, sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _CompiledInsert:
    sql: str
    fields: tuple[models.Field, ...]
    returning: tuple[models.Field, ...]
    # Column index -> converters of the returned columns.
    converters: dict[int, tuple[list, Any]]


class CompiledInsert:
    """``obj.save(force_insert=True)`` for a new ``model`` row, with the INSERT's SQL compiled
    once per process and database.

    It does what ``Model.save`` does for such a row: each field's ``pre_save`` (``auto_now``),
    the check that related objects are saved, and the columns the database returns (the id)
    set on the object. A model with a ``save()`` of its own, a parent model or a field with a
    placeholder or database default of its own is refused when this is created; a row that
    needs more than the compiled statement (a primary key of its own, signal receivers for the
    model, an expression as a value, a backend that returns no columns from an INSERT) is
    saved with ``obj.save(force_insert=True)``.

    ``unless_changed`` makes the INSERT conditional on rows read earlier: given ``(instance,
    attnames)`` pairs, the row is stored only if each instance's row still holds the values
    the instance has for those columns. The INSERT checks them itself (``INSERT … SELECT …
    WHERE EXISTS …``), as of the statement's snapshot: a change committed before the INSERT
    began stops it, and ``insert()`` returns False, storing nothing; one committed while it
    runs comes after it. (Rows stored with ``save()`` lock the guarded rows instead.)
    """

    def __init__(self, model: type[models.Model]) -> None:
        meta = model._meta
        if model.save is not models.Model.save or meta.parents or len(meta.pk_fields) != 1:
            raise ImproperlyConfigured(
                f"{meta.label} cannot be inserted with a compiled statement: it has a save() of "
                "its own, a parent model or a composite key."
            )
        if any(
            hasattr(field, "get_placeholder") or field.has_db_default()
            for field in meta.local_concrete_fields
        ):
            raise ImproperlyConfigured(
                f"{meta.label} has a field with a placeholder or a database default: its INSERT "
                "depends on the values."
            )
        self.model = model
        self._compiled: dict[tuple[str, str], _CompiledInsert] = {}
        # Guarded INSERTs by database alias, vendor and guard shape, as ``_compiled``.
        self._guarded: dict[tuple, str] = {}

    def insert(
        self,
        obj: models.Model,
        *,
        using: str = DEFAULT_DB_ALIAS,
        unless_changed: Sequence[tuple[models.Model, Sequence[str]]] = (),
    ) -> bool:
        """Store ``obj``; True, or False when a row of ``unless_changed`` has changed."""
        if type(obj) is not self.model:
            raise TypeError(f"expected a {self.model._meta.label}, got {type(obj).__name__}")
        connection = connections[using]
        guard = _Guard.of(unless_changed, connection)
        if (
            obj.pk is not None
            or not connection.features.can_return_columns_from_insert
            or signals.pre_save.has_listeners(self.model)
            or signals.post_save.has_listeners(self.model)
        ):
            return self._save(obj, using, guard)
        obj._prepare_related_fields_for_save(operation_name="save")
        compiled = self._compiled.get((using, connection.vendor)) or self._compile(using)
        values = [field.pre_save(obj, True) for field in compiled.fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            return self._save(obj, using, guard)
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(compiled.fields, values, strict=True)
        ]
        sql = compiled.sql
        if guard.rows:
            key = (using, connection.vendor, guard.shape)
            sql = self._guarded.get(key) or self._guarded.setdefault(
                key, guard.sql(compiled, connection)
            )
            params.extend(guard.params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = connection.ops.fetch_returned_insert_columns(cursor, None)
        if row is None:
            return False  # the guard held no row: nothing was inserted
        row = _convert(row, compiled.converters, connection)
        for field, value in zip(compiled.returning, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
        return True

    def _save(self, obj: models.Model, using: str, guard: _Guard) -> bool:
        """``obj.save()``, for the rows the compiled statement cannot take; with a guard, its
        rows are read and locked in the same transaction first."""
        if not guard.rows:
            obj.save(force_insert=True, using=using)
            return True
        with transaction.atomic(using=using):
            if not guard.holds(using):
                return False
            obj.save(force_insert=True, using=using)
        return True

    def _compile(self, using: str) -> _CompiledInsert:
        connection = connections[using]
        meta = self.model._meta
        # The fields Model.save inserts when the primary key is left to the database.
        fields = tuple(
            field
            for field in meta.local_concrete_fields
            if not field.generated and field is not meta.auto_field
        )
        returning = tuple(meta.db_returning_fields)
        query = InsertQuery(self.model)
        query.insert_values(fields, [self.model()], raw=False)
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = list(returning)
        ((sql, _params),) = compiler.as_sql()
        compiled = _CompiledInsert(
            sql=sql,
            fields=fields,
            returning=returning,
            converters=compiler.get_converters(
                [field.get_col(meta.db_table) for field in returning]
            ),
        )
        self._compiled[(using, connection.vendor)] = compiled
        return compiled


@dataclass(frozen=True)
class _Guard:
    """The rows an INSERT depends on, as read: for each, its model and ``(field, value,
    database value)`` triples, the last as the database takes it in an exact lookup."""

    rows: tuple[tuple[type[models.Model], tuple[tuple[models.Field, Any, Any], ...]], ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[models.Model, Sequence[str]]], connection) -> _Guard:
        rows = []
        for instance, attnames in pairs:
            meta = instance._meta
            fields = [meta.pk if name == "pk" else meta.get_field(name) for name in attnames]
            if not any(field.primary_key for field in fields):
                raise ImproperlyConfigured(f"A guard on {meta.label} must name its primary key.")
            columns = []
            for field in fields:
                # Only columns that an exact lookup compares as they are: JSON, for one, is
                # compared after normalising on some databases.
                if not field.concrete or field.get_internal_type() == "JSONField":
                    raise ImproperlyConfigured(f"{meta.label}.{field.name} cannot be guarded.")
                value = getattr(instance, field.attname)
                columns.append((field, value, field.get_db_prep_value(value, connection)))
            rows.append((type(instance), tuple(columns)))
        return cls(rows=tuple(rows))

    @property
    def params(self) -> list:
        return [
            prepared
            for _model, columns in self.rows
            for _field, value, prepared in columns
            if value is not None
        ]

    @property
    def shape(self) -> tuple:
        """What the SQL depends on: the tables, columns and which values are NULL."""
        return tuple(
            (model, tuple((field.column, value is None) for field, value, _ in columns))
            for model, columns in self.rows
        )

    def sql(self, compiled: _CompiledInsert, connection) -> str:
        """``compiled``'s INSERT as ``INSERT … SELECT <values> WHERE <every row holds>``."""
        qn = connection.ops.quote_name
        exists = []
        for model, columns in self.rows:
            table = qn(model._meta.db_table)
            where = " AND ".join(
                f"{table}.{qn(field.column)} " + ("IS NULL" if value is None else "= %s")
                for field, value, _ in columns
            )
            exists.append(f"EXISTS (SELECT 1 FROM {table} WHERE {where})")
        returning, _params = connection.ops.return_insert_columns(list(compiled.returning))
        return (
            f"INSERT INTO {qn(compiled.fields[0].model._meta.db_table)} "
            f"({', '.join(qn(field.column) for field in compiled.fields)}) "
            f"SELECT {', '.join(['%s'] * len(compiled.fields))} "
            f"WHERE {' AND '.join(exists)} {returning}"
        )

    def holds(self, using: str) -> bool:
        """Whether every row still holds its values, locking those rows until the end of the
        transaction (where the database can lock rows)."""
        for model, columns in self.rows:
            rows = model._default_manager.using(using).select_for_update()
            lookup = {field.attname: value for field, value, _ in columns}
            if not rows.filter(**lookup).exists():
                return False
        return True
