"""The analytics section of the sidebar: the dashboard first, then each page."""

from lenddesk.analytics.selectors import DASHBOARDS
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    *(
        MenuItem(
            spec.title,
            "analytics:%s" % spec.key,
            "analytics",
            codes=spec.codes,
            order=spec.menu_order,
            section="analytics",
        )
        for spec in DASHBOARDS.values()
    )
)
