"""Every read of funders, products, matches, pre-screens and reviews."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.customers.models import Customer, CustomerDocument
from lenddesk.customers.selectors import customer_get, customers_reachable
from lenddesk.products.models import (
    Funder,
    MatchRun,
    PreScreen,
    Product,
    ReverseMatchJob,
    ReviewRequest,
    ReviewState,
    RuleSet,
)
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.tenancy.context import require_current_tenant

_CATALOGUE_KEY = "products:catalogue:%s"
_catalogues: dict[int, tuple] = {}


def funder_list() -> QuerySet[Funder]:
    return Funder.objects.order_by("name")


def funders_with_product_counts() -> QuerySet[Funder]:
    return funder_list().annotate(product_count=Count("products"))


def funder_get(*, funder_id: int) -> Funder:
    funder = Funder.objects.filter(pk=funder_id).first()
    if funder is None:
        raise Http404
    return funder


def product_list(
    *, product_type: str = "", funder_id: int | None = None, active: bool | None = None
) -> QuerySet[Product]:
    products = Product.objects.select_related("funder")
    if product_type:
        products = products.filter(type=product_type)
    if funder_id:
        products = products.filter(funder_id=funder_id)
    if active is not None:
        products = products.filter(is_active=active)
    return products.order_by("funder__name", "name")


def product_get(*, product_id: int) -> Product:
    product = Product.objects.select_related("funder").filter(pk=product_id).first()
    if product is None:
        raise Http404
    return product


def rule_sets_of(product: Product) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(product=product).select_related("created_by")


def rule_set_in_force(product: Product, on: dt.date | None = None) -> RuleSet | None:
    on = on or timezone.localdate()
    return (
        RuleSet.objects.filter(product=product, effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )


def rule_sets_in_force(product_ids, on: dt.date) -> dict[int, RuleSet]:
    """The rule set in force on ``on`` for each product, in one query."""
    chosen: dict[int, RuleSet] = {}
    for rule_set in RuleSet.objects.filter(
        product_id__in=product_ids, effective_from__lte=on
    ).order_by("product_id", "-effective_from", "-version"):
        chosen.setdefault(rule_set.product_id, rule_set)
    return chosen


def active_products() -> list[Product]:
    return list(
        Product.objects.filter(is_active=True).select_related("funder").order_by("pk")
    )


def catalogue_token(tenant_id: int) -> str:
    """A random token that changes whenever the firm's catalogue changes; kept in the
    shared cache so every process notices."""
    key = _CATALOGUE_KEY % tenant_id
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key) or ""
    return token


def catalogue_changed(tenant_id: int) -> None:
    cache.set(_CATALOGUE_KEY % tenant_id, uuid.uuid4().hex, None)


def catalogue(on: dt.date) -> tuple[list[Product], dict[int, RuleSet]]:
    """The active products and the rule set in force for each on ``on``. Matching one
    customer reads the whole catalogue, so each process keeps the firm's latest copy
    (with compiled rules) until a product, funder or rule set changes."""
    tenant_id = require_current_tenant().pk
    token = catalogue_token(tenant_id)
    kept = _catalogues.get(tenant_id)
    if kept is not None and kept[0] == (token, on):
        return kept[1]
    products = active_products()
    loaded = (products, rule_sets_in_force([p.pk for p in products], on))
    if token:
        _catalogues[tenant_id] = ((token, on), loaded)
    return loaded


def document_kinds_of(customer: Customer) -> set[str]:
    return set(
        CustomerDocument.objects.filter(customer=customer).values_list(
            "kind", flat=True
        )
    )


def match_runs_of(*, customer: Customer, limit: int = 10) -> list[MatchRun]:
    return list(
        MatchRun.objects.filter(customer=customer)
        .select_related("actor")
        .only("pk", "created_at", "eligible_count", "actor__display_name", "customer")
        .order_by("-pk")[:limit]
    )


def owned_customer_get(*, actor: User, customer_id: int) -> Customer:
    """A customer the actor may see who has an owner: matching, pre-screening and a
    customer's cost sheet are not for customers in a public pool."""
    customer = customer_get(actor=actor, customer_id=customer_id)
    if customer.owner_id is None:
        raise Http404
    return customer


def match_run_get(*, actor: User, run_id: int) -> MatchRun:
    run = (
        MatchRun.objects.filter(
            pk=run_id,
            customer__in=customers_reachable(actor).filter(owner__isnull=False),
        )
        .select_related("customer")
        .first()
    )
    if run is None:
        raise Http404
    return run


def job_get(*, actor: User, job_id: int) -> ReverseMatchJob:
    job = (
        ReverseMatchJob.objects.visible_to(actor)
        .filter(pk=job_id)
        .select_related("product__funder", "rule_set")
        .first()
    )
    if job is None:
        raise Http404
    return job


def jobs_of(*, actor: User, product: Product) -> list[ReverseMatchJob]:
    return list(
        ReverseMatchJob.objects.filter(created_by=actor, product=product).order_by(
            "-pk"
        )[:5]
    )


def job_customers(
    *, actor: User, job: ReverseMatchJob, limit: int = 200
) -> list[Customer]:
    """The job's fitting customers that are still in the actor's scope."""
    ids = job.customer_ids[-limit:]
    return list(
        Customer.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_related("owner", "stage")
        .order_by("-pk")
    )


def _prescreens_for(actor: User) -> QuerySet[PreScreen]:
    if actor.has_code(P.REVIEW):
        return PreScreen.objects.all()
    return PreScreen.objects.filter(
        customer__in=customers_reachable(actor).filter(owner__isnull=False)
    )


def prescreen_get(*, actor: User, prescreen_id: int) -> PreScreen:
    prescreen = (
        _prescreens_for(actor)
        .filter(pk=prescreen_id)
        .select_related("customer", "scorecard", "actor")
        .first()
    )
    if prescreen is None:
        raise Http404
    return prescreen


def prescreens_of(*, customer: Customer, limit: int = 5) -> list[PreScreen]:
    return list(PreScreen.objects.filter(customer=customer).order_by("-pk")[:limit])


def _reviews_for(actor: User) -> QuerySet[ReviewRequest]:
    """Reviewers see the requests routed to one of their roles (or to nobody yet);
    product managers see them all."""
    if actor.has_code(P.MANAGE):
        return ReviewRequest.objects.all()
    role_ids = [r.pk for r in actor.role_list()]
    return ReviewRequest.objects.filter(Q(role_id__in=role_ids) | Q(role__isnull=True))


def review_list(*, actor: User, state: str = "") -> list[ReviewRequest]:
    reviews = _reviews_for(actor).select_related(
        "customer", "prescreen", "requested_by", "reviewed_by", "role"
    )
    if state in ReviewState.values:
        reviews = reviews.filter(state=state)
    return list(reviews.order_by("-pk")[:200])


def review_get(*, actor: User, review_id: int) -> ReviewRequest:
    review = (
        _reviews_for(actor)
        .filter(pk=review_id)
        .select_related("customer", "prescreen", "requested_by")
        .first()
    )
    if review is None:
        raise Http404
    return review


def reviews_of(*, prescreen: PreScreen) -> list[ReviewRequest]:
    return list(ReviewRequest.objects.filter(prescreen=prescreen).order_by("-pk"))
