"""Every write to orders, by subject:

- ``orders``: opening an order from a signed customer, changing it, its participants;
- ``moves``: forward, return, cancel and complete, with the conflict of two movers;
- ``numbering``: the day's order numbers without gaps;
- ``terms``: amount, term and fee terms checked (money half-up to the cent);
- ``sla``: step due times and the overdue flag;
- ``funnel``: what an order does to its customer's stage;
- ``notices``, ``conflicts``, ``events``.

Other apps import the public names from here; inside the orders app each module
imports from the submodule itself.
"""

from lenddesk.orders.services.conflicts import OrderConflict
from lenddesk.orders.services.moves import allowed_moves, may_move, order_move
from lenddesk.orders.services.orders import locked_fields, order_open, order_update
from lenddesk.orders.services.sla import flag_overdue_orders
from lenddesk.orders.services.terms import fee_for

__all__ = [
    "OrderConflict",
    "allowed_moves",
    "fee_for",
    "flag_overdue_orders",
    "locked_fields",
    "may_move",
    "order_move",
    "order_open",
    "order_update",
]
