"""The firm's SMS wording: every template carries the firm's 【签名】 at the start and
the opt-out line (拒收请回复R, 回T退订 …) that carriers require; placeholders are
``{title}``, ``{body}`` and ``{firm}``. Kind ``*`` serves every kind without its own."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.notifications.errors import ChannelAudit, ChannelError, field_error
from lenddesk.notifications.kinds import KINDS
from lenddesk.notifications.models import SmsTemplate

FALLBACK_KIND = "*"
SIGNATURE = re.compile(r"^【([^【】\s]{2,12})】")
OPT_OUT = re.compile(
    r"拒收请回复\s*R|回\s*T[Dd]?\s*退订|退订\s*回复?\s*T[Dd]?|回\s*N\s*退订"
)
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("title", "body", "firm")
SMS_MAX = 300


def template_check(*, kind: str, text: str) -> str:
    """The text, trimmed, or ``ValidationError`` naming the field that is wrong."""
    text = (text or "").strip()
    if kind != FALLBACK_KIND and kind not in KINDS:
        raise field_error(
            "kind", _("Unknown kind of event."), ChannelError.UNKNOWN_KIND
        )
    if not SIGNATURE.match(text):
        raise field_error(
            "text",
            _("Start with the firm's signature in 【】, e.g. 【某某金服】."),
            ChannelError.TEMPLATE_NO_SIGNATURE,
        )
    if not OPT_OUT.search(text):
        raise field_error(
            "text",
            _("Add the opt-out wording, e.g. 拒收请回复R."),
            ChannelError.TEMPLATE_NO_OPT_OUT,
        )
    unknown = [p for p in PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
    if unknown:
        raise field_error(
            "text",
            _("Unknown placeholder {%(name)s}; use {title}, {body} or {firm}.")
            % {"name": unknown[0]},
            ChannelError.TEMPLATE_UNKNOWN_FIELD,
        )
    return text


@transaction.atomic
def sms_template_save(
    *, actor, kind: str, text: str, provider_code: str = ""
) -> SmsTemplate:
    text = template_check(kind=kind, text=text)
    template, created = SmsTemplate.objects.update_or_create(
        kind=kind,
        defaults={"text": text, "provider_code": (provider_code or "").strip()[:40]},
    )
    audit_record(
        actor=actor,
        action=ChannelAudit.TEMPLATE_SAVED,
        target=template,
        changes={"kind": kind, "created": created},
    )
    return template


@transaction.atomic
def sms_template_delete(*, actor, template: SmsTemplate) -> None:
    audit_record(
        actor=actor,
        action=ChannelAudit.TEMPLATE_DELETED,
        target=template,
        changes={"kind": template.kind},
    )
    template.delete()


def template_for(kind: str) -> SmsTemplate | None:
    rows = {
        t.kind: t for t in SmsTemplate.objects.filter(kind__in=[kind, FALLBACK_KIND])
    }
    return rows.get(kind) or rows.get(FALLBACK_KIND)


def render(template: SmsTemplate, *, title: str, body: str, firm: str) -> dict:
    """What an SMS adapter needs: the full text (simulated providers, logs of the
    provider), the sign name and the parameters (providers with registered
    templates, which hold the wording themselves)."""
    params = {"title": title[:60], "body": body[:120], "firm": firm[:30]}
    text = PLACEHOLDER.sub(lambda m: params.get(m.group(1), ""), template.text)
    return {
        "text": text[:SMS_MAX],
        "sign_name": SIGNATURE.match(template.text).group(1),
        "params": params,
        "provider_code": template.provider_code,
    }
