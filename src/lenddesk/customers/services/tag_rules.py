"""Adding a tag rule (自动标签): saved and audited now, applied to the firm's existing
customers by a background task once the rule is committed. This module enqueues that
task; the task's own body lives in ``tagging``, which imports no task."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Tag, TagRule
from lenddesk.customers.services.tagging import clean_tag_names
from lenddesk.customers.tasks import tag_everyone_task


def _is_finite_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:
        return False


def _check_rule(field: str, operator: str, value: str) -> None:
    if field not in dict(TagRule.FIELDS):
        raise ValidationError({"field": _("Choose a customer field.")})
    if operator not in dict(TagRule.OPERATORS):
        raise ValidationError({"operator": _("Choose a comparison.")})
    if len(value) > TagRule._meta.get_field("value").max_length:
        raise ValidationError({"value": _("The value is too long.")})
    if operator in ("gte", "lte") and not _is_finite_number(value):
        raise ValidationError({"value": _("Enter a number.")})
    if operator == "eq" and not value:
        raise ValidationError({"value": _("Enter the value to compare with.")})


@transaction.atomic
def tag_rule_create(
    *, actor: User, tag_name: str, field: str, operator: str, value: str = ""
) -> TagRule:
    value = (value or "").strip()
    _check_rule(field, operator, value)
    names = clean_tag_names([tag_name], field="tag")
    if not names:
        raise ValidationError({"tag": _("Name the tag.")})
    tag, _created = Tag.objects.get_or_create(name=names[0])
    rule = TagRule.objects.create(tag=tag, field=field, operator=operator, value=value)
    audit_record(
        actor=actor,
        action=AuditAction.POOL_RULES_CHANGED,
        target=rule,
        changes={"tag_rule": str(rule)},
    )
    tenant_id = rule.tenant_id
    transaction.on_commit(lambda: tag_everyone_task.delay(tenant_id=tenant_id))
    return rule
