"""Every write to customers: create (with duplicate policy), edit, claim, release,
assign, follow-ups, visits, the nightly return to the public pool, and departure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from lenddesk.accounts.models import User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.errors import CustomerError, CustomerNotOwned
from lenddesk.customers.models import (
    ClaimCounter,
    Customer,
    DuplicatePolicy,
    FollowUp,
    FunnelStage,
    PoolRules,
    PublicPool,
    Tag,
    TimelineEvent,
    Visit,
    VisitStatus,
)
from lenddesk.notifications.services import message, notify, notify_all
from lenddesk.security.crypto import national_id_facts
from lenddesk.security.text import clean_texts

EDITABLE = (
    "kind",
    "name",
    "company_name",
    "city",
    "demand_amount",
    "demand_term_months",
    "demand_purpose",
    "urgency",
    "has_house",
    "has_car",
    "has_life_policy",
    "provident_fund_months",
    "social_security_months",
    "has_business_licence",
    "monthly_income",
    "credit_notes",
    "channel",
    "campaign",
    "rating",
)


MAX_TAGS = 20
# Bounds of the numbers a customer record holds, whatever the path (page, API,
# import): the columns' own limits, so a value never reaches the database to fail.
AMOUNT_LIMITS = {
    "demand_amount": Decimal("999999999999.99"),
    "monthly_income": Decimal("9999999999.99"),
}
MONTH_LIMITS = {
    "demand_term_months": (1, 480),
    "provident_fund_months": (0, 600),
    "social_security_months": (0, 600),
}


def ensure_owned(customer: Customer) -> None:
    """One rule for pages and API: a public-pool customer is read-only (no follow-ups,
    visits, documents, edits, stage or key-customer changes) until someone claims it."""
    if customer.owner_id is None:
        raise CustomerNotOwned(
            _("This customer is in the public pool: claim it first.")
        )


def pool_rules() -> PoolRules:
    rules, _created = PoolRules.objects.get_or_create()
    return rules


def default_pool() -> PublicPool:
    pool = PublicPool.objects.filter(is_default=True).first()
    if pool is None:
        pool = PublicPool.objects.create(name=_("Public pool"), is_default=True)
    return pool


def timeline(customer: Customer, actor, kind: str, summary: str) -> None:
    TimelineEvent.objects.create(
        customer=customer, actor=actor, kind=kind, summary=summary[:300]
    )


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, so ``zs`` and ``zhangsan`` find 张三."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower()[:200], "".join(initials).lower()[:40]


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


def _clean_values(data: dict) -> dict:
    values = {k: data[k] for k in EDITABLE if k in data}
    text_errors = clean_texts(values, multiline={"credit_notes"})
    if text_errors:
        raise ValidationError(text_errors)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ValidationError({"name": _("Enter the customer's name.")})
    errors: dict[str, str] = {}
    for field, value in values.items():
        limit = _text_limit(field)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[field] = _("At most %(n)d characters.") % {"n": limit}
    for money, highest in AMOUNT_LIMITS.items():
        if values.get(money) is not None:
            try:
                values[money] = _amount(values[money], highest)
            except ValidationError as exc:
                errors[money] = exc.messages[0]
    for months, (lowest, highest) in MONTH_LIMITS.items():
        if values.get(months) is not None:
            try:
                values[months] = _whole_number(values[months], lowest, highest)
            except ValidationError as exc:
                errors[months] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return values


def _text_limit(field: str) -> int | None:
    limit = Customer._meta.get_field(field).max_length
    return 2000 if field == "credit_notes" else limit


def _amount(raw, highest: Decimal) -> Decimal:
    """A money value of 0 up to ``highest``, in fen; NaN and Infinity are refused."""
    try:
        amount = Decimal(str(raw).strip())
    except ArithmeticError:
        raise ValidationError(_("Enter an amount such as 50000 or 1234.56.")) from None
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount such as 50000 or 1234.56."))
    if amount < 0:
        raise ValidationError(_("Enter an amount of 0 or more."))
    if amount > highest:
        raise ValidationError(
            _("Enter an amount of at most %(n)s.") % {"n": format(highest, ",f")}
        )
    return amount.quantize(Decimal("0.01"))


def _whole_number(raw, lowest: int, highest: int) -> int:
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise ValidationError(_("Enter a whole number.")) from None
    if not lowest <= number <= highest:
        raise ValidationError(
            _("Enter a number from %(low)d to %(high)d.")
            % {"low": lowest, "high": highest}
        )
    return number


def _apply_personal(customer: Customer, *, phone, id_number) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in (("phone", phone), ("id_number", id_number)):
        if value is None:
            continue
        try:
            customer.set_secret(name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    if id_number:
        customer.birth_date, customer.gender = national_id_facts(
            customer.get_secret("id_number")
        )
    elif id_number == "":
        customer.birth_date, customer.gender = None, ""


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
        _ensure_cap(owner, rules)
        customer.owner = owner
        customer.claimed_at = timezone.now()
    else:
        customer.pool = default_pool()
    customer.save()
    if tag_names:
        customer.tags.set(_tags(tag_names))
    apply_tag_rules([customer])
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
    return CreateResult(customer=customer, created=True, duplicate_of=existing)


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
    values = _clean_values(data)
    if not values.get("name"):
        raise ValidationError({"name": _("Enter the customer's name.")})
    customer = Customer(**values, created_by=actor, sharer=sharer)
    if custom_fields is not None:
        customer.custom_fields = clean_custom_fields(custom_fields)
    _apply_personal(customer, phone=phone or None, id_number=id_number or None)
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


def clean_tag_names(names, *, field: str = "tags") -> list[str]:
    """Distinct tag names, each at most the column's length, at most ``MAX_TAGS``;
    errors name ``field`` (the page's and the API's ``tags``)."""
    clean = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    limit = Tag._meta.get_field("name").max_length
    too_long = [n for n in clean if len(n) > limit]
    if too_long:
        raise ValidationError(
            {
                field: _("A tag has at most %(n)d characters: %(tag)s")
                % {"n": limit, "tag": too_long[0][:limit] + "…"}
            }
        )
    if len(clean) > MAX_TAGS:
        raise ValidationError(
            {
                field: _("At most %(n)d tags per customer (%(given)d given).")
                % {"n": MAX_TAGS, "given": len(clean)}
            }
        )
    return clean


def _tags(names) -> list[Tag]:
    tags = []
    for name in clean_tag_names(names):
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


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
    for field, value in _clean_values(data).items():
        setattr(customer, field, value)
    _apply_personal(customer, phone=phone, id_number=id_number)
    if phone or id_number:
        clash = find_duplicate(customer)
        if clash is not None:
            raise ValidationError(
                {
                    "phone" if phone else "id_number": _(
                        "Another customer has this number. %s"
                    )
                    % describe_owner(clash, actor)
                },
                code=CustomerError.DUPLICATE,
            )
    if stage_id is not None:
        stage = FunnelStage.objects.filter(pk=stage_id).first()
        if stage is None:
            raise ValidationError({"stage": _("Choose a stage.")})
        if stage.pk != customer.stage_id:
            timeline(customer, actor, "stage", _("Stage: %s") % stage.name)
        customer.stage = stage
    customer.name_pinyin, customer.name_initials = name_keys(customer.name)
    customer.version = F("version") + 1
    customer.save()
    customer.refresh_from_db()
    if tag_names is not None:
        customer.tags.set(_tags(tag_names))
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


def _owned_count(owner: User) -> int:
    return Customer.objects.filter(owner=owner).count()


def _ensure_cap(owner: User, rules: PoolRules, adding: int = 1) -> None:
    # Serialise one person's intake: a row lock on PostgreSQL, and SQLite's write lock.
    User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
    if _owned_count(owner) + adding > rules.private_cap:
        raise ValidationError(
            _("%(owner)s already has %(cap)d customers, the private-pool cap.")
            % {"owner": owner, "cap": rules.private_cap},
            code=CustomerError.POOL_CAP_REACHED,
        )


def _take_one_claim(actor: User, day: dt.date, limit: int) -> bool:
    """Count one claim against today's limit; False when it is used up. On PostgreSQL
    one upsert that also locks the day's row, so concurrent claims count exactly."""
    if limit <= 0:
        return False
    if connection.vendor != "postgresql":
        counter, _created = ClaimCounter.objects.get_or_create(user=actor, day=day)
        return bool(
            ClaimCounter.objects.filter(pk=counter.pk, used__lt=limit).update(
                used=F("used") + 1
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_claimcounter (tenant_id, user_id, day, used) "
            "VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (tenant_id, user_id, day) DO UPDATE "
            "SET used = customers_claimcounter.used + 1 "
            "WHERE customers_claimcounter.used < %s RETURNING used",
            [actor.tenant_id, actor.pk, day, limit],
        )
        return cursor.fetchone() is not None


def _consume_claim_quota(actor: User, rules: PoolRules) -> None:
    if not _take_one_claim(actor, timezone.localdate(), rules.daily_claim_limit):
        raise ValidationError(
            _("You have used today's %(n)d claims.") % {"n": rules.daily_claim_limit},
            code=CustomerError.CLAIM_LIMIT_REACHED,
        )


@transaction.atomic
def customer_claim(*, actor: User, customer: Customer) -> Customer:
    """Take a public-pool customer into one's private pool. Under concurrent claims
    exactly one wins (a single conditional UPDATE), and no cap or daily limit is
    exceeded."""
    rules = pool_rules()
    now = timezone.now()
    if (
        customer.previous_owner_id == actor.pk
        and customer.cooldown_until
        and customer.cooldown_until > now
    ):
        raise ValidationError(
            _(
                "You released this customer recently; you may claim it again after %(when)s."
            )
            % {
                "when": timezone.localtime(customer.cooldown_until).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
            code=CustomerError.COOLDOWN,
        )
    _ensure_cap(actor, rules)
    _consume_claim_quota(actor, rules)
    taken = {
        "owner": actor,
        "pool": None,
        "claimed_at": now,
        "return_warned_at": None,
        "protected_until": now + dt.timedelta(days=rules.protection_days),
    }
    won = Customer.objects.filter(pk=customer.pk, owner__isnull=True).update(
        **taken, version=F("version") + 1
    )
    if not won:
        raise ValidationError(
            _("Someone else claimed this customer first."),
            code=CustomerError.ALREADY_CLAIMED,
        )
    for name, value in taken.items():  # what the UPDATE wrote, without re-reading
        setattr(customer, name, value)
    customer.version += 1
    timeline(customer, actor, "claimed", _("Claimed by %s") % actor)
    audit_record(actor=actor, action=AuditAction.CUSTOMER_CLAIMED, target=customer)
    return customer


@transaction.atomic
def customer_release(*, actor: User, customer: Customer, reason: str = "") -> Customer:
    """Give a customer back to the public pool (the owner, or a manager)."""
    ensure_owned(customer)
    rules = pool_rules()
    previous = customer.owner
    released = Customer.objects.filter(pk=customer.pk, owner__isnull=False).update(
        owner=None,
        pool=default_pool(),
        previous_owner=previous,
        claimed_at=None,
        protected_until=None,
        is_locked=False,
        cooldown_until=timezone.now() + dt.timedelta(days=rules.cooldown_days),
        version=F("version") + 1,
    )
    if not released:
        raise ValidationError(
            _("This customer is already in the public pool."),
            code=CustomerError.NOT_OWNER,
        )
    customer.refresh_from_db()
    timeline(customer, actor, "released", _("Returned to the public pool. %s") % reason)
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_RELEASED,
        target=customer,
        changes={"owner": [previous.pk if previous else None, None]},
        reason=reason[:200],
    )
    return customer


@transaction.atomic
def customer_assign(
    *, actor: User | None, customers: list[Customer], owner: User
) -> int:
    """A manager hands customers to a colleague (分配); caps still hold."""
    if owner.status != UserStatus.ACTIVE:
        raise ValidationError({"owner": _("Choose an active colleague.")})
    rules = pool_rules()
    moving = [c for c in customers if c.owner_id != owner.pk]
    _ensure_cap(owner, rules, adding=len(moving))
    now = timezone.now()
    for customer in moving:
        before = customer.owner_id
        Customer.objects.filter(pk=customer.pk).update(
            owner=owner,
            pool=None,
            claimed_at=now,
            return_warned_at=None,
            protected_until=now + dt.timedelta(days=rules.protection_days),
            version=F("version") + 1,
        )
        timeline(customer, actor, "assigned", _("Assigned to %s") % owner)
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_ASSIGNED,
            target=customer,
            changes={"owner": [before, owner.pk]},
        )
    if moving and owner != actor:
        _notify_assigned(owner, moving)
    return len(moving)


def _notify_assigned(owner: User, customers: list[Customer]) -> None:
    if len(customers) == 1:
        title = _("New customer for you: %s") % customers[0].name
        url = reverse("customers:detail", args=[customers[0].pk])
    else:
        title = _("%d customers were assigned to you") % len(customers)
        url = reverse("customers:list")
    notify(
        recipients=[owner],
        kind="customers.assigned",
        title=title,
        url=url,
        target=customers[0] if len(customers) == 1 else None,
    )


@transaction.atomic
def customer_set_locked(*, actor: User, customer: Customer, locked: bool) -> Customer:
    """Key customers (锁定) never return to the pool; each person has a small quota."""
    ensure_owned(customer)
    if locked:
        rules = pool_rules()
        count = Customer.objects.filter(owner=customer.owner, is_locked=True).count()
        if count >= rules.locked_per_person:
            raise ValidationError(
                _("Only %(n)d key customers per person.")
                % {"n": rules.locked_per_person},
                code=CustomerError.LOCK_LIMIT,
            )
    Customer.objects.filter(pk=customer.pk).update(is_locked=locked)
    customer.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_UPDATED,
        target=customer,
        changes={"is_locked": locked},
    )
    return customer


@transaction.atomic
def followup_create(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    content: str,
    next_at: dt.datetime | None = None,
) -> FollowUp:
    ensure_owned(customer)
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("Write what happened.")})
    if next_at is not None and next_at <= timezone.now():
        raise ValidationError(
            {"next_at": _("The next follow-up must be in the future.")}
        )
    FollowUp.objects.filter(
        customer=customer, done_at__isnull=True, next_at__isnull=False
    ).update(done_at=timezone.now())
    followup = FollowUp.objects.create(
        customer=customer, author=actor, kind=kind, content=content, next_at=next_at
    )
    Customer.objects.filter(pk=customer.pk).update(
        last_followup_at=followup.created_at,
        next_followup_at=next_at,
        return_warned_at=None,
    )
    contacted = FunnelStage.objects.filter(key="contacted").first()
    if contacted and customer.stage and customer.stage.key == "new":
        Customer.objects.filter(pk=customer.pk).update(stage=contacted)
    timeline(
        customer,
        actor,
        "followup",
        "%s: %s" % (followup.get_kind_display(), content[:200]),
    )
    audit_record(
        actor=actor,
        action=AuditAction.FOLLOWUP_CREATED,
        target=customer,
        changes={"kind": kind, "next_at": next_at.isoformat() if next_at else None},
    )
    return followup


@transaction.atomic
def visit_book(
    *,
    actor: User,
    customer: Customer,
    scheduled_at: dt.datetime,
    place: str,
    note: str = "",
) -> Visit:
    ensure_owned(customer)
    if scheduled_at <= timezone.now():
        raise ValidationError({"scheduled_at": _("Choose a time in the future.")})
    if not place.strip():
        raise ValidationError({"place": _("Where will you meet?")})
    visit = Visit.objects.create(
        customer=customer,
        booked_by=actor,
        scheduled_at=scheduled_at,
        place=place.strip(),
        note=note,
    )
    invited = FunnelStage.objects.filter(key="invited").first()
    if invited and customer.stage and customer.stage.order < invited.order:
        Customer.objects.filter(pk=customer.pk).update(stage=invited)
    timeline(
        customer,
        actor,
        "visit",
        _("Visit booked for %s")
        % timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M"),
    )
    audit_record(actor=actor, action=AuditAction.VISIT_BOOKED, target=customer)
    return visit


@transaction.atomic
def visit_set_status(*, actor: User, visit: Visit, status: str) -> Visit:
    ensure_owned(visit.customer)
    if status not in VisitStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    Visit.objects.filter(pk=visit.pk).update(status=status)
    visit.refresh_from_db()
    if status == VisitStatus.ARRIVED:
        visited = FunnelStage.objects.filter(key="visited").first()
        customer = visit.customer
        if visited and customer.stage and customer.stage.order < visited.order:
            Customer.objects.filter(pk=customer.pk).update(stage=visited)
    timeline(
        visit.customer, actor, "visit", _("Visit: %s") % visit.get_status_display()
    )
    audit_record(
        actor=actor,
        action=AuditAction.VISIT_UPDATED,
        target=visit.customer,
        changes={"status": status},
    )
    return visit


def _overdue_condition(rules: PoolRules, now: dt.datetime) -> Q:
    """Owned customers past their rating's days without a follow-up, or past the days
    without a signed order; key customers, open business and protection are exempt."""
    by_rating = Q()
    for rating, days in (
        ("A", rules.return_days_a),
        ("B", rules.return_days_b),
        ("C", rules.return_days_c),
    ):
        by_rating |= Q(rating=rating, last_touch__lt=now - dt.timedelta(days=days))
    by_rating |= Q(
        ~Q(rating__in=["A", "B", "C"]),
        last_touch__lt=now - dt.timedelta(days=rules.return_days_d),
    )
    condition = by_rating
    if rules.return_days_without_order:
        condition |= Q(
            claimed_at__lt=now - dt.timedelta(days=rules.return_days_without_order)
        )
    return condition


def overdue_customers(now: dt.datetime | None = None):
    now = now or timezone.now()
    rules = pool_rules()
    return (
        Customer.objects.filter(
            owner__isnull=False, is_locked=False, has_open_business=False
        )
        .exclude(protected_until__gt=now)
        .annotate(last_touch=Coalesce("last_followup_at", "claimed_at", "created_at"))
        .filter(_overdue_condition(rules, now))
    )


def reclaim_overdue(*, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """The nightly return to the public pool (掉公海). Each batch is one transaction:
    one UPDATE, the timeline entries in bulk and one audit row listing every customer
    and its previous owner; each previous owner gets one notification for the night."""
    now = now or timezone.now()
    returned = 0
    rules = pool_rules()
    pool = default_pool()
    lost_by_owner: dict[int, int] = {}
    # One scan of the firm finds the candidates (no index serves the overdue rule);
    # each batch re-checks them by primary key, so a follow-up logged meanwhile still
    # keeps its customer. (Re-scanning per batch: ~6 s a scan at 1M customers.)
    candidates = list(
        overdue_customers(now).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(candidates), batch):
        with transaction.atomic():
            chunk = list(
                overdue_customers(now)
                .filter(pk__in=candidates[start : start + batch])
                .order_by("pk")
                .values_list("pk", "owner_id", "name")
            )
            if not chunk:
                continue
            ids = [pk for pk, _owner, _name in chunk]
            Customer.objects.filter(pk__in=ids, owner__isnull=False).update(
                previous_owner=F("owner"),
                owner=None,
                pool=pool,
                claimed_at=None,
                return_warned_at=None,
                cooldown_until=now + dt.timedelta(days=rules.cooldown_days),
                version=F("version") + 1,
            )
            TimelineEvent.objects.bulk_create(
                TimelineEvent(
                    customer_id=pk,
                    kind="returned",
                    summary=_("Returned to the public pool after no follow-up"),
                )
                for pk in ids
            )
            audit_record(
                action=AuditAction.CUSTOMER_RETURNED,
                object_type="customers.customer",
                object_id="%d..%d" % (ids[0], ids[-1]),
                object_repr=_("%d customers") % len(ids),
                changes={"returned": {str(pk): owner for pk, owner, _n in chunk}},
                reason="no follow-up",
            )
            for _pk, owner_id, _name in chunk:
                lost_by_owner[owner_id] = lost_by_owner.get(owner_id, 0) + 1
            returned += len(chunk)
    _notify_returned(lost_by_owner, now)
    return returned


def _notify_returned(lost_by_owner: dict[int, int], now: dt.datetime) -> None:
    day = timezone.localdate(now).isoformat()
    notify_all(
        message(
            recipient=owner,
            kind="customers.returned",
            title=_("%d of your customers went back to the public pool")
            % lost_by_owner[owner.pk],
            body=_("They had no follow-up within the firm's return period."),
            url=reverse("customers:pool"),
            dedupe_key="returned:%s" % day,
        )
        for owner in User.objects.filter(pk__in=lost_by_owner)
    )


def warn_before_return(*, now: dt.datetime | None = None) -> int:
    """Warn once per customer, on its timeline, and tell each owner in one notification
    which customers return within the warning window (the to-do list shows them too)."""
    now = now or timezone.now()
    rules = pool_rules()
    soon = now + dt.timedelta(days=rules.warn_days_before_return)
    at_risk = list(
        overdue_customers(soon)
        .filter(return_warned_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "owner_id", "name")[:5000]
    )
    if not at_risk:
        return 0
    with transaction.atomic():
        Customer.objects.filter(pk__in=[pk for pk, _o, _n in at_risk]).update(
            return_warned_at=now
        )
        summary = (
            _("Returns to the public pool within %d days without a follow-up")
            % rules.warn_days_before_return
        )
        TimelineEvent.objects.bulk_create(
            TimelineEvent(customer_id=pk, kind="warning", summary=summary)
            for pk, _o, _n in at_risk
        )
    names_by_owner: dict[int, list[str]] = {}
    for _pk, owner_id, name in at_risk:
        names_by_owner.setdefault(owner_id, []).append(name)
    day = timezone.localdate(now).isoformat()
    notify_all(
        message(
            recipient=owner,
            kind="customers.return_warning",
            title=_(
                "%(count)d customers return to the public pool within %(days)d days"
            )
            % {
                "count": len(names_by_owner[owner.pk]),
                "days": rules.warn_days_before_return,
            },
            body=_("Follow up to keep them: %s")
            % "、".join(names_by_owner[owner.pk][:20])
            + ("…" if len(names_by_owner[owner.pk]) > 20 else ""),
            url=reverse("customers:todo"),
            dedupe_key="return-warning:%s" % day,
        )
        for owner in User.objects.filter(pk__in=names_by_owner)
    )
    return len(at_risk)


REMIND_AHEAD = dt.timedelta(minutes=15)
REMIND_LATE = dt.timedelta(hours=2)


def remind_due_followups(*, now: dt.datetime | None = None) -> int:
    """In-app reminder to the owner shortly before a planned follow-up (run every few
    minutes). The key holds the planned time, so a rescheduled follow-up reminds again
    and a repeated run never does."""
    now = now or timezone.now()
    due = (
        Customer.objects.filter(
            owner__isnull=False,
            next_followup_at__gt=now - REMIND_LATE,
            next_followup_at__lte=now + REMIND_AHEAD,
        )
        .select_related("owner")
        .order_by("next_followup_at")[:5000]
    )
    return notify_all(
        message(
            recipient=customer.owner,
            kind="customers.followup_due",
            title=_("Follow up with %(name)s at %(time)s")
            % {
                "name": customer.name,
                "time": timezone.localtime(customer.next_followup_at).strftime("%H:%M"),
            },
            url=reverse("customers:detail", args=[customer.pk]),
            target=customer,
            dedupe_key="followup:%d:%d"
            % (customer.pk, int(customer.next_followup_at.timestamp())),
        )
        for customer in due
    )


@transaction.atomic
def pool_rules_update(*, actor: User, values: dict) -> PoolRules:
    rules = pool_rules()
    before = {k: getattr(rules, k) for k in values}
    for key, value in values.items():
        setattr(rules, key, value)
    rules.full_clean()
    rules.save()
    changes = diff(before, {k: getattr(rules, k) for k in values})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.POOL_RULES_CHANGED,
            target=rules,
            changes=changes,
        )
    return rules


@transaction.atomic
def customer_merge(*, actor: User, survivor: Customer, duplicate: Customer) -> Customer:
    """Join two records of one person: the survivor keeps both timelines, follow-ups,
    visits and tags; the duplicate record is removed (its history lives on)."""
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("Choose two different customers."))
    FollowUp.objects.filter(customer=duplicate).update(customer=survivor)
    Visit.objects.filter(customer=duplicate).update(customer=survivor)
    TimelineEvent.objects.filter(customer=duplicate).update(customer=survivor)
    survivor.tags.add(*duplicate.tags.all())
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
    duplicate.delete()
    survivor.refresh_from_db()
    return survivor


CUSTOM_TEXT_MAX = 200
CUSTOM_NUMBER_MAX = Decimal("1e15")


def _custom_number(text: str) -> Decimal:
    """A custom number field's value: finite and below a quadrillion."""
    number = Decimal(text)
    if not number.is_finite() or abs(number) >= CUSTOM_NUMBER_MAX:
        raise ValueError(text)
    return number


def clean_custom_fields(raw: dict | None, *, partial: bool = False) -> dict:
    """Validate values for the firm's custom fields; errors name ``custom_<key>``."""
    import datetime as _dt

    from lenddesk.customers.models import CustomField

    raw = raw or {}
    clean, errors = {}, {}
    for field in CustomField.objects.all():
        name = "custom_%s" % field.key
        value = raw.get(field.key, raw.get(name))
        if value in (None, ""):
            if field.required and not partial:
                errors[name] = [_("%s is required.") % field.label]
            continue
        value = str(value).strip()
        try:
            if field.kind == "number":
                clean[field.key] = str(_custom_number(value))
            elif field.kind == "date":
                clean[field.key] = _dt.date.fromisoformat(value).isoformat()
            elif field.kind == "choice":
                if value not in field.choice_list():
                    raise ValueError
                clean[field.key] = value
            elif len(value) > CUSTOM_TEXT_MAX:
                errors[name] = [_("At most %(n)d characters.") % {"n": CUSTOM_TEXT_MAX}]
            else:
                clean[field.key] = value
        except (ValueError, ArithmeticError):
            errors[name] = [_("Enter a valid value for %s.") % field.label]
    unknown = sorted(
        set(raw)
        - {f.key for f in CustomField.objects.all()}
        - {"custom_%s" % f.key for f in CustomField.objects.all()}
    )
    if unknown:
        errors["custom_fields"] = [
            _("Unknown custom field(s): %s") % ", ".join(unknown)
        ]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def custom_fields_set(*, actor: User, customer: Customer, values: dict) -> Customer:
    clean = clean_custom_fields(values)
    before = dict(customer.custom_fields or {})
    Customer.objects.filter(pk=customer.pk).update(custom_fields=clean)
    customer.refresh_from_db()
    if before != clean:
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_UPDATED,
            target=customer,
            changes={"custom_fields": sorted(set(before) | set(clean))},
        )
    return customer


@transaction.atomic
def saved_view_save(*, actor: User, name: str, query: str):
    from lenddesk.customers.models import SavedView

    name = (name or "").strip()[:40]
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    view, _created = SavedView.objects.update_or_create(
        user=actor, name=name, defaults={"query": query[:500]}
    )
    return view


@transaction.atomic
def pool_create(*, actor: User, name: str, department_id: int | None) -> PublicPool:
    from lenddesk.accounts.models import Department

    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"name": _("Give the pool a name.")})
    department = (
        Department.objects.filter(pk=department_id).first() if department_id else None
    )
    if department is None:
        raise ValidationError(
            {"department": _("A department's pool needs its department.")}
        )
    pool = PublicPool.objects.create(name=name, department=department)
    audit_record(
        actor=actor,
        action=AuditAction.POOL_RULES_CHANGED,
        target=pool,
        changes={"pool": name, "department": department.pk},
    )
    return pool


@transaction.atomic
def custom_field_create(
    *,
    actor: User,
    key: str,
    label: str,
    kind: str,
    choices: str = "",
    required: bool = False,
):
    from lenddesk.customers.models import CustomField, CustomFieldType

    key = (key or "").strip().lower()
    import re as _re

    if not _re.fullmatch(r"[a-z][a-z0-9_]{0,29}", key):
        raise ValidationError(
            {"key": _("Use lowercase letters, digits and _ (starting with a letter).")}
        )
    if CustomField.objects.filter(key=key).exists():
        raise ValidationError({"key": _("This key is already used.")})
    if kind not in CustomFieldType.values:
        raise ValidationError({"kind": _("Choose a type.")})
    label, choices = (label or "").strip(), (choices or "").strip()
    for name, value in (("label", label), ("choices", choices)):
        limit = CustomField._meta.get_field(name).max_length
        if len(value) > limit:
            raise ValidationError({name: _("At most %(n)d characters.") % {"n": limit}})
    field = CustomField(
        key=key, label=label, kind=kind, choices=choices, required=required
    )
    if kind == "choice" and not field.choice_list():
        raise ValidationError({"choices": _("List the choices, separated by commas.")})
    if not field.label:
        raise ValidationError({"label": _("Give the field a label.")})
    field.order = CustomField.objects.count()
    field.save()
    audit_record(
        actor=actor,
        action=AuditAction.POOL_RULES_CHANGED,
        target=field,
        changes={"custom_field": key, "kind": kind, "required": required},
    )
    return field


def apply_tag_rules(customers: list[Customer]) -> int:
    """Add rule-based tags; one query for the rules and one bulk insert for the links."""
    from lenddesk.customers.models import TagRule

    rules = list(TagRule.objects.select_related("tag"))
    if not rules or not customers:
        return 0
    through = Customer.tags.through
    existing = set(
        through.objects.filter(customer_id__in=[c.pk for c in customers]).values_list(
            "customer_id", "tag_id"
        )
    )
    links = {
        (c.pk, rule.tag_id)
        for c in customers
        for rule in rules
        if rule.matches(c) and (c.pk, rule.tag_id) not in existing
    }
    through.objects.bulk_create([through(customer_id=c, tag_id=t) for c, t in links])
    return len(links)


@transaction.atomic
def tag_rule_create(
    *, actor: User, tag_name: str, field: str, operator: str, value: str = ""
):
    from lenddesk.customers.models import TagRule

    if field not in dict(TagRule.FIELDS):
        raise ValidationError({"field": _("Choose a customer field.")})
    if operator not in dict(TagRule.OPERATORS):
        raise ValidationError({"operator": _("Choose a comparison.")})
    value = (value or "").strip()
    if len(value) > TagRule._meta.get_field("value").max_length:
        raise ValidationError({"value": _("The value is too long.")})
    if operator in ("gte", "lte") and not _is_finite_number(value):
        raise ValidationError({"value": _("Enter a number.")})
    if operator == "eq" and not value:
        raise ValidationError({"value": _("Enter the value to compare with.")})
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
    transaction.on_commit(lambda: _enqueue_tagging(tenant_id))
    return rule


def _is_finite_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:
        return False


def _enqueue_tagging(tenant_id: int) -> None:
    from lenddesk.customers.tasks import tag_everyone

    tag_everyone.delay(tenant_id=tenant_id)


def apply_tag_rules_everywhere(*, chunk: int = 2000) -> int:
    """Existing customers get a new rule's tag too, in committed chunks."""
    from lenddesk.tenancy.context import require_current_tenant, tenant_context

    tenant = require_current_tenant()
    added, last = 0, 0
    while True:
        with tenant_context(tenant):
            batch = list(Customer.objects.filter(pk__gt=last).order_by("pk")[:chunk])
            if not batch:
                return added
            added += apply_tag_rules(batch)
        last = batch[-1].pk
