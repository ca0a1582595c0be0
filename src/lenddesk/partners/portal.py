"""The partner portal (H5, mobile-first): sign-up through an invitation, log-in,
referring customers, masked progress, the downline and the partner's own invitation.

A partner is not a staff user. Their log-in lives under its own session key
(``PARTNER_SESSION``); Django's auth session and the staff tenant key are never set, so
a partner session passes no staff check (``StaffView``, the API). The firm comes from
the slug in the URL and every request runs inside ``tenant_context``.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from lenddesk.acquisition.services import current_notice
from lenddesk.orders.selectors import progress_by_customer
from lenddesk.partners import selectors, services
from lenddesk.partners.forms import PortalLoginForm, ReferralForm, SignupForm
from lenddesk.partners.models import Partner, PartnerReferral, PartnerStatus
from lenddesk.partners.qr import qr_response
from lenddesk.security.net import client_ip
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.plan import SUSPENDED_MESSAGE, PlanRule, broken_rule
from lenddesk.web.errors import status_for
from lenddesk.web.forms import apply_service_errors
from lenddesk.web.pages import private_response

PARTNER_SESSION = "ld_partner"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MODULE = "acquisition"


def portal_url(name: str, tenant: Tenant, **kwargs) -> str:
    return reverse("partners:" + name, kwargs={"tenant_slug": tenant.slug, **kwargs})


def session_partner(request, tenant: Tenant) -> Partner | None:
    """The partner logged in to this firm's portal, or None. Ends the partner session
    when it is idle too long, too old, or the partner was disabled since."""
    data = request.session.get(PARTNER_SESSION)
    if not isinstance(data, dict) or data.get("tenant") != tenant.pk:
        return None
    now = time.time()
    seen, since = data.get("seen", 0), data.get("auth", 0)
    partner = Partner.objects.filter(pk=data.get("id")).first()
    if (
        partner is None
        or now - seen > tenant.idle_timeout_minutes * 60
        or now - since > settings.SESSION_COOKIE_AGE
        or partner.session_epoch != data.get("epoch")
        or partner.status != PartnerStatus.ACTIVE
    ):
        request.session.pop(PARTNER_SESSION, None)
        return None
    if now - seen > 30:
        data["seen"] = now
        request.session[PARTNER_SESSION] = data
    return partner


def start_session(request, partner: Partner) -> None:
    request.session.cycle_key()
    now = time.time()
    request.session[PARTNER_SESSION] = {
        "id": partner.pk,
        "tenant": partner.tenant_id,
        "epoch": partner.session_epoch,
        "auth": now,
        "seen": now,
    }


# What a partner reads when the firm's plan refuses (the module check answers 404:
# a firm without partners has no portal).
PORTAL_REFUSALS = {
    PlanRule.TENANT_SUSPENDED: SUSPENDED_MESSAGE,
    PlanRule.TENANT_EXPIRED: gettext_lazy(
        "The firm's subscription has expired; the portal is read-only."
    ),
}

# The portal's tabs (URL name, label); the page being shown is the one highlighted.
# (URL name, label, plan module or "" for the portal's own): apps above partners add
# theirs with ``register_portal_tab`` (commissions: the partner's statements).
PORTAL_TABS = [
    ("partners:portal_home", gettext_lazy("Home"), ""),
    ("partners:portal_refer", gettext_lazy("Refer a customer"), ""),
    ("partners:portal_referrals", gettext_lazy("My referrals"), ""),
    ("partners:portal_team", gettext_lazy("My team"), ""),
    ("partners:portal_invite", gettext_lazy("Invite"), ""),
]


def register_portal_tab(url_name: str, label, module: str = "") -> None:
    if all(name != url_name for name, _label, _module in PORTAL_TABS):
        PORTAL_TABS.append((url_name, label, module))


def portal_tabs(tenant) -> list[tuple[str, str, str]]:
    """(URL name, label, short key) of the tabs this firm's plan offers."""
    return [
        (name, label, name.rpartition(":")[2])
        for name, label, module in PORTAL_TABS
        if not module or tenant.has_module(module)
    ]


class PortalView(View):
    """Base of portal pages: resolves the firm from the URL slug, refuses firms whose
    plan lacks the module or that are suspended, keeps expired firms read-only, and
    (unless ``login_required`` is False) needs a partner session of that firm."""

    tenant_from_url = True  # the plan check is this firm's, done in dispatch
    login_required = True
    allowed_when_expired = False  # writes an expired firm's partners may still make

    def dispatch(self, request, tenant_slug, *args, **kwargs):
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None or not tenant.has_module(MODULE):
            raise Http404
        refusal = self._refusal(request, tenant)
        if refusal is not None:
            return render(
                request,
                "partners/portal/error.html",
                {"firm": tenant, "detail": refusal},
                status=403,
            )
        with tenant_context(tenant):
            self.tenant = tenant
            self.partner = session_partner(request, tenant)
            if self.login_required and self.partner is None:
                login = portal_url("portal_login", tenant)
                return redirect("%s?next=%s" % (login, request.path))
            response = super().dispatch(request, *args, **kwargs)
        if self.partner is not None:
            response = private_response(response)
        return response

    def _refusal(self, request, tenant: Tenant) -> str | None:
        """Why this firm's portal refuses the request, in a partner's words: the
        firm is suspended, or this is a write while its subscription has expired
        (unless this page allows it). The rules are the plan's own."""
        writing = request.method not in SAFE_METHODS and not self.allowed_when_expired
        rule = broken_rule(tenant, module=None, writing=writing)
        return str(PORTAL_REFUSALS[rule]) if rule else None

    def page(self, request, template: str, context: dict | None = None, status=200):
        return render(
            request,
            template,
            {
                "firm": self.tenant,
                "partner": self.partner,
                "portal_tabs": portal_tabs(self.tenant),
                **(context or {}),
            },
            status=status,
        )


class PortalLoginView(PortalView):
    login_required = False
    allowed_when_expired = True

    def get(self, request):
        if self.partner is not None:
            return redirect(portal_url("portal_home", self.tenant))
        return self.page(
            request, "partners/portal/login.html", {"form": PortalLoginForm()}
        )

    def post(self, request):
        form = PortalLoginForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                partner = services.partner_authenticate(
                    phone=form.cleaned_data["phone"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = _login_refusal_status(exc)
            else:
                start_session(request, partner)
                return redirect(self._next_page(request))
        return self.page(
            request, "partners/portal/login.html", {"form": form}, status=status
        )

    def _next_page(self, request) -> str:
        """``?next=`` when it is a page of this firm's portal on this site, else home."""
        target = request.GET.get("next", "")
        home = portal_url("portal_home", self.tenant)
        if target.startswith(home) and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}
        ):
            return target
        return home


def _login_refusal_status(exc: ValidationError) -> int:
    """429 while the number is locked out, else 400 (``web.errors.ERROR_STATUS``)."""
    return status_for(getattr(exc, "code", None))


class PortalLogoutView(PortalView):
    allowed_when_expired = True

    def post(self, request):
        services.partner_logout(partner=self.partner)
        request.session.pop(PARTNER_SESSION, None)
        request.session.cycle_key()
        messages.info(request, _("You have logged out."))
        return redirect(portal_url("portal_login", self.tenant))


class PortalJoinView(PortalView):
    """Sign-up through an invitation link. Joining is free."""

    login_required = False

    def _invitation(self, code):
        invitation = selectors.invitation_by_code(code)
        if invitation is None:
            raise Http404
        return invitation

    def _render(self, request, invitation, form, status=200):
        problem = services.invitation_problem(
            invitation, limit=services.partner_settings().max_depth
        )
        return self.page(
            request,
            "partners/portal/join.html",
            {"form": form, "invitation": invitation, "problem": problem},
            status=status if not problem else max(status, 400),
        )

    def get(self, request, code):
        return self._render(request, self._invitation(code), SignupForm())

    def post(self, request, code):
        invitation = self._invitation(code)
        form = SignupForm(request.POST)
        if not form.is_valid():
            return self._render(request, invitation, form, status=400)
        data = form.cleaned_data
        try:
            partner = services.partner_signup(
                invitation=invitation,
                name=data["name"],
                phone=data["phone"],
                password=data["password"],
                city=data["city"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self._render(request, invitation, form, status=400)
        if partner.status != PartnerStatus.ACTIVE:  # the firm approves them first
            return self.page(
                request, "partners/portal/joined.html", {"joined": partner}
            )
        start_session(request, partner)
        self.partner = partner
        messages.success(request, _("Welcome! Your partner account is ready."))
        return redirect(portal_url("portal_home", self.tenant))


class PortalHomeView(PortalView):
    def get(self, request):
        return self.page(
            request,
            "partners/portal/home.html",
            {
                "counts": selectors.referral_counts(partner=self.partner),
                "recent": selectors.referral_rows(partner=self.partner, limit=5),
                "chain": selectors.upline_chain(self.partner),
            },
        )


class PortalReferView(PortalView):
    def _render(self, request, form, status=200):
        notice = current_notice()
        if notice is not None and not form.is_bound:
            form = ReferralForm(initial={"notice_version": notice.version})
        return self.page(
            request,
            "partners/portal/refer.html",
            {"form": form, "notice": notice},
            status=status,
        )

    def get(self, request):
        return self._render(request, ReferralForm())

    def post(self, request):
        form = ReferralForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        if not services.referral_quota_left(self.partner):
            form.add_error(
                None,
                _(
                    "You have referred many customers in the last hour. Please try later."
                ),
            )
            return self._render(request, form, status=429)
        try:
            referral = self._refer(request, form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self._render(request, form, status=400)
        _thank(request, referral)
        return redirect(portal_url("portal_referrals", self.tenant))

    def _refer(self, request, data: dict):
        return services.referral_create(
            partner=self.partner,
            name=data["name"],
            phone=data["phone"],
            city=data["city"],
            amount=data["amount"],
            consent=data["consent"],
            notice_version=data["notice_version"],
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
        )


def _thank(request, referral) -> None:
    """Credited referrals are thanked; a customer the firm knew already is not
    credited, and the partner is told so."""
    if referral.credited:
        messages.success(request, _("Thank you! The customer was passed to the firm."))
    else:
        messages.warning(
            request,
            _(
                "The firm already knows this customer, so this referral "
                "is not credited to you."
            ),
        )


class PortalReferralsView(PortalView):
    def get(self, request):
        rows = selectors.referral_rows(partner=self.partner)
        return self.page(
            request,
            "partners/portal/referrals.html",
            {"rows": _with_order_steps(self.tenant, self.partner, rows)},
        )


def _with_order_steps(tenant, partner, rows) -> list:
    """Each referral with the step its newest order is at (the step's name only: no
    amount, no product), for credited referrals of a firm that runs orders. A row
    whose referral does not line up (one arrived between the two reads) shows none."""
    if not tenant.has_module("orders"):
        return rows
    referrals = list(
        PartnerReferral.objects.filter(partner=partner)
        .order_by("-id")
        .values_list("customer_id", "credited", "created_at")[: len(rows)]
    )
    steps = progress_by_customer([pk for pk, credited, _at in referrals if credited])
    shown = []
    for index, row in enumerate(rows):
        pk, credited, at = referrals[index] if index < len(referrals) else (0, 0, 0)
        step = steps.get(pk) if credited and at == row.created_at else None
        shown.append(SimpleNamespace(**asdict(row), order_step=step))
    return shown


class PortalTeamView(PortalView):
    def get(self, request):
        return self.page(
            request,
            "partners/portal/team.html",
            {
                "tree": selectors.downline_tree(self.partner),
                "chain": selectors.upline_chain(self.partner),
                "limit": services.partner_settings().max_depth,
            },
        )


def _own_invitation(partner):
    try:
        return services.partner_own_invitation(partner=partner), None
    except ValidationError as exc:
        return None, " ".join(exc.messages)


class PortalInviteView(PortalView):
    def get(self, request):
        invitation, problem = _own_invitation(self.partner)
        link = (
            request.build_absolute_uri(
                portal_url("portal_join", self.tenant, code=invitation.code)
            )
            if invitation
            else ""
        )
        return self.page(
            request,
            "partners/portal/invite.html",
            {"invitation": invitation, "link": link, "problem": problem},
            status=200 if invitation else 403,
        )


class PortalInviteQRView(PortalView):
    def get(self, request):
        invitation, _problem = _own_invitation(self.partner)
        if invitation is None:
            raise Http404
        link = request.build_absolute_uri(
            portal_url("portal_join", self.tenant, code=invitation.code)
        )
        return qr_response(
            link, fmt="png" if request.GET.get("format") == "png" else "svg"
        )
