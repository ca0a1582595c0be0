"""A customer's record: create (with the firm's duplicate policy), prepare for the
bulk paths, edit, and join two records of one person."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.errors import CustomerError
from lenddesk.customers.models import (
    CreditAuthorisation,
    CreditQueryRecord,
    Customer,
    CustomerDocument,
    DuplicatePolicy,
    FollowUp,
    FunnelStage,
    TimelineEvent,
    Visit,
)
from lenddesk.customers.services.custom_fields import clean_custom_fields
from lenddesk.customers.services.pool import (
    default_pool,
    ensure_cap,
    ensure_owned,
    pool_rules,
)
from lenddesk.customers.services.tagging import apply_tag_rules, tags_named
from lenddesk.customers.services.timeline import stage_moved, timeline
from lenddesk.customers.services.values import (
    EDITABLE,
    apply_personal,
    clean_values,
    name_keys,
)
from lenddesk.customers.signals import merged


@dataclass(frozen=True)
class CreateResult:
    customer: Customer
    created: bool
    duplicate_of: Customer | None = None


def find_duplicate(customer: Customer) -> Customer | None:
    """Another customer with the same phone or ID number, by the blind indexes that
    ``set_secret`` already computed (equality on encrypted data)."""
    condition = Q(pk__in=[])
    if customer.phone_index:
        condition |= Q(phone_index=customer.phone_index)
    if customer.id_number_index:
        condition |= Q(id_number_index=customer.id_number_index)
    found = Customer.objects.filter(condition)
    if customer.pk:
        found = found.exclude(pk=customer.pk)
    return found.order_by("pk").first()


def describe_owner(existing: Customer, actor: User) -> str:
    """Whose customer it is, only as far as the actor may know."""
    if existing.owner_id is None:
        return _("It is in the public pool.")
    if Customer.objects.visible_to(actor).filter(pk=existing.pk).exists():
        return _("It belongs to %(owner)s.") % {"owner": existing.owner}
    return _("It belongs to a colleague.")


@transaction.atomic
def customer_create(
    *,
    actor: User | None,
    data: dict,
    phone: str = "",
    id_number: str = "",
    owner: User | None = None,
    to_pool: bool = False,
    source: str = "",
    policy: str | None = None,
    tag_names=(),
    custom_fields: dict | None = None,
    sharer: User | None = None,
) -> CreateResult:
    """Create a customer, or apply the firm's duplicate policy when the phone or ID
    number already exists: reject (error naming whose it is, within scope), merge (a
    "came in again via X" follow-up on the existing one) or flag (keep both)."""
    customer = customer_prepare(
        actor=actor,
        data=data,
        phone=phone,
        id_number=id_number,
        custom_fields=custom_fields,
        sharer=sharer,
    )
    rules = pool_rules()
    policy = policy or rules.duplicate_policy
    existing = find_duplicate(customer)
    if existing is not None and policy != DuplicatePolicy.FLAG:
        if policy == DuplicatePolicy.REJECT:
            raise ValidationError(
                {
                    "phone": _("This customer already exists. %s")
                    % describe_owner(existing, actor)
                },
                code=CustomerError.DUPLICATE,
            )
        merge_arrival(existing, actor, source or customer.channel or _("manual entry"))
        return CreateResult(customer=existing, created=False, duplicate_of=existing)
    customer.duplicate_of = existing
    customer.stage = FunnelStage.objects.filter(key="new").first()
    if owner is not None and not to_pool:
        ensure_cap(owner, rules)
        customer.owner = owner
        customer.claimed_at = timezone.now()
    else:
        customer.pool = default_pool()
    customer.save()
    if tag_names:
        customer.tags.set(tags_named(tag_names))
    apply_tag_rules([customer])
    _record_created(customer, actor, source, existing)
    return CreateResult(customer=customer, created=True, duplicate_of=existing)


def _record_created(
    customer: Customer, actor: User | None, source: str, existing: Customer | None
) -> None:
    timeline(
        customer, actor, "created", _("Created (%s)") % (source or _("manual entry"))
    )
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_CREATED,
        target=customer,
        changes={
            "owner": customer.owner_id,
            "pool": customer.pool_id,
            "source": source,
            "duplicate_of": existing.pk if existing else None,
        },
    )


def customer_prepare(
    *,
    actor: User | None,
    data: dict,
    phone: str = "",
    id_number: str = "",
    custom_fields: dict | None = None,
    sharer: User | None = None,
) -> Customer:
    """A new, unsaved customer from entered values: validated, phone and ID number
    encrypted and blind-indexed, pinyin keys made. ``customer_create`` and the bulk
    paths (the intake drain) start here."""
    values = clean_values(data)
    if not values.get("name"):
        raise ValidationError({"name": _("Enter the customer's name.")})
    customer = Customer(**values, created_by=actor, sharer=sharer)
    if custom_fields is not None:
        customer.custom_fields = clean_custom_fields(custom_fields)
    apply_personal(customer, phone=phone or None, id_number=id_number or None)
    if not customer.phone_index and not customer.id_number_index:
        raise ValidationError({"phone": _("Enter a mobile phone or an ID number.")})
    customer.name_pinyin, customer.name_initials = name_keys(customer.name)
    return customer


def merge_arrival(existing: Customer, actor, source: str) -> None:
    """A known person came in again: a system follow-up, a timeline line, an audit
    entry on the existing customer."""
    FollowUp.objects.create(
        customer=existing,
        author=actor,
        kind="other",
        is_system=True,
        content=_("Came in again via %s.") % source,
    )
    timeline(existing, actor, "duplicate", _("Came in again via %s") % source)
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_DUPLICATE,
        target=existing,
        changes={"source": source},
    )


def _snapshot(customer: Customer) -> dict:
    data = {f: getattr(customer, f) for f in EDITABLE}
    for money in ("demand_amount", "monthly_income"):
        data[money] = str(data[money]) if data[money] is not None else None
    data["phone"] = customer.phone_index
    data["id_number"] = customer.id_number_index
    data["tags"] = (
        sorted(customer.tags.values_list("name", flat=True)) if customer.pk else []
    )
    data["stage"] = customer.stage_id
    return data


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    data: dict,
    phone=None,
    id_number=None,
    tag_names=None,
    stage_id=None,
    custom_fields: dict | None = None,
    partial: bool = False,
) -> Customer:
    ensure_owned(customer)
    before = _snapshot(customer)
    if custom_fields is not None:
        merged = (
            {**(customer.custom_fields or {}), **custom_fields}
            if partial
            else custom_fields
        )
        customer.custom_fields = clean_custom_fields(merged)
    for field, value in clean_values(data).items():
        setattr(customer, field, value)
    apply_personal(customer, phone=phone, id_number=id_number)
    if phone or id_number:
        _refuse_number_clash(customer, actor, field="phone" if phone else "id_number")
    if stage_id is not None:
        _set_stage(customer, actor, stage_id)
    customer.name_pinyin, customer.name_initials = name_keys(customer.name)
    customer.version = F("version") + 1
    customer.save()
    customer.refresh_from_db()
    if tag_names is not None:
        customer.tags.set(tags_named(tag_names))
    apply_tag_rules([customer])
    changes = diff(before, _snapshot(customer))
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_UPDATED,
            target=customer,
            changes=changes,
        )
    return customer


def _refuse_number_clash(customer: Customer, actor: User, *, field: str) -> None:
    clash = find_duplicate(customer)
    if clash is not None:
        raise ValidationError(
            {
                field: _("Another customer has this number. %s")
                % describe_owner(clash, actor)
            },
            code=CustomerError.DUPLICATE,
        )


def _set_stage(customer: Customer, actor: User, stage_id: int) -> None:
    stage = FunnelStage.objects.filter(pk=stage_id).first()
    if stage is None:
        raise ValidationError({"stage": _("Choose a stage.")})
    if stage.pk != customer.stage_id:
        stage_moved(customer, actor, stage)
    customer.stage = stage


@transaction.atomic
def customer_merge(*, actor: User, survivor: Customer, duplicate: Customer) -> Customer:
    """Join two records of one person: the survivor keeps both timelines, follow-ups,
    visits and tags; the duplicate record is removed (its history lives on)."""
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("Choose two different customers."))
    if CreditQueryRecord.objects.filter(customer=duplicate).exists():
        raise ValidationError(
            _(
                "Record #%d has credit-report views on file, which are kept as they "
                "were written: merge the other record into it instead."
            )
            % duplicate.pk
        )
    FollowUp.objects.filter(customer=duplicate).update(customer=survivor)
    CreditAuthorisation.objects.filter(customer=duplicate).update(customer=survivor)
    CustomerDocument.objects.filter(customer=duplicate).update(customer=survivor)
    Visit.objects.filter(customer=duplicate).update(customer=survivor)
    TimelineEvent.objects.filter(customer=duplicate).update(customer=survivor)
    survivor.tags.add(*duplicate.tags.all())
    fill = _fill_from(survivor, duplicate)
    if fill:
        Customer.objects.filter(pk=survivor.pk).update(**fill)
    Customer.objects.filter(duplicate_of=duplicate).update(duplicate_of=survivor)
    timeline(
        survivor,
        actor,
        "merged",
        _("Merged with duplicate record #%d (%s)") % (duplicate.pk, duplicate.name),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_MERGED,
        target=survivor,
        changes={"merged": duplicate.pk, "filled": sorted(fill)},
    )
    merged.send(sender=None, actor=actor, survivor=survivor, duplicate=duplicate)
    duplicate.delete()
    survivor.refresh_from_db()
    return survivor


def _fill_from(survivor: Customer, duplicate: Customer) -> dict:
    """The survivor's empty fields that the duplicate knows, as column values."""
    fill = {}
    for field in ("city", "demand_purpose", "channel", "campaign", "company_name"):
        if not getattr(survivor, field) and getattr(duplicate, field):
            fill[field] = getattr(duplicate, field)
    if not survivor.id_number_cipher and duplicate.id_number_cipher:
        survivor.set_secret("id_number", duplicate.get_secret("id_number"))
        survivor.birth_date, survivor.gender = duplicate.birth_date, duplicate.gender
        fill.update(
            id_number_cipher=survivor.id_number_cipher,
            id_number_index=survivor.id_number_index,
            birth_date=survivor.birth_date,
            gender=survivor.gender,
        )
    return fill
