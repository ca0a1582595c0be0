"""Automatic, fair, provable assignment of new customers (自动分配)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Department, User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import (
    AllocationCount,
    AllocationLog,
    AllocationRule,
    Customer,
)
from lenddesk.customers.services.pool import customer_assign, pool_rules
from lenddesk.customers.signals import tell_owner_changed


def active_rules() -> list[AllocationRule]:
    return list(
        AllocationRule.objects.filter(is_active=True)
        .select_related("department")
        .order_by("priority", "pk")
    )


def matching_rule(
    customer: Customer, rules: list[AllocationRule] | None = None
) -> AllocationRule | None:
    """The first active rule whose channel and city fit (``rules``: ``active_rules()``
    read once for many customers)."""
    for rule in active_rules() if rules is None else rules:
        if rule.channel and rule.channel != customer.channel:
            continue
        if rule.city and rule.city != customer.city:
            continue
        return rule
    return None


def _team(rule: AllocationRule) -> list[User]:
    return _team_of(rule.department)


def _team_of(department: Department) -> list[User]:
    return list(
        User.objects.filter(
            department__path__startswith=department.path,
            status=UserStatus.ACTIVE,
        ).order_by("pk")
    )


def _owned_counts(members: list[User]) -> dict[int, int]:
    return dict(
        Customer.objects.filter(owner__in=members)
        .values_list("owner")
        .annotate(n=Count("pk"))
    )


def _assigned_counts(rule: AllocationRule) -> dict[int, int]:
    return dict(
        AllocationCount.objects.filter(rule=rule).values_list("user_id", "assigned")
    )


def _candidates(rule, members, owned, counts, cap) -> tuple[list, list[str]]:
    """Who may receive the next customer, scored by (assigned + 1) / weight, and
    why the others were skipped."""
    candidates, skipped = [], []
    for person in members:
        weight = Decimal(str(rule.weights.get(str(person.pk), 1)))
        if weight <= 0 or not person.accepts_leads:
            skipped.append(
                "%s: %s" % (person, _("off") if weight > 0 else _("weight 0"))
            )
            continue
        if owned.get(person.pk, 0) >= cap:
            skipped.append("%s: %s" % (person, _("at cap")))
            continue
        candidates.append(
            (
                (Decimal(counts.get(person.pk, 0)) + 1) / weight,
                person.pk,
                person,
                weight,
            )
        )
    return candidates, skipped


@transaction.atomic
def allocate(
    *, customer: Customer, rule: AllocationRule | None = None, actor=None
) -> User | None:
    """Give a new customer to the next person of the matching rule's team.

    The rule row is locked while choosing, so concurrent arrivals never pick the same
    "next" person from a stale count. Returns the new owner, or None (no rule/nobody
    available: the customer stays in the public pool)."""
    rule = rule or matching_rule(customer)
    if rule is None:
        return None
    AllocationRule.objects.select_for_update().filter(pk=rule.pk).first()
    cap = pool_rules().private_cap
    members = _team(rule)
    counts = _assigned_counts(rule)
    candidates, skipped = _candidates(
        rule, members, _owned_counts(members), counts, cap
    )
    if not candidates:
        AllocationLog.objects.create(
            customer=customer,
            rule=rule,
            user=None,
            reason=_("nobody available (%s)") % "; ".join(skipped)[:250],
        )
        return None
    _score, _pk, winner, weight = min(candidates, key=lambda c: (c[0], c[1]))
    counter, _created = AllocationCount.objects.get_or_create(rule=rule, user=winner)
    AllocationCount.objects.filter(pk=counter.pk).update(assigned=F("assigned") + 1)
    customer_assign(actor=actor, customers=[customer], owner=winner)
    reason = _("rule %(rule)s: %(n)d assigned so far, weight %(w)s") % {
        "rule": rule.name,
        "n": counts.get(winner.pk, 0),
        "w": weight,
    }
    if skipped:
        reason += "; " + _("skipped %s") % ", ".join(skipped)
    AllocationLog.objects.create(
        customer=customer, rule=rule, user=winner, reason=reason[:300]
    )
    return winner


def allocation_report(*, rule: AllocationRule) -> list[dict]:
    """Per person: how many they received under this rule, their weight, and the spread."""
    counts = _assigned_counts(rule)
    rows = []
    for person in _team(rule):
        rows.append(
            {
                "user": person,
                "weight": rule.weights.get(str(person.pk), 1),
                "assigned": counts.get(person.pk, 0),
                "accepts": person.accepts_leads,
            }
        )
    return rows


def clean_weights(raw: dict[str, str], *, team: list[User]) -> dict[str, str]:
    """Weights by user id as the page posts them (``weight_<id>``): each a finite
    number from 0 (skip) to 100 for a member of the rule's team; blank means 1.
    Errors name the field and the person; nothing is saved before this passes."""
    members = {str(person.pk): person for person in team}
    clean, errors = {}, {}
    for user_id, text in raw.items():
        field = "weight_%s" % user_id
        person = members.get(str(user_id))
        if person is None:
            errors[field] = _("%(field)s: not a member of this rule's team.") % {
                "field": field
            }
            continue
        problem = _weight_problem(str(text).strip() or "1")
        if problem:
            errors[field] = _("Weight of %(person)s: %(problem)s") % {
                "person": person,
                "problem": problem,
            }
        else:
            value = Decimal(str(text).strip() or "1").normalize()
            clean[str(person.pk)] = format(value, "f")
    if errors:
        raise ValidationError(errors)
    return clean


def _weight_problem(text: str) -> str:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return _("Weights are numbers such as 1, 2 or 0.5.")
    if not value.is_finite():
        return _("Weights are numbers such as 1, 2 or 0.5.")
    if not 0 <= value <= 100:
        return _("Weights go from 0 (skip) to 100.")
    return ""


@transaction.atomic
def rule_save(*, actor, values: dict, weights: dict | None = None) -> AllocationRule:
    """A new rule and its weights, validated first and saved together."""
    department = Department.objects.filter(pk=values["department"]).first()
    if department is None:
        raise ValidationError({"department": _("Choose a team.")})
    clean = clean_weights(weights or {}, team=_team_of(department))
    rule = AllocationRule.objects.create(
        name=values["name"].strip(),
        department=department,
        channel=values.get("channel", "").strip(),
        city=values.get("city", "").strip(),
        priority=values.get("priority") or 100,
        is_active=values.get("is_active", True),
        weights=clean,
    )
    audit_record(
        actor=actor,
        action=AuditAction.ALLOCATION_RULE_CHANGED,
        target=rule,
        changes={"created": rule.name, "weights": clean},
    )
    return rule


@transaction.atomic
def rule_set_weights(
    *, actor, rule: AllocationRule, weights: dict, active: bool | None = None
) -> AllocationRule:
    clean = clean_weights(weights, team=_team(rule))
    before = dict(rule.weights)
    rule.weights = clean
    if active is not None:
        rule.is_active = active
    rule.save()
    audit_record(
        actor=actor,
        action=AuditAction.ALLOCATION_RULE_CHANGED,
        target=rule,
        changes={"weights": [before, clean], "active": rule.is_active},
    )
    return rule


def allocate_many(
    *, customers: list[Customer], rule: AllocationRule, now=None
) -> dict[int, User]:
    """The same fair choice as ``allocate`` for a whole batch (imports): decided in
    memory under the rule's lock, written with one UPDATE per receiver."""
    if not customers:
        return {}
    now = now or timezone.now()
    AllocationRule.objects.select_for_update().filter(pk=rule.pk).first()
    rules = pool_rules()
    members = [
        p
        for p in _team(rule)
        if p.accepts_leads and Decimal(str(rule.weights.get(str(p.pk), 1))) > 0
    ]
    chosen, logs = _choose_many(customers, rule, members, rules.private_cap)
    _write_choices(rule, chosen, now, rules)
    AllocationLog.objects.bulk_create(logs)
    return chosen


def _choose_many(customers, rule, members, cap) -> tuple[dict[int, User], list]:
    """Each customer's receiver in turn, counting as it goes; the log rows."""
    owned = _owned_counts(members)
    counts = _assigned_counts(rule)
    weights = {p.pk: Decimal(str(rule.weights.get(str(p.pk), 1))) for p in members}
    chosen: dict[int, User] = {}
    logs = []
    for customer in customers:
        candidates = [
            ((Decimal(counts.get(p.pk, 0)) + 1) / weights[p.pk], p.pk, p)
            for p in members
            if owned.get(p.pk, 0) < cap
        ]
        if not candidates:
            logs.append(
                AllocationLog(
                    customer=customer,
                    rule=rule,
                    user=None,
                    reason=_("nobody available"),
                )
            )
            continue
        _score, _pk, winner = min(candidates, key=lambda c: (c[0], c[1]))
        logs.append(
            AllocationLog(
                customer=customer,
                rule=rule,
                user=winner,
                reason=(
                    _("rule %(rule)s: %(n)d assigned so far, weight %(w)s")
                    % {
                        "rule": rule.name,
                        "n": counts.get(winner.pk, 0),
                        "w": weights[winner.pk],
                    }
                )[:300],
            )
        )
        counts[winner.pk] = counts.get(winner.pk, 0) + 1
        owned[winner.pk] = owned.get(winner.pk, 0) + 1
        chosen[customer.pk] = winner
    return chosen, logs


def _write_choices(rule, chosen: dict[int, User], now, rules) -> None:
    """One UPDATE per receiver, and the rule's counters."""
    by_owner: dict[int, list[int]] = {}
    for customer_id, owner in chosen.items():
        by_owner.setdefault(owner.pk, []).append(customer_id)
    for owner_id, ids in by_owner.items():
        Customer.objects.filter(pk__in=ids).update(
            owner_id=owner_id,
            pool=None,
            claimed_at=now,
            protected_until=now + dt.timedelta(days=rules.protection_days),
        )
        tell_owner_changed(actor=None, customer_ids=ids, owner_id=owner_id)
        counter, _created = AllocationCount.objects.get_or_create(
            rule=rule, user_id=owner_id
        )
        AllocationCount.objects.filter(pk=counter.pk).update(
            assigned=F("assigned") + len(ids)
        )
