"""The process: orders overdue at each step now (流程时效, live) and the funders'
approval rate by funder and product (批贷率, from the facts)."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from lenddesk.accounts.models import User
from lenddesk.accounts.scope import scope_q
from lenddesk.analytics.selectors.common import (
    INT,
    PERCENT,
    TEXT,
    Column,
    Dashboard,
    Filters,
    Table,
    Tile,
    department_q,
    drill,
    n_of,
    person_names,
    pivot,
    rate,
    totals,
)
from lenddesk.orders.models import Order, OrderStatus, WorkflowNode
from lenddesk.orders.services.step_counts import step_counts
from lenddesk.products.models import Funder, Product
from lenddesk.web.params import url_with


def order_list_url(**params) -> str:
    return url_with("orders:list", **params)


def open_orders(actor: User, department_id: int | None):
    """Running orders the actor may see (as the order list shows them), narrowed to
    the owners of a department and below."""
    return (
        Order.objects.visible_to(actor)
        .filter(status=OrderStatus.OPEN)
        .filter(department_q(department_id, "owner__department"))
    )


STEP_COLUMNS = [
    Column("step", gettext_lazy("Step"), TEXT),
    Column("open", gettext_lazy("In progress"), INT),
    Column("overdue", gettext_lazy("Overdue"), INT),
    Column("overdue_rate", gettext_lazy("Overdue (%)"), PERCENT),
    Column("sla_hours", gettext_lazy("Time limit (hours)"), INT),
]
OWNER_COLUMNS = [
    Column("person", gettext_lazy("Owner"), TEXT),
    Column("overdue", gettext_lazy("Overdue"), INT),
]


def _counts_by_node(orders) -> dict[int, int]:
    return dict(
        orders.order_by()
        .values("node_id")
        .annotate(n=Count("pk"))
        .values_list("node_id", "n")
    )


def _open_by_node(actor: User, department_id: int | None) -> dict[int, int]:
    """Running orders per step id: for the whole firm the kept step counts the
    board reads (``OrderStepCount``), else a count of the team's orders."""
    if department_id is None and not scope_q(actor, owner=Order.SCOPE_OWNER):
        kept = step_counts(WorkflowNode.objects.values_list("pk", flat=True))
        return {
            node: n for (node, status), n in kept.items() if status == OrderStatus.OPEN
        }
    return _counts_by_node(open_orders(actor, department_id))


def overdue_by_step(actor: User, department_id: int | None) -> list[dict]:
    """Per step (by its key across workflow versions, as the order list filters):
    running orders and the overdue ones, now."""
    running = _open_by_node(actor, department_id)
    late = _counts_by_node(open_orders(actor, department_id).filter(is_overdue=True))
    steps: dict[str, dict] = {}
    for pk, key, name, position, sla_hours in WorkflowNode.objects.filter(
        pk__in=set(running) | set(late)
    ).values_list("pk", "key", "name", "position", "sla_hours"):
        step = steps.setdefault(
            key,
            {"key": key, "step": name, "position": position, "open": 0, "overdue": 0},
        )
        step["position"] = min(step["position"], position)
        step["sla_hours"] = max(step.get("sla_hours") or 0, sla_hours or 0) or None
        step["open"] += running.get(pk, 0)
        step["overdue"] += late.get(pk, 0)
    for step in steps.values():
        step["overdue_rate"] = rate(step["overdue"], step["open"])
    return sorted(
        (s for s in steps.values() if s["open"] or s["overdue"]),
        key=lambda s: (s["position"], s["key"]),
    )


def sla(actor: User, f: Filters) -> Dashboard:
    """Live: what is running and what is late at each step, and whose."""
    board = Dashboard("sla", _("Process timeliness"), f)
    department = f.department_id
    steps = Table("steps", _("Orders by step (now)"), STEP_COLUMNS)
    for s in overdue_by_step(actor, department):
        steps.add(
            {k: s[k] for k in ("step", "open", "overdue", "overdue_rate", "sla_hours")},
            {
                "open": order_list_url(
                    node=s["key"], status=OrderStatus.OPEN, department=department
                ),
                "overdue": order_list_url(
                    node=s["key"], overdue=1, department=department
                ),
            },
            "late" if s["overdue"] else "",
        )
    n_open = sum(r["open"] for r in steps.rows)
    n_late = sum(r["overdue"] for r in steps.rows)
    steps.total = {
        "step": _("Total"),
        "open": n_open,
        "overdue": n_late,
        "overdue_rate": rate(n_late, n_open),
        "sla_hours": None,
    }
    steps.total_links = {
        "open": order_list_url(status=OrderStatus.OPEN, department=department),
        "overdue": order_list_url(overdue=1, department=department),
    }
    board.tables = [steps, _by_owner(actor, department)]
    board.tiles = [
        Tile("open", _("Orders in progress"), INT, n_open, steps.total_links["open"]),
        Tile(
            "overdue",
            _("Overdue now"),
            INT,
            n_late,
            steps.total_links["overdue"],
            alert=n_late > 0,
        ),
    ]
    board.chart = _steps_chart(steps)
    board.notes.append(_("Live: counted when the page opens, not from the rollups."))
    return board


def _steps_chart(steps: Table) -> dict:
    return {
        "kind": "bars",
        "categories": [r["step"] for r in steps.rows],
        "series": [
            {
                "name": _("In progress"),
                "type": "bar",
                "data": [r["open"] for r in steps.rows],
                "links": [link["open"] for link in steps.links],
            },
            {
                "name": _("Overdue"),
                "type": "bar",
                "data": [r["overdue"] for r in steps.rows],
                "links": [link["overdue"] for link in steps.links],
            },
        ],
    }


def _by_owner(actor: User, department_id: int | None) -> Table:
    table = Table("owners", _("Overdue orders by owner (now)"), OWNER_COLUMNS)
    rows = list(
        open_orders(actor, department_id)
        .filter(is_overdue=True)
        .order_by()
        .values("owner_id")
        .annotate(overdue=Count("pk"))
    )
    names = person_names(r["owner_id"] for r in rows)
    rows.sort(key=lambda r: (-r["overdue"], names.get(r["owner_id"], "")))
    for r in rows:
        table.add(
            {"person": names.get(r["owner_id"], ""), "overdue": r["overdue"]},
            {
                "overdue": order_list_url(
                    owner=r["owner_id"], overdue=1, department=department_id
                )
            },
        )
    return table


# --- approval rate --------------------------------------------------------------------

DECISION_METRICS = ("submissions", "approvals", "rejections")
DECISION_SOURCES = {
    "submissions": "submissions",
    "approvals": "approvals",
    "rejections": "rejections",
}


def _decision_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("submissions", pgettext_lazy("dashboard", "Submitted"), INT),
        Column("approvals", pgettext_lazy("dashboard", "Approved"), INT),
        Column("rejections", pgettext_lazy("dashboard", "Rejected"), INT),
        Column("approval_rate", gettext_lazy("Approval rate (%)"), PERCENT),
    ]


FUNDER_COLUMNS = _decision_columns(Column("funder", gettext_lazy("Funder"), TEXT))
PRODUCT_COLUMNS = _decision_columns(Column("product", gettext_lazy("Product"), TEXT))


def _decision_values(group: dict) -> dict:
    values = {key: n_of(group, metric) for key, metric in DECISION_SOURCES.items()}
    values["approval_rate"] = rate(values["approvals"], values["submissions"])
    return values


def _decision_links(f: Filters, **narrow) -> dict:
    return {key: drill(metric, f, **narrow) for key, metric in DECISION_SOURCES.items()}


def _decision_table(actor, f, key, title, columns, model, by) -> Table:
    """One line per funder (or product): submitted, approved, rejected, the rate."""
    id_key, first = "%s_id" % by, columns[0]
    table = Table(key, title, columns)
    groups = pivot(totals(actor, f, DECISION_METRICS, by=(by,)), id_key)
    names = dict(
        model.objects.filter(pk__in=[g for g in groups if g]).values_list("pk", "name")
    )
    lines = sorted(
        (
            (names.get(pk, _("Not recorded")), pk, _decision_values(g))
            for pk, g in groups.items()
        ),
        key=lambda line: (-line[2]["submissions"], line[0]),
    )
    for name, pk, values in lines:
        links = _decision_links(f, **{id_key: pk}) if pk is not None else {}
        table.add({first.key: name, **values}, links)
    whole = {r["metric"]: r for r in totals(actor, f, DECISION_METRICS)}
    table.total = {first.key: _("Total"), **_decision_values(whole)}
    table.total_links = _decision_links(f)
    return table


def approvals(actor: User, f: Filters) -> Dashboard:
    board = Dashboard("approvals", _("Approval rate"), f)
    funders = _decision_table(
        actor, f, "funders", _("By funder"), FUNDER_COLUMNS, Funder, "funder"
    )
    products = _decision_table(
        actor, f, "products", _("By product"), PRODUCT_COLUMNS, Product, "product"
    )
    board.tables = [funders, products]
    board.chart = {
        "kind": "bars",
        "categories": [r["funder"] for r in funders.rows],
        "series": [
            {
                "name": label,
                "type": "bar",
                "data": [r[key] for r in funders.rows],
                "links": [link[key] for link in funders.links],
            }
            for key, label in (
                ("submissions", pgettext("dashboard", "Submitted")),
                ("approvals", pgettext("dashboard", "Approved")),
            )
        ]
        + [
            {
                "name": _("Approval rate (%)"),
                "type": "line",
                "axis": 1,
                "data": [str(r["approval_rate"] or 0) for r in funders.rows],
                "links": [link["approvals"] for link in funders.links],
            }
        ],
    }
    return board
