"""The 工作台 panel of orders: my running orders by step, and how many are overdue."""

from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.selectors import my_open_by_node
from lenddesk.web.home import HomePanel, register_home_panel


def _build(*, actor) -> dict:
    steps = my_open_by_node(actor=actor)
    return {
        "order_steps": steps,
        "order_total": sum(s["n"] for s in steps),
        "order_overdue": sum(s["late"] for s in steps),
    }


register_home_panel(
    HomePanel(
        key="orders",
        module="orders",
        template="orders/_home.html",
        build=_build,
        codes=(P.VIEW,),
        order=20,
    )
)
