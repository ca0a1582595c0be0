from __future__ import annotations

import hashlib
import secrets
import uuid

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import DataScope, ScopedManager
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel


class Department(TenantModel):
    """A node of the firm's department tree (部门).

    ``path`` is the chain of ids from the root, ``/3/8/21/``, so "this department and
    everything below it" is one indexed prefix match.
    """

    name = models.CharField(_("name"), max_length=80)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    leader = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )
    sort = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "parent", "name"], name="department_sibling_name_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "path"], name="department_tenant_path")
        ]

    def __str__(self) -> str:
        return self.name


class Role(TenantModel):
    """Function permissions (codes) plus a data scope. A user's roles combine as a union."""

    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    codes = models.JSONField(_("permissions"), default=list, blank=True)
    data_scope = models.CharField(
        _("data scope"), max_length=20, choices=DataScope, default=DataScope.SELF
    )
    custom_departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="+",
        verbose_name=_("chosen departments"),
        help_text=_("Used with the data scope “chosen departments” (with subtrees)."),
    )
    allowed_clients = models.JSONField(
        _("allowed clients"),
        default=list,
        blank=True,
        help_text=_("Empty means every client: web, mobile app, API."),
    )
    login_weekdays = models.JSONField(
        _("log-in weekdays"),
        default=list,
        blank=True,
        help_text=_("0 = Monday … 6 = Sunday. Empty means every day."),
    )
    login_start = models.TimeField(_("log-in from"), null=True, blank=True)
    login_end = models.TimeField(_("log-in until"), null=True, blank=True)
    allowed_networks = models.TextField(
        _("allowed IP ranges"),
        blank=True,
        help_text=_("One CIDR per line, e.g. 10.0.0.0/8. Empty means anywhere."),
    )
    require_totp = models.BooleanField(_("require two-factor (TOTP)"), default=False)
    is_system = models.BooleanField(_("default role"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="role_tenant_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
    DEPARTED = "departed", _("Departed")


class UserManager(ScopedManager):
    def get_by_natural_key(self, username):
        return self.get(username=username)


class User(EncryptedFieldsMixin, TenantModel, AbstractBaseUser):
    """A staff member of one firm. Usernames are unique within a firm only."""

    username = models.CharField(
        _("username"),
        max_length=80,
        help_text=_("Letters, digits and . _ - @ only."),
    )
    display_name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=UserStatus, default=UserStatus.ACTIVE
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    superior = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subordinates",
        verbose_name=_("superior"),
    )
    # Encrypted personal fields (see lenddesk.security): ciphertext plus blind indexes
    # for exact search; ``row_key`` binds each ciphertext to this row.
    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    phone_cipher = models.BinaryField(null=True, blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_index = models.CharField(max_length=64, blank=True, editable=False)
    id_number_cipher = models.BinaryField(null=True, blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    accepts_leads = models.BooleanField(
        _("receives new leads"),
        default=True,
        help_text=_("Off while on leave: automatic allocation skips this person."),
    )
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]
    # Whose row this is, for data scopes: a staff row belongs to that staff member.
    SCOPE_OWNER = ""
    ENCRYPTED_FIELDS = {"phone": "phone", "id_number": "national_id"}
    REVEAL_CODES = {"phone": "user.reveal_phone", "id_number": "user.reveal_id"}

    class Meta(TenantModel.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "username"], name="user_tenant_username_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "department"], name="user_tenant_department"
            ),
            models.Index(fields=["tenant", "phone_index"], name="user_tenant_phone"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_active(self) -> bool:  # Django's auth reads this attribute
        return self.status == UserStatus.ACTIVE

    @property
    def is_staff(self) -> bool:
        return False

    def get_session_auth_hash(self) -> str:
        """Bumping ``session_epoch`` (disable, departure, password change) ends every
        session of the user at once."""
        return salted_hmac(
            "lenddesk.accounts.User.session",
            "%s|%s|%s" % (self.password, self.session_epoch, self.status),
            algorithm="sha256",
        ).hexdigest()

    def role_list(self) -> list[Role]:
        """The user's roles, read once per request (permissions, log-in rules and data
        scope all need them)."""
        cached = getattr(self, "_role_list", None)
        if cached is None:
            cached = list(self.roles.all())
            self._role_list = cached
        return cached

    def forget_roles(self) -> None:
        self._role_list = None

    def permission_codes(self) -> frozenset[str]:
        return frozenset(code for role in self.role_list() for code in role.codes or [])

    def has_code(self, code: str) -> bool:
        return code in self.permission_codes()

    def has_any_code(self, *codes: str) -> bool:
        return bool(self.permission_codes().intersection(codes))


class PasswordHistory(TenantModel):
    """Hashes of a user's previous passwords, so the last N cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "user"], name="pwhistory_tenant_user")
        ]

    def __str__(self) -> str:
        return "%s@%s" % (self.user_id, self.created_at)


class ApiToken(TenantModel):
    """An opaque bearer token. Only a SHA-256 of the secret is stored.

    The token reads ``ld_<tenant id>_<secret>`` so the tenant is known before the
    lookup, which then runs under that tenant's row-level security.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    client = models.CharField(max_length=16, default="api")
    session_epoch = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "user"], name="apitoken_tenant_user")]

    def __str__(self) -> str:
        return "%s… (%s)" % (self.prefix, self.user_id)

    @staticmethod
    def hash_secret(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_raw(tenant_id: int) -> str:
        return "ld_%d_%s" % (tenant_id, secrets.token_urlsafe(32))

    @staticmethod
    def tenant_id_of(raw: str) -> int | None:
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != "ld" or not parts[1].isdigit():
            return None
        return int(parts[1])

    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.user.is_active
            and self.user.session_epoch == self.session_epoch
        )


class TotpDevice(EncryptedFieldsMixin, TenantModel):
    """A user's authenticator app (TOTP, RFC 6238). The shared secret is stored
    encrypted; ``last_t`` refuses a code that was already used."""

    ENCRYPTED_FIELDS = {"key": "text"}
    REVEAL_CODES: dict[str, str] = {}

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    key_cipher = models.BinaryField()
    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    confirmed = models.BooleanField(default=False)
    last_t = models.BigIntegerField(default=-1)
    failures = models.PositiveIntegerField(default=0)
    throttled_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "TOTP %s" % self.user_id


class RecoveryCode(TenantModel):
    """One-time codes for a lost phone; only their SHA-256 is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "user"], name="recovery_tenant_user")]

    def __str__(self) -> str:
        return "recovery %s" % self.user_id
