"""One way for a person to become a customer, whatever brought them: a form
submission (promotion), a partner's referral, a traffic platform's delivery
(acquisition) or a row of an imported file.

    screen → (hold a person's second lead, lock) → known customers → decide
           → create │ came again → evidence (consent, attribution) → assign

``leads_take`` runs the steps over a batch, set-based (a fixed number of queries a
batch, none a row); ``lead_take`` is a batch of one that raises its screening error.
Each channel describes its people as ``Lead`` values and reads back each lead's
``outcome``; what differs between channels is said in ``LeadRun`` (who acts, whether
a known person may be refused, one audit entry a customer or one a batch, …).

The customers app does not know the channels: the consent and attribution a lead
carries are written by the step the acquisition app registers
(``register_evidence``), as departure steps register with ``accounts.handover``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_records
from lenddesk.customers.allocation import (
    active_rules,
    allocate,
    allocate_many,
    matching_rule,
)
from lenddesk.customers.models import (
    AllocationRule,
    Customer,
    DuplicatePolicy,
    FollowUp,
    FunnelStage,
    TimelineEvent,
)
from lenddesk.customers.services import (
    apply_tag_rules,
    clean_custom_fields,
    clean_values,
    default_pool,
    pool_rules,
)
from lenddesk.security.crypto import national_id_facts
from lenddesk.tenancy.bulk import bulk_insert
from lenddesk.tenancy.context import require_current_tenant


class Outcome:
    """What became of a lead."""

    CREATED = "created"  # a new customer
    CAME_AGAIN = "came_again"  # a known customer; "came in again" on their record
    REFUSED = "refused"  # known, and the policy refuses duplicates
    TWIN = "twin"  # the same person as an earlier lead of this run (policy merge)
    INVALID = "invalid"  # screening refused it (``Lead.error``)
    WAITING = "waiting"  # a person's second lead in one live batch: the next batch


@dataclass(frozen=True)
class Consent:
    """The evidence that the person agreed to a privacy-notice version."""

    notice_version: str
    source: str  # acquisition.ConsentSource
    source_ref: str = ""
    purposes: tuple = ()
    evidence: dict = field(default_factory=dict)
    ip_address: str | None = None
    user_agent: str = ""


@dataclass(frozen=True)
class Touch:
    """Who or what brought the person (first touch wins). Written for a new customer;
    for a known one only with ``known_too``, and then only its empty parts."""

    source_kind: str  # acquisition.ChannelKind
    channel: Any = None
    ad_account: Any = None
    campaign: str | None = ""  # None: the new customer's own campaign
    sharer: Any = None
    partner: Any = None
    source_ref: str = ""
    known_too: bool = False


@dataclass(eq=False)
class Lead:
    """A person arriving through a channel, as the channel describes them; the
    pipeline fills in the second half."""

    values: dict  # the customer's fields (name, city, channel, campaign …)
    source: str  # how they came, for the timeline and the audit entry
    phone: str = ""
    id_number: str = ""
    custom_fields: dict | None = None
    sharer: User | None = None
    policy: str = ""  # duplicate policy; "" is the firm's
    owner: User | None = None  # receives a new customer (at their cap: the pool)
    rule: AllocationRule | None = None  # then assigns one left in the pool …
    by_rules: bool = False  # … or the firm's first rule for its channel and city
    consent: Consent | None = None
    touch: Touch | None = None
    ref: Any = None  # the channel's own handle (a delivery, a row number)
    # Filled in by the pipeline:
    outcome: str = ""
    customer: Customer | None = None  # the new customer, or the known one
    error: ValidationError | None = None
    existing_id: int | None = None  # a known customer of the same phone or ID
    twin_of: Any = None  # ``ref`` of an earlier lead of the same person
    owner_full: bool = False  # ``owner`` was at the private-pool cap

    @property
    def keys(self) -> list[str]:
        """The person's blind indexes (phone, ID number)."""
        customer = self.customer
        return [k for k in (customer.phone_index, customer.id_number_index) if k]


@dataclass(frozen=True)
class LeadRun:
    """What differs between channels, for a whole batch."""

    actor: User | None = None  # creates, writes the timeline, allocates
    may_refuse: bool = True  # False: "reject" links a known person (a platform or
    # a partner cannot be told no)
    audit_each: bool = True  # an entry per customer; False: the caller writes one
    # for the batch (imports)
    bulk_allocation: bool = False  # rules assign in one pass, without an
    # assignment entry per customer (an import's team round-robin)
    concurrent: bool = False  # leads of one person may arrive in several workers
    # at once: lock each person, and leave a second lead in one batch for the next
    made_earlier: Callable[[set[int]], dict[int, Any]] | None = None
    # customers this run created in an earlier batch, by id → their ``ref``: a lead
    # that matches one is a twin, as within one batch (imports)


Evidence = Callable[[list[Lead]], None]
_evidence_writers: list[Evidence] = []


def register_evidence(writer: Evidence) -> None:
    """The step that writes the consent and attribution of leads that arrived."""
    if writer not in _evidence_writers:
        _evidence_writers.append(writer)


@transaction.atomic
def lead_take(lead: Lead, run: LeadRun | None = None) -> Lead:
    """One lead: its outcome, or its screening error raised."""
    leads_take([lead], run or LeadRun())
    if lead.error is not None:
        raise lead.error
    return lead


def leads_take(leads: list[Lead], run: LeadRun) -> list[Lead]:
    """Every lead's outcome, in the caller's transaction (all or nothing)."""
    live = _screen(leads, run)
    if run.concurrent:
        live = _hold_second_leads(live)
        _lock_people(live)
    fresh, again = _decide(live, known_customers(live), run)
    _create(fresh, run)
    _came_again(again, run)
    _write_evidence([lead for lead in live if lead.outcome in ARRIVED])
    _assign(fresh, run)
    return leads


ARRIVED = (Outcome.CREATED, Outcome.CAME_AGAIN)


# --- screening ----------------------------------------------------------------------


class Blank:
    """Unsaved rows of one model, each a copy of one built by the model's
    ``__init__`` with fresh values for the callable defaults (row key, custom
    fields). ``Model.__init__`` walks every field per call; for customers' fifty that
    cost more than encrypting. Values are given by attribute name (``customer_id``);
    anything else goes through the normal constructor."""

    def __init__(self, model, **fixed):
        self.model = model
        self.fixed = fixed
        template = model(**fixed)
        self.values = {k: v for k, v in template.__dict__.items() if k != "_state"}
        fields = model._meta.concrete_fields
        self.fresh = [
            (f.attname, f.get_default)
            for f in fields
            if callable(f.default) and not f.is_relation and f.attname not in fixed
        ]
        self.attnames = {f.attname for f in fields}

    def make(self, **values):
        if not self.attnames.issuperset(values):
            return self.model(**self.fixed, **values)
        obj = self.model.__new__(self.model)
        obj.__dict__.update(self.values)
        obj._state = ModelState()
        for attname, default in self.fresh:
            obj.__dict__[attname] = default()
        obj.__dict__.update(values)
        return obj


def _screen(leads: list[Lead], run: LeadRun) -> list[Lead]:
    """Each lead as an unsaved customer (no queries), or INVALID with its error."""
    blank = Blank(
        Customer,
        created_by_id=getattr(run.actor, "pk", None),
        tenant_id=require_current_tenant().pk,
    )
    live = []
    for lead in leads:
        try:
            lead.customer = prepare(lead, blank)
        except ValidationError as exc:
            lead.outcome, lead.error = Outcome.INVALID, exc
            continue
        live.append(lead)
    return live


def prepare(lead: Lead, blank: Blank) -> Customer:
    """A lead's unsaved customer: values checked as on every path, phone and ID
    number sealed and blind-indexed, pinyin keys made; raises ValidationError
    naming the fields."""
    try:
        values = clean_values(lead.values)
    except (ArithmeticError, ValueError):
        raise ValidationError({"row": [_("An amount is not a number.")]}) from None
    if not values.get("name"):
        raise ValidationError({"name": [_("Enter the customer's name.")]})
    customer = blank.make(**values)
    if lead.sharer is not None:
        customer.sharer = lead.sharer
    if lead.custom_fields is not None:
        customer.custom_fields = clean_custom_fields(lead.custom_fields)
    _seal_personal(customer, phone=lead.phone or None, id_number=lead.id_number or None)
    if not customer.phone_index and not customer.id_number_index:
        raise ValidationError({"phone": [_("Enter a mobile phone or an ID number.")]})
    customer.name_pinyin, customer.name_initials = name_keys(customer.name)
    return customer


def _seal_personal(customer: Customer, *, phone, id_number) -> None:
    """``services.apply_personal`` for a new record, without decrypting the ID number
    it has just sealed to derive birth date and gender (the same values, from the
    same input; that round trip was a tenth of an import's time)."""
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
        customer.birth_date, customer.gender = national_id_facts(id_number)


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """``services.name_keys`` with one pinyin pass instead of two: pypinyin's initial
    style is the first letter of the plain syllable (``test_imports`` holds them
    equal)."""
    syllables = lazy_pinyin(name, errors="ignore")
    return (
        "".join(syllables).lower()[:200],
        "".join(s[:1] for s in syllables).lower()[:40],
    )


# --- one person, one lead at a time ---------------------------------------------


def _hold_second_leads(leads: list[Lead]) -> list[Lead]:
    """A person's second lead in one live batch waits for the next batch, where it
    finds the first as a customer, exactly as one at a time."""
    seen: set[str] = set()
    taken = []
    for lead in leads:
        keys = set(lead.keys)
        if keys & seen:
            lead.outcome = Outcome.WAITING
            continue
        seen |= keys
        taken.append(lead)
    return taken


def _lock_people(leads: list[Lead]) -> None:
    """Serialise concurrent leads of one person (by phone and ID number) until the
    transaction ends, so the second finds the first as a duplicate instead of making a
    twin: all the advisory locks in one statement, in key order (two batches never
    wait for each other in a circle)."""
    if connection.vendor != "postgresql" or not leads:
        return
    keys = sorted({int(index[:15], 16) for lead in leads for index in lead.keys})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys",
            [keys],
        )


# --- known customers and the duplicate policy -----------------------------------


def known_customers(leads: list[Lead]) -> dict[str, int]:
    """Existing customers by blind index (the oldest of each), in one query."""
    if not leads:
        return {}
    phones = {lead.customer.phone_index for lead in leads} - {None, ""}
    ids = {lead.customer.id_number_index for lead in leads} - {None, ""}
    known: dict[str, int] = {}
    rows = (
        Customer.objects.filter(Q(phone_index__in=phones) | Q(id_number_index__in=ids))
        .order_by("pk")
        .values_list("pk", "phone_index", "id_number_index")
    )
    for pk, phone, id_number in rows:
        if phone:
            known.setdefault(phone, pk)
        if id_number:
            known.setdefault(id_number, pk)
    return known


def _decide(leads: list[Lead], known: dict[str, int], run: LeadRun):
    """Each lead by the duplicate policy: a new customer (also "flag": kept beside
    the known one), came again ("merge"), refused ("reject"), or the twin of an
    earlier lead of this run. Returns (to create, came again)."""
    earlier = _made_earlier(leads, known, run)
    firm_policy = _firm_policy(leads)
    seen: dict[str, Any] = {}
    fresh, again = [], []
    for lead in leads:
        keys = lead.keys
        found = [known[k] for k in keys if k in known]
        existing = min(found) if found else None
        twin = next((seen[k] for k in keys if k in seen), None)
        if existing in earlier:
            existing, twin = None, earlier[existing]
        lead.existing_id, lead.twin_of = existing, twin
        policy = lead.policy or firm_policy
        if policy == DuplicatePolicy.REJECT and not run.may_refuse:
            policy = DuplicatePolicy.MERGE
        if (existing is None and twin is None) or policy == DuplicatePolicy.FLAG:
            for key in keys:
                seen.setdefault(key, lead.ref)
            fresh.append(lead)
        elif policy == DuplicatePolicy.REJECT:
            lead.outcome = Outcome.REFUSED
        elif existing is not None:
            again.append(lead)
        else:
            lead.outcome = Outcome.TWIN
    return fresh, again


def _firm_policy(leads: list[Lead]) -> str:
    if all(lead.policy for lead in leads):
        return ""
    return pool_rules().duplicate_policy


def _made_earlier(leads: list[Lead], known: dict[str, int], run: LeadRun) -> dict:
    if run.made_earlier is None or not known:
        return {}
    if not any(lead.policy == DuplicatePolicy.MERGE for lead in leads):
        return {}
    return run.made_earlier(set(known.values()))


# --- writing ------------------------------------------------------------------------


def _create(leads: list[Lead], run: LeadRun) -> None:
    """New customers in one insert: with their owner while under the cap, else in
    the public pool; tag rules, a timeline line and (``audit_each``) an entry each."""
    if not leads:
        return
    now = timezone.now()
    stage = FunnelStage.objects.filter(key="new").first()
    _give_owners(leads, now)
    pool = None
    if any(lead.customer.owner_id is None for lead in leads):
        pool = default_pool()
    for lead in leads:
        customer = lead.customer
        customer.duplicate_of_id = lead.existing_id
        customer.stage = stage
        if customer.owner_id is None:
            customer.pool = pool
        lead.outcome = Outcome.CREATED
    customers = bulk_insert(Customer, [lead.customer for lead in leads], returning=True)
    apply_tag_rules(customers)
    _timeline(leads, run, "created", _("Created (%s)"))
    if run.audit_each:
        audit_records([_created_entry(lead, run) for lead in leads])


def _give_owners(leads: list[Lead], now) -> None:
    """Each owner receives new customers up to the private-pool cap (their row
    locked while counting, as for a claim); the rest go to the public pool."""
    wanted: dict[int, list[Lead]] = {}
    for lead in leads:
        if lead.owner is not None:
            wanted.setdefault(lead.owner.pk, []).append(lead)
    if not wanted:
        return
    cap = pool_rules().private_cap
    for owned_leads in wanted.values():
        owner = owned_leads[0].owner
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
        room = cap - Customer.objects.filter(owner=owner).count()
        for index, lead in enumerate(owned_leads):
            if index < room:
                lead.customer.owner, lead.customer.claimed_at = owner, now
            else:
                lead.owner_full = True


def _created_entry(lead: Lead, run: LeadRun) -> dict:
    customer = lead.customer
    return {
        "actor": run.actor,
        "action": AuditAction.CUSTOMER_CREATED,
        "target": customer,
        "changes": {
            "owner": customer.owner_id,
            "pool": customer.pool_id,
            "source": lead.source,
            "duplicate_of": lead.existing_id,
        },
    }


def _came_again(leads: list[Lead], run: LeadRun) -> None:
    """Known people: a system follow-up, a timeline line and (``audit_each``) an
    entry on the existing customer, each saying how they came in again."""
    if not leads:
        return
    existing = Customer.objects.in_bulk({lead.existing_id for lead in leads})
    for lead in leads:
        lead.customer = existing[lead.existing_id]
        lead.outcome = Outcome.CAME_AGAIN
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                customer_id=lead.existing_id,
                author=run.actor,
                kind="other",
                is_system=True,
                content=_("Came in again via %s.") % lead.source,
            )
            for lead in leads
        ]
    )
    _timeline(leads, run, "duplicate", _("Came in again via %s"))
    if run.audit_each:
        audit_records(
            [
                {
                    "actor": run.actor,
                    "action": AuditAction.CUSTOMER_DUPLICATE,
                    "target": lead.customer,
                    "changes": {"source": lead.source},
                }
                for lead in leads
            ]
        )


def _timeline(leads: list[Lead], run: LeadRun, kind: str, wording: str) -> None:
    event = Blank(
        TimelineEvent,
        actor_id=getattr(run.actor, "pk", None),
        tenant_id=require_current_tenant().pk,
    ).make
    summaries: dict[str, str] = {}
    for lead in leads:
        if lead.source not in summaries:
            summaries[lead.source] = (wording % lead.source)[:300]
    bulk_insert(
        TimelineEvent,
        [
            event(
                customer_id=lead.customer.pk, kind=kind, summary=summaries[lead.source]
            )
            for lead in leads
        ],
    )


def _write_evidence(leads: list[Lead]) -> None:
    if not any(lead.consent or lead.touch for lead in leads):
        return
    if not _evidence_writers:
        raise ImproperlyConfigured(
            "Leads carry consent or attribution but no evidence step is registered."
        )
    for writer in _evidence_writers:
        writer(leads)


def _assign(leads: list[Lead], run: LeadRun) -> None:
    """New customers left in the pool go by their rule, or the firm's rules by channel
    and city (read once); nobody available leaves them in the public pool."""
    wanted = [
        lead
        for lead in leads
        if lead.customer.owner_id is None and (lead.rule or lead.by_rules)
    ]
    if not wanted:
        return
    if run.bulk_allocation:
        _allocate_in_bulk(wanted)
        return
    rules = active_rules()
    for lead in wanted:
        rule = lead.rule or matching_rule(lead.customer, rules)
        if rule is None:
            continue
        try:
            with transaction.atomic():
                allocate(customer=lead.customer, rule=rule, actor=run.actor)
        except ValidationError:
            pass  # nobody can take it now (caps): it waits in the public pool


def _allocate_in_bulk(leads: list[Lead]) -> None:
    rules = None if all(lead.rule for lead in leads) else active_rules()
    by_rule: dict[int, tuple[AllocationRule, list[Customer]]] = {}
    for lead in leads:
        rule = lead.rule or matching_rule(lead.customer, rules)
        if rule is not None:
            by_rule.setdefault(rule.pk, (rule, []))[1].append(lead.customer)
    now = timezone.now()
    for rule, customers in by_rule.values():
        allocate_many(customers=customers, rule=rule, now=now)
