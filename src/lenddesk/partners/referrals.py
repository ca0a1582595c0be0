"""A partner refers a customer: through the one lead pipeline (``customers.leads``)
to the partner's account manager (else the public pool), with the customer's consent
kept against the notice version they saw and the partner named in the attribution.
A person the firm already knows is not credited to the partner."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.accounts.models import UserStatus
from lenddesk.acquisition.models import ChannelKind, ConsentSource
from lenddesk.acquisition.services import channel_for, current_notice
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers import leads
from lenddesk.notifications.services import notify
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.models import Partner, PartnerReferral, PartnerStatus
from lenddesk.partners.rules import PartnerActor
from lenddesk.web.cache import count_hit

# The firm's channel for partner referrals. Channel names are firm data (Chinese first).
PARTNER_CHANNEL = "渠道合伙人"
REFERRALS_PER_HOUR = 30


def referral_quota_left(partner: Partner) -> bool:
    key = "partner-referrals:%d:%d" % (partner.tenant_id, partner.pk)
    return count_hit(key, 3600) <= REFERRALS_PER_HOUR


@transaction.atomic
def referral_create(
    *,
    partner: Partner,
    name: str,
    phone: str,
    city: str = "",
    amount: Decimal | None = None,
    consent: bool,
    notice_version: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> PartnerReferral:
    """A partner refers a customer: the customer goes to the partner's account manager
    (else the public pool), the consent is kept against the notice version the
    customer saw, and the attribution names the partner. A person the firm already
    knows is not credited to the partner."""
    notice = _check_referral(partner, consent, notice_version)
    channel = channel_for(name=PARTNER_CHANNEL, kind=ChannelKind.PARTNER)
    manager = partner.manager
    ref = "partner:%d" % partner.pk
    lead = leads.Lead(
        values={
            "name": name,
            "city": (city or "").strip()[:40],
            "demand_amount": amount,
            "channel": channel.name,
        },
        source=_("partner %s") % partner.name,
        phone=phone,
        owner=manager if manager and manager.status == UserStatus.ACTIVE else None,
        consent=leads.Consent(
            notice_version=notice.version,
            source=ConsentSource.PARTNER,
            source_ref=ref,
            purposes=("loan_brokerage",),
            evidence={"partner": partner.pk, "checkbox": True, "notice": notice.pk},
            ip_address=ip_address,
            user_agent=user_agent,
        ),
        touch=leads.Touch(
            source_kind=ChannelKind.PARTNER,
            channel=channel,
            partner=partner,
            source_ref=ref,
        ),
    )
    # Nobody at the firm acted: a known customer just gets a "came again" note.
    leads.lead_take(lead, leads.LeadRun(may_refuse=False))
    return _referral(partner, lead)


def _check_referral(partner: Partner, consent: bool, notice_version: str):
    """The current privacy notice, when an active partner's customer agreed to it."""
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(
            _("Only an active partner can refer customers."),
            code=PartnerError.BAD_STATUS,
        )
    notice = current_notice()
    if notice is None:
        raise ValidationError(
            _(
                "The firm has not published its privacy notice yet, so referrals "
                "cannot be taken. Please tell your account manager."
            ),
            code=PartnerError.NO_NOTICE,
        )
    if not consent:
        raise ValidationError(
            {
                "consent": ValidationError(
                    _(
                        "The customer must agree to the privacy notice before you "
                        "refer them."
                    ),
                    code=PartnerError.CONSENT_REQUIRED,
                )
            }
        )
    if (notice_version or "").strip() != notice.version:
        raise ValidationError(
            {
                "consent": ValidationError(
                    _(
                        "The privacy notice has changed. Show the customer the new "
                        "version and tick the box again."
                    ),
                    code=PartnerError.NOTICE_CHANGED,
                )
            }
        )
    return notice


def _referral(partner: Partner, lead: leads.Lead) -> PartnerReferral:
    """The referral, credited when it made a new customer; the audit entry; the
    customer's owner hears of a credited one."""
    customer = lead.customer
    credited = lead.outcome == leads.Outcome.CREATED and lead.existing_id is None
    referral = PartnerReferral.objects.create(
        partner=partner, customer=customer, credited=credited
    )
    audit_record(
        actor=PartnerActor(partner),
        action=AuditAction.PARTNER_REFERRAL,
        target=referral,
        changes={
            "customer": customer.pk,
            "credited": credited,
            "owner": customer.owner_id,
            "pool": customer.pool_id,
        },
    )
    if credited and customer.owner is not None:
        notify(
            recipients=[customer.owner],
            kind="partners.referral",
            title=_("New customer from partner %(partner)s: %(customer)s")
            % {"partner": partner.name, "customer": customer.name},
            url=reverse("customers:detail", args=[customer.pk]),
            target=customer,
        )
    return referral
