"""Staff pages of conversion feedback (回传) on an integration: its settings, the
secret shown once, and the delivery log (发送记录) with "send again"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.acquisition import selectors
from lenddesk.acquisition.conversion_errors import SendFailure
from lenddesk.acquisition.conversion_forms import ConversionSettingsForm
from lenddesk.acquisition.conversion_models import CallbackStatus, ConversionEvent
from lenddesk.acquisition.conversion_selectors import (
    LEAD_REF_MAX,
    callback_counts,
    callback_get,
    callback_list,
)
from lenddesk.acquisition.conversions import (
    conversion_config,
    conversion_retry,
    conversion_secret_rotate,
    conversion_settings_save,
)
from lenddesk.acquisition.permissions import AcquisitionPermission as P
from lenddesk.web.access import StaffView
from lenddesk.web.errors import status_for
from lenddesk.web.forms import apply_service_errors
from lenddesk.web.listing import list_page
from lenddesk.web.params import int_or_none


def _settings_url(integration_id: int) -> str:
    return reverse("acquisition:conversion_settings", args=[integration_id])


def _secret_page(request, saved, *, first: bool):
    return render(
        request,
        "acquisition/conversion_secret.html",
        {
            "integration": saved.config.integration,
            "config": saved.config,
            "secret": saved.secret,
            "first": first,
        },
    )


class ConversionSettingsView(StaffView):
    permissions = {"GET": (P.INTEGRATIONS,), "POST": (P.INTEGRATIONS,)}

    def _page(self, request, integration, config, form, status=200):
        return render(
            request,
            "acquisition/conversion_settings.html",
            {
                "integration": integration,
                "config": config,
                "form": form,
                "counts": callback_counts(integration),
                "statuses": CallbackStatus.choices,
            },
            status=status,
        )

    def get(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        config = conversion_config(integration)
        form = ConversionSettingsForm(
            initial={
                "enabled": config.enabled,
                "url": config.url,
                "events": config.events,
                "qualified_stage": config.qualified_stage,
                "send_amount_band": config.send_amount_band,
            }
        )
        return self._page(request, integration, config, form)

    def post(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        form = ConversionSettingsForm(request.POST)
        if form.is_valid():
            try:
                saved = conversion_settings_save(
                    actor=request.user,
                    integration=integration,
                    values=dict(form.cleaned_data),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if saved.secret:
                    return _secret_page(request, saved, first=True)
                messages.success(request, _("Conversion feedback saved."))
                return redirect(_settings_url(integration.pk))
        config = conversion_config(integration)
        return self._page(request, integration, config, form, status=400)


class ConversionSecretView(StaffView):
    permissions = {"POST": (P.INTEGRATIONS,)}

    def post(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        saved = conversion_secret_rotate(actor=request.user, integration=integration)
        return _secret_page(request, saved, first=False)


class ConversionLogView(StaffView):
    permissions = {"GET": (P.INTEGRATIONS,)}

    def get(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        status = request.GET.get("status", "")
        event = request.GET.get("event", "")
        lead_ref = request.GET.get("q", "").strip()[:LEAD_REF_MAX]
        rows = callback_list(integration, status=status, event=event, lead_ref=lead_ref)
        return render(
            request,
            "acquisition/conversion_log.html",
            {
                "integration": integration,
                "page": list_page(request, rows),
                "counts": callback_counts(integration),
                "statuses": CallbackStatus.choices,
                "events": ConversionEvent.choices,
                "status": status if status in CallbackStatus.values else "",
                "event": event if event in ConversionEvent.values else "",
                "q": lead_ref,
                "failures": dict(SendFailure.choices),
            },
        )


class ConversionRetryView(StaffView):
    """Send a failed callback again. The callback is named in the body, so the
    address is the integration's alone. With htmx the answer is the row (409 with
    the reason when it cannot be sent again); without, a message and the log."""

    permissions = {"POST": (P.INTEGRATIONS,)}

    def post(self, request, integration_id):
        integration = selectors.integration_get(integration_id)
        callback = callback_get(integration, int_or_none(request.POST.get("callback")))
        error, status = "", 200
        try:
            callback = conversion_retry(actor=request.user, callback=callback)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), status_for(exc.code)
        if request.headers.get("HX-Request"):
            return render(
                request,
                "acquisition/_conversion_row.html",
                {
                    "integration": integration,
                    "c": callback,
                    "error": error,
                    "failures": dict(SendFailure.choices),
                },
                status=status,
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The callback will be sent again."))
        return redirect("acquisition:conversion_log", integration_id=integration.pk)
