"""Many new rows of one model in few statements, without ``bulk_create``'s cost a value.

``QuerySet.bulk_create`` compiles every value of every row through the query compiler
(``prepare_value``, ``field_as_sql``, ``pre_save_val``): for an import of a thousand
documents, with their audit events and report rows, that compiling took more of the
request than the database did. ``bulk_insert`` writes the same rows with the same SQL types:
each field's own ``pre_save`` and ``get_db_prep_save`` convert any value that is not
already of a plain type the database driver takes as it is (text, integers, floats,
``None`` outside JSON), and those that are pass through untouched. On SQLite the statement
is one ``INSERT … VALUES … RETURNING`` a batch; on PostgreSQL the ids are taken from the
table's sequence and the rows sent with ``COPY``, three times faster than that INSERT for a
thousand documents. Either runs in the caller's transaction, so a batch that is rolled back
leaves nothing, exactly as with ``bulk_create`` (a rolled-back batch's ids are skipped, as
they are after a rolled-back INSERT).

It is for the import path's new rows only: no signals (``bulk_create`` sends none either),
no conflict handling, no related objects saved for the caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    TextField,
)

M = TypeVar("M", bound=Model)

_NONE = type(None)
_UNSET = object()


def unsaved(model: type[M], values: dict[str, Any]) -> M:
    """A new, unsaved instance of ``model``: ``values`` by attribute name (``project_id``,
    not ``project``), every other field its default.

    Built as Django builds the rows it reads, positionally: ``model(**values)`` checks
    every keyword against every field, related objects included, which took as long for
    a thousand new documents as writing them. An unknown name raises TypeError, as there.
    """
    known = _FIELDS.get(model)
    if known is None:
        concrete = model._meta.concrete_fields
        known = _FIELDS[model] = (
            tuple((f.attname, f) for f in concrete),
            frozenset(f.attname for f in concrete),
        )
    fields, names = known
    if not names.issuperset(values):
        unknown = ", ".join(sorted(set(values) - names))
        raise TypeError(f"{model.__name__} has no field {unknown}.")
    return model(
        *[values[name] if name in values else field.get_default() for name, field in fields]
    )


_FIELDS: dict[type[Model], tuple[tuple[tuple[str, Field], ...], frozenset[str]]] = {}


def bulk_insert(rows: Sequence[M]) -> Sequence[M]:
    """Insert unsaved instances of one model; set their primary keys as ``bulk_create`` does.

    Every instance must be new (``_state.adding``) and of the same model, and related
    objects must be saved already: a foreign key is taken from its id.
    """
    if not rows:
        return rows
    model = type(rows[0])
    if any(type(row) is not model for row in rows):
        raise TypeError("bulk_insert takes instances of one model at a time.")
    if any(not row._state.adding or row.pk is not None for row in rows):
        raise ValueError("bulk_insert writes new rows only, and gives them their ids.")
    alias = router.db_for_write(model)
    connection = connections[alias]
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError(f"{connection.vendor} cannot return the ids of new rows.")
    opts = model._meta
    returning = list(opts.db_returning_fields)
    fields = [field for field in opts.concrete_fields if field not in returning]
    specs = [_spec(field, model, rows) for field in fields]
    if connection.vendor == "postgresql" and len(returning) == 1 and returning[0].primary_key:
        _copy(connection, model, rows, fields, specs)
    else:
        _insert(connection, model, rows, fields, specs, returning)
    for row in rows:
        row._state.adding = False
        row._state.db = alias
    return rows


def _values(row: Model, specs: list[tuple], connection: BaseDatabaseWrapper) -> list[Any]:
    """One row's values as the database driver takes them."""
    values = []
    for attname, field, pre_save, passes, last, texts in specs:
        value = field.pre_save(row, True) if pre_save else getattr(row, attname)
        if type(value) not in passes:
            if value is last[0]:  # the same object as the row before's (a batch's time)
                value = last[1]
            elif texts is not None and type(value) is list and all(type(v) is str for v in value):
                # A JSON list of text (a document's normalisation steps, its page starts
                # when it has none) is the same for most rows of a batch: converted once.
                key = tuple(value)
                if key not in texts:
                    texts[key] = field.get_db_prep_save(value, connection)
                value = texts[key]
            else:
                last[:] = value, field.get_db_prep_save(value, connection)
                value = last[1]
        values.append(value)
    return values


def _insert(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    rows: Sequence[Model],
    fields: list[Field],
    specs: list[tuple],
    returning: list[Field],
) -> None:
    """``INSERT … VALUES (…), (…) RETURNING`` the ids, a batch at a time."""
    table = connection.ops.quote_name(model._meta.db_table)
    ops: Any = connection.ops  # return_insert_columns and the fetch are not in its stubs
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    returning_sql, returning_params = ops.return_insert_columns(returning)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = _rows_per_statement(connection, fields, rows)
    for offset in range(0, len(rows), size):
        batch = rows[offset : offset + size]
        params: list[Any] = []
        for row in batch:
            params.extend(_values(row, specs, connection))
        sql = (
            # Names are the model's own, quoted; every value is a parameter.
            f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
            + ", ".join([placeholder] * len(batch))
            + f" {returning_sql}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *returning_params])
            returned = ops.fetch_returned_insert_rows(cursor)
        if len(returned) != len(batch):
            raise RuntimeError(f"{len(batch)} rows inserted but {len(returned)} ids returned.")
        for row, values in zip(batch, returned, strict=True):
            for field, value in zip(returning, values, strict=True):
                setattr(row, field.attname, value)


def _rows_per_statement(
    connection: BaseDatabaseWrapper, fields: list[Field], rows: Sequence[Model]
) -> int:
    """As many rows a statement as its parameters allow. Django assumes SQLite's old limit
    of 999 (40 documents a statement); the SQLite a connection runs says its own (32,766
    since 3.32), and fewer, longer statements take a tenth less time. PostgreSQL's backend
    sets no batch size of its own, but a statement takes at most 65,535 parameters."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:
        limit = min(connection.ops.bulk_batch_size(fields, rows) * len(fields), 65_000)
    return max(1, limit // len(fields))


def _copy(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    rows: Sequence[Model],
    fields: list[Field],
    specs: list[tuple],
) -> None:
    """PostgreSQL: take the ids from the table's sequence first, then ``COPY`` the rows
    with them, which is several times faster than an INSERT of as many parameters."""
    opts = model._meta
    pk = opts.pk
    table = connection.ops.quote_name(opts.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in (pk, *fields))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, pk.column, len(rows)],
        )
        ids = [value for (value,) in cursor.fetchall()]
        # The driver's own cursor: its errors become Django's (IntegrityError…) as they do
        # through Django's cursor, which has no COPY.
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row, id_ in zip(rows, ids, strict=True):
                copy.write_row([id_, *_values(row, specs, connection)])
    for row, id_ in zip(rows, ids, strict=True):
        setattr(row, pk.attname, id_)


def _spec(field: Field, model: type[Model], rows: Sequence[Model]) -> tuple:
    """How one field's value is read and which types of it go to the driver unconverted."""
    pre_save = type(field).pre_save is not Field.pre_save
    if isinstance(field, ForeignKey):
        _require_saved_relations(field, rows)
    # The last value converted and what it became, for rows that share one object; for
    # JSON, the lists of text converted so far.
    last: list[Any] = [_UNSET, None]
    texts: dict[tuple[str, ...], Any] | None = {} if isinstance(field, JSONField) else None
    return field.attname, field, pre_save, _plain_types(field), last, texts


def _plain_types(field: Field) -> tuple[type, ...]:
    """Types whose values need no conversion for this field on any backend Django has."""
    if isinstance(field, JSONField):
        return ()  # always through the field: dumps (SQLite) or adapts (PostgreSQL)
    if isinstance(field, ForeignKey):
        return _plain_types(field.target_field)
    if isinstance(field, (CharField, TextField)):
        return (str, _NONE)  # a choice's enum member (a str subclass) goes through the field
    if isinstance(field, BooleanField):
        return (bool, _NONE)
    if isinstance(field, (IntegerField, BigIntegerField)):
        return (int, _NONE)
    if isinstance(field, FloatField):
        return (float, int, _NONE)
    return (_NONE,)  # NULL as it is, for a date or any other field outside JSON


def _require_saved_relations(field: ForeignKey, rows: Sequence[Model]) -> None:
    """A related object assigned but unsaved would be written as NULL: refuse it, as
    ``bulk_create`` does; one saved after it was assigned gives its id now."""
    for row in rows:
        if getattr(row, field.attname) is not None or not field.is_cached(row):
            continue
        related = field.get_cached_value(row)
        if related is None:
            continue
        if related.pk is None:
            raise ValueError(
                f"bulk_insert of {type(row).__name__} with an unsaved related {field.name}."
            )
        setattr(row, field.attname, related.pk)
