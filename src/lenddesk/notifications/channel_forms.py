"""Forms of 消息设置 and 我的通知偏好; field errors name the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.notifications.channels import CREDENTIAL_KEYS, PROVIDERS
from lenddesk.notifications.kinds import KINDS
from lenddesk.notifications.sms_templates import FALLBACK_KIND

CREDENTIAL_LABELS = {
    "access_key_id": _("AccessKey ID"),
    "access_key_secret": _("AccessKey secret"),
    "app_id": _("AppID"),
    "app_secret": _("AppSecret"),
    "template_id": _("Template ID"),
}


def _kind_choices():
    return [(k, label) for k, label in KINDS.items()]


class ChannelForm(forms.Form):
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    provider = forms.ChoiceField(label=_("Provider"))
    default_kinds = forms.MultipleChoiceField(
        label=_("Sent by default for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, channel: str, hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["provider"].choices = PROVIDERS[channel]
        self.fields["default_kinds"].choices = _kind_choices()
        keys = sorted(
            {k for p, _l in PROVIDERS[channel] for k in CREDENTIAL_KEYS.get(p, ())}
        )
        for key in keys:
            self.fields[key] = forms.CharField(
                label=CREDENTIAL_LABELS[key],
                required=False,
                max_length=200,
                strip=True,
                widget=forms.PasswordInput(
                    render_value=False,
                    attrs={"placeholder": hint or ""},
                ),
                help_text=_("Leave empty to keep what is stored."),
            )
        self.credential_keys = keys

    def credentials(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k, "") for k in self.credential_keys}


class SmsTemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of event"))
    text = forms.CharField(
        label=_("Text"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "【Signature】 first, then the wording with {title}, {body} or {firm}, "
            "and the opt-out line, e.g. 拒收请回复R."
        ),
    )
    provider_code = forms.CharField(
        label=_("Provider template code"), max_length=40, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (FALLBACK_KIND, _("Every other kind")),
            *_kind_choices(),
        ]


class WechatBindForm(forms.Form):
    openid = forms.RegexField(
        label=_("WeChat openid"),
        regex=r"^[A-Za-z0-9_-]{6,64}$",
        required=False,
        error_messages={"invalid": _("An openid has 6 to 64 letters, digits, - or _.")},
    )
