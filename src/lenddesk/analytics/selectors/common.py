"""What every dashboard is made of: the filters (a date range and a department inside
the actor's reach), tables of numbers whose every cell knows the list behind it, key
numbers compared with the month before, and the chart's series.

A dashboard is assembled once, here, and the page, the Excel export and the API all
show that one assembly, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.models import Department, User
from lenddesk.accounts.scope import visible_departments
from lenddesk.analytics import facts
from lenddesk.analytics.errors import AnalyticsError
from lenddesk.security.errors import refusal
from lenddesk.web.params import int_or_none

MAX_DAYS = 731  # two years of days: a trend, never a table of every day since 2010
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

INT, MONEY, PERCENT, TEXT, DECIMAL = "int", "money", "percent", "text", "decimal"


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    department_id: int | None = None

    def previous(self) -> Filters:
        """The same days one month earlier (month-on-month, 环比)."""
        return Filters(
            self.date_from - relativedelta(months=1),
            self.date_to - relativedelta(months=1),
            self.department_id,
        )

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def this_month() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today.replace(day=1), today


def _date(params, name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw[:10]) if len(raw) <= 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise refusal(
            name, _("Enter a date as YYYY-MM-DD."), AnalyticsError.INVALID_DATE
        )
    return day


def filters_from(actor: User, params) -> Filters:
    """The filters of a page or an API call (``from``, ``to``, ``department``); a
    bad value raises a ValidationError naming its parameter. Default: this month."""
    first, last = this_month()
    date_from = _date(params, "from")
    date_to = _date(params, "to")
    if date_from is None and date_to is not None:
        date_from = date_to.replace(day=1)
    date_from = date_from or first
    date_to = date_to or max(last, date_from)
    if date_to < date_from:
        raise refusal(
            "to", _("The end comes before the start."), AnalyticsError.INVALID_RANGE
        )
    if (date_to - date_from).days >= MAX_DAYS:
        raise refusal(
            "to", _("Choose at most two years."), AnalyticsError.INVALID_RANGE
        )
    return Filters(date_from, date_to, department_param(actor, params))


def department_param(actor: User, params) -> int | None:
    raw = (params.get("department") or "").strip()
    if not raw:
        return None
    department_id = int_or_none(raw)
    if department_id is None or department_id not in {
        d.pk for d in department_choices(actor)
    }:
        raise refusal(
            "department",
            _("Choose one of the departments you may see."),
            AnalyticsError.INVALID_ID,
        )
    return department_id


def department_choices(actor: User) -> list[Department]:
    """Departments whose people the actor may see (a lead of 销售一部: 销售一部 and
    its groups), in tree order."""
    seen = visible_departments(actor)
    return sorted(seen, key=lambda d: d.path)


def department_q(department_id: int | None, field_name: str) -> Q:
    """People of a department and everything below it (``field_name`` leads to the
    person's department, e.g. ``owner__department``)."""
    return facts.department_q(department_id, field=field_name)


# --- numbers ------------------------------------------------------------------------


def rate(part, whole) -> Decimal | None:
    """``part / whole`` in percent, one decimal, half up; None when there is no
    whole to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def change(current, previous) -> Decimal | None:
    """Month-on-month change in percent (环比), None when last month was zero."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(
        TENTH, ROUND_HALF_UP
    )


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


# --- the assembly -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = INT
    help: str = ""


@dataclass
class Table:
    """Rows of values by column key; ``links`` holds, per row, the list behind each
    number (column key → URL); ``flags`` marks rows to highlight: ``"loss"`` (lost
    money) or ``"late"`` (something overdue)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    total: dict | None = None
    total_links: dict = field(default_factory=dict)
    note: str = ""

    def add(self, values: dict, links: dict | None = None, flag: str = "") -> None:
        self.rows.append(values)
        self.links.append(links or {})
        self.flags.append(flag)


@dataclass(frozen=True)
class Tile:
    """A key number: its value now, a month earlier and the change (环比)."""

    key: str
    label: str
    kind: str
    value: int | Decimal
    url: str = ""
    previous: int | Decimal | None = None
    change: Decimal | None = None
    alert: bool = False
    group: str = ""  # "todo": counted now; "": from the rollups


@dataclass
class Dashboard:
    key: str
    title: str
    filters: Filters
    tiles: list[Tile] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: dict | None = None
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# --- facts, shaped for tables -------------------------------------------------------


def totals(actor: User, f: Filters, metrics, by=(), **narrow) -> list[dict]:
    return facts.fact_totals(
        actor,
        metrics=metrics,
        date_from=f.date_from,
        date_to=f.date_to,
        by=by,
        department_id=f.department_id,
        **narrow,
    )


def pivot(rows: list[dict], key: str | tuple[str, ...]) -> dict:
    """Fact rows as ``{group: {metric: {"n": …, "amount": …}}}``; ``key`` names the
    by-column(s) of the group."""
    keys = (key,) if isinstance(key, str) else key
    out: dict = {}
    for row in rows:
        group = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        out.setdefault(group, {})[row["metric"]] = row
    return out


def n_of(group: dict, metric: str) -> int:
    return group.get(metric, {}).get("n", 0)


def amount_of(group: dict, metric: str) -> Decimal:
    return money(group.get(metric, {}).get("amount", 0))


def drill(metric: str, f: Filters, **narrow) -> str:
    """The list behind a number of ``f`` narrowed to a person, channel, funder,
    product or (overriding the filter's) department."""
    params = {"department_id": f.department_id, **narrow}
    return facts.drill_url(
        metric,
        date_from=f.date_from,
        date_to=f.date_to,
        **{k: v for k, v in params.items() if v is not None},
    )


def person_names(user_ids) -> dict[int, str]:
    ids = [i for i in user_ids if i]
    return {
        pk: display or username
        for pk, display, username in User.objects.filter(pk__in=ids).values_list(
            "pk", "display_name", "username"
        )
    }


def freshness_minutes() -> int | None:
    """Minutes since the facts were last rebuilt; None if they never were."""
    refreshed = facts.freshness()
    if refreshed is None:
        return None
    return max(0, int((timezone.now() - refreshed).total_seconds() // 60))


def periods(f: Filters) -> tuple[str, list[dt.date]]:
    """The chart's x axis: every day of a range up to 62 days, else every month."""
    if f.days <= 62:
        return "day", [f.date_from + dt.timedelta(days=i) for i in range(f.days)]
    months, month = [], f.date_from.replace(day=1)
    while month <= f.date_to:
        months.append(month)
        month += relativedelta(months=1)
    return "month", months


def period_label(grain: str, day: dt.date) -> str:
    return day.strftime("%m-%d") if grain == "day" else day.strftime("%Y-%m")


def period_filters(f: Filters, grain: str, day: dt.date) -> Filters:
    """The filters of one point of the axis (a day, or a month within the range)."""
    if grain == "day":
        return Filters(day, day, f.department_id)
    last = day + relativedelta(months=1) - dt.timedelta(days=1)
    return Filters(max(day, f.date_from), min(last, f.date_to), f.department_id)
