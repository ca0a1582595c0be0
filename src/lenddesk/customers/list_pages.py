"""Keyset pages of customers (no OFFSET, no COUNT over a million rows): newest first
by id, merged per owner for a small team, or by any sort column with a cursor on
(value, id)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from lenddesk.customers.list_filters import ListOrder, parse_amount
from lenddesk.customers.models import Customer
from lenddesk.web.params import int_or_none

PAGE_SIZE = 25
LIST_RELATED = ("owner", "stage", "pool")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_MAX_MICROSECONDS = (dt.datetime(9999, 12, 31, tzinfo=dt.UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class _Position:
    """Where the next page starts: after (value, id); ``value`` None once the walk
    has reached the customers without a value, which come last in either direction."""

    value: object
    pk: int


def _encode_position(field: str, value, pk: int) -> str:
    if value is None:
        return "~%d" % pk
    if field == "pk":
        return str(pk)
    if isinstance(value, dt.datetime):
        return "%d~%d" % ((value - _EPOCH) // _MICROSECOND, pk)
    return "%s~%d" % (format(value, "f"), pk)


def _decode_position(field: str, cursor: str) -> _Position | None:
    """A cursor from the page's own link; anything else starts from the top."""
    text = cursor if isinstance(cursor, str) else ""
    if field == "pk":
        pk = int_or_none(text)
        return _Position(pk, pk) if pk else None
    raw, _sep, pk_text = text.rpartition("~")
    pk = int_or_none(pk_text)
    if not _sep or pk is None:
        return None
    if raw == "":
        return _Position(None, pk)
    if field == "demand_amount":
        value = parse_amount(raw) if re.fullmatch(r"[0-9.]+", raw) else None
    else:
        micros = int_or_none(raw, low=0, high=_MAX_MICROSECONDS)
        value = None if micros is None else _EPOCH + micros * _MICROSECOND
    return None if value is None else _Position(value, pk)


def sorted_page(customers: QuerySet, order: ListOrder, cursor: str):
    """Customers with a value first, by (value, id); then those without, by id. Each
    part is one keyset query an index on (tenant, value, id) answers in order."""
    field, down = order.field, order.descending
    position = _decode_position(field, cursor)
    entries: list[tuple[object, int]] = []
    if position is None or position.value is not None:
        entries = _valued_entries(customers, field, down, position)
    if len(entries) <= PAGE_SIZE and field != "pk":
        after = position.pk if position is not None and position.value is None else None
        entries += _valueless_entries(
            customers, field, down, after, PAGE_SIZE + 1 - len(entries)
        )
    ids = [pk for _value, pk in entries]
    rows = _rows_in_order(ids[:PAGE_SIZE], LIST_RELATED)
    if len(entries) <= PAGE_SIZE:
        return rows, None
    value, pk = entries[PAGE_SIZE - 1]
    return rows, _encode_position(field, value, pk)


def _valued_entries(customers, field: str, down: bool, position) -> list:
    if field != "pk":
        customers = customers.filter(**{field + "__isnull": False})
    if position is not None and field == "pk":
        customers = customers.filter(**{"pk__lt" if down else "pk__gt": position.pk})
    elif position is not None:
        value, pk = position.value, position.pk
        at_most, past = ("lte", "lt") if down else ("gte", "gt")
        # The first condition bounds the index range; the second skips the ties
        # already shown.
        customers = customers.filter(**{"%s__%s" % (field, at_most): value}).filter(
            Q(**{"%s__%s" % (field, past): value}) | Q(**{"pk__" + past: pk})
        )
    sign = "-" if down else ""
    ordering = [sign + field] if field == "pk" else [sign + field, sign + "pk"]
    return list(customers.order_by(*ordering).values_list(field, "pk")[: PAGE_SIZE + 1])


def _valueless_entries(customers, field: str, down: bool, after, limit: int):
    customers = customers.filter(**{field + "__isnull": True})
    if after is not None:
        customers = customers.filter(**{"pk__lt" if down else "pk__gt": after})
    ids = customers.order_by("-pk" if down else "pk").values_list("pk", flat=True)
    return [(None, pk) for pk in ids[:limit]]


def _rows_in_order(ids: list[int], related: tuple[str, ...]) -> list[Customer]:
    by_id = Customer.objects.select_related(*related).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def page_by_owner(owners: list[int], before: int | None, related: tuple[str, ...]):
    """A team's newest customers as the merge of each person's newest (one UNION ALL
    of index ranges): walking the firm's newest rows for the team's stopped only
    after every newer customer of everyone else and of the pool — 200,000 rows and
    40 ms after two big imports, 3 ms this way."""
    newer = {"pk__lt": before} if before else {}
    parts = [
        Customer.objects.filter(owner_id=owner, **newer)
        .order_by("-pk")
        .values_list("pk", flat=True)[: PAGE_SIZE + 1]
        for owner in owners
    ]
    if len(parts) > 1:
        parts = [parts[0].union(*parts[1:], all=True).order_by("-pk")[: PAGE_SIZE + 1]]
    return _page_from_ids(list(parts[0]), related)


def page_of(customers: QuerySet, related: tuple[str, ...]):
    """Ids first, rows second: with the joins in the same query PostgreSQL may choose a
    full scan for a rare filter (1.8 s at 1M rows); the id-only keyset query stays on
    the primary-key index, and the second query reads 25 rows by id."""
    ids = list(customers.order_by("-pk").values_list("pk", flat=True)[: PAGE_SIZE + 1])
    return _page_from_ids(ids, related)


def _page_from_ids(ids: list[int], related: tuple[str, ...]):
    """The page's rows (one query by id) and the next page's cursor."""
    rows = list(
        Customer.objects.filter(pk__in=ids[:PAGE_SIZE])
        .select_related(*related)
        .order_by("-pk")
    )
    return rows, (ids[PAGE_SIZE - 1] if len(ids) > PAGE_SIZE else None)
