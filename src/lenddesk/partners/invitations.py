"""Invitation links: a staff member's (top-level or under a partner) and a partner's
own reusable link for sub-partners, each checked against the depth rule."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.models import Partner, PartnerInvitation, PartnerStatus
from lenddesk.partners.rules import PartnerActor, depth_error, partner_settings

INVITATION_DAYS = 30


def _new_code() -> str:
    return secrets.token_urlsafe(16)


def invitation_problem(invitation: PartnerInvitation, *, limit: int) -> str | None:
    """Why nobody can join through this link now, or None when it works."""
    now = timezone.now()
    if invitation.revoked_at is not None:
        return _("This invitation link has been withdrawn.")
    if invitation.expires_at is not None and invitation.expires_at < now:
        return _("This invitation link has expired. Ask for a new one.")
    if invitation.upline_id and invitation.upline.status != PartnerStatus.ACTIVE:
        return _("The partner who invited you cannot invite anyone at the moment.")
    if invitation.level > limit:
        return _(
            "Your firm allows partners at most %(limit)d level(s) deep; joining "
            "through this link would make you a level-%(level)d partner. Ask the firm "
            "for a direct invitation."
        ) % {"limit": limit, "level": invitation.level}
    return None


def _check_upline_can_invite(upline: Partner | None, limit: int) -> int:
    level = upline.level + 1 if upline is not None else 1
    if upline is not None and upline.status != PartnerStatus.ACTIVE:
        raise ValidationError(
            {
                "upline": ValidationError(
                    _("Only an active partner can invite sub-partners."),
                    code=PartnerError.UPLINE_INACTIVE,
                )
            }
        )
    if level > limit:
        raise depth_error(level=level, limit=limit)
    return level


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    upline: Partner | None = None,
    manager: User | None = None,
    note: str = "",
    valid_days: int | None = INVITATION_DAYS,
) -> PartnerInvitation:
    """A staff member's invitation link: top-level, or under ``upline``."""
    level = _check_upline_can_invite(upline, partner_settings().max_depth)
    if manager is None:
        manager = upline.manager if upline is not None else actor
    if valid_days is not None and not 1 <= int(valid_days) <= 365:
        raise ValidationError(
            {"valid_days": _("Choose between 1 and 365 days, or leave it empty.")}
        )
    invitation = PartnerInvitation.objects.create(
        code=_new_code(),
        upline=upline,
        manager=manager,
        created_by=actor,
        note=(note or "").strip()[:120],
        expires_at=timezone.now() + dt.timedelta(days=int(valid_days))
        if valid_days
        else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.PARTNER_INVITED,
        target=invitation,
        changes={
            "upline": upline.pk if upline else None,
            "level": level,
            "manager": manager.pk if manager else None,
        },
    )
    return invitation


@transaction.atomic
def partner_own_invitation(*, partner: Partner) -> PartnerInvitation:
    """The partner's own reusable link for sub-partners, made the first time."""
    _check_upline_can_invite(partner, partner_settings().max_depth)
    existing = (
        PartnerInvitation.objects.filter(
            upline=partner, created_by__isnull=True, revoked_at__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    invitation = PartnerInvitation.objects.create(
        code=_new_code(), upline=partner, manager=partner.manager
    )
    audit_record(
        actor=PartnerActor(partner),
        action=AuditAction.PARTNER_INVITED,
        target=invitation,
        changes={"upline": partner.pk, "level": partner.level + 1},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: PartnerInvitation) -> None:
    won = PartnerInvitation.objects.filter(
        pk=invitation.pk, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not won:
        raise ValidationError(_("This invitation was already withdrawn."))
    audit_record(
        actor=actor, action=AuditAction.PARTNER_INVITATION_REVOKED, target=invitation
    )
