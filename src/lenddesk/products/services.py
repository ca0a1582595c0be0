"""Every write of the products module: funders, products, rule versions, matches,
reverse matches and their bulk actions, settings, human reviews and disclosures.
The scorecard and pre-screens are in ``scorecard``, the reverse-match job's scan in
``reverse_match``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Role, User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer, DocumentKind, FollowUpKind
from lenddesk.customers.services import customer_assign, followup_create
from lenddesk.notifications.services import notify
from lenddesk.products import reverse_match, selectors
from lenddesk.products.attributes import customer_facts
from lenddesk.products.errors import ProductError
from lenddesk.products.matching import ProductMatch, evaluate
from lenddesk.products.models import (
    Funder,
    MatchRun,
    PreScreen,
    Product,
    ProductSettings,
    RepaymentMethod,
    ReverseMatchJob,
    ReviewRequest,
    ReviewState,
    RuleSet,
)
from lenddesk.products.rules import typed_values, validate_rules

# Kept here for callers that know these services by this module's name.
from lenddesk.products.scorecard import prescreen_run as prescreen_run
from lenddesk.products.scorecard import scorecard_save as scorecard_save
from lenddesk.products.tasks import reverse_match_run_task
from lenddesk.tenancy.context import require_current_tenant

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


def _catalogue_changed() -> None:
    """Now (for this transaction's own reads) and again after the commit (so no other
    process keeps a copy read before it)."""
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


@transaction.atomic
def reverse_match_start(*, actor: User, product: Product) -> ReverseMatchJob:
    """Find the actor's customers who fit ``product``. Small sets are answered at
    once; large ones run in the background with progress."""
    today = timezone.localdate()
    rule_set = selectors.rule_set_in_force(product, today)
    rules = rule_set.rules if rule_set else []
    count = reverse_match.reverse_candidates(actor, rules, today).count()
    job = ReverseMatchJob.objects.create(
        product=product, rule_set=rule_set, created_by=actor, candidates=count
    )
    audit_record(
        actor=actor,
        action=AuditAction.REVERSE_MATCH_STARTED,
        target=product,
        changes={"job": job.pk, "candidates": count},
    )
    if reverse_match.runs_inline(count):
        reverse_match.reverse_scan(job, actor, rules, today)
        return job
    tenant_id = job.tenant_id
    transaction.on_commit(
        lambda: reverse_match_run_task.delay(tenant_id=tenant_id, job_id=job.pk)
    )
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
