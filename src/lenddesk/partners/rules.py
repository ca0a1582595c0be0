"""The firm's partner rules (how many levels deep, whether sign-ups wait for
approval), the depth rule's errors, and who acted when a partner did something.

Joining is free and nothing here pays for recruiting: commissions (finance module) are
only ever earned on funded loans (禁止传销条例 art. 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.models import MAX_DEPTH, MIN_DEPTH, Partner, PartnerSettings


@dataclass(frozen=True)
class PartnerActor:
    """Who acted, for the audit log, when a partner (not a staff user) did something."""

    partner: Partner

    def __str__(self) -> str:
        return "%s (partner #%s)" % (self.partner.name, self.partner.pk)


def partner_settings() -> PartnerSettings:
    row, _created = PartnerSettings.objects.get_or_create()
    return row


def lock_tree() -> PartnerSettings:
    """Lock the firm's settings row: sign-ups and moves of one firm run one at a time
    (a row lock on PostgreSQL; SQLite serialises writers anyway)."""
    row = partner_settings()
    return PartnerSettings.objects.select_for_update().get(pk=row.pk)


def _depth_message() -> str:
    return _("Partner levels must be a whole number from %(min)d to %(max)d.") % {
        "min": MIN_DEPTH,
        "max": MAX_DEPTH,
    }


def clean_depth(value) -> int:
    try:
        depth = int(str(value).strip())
    except (TypeError, ValueError):
        depth = 0
    if not MIN_DEPTH <= depth <= MAX_DEPTH:
        raise ValidationError(
            {
                "max_depth": ValidationError(
                    _depth_message(), code=PartnerError.DEPTH_EXCEEDED
                )
            }
        )
    return depth


@transaction.atomic
def partner_settings_update(
    *, actor: User, max_depth, auto_approve: bool
) -> PartnerSettings:
    depth = clean_depth(max_depth)
    row = lock_tree()
    before = {"max_depth": row.max_depth, "auto_approve": row.auto_approve}
    row.max_depth = depth
    row.auto_approve = bool(auto_approve)
    row.save(update_fields=["max_depth", "auto_approve", "updated_at"])
    changes = diff(before, {"max_depth": depth, "auto_approve": row.auto_approve})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.PARTNER_SETTINGS_CHANGED,
            target=row,
            object_repr=_("Partner settings"),
            changes=changes,
        )
    return row


def deeper_than_limit(limit: int) -> int:
    """Partners already deeper than ``limit`` (they keep their place but cannot
    invite anyone)."""
    return Partner.objects.filter(level__gt=limit).count()


def depth_error(*, level: int, limit: int, field: str = "upline") -> ValidationError:
    return ValidationError(
        {
            field: ValidationError(
                _(
                    "Your firm allows partners at most %(limit)d level(s) deep; this "
                    "would make a partner at level %(level)d. Ask the firm to invite "
                    "this person directly."
                )
                % {"limit": limit, "level": level},
                code=PartnerError.DEPTH_EXCEEDED,
            )
        }
    )
