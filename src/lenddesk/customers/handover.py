"""Departure step: a leaver's customers go to the chosen colleague, the public pool,
or round-robin over a team (registered with accounts.handover)."""

from django.db.models import F
from django.utils.translation import gettext as _

from lenddesk.accounts.handover import register_handover_step
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer
from lenddesk.customers.services.pool import default_pool
from lenddesk.customers.services.timeline import timeline
from lenddesk.customers.signals import tell_owner_changed


def hand_over_customers(*, actor, leaver, target) -> int:
    moved = 0
    pool = None
    for customer in Customer.objects.filter(owner=leaver).order_by("pk").iterator():
        owner = target.next_owner()
        if owner is None:
            pool = pool or default_pool()
        Customer.objects.filter(pk=customer.pk).update(
            owner=owner,
            pool=None if owner else pool,
            previous_owner=leaver,
            is_locked=False if owner is None else F("is_locked"),
            version=F("version") + 1,
        )
        timeline(
            customer,
            actor,
            "handover",
            _("Handed over from %(old)s to %(new)s")
            % {"old": leaver, "new": owner or _("the public pool")},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_HANDED_OVER,
            target=customer,
            changes={"owner": [leaver.pk, owner.pk if owner else None]},
        )
        if owner is not None:
            tell_owner_changed(
                actor=actor, customer_ids=[customer.pk], owner_id=owner.pk
            )
        moved += 1
    return moved


register_handover_step("customers", hand_over_customers)
