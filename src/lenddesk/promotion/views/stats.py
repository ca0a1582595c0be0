"""Staff pages of results: promotion statistics and where a customer came from."""

from __future__ import annotations

from django.shortcuts import render

from lenddesk.customers.permissions import CustomerPermission
from lenddesk.promotion import selectors
from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.web.access import StaffView


class StatsView(StaffView):
    permissions = {"GET": (P.STATS,)}

    def get(self, request):
        return render(
            request,
            "promotion/stats.html",
            {
                "materials": selectors.material_stats(actor=request.user),
                "staff": selectors.staff_stats(actor=request.user),
            },
        )


class LeadSourceView(StaffView):
    """The full page, or with htmx the card on the customer page."""

    permissions = {"GET": (CustomerPermission.VIEW,)}

    def get(self, request, customer_id: int):
        customer, submissions = selectors.lead_source(
            actor=request.user, customer_id=customer_id
        )
        template = (
            "promotion/_source_card.html"
            if request.htmx
            else "promotion/lead_source.html"
        )
        return render(
            request, template, {"customer": customer, "submissions": submissions}
        )
