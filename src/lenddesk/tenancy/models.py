from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import check_password, make_password
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.context import require_current_tenant
from lenddesk.tenancy.modules import CORE_MODULES


class TenantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Tenant(models.Model):
    """One brokerage firm renting LendDesk. A platform table: no row-level filter."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9-]{1,39}$",
                _(
                    "Use 2–40 lowercase letters, digits or hyphens, starting with a letter."
                ),
            )
        ],
        help_text=_(
            "Used to log in and in public links; lowercase letters, digits, hyphens."
        ),
    )
    modules = models.JSONField(_("modules"), default=list, blank=True)
    seats = models.PositiveIntegerField(
        _("seats"), default=10, validators=[MinValueValidator(1)]
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TenantStatus, default=TenantStatus.ACTIVE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    idle_timeout_minutes = models.PositiveIntegerField(
        _("idle session timeout (minutes)"),
        default=30,
        validators=[MinValueValidator(5)],
    )
    lockout_failures = models.PositiveSmallIntegerField(
        _("failed log-ins before lockout"), default=5, validators=[MinValueValidator(3)]
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        _("lockout length (minutes)"), default=30, validators=[MinValueValidator(1)]
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        _("password rotation (days, 0 = never)"), default=90
    )
    password_history = models.PositiveSmallIntegerField(
        _("previous passwords that cannot be reused"), default=5
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name

    def has_module(self, code: str) -> bool:
        return code in CORE_MODULES or code in (self.modules or [])

    @property
    def is_suspended(self) -> bool:
        return self.status == TenantStatus.SUSPENDED

    def is_expired(self, today: dt.date | None = None) -> bool:
        if self.expires_on is None:
            return False
        return self.expires_on < (today or timezone.localdate())

    def days_to_expiry(self, today: dt.date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or timezone.localdate())).days


class TenantQuerySet(models.QuerySet):
    """A firm's rows. Narrowing them by a person's data scope is the org chart's job:
    models with an owner use ``accounts.scope.ScopedManager``."""

    def bulk_create(self, objs, *args, **kwargs):
        """``save()`` is skipped by bulk inserts, so stamp the current tenant here."""
        objs = list(objs)
        tenant = require_current_tenant()
        for obj in objs:
            if obj.tenant_id is None:
                obj.tenant_id = tenant.pk
        return super().bulk_create(objs, *args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: filters by the current tenant, and
    raises ``NoTenantContext`` when none is set (fail closed)."""

    def get_queryset(self):
        tenant = require_current_tenant()
        return super().get_queryset().filter(tenant_id=tenant.pk)


class AllTenantsManager(models.Manager):
    """The visible exit from the ORM filter for platform and maintenance code (grep for
    ``all_tenants``). On PostgreSQL row-level security still applies: platform code
    works tenant by tenant inside ``tenant_context``."""


class TenantModel(models.Model):
    """Base of every tenant-owned model. New rows take the current tenant."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = TenantManager()
    all_tenants = AllTenantsManager()

    class Meta:
        abstract = True
        default_manager_name = "objects"
        base_manager_name = "all_tenants"

    def save(self, *args, **kwargs):
        if self.tenant_id is None:
            self.tenant = require_current_tenant()
        super().save(*args, **kwargs)


class PlatformOperator(models.Model):
    """A person who runs the platform. Not a tenant user; never sees customer data."""

    username = models.CharField(_("username"), max_length=80, unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    password = models.CharField(max_length=256)
    is_active = models.BooleanField(_("active"), default=True)
    last_login = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The authenticator app's secret, sealed under the newest key-encryption key
    # (operators belong to no firm, so no firm's data key): see tenancy.operator_login.
    totp_cipher = models.BinaryField(null=True, blank=True, editable=False)
    totp_kek_id = models.CharField(max_length=16, blank=True, editable=False)
    totp_confirmed = models.BooleanField(default=False, editable=False)
    totp_last_t = models.BigIntegerField(default=-1, editable=False)

    class Meta:
        verbose_name = _("platform operator")

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password)


class TenantEvent(models.Model):
    """What operators did to a tenant, and their log-ins and refused log-ins (no
    tenant): the platform's own audit trail."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    operator = models.ForeignKey(
        PlatformOperator, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=40)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return "%s %s" % (self.tenant_id, self.action)
