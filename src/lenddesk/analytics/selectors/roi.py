"""Channel ROI end to end (渠道ROI 全链路): spend → leads → signed → disbursed → fees →
commission → profit, per channel and per ad account, from the daily facts."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from lenddesk.accounts.models import User
from lenddesk.acquisition.models import AdAccount
from lenddesk.analytics.selectors.common import (
    INT,
    MONEY,
    PERCENT,
    TEXT,
    Column,
    Dashboard,
    Filters,
    Table,
    amount_of,
    drill,
    n_of,
    pivot,
    totals,
)

CHANNEL_METRICS = (
    "spend",
    "new_customers",
    "signed_orders",
    "disbursed",
    "fees",
    "commission",
)
RATIO = Decimal("0.0001")

# column key → (metric, whether the number is the metric's amount)
SOURCES = {
    "spend": ("spend", True),
    "leads": ("new_customers", False),
    "signed": ("signed_orders", False),
    "disbursed_n": ("disbursed", False),
    "disbursed_amount": ("disbursed", True),
    "fees": ("fees", True),
    "commission": ("commission", True),
}


def _columns(first: Column) -> list[Column]:
    return [
        first,
        Column("spend", gettext_lazy("Spend"), MONEY),
        Column("leads", gettext_lazy("Leads"), INT),
        Column("signed", pgettext_lazy("dashboard", "Signed"), INT),
        Column("disbursed_n", gettext_lazy("Loans disbursed"), INT),
        Column("disbursed_amount", gettext_lazy("Amount disbursed"), MONEY),
        Column("fees", gettext_lazy("Fees"), MONEY),
        Column("commission", gettext_lazy("Commission"), MONEY),
        Column("profit", gettext_lazy("Profit"), MONEY),
        Column("roi", gettext_lazy("ROI (%)"), PERCENT),
        Column("cost_per_lead", gettext_lazy("Cost per lead"), MONEY),
    ]


CHANNEL_COLUMNS = _columns(Column("channel", gettext_lazy("Channel"), TEXT))
ACCOUNT_COLUMNS = _columns(Column("ad_account", gettext_lazy("Ad account"), TEXT))
ACCOUNT_COLUMNS.insert(1, Column("channel", gettext_lazy("Channel"), TEXT))


def _numbers(group: dict) -> dict:
    """One line of the chain from its facts, with profit and return on spend."""
    spend = amount_of(group, "spend")
    fees = amount_of(group, "fees")
    commission = amount_of(group, "commission")
    profit = fees - spend - commission
    leads = n_of(group, "new_customers")
    return {
        "spend": spend,
        "leads": leads,
        "signed": n_of(group, "signed_orders"),
        "disbursed_n": n_of(group, "disbursed"),
        "disbursed_amount": amount_of(group, "disbursed"),
        "fees": fees,
        "commission": commission,
        "profit": profit,
        "roi": (profit / spend).quantize(RATIO, ROUND_HALF_UP) if spend else None,
        "cost_per_lead": (spend / leads).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if leads and spend
        else None,
    }


def channel_roi(
    actor: User,
    *,
    date_from: dt.date,
    date_to: dt.date,
    department_id: int | None = None,
) -> list[dict]:
    """One row per channel: ``channel``, ``spend``, ``leads``, ``signed``,
    ``disbursed_n``, ``disbursed_amount``, ``fees``, ``commission``, ``profit``
    (fees − spend − commission), ``roi`` (profit / spend, None without spend) and
    ``cost_per_lead``; money as Decimal. Most spent first."""
    f = Filters(date_from, date_to, department_id)
    groups = pivot(totals(actor, f, CHANNEL_METRICS, by=("channel",)), "channel")
    rows = [{"channel": channel, **_numbers(g)} for channel, g in groups.items()]
    rows.sort(key=lambda r: (-r["spend"], -r["leads"], r["channel"]))
    return rows


def _shown(numbers: dict) -> dict:
    """The line as the table shows it: the return on spend in percent."""
    roi = numbers["roi"]
    percent = (
        (roi * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if roi is not None else None
    )
    return {**numbers, "roi": percent}


def _links(f: Filters, **narrow) -> dict:
    return {key: drill(metric, f, **narrow) for key, (metric, _a) in SOURCES.items()}


def _channel_label(channel: str) -> str:
    return channel or _("No channel")


def _channel_table(actor: User, f: Filters) -> tuple[Table, list[dict]]:
    table = Table("channels", _("By channel"), CHANNEL_COLUMNS)
    rows = channel_roi(
        actor, date_from=f.date_from, date_to=f.date_to, department_id=f.department_id
    )
    for row in rows:
        table.add(
            _shown({**row, "channel": _channel_label(row["channel"])}),
            _links(f, channel=row["channel"]),
            "loss" if row["profit"] < 0 else "",
        )
    whole = {r["metric"]: r for r in totals(actor, f, CHANNEL_METRICS)}
    table.total = _shown({"channel": _("Total"), **_numbers(whole)})
    table.total_links = _links(f)
    if f.department_id:
        table.note = _(
            "Spend belongs to the whole firm: with a department chosen it is not "
            "counted, and profit shows fees less commission."
        )
    return table, rows


def _account_table(actor: User, f: Filters) -> Table:
    table = Table("accounts", _("By ad account"), ACCOUNT_COLUMNS)
    groups = pivot(
        totals(actor, f, CHANNEL_METRICS, by=("channel", "ad_account")),
        ("channel", "ad_account_id"),
    )
    names = dict(
        AdAccount.objects.filter(
            pk__in=[a for _c, a in groups if a is not None]
        ).values_list("pk", "name")
    )
    lines = []
    for (channel, account_id), group in groups.items():
        if account_id is None:
            continue
        numbers = _numbers(group)
        lines.append((channel, names.get(account_id, "#%d" % account_id), numbers))
    lines.sort(key=lambda line: (-line[2]["spend"], line[0], line[1]))
    for channel, account, numbers in lines:
        table.add(
            _shown(
                {"ad_account": account, "channel": _channel_label(channel), **numbers}
            ),
            {},
            "loss" if numbers["profit"] < 0 else "",
        )
    return table


def _chart(rows: list[dict], f: Filters) -> dict:
    series = [
        ("spend", _("Spend"), "bar"),
        ("fees", _("Fees"), "bar"),
        ("profit", _("Profit"), "bar"),
    ]
    return {
        "kind": "bars",
        "categories": [_channel_label(r["channel"]) for r in rows],
        "series": [
            {
                "name": label,
                "type": kind,
                "data": [str(r[key]) for r in rows],
                "links": [
                    drill(SOURCES[key][0], f, channel=r["channel"])
                    if key in SOURCES
                    else ""
                    for r in rows
                ],
            }
            for key, label, kind in series
        ],
    }


def channels(actor: User, f: Filters) -> Dashboard:
    """The channel ROI page: per channel (losses highlighted) and per ad account."""
    table, rows = _channel_table(actor, f)
    board = Dashboard("channels", _("Channel ROI"), f)
    board.tables = [table, _account_table(actor, f)]
    board.chart = _chart(rows, f)
    return board
