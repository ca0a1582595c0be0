"""Staff pages: partner list and tree, approval, moves, account managers, invitations
and the firm's partner settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
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
from lenddesk.security.errors import RateLimited
from lenddesk.security.services import reveal_field
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors


def join_url(request, invitation) -> str:
    return request.build_absolute_uri(
        reverse(
            "partners:portal_join",
            kwargs={"tenant_slug": invitation.tenant.slug, "code": invitation.code},
        )
    )


class PartnerListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = selectors.filters_from(request.GET)
        rows = selectors.partner_list(actor=request.user, filters=filters)
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
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
        "can_manage": request.user.has_code(P.MANAGE),
        "can_reveal": request.user.has_code(P.REVEAL_PHONE),
        "reveal_form": RevealForm(),
        "can_invite": request.user.has_code(P.INVITE),
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
        try:
            services.partner_change_status(
                actor=request.user, partner=partner, action=action
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, str(self.done[action]))
        return redirect("partners:detail", partner_id=partner.pk)


class PartnerMoveView(StaffView):
    permissions = {"POST": (P.MANAGE,)}

    def post(self, request, partner_id):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        form = MoveForm(
            request.POST,
            queryset=selectors.partner_list(
                actor=request.user, filters=selectors.PartnerFilters()
            ),
        )
        if form.is_valid():
            try:
                services.partner_move(
                    actor=request.user,
                    partner=partner,
                    new_upline=form.cleaned_data["upline"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Upline changed."))
                return redirect("partners:detail", partner_id=partner.pk)
        return render(
            request,
            "partners/detail.html",
            _detail_context(request, partner, move_form=form),
            status=400,
        )


class PartnerManagerView(StaffView):
    permissions = {"POST": (P.MANAGE,)}

    def post(self, request, partner_id):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        form = ManagerForm(request.POST)
        if form.is_valid():
            try:
                services.partner_set_manager(
                    actor=request.user,
                    partner=partner,
                    manager=form.cleaned_data["manager"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Account manager saved."))
                return redirect("partners:detail", partner_id=partner.pk)
        return render(
            request,
            "partners/detail.html",
            _detail_context(request, partner, manager_form=form),
            status=400,
        )


class PartnerRevealView(StaffView):
    """The partner's full mobile number, for a stated purpose (audited)."""

    permissions = {"POST": (P.REVEAL_PHONE,)}

    def post(self, request, partner_id):
        partner = selectors.partner_get(actor=request.user, partner_id=partner_id)
        form = RevealForm(request.POST)
        context = {"form": form, "partner": partner, "phone": partner.masked("phone")}
        status = 400
        if form.is_valid():
            try:
                context["value"] = reveal_field(
                    actor=request.user,
                    instance=partner,
                    field="phone",
                    purpose=form.cleaned_data["purpose"],
                )
                status = 200
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
        response = render(request, "partners/_reveal.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response


class InvitationListView(StaffView):
    """Staff invitation links; POST makes a new one (top level, or under ``upline``)."""

    permissions = {"GET": (P.INVITE,), "POST": (P.INVITE,)}

    def get(self, request):
        return self._page(request, InvitationForm())

    def _page(self, request, form, status=200):
        rows = selectors.invitation_list(actor=request.user)
        page = Paginator(rows, 30).get_page(request.GET.get("page"))
        return render(
            request,
            "partners/invitations.html",
            {"form": form, "page": page, "settings": services.partner_settings()},
            status=status,
        )

    def post(self, request):
        form = InvitationForm(request.POST)
        upline_id = selectors.int_or_none(request.POST.get("upline"))
        upline = (
            selectors.partner_get(actor=request.user, partner_id=upline_id)
            if upline_id
            else None
        )
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=request.user,
                    upline=upline,
                    manager=form.cleaned_data["manager"],
                    note=form.cleaned_data["note"],
                    valid_days=form.cleaned_data["valid_days"],
                )
            except ValidationError as exc:
                if upline is not None:
                    for message in exc.messages:
                        messages.error(request, message)
                    return redirect("partners:detail", partner_id=upline.pk)
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Invitation link ready. Send it or show the QR code.")
                )
                return redirect("partners:invitation", invitation_id=invitation.pk)
        elif upline is not None:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect("partners:detail", partner_id=upline.pk)
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
        try:
            services.invitation_revoke(actor=request.user, invitation=invitation)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Invitation withdrawn; the link no longer works.")
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
        if form.is_valid():
            try:
                row = services.partner_settings_update(
                    actor=request.user,
                    max_depth=form.cleaned_data["max_depth"],
                    auto_approve=form.cleaned_data["auto_approve"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Partner settings saved."))
                deeper = services.deeper_than_limit(row.max_depth)
                if deeper:
                    messages.warning(
                        request,
                        _(
                            "%(n)d partner(s) are deeper than the new limit. They keep "
                            "their place, but cannot invite anyone."
                        )
                        % {"n": deeper},
                    )
                return redirect("partners:settings")
        return render(request, "partners/settings.html", {"form": form}, status=400)
