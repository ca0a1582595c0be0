"""Staff management of partners: approval and the other status changes, moving a
partner with their downline in the upline tree (never deeper than the firm allows,
never into a loop), and the account manager who receives their referrals."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.models import Partner, PartnerStatus
from lenddesk.partners.rules import lock_tree

# action -> (from states, to state, audit action)
TRANSITIONS = {
    "approve": (
        (PartnerStatus.PENDING,),
        PartnerStatus.ACTIVE,
        AuditAction.PARTNER_APPROVED,
    ),
    "disable": (
        (PartnerStatus.PENDING, PartnerStatus.ACTIVE),
        PartnerStatus.DISABLED,
        AuditAction.PARTNER_DISABLED,
    ),
    "enable": (
        (PartnerStatus.DISABLED,),
        PartnerStatus.ACTIVE,
        AuditAction.PARTNER_ENABLED,
    ),
}


@transaction.atomic
def partner_change_status(*, actor: User, partner: Partner, action: str) -> Partner:
    """Approve, disable or re-enable. Disabling ends the partner's portal sessions."""
    sources, target, audit_action = TRANSITIONS[action]
    updates: dict = {"status": target}
    if action == "approve":
        updates.update(approved_at=timezone.now(), approved_by=actor)
    if target == PartnerStatus.DISABLED:
        updates["session_epoch"] = F("session_epoch") + 1
    won = Partner.objects.filter(pk=partner.pk, status__in=sources).update(**updates)
    if not won:
        partner.refresh_from_db(fields=["status"])
        raise ValidationError(
            _("This partner is now “%(status)s”; that cannot be changed this way.")
            % {"status": partner.get_status_display()},
            code=PartnerError.BAD_STATUS,
        )
    before = partner.status
    partner.refresh_from_db()
    audit_record(
        actor=actor,
        action=audit_action,
        target=partner,
        changes={"status": [before, partner.status]},
    )
    return partner


def partner_approve(*, actor: User, partner: Partner) -> Partner:
    return partner_change_status(actor=actor, partner=partner, action="approve")


def partner_disable(*, actor: User, partner: Partner) -> Partner:
    return partner_change_status(actor=actor, partner=partner, action="disable")


def partner_enable(*, actor: User, partner: Partner) -> Partner:
    return partner_change_status(actor=actor, partner=partner, action="enable")


def descendant_layers(partner: Partner) -> list[list[int]]:
    """Ids of the partner's downline, level by level (one query per level)."""
    layers: list[list[int]] = []
    seen = {partner.pk}
    frontier = [partner.pk]
    while frontier:
        children = [
            pk
            for pk in Partner.objects.filter(upline_id__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in seen
        ]
        if not children:
            break
        seen.update(children)
        layers.append(children)
        frontier = children
    return layers


@transaction.atomic
def partner_move(
    *, actor: User, partner: Partner, new_upline: Partner | None
) -> Partner:
    """Put ``partner`` (with its whole downline) under ``new_upline``, or at the top.
    Refused when any partner of the moved subtree would end up deeper than the firm
    allows, or when the new upline is the partner itself or in its downline."""
    limit = lock_tree().max_depth
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if new_upline is not None:
        new_upline = Partner.objects.get(pk=new_upline.pk)
    old_upline_id, old_level = partner.upline_id, partner.level
    new_upline_id = new_upline.pk if new_upline else None
    if new_upline_id == old_upline_id:
        return partner
    layers = descendant_layers(partner)
    below = {pk for layer in layers for pk in layer}
    _check_new_upline(partner, new_upline, below)
    new_level = new_upline.level + 1 if new_upline else 1
    _check_depth(partner, new_upline, new_level + len(layers), limit, bool(layers))
    Partner.objects.filter(pk=partner.pk).update(upline=new_upline, level=new_level)
    for depth, layer in enumerate(layers, start=1):
        Partner.objects.filter(pk__in=layer).update(level=new_level + depth)
    partner.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.PARTNER_UPLINE_CHANGED,
        target=partner,
        changes={
            "upline": [old_upline_id, new_upline_id],
            "level": [old_level, new_level],
            "downline_moved": len(below),
        },
    )
    return partner


def _check_new_upline(partner: Partner, new_upline: Partner | None, below: set):
    """Refuse a loop (the partner itself or their downline) and a disabled upline."""
    if new_upline is None:
        return
    if new_upline.pk == partner.pk or new_upline.pk in below:
        raise ValidationError(
            {
                "upline": ValidationError(
                    _(
                        "%(upline)s is %(partner)s or in their own downline; moving "
                        "there would make a loop."
                    )
                    % {"upline": new_upline, "partner": partner},
                    code=PartnerError.CYCLE,
                )
            }
        )
    if new_upline.status == PartnerStatus.DISABLED:
        raise ValidationError(
            {
                "upline": ValidationError(
                    _("%(upline)s is disabled and cannot take sub-partners.")
                    % {"upline": new_upline},
                    code=PartnerError.UPLINE_INACTIVE,
                )
            }
        )


def _check_depth(partner, new_upline, deepest: int, limit: int, downline: bool):
    """Refuse a move that puts anyone of the subtree deeper than the firm allows."""
    if deepest <= limit:
        return
    if downline:
        message = _(
            "Moving %(partner)s under %(upline)s would put their downline at "
            "level %(deepest)d; your firm allows %(limit)d level(s)."
        )
    else:
        message = _(
            "Moving %(partner)s under %(upline)s would make them a level-"
            "%(deepest)d partner; your firm allows %(limit)d level(s)."
        )
    raise ValidationError(
        {
            "upline": ValidationError(
                message
                % {
                    "partner": partner,
                    "upline": new_upline,
                    "deepest": deepest,
                    "limit": limit,
                },
                code=PartnerError.DEPTH_EXCEEDED,
            )
        }
    )


@transaction.atomic
def partner_set_manager(
    *, actor: User, partner: Partner, manager: User | None
) -> Partner:
    """The staff member who receives the partner's referrals (else the public pool)."""
    if manager is not None and manager.status != UserStatus.ACTIVE:
        raise ValidationError(
            {"manager": _("Choose an active colleague as account manager.")}
        )
    before = partner.manager_id
    Partner.objects.filter(pk=partner.pk).update(manager=manager)
    partner.refresh_from_db()
    if before != partner.manager_id:
        audit_record(
            actor=actor,
            action=AuditAction.PARTNER_MANAGER_CHANGED,
            target=partner,
            changes={"manager": [before, partner.manager_id]},
        )
    return partner
