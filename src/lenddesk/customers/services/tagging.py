"""Tags on customers: clean tag names, and the firm's tag rules applied to new and
changed customers (and, in the background, to everyone once a rule is added)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lenddesk.customers.models import Customer, Tag, TagRule
from lenddesk.tenancy.context import require_current_tenant, tenant_context

MAX_TAGS = 20


def clean_tag_names(names, *, field: str = "tags") -> list[str]:
    """Distinct tag names, each at most the column's length, at most ``MAX_TAGS``;
    errors name ``field`` (the page's and the API's ``tags``)."""
    clean = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    limit = Tag._meta.get_field("name").max_length
    too_long = [n for n in clean if len(n) > limit]
    if too_long:
        raise ValidationError(
            {
                field: _("A tag has at most %(n)d characters: %(tag)s")
                % {"n": limit, "tag": too_long[0][:limit] + "…"}
            }
        )
    if len(clean) > MAX_TAGS:
        raise ValidationError(
            {
                field: _("At most %(n)d tags per customer (%(given)d given).")
                % {"n": MAX_TAGS, "given": len(clean)}
            }
        )
    return clean


def tags_named(names) -> list[Tag]:
    """The tags of these names, created when new."""
    tags = []
    for name in clean_tag_names(names):
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def customer_tag_add(*, customer: Customer, name: str) -> bool:
    """Put one tag on a customer (a system flag such as a renewal opportunity); the
    customer row itself is not changed. True when the tag was not there yet."""
    [tag] = tags_named([name])
    through = Customer.tags.through
    _link, created = through.objects.get_or_create(
        customer_id=customer.pk, tag_id=tag.pk
    )
    return created


def apply_tag_rules(customers: list[Customer]) -> int:
    """Add rule-based tags; one query for the rules and one bulk insert for the links."""
    rules = list(TagRule.objects.select_related("tag"))
    if not rules or not customers:
        return 0
    through = Customer.tags.through
    existing = set(
        through.objects.filter(customer_id__in=[c.pk for c in customers]).values_list(
            "customer_id", "tag_id"
        )
    )
    links = {
        (c.pk, rule.tag_id)
        for c in customers
        for rule in rules
        if rule.matches(c) and (c.pk, rule.tag_id) not in existing
    }
    through.objects.bulk_create([through(customer_id=c, tag_id=t) for c, t in links])
    return len(links)


def apply_tag_rules_everywhere(*, chunk: int = 2000) -> int:
    """Existing customers get a new rule's tag too, in committed chunks."""
    tenant = require_current_tenant()
    added, last = 0, 0
    while True:
        with tenant_context(tenant):
            batch = list(Customer.objects.filter(pk__gt=last).order_by("pk")[:chunk])
            if not batch:
                return added
            added += apply_tag_rules(batch)
        last = batch[-1].pk
