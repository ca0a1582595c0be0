from django.utils.translation import gettext_lazy as _

from lenddesk.products.permissions import ProductPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Loan products"),
        "products:list",
        "products",
        codes=(P.VIEW,),
        order=200,
        section="products",
    ),
    MenuItem(
        _("Funders"),
        "products:funders",
        "products",
        codes=(P.VIEW,),
        order=210,
        section="products",
    ),
    MenuItem(
        _("Human reviews"),
        "products:reviews",
        "products",
        codes=(P.REVIEW,),
        order=220,
        section="products",
    ),
    MenuItem(
        _("Scorecard"),
        "products:scorecard",
        "products",
        codes=(P.MANAGE,),
        order=880,
        section="settings",
    ),
)
