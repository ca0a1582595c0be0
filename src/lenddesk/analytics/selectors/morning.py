"""The morning dashboard (数据看板): today's to-dos counted live, the funnel (mine, and my
team's when the data scope holds more than me) and the key numbers against last
month. It adapts to the role through the data scope alone."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from lenddesk.accounts.models import User
from lenddesk.accounts.scope import sees_only_own
from lenddesk.analytics.selectors.common import (
    INT,
    MONEY,
    TEXT,
    Column,
    Dashboard,
    Filters,
    Table,
    Tile,
    amount_of,
    change,
    department_q,
    drill,
    n_of,
    person_names,
    totals,
)
from lenddesk.analytics.selectors.process import open_orders, order_list_url
from lenddesk.customers.models import Customer
from lenddesk.customers.selectors import end_of_today
from lenddesk.web.params import url_with

# The funnel's steps: (key, metric, label, whether the number is the amount)
FUNNEL = (
    ("new_customers", "new_customers", gettext_lazy("New customers"), False),
    ("followups", "followups", pgettext_lazy("dashboard", "Follow-ups"), False),
    ("visits", "visits", pgettext_lazy("dashboard", "Visits"), False),
    ("signed", "signed_orders", pgettext_lazy("dashboard", "Signed"), False),
    ("disbursed", "disbursed", gettext_lazy("Loans disbursed"), False),
    ("fees", "fees", gettext_lazy("Fees collected"), True),
)
FUNNEL_METRICS = tuple(metric for _k, metric, _l, _a in FUNNEL)
# The key numbers: (key, metric, label, whether the number is the amount)
KEY_NUMBERS = (
    ("new_customers", "new_customers", gettext_lazy("New customers"), False),
    ("calls", "calls", gettext_lazy("Calls"), False),
    ("signed", "signed_orders", pgettext_lazy("dashboard", "Signed"), False),
    ("disbursed_amount", "disbursed", gettext_lazy("Amount disbursed"), True),
    ("fees", "fees", gettext_lazy("Fees collected"), True),
)
KEY_METRICS = tuple({m for _k, m, _l, _a in FUNNEL + KEY_NUMBERS})
FUNNEL_COLUMNS = [
    Column("step", pgettext_lazy("dashboard", "Step"), TEXT),
    Column("mine", gettext_lazy("Mine"), INT),
    Column("team", gettext_lazy("My team"), INT),
]
TODO_COLUMNS = [
    Column("person", gettext_lazy("Person"), TEXT),
    Column("due", gettext_lazy("Follow-ups due today"), INT),
    Column("overdue", gettext_lazy("Overdue follow-ups"), INT),
    Column("orders_overdue", gettext_lazy("Overdue orders"), INT),
]


def owned_customers(actor: User, team: bool, department_id: int | None):
    """Customers the actor (or, with ``team``, anyone in their scope) owns, as the
    to-do and customer lists read them."""
    owned = Customer.objects.visible_to(actor).filter(owner__isnull=False)
    if not team:
        return owned.filter(owner=actor)
    return owned.filter(department_q(department_id, "owner__department"))


def todo_by_owner(actor: User, team: bool, department_id: int | None):
    """Per owner, now: follow-ups due by tonight and those already late (one pass
    over the customers due by tonight), and running orders late at their step."""
    now = timezone.now()
    customers = {
        r["owner_id"]: r
        for r in owned_customers(actor, team, department_id)
        .filter(next_followup_at__lte=end_of_today())
        .order_by()
        .values("owner_id")
        .annotate(
            # columns of the index on (next_followup_at, owner): it answers alone
            due=Count("*"),
            overdue=Count("next_followup_at", filter=Q(next_followup_at__lt=now)),
        )
    }
    orders = open_orders(actor, department_id if team else None).filter(is_overdue=True)
    if not team:
        orders = orders.filter(owner=actor)
    late_orders = dict(
        orders.order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    return customers, late_orders


def _todo_tiles(
    team: bool, owner: int | None, department_id: int | None, grouped
) -> list[Tile]:
    customers, orders = grouped
    due = sum(r["due"] for r in customers.values())
    overdue = sum(r["overdue"] for r in customers.values())
    late = sum(orders.values())
    return [
        Tile(
            "due",
            _("Follow-ups due today"),
            INT,
            due,
            url_with("customers:list", due="1", owner=owner, department=department_id),
            group="todo",
        ),
        Tile(
            "overdue",
            _("Overdue follow-ups"),
            INT,
            overdue,
            url_with(
                "customers:list", overdue="1", owner=owner, department=department_id
            ),
            alert=overdue > 0,
            group="todo",
        ),
        Tile(
            "orders_overdue",
            _("Orders overdue at a step"),
            INT,
            late,
            order_list_url(overdue=1, owner=owner, department=department_id),
            alert=late > 0,
            group="todo",
        ),
    ]


def todo_by_person(grouped) -> Table:
    """The team's to-dos per person, now: whose follow-ups and orders are late."""
    customers, orders = grouped
    table = Table("todo", _("To-dos by person (now)"), TODO_COLUMNS)
    names = person_names(set(customers) | set(orders))
    for user_id in sorted(
        names,
        key=lambda u: (
            -customers.get(u, {}).get("overdue", 0),
            -orders.get(u, 0),
            names[u],
        ),
    ):
        row = customers.get(user_id, {})
        table.add(
            {
                "person": names[user_id],
                "due": row.get("due", 0),
                "overdue": row.get("overdue", 0),
                "orders_overdue": orders.get(user_id, 0),
            },
            {
                "due": url_with("customers:list", due="1", owner=user_id),
                "overdue": url_with("customers:list", overdue="1", owner=user_id),
                "orders_overdue": order_list_url(overdue=1, owner=user_id),
            },
            "late" if row.get("overdue") else "",
        )
    return table


def _funnel(actor: User, f: Filters, team: bool) -> Table:
    table = Table("funnel", _("Funnel"), FUNNEL_COLUMNS if team else FUNNEL_COLUMNS[:2])
    mine = {r["metric"]: r for r in totals(actor, f, FUNNEL_METRICS, user_id=actor.pk)}
    whole = {r["metric"]: r for r in totals(actor, f, FUNNEL_METRICS)} if team else {}
    for _key, metric, label, is_amount in FUNNEL:
        value = amount_of if is_amount else n_of
        values = {"step": str(label), "mine": value(mine, metric)}
        links = {"mine": drill(metric, f, user_id=actor.pk)}
        if team:
            values["team"] = value(whole, metric)
            links["team"] = drill(metric, f)
        table.add(values, links)
    return table


def _key_tiles(actor: User, f: Filters, team: bool) -> list[Tile]:
    who = {} if team else {"user_id": actor.pk}
    now = {r["metric"]: r for r in totals(actor, f, KEY_METRICS, **who)}
    before = {r["metric"]: r for r in totals(actor, f.previous(), KEY_METRICS, **who)}
    tiles = []
    for key, metric, label, is_amount in KEY_NUMBERS:
        value = amount_of if is_amount else n_of
        current, previous = value(now, metric), value(before, metric)
        tiles.append(
            Tile(
                key,
                str(label),
                MONEY if is_amount else INT,
                current,
                drill(metric, f, **who),
                previous,
                change(current, previous),
            )
        )
    return tiles


def overview(actor: User, f: Filters) -> Dashboard:
    """To-dos (live), key numbers against last month, the funnel; a team's to-dos
    by person for whoever sees more than their own records."""
    team = not sees_only_own(actor)
    board = Dashboard("overview", _("Dashboard"), f)
    grouped = todo_by_owner(actor, team, f.department_id)
    owner, department = (None, f.department_id) if team else (actor.pk, None)
    board.tiles = _todo_tiles(team, owner, department, grouped)
    board.tiles += _key_tiles(actor, f, team)
    funnel = _funnel(actor, f, team)
    board.tables = [funnel]
    if team:
        board.tables.append(todo_by_person(grouped))
    column = "team" if team else "mine"
    steps = funnel.rows[:-1]  # fees, an amount, is shown in the table only
    board.chart = {
        "kind": "funnel",
        "categories": [r["step"] for r in steps],
        "series": [
            {
                "name": _("Funnel"),
                "type": "funnel",
                "data": [r[column] for r in steps],
                "links": [link[column] for link in funnel.links[:-1]],
            }
        ],
    }
    return board
