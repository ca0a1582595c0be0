"""The lead pipeline's evidence step (``customers.leads``): the consent and the first
touch a lead carries, written once it reached a customer. Registered with the
pipeline when the app is ready, so the customers app never imports this one."""

from __future__ import annotations

from dataclasses import asdict

from lenddesk.acquisition.attribution import (
    attribution_record,
    attribution_values,
    attributions_create,
)
from lenddesk.acquisition.consent import consent_records
from lenddesk.customers.leads import Lead, Outcome, register_evidence


def lead_evidence(leads: list[Lead]) -> None:
    """Consent of every lead that arrived, in one insert; the attribution of new
    customers in one insert, and (``Touch.known_too``) first-touch gaps of known ones
    filled one by one."""
    consents = [lead for lead in leads if lead.consent is not None]
    if consents:
        consent_records(
            [{"customer": lead.customer, **asdict(lead.consent)} for lead in consents]
        )
    touched = [lead for lead in leads if lead.touch is not None]
    attributions_create(
        [
            (lead.customer.pk, attribution_values(**_touch(lead)))
            for lead in touched
            if lead.outcome == Outcome.CREATED
        ]
    )
    for lead in touched:
        if lead.outcome != Outcome.CREATED and lead.touch.known_too:
            attribution_record(customer=lead.customer, **_touch(lead))


def _touch(lead: Lead) -> dict:
    touch = lead.touch
    campaign = touch.campaign
    if campaign is None:
        campaign = lead.customer.campaign or ""
    return {
        "source_kind": touch.source_kind,
        "channel": touch.channel,
        "ad_account": touch.ad_account,
        "campaign": campaign,
        "sharer": touch.sharer,
        "partner": touch.partner,
        "source_ref": touch.source_ref,
    }


register_evidence(lead_evidence)
