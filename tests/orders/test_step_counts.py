"""The board's counts for the whole firm come from counts kept as orders open and
move (``OrderStepCount``): they must equal the orders after every kind of move, and
the nightly reconcile puts a count that drifted (a bulk write) right."""

from lenddesk.orders import selectors
from lenddesk.orders.models import Order, OrderStepCount
from lenddesk.orders.services.step_counts import (
    _UPSERT,
    step_count_add,
    step_counts_reconcile,
)
from lenddesk.tenancy.context import tenant_context
from tests.orders.conftest import move, open_order


def _board_counts(actor, workflow) -> dict[str, int]:
    filters = selectors.filters_from({})
    columns = selectors.board_columns(actor=actor, workflow=workflow, filters=filters)
    return {c["key"]: c["count"] for c in columns if c["count"]}


def _actual(workflow) -> dict[str, int]:
    counts: dict[str, int] = {}
    for order in Order.objects.filter(version__workflow=workflow).exclude(
        status="cancelled"
    ):
        counts[order.node.key] = counts.get(order.node.key, 0) + 1
    return counts


def test_kept_counts_follow_open_forward_return_and_cancel(tenant_a, crew, credit):
    s1, gm = crew["s1"], crew["gm"]
    orders = [open_order(tenant_a, s1, product=credit) for _ in range(4)]
    move(tenant_a, s1, orders[0], "forward", comment="资料齐")
    move(tenant_a, s1, orders[1], "forward", comment="资料齐")
    move(tenant_a, gm, orders[1], "return", to_node="signing", comment="补签")
    move(tenant_a, s1, orders[2], "cancel", comment="客户放弃")
    with tenant_context(tenant_a):
        workflow = Order.objects.get(pk=orders[0].pk).version.workflow
        board = _board_counts(gm, workflow)
        assert board == _actual(workflow) == {"signing": 2, "documents": 1}
        assert step_counts_reconcile() == 0, "nothing drifted"


def test_reconcile_puts_a_drifted_count_right(tenant_a, crew, credit):
    s1, gm = crew["s1"], crew["gm"]
    order = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        step_count_add(node_id=order.node_id, status="open", delta=5, order_id=3)
        workflow = order.version.workflow
        assert _board_counts(gm, workflow) == {"signing": 6}
        assert step_counts_reconcile() == 1
        assert _board_counts(gm, workflow) == {"signing": 1}


def test_the_upsert_names_the_models_table():
    assert '"%s"' % OrderStepCount._meta.db_table in _UPSERT
