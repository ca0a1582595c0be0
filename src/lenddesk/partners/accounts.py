"""A partner's account: joining through an invitation (free), logging in with a
lockout per firm and number and per client address, logging out."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.notifications.services import notify
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.invitations import invitation_problem
from lenddesk.partners.models import Partner, PartnerInvitation, PartnerStatus
from lenddesk.partners.rules import PartnerActor, lock_tree
from lenddesk.security.crypto import normalize_phone
from lenddesk.security.fields import exact_lookup
from lenddesk.security.masking import mask_phone
from lenddesk.security.text import clean_texts
from lenddesk.tenancy.context import require_current_tenant
from lenddesk.tenancy.models import Tenant
from lenddesk.web.cache import count_hit, forget_count, hit_counts

FAILURE_WINDOW = 15 * 60
IP_FAILURE_LIMIT = 50
IP_FAILURE_WINDOW = 10 * 60


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
    settings_row = lock_tree()
    invitation = _usable_invitation(invitation, settings_row.max_depth)
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
    _check_phone(partner, phone, errors)
    if errors:
        raise ValidationError(errors)
    partner.password = make_password(password)
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise ValidationError({"phone": _phone_taken()}) from None
    PartnerInvitation.objects.filter(pk=invitation.pk).update(uses=F("uses") + 1)
    _signed_up(partner, invitation)
    return partner


def _usable_invitation(invitation: PartnerInvitation, limit: int) -> PartnerInvitation:
    """The invitation read again under the tree lock, refused when nobody can join
    through it now."""
    invitation = PartnerInvitation.objects.select_related("upline").get(
        pk=invitation.pk
    )
    problem = invitation_problem(invitation, limit=limit)
    if problem:
        code = (
            PartnerError.DEPTH_EXCEEDED
            if invitation.level > limit
            else PartnerError.INVITATION_INVALID
        )
        raise ValidationError(problem, code=code)
    return invitation


def _check_phone(partner: Partner, phone: str, errors: dict) -> None:
    """Seal the mobile number on the new partner; its problems go into ``errors``."""
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


def _signed_up(partner: Partner, invitation: PartnerInvitation) -> None:
    """The audit entry; the account manager hears of a partner awaiting approval."""
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
    attempt = _LoginAttempt.counted(tenant, phone_key, ip)
    partner = Partner.objects.filter(exact_lookup(Partner, "phone", phone)).first()
    if partner is not None and partner.password:
        ok = check_password(password or "", partner.password)
    else:
        make_password(password or "")  # the same work, so timing tells nothing
        ok = False
    if not ok:
        attempt.failed()
    forget_count(attempt.fail_key)
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


@dataclass(frozen=True)
class _LoginAttempt:
    """One log-in attempt's place in the counts of its number and client address."""

    tenant: Tenant
    fail_key: str
    lock_key: str
    ip_key: str
    masked: str
    number: int  # this attempt's count against the number's limit

    @classmethod
    def counted(cls, tenant: Tenant, phone_key: str, ip: str | None):
        """The attempt, counted before the password is checked (so a burst of
        parallel guesses gets no more tries than the limit; a right password forgets
        the count); refused at once while the number or the address is locked."""
        fail_key, lock_key = _login_keys(phone_key)
        ip_key = "partner-login-ip:%d:%s" % (tenant.pk, ip or "-")
        masked = mask_phone(phone_key)[:40]
        held = hit_counts([lock_key, ip_key])
        locked_now = held[lock_key] or held[ip_key] >= IP_FAILURE_LIMIT
        number = 0 if locked_now else count_hit(fail_key, FAILURE_WINDOW)
        if not locked_now and number <= tenant.lockout_failures:
            locked_now = bool(hit_counts([lock_key])[lock_key])  # locked meanwhile
        if locked_now or number > tenant.lockout_failures:
            _audit_refused(masked, "locked")
            raise _locked_error(tenant.lockout_minutes)
        return cls(tenant, fail_key, lock_key, ip_key, masked, number)

    def failed(self) -> None:
        """A wrong number or password: counted for the address; at the firm's limit
        the number is locked. Always raises."""
        tenant = self.tenant
        count_hit(self.ip_key, IP_FAILURE_WINDOW)
        locked = self.number >= tenant.lockout_failures
        if locked:  # the lock first: a guess counted after the reset then sees it
            count_hit(self.lock_key, tenant.lockout_minutes * 60)
            forget_count(self.fail_key)
        _audit_refused(
            self.masked,
            "locked out after %d failures" % self.number
            if locked
            else "wrong password",
        )
        if locked:
            raise _locked_error(tenant.lockout_minutes)
        raise ValidationError(
            _("Wrong mobile number or password."), code="invalid_login"
        )


def _audit_refused(masked: str, reason: str) -> None:
    audit_record(
        action=AuditAction.PARTNER_LOGIN_FAILED,
        object_type="partners.partner",
        object_repr=masked,
        result="refused",
        reason=reason,
    )


def partner_logout(*, partner: Partner) -> None:
    audit_record(
        actor=PartnerActor(partner), action=AuditAction.PARTNER_LOGOUT, target=partner
    )
