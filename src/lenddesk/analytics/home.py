"""The 工作台 panel of analytics: a few of my own numbers this month, each a link to
the list behind it, and the way to the dashboard."""

from django.utils import timezone

from lenddesk.analytics import facts
from lenddesk.analytics.permissions import AnalyticsPermission as P
from lenddesk.web.home import HomePanel, register_home_panel

# (metric, whether the number is the amount)
MINE = (
    ("new_customers", False),
    ("followups", False),
    ("signed_orders", False),
    ("fees", True),
)


def my_month(*, actor) -> dict:
    """The actor's own numbers from the first of the month to today."""
    today = timezone.localdate()
    first = today.replace(day=1)
    found = {
        r["metric"]: r
        for r in facts.fact_totals(
            actor,
            metrics=[m for m, _a in MINE],
            date_from=first,
            date_to=today,
            user_id=actor.pk,
        )
    }
    return {
        "numbers": [
            {
                "metric": metric,
                "amount": is_amount,
                "value": found.get(metric, {}).get("amount" if is_amount else "n", 0),
                "url": facts.drill_url(
                    metric, date_from=first, date_to=today, user_id=actor.pk
                ),
            }
            for metric, is_amount in MINE
        ]
    }


register_home_panel(
    HomePanel(
        key="analytics",
        module="analytics",
        template="analytics/_home.html",
        build=my_month,
        codes=(P.VIEW,),
        order=30,
    )
)
