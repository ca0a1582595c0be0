"""The order page's section for the order's fee (应收与回款), registered with the
orders app, which never imports this one."""

from django.utils.translation import gettext_lazy as _

from lenddesk.finance import selectors
from lenddesk.finance.permissions import FinancePermission as P
from lenddesk.orders.panels import OrderPanel, register_order_panel


def _build(*, request, order) -> dict:
    shown = request.tenant.has_module("finance")
    return {
        "order": order,
        "shown": shown,
        "receivable": selectors.receivable_of_order(request.user, order)
        if shown
        else None,
    }


register_order_panel(
    OrderPanel(
        key="finance",
        title=_("Fee and receipts"),
        template="finance/_order_panel.html",
        build=_build,
        codes=(P.VIEW,),
        order=80,
    )
)
