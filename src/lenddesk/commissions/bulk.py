"""Set one column of many rows at once: ``UPDATE … FROM (VALUES …)`` on PostgreSQL
(one statement per chunk, no per-row expression building), Django's ``bulk_update``
elsewhere. Rows stay within the current firm (the caller's ids, and RLS)."""

from __future__ import annotations

from django.db import connection

CHUNK = 5000
# The model's own table and column names; the values are parameters.
_UPDATE = (
    "UPDATE %s AS t SET %s = v.value FROM (VALUES %s) AS v(id, value) WHERE t.id = v.id"
)


def set_values(model, column: str, pairs: list[tuple[int, object]], cast: str) -> None:
    """``model.<column> = value`` for each ``(id, value)``; ``cast`` is the SQL type
    of the values (``numeric``, ``integer``)."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(
            [model(pk=pk, **{column: value}) for pk, value in pairs],
            [column],
            batch_size=1000,
        )
        return
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        values = ", ".join(["(%%s::bigint, %%s::%s)" % cast] * len(chunk))
        params = [item for pair in chunk for item in pair]
        sql = _UPDATE % (table, name, values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
