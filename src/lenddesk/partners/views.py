"""Staff pages: partner list and tree, approval, moves, account managers, invitations
and the firm's partner settings."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.partners import selectors, services
from lenddesk.partners.forms import (
    InvitationForm,
    ManagerForm,
    MoveForm,
    PartnerSettingsForm,
    RevealForm,
)
from lenddesk.partners.models import MAX_DEPTH, PartnerStatus
from lenddesk.partners.permissions import PartnerPermission as P
from lenddesk.partners.qr import qr_response
from lenddesk.security.services import reveal_field
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit, reveal_response
from lenddesk.web.params import int_or_none

REVEAL_BOX_ID = "partner-reveal"


def join_url(request, invitation) -> str:
    return request.build_absolute_uri(
        reverse(
            "partners:portal_join",
            kwargs={"tenant_slug": invitation.tenant.slug, "code": invitation.code},
        )
    )


def _detail_url(partner) -> str:
    return reverse("partners:detail", kwargs={"partner_id": partner.pk})


class PartnerListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = selectors.filters_from(request.GET)
        rows = selectors.partner_list(actor=request.user, filters=filters)
        page = list_page(request, rows, 50)
        query = request.GET.copy()
        query.pop("page", None)
        upline = None
        if filters.upline:
            upline = (
                selectors.partner_list(
                    actor=request.user, filters=selectors.PartnerFilters()
                )
                .filter(pk=filters.upline)
                .first()
            )
        return render(
            request,
            "partners/list.html",
            {
                "page": page,
                "filters": filters,
                "upline": upline,
                "query": query.urlencode(),
                "statuses": PartnerStatus.choices,
                "levels": range(1, MAX_DEPTH + 1),
                "settings": services.partner_settings(),
                "pending": selectors.pending_count(actor=request.user),
            },
        )


def _reveal_context(partner) -> dict:
    """The phone reveal box of ``web/_reveal.html``, small, beside the number."""
    return {
        "reveal_url": reverse("partners:reveal", kwargs={"partner_id": partner.pk}),
        "box_id": REVEAL_BOX_ID,
        "fields": [("phone", _("Mobile phone"), partner.masked("phone"))],
        "compact": True,
    }


def _detail_context(request, partner, **extra) -> dict:
    settings_row = services.partner_settings()
    chain = selectors.upline_chain(partner)
    return {
        "partner": partner,
        "phone": partner.masked("phone"),
        "chain": chain,
        "chain_len": len(chain),
        "tree": selectors.downline_tree(partner),
        "referrals": selectors.staff_referrals(partner=partner),
        "counts": selectors.referral_counts(partner=partner),
        "settings": settings_row,
        "can_invite_below": partner.status == PartnerStatus.ACTIVE
        and partner.level < settings_row.max_depth,
        "move_form": extra.pop("move_form", MoveForm()),
        "candidates": selectors.move_candidates(
            actor=request.user, partner=partner, limit=settings_row.max_depth
        ),
        "manager_form": extra.pop(
            "manager_form", ManagerForm(initial={"manager": partner.manager_id})
        ),
        "reveal_form": RevealForm(),
        "reveal": _reveal_context(partner),
        **extra,
    }


class PartnerDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, partner_id):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        return render(
            request, "partners/detail.html", _detail_context(request, partner)
        )


class PartnerActionView(StaffView):
    """Approve, disable or re-enable a partner."""

    permissions = {"POST": (P.MANAGE,)}
    done = {
        "approve": gettext_lazy("Partner approved; they can now log in to the portal."),
        "disable": gettext_lazy("Partner disabled; their portal sessions have ended."),
        "enable": gettext_lazy("Partner enabled again."),
    }

    def post(self, request, partner_id, action):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        report_outcome(
            request,
            lambda: services.partner_change_status(
                actor=request.user, partner=partner, action=action
            ),
            str(self.done[action]),
        )
        return redirect("partners:detail", partner_id=partner.pk)


class _PartnerFormView(StaffView):
    """A small form on the partner's page: saved through its service with a message,
    or the page again with the form's errors (400)."""

    permissions = {"POST": (P.MANAGE,)}
    context_key = ""  # the form's name in the page's context
    success = ""

    def bound_form(self, request):
        raise NotImplementedError

    def save(self, request, partner, data: dict):
        raise NotImplementedError

    def post(self, request, partner_id):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        form = self.bound_form(request)
        response = form_submit(
            request,
            form,
            lambda data: self.save(request, partner, data),
            success=str(self.success),
            redirect_to=_detail_url(partner),
        )
        if response is not None:
            return response
        return render(
            request,
            "partners/detail.html",
            _detail_context(request, partner, **{self.context_key: form}),
            status=400,
        )


class PartnerMoveView(_PartnerFormView):
    context_key = "move_form"
    success = gettext_lazy("Upline changed.")

    def bound_form(self, request):
        return MoveForm(
            request.POST,
            queryset=selectors.partner_list(
                actor=request.user, filters=selectors.PartnerFilters()
            ),
        )

    def save(self, request, partner, data: dict):
        return services.partner_move(
            actor=request.user, partner=partner, new_upline=data["upline"]
        )


class PartnerManagerView(_PartnerFormView):
    context_key = "manager_form"
    success = gettext_lazy("Account manager saved.")

    def bound_form(self, request):
        return ManagerForm(request.POST)

    def save(self, request, partner, data: dict):
        return services.partner_set_manager(
            actor=request.user, partner=partner, manager=data["manager"]
        )


class PartnerRevealView(StaffView):
    """The partner's full mobile number, for a stated purpose (audited)."""

    permissions = {"POST": (P.REVEAL_PHONE,)}

    def post(self, request, partner_id):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        return reveal_response(
            request,
            form=RevealForm(request.POST),
            reveal=lambda data: reveal_field(
                actor=request.user,
                instance=partner,
                field="phone",
                purpose=data["purpose"],
            ),
            context=_reveal_context(partner),
        )


class InvitationListView(StaffView):
    """Staff invitation links; POST makes a new one (top level, or under ``upline``,
    from the partner's page, which also shows the refusals)."""

    permissions = {"GET": (P.INVITE,), "POST": (P.INVITE,)}

    def get(self, request):
        return self._page(request, InvitationForm())

    def _page(self, request, form, status=200):
        rows = selectors.invitation_list(actor=request.user)
        page = list_page(request, rows, 30)
        return render(
            request,
            "partners/invitations.html",
            {"form": form, "page": page, "settings": services.partner_settings()},
            status=status,
        )

    def post(self, request):
        form = InvitationForm(request.POST)
        upline_id = int_or_none(request.POST.get("upline"))
        upline = (
            selectors.partner_get(actor=request.user, partner_id=upline_id)
            if upline_id
            else None
        )
        response = form_submit(
            request,
            form,
            lambda data: services.invitation_create(
                actor=request.user,
                upline=upline,
                manager=data["manager"],
                note=data["note"],
                valid_days=data["valid_days"],
            ),
            success=_("Invitation link ready. Send it or show the QR code."),
            redirect_to=lambda invitation: reverse(
                "partners:invitation", kwargs={"invitation_id": invitation.pk}
            ),
        )
        if response is not None:
            return response
        if upline is not None:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect(_detail_url(upline))
        return self._page(request, form, status=400)


class InvitationDetailView(StaffView):
    permissions = {"GET": (P.INVITE,)}

    def get(self, request, invitation_id):
        invitation = selectors.invitation_get(
            actor=request.user, invitation_id=invitation_id
        )
        problem = services.invitation_problem(
            invitation, limit=services.partner_settings().max_depth
        )
        return render(
            request,
            "partners/invitation.html",
            {
                "invitation": invitation,
                "link": join_url(request, invitation),
                "problem": problem,
            },
        )


class InvitationQRView(StaffView):
    permissions = {"GET": (P.INVITE,)}

    def get(self, request, invitation_id):
        invitation = selectors.invitation_get(
            actor=request.user, invitation_id=invitation_id
        )
        return qr_response(
            join_url(request, invitation),
            fmt="png" if request.GET.get("format") == "png" else "svg",
        )


class InvitationRevokeView(StaffView):
    permissions = {"POST": (P.INVITE,)}

    def post(self, request, invitation_id):
        invitation = selectors.invitation_get(
            actor=request.user, invitation_id=invitation_id
        )
        report_outcome(
            request,
            lambda: services.invitation_revoke(
                actor=request.user, invitation=invitation
            ),
            _("Invitation withdrawn; the link no longer works."),
        )
        return redirect("partners:invitations")


class PartnerSettingsView(StaffView):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}

    def get(self, request):
        row = services.partner_settings()
        form = PartnerSettingsForm(
            initial={"max_depth": row.max_depth, "auto_approve": row.auto_approve}
        )
        return render(request, "partners/settings.html", {"form": form})

    def post(self, request):
        form = PartnerSettingsForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda data: services.partner_settings_update(
                actor=request.user,
                max_depth=data["max_depth"],
                auto_approve=data["auto_approve"],
            ),
            success=_("Partner settings saved."),
            redirect_to="partners:settings",
        )
        if response is None:
            return render(request, "partners/settings.html", {"form": form}, status=400)
        _warn_deeper(request, form.cleaned_data["max_depth"])
        return response


def _warn_deeper(request, limit: int) -> None:
    deeper = services.deeper_than_limit(limit)
    if deeper:
        messages.warning(
            request,
            _(
                "%(n)d partner(s) are deeper than the new limit. They keep "
                "their place, but cannot invite anyone."
            )
            % {"n": deeper},
        )
