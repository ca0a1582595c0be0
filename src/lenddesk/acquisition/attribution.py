"""Where a customer came from: the first touch (channel, ad account, campaign, the
staff member who shared, the partner who referred), kept once per customer."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from lenddesk.acquisition.models import Attribution, ChannelKind
from lenddesk.tenancy.bulk import bulk_insert

_PARTS = ("channel", "ad_account", "campaign", "sharer", "partner")


def attribution_values(
    *,
    source_kind: str,
    channel=None,
    ad_account=None,
    campaign: str = "",
    sharer=None,
    partner=None,
    source_ref: str = "",
) -> dict:
    """An attribution's values as stored (unknown kinds are "other", the channel is
    the ad account's when not given)."""
    if source_kind not in ChannelKind.values:
        source_kind = ChannelKind.OTHER
    if channel is None and ad_account is not None:
        channel = ad_account.channel
    return {
        "source_kind": source_kind,
        "source_ref": (source_ref or "")[:120],
        "channel": channel,
        "ad_account": ad_account,
        "campaign": (campaign or "")[:80],
        "sharer": sharer,
        "partner": partner,
    }


def attributions_create(pairs: list[tuple[int, dict]]) -> None:
    """The first attribution of new customers (``(customer id, attribution_values)``)
    in one insert: nobody else can have touched them yet."""
    bulk_insert(
        Attribution,
        [Attribution(customer_id=pk, **values) for pk, values in pairs],
    )


@transaction.atomic
def attribution_record(
    *,
    customer,
    source_kind: str,
    channel=None,
    ad_account=None,
    campaign: str = "",
    sharer=None,
    partner=None,
    source_ref: str = "",
) -> Attribution:
    """First touch wins: a customer's existing attribution is kept and only its empty
    parts are filled in by a later touch."""
    given = attribution_values(
        source_kind=source_kind,
        channel=channel,
        ad_account=ad_account,
        campaign=campaign,
        sharer=sharer,
        partner=partner,
        source_ref=source_ref,
    )
    attribution = (
        Attribution.objects.select_for_update().filter(customer=customer).first()
    )
    if attribution is None:
        try:
            with transaction.atomic():
                return Attribution.objects.create(customer=customer, **given)
        except IntegrityError:
            attribution = Attribution.objects.select_for_update().get(customer=customer)
    changed = []
    for part in _PARTS:
        value = given[part]
        if value and not getattr(attribution, part):
            setattr(attribution, part, value)
            changed.append(part)
    if not attribution.source_ref and given["source_ref"]:
        attribution.source_ref = given["source_ref"]
        changed.append("source_ref")
    if changed:
        attribution.save(update_fields=changed)
    return attribution
