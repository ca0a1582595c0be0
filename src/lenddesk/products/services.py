"""Every write of the products module: funders, products, rule versions, matches,
reverse matches and their bulk actions, scorecards, pre-screens and review requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Role, User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer, DocumentKind, FollowUpKind
from lenddesk.products import selectors
from lenddesk.products.errors import ProductError
from lenddesk.products.matching import ProductMatch, evaluate
from lenddesk.products.models import (
    Funder,
    JobStatus,
    MatchRun,
    PreScreen,
    Product,
    ProductSettings,
    RepaymentMethod,
    ReverseMatchJob,
    ReviewRequest,
    ReviewState,
    RuleSet,
    Scorecard,
)
from lenddesk.products.rules import (
    BOOL,
    CATALOGUE,
    INT,
    MONEY,
    all_pass,
    compile_rules,
    customer_facts,
    prefilter_q,
    typed_values,
    validate_rules,
)

FUNDER_FIELDS = (
    "name",
    "kind",
    "contact_name",
    "contact_phone",
    "contact_email",
    "agreement_terms",
    "agreement_expires_on",
    "rebate_percent",
    "rebate_terms",
    "status",
)
PRODUCT_FIELDS = (
    "funder",
    "name",
    "type",
    "amount_min",
    "amount_max",
    "term_min",
    "term_max",
    "rate_min",
    "rate_max",
    "repayment_methods",
    "processing_days",
    "service_fee_percent",
    "service_fee_min",
    "guarantee_fee_percent",
    "guarantee_fee_monthly_percent",
    "required_documents",
    "description",
    "is_active",
)
INLINE_REVERSE_LIMIT = 2000
REVERSE_BATCH = 5000
REVERSE_KEEP = 10_000
CUSTOMER_COLUMNS = (
    "pk",
    "birth_date",
    "city",
    "kind",
    "monthly_income",
    "demand_amount",
    "demand_term_months",
    "has_house",
    "has_car",
    "has_life_policy",
    "has_business_licence",
    "provident_fund_months",
    "social_security_months",
    "credit_notes",
)


def _catalogue_changed() -> None:
    """Now (for this transaction's own reads) and again after the commit (so no other
    process keeps a copy read before it)."""
    from lenddesk.tenancy.context import require_current_tenant

    tenant_id = require_current_tenant().pk
    selectors.catalogue_changed(tenant_id)
    transaction.on_commit(lambda: selectors.catalogue_changed(tenant_id))


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Funder):
        return value.pk
    return value


def _changes(instance, values: dict) -> dict:
    return {
        key: [_plain(getattr(instance, key, None)), _plain(value)]
        for key, value in values.items()
        if _plain(getattr(instance, key, None)) != _plain(value)
    }


# --- Funders and products ---------------------------------------------------------


@transaction.atomic
def funder_save(*, actor: User, data: dict, funder: Funder | None = None) -> Funder:
    values = {k: data[k] for k in FUNDER_FIELDS if k in data}
    name = (values.get("name") or (funder.name if funder else "")).strip()
    if not name:
        raise ValidationError({"name": _("Give the institution's name.")})
    duplicate = Funder.objects.filter(name=name)
    if funder is not None:
        duplicate = duplicate.exclude(pk=funder.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("A funder with this name already exists.")})
    values["name"] = name
    changes = (
        _changes(funder, values)
        if funder
        else {k: _plain(v) for k, v in values.items()}
    )
    funder = funder or Funder()
    for key, value in values.items():
        setattr(funder, key, value)
    funder.save()
    _catalogue_changed()
    audit_record(
        actor=actor, action=AuditAction.FUNDER_SAVED, target=funder, changes=changes
    )
    return funder


def _check_product(values: dict) -> None:
    errors = {}
    pairs = (
        ("amount_min", "amount_max", _("The maximum amount must be ≥ the minimum.")),
        ("term_min", "term_max", _("The longest term must be ≥ the shortest.")),
        ("rate_min", "rate_max", _("The highest rate must be ≥ the lowest.")),
    )
    for low, high, message in pairs:
        both = values[low] is not None and values[high] is not None
        if both and values[high] < values[low]:
            errors[high] = message
    if values["amount_min"] is not None and values["amount_min"] <= 0:
        errors["amount_min"] = _("The minimum amount must be above 0.")
    if values["term_min"] is not None and values["term_min"] < 1:
        errors["term_min"] = _("The shortest term is at least 1 month.")
    if values["rate_min"] is not None and values["rate_min"] < 0:
        errors["rate_min"] = _("A rate cannot be negative.")
    methods = values.get("repayment_methods") or []
    if not methods:
        errors["repayment_methods"] = _("Choose at least one repayment method.")
    elif any(m not in RepaymentMethod.values for m in methods):
        errors["repayment_methods"] = _("Unknown repayment method.")
    if any(
        d not in DocumentKind.values for d in values.get("required_documents") or []
    ):
        errors["required_documents"] = _("Unknown document type.")
    if errors:
        raise ValidationError(errors, code=ProductError.INVALID_RANGE)


@transaction.atomic
def product_save(*, actor: User, data: dict, product: Product | None = None) -> Product:
    values = {k: data[k] for k in PRODUCT_FIELDS if k in data}
    merged = {k: values.get(k, getattr(product, k, None)) for k in PRODUCT_FIELDS}
    for key in ("name",):
        merged[key] = (merged[key] or "").strip()
        if not merged[key]:
            raise ValidationError({key: _("This field is required.")})
    _check_product(merged)
    funder = merged["funder"]
    clash = Product.objects.filter(funder=funder, name=merged["name"])
    if product is not None:
        clash = clash.exclude(pk=product.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("This funder already has a product with this name.")}
        )
    changes = (
        _changes(product, values)
        if product
        else {k: _plain(v) for k, v in merged.items()}
    )
    product = product or Product()
    for key, value in merged.items():
        if value is not None:
            setattr(product, key, value)
    product.save()
    _catalogue_changed()
    audit_record(
        actor=actor, action=AuditAction.PRODUCT_SAVED, target=product, changes=changes
    )
    return product


@transaction.atomic
def rules_save(
    *,
    actor: User,
    product: Product,
    rows: list[dict],
    effective_from: dt.date | None = None,
    note: str = "",
) -> RuleSet:
    """A new version of the product's rules; earlier versions stay, so a past match
    is still explained by the rules it used."""
    rules = validate_rules(rows)
    effective_from = effective_from or timezone.localdate()
    latest = (
        RuleSet.objects.filter(product=product).aggregate(n=Max("version"))["n"] or 0
    )
    rule_set = RuleSet.objects.create(
        product=product,
        version=latest + 1,
        effective_from=effective_from,
        rules=rules,
        note=(note or "").strip()[:200],
        created_by=actor,
    )
    _catalogue_changed()
    audit_record(
        actor=actor,
        action=AuditAction.PRODUCT_RULES_SAVED,
        target=product,
        changes={
            "version": rule_set.version,
            "effective_from": effective_from.isoformat(),
            "rules": rules,
        },
    )
    return rule_set


# --- Matching one customer --------------------------------------------------------


@dataclass
class MatchOutcome:
    run: MatchRun
    customer: Customer
    matches: list[ProductMatch]

    @property
    def eligible(self) -> list[ProductMatch]:
        return [m for m in self.matches if m.eligible]

    @property
    def ineligible(self) -> list[ProductMatch]:
        return [m for m in self.matches if not m.eligible]


@transaction.atomic
def match_customer(
    *, actor: User, customer: Customer, today: dt.date | None = None
) -> MatchOutcome:
    """Every active product against ``customer``, stored as a match run with the
    attributes read and the rule-set version used for each product."""
    today = today or timezone.localdate()
    products, rule_sets = selectors.catalogue(today)
    facts = customer_facts(
        customer, today=today, document_kinds=selectors.document_kinds_of(customer)
    )
    facts["on"] = today.isoformat()
    matches = evaluate(products, rule_sets, facts)
    run = MatchRun.objects.create(
        customer=customer,
        actor=actor,
        facts=facts,
        results=[m.as_record() for m in matches],
        eligible_count=sum(1 for m in matches if m.eligible),
    )
    return MatchOutcome(run=run, customer=customer, matches=matches)


def match_explain(*, run: MatchRun) -> MatchOutcome:
    """A stored match as it was answered: the stored attributes checked against the
    rule-set versions it used (not today's rules)."""
    records = run.results
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=[r["product"] for r in records]
        ).select_related("funder")
    }
    rule_sets = {
        r.pk: r
        for r in RuleSet.objects.filter(
            pk__in=[r["rule_set"] for r in records if r["rule_set"]]
        )
    }
    matches = []
    typed = typed_values(run.facts["values"])
    for record in records:
        product = products.get(record["product"])
        if product is None:
            continue
        rule_set = rule_sets.get(record["rule_set"])
        match = ProductMatch(
            product=product,
            rule_set=rule_set,
            eligible=record["eligible"],
            score=record.get("score"),
            rank=record.get("rank"),
            expected_cost=Decimal(record["expected_cost"])
            if record.get("expected_cost")
            else None,
            reasons=record.get("reasons") or [],
            facts=run.facts,
            typed=typed,
        )
        match.failed_count = len(match.failed)
        matches.append(match)
    return MatchOutcome(run=run, customer=run.customer, matches=matches)


# --- Reverse matching ---------------------------------------------------------------


def _candidates(actor: User, rules: list[dict], today: dt.date):
    return (
        Customer.objects.visible_to(actor)
        .filter(owner__isnull=False)
        .filter(prefilter_q(rules, today))
    )


@transaction.atomic
def reverse_match_start(*, actor: User, product: Product) -> ReverseMatchJob:
    """Find the actor's customers who fit ``product``. Small sets are answered at
    once; large ones run in the background with progress."""
    today = timezone.localdate()
    rule_set = selectors.rule_set_in_force(product, today)
    rules = rule_set.rules if rule_set else []
    count = _candidates(actor, rules, today).count()
    job = ReverseMatchJob.objects.create(
        product=product, rule_set=rule_set, created_by=actor, candidates=count
    )
    audit_record(
        actor=actor,
        action=AuditAction.REVERSE_MATCH_STARTED,
        target=product,
        changes={"job": job.pk, "candidates": count},
    )
    if count <= INLINE_REVERSE_LIMIT:
        _reverse_scan(job, actor, rules, today)
        return job
    tenant_id = job.tenant_id
    transaction.on_commit(lambda: _enqueue_reverse(tenant_id, job.pk))
    return job


def _enqueue_reverse(tenant_id: int, job_id: int) -> None:
    from lenddesk.products.tasks import reverse_match_run

    reverse_match_run.delay(tenant_id=tenant_id, job_id=job_id)


def _fits(compiled: list[tuple], row: dict, today: dt.date) -> bool:
    facts = customer_facts(SimpleNamespace(**row), today=today)
    return all_pass(compiled, typed_values(facts["values"]))


def _reverse_scan(
    job: ReverseMatchJob, actor: User, rules: list[dict], today: dt.date, after: int = 0
) -> int | None:
    """Check one batch of candidates after ``after`` (all of them for small jobs);
    returns the last id seen, or None when the job is complete."""
    candidates = _candidates(actor, rules, today)
    limit = REVERSE_BATCH if job.candidates > INLINE_REVERSE_LIMIT else None
    rows = candidates.filter(pk__gt=after).order_by("pk").values(*CUSTOMER_COLUMNS)
    rows = list(rows[:limit] if limit else rows)
    compiled = compile_rules(rules)
    fitting = [row["pk"] for row in rows if _fits(compiled, row, today)]
    kept = list(job.customer_ids)
    kept.extend(fitting[: max(0, REVERSE_KEEP - len(kept))])
    job.customer_ids = kept
    job.matched += len(fitting)
    job.processed += len(rows)
    if rows:
        job.last_customer_id = rows[-1]["pk"]
    done = limit is None or len(rows) < limit
    if done:
        job.status = JobStatus.COMPLETED
        job.processed = max(job.processed, job.candidates)
        job.finished_at = timezone.now()
    else:
        job.status = JobStatus.RUNNING
    job.save(
        update_fields=[
            "customer_ids",
            "matched",
            "processed",
            "last_customer_id",
            "status",
            "finished_at",
        ]
    )
    return None if done else rows[-1]["pk"]


def reverse_match_run(*, job_id: int) -> ReverseMatchJob:
    """The background part: one transaction per batch so progress is visible and a
    redelivered task continues after the last committed batch."""
    from lenddesk.tenancy.context import require_current_tenant, tenant_context

    tenant = require_current_tenant()
    with tenant_context(tenant):
        job = ReverseMatchJob.objects.select_related("created_by", "rule_set").get(
            pk=job_id
        )
    if job.status == JobStatus.COMPLETED:
        return job
    actor = job.created_by
    rules = job.rule_set.rules if job.rule_set else []
    today = timezone.localdate(job.created_at)
    after = job.last_customer_id
    try:
        while after is not None:
            with tenant_context(tenant):
                after = _reverse_scan(job, actor, rules, today, after)
    except Exception as exc:
        with tenant_context(tenant):
            ReverseMatchJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, failure=str(exc)[:300]
            )
        raise
    return job


def _job_customers(actor: User, job: ReverseMatchJob, customer_ids) -> list[Customer]:
    wanted = {int(i) for i in customer_ids if str(i).isdigit()}
    allowed = wanted.intersection(job.customer_ids)
    if not allowed:
        raise ValidationError(
            {"customers": _("Choose customers from this result.")},
            code=ProductError.NOT_IN_RESULTS,
        )
    if len(allowed) > 500:
        raise ValidationError({"customers": _("At most 500 customers at once.")})
    return list(Customer.objects.visible_to(actor).filter(pk__in=allowed))


@transaction.atomic
def reverse_bulk_followup(
    *,
    actor: User,
    job: ReverseMatchJob,
    customer_ids,
    due: dt.datetime | None = None,
    note: str = "",
) -> int:
    """A follow-up task (跟进提醒) for each chosen customer: recommend the product."""
    from lenddesk.customers.services import followup_create

    customers = _job_customers(actor, job, customer_ids)
    due = due or (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    content = (note or "").strip() or _("Recommend the new product %(product)s.") % {
        "product": job.product
    }
    for customer in customers:
        followup_create(
            actor=actor,
            customer=customer,
            kind=FollowUpKind.OTHER,
            content=content,
            next_at=due,
        )
    return len(customers)


@transaction.atomic
def reverse_bulk_assign(
    *, actor: User, job: ReverseMatchJob, customer_ids, owner: User
) -> int:
    from lenddesk.customers.services import customer_assign

    customers = _job_customers(actor, job, customer_ids)
    return customer_assign(actor=actor, customers=customers, owner=owner)


# --- Settings -------------------------------------------------------------------------


def product_settings() -> ProductSettings:
    settings, _created = ProductSettings.objects.get_or_create(
        defaults={"review_role": Role.objects.filter(key="general_manager").first()}
    )
    return settings


@transaction.atomic
def product_settings_update(
    *, actor: User, apr_ceiling: Decimal, review_role: Role | None
) -> ProductSettings:
    if apr_ceiling is None or apr_ceiling <= 0 or apr_ceiling > 100:
        raise ValidationError(
            {"apr_ceiling": _("Give a ceiling between 0 and 100 percent.")}
        )
    settings = product_settings()
    changes = {
        "apr_ceiling": [str(settings.apr_ceiling), str(apr_ceiling)],
        "review_role": [
            settings.review_role_id,
            review_role.pk if review_role else None,
        ],
    }
    settings.apr_ceiling = apr_ceiling
    settings.review_role = review_role
    settings.save()
    audit_record(
        actor=actor,
        action=AuditAction.PRODUCT_SETTINGS_CHANGED,
        target=settings,
        changes=changes,
    )
    return settings


# --- Pre-screening --------------------------------------------------------------------

HARD_RULES = {
    "invalid_id": lambda: _("No valid national ID number"),
    "under_18": lambda: _("Under 18"),
    "over_age": lambda: _("Older than the age limit"),
    "blacklisted": lambda: _("On the firm's blacklist"),
    "many_overdue": lambda: _("Too many overdue records"),
}
DEFAULT_BANDS = [
    {"field": "age", "min": 22, "max": 35, "points": 15},
    {"field": "age", "min": 36, "max": 50, "points": 20},
    {"field": "age", "min": 51, "max": 60, "points": 10},
    {"field": "monthly_income", "min": "20000", "max": None, "points": 25},
    {"field": "monthly_income", "min": "10000", "max": "19999.99", "points": 20},
    {"field": "monthly_income", "min": "5000", "max": "9999.99", "points": 10},
    {"field": "has_house", "value": True, "points": 20},
    {"field": "has_car", "value": True, "points": 5},
    {"field": "provident_fund_months", "min": 12, "max": None, "points": 10},
    {"field": "social_security_months", "min": 12, "max": None, "points": 10},
    {"field": "overdue_count", "min": 0, "max": 0, "points": 10},
    {"field": "overdue_count", "min": 3, "max": None, "points": -20},
]
DEFAULT_HARD_RULES = [
    {"code": "invalid_id"},
    {"code": "under_18"},
    {"code": "over_age", "value": 65},
    {"code": "blacklisted"},
    {"code": "many_overdue", "value": 6},
]
DEFAULT_GRADES = [
    {"grade": "A", "min": 70},
    {"grade": "B", "min": 50},
    {"grade": "C", "min": 30},
    {"grade": "D", "min": -1000},
]


def scorecard_current() -> Scorecard:
    card = Scorecard.objects.order_by("-version").first()
    if card is None:
        card, _created = Scorecard.objects.get_or_create(
            version=1,
            defaults={
                "bands": DEFAULT_BANDS,
                "hard_rules": DEFAULT_HARD_RULES,
                "grades": DEFAULT_GRADES,
            },
        )
    return card


def _band_number(attribute, raw, where: str):
    if raw in (None, ""):
        return None
    try:
        number = Decimal(str(raw).replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(
            _("%(where)s: “%(value)s” is not a number") % {"where": where, "value": raw}
        )
    if attribute.kind == INT:
        if number != number.to_integral_value():
            raise ValueError(
                _("%(where)s: “%(value)s” is not a whole number")
                % {"where": where, "value": raw}
            )
        return int(number)
    return str(number)


def validate_scorecard(bands, hard_rules, grades) -> tuple[list, list, list]:
    errors, clean_bands = [], []
    for n, band in enumerate(bands, start=1):
        where = _("Band %(n)d") % {"n": n}
        attribute = CATALOGUE.get(str(band.get("field") or ""))
        if attribute is None:
            errors.append(
                _("%(where)s: unknown field “%(field)s”.")
                % {"where": where, "field": band.get("field") or ""}
            )
            continue
        try:
            points = int(str(band.get("points", "")).strip())
        except ValueError:
            errors.append(
                _("%(where)s: points must be a whole number.") % {"where": where}
            )
            continue
        if attribute.kind == BOOL:
            value = band.get("value")
            value = (
                value
                if isinstance(value, bool)
                else str(value).lower() in ("1", "true", "yes", "on")
            )
            clean_bands.append(
                {"field": attribute.key, "value": value, "points": points}
            )
            continue
        if attribute.kind not in (INT, MONEY):
            errors.append(
                _("%(where)s: %(label)s cannot be scored in bands.")
                % {"where": where, "label": attribute.label}
            )
            continue
        try:
            low = _band_number(attribute, band.get("min"), where)
            high = _band_number(attribute, band.get("max"), where)
        except ValueError as exc:
            errors.append("%s." % exc)
            continue
        if low is None and high is None:
            errors.append(
                _("%(where)s: give a lower or an upper bound.") % {"where": where}
            )
            continue
        if (
            low is not None
            and high is not None
            and Decimal(str(high)) < Decimal(str(low))
        ):
            errors.append(
                _("%(where)s: the upper bound is below the lower.") % {"where": where}
            )
            continue
        clean_bands.append(
            {"field": attribute.key, "min": low, "max": high, "points": points}
        )
    clean_hard = []
    for rule in hard_rules:
        code = rule.get("code")
        if code not in HARD_RULES:
            errors.append(_("Unknown hard rule “%(code)s”.") % {"code": code})
            continue
        entry = {"code": code}
        if code in ("over_age", "many_overdue"):
            try:
                entry["value"] = int(rule.get("value"))
            except (TypeError, ValueError):
                errors.append(
                    _("Hard rule “%(rule)s” needs a whole number.")
                    % {"rule": HARD_RULES[code]()}
                )
                continue
        clean_hard.append(entry)
    clean_grades = []
    for grade in grades:
        try:
            clean_grades.append(
                {"grade": str(grade["grade"])[:2], "min": int(grade["min"])}
            )
        except (KeyError, TypeError, ValueError):
            errors.append(_("Each grade needs a name and a whole-number threshold."))
    if errors:
        raise ValidationError(
            {"scorecard": errors}, code=ProductError.INVALID_SCORECARD
        )
    clean_grades.sort(key=lambda g: -g["min"])
    return clean_bands, clean_hard, clean_grades


@transaction.atomic
def scorecard_save(
    *, actor: User, bands: list, hard_rules: list, grades: list, blacklist_tag: str = ""
) -> Scorecard:
    bands, hard_rules, grades = validate_scorecard(bands, hard_rules, grades)
    current = scorecard_current()
    card = Scorecard.objects.create(
        version=current.version + 1,
        bands=bands,
        hard_rules=hard_rules,
        grades=grades or DEFAULT_GRADES,
        blacklist_tag=(blacklist_tag or current.blacklist_tag).strip()[:30],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.SCORECARD_SAVED,
        target=card,
        changes={"version": card.version, "bands": bands, "hard_rules": hard_rules},
    )
    return card


def _in_band(band: dict, value) -> bool:
    if "value" in band:
        return bool(value) is bool(band["value"])
    if value is None or value == "":
        return False
    number = Decimal(str(value))
    if band.get("min") is not None and number < Decimal(str(band["min"])):
        return False
    return band.get("max") is None or number <= Decimal(str(band["max"]))


def score(
    card: Scorecard, values: dict, tags: list[str]
) -> tuple[list, int, str, bool]:
    """Lines, points, grade and whether a hard rule declined. Pure: also used to
    re-explain a stored pre-screen."""
    lines, points, declined = [], 0, False
    age = values.get("age")
    overdue = values.get("overdue_count") or 0
    for rule in card.hard_rules:
        code, limit = rule["code"], rule.get("value")
        if code == "invalid_id":
            hit = not values.get("has_valid_id")
        elif code == "under_18":
            hit = age is not None and age < 18
        elif code == "over_age":
            hit = age is not None and age > (limit or 65)
        elif code == "blacklisted":
            hit = card.blacklist_tag in tags
        else:
            hit = overdue >= (limit or 6)
        lines.append(
            {"kind": "hard", "code": code, "value": rule.get("value"), "hit": hit}
        )
        declined = declined or hit
    for band in card.bands:
        value = values.get(band["field"])
        hit = _in_band(band, value)
        if hit:
            points += band["points"]
        lines.append(
            {
                "kind": "band",
                **band,
                "actual": value,
                "hit": hit,
                "points": band["points"],
            }
        )
    grade = "D"
    if not declined:
        for step in card.grades:
            if points >= step["min"]:
                grade = step["grade"]
                break
    return lines, points, grade, declined


@transaction.atomic
def prescreen_run(*, actor: User, customer: Customer) -> PreScreen:
    card = scorecard_current()
    today = timezone.localdate()
    facts = customer_facts(
        customer, today=today, document_kinds=selectors.document_kinds_of(customer)
    )
    tags = list(customer.tags.values_list("name", flat=True))
    lines, points, grade, declined = score(card, facts["values"], tags)
    prescreen = PreScreen.objects.create(
        customer=customer,
        scorecard=card,
        actor=actor,
        inputs={**facts, "tags": tags, "on": today.isoformat()},
        lines=lines,
        points=points,
        grade=grade,
        declined=declined,
    )
    audit_record(
        actor=actor,
        action=AuditAction.PRESCREEN_RUN,
        target=customer,
        changes={
            "prescreen": prescreen.pk,
            "scorecard": card.version,
            "grade": grade,
            "points": points,
        },
    )
    return prescreen


@transaction.atomic
def review_request(
    *, actor: User, prescreen: PreScreen, reason: str = ""
) -> ReviewRequest:
    """A person reviews the automated grade (PIPL art. 24): a task for the configured
    role; everyone holding it is notified."""
    settings = product_settings()
    role = settings.review_role
    if role is None:
        raise ValidationError(
            _("No role handles human reviews yet; ask an administrator to choose one."),
            code=ProductError.NO_REVIEW_ROLE,
        )
    if ReviewRequest.objects.filter(
        prescreen=prescreen, state=ReviewState.OPEN
    ).exists():
        raise ValidationError(
            _("A review of this pre-screen is already waiting."),
            code=ProductError.REVIEW_OPEN,
        )
    review = ReviewRequest.objects.create(
        prescreen=prescreen,
        customer=prescreen.customer,
        role=role,
        requested_by=actor,
        reason=(reason or "").strip()[:300],
    )
    audit_record(
        actor=actor,
        action=AuditAction.REVIEW_REQUESTED,
        target=prescreen.customer,
        changes={"review": review.pk, "prescreen": prescreen.pk, "role": role.key},
    )
    reviewers = list(
        User.objects.filter(roles=role, status=UserStatus.ACTIVE).distinct()
    )
    if reviewers:
        from django.urls import reverse

        from lenddesk.notifications.services import notify

        notify(
            recipients=reviewers,
            kind="products.review",
            title=_("Human review requested: %(customer)s, grade %(grade)s")
            % {"customer": prescreen.customer.name, "grade": prescreen.grade},
            body=review.reason or _("Please review the automated pre-screen."),
            url=reverse("products:review", args=[review.pk]),
            target=review,
        )
    return review


@transaction.atomic
def review_resolve(
    *, actor: User, review: ReviewRequest, final_grade: str, note: str
) -> ReviewRequest:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"resolution": _("Say what you checked and decided.")})
    final_grade = (final_grade or "").strip().upper()[:2]
    grades = {g["grade"] for g in review.prescreen.scorecard.grades}
    if final_grade not in grades:
        raise ValidationError(
            {"final_grade": _("Choose one of the scorecard's grades.")}
        )
    state = (
        ReviewState.CONFIRMED
        if final_grade == review.prescreen.grade
        else ReviewState.CHANGED
    )
    won = ReviewRequest.objects.filter(pk=review.pk, state=ReviewState.OPEN).update(
        state=state,
        final_grade=final_grade,
        resolution=note[:300],
        reviewed_by=actor,
        resolved_at=timezone.now(),
    )
    if not won:
        raise ValidationError(
            _("This review has already been done."), code=ProductError.ALREADY_RESOLVED
        )
    review.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.REVIEW_RESOLVED,
        target=review.customer,
        changes={"review": review.pk, "grade": [review.prescreen.grade, final_grade]},
    )
    return review


@transaction.atomic
def disclosure_record(
    *, actor: User, customer: Customer, product: Product, sheet
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.DISCLOSURE_PRINTED,
        target=customer,
        changes={
            "product": product.pk,
            "amount": str(sheet.amount),
            "term": sheet.term,
            "method": sheet.method,
            "apr": str(sheet.apr),
        },
    )
