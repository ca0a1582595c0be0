"""Pre-screening pages: a customer's pre-screen, human reviews of the automated
grade (PIPL art. 24) and the scorecard with the product settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Role
from lenddesk.products import scorecard, selectors, services
from lenddesk.products.attributes import band_attribute_choices
from lenddesk.products.forms import band_rows, row_key
from lenddesk.products.models import ReviewState
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.products.presenters import decimal_or_none, explain_lines
from lenddesk.products.scorecard import HARD_RULE_LIMITS, HARD_RULES
from lenddesk.web.access import StaffView
from lenddesk.web.params import int_or_none


class PreScreenRunView(StaffView):
    permissions = {"POST": (P.PRESCREEN,)}

    def post(self, request, customer_id):
        customer = selectors.owned_customer_get(
            actor=request.user, customer_id=customer_id
        )
        prescreen = scorecard.prescreen_run(actor=request.user, customer=customer)
        return redirect("products:prescreen", prescreen.pk)


class PreScreenView(StaffView):
    permissions = {"GET": (P.PRESCREEN, P.REVIEW)}

    def get(self, request, prescreen_id):
        prescreen = selectors.prescreen_get(
            actor=request.user, prescreen_id=prescreen_id
        )
        return render(
            request,
            "products/prescreen.html",
            {
                "prescreen": prescreen,
                "lines": explain_lines(prescreen),
                "reviews": selectors.reviews_of(prescreen=prescreen),
                "can_request": request.user.has_code(P.PRESCREEN),
            },
        )


# --- Human reviews --------------------------------------------------------------------


class ReviewRequestView(StaffView):
    permissions = {"POST": (P.PRESCREEN,)}

    def post(self, request, prescreen_id):
        prescreen = selectors.prescreen_get(
            actor=request.user, prescreen_id=prescreen_id
        )
        try:
            services.review_request(
                actor=request.user,
                prescreen=prescreen,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Review requested; the reviewers have been notified.")
            )
        return redirect("products:prescreen", prescreen.pk)


class ReviewListView(StaffView):
    permissions = {"GET": (P.REVIEW,)}

    def get(self, request):
        state = request.GET.get("state", ReviewState.OPEN)
        return render(
            request,
            "products/reviews.html",
            {
                "reviews": selectors.review_list(actor=request.user, state=state),
                "states": ReviewState.choices,
                "state": state,
            },
        )


class ReviewView(StaffView):
    permissions = {"GET": (P.REVIEW,), "POST": (P.REVIEW,)}

    def get(self, request, review_id, errors=None, status=200):
        review = selectors.review_get(actor=request.user, review_id=review_id)
        return render(
            request,
            "products/review.html",
            {
                "review": review,
                "prescreen": review.prescreen,
                "lines": explain_lines(review.prescreen),
                "grades": [g["grade"] for g in review.prescreen.scorecard.grades],
                "errors": errors or [],
            },
            status=status,
        )

    def post(self, request, review_id):
        review = selectors.review_get(actor=request.user, review_id=review_id)
        try:
            services.review_resolve(
                actor=request.user,
                review=review,
                final_grade=request.POST.get("final_grade", ""),
                note=request.POST.get("resolution", ""),
            )
        except ValidationError as exc:
            return self.get(request, review_id, errors=exc.messages, status=400)
        messages.success(request, _("Review recorded."))
        return redirect("products:reviews")


# --- Scorecard and settings -------------------------------------------------------------


def _band_editor_rows(bands) -> list[dict]:
    return [
        {
            "key": row_key(),
            "field": b["field"],
            "min": "" if b.get("min") is None else b["min"],
            "max": "" if b.get("max") is None else b["max"],
            "yes": bool(b.get("value")),
            "points": b["points"],
        }
        for b in bands
    ]


def _hard_rule_rows(card) -> list[dict]:
    chosen = {r["code"]: r for r in card.hard_rules}
    return [
        {
            "code": code,
            "label": label(),
            "on": code in chosen,
            "value": chosen.get(code, {}).get("value", HARD_RULE_LIMITS.get(code)),
            "needs_value": code in HARD_RULE_LIMITS,
        }
        for code, label in HARD_RULES.items()
    ]


def _posted_scorecard(post) -> dict:
    """The scorecard editor's form as ``scorecard_save`` takes it."""
    return {
        "bands": band_rows(post),
        "hard_rules": [
            {"code": code, "value": post.get("hard-%s-value" % code)}
            for code in HARD_RULES
            if post.get("hard-%s" % code)
        ],
        "grades": [
            {"grade": g, "min": post.get("grade-%s" % g, "")} for g in ("A", "B", "C")
        ]
        + [{"grade": "D", "min": -1000}],
        "blacklist_tag": post.get("blacklist_tag", ""),
    }


class ScorecardView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def context(self, card, **extra):
        return {
            "card": card,
            "rows": extra.pop("rows", _band_editor_rows(card.bands)),
            "attributes": band_attribute_choices(),
            "hard_rules": _hard_rule_rows(card),
            "grades": card.grades,
            "settings": services.product_settings(),
            "roles": Role.objects.order_by("name"),
            "errors": extra.pop("errors", []),
            **extra,
        }

    def get(self, request):
        card = scorecard.scorecard_current()
        return render(request, "products/scorecard.html", self.context(card))

    def post(self, request):
        card = scorecard.scorecard_current()
        if request.POST.get("form") == "settings":
            return self.save_settings(request, card)
        posted = _posted_scorecard(request.POST)
        try:
            new = scorecard.scorecard_save(actor=request.user, **posted)
        except ValidationError as exc:
            context = self.context(
                card,
                rows=[{**r, "yes": r.get("value")} for r in posted["bands"]],
                errors=exc.messages,
            )
            return render(request, "products/scorecard.html", context, status=400)
        messages.success(
            request, _("Scorecard saved as version %(v)d.") % {"v": new.version}
        )
        return redirect("products:scorecard")

    def save_settings(self, request, card):
        role = Role.objects.filter(
            pk=int_or_none(request.POST.get("review_role"))
        ).first()
        try:
            services.product_settings_update(
                actor=request.user,
                apr_ceiling=decimal_or_none(request.POST.get("apr_ceiling", "")),
                review_role=role,
            )
        except ValidationError as exc:
            return render(
                request,
                "products/scorecard.html",
                self.context(card, errors=exc.messages),
                status=400,
            )
        messages.success(request, _("Settings saved."))
        return redirect(reverse("products:scorecard"))
