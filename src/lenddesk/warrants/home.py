"""The warrant centre's panel on the home page (工作台): my appointments this week and
the originals overdue from a check-out."""

import datetime as dt

from django.utils import timezone

from lenddesk.warrants import selectors
from lenddesk.warrants.permissions import WarrantPermission as P
from lenddesk.web.home import HomePanel, register_home_panel


def _build(*, actor) -> dict:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    return {
        "appointments": selectors.week_tasks(
            actor=actor, handler_id=actor.pk, monday=monday
        )
        if actor.has_code(P.VIEW)
        else [],
        "overdue": selectors.my_overdue_checkouts(actor=actor)
        if actor.has_code(P.CUSTODY_VIEW)
        else [],
    }


register_home_panel(
    HomePanel(
        key="warrants",
        module="orders",
        template="warrants/_home.html",
        build=_build,
        codes=(P.MANAGE, P.CUSTODY_MANAGE),
        order=40,
    )
)
