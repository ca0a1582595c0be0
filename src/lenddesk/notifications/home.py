from lenddesk.notifications.selectors import unread_count
from lenddesk.web.home import HomePanel, register_home_panel


def _build(*, actor) -> dict:
    return {"unread": unread_count(actor=actor)}


register_home_panel(
    HomePanel(
        key="notifications",
        module="platform",  # the inbox is part of every plan
        template="notifications/_home.html",
        build=_build,
        order=5,
    )
)
