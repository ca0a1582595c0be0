"""The order page's section of contracts (合同), registered with the orders app,
which never imports this one."""

from django.utils.translation import gettext_lazy as _

from lenddesk.contracts import selectors
from lenddesk.contracts.models import ContractKind
from lenddesk.contracts.permissions import ContractPermission as P
from lenddesk.orders.panels import OrderPanel, register_order_panel


def _build(*, request, order) -> dict:
    return {
        "order": order,
        "contracts": selectors.order_contracts(actor=request.user, order=order),
        "kinds": ContractKind.choices,
        "with_template": selectors.kinds_with_template(),
    }


register_order_panel(
    OrderPanel(
        key="contracts",
        title=_("Contracts"),
        template="contracts/_order_panel.html",
        build=_build,
        codes=(P.VIEW,),
        order=40,
        module="contracts",
    )
)
