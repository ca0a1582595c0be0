"""Every write to partners: the firm's settings, invitations, sign-up and log-in, approval,
the upline tree (a move keeps the depth rule for the whole subtree and never makes a
loop), account managers and referrals.

Joining is free and nothing here pays for recruiting: commissions (finance module) are
only ever earned on funded loans (禁止传销条例 art. 2).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.acquisition.models import ChannelKind, ConsentSource
from lenddesk.acquisition.services import (
    attribution_record,
    channel_for,
    consent_record,
    current_notice,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.errors import CustomerError
from lenddesk.customers.models import DuplicatePolicy
from lenddesk.customers.services import customer_create, pool_rules
from lenddesk.notifications.services import notify
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.models import (
    MAX_DEPTH,
    MIN_DEPTH,
    Partner,
    PartnerInvitation,
    PartnerReferral,
    PartnerSettings,
    PartnerStatus,
)
from lenddesk.security.crypto import normalize_phone
from lenddesk.security.fields import exact_lookup
from lenddesk.security.masking import mask_phone
from lenddesk.security.text import clean_texts
from lenddesk.tenancy.context import require_current_tenant
from lenddesk.web.cache import count_hit, forget_count, hit_counts

# The firm's channel for partner referrals. Channel names are firm data (Chinese first).
PARTNER_CHANNEL = "渠道合伙人"
INVITATION_DAYS = 30
FAILURE_WINDOW = 15 * 60
IP_FAILURE_LIMIT = 50
IP_FAILURE_WINDOW = 10 * 60
REFERRALS_PER_HOUR = 30


@dataclass(frozen=True)
class PartnerActor:
    """Who acted, for the audit log, when a partner (not a staff user) did something."""

    partner: Partner

    def __str__(self) -> str:
        return "%s (partner #%s)" % (self.partner.name, self.partner.pk)


# --- settings -----------------------------------------------------------------------


def partner_settings() -> PartnerSettings:
    row, _created = PartnerSettings.objects.get_or_create()
    return row


def _lock_tree() -> PartnerSettings:
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
    row = _lock_tree()
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


# --- invitations --------------------------------------------------------------------


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


# --- sign-up and log-in -------------------------------------------------------------


@transaction.atomic
def partner_signup(
    *,
    invitation: PartnerInvitation,
    name: str,
    phone: str,
    password: str,
    city: str = "",
) -> Partner:
    """Join through an invitation (free). The depth rule is checked again here: the
    firm's limit or the inviter's place may have changed since the link was made."""
    settings_row = _lock_tree()
    invitation = PartnerInvitation.objects.select_related("upline").get(
        pk=invitation.pk
    )
    problem = invitation_problem(invitation, limit=settings_row.max_depth)
    if problem:
        code = (
            PartnerError.DEPTH_EXCEEDED
            if invitation.level > settings_row.max_depth
            else PartnerError.INVITATION_INVALID
        )
        raise ValidationError(problem, code=code)
    texts = {"name": name or "", "city": city or ""}
    errors: dict[str, list] = clean_texts(texts)
    name, city = texts["name"], texts["city"]
    if not name and "name" not in errors:
        errors["name"] = [_("Enter your name.")]
    try:
        validate_password(password or "")
    except ValidationError as exc:
        errors["password"] = exc.messages
    active = settings_row.auto_approve
    partner = Partner(
        name=name[:80],
        city=(city or "").strip()[:40],
        upline=invitation.upline,
        level=invitation.level,
        manager=_manager_for(invitation),
        invitation=invitation,
        status=PartnerStatus.ACTIVE if active else PartnerStatus.PENDING,
        approved_at=timezone.now() if active else None,
    )
    try:
        partner.set_secret("phone", phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not partner.phone_index and "phone" not in errors:
        errors["phone"] = [_("Enter your mobile number.")]
    if (
        partner.phone_index
        and Partner.objects.filter(phone_index=partner.phone_index).exists()
    ):
        errors["phone"] = [_phone_taken()]
    if errors:
        raise ValidationError(errors)
    partner.password = make_password(password)
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise ValidationError({"phone": _phone_taken()}) from None
    PartnerInvitation.objects.filter(pk=invitation.pk).update(uses=F("uses") + 1)
    audit_record(
        actor=PartnerActor(partner),
        action=AuditAction.PARTNER_SIGNED_UP,
        target=partner,
        changes={
            "upline": partner.upline_id,
            "level": partner.level,
            "status": partner.status,
            "invitation": invitation.pk,
            "phone": "set",
        },
    )
    if partner.status == PartnerStatus.PENDING and partner.manager is not None:
        notify(
            recipients=[partner.manager],
            kind="partners.pending",
            title=_("Partner %s is awaiting approval") % partner.name,
            url=reverse("partners:detail", args=[partner.pk]),
            target=partner,
        )
    return partner


def _manager_for(invitation: PartnerInvitation) -> User | None:
    """A partner's own link follows the inviter's current account manager; a staff
    link keeps the manager chosen when it was made."""
    if invitation.upline_id and invitation.created_by_id is None:
        return invitation.upline.manager
    return invitation.manager


def _phone_taken() -> ValidationError:
    return ValidationError(
        _("A partner with this mobile number already exists. Log in instead."),
        code=PartnerError.PHONE_TAKEN,
    )


def _login_keys(phone: str) -> tuple[str, str]:
    tenant = require_current_tenant()
    ident = (phone or "").strip().lower()
    digest = salted_hmac("partner-login", "%d|%s" % (tenant.pk, ident)).hexdigest()
    return "partner-login-fail:%s" % digest[:40], "partner-login-lock:%s" % digest[:40]


def _count(key: str, window: int) -> int:
    return count_hit(key, window)


def _locked_error(minutes: int) -> ValidationError:
    return ValidationError(
        _(
            "Too many failed log-ins. For your safety, log-in is locked for "
            "%(minutes)d minutes."
        )
        % {"minutes": minutes},
        code=PartnerError.LOCKED_OUT,
    )


def partner_authenticate(*, phone: str, password: str, ip: str | None) -> Partner:
    """Check a partner's mobile number and password. Failures are counted per firm and
    number (unknown numbers too, so the answer never tells who exists) and per client
    address; after the firm's limit the number is locked for the firm's lockout time.

    Not one transaction: the audit rows of refused attempts must stay; the counts
    are atomic each."""
    tenant = require_current_tenant()
    try:
        phone_key = normalize_phone(phone)
    except (ValidationError, TypeError):
        phone_key = phone or ""
    fail_key, lock_key = _login_keys(phone_key)
    ip_key = "partner-login-ip:%d:%s" % (tenant.pk, ip or "-")
    masked = mask_phone(phone_key)[:40]
    held = hit_counts([lock_key, ip_key])
    locked_now = held[lock_key] or held[ip_key] >= IP_FAILURE_LIMIT
    # Counted before the password is checked, so a burst of parallel guesses gets no
    # more tries than the limit; a right password forgets the count.
    attempt = 0 if locked_now else _count(fail_key, FAILURE_WINDOW)
    if not locked_now and attempt <= tenant.lockout_failures:
        locked_now = bool(hit_counts([lock_key])[lock_key])  # locked meanwhile
    if locked_now or attempt > tenant.lockout_failures:
        audit_record(
            action=AuditAction.PARTNER_LOGIN_FAILED,
            object_type="partners.partner",
            object_repr=masked,
            result="refused",
            reason="locked",
        )
        raise _locked_error(tenant.lockout_minutes)
    partner = Partner.objects.filter(exact_lookup(Partner, "phone", phone)).first()
    if partner is not None and partner.password:
        ok = check_password(password or "", partner.password)
    else:
        make_password(password or "")  # the same work, so timing tells nothing
        ok = False
    if not ok:
        failures = attempt
        _count(ip_key, IP_FAILURE_WINDOW)
        locked = failures >= tenant.lockout_failures
        if locked:  # the lock first: a guess counted after the reset then sees it
            count_hit(lock_key, tenant.lockout_minutes * 60)
            forget_count(fail_key)
        audit_record(
            action=AuditAction.PARTNER_LOGIN_FAILED,
            object_type="partners.partner",
            object_repr=masked,
            result="refused",
            reason="locked out after %d failures" % failures
            if locked
            else "wrong password",
        )
        if locked:
            raise _locked_error(tenant.lockout_minutes)
        raise ValidationError(
            _("Wrong mobile number or password."), code="invalid_login"
        )
    forget_count(fail_key)
    if partner.status == PartnerStatus.PENDING:
        raise ValidationError(
            _("Your application is awaiting approval by the firm."),
            code=PartnerError.BAD_STATUS,
        )
    if partner.status == PartnerStatus.DISABLED:
        raise ValidationError(
            _("This partner account is disabled. Please contact the firm."),
            code=PartnerError.BAD_STATUS,
        )
    Partner.objects.filter(pk=partner.pk).update(last_login=timezone.now())
    audit_record(
        actor=PartnerActor(partner), action=AuditAction.PARTNER_LOGIN, target=partner
    )
    return partner


def partner_logout(*, partner: Partner) -> None:
    audit_record(
        actor=PartnerActor(partner), action=AuditAction.PARTNER_LOGOUT, target=partner
    )


# --- staff management ---------------------------------------------------------------

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
    limit = _lock_tree().max_depth
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if new_upline is not None:
        new_upline = Partner.objects.get(pk=new_upline.pk)
    old_upline_id, old_level = partner.upline_id, partner.level
    new_upline_id = new_upline.pk if new_upline else None
    if new_upline_id == old_upline_id:
        return partner
    layers = descendant_layers(partner)
    below = {pk for layer in layers for pk in layer}
    if new_upline is not None and (
        new_upline.pk == partner.pk or new_upline.pk in below
    ):
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
    if new_upline is not None and new_upline.status == PartnerStatus.DISABLED:
        raise ValidationError(
            {
                "upline": ValidationError(
                    _("%(upline)s is disabled and cannot take sub-partners.")
                    % {"upline": new_upline},
                    code=PartnerError.UPLINE_INACTIVE,
                )
            }
        )
    new_level = new_upline.level + 1 if new_upline else 1
    deepest = new_level + len(layers)
    if deepest > limit:
        if layers:
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


# --- referrals ----------------------------------------------------------------------


def referral_quota_left(partner: Partner) -> bool:
    key = "partner-referrals:%d:%d" % (partner.tenant_id, partner.pk)
    return _count(key, 3600) <= REFERRALS_PER_HOUR


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
    channel = channel_for(name=PARTNER_CHANNEL, kind=ChannelKind.PARTNER)
    manager = partner.manager
    owner = manager if manager and manager.status == UserStatus.ACTIVE else None
    policy = pool_rules().duplicate_policy
    if policy == DuplicatePolicy.REJECT:
        # Nobody at the firm acted; the known customer just gets a "came again" note.
        policy = DuplicatePolicy.MERGE
    data = {
        "name": name,
        "city": (city or "").strip()[:40],
        "demand_amount": amount,
        "channel": channel.name,
    }
    source = _("partner %s") % partner.name
    try:
        result = customer_create(
            actor=None,
            data=data,
            phone=phone,
            owner=owner,
            to_pool=owner is None,
            source=source,
            policy=policy,
        )
    except ValidationError as exc:
        if (
            owner is None
            or getattr(exc, "code", None) != CustomerError.POOL_CAP_REACHED
        ):
            raise
        result = customer_create(
            actor=None,
            data=data,
            phone=phone,
            to_pool=True,
            source=source,
            policy=policy,
        )
    customer = result.customer
    credited = result.created and result.duplicate_of is None
    consent_record(
        customer=customer,
        notice_version=notice.version,
        source=ConsentSource.PARTNER,
        source_ref="partner:%d" % partner.pk,
        purposes=("loan_brokerage",),
        evidence={"partner": partner.pk, "checkbox": True, "notice": notice.pk},
        ip_address=ip_address,
        user_agent=user_agent,
    )
    if result.created:
        attribution_record(
            customer=customer,
            source_kind=ChannelKind.PARTNER,
            channel=channel,
            partner=partner,
            source_ref="partner:%d" % partner.pk,
        )
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
