"""What a firm or a person sets up for its lists: saved views, custom fields and tag rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.models.customers import Tag
from lenddesk.tenancy.models import TenantModel


class SavedView(TenantModel):
    """A named set of list filters a person keeps (我的视图)."""

    SCOPE_OWNER = "user"
    objects = ScopedManager()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "name"], name="savedview_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", pgettext_lazy("custom field type", "Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomField(TenantModel):
    """A firm's own customer field (自定义字段), validated on every save."""

    key = models.SlugField(_("key"), max_length=30)
    label = models.CharField(_("label"), max_length=40)
    kind = models.CharField(
        _("type"), max_length=10, choices=CustomFieldType, default=CustomFieldType.TEXT
    )
    choices = models.CharField(
        _("choices (comma separated)"), max_length=300, blank=True
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="customfield_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [
            c.strip() for c in self.choices.replace("，", ",").split(",") if c.strip()
        ]


class TagRule(TenantModel):
    """Automatic tags (规则标签): when a customer's attribute matches, the tag is added
    on create, edit and import."""

    FIELDS = (
        ("has_house", _("owns a house")),
        ("has_car", _("owns a car")),
        ("has_life_policy", _("life insurance policy")),
        ("has_business_licence", _("business licence")),
        ("provident_fund_months", _("provident fund (months)")),
        ("social_security_months", _("social security (months)")),
        ("demand_amount", _("amount wanted (yuan)")),
        ("monthly_income", _("monthly income (yuan)")),
        ("city", _("city")),
        ("channel", _("channel")),
        ("rating", _("intent rating")),
    )
    OPERATORS = (("is_true", _("is yes")), ("eq", "="), ("gte", "≥"), ("lte", "≤"))

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules")
    field = models.CharField(_("field"), max_length=30, choices=FIELDS)
    operator = models.CharField(_("operator"), max_length=10, choices=OPERATORS)
    value = models.CharField(_("value"), max_length=60, blank=True)

    def __str__(self) -> str:
        return "%s: %s %s %s" % (self.tag, self.field, self.operator, self.value)

    def matches(self, customer) -> bool:
        actual = getattr(customer, self.field, None)
        if self.operator == "is_true":
            return bool(actual)
        if actual in (None, ""):
            return False
        if self.operator == "eq":
            return str(actual) == self.value
        try:
            actual_n, wanted = Decimal(str(actual)), Decimal(self.value)
            return actual_n >= wanted if self.operator == "gte" else actual_n <= wanted
        except (InvalidOperation, ValueError):  # a NaN stored before rules refused it
            return False
