"""Staff pages: channels and ad accounts, spend, the channel report, integrations and
their deliveries, the privacy notice, and a customer's source panel."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.acquisition import (
    channels,
    consent,
    drain,
    intake,
    integrations,
    selectors,
)
from lenddesk.acquisition.forms import (
    AdAccountForm,
    ChannelForm,
    IntegrationForm,
    NoticeForm,
    ReportForm,
    SpendForm,
)
from lenddesk.acquisition.models import DeliveryStatus, Integration
from lenddesk.acquisition.permissions import AcquisitionPermission as P
from lenddesk.customers.permissions import CustomerPermission
from lenddesk.customers.selectors import customer_get
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors, report_outcome
from lenddesk.web.pages import form_submit

# --- channels and ad accounts -------------------------------------------------------


def _channel_url(channel_id: int) -> str:
    return reverse("acquisition:channel_edit", args=[channel_id])


class ChannelListView(StaffView):
    permissions = {"GET": (P.VIEW, P.MANAGE), "POST": (P.MANAGE,)}

    def get(self, request, form=None, status=200):
        return render(
            request,
            "acquisition/channels.html",
            {
                "channels": selectors.channel_list(),
                "accounts": selectors.ad_account_list(),
                "form": form or ChannelForm(),
                "can_manage": request.user.has_code(P.MANAGE),
            },
            status=status,
        )

    def post(self, request):
        form = ChannelForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: channels.channel_save(actor=request.user, **data),
            success=lambda channel: _("Channel “%s” added.") % channel.name,
            redirect_to="acquisition:channels",
        )
        return done or self.get(request, form=form, status=400)


class ChannelEditView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def get(self, request, channel_id, form=None, account_form=None, status=200):
        channel = selectors.channel_get(channel_id)
        return render(
            request,
            "acquisition/channel_edit.html",
            {
                "channel": channel,
                "form": form
                or ChannelForm(
                    initial={
                        "name": channel.name,
                        "kind": channel.kind,
                        "active": channel.active,
                    }
                ),
                "accounts": selectors.ad_account_list(channel=channel),
                "account_form": account_form
                or AdAccountForm(initial={"channel": channel.pk}),
            },
            status=status,
        )

    def post(self, request, channel_id):
        channel = selectors.channel_get(channel_id)
        form = ChannelForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: channels.channel_save(
                actor=request.user, channel=channel, **data
            ),
            success=_("Channel saved."),
            redirect_to="acquisition:channels",
        )
        return done or self.get(request, channel_id, form=form, status=400)


class ChannelToggleView(StaffView):
    """Deactivate (or reactivate) a channel: it keeps its history and attribution."""

    permissions = {"POST": (P.MANAGE,)}

    def post(self, request, channel_id):
        channel = selectors.channel_get(channel_id)
        active = not channel.active
        report_outcome(
            request,
            lambda: channels.channel_save(
                actor=request.user,
                channel=channel,
                name=channel.name,
                kind=channel.kind,
                active=active,
            ),
            _("Channel reactivated.") if active else _("Channel deactivated."),
        )
        return redirect("acquisition:channels")


class AdAccountCreateView(StaffView):
    permissions = {"POST": (P.MANAGE,)}

    def post(self, request, channel_id):
        channel = selectors.channel_get(channel_id)
        form = AdAccountForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: channels.ad_account_save(actor=request.user, **data),
            success=_("Ad account added."),
            redirect_to=_channel_url(channel.pk),
        )
        return done or ChannelEditView.get(
            self, request, channel.pk, account_form=form, status=400
        )


class AdAccountEditView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def _page(self, request, account, form, status=200):
        return render(
            request,
            "acquisition/account_edit.html",
            {"account": account, "form": form},
            status=status,
        )

    def get(self, request, account_id):
        account = selectors.ad_account_get(account_id)
        form = AdAccountForm(
            initial={
                "channel": account.channel_id,
                "name": account.name,
                "external_id": account.external_id,
                "active": account.active,
            }
        )
        return self._page(request, account, form)

    def post(self, request, account_id):
        account = selectors.ad_account_get(account_id)
        form = AdAccountForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: channels.ad_account_save(
                actor=request.user, account=account, **data
            ),
            success=_("Ad account saved."),
            redirect_to=_channel_url(account.channel_id),
        )
        return done or self._page(request, account, form, status=400)


# --- spend and report ---------------------------------------------------------------


class SpendView(StaffView):
    permissions = {"GET": (P.SPEND,), "POST": (P.SPEND,)}

    def get(self, request, form=None, status=200):
        date_from = selectors.parse_date(request.GET.get("date_from"))
        date_to = selectors.parse_date(request.GET.get("date_to"))
        if not date_from and not date_to:
            date_from, date_to = selectors.default_range()
        rows = list(selectors.spend_list(date_from=date_from, date_to=date_to)[:200])
        return render(
            request,
            "acquisition/spend.html",
            {
                "rows": rows,
                "total": sum((r.amount for r in rows), start=0),
                "form": form or SpendForm(),
                "date_from": date_from,
                "date_to": date_to,
            },
            status=status,
        )

    def post(self, request):
        form = SpendForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: channels.spend_save(actor=request.user, **data),
            success=_("Spend saved."),
            redirect_to="acquisition:spend",
        )
        return done or self.get(request, form=form, status=400)


class ReportView(StaffView):
    permissions = {"GET": (P.REPORT,)}

    def get(self, request):
        form = ReportForm(request.GET or None)
        date_from, date_to = selectors.default_range()
        group = "channel"
        if form.is_bound and form.is_valid():
            date_from = form.cleaned_data["date_from"] or date_from
            date_to = form.cleaned_data["date_to"] or date_to
            group = form.cleaned_data["group"] or group
        if date_to < date_from:
            date_from, date_to = date_to, date_from
        rows, stages, total = selectors.channel_report(
            date_from=date_from, date_to=date_to, group=group
        )
        if not form.is_bound:
            form = ReportForm(
                initial={"date_from": date_from, "date_to": date_to, "group": group}
            )
        return render(
            request,
            "acquisition/report.html",
            {
                "form": form,
                "rows": [(row, row.stage_counts(stages)) for row in rows],
                "stages": stages,
                "total": total,
                "total_stages": total.stage_counts(stages),
                "group": group,
                "date_from": date_from,
                "date_to": date_to,
            },
        )


# --- integrations -------------------------------------------------------------------


def _secret_page(request, issued, *, created: bool):
    endpoint = request.build_absolute_uri(
        reverse("api:intake", args=[issued.integration.key])
    )
    return render(
        request,
        "acquisition/integration_secret.html",
        {
            "integration": issued.integration,
            "secret": issued.secret,
            "endpoint": endpoint,
            "created": created,
        },
    )


class IntegrationListView(StaffView):
    permissions = {"GET": (P.INTEGRATIONS,)}

    def get(self, request):
        return render(
            request,
            "acquisition/integrations.html",
            {"integrations": selectors.integration_list()},
        )


class IntegrationCreateView(StaffView):
    permissions = {"GET": (P.INTEGRATIONS,), "POST": (P.INTEGRATIONS,)}

    def _page(self, request, form, status=200):
        return render(
            request,
            "acquisition/integration_form.html",
            {"form": form, "catalogue": intake.catalogue()},
            status=status,
        )

    def get(self, request):
        return self._page(request, IntegrationForm())

    def post(self, request):
        form = IntegrationForm(request.POST)
        if form.is_valid():
            try:
                issued = integrations.integration_create(
                    actor=request.user, values=dict(form.cleaned_data)
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return _secret_page(request, issued, created=True)
        return self._page(request, form, status=400)


class IntegrationEditView(StaffView):
    permissions = {"GET": (P.INTEGRATIONS,), "POST": (P.INTEGRATIONS,)}

    def _page(self, request, integration, form, status=200):
        return render(
            request,
            "acquisition/integration_form.html",
            {
                "form": form,
                "integration": integration,
                "catalogue": intake.catalogue(),
            },
            status=status,
        )

    def get(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        form = IntegrationForm(
            initial={
                "name": integration.name,
                "channel": integration.channel_id,
                "ad_account": integration.ad_account_id,
                "campaign": integration.campaign,
                "field_mapping": json.dumps(
                    integration.field_mapping, ensure_ascii=False, indent=2
                )
                if integration.field_mapping
                else "",
                "assign_mode": integration.assign_mode,
                "allocation_rule": integration.allocation_rule_id,
                "duplicate_policy": integration.duplicate_policy,
                "rate_limit_per_minute": integration.rate_limit_per_minute,
                "active": integration.active,
            }
        )
        return self._page(request, integration, form)

    def post(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        form = IntegrationForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: integrations.integration_update(
                actor=request.user, integration=integration, values=dict(data)
            ),
            success=_("Integration saved."),
            redirect_to=reverse(
                "acquisition:integration_detail", args=[integration.pk]
            ),
        )
        return done or self._page(request, integration, form, status=400)


class IntegrationRotateView(StaffView):
    permissions = {"POST": (P.INTEGRATIONS,)}

    def post(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        issued = integrations.integration_rotate_secret(
            actor=request.user, integration=integration
        )
        return _secret_page(request, issued, created=False)


class IntegrationDetailView(StaffView):
    permissions = {"GET": (P.INTEGRATIONS,)}

    def get(self, request, integration_id):
        integration: Integration = selectors.integration_get(integration_id)
        status = request.GET.get("status", "")
        return render(
            request,
            "acquisition/integration_detail.html",
            {
                "integration": integration,
                "endpoint": request.build_absolute_uri(
                    reverse("api:intake", args=[integration.key])
                ),
                "counts": selectors.delivery_counts(integration),
                "statuses": DeliveryStatus.choices,
                "status": status,
                "deliveries": selectors.delivery_list(integration, status=status),
                "mapping": sorted(
                    intake.effective_mapping(integration.field_mapping).items()
                ),
                "replayable": drain.REPLAYABLE,
            },
        )


class DeliveryReplayView(StaffView):
    permissions = {"POST": (P.INTEGRATIONS,)}

    def post(self, request, integration_id, delivery_id):
        integration = selectors.integration_get(integration_id)
        delivery = selectors.delivery_get(integration, delivery_id)
        try:
            delivery = drain.delivery_replay(actor=request.user, delivery=delivery)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Replayed: %s") % DeliveryStatus(delivery.status).label,
            )
        return redirect("acquisition:integration_detail", integration_id=integration.pk)


# --- privacy notice -----------------------------------------------------------------


class NoticeView(StaffView):
    permissions = {"GET": (P.NOTICE,), "POST": (P.NOTICE,)}

    def get(self, request, form=None, status=200):
        current = consent.current_notice()
        return render(
            request,
            "acquisition/notice.html",
            {
                "current": current,
                "form": form
                or NoticeForm(initial={"text": current.text if current else ""}),
            },
            status=status,
        )

    def post(self, request):
        form = NoticeForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: consent.notice_publish(actor=request.user, **data),
            success=lambda notice: _("Privacy notice %s published.") % notice.version,
            redirect_to="acquisition:notice",
        )
        return done or self.get(request, form=form, status=400)


# --- customer page panel ------------------------------------------------------------


class CustomerSourceView(StaffView):
    """The customer's attribution and consent records (loaded into the customer page)."""

    permissions = {"GET": (CustomerPermission.VIEW, CustomerPermission.CLAIM)}

    def get(self, request, customer_id):
        customer = customer_get(actor=request.user, customer_id=customer_id)
        if customer is None:  # pragma: no cover - customer_get raises
            raise Http404
        return render(
            request,
            "acquisition/_customer_source.html",
            {
                "customer": customer,
                "attribution": selectors.attribution_of(customer),
                "consents": selectors.consents_of(customer)
                if request.user.has_any_code(P.CONSENT, P.NOTICE)
                else None,
            },
        )
