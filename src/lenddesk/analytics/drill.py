"""The list behind a number (下钻): the very source rows a fact counts.

The rows come from ``analytics.refresh.sources`` — the definitions the refresh groups
into facts — narrowed exactly as ``facts.fact_totals`` narrows facts: by the actor's
data scope through the row's person (rows of nobody only for a firm-wide scope), the
days, the person, the department and below, the channel, the funder and the product.
So the list's count is the dashboard's number. Names are masked; no phone, ID or
other personal field is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.scope import scope_q
from lenddesk.analytics.errors import AnalyticsError as E
from lenddesk.analytics.facts import department_q
from lenddesk.analytics.metrics import METRICS_BY_CODE
from lenddesk.analytics.refresh.sources import (
    SOURCES,
    SPEND,
    Source,
    SpendDay,
    in_days,
    spend_days,
    spend_entries,
)
from lenddesk.commissions.models import SplitRole
from lenddesk.customers.models import Customer, FollowUpKind
from lenddesk.finance.models import ReceiptKind
from lenddesk.orders.models import Order, OrderStatus, SubmissionStatus
from lenddesk.security.masking import mask_name
from lenddesk.telephony.models import CallResult
from lenddesk.web.params import int_or_none

PAGE_SIZE = 50
MAX_DAYS = 1100  # about three years in one list
ID_FILTERS = ("user", "department", "funder", "product", "ad_account")


@dataclass(frozen=True)
class Filters:
    metric: str
    date_from: dt.date
    date_to: dt.date
    user_id: int | None = None
    department_id: int | None = None
    channel: str | None = None
    funder_id: int | None = None
    product_id: int | None = None
    ad_account_id: int | None = None


@dataclass
class Row:
    when: str
    person: str
    customer: str  # masked
    order_number: str
    channel: str
    detail: str
    amount: Decimal | None
    customer_id: int | None = None
    order_id: int | None = None
    url: str = ""


# --- input ----------------------------------------------------------------------------


def _date(params, name: str, default: dt.date, errors: dict) -> dt.date:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw[:10]) if len(raw) == 10 else _bad()
    except ValueError:
        errors[name] = ValidationError(
            _("Enter a date as YYYY-MM-DD."), code=E.INVALID_DATE
        )
        return default


def _bad():
    raise ValueError


MODELS = {
    "user": "accounts.User",
    "department": "accounts.Department",
    "funder": "products.Funder",
    "product": "products.Product",
    "ad_account": "acquisition.AdAccount",
}


def _model(name: str):
    from django.apps import apps

    return apps.get_model(MODELS[name])


def _exists(name: str, pk: int) -> bool:
    return _model(name).objects.filter(pk=pk).exists()


def _ids(params, errors: dict) -> dict:
    values = {}
    for name in ID_FILTERS:
        raw = params.get(name)
        if raw in (None, ""):
            continue
        pk = int_or_none(raw)
        if pk is None or not _exists(name, pk):
            errors[name] = ValidationError(
                _("Choose one from the list."), code=E.INVALID_ID
            )
        values[name + "_id"] = pk
    return values


def parse_filters(metric: str, params) -> Filters:
    """The filters of a drill address; ``ValidationError`` naming each bad field.
    Without dates: this month up to today."""
    if metric not in METRICS_BY_CODE:
        raise ValidationError({"metric": _("Unknown number.")}, code=E.INVALID_METRIC)
    errors: dict = {}
    today = timezone.localdate()
    date_from = _date(params, "from", today.replace(day=1), errors)
    date_to = _date(params, "to", max(today, date_from), errors)
    if not errors and date_to < date_from:
        errors["to"] = ValidationError(
            _("The end is before the start."), code=E.INVALID_RANGE
        )
    elif not errors and (date_to - date_from).days >= MAX_DAYS:
        errors["from"] = ValidationError(
            _("Choose at most %d days.") % MAX_DAYS, code=E.INVALID_RANGE
        )
    ids = _ids(params, errors)
    if errors:
        raise ValidationError(errors)
    channel = params.get("channel")
    return Filters(
        metric,
        date_from,
        date_to,
        channel=None if channel is None else channel.strip()[:60],
        **ids,
    )


# --- the rows -------------------------------------------------------------------------


def firm_wide(actor) -> bool:
    """Whether the actor's scope is the whole firm (rows of nobody are theirs too)."""
    return not scope_q(actor, owner="")


def _match(qs: QuerySet, path: str | None, value) -> QuerySet:
    """Filter on a fact key the source may not carry: a fact without it holds ""
    (channel) or nothing (ids), so the rows match only that."""
    if value is None:
        return qs
    if path is None:
        return qs if value == "" else qs.none()
    return qs.filter(**{path: value})


def source_rows(actor, source: Source, f: Filters) -> QuerySet:
    """The source's rows behind the facts for ``f`` that ``actor`` may see."""
    qs = in_days(source, f.date_from, f.date_to)
    condition = scope_q(actor, owner=source.user)
    if condition:
        qs = qs.filter(condition)
    if f.user_id is not None:
        qs = qs.filter(**{source.user: f.user_id})
    if f.department_id is not None:
        qs = qs.filter(
            department_q(f.department_id, field=source.user + "__department")
        )
    qs = _match(qs, source.channel, f.channel)
    qs = _match(qs, source.funder, f.funder_id)
    qs = _match(qs, source.ad_account, f.ad_account_id)
    return _match(qs, source.product, f.product_id)


def spend_rows(actor, f: Filters) -> list[SpendDay]:
    """The days of channel spend behind the facts: rows of nobody, firm-wide only."""
    people = (f.user_id, f.department_id, f.funder_id, f.product_id)
    if not firm_wide(actor) or any(v is not None for v in people):
        return []
    parts = spend_days(f.date_from, f.date_to, spend_entries(f.date_from, f.date_to))
    if f.channel is not None:
        parts = [p for p in parts if p.channel == f.channel]
    if f.ad_account_id is not None:
        parts = [p for p in parts if p.ad_account_id == f.ad_account_id]
    return parts


def _amount(source: Source):
    return F(source.amount) if isinstance(source.amount, str) else source.amount


def _join(prefix: str | None, field: str) -> str | None:
    if prefix is None:
        return None
    return "%s__%s" % (prefix, field) if prefix else field


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _detail(source: Source, v: dict) -> str:
    key = source.key
    if key == "followup":
        return _label(FollowUpKind, v["kind"])
    if key == "call":
        result = _label(CallResult, v["result"]) if v["result"] else "—"
        return _("%(result)s, %(seconds)d s") % {
            "result": result,
            "seconds": v["duration_seconds"] or 0,
        }
    if key == "order":
        return _label(OrderStatus, v["status"])
    if key == "submission":
        status = _label(SubmissionStatus, v["status"])
        parts = (v["funder__name"], v["product__name"], status)
        return " · ".join(x for x in parts if x)
    if key == "disbursement":
        return v["submission__funder__name"] or ""
    if key == "receipt":
        return _label(ReceiptKind, v["kind"])
    if key == "staff_line":
        return _("Staff commission, %s") % _label(SplitRole, v["role"])
    if key == "partner_line":
        return _("Partner commission, level %d") % v["level"]
    if key == "pool_return":
        if v["kind"] == "returned":
            return _("Returned by the nightly rule")
        return _("Released by hand")
    return ""


DETAIL_FIELDS = {
    "followup": ("kind",),
    "call": ("result", "duration_seconds"),
    "order": ("status",),
    "submission": ("funder__name", "product__name", "status"),
    "disbursement": ("submission__funder__name",),
    "receipt": ("kind",),
    "staff_line": ("role",),
    "partner_line": ("level",),
    "pool_return": ("kind",),
}


class Listing:
    """The rows behind one number for one actor: counts, a page, or all of them."""

    def __init__(self, actor, f: Filters):
        self.actor, self.f = actor, f
        self.label = METRICS_BY_CODE[f.metric].label
        self.spend = spend_rows(actor, f) if f.metric == SPEND else None
        self.parts = (
            []
            if self.spend is not None
            else [(s, source_rows(actor, s, f)) for s in SOURCES[f.metric]]
        )
        self._counts: list[int] | None = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [qs.count() for _s, qs in self.parts]
        return self._counts

    def total(self) -> tuple[int, Decimal | None]:
        """The count (the fact's ``n``) and, for an amount metric, the amount."""
        if self.spend is not None:
            return len(self.spend), sum((p.amount for p in self.spend), Decimal(0))
        amount = None
        for source, qs in self.parts:
            if source.amount is not None:
                got = qs.aggregate(a=Sum(_amount(source)))["a"]
                amount = (amount or Decimal(0)) + Decimal(got or 0)
        return sum(self.counts()), amount

    def _values(self, source: Source, qs: QuerySet) -> QuerySet:
        fields = [
            "pk",
            source.day,
            source.user + "__display_name",
            *DETAIL_FIELDS.get(source.key, ()),
        ]
        for prefix, name in ((source.customer, "name"), (source.order, "number")):
            if prefix is not None:
                fields += [_join(prefix, "pk"), _join(prefix, name)]
        if source.channel:
            fields.append(source.channel)
        qs = qs.order_by("-" + source.day, "-pk")
        if source.amount is not None:
            return qs.annotate(row_amount=_amount(source)).values(*fields, "row_amount")
        return qs.values(*fields)

    def _row(self, source: Source, v: dict) -> Row:
        when = v[source.day]
        if isinstance(when, dt.datetime):
            when = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
        customer = _join(source.customer, "pk")
        order = _join(source.order, "pk")
        return Row(
            when=str(when),
            person=v[source.user + "__display_name"] or "—",
            customer=mask_name(v[_join(source.customer, "name")]) if customer else "",
            order_number=(v[_join(source.order, "number")] or "") if order else "",
            channel=v[source.channel] if source.channel else "",
            detail=_detail(source, v),
            amount=v.get("row_amount"),
            customer_id=v[customer] if customer else None,
            order_id=v[order] if order else None,
        )

    def _spend_row(self, p: SpendDay) -> Row:
        return Row(
            when=p.day.isoformat(),
            person="—",
            customer="",
            order_number="",
            channel=p.channel,
            detail=" · ".join(x for x in (p.ad_account, p.campaign) if x),
            amount=p.amount,
        )

    def page(self, offset: int, limit: int = PAGE_SIZE) -> list[Row]:
        """Rows ``offset`` … ``offset + limit`` of the list, newest first, linked to
        the records the actor may open."""
        if self.spend is not None:
            return [self._spend_row(p) for p in self.spend[offset : offset + limit]]
        rows: list[Row] = []
        for (source, qs), n in zip(self.parts, self.counts(), strict=True):
            if offset >= n:
                offset -= n
                continue
            want = limit - len(rows)
            chunk = self._values(source, qs)[offset : offset + want]
            rows += [self._row(source, v) for v in chunk]
            offset = 0
            if len(rows) >= limit:
                break
        link(self.actor, rows)
        return rows

    def all_rows(self) -> Iterator[Row]:
        if self.spend is not None:
            yield from (self._spend_row(p) for p in self.spend)
            return
        for source, qs in self.parts:
            for v in self._values(source, qs).iterator(chunk_size=2000):
                yield self._row(source, v)


def link(actor, rows: list[Row]) -> None:
    """Set each row's link: its order, else its customer, where the actor may open
    it (the permission and the record within their reach)."""
    order_ids = {r.order_id for r in rows if r.order_id}
    customer_ids = {r.customer_id for r in rows if r.customer_id}
    orders: set[int] = set()
    customers: set[int] = set()
    if order_ids and actor.has_any_code("orders.view"):
        orders = set(
            Order.objects.visible_to(actor)
            .filter(pk__in=order_ids)
            .values_list("pk", flat=True)
        )
    if customer_ids and actor.has_any_code("customer.view"):
        customers = set(
            Customer.objects.visible_to(actor)
            .filter(pk__in=customer_ids)
            .values_list("pk", flat=True)
        )
    for row in rows:
        if row.order_id in orders:
            row.url = reverse("orders:detail", args=[row.order_id])
        elif row.customer_id in customers:
            row.url = reverse("customers:detail", args=[row.customer_id])


def _name(name: str, pk: int) -> str:
    obj = _model(name).objects.filter(pk=pk).first()
    return str(obj) if obj is not None else str(pk)


def title(f: Filters) -> str:
    """The list's heading: the number, the days and every filter, in words."""
    parts = [
        str(METRICS_BY_CODE[f.metric].label),
        _("%(first)s to %(last)s")
        % {"first": f.date_from.isoformat(), "last": f.date_to.isoformat()},
    ]
    for pk, name, words in (
        (f.user_id, "user", _("person: %s")),
        (f.department_id, "department", _("department: %s")),
        (f.funder_id, "funder", _("funder: %s")),
        (f.product_id, "product", _("product: %s")),
        (f.ad_account_id, "ad_account", _("ad account: %s")),
    ):
        if pk is not None:
            parts.append(words % _name(name, pk))
    if f.channel is not None:
        parts.append(_("channel: %s") % (f.channel or _("none")))
    return " · ".join(parts)
