"""Pages: 消息设置 (the firm's channels and SMS templates), 我的通知偏好 (each
person's kind × channel matrix) and 发送记录 (the outbox, with resend)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lenddesk.notifications import outbox_admin, preferences
from lenddesk.notifications.channel_forms import (
    ChannelForm,
    SmsTemplateForm,
    WechatBindForm,
)
from lenddesk.notifications.channel_settings import channel_config_save, channel_configs
from lenddesk.notifications.kinds import kind_label
from lenddesk.notifications.models import Channel, OutboxStatus, SmsTemplate
from lenddesk.notifications.permissions import ChannelPermission as P
from lenddesk.notifications.sms_templates import sms_template_delete, sms_template_save
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit


def _channel_form(config, data=None):
    return ChannelForm(
        data,
        channel=config.channel,
        hint=config.credentials_hint,
        initial={
            "enabled": config.enabled,
            "provider": config.provider,
            "default_kinds": config.default_kinds,
        },
        prefix=config.channel,
    )


class ChannelSettingsView(StaffView):
    permissions = {"GET": (P.CHANNELS,)}

    def get(self, request):
        return self.page(request)

    def page(self, request, *, bound=None, template_form=None, status=200):
        configs = channel_configs()
        cards = [
            {
                "config": c,
                "form": bound if bound and bound.channel == ch else _channel_form(c),
            }
            for ch, c in configs.items()
        ]
        templates = [
            {
                "row": t,
                "label": kind_label(t.kind) if t.kind != "*" else _("Every other kind"),
            }
            for t in SmsTemplate.objects.order_by("kind")
        ]
        return render(
            request,
            "notifications/channels.html",
            {
                "cards": cards,
                "templates": templates,
                "template_form": template_form or SmsTemplateForm(),
            },
            status=status,
        )


class ChannelSaveView(ChannelSettingsView):
    permissions = {"POST": (P.CHANNELS,)}

    def post(self, request, channel: str):
        if channel not in Channel.values:
            raise Http404
        form = _channel_form(channel_configs()[channel], request.POST)
        done = form_submit(
            request,
            form,
            lambda d: channel_config_save(
                actor=request.user,
                channel=channel,
                enabled=d["enabled"],
                provider=d["provider"],
                default_kinds=d["default_kinds"],
                credentials=form.credentials(),
            ),
            success=_("Channel saved."),
            redirect_to="notifications:channels",
        )
        return done or self.page(request, bound=form, status=400)


class SmsTemplateSaveView(ChannelSettingsView):
    permissions = {"POST": (P.CHANNELS,)}

    def post(self, request):
        form = SmsTemplateForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda d: sms_template_save(actor=request.user, **d),
            success=_("SMS template saved."),
            redirect_to="notifications:channels",
        )
        return done or self.page(request, template_form=form, status=400)


class SmsTemplateDeleteView(StaffView):
    permissions = {"POST": (P.CHANNELS,)}

    def post(self, request, pk: int):
        template = get_object_or_404(SmsTemplate.objects.all(), pk=pk)
        sms_template_delete(actor=request.user, template=template)
        messages.success(request, _("SMS template deleted."))
        return redirect("notifications:channels")


class PreferencesView(StaffView):
    permissions = {"GET": (), "POST": ()}

    def get(self, request, *, wechat_form=None, status=200):
        rows = preferences.preference_matrix(actor=request.user)
        live = [
            c
            for c in Channel
            if rows and any(x["channel"] == c for x in rows[0]["cells"])
        ]
        return render(
            request,
            "notifications/preferences.html",
            {
                "rows": rows,
                "live": live,
                "wechat_form": wechat_form
                or WechatBindForm(
                    initial={"openid": preferences.wechat_openid(actor=request.user)}
                ),
                "wechat_live": Channel.WECHAT in live,
            },
            status=status,
        )

    def post(self, request):
        if "openid" in request.POST:
            form = WechatBindForm(request.POST)
            done = form_submit(
                request,
                form,
                lambda d: preferences.wechat_bind(
                    actor=request.user, openid=d["openid"]
                ),
                success=_("WeChat binding saved."),
                redirect_to="notifications:preferences",
            )
            return done or self.get(request, wechat_form=form, status=400)
        try:
            preferences.preferences_save(
                actor=request.user, selected=request.POST.getlist("on")[:500]
            )
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            response = self.get(request, status=400)
            return response
        messages.success(request, _("Preferences saved."))
        return redirect("notifications:preferences")


class OutboxView(StaffView):
    permissions = {"GET": (P.OUTBOX,)}

    def get(self, request):
        status = request.GET.get("status", "")
        channel = request.GET.get("channel", "")
        sort = request.GET.get("sort", "new")
        rows = outbox_admin.outbox_list(
            actor=request.user, status=status, channel=channel, sort=sort
        )
        return render(
            request,
            "notifications/outbox.html",
            {
                "page": list_page(request, rows),
                "counts": outbox_admin.outbox_counts(actor=request.user),
                "statuses": OutboxStatus.choices,
                "channels": Channel.choices,
                "status": status if status in OutboxStatus.values else "",
                "channel": channel if channel in Channel.values else "",
                "sort": sort if sort in outbox_admin.SORTS else "new",
            },
        )


class OutboxRetryView(StaffView):
    permissions = {"POST": (P.OUTBOX,)}

    def post(self, request, pk: int):
        message = outbox_admin.outbox_get(actor=request.user, pk=pk)
        try:
            outbox_admin.outbox_retry(actor=request.user, message=message)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("notifications:outbox")
        messages.success(request, _("The message will be sent again."))
        return redirect("notifications:outbox")


class ChannelTestView(StaffView):
    permissions = {"POST": (P.CHANNELS,)}

    def post(self, request, channel: str):
        if channel not in Channel.values:
            raise Http404
        outbox_admin.channel_test(actor=request.user, channel=channel)
        messages.success(
            request, _("A test message to you is on its way: see the send log.")
        )
        return redirect("notifications:outbox")
