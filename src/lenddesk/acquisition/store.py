"""Storing a delivery, or finding the stored one, exactly once per idempotency key.

On PostgreSQL with no transaction open (the production handler for machine
endpoints, decision 0003) one statement inserts the delivery unless its key is taken
and reads the stored one when it is, sent together with the firm's row-level-security
setting as one message, prepared once per connection (``fetch_one_as_tenant``).
Inside a caller's transaction and on SQLite the insert is an ``INSERT … ON CONFLICT
DO NOTHING`` in that transaction, with the same answers.
"""

from __future__ import annotations

import functools
import json
import re
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections

from lenddesk.acquisition.models import Delivery

IDEMPOTENCY_UNIQUE = "acquisition_delivery_idempotency_unique"

# The columns a stored delivery is answered from (outcome_of), in this order.
STORED_ANSWER = ("id", "row_key", "body_sha256", "status", "http_status", "errors")


@dataclass(frozen=True)
class StoredAnswer:
    """What ``outcome_of`` needs of a stored delivery, read without the model."""

    pk: int
    row_key: object
    body_sha256: str
    status: str
    http_status: int
    errors: dict

    @property
    def reference(self) -> str:
        return str(self.row_key)


def _stored_answer(row) -> StoredAnswer:
    pk, row_key, body_sha256, status, http_status, errors = row
    if isinstance(errors, str):
        errors = json.loads(errors)
    return StoredAnswer(pk, row_key, body_sha256, status, http_status, errors or {})


# --- one round trip (PostgreSQL, no transaction open) ---------------------------


def find_in_one_trip(
    tenant_id: int, integration_id: int, idempotency_key: str
) -> StoredAnswer | None:
    """The stored delivery of this key, read in one round trip; None when there is
    none (yet)."""
    row = fetch_one_as_tenant(
        tenant_id,
        "lenddesk_intake_find",
        _find_sql(),
        [tenant_id, integration_id, idempotency_key],
    )
    return None if row is None else _stored_answer(row)


@functools.cache
def _find_sql() -> str:
    quote = connection.ops.quote_name
    return "SELECT %s FROM %s WHERE %s = %%s AND %s = %%s AND %s = %%s" % (  # noqa: S608 - the model's own names
        ", ".join(map(quote, STORED_ANSWER)),
        quote(Delivery._meta.db_table),
        quote("tenant_id"),
        quote("integration_id"),
        quote("idempotency_key"),
    )


def store_in_one_trip(delivery: Delivery) -> tuple[bool, StoredAnswer | None]:
    """Insert the delivery unless its key is taken, and read the stored one when it
    is, in one statement sent with the firm's setting in one message: (True, None)
    when inserted; (False, the stored delivery) for a key seen before; (False, None)
    when another request's insert of the same key committed after this statement
    began (the transaction path then reads it)."""
    columns, values = _insert_values(delivery)
    row = fetch_one_as_tenant(
        delivery.tenant_id,
        "lenddesk_intake_store",
        _one_trip_sql(columns),
        [
            *values,
            delivery.tenant_id,
            delivery.integration_id,
            delivery.idempotency_key,
        ],
    )
    if row is None:
        return False, None
    inserted, *answer = row
    if inserted:
        _saved(delivery, answer[0])
        return True, None
    return False, _stored_answer(answer)


@functools.cache
def _one_trip_sql(columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    answer = STORED_ANSWER
    return (  # noqa: S608 - the model's own names; values are parameters
        "WITH new AS (%(insert)s) "
        "SELECT true, %(new)s FROM new "
        "UNION ALL "
        "SELECT false, %(stored)s FROM %(table)s "
        "WHERE %(tenant)s = %%s AND %(integration)s = %%s AND %(key)s = %%s "
        "AND NOT EXISTS (SELECT FROM new)"
    ) % {
        "insert": _insert_sql(columns, True).replace(
            "RETURNING %s" % quote("id"), "RETURNING " + ", ".join(map(quote, answer))
        ),
        "new": ", ".join("new.%s" % quote(c) for c in answer),
        "stored": ", ".join(quote(c) for c in answer),
        "table": quote(Delivery._meta.db_table),
        "tenant": quote("tenant_id"),
        "integration": quote("integration_id"),
        "key": quote("idempotency_key"),
    }


def one_trip_possible() -> bool:
    """Whether ``fetch_one_as_tenant`` can run here: PostgreSQL, with no transaction
    open by the caller."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


# Statements prepared on each database connection (by name), for fetch_one_as_tenant.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fetch_one_as_tenant(tenant_id: int, name: str, sql: str, params: list):
    """Run one statement as ``tenant_id`` in a transaction of its own, in one round
    trip, and return its first row (or None).

    The RLS setting and the statement go to PostgreSQL as one message, which it runs
    as one implicit transaction: on a hot endpoint (intake) this replaces four round
    trips (BEGIN, the setting, the statement, COMMIT) and the health check's fifth.
    The statement (``%s`` placeholders) is prepared once per connection under
    ``name``, so PostgreSQL plans it once: that halved its cost (unless
    DB_PREPARED_STATEMENTS is off, behind a transaction pooler). It must be safe to
    run twice: on a connection that turns out to be broken (what the health check
    would have found) it is run once more on a new one, as it is when the prepared
    statement is gone (``DISCARD ALL``). Needs ``one_trip_possible()``."""
    import psycopg  # the PostgreSQL driver: not installed with SQLite alone

    prepared = getattr(settings, "DB_PREPARED_STATEMENTS", False)
    statement = "EXECUTE %s(%s)" % (name, ", ".join(["%s"] * len(params)))
    call = "SELECT set_config('app.tenant_id', %s, true); " + (
        statement if prepared else sql
    )
    with connection.wrap_database_errors:
        for attempt in (1, 2):
            connection.ensure_connection()
            raw = connection.connection
            try:
                if prepared:
                    _prepare(raw, name, sql)
                with psycopg.ClientCursor(raw) as cursor:
                    cursor.execute(call, [str(tenant_id), *params])
                    cursor.nextset()
                    return cursor.fetchone()
            except psycopg.errors.InvalidSqlStatementName:
                _prepared.get(raw, set()).discard(name)
                if attempt == 2:
                    raise
            except psycopg.OperationalError:
                if attempt == 2 or not (raw.broken or raw.closed):
                    raise
                connection.close()
    return None  # pragma: no cover - the loop returns or raises


def _prepare(raw, name: str, sql: str) -> None:
    names = _prepared.setdefault(raw, set())
    if name in names:
        return
    numbered = iter(range(1, sql.count("%s") + 1))
    text = re.sub(r"%s", lambda _match: "$%d" % next(numbered), sql)
    raw.execute("PREPARE %s AS %s" % (name, text))
    names.add(name)


# --- in the caller's transaction -------------------------------------------------


def insert_new(delivery: Delivery) -> bool:
    """``INSERT … ON CONFLICT (tenant, integration, idempotency key) DO NOTHING
    RETURNING id``: one statement, where a savepoint and a caught IntegrityError took
    three. False when the key is taken (by a committed row: a concurrent insert of
    the same key is waited for)."""
    columns, values = _insert_values(delivery)
    returning = connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(columns, returning), values)
        if returning:
            row = cursor.fetchone()
            pk = row[0] if row else None
        else:  # SQLite before 3.35
            pk = cursor.lastrowid if cursor.rowcount == 1 else None
    if pk is None:
        return False
    _saved(delivery, pk)
    return True


def stored(new: Delivery, *, lock: bool) -> Delivery:
    """The stored delivery of ``new``'s key (locked with ``lock``)."""
    rows = Delivery.objects.select_for_update() if lock else Delivery.objects
    delivery = rows.filter(
        integration=new.integration, idempotency_key=new.idempotency_key
    ).first()
    if delivery is None:  # pragma: no cover - deleted between insert and read
        raise IntegrityError("The delivery of this key disappeared; retry.")
    return delivery


def _saved(delivery: Delivery, pk: int) -> None:
    delivery.pk = pk
    delivery._state.adding = False
    delivery._state.db = connection.alias


def _insert_values(delivery: Delivery) -> tuple[tuple[str, ...], list]:
    """The delivery's columns and their values as its fields prepare them for the
    database (so the payload is stored exactly as ``set_secret`` sealed it)."""
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: sixteen lookups fewer
    values = [f.get_db_prep_save(f.pre_save(delivery, add=True), db) for f in fields]
    return tuple(f.column for f in fields), values


@functools.cache
def _insert_sql(columns: tuple[str, ...], returning: bool) -> str:
    meta = Delivery._meta
    quote = connection.ops.quote_name
    unique = next(c for c in meta.constraints if c.name == IDEMPOTENCY_UNIQUE)
    target = [meta.get_field(name).column for name in unique.fields]
    sql = "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO NOTHING" % (  # noqa: S608 - the model's own names; values are parameters
        quote(meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
        ", ".join(quote(c) for c in target),
    )
    return sql + (" RETURNING %s" % quote(meta.pk.column) if returning else "")
