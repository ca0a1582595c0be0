"""Every write to API tokens: issue, revoke, prune."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lenddesk.accounts import grants
from lenddesk.accounts.models import ApiToken, User
from lenddesk.accounts.permissions import UserPermission
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record


@transaction.atomic
def token_issue(*, user: User, client: str = "api") -> tuple[ApiToken, str]:
    raw = ApiToken.new_raw(user.tenant_id)
    token = ApiToken.objects.create(
        tenant_id=user.tenant_id,
        user=user,
        key_hash=ApiToken.hash_secret(raw),
        prefix=raw[:12],
        client=client,
        session_epoch=user.session_epoch,
        expires_at=timezone.now() + settings.API_TOKEN_TTL,
    )
    audit_record(actor=user, action=AuditAction.TOKEN_ISSUED, target=token)
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> bool:
    """End one token: one's own, or (with ``user.change``) a colleague's who holds no
    more than the actor. False when it had already ended."""
    if token.user_id != actor.pk:
        if not actor.has_code(UserPermission.CHANGE):
            raise PermissionDenied
        grants.ensure_may_manage(actor, token.user)
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_REVOKED,
            target=token,
            changes={"user": token.user_id, "prefix": token.prefix},
        )
    return bool(revoked)


@transaction.atomic
def tokens_revoke_own(*, actor: User) -> int:
    """Log-out with "also end my API tokens": every live token of the actor."""
    live = list(
        ApiToken.objects.filter(
            user=actor, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("pk")
    )
    return sum(token_revoke(actor=actor, token=token) for token in live)


@transaction.atomic
def tokens_prune(*, older_than: dt.timedelta | None = None) -> int:
    """Delete tokens that expired or were revoked more than a day ago (housekeeping:
    an unusable token carries no history worth keeping; issue and revoke are audited)."""
    cutoff = timezone.now() - (older_than or dt.timedelta(days=1))
    deleted, _ = ApiToken.objects.filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    ).delete()
    return deleted
