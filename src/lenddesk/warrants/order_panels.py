"""The order page's section for warrant tasks and originals (权证与原件), registered
with the orders app, which never imports this one."""

from django.utils.translation import gettext_lazy as _

from lenddesk.orders.panels import OrderPanel, register_order_panel
from lenddesk.warrants import selectors
from lenddesk.warrants.models import WarrantKind
from lenddesk.warrants.permissions import WarrantPermission as P


def _build(*, request, order) -> dict:
    user = request.user
    return {
        "order": order,
        "warrant_tasks": selectors.order_tasks(actor=user, order=order)
        if user.has_code(P.VIEW)
        else None,
        "originals": selectors.order_items(actor=user, order=order)
        if user.has_code(P.CUSTODY_VIEW)
        else None,
        "warrant_kinds": WarrantKind.choices,
    }


register_order_panel(
    OrderPanel(
        key="warrants",
        title=_("Warrants and originals"),
        template="warrants/_order_panel.html",
        build=_build,
        codes=(P.VIEW, P.CUSTODY_VIEW),
        order=50,
    )
)
