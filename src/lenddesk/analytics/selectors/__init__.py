"""The assembled numbers of every dashboard, one function each, taking the actor, the
date range and a department: ``overview(actor, date_from=…, date_to=…,
department_id=…)`` and so on. Pages, exports and the API all call these, so they
show the same numbers; ``channel_roi`` is the rows the monthly report reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.models import User
from lenddesk.analytics.permissions import AnalyticsPermission as P
from lenddesk.analytics.selectors import money as _money
from lenddesk.analytics.selectors import morning as _overview
from lenddesk.analytics.selectors import people as _people
from lenddesk.analytics.selectors import pool_health as _pool
from lenddesk.analytics.selectors import process as _process
from lenddesk.analytics.selectors import roi as _channels
from lenddesk.analytics.selectors.common import (
    Column,
    Dashboard,
    Filters,
    Table,
    Tile,
    department_choices,
    filters_from,
    freshness_minutes,
)
from lenddesk.analytics.selectors.roi import channel_roi

__all__ = [
    "DASHBOARDS",
    "Column",
    "Dashboard",
    "DashboardSpec",
    "Filters",
    "Table",
    "Tile",
    "allocation",
    "approvals",
    "calls",
    "channel_roi",
    "channels",
    "department_choices",
    "fees",
    "filters_from",
    "freshness_minutes",
    "overview",
    "pool",
    "sla",
    "staff",
]


def _dashboard(build: Callable[[User, Filters], Dashboard]):
    def read(
        actor: User,
        *,
        date_from: dt.date,
        date_to: dt.date,
        department_id: int | None = None,
    ) -> Dashboard:
        return build(actor, Filters(date_from, date_to, department_id))

    read.__name__ = build.__name__
    read.__doc__ = build.__doc__
    return read


overview = _dashboard(_overview.overview)
channels = _dashboard(_channels.channels)
staff = _dashboard(_people.staff)
calls = _dashboard(_people.calls)
sla = _dashboard(_process.sla)
fees = _dashboard(_money.fees)
pool = _dashboard(_pool.pool)
allocation = _dashboard(_people.allocation)
approvals = _dashboard(_process.approvals)


@dataclass(frozen=True)
class DashboardSpec:
    """A dashboard as the menu, the pages, the exports and the API know it."""

    key: str
    title: str
    read: Callable[..., Dashboard]
    tables: tuple[tuple[str, list[Column]], ...] = ()  # key and columns of each
    codes: tuple[str, ...] = (P.VIEW,)
    live: bool = False  # counted when opened, not from the rollups
    menu_order: int = 700


DASHBOARDS: dict[str, DashboardSpec] = {
    spec.key: spec
    for spec in (
        DashboardSpec(
            "overview",
            _("Dashboard"),
            overview,
            (("funnel", _overview.FUNNEL_COLUMNS), ("todo", _overview.TODO_COLUMNS)),
            live=True,
        ),
        DashboardSpec(
            "channels",
            _("Channel ROI"),
            channels,
            (
                ("channels", _channels.CHANNEL_COLUMNS),
                ("accounts", _channels.ACCOUNT_COLUMNS),
            ),
            codes=(P.CHANNELS,),
            menu_order=705,
        ),
        DashboardSpec(
            "staff",
            _("Staff conversion"),
            staff,
            (("people", _people.CONVERSION_COLUMNS),),
            menu_order=710,
        ),
        DashboardSpec(
            "calls",
            _("Call analysis"),
            calls,
            (
                ("people", _people.CALL_PERSON_COLUMNS),
                ("days", _people.CALL_PERIOD_COLUMNS),
            ),
            menu_order=715,
        ),
        DashboardSpec(
            "sla",
            _("Process timeliness"),
            sla,
            (("steps", _process.STEP_COLUMNS), ("owners", _process.OWNER_COLUMNS)),
            live=True,
            menu_order=720,
        ),
        DashboardSpec(
            "fees",
            _("Fee trend"),
            fees,
            (
                ("periods", _money.PERIOD_COLUMNS),
                ("departments", _money.DEPARTMENT_COLUMNS),
            ),
            menu_order=725,
        ),
        DashboardSpec(
            "pool",
            _("Public pool health"),
            pool,
            (
                ("pools", _pool.POOL_COLUMNS),
                ("returns", _pool.RETURN_COLUMNS),
                ("returners", _pool.RETURNER_COLUMNS),
            ),
            live=True,
            menu_order=730,
        ),
        DashboardSpec(
            "allocation",
            _("Allocation fairness"),
            allocation,
            (("people", _people.ALLOCATION_COLUMNS),),
            menu_order=735,
        ),
        DashboardSpec(
            "approvals",
            _("Approval rate"),
            approvals,
            (
                ("funders", _process.FUNDER_COLUMNS),
                ("products", _process.PRODUCT_COLUMNS),
            ),
            menu_order=740,
        ),
    )
}
