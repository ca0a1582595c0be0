"""Reads for credit reports: the customer's credit panel, one report in reach, and
the query log (征信查询记录) with its filters — always within the actor's data scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.customers.models import (
    CreditAuthorisation,
    CreditQueryRecord,
    Customer,
    CustomerDocument,
    DocumentKind,
    QueryOutcome,
)
from lenddesk.web.params import int_or_none

LOG_SORTS = {"newest": ("-queried_at", "-id"), "oldest": ("queried_at", "id")}
# The earliest day a date filter takes: anything older is a typing mistake.
EARLIEST = dt.date(2000, 1, 1)


def credit_document_get(*, actor: User, document_id: int) -> CustomerDocument:
    """A credit report of a customer in the actor's reach; 404 otherwise."""
    document = (
        CustomerDocument.objects.visible_to(actor)
        .filter(pk=document_id, kind=DocumentKind.CREDIT_REPORT)
        .select_related("customer")
        .first()
    )
    if document is None:
        raise Http404
    return document


def authorisation_get(
    *, actor: User, customer: Customer, authorisation_id: int
) -> CreditAuthorisation:
    """One of the customer's authorisations, in the actor's reach; 404 otherwise."""
    authorisation = (
        CreditAuthorisation.objects.visible_to(actor)
        .filter(pk=authorisation_id, customer=customer)
        .select_related("customer")
        .first()
    )
    if authorisation is None:
        raise Http404
    return authorisation


@dataclass(frozen=True)
class CreditPanel:
    authorisations: list[CreditAuthorisation]
    reports: list[CustomerDocument]
    in_force: CreditAuthorisation | None
    recent: list[CreditQueryRecord]


def customer_credit_panel(*, actor: User, customer: Customer) -> CreditPanel:
    """The customer page's credit box: authorisations, reports, the last looks."""
    today = timezone.localdate()
    authorisations = list(
        CreditAuthorisation.objects.visible_to(actor)
        .filter(customer=customer)
        .select_related("recorded_by", "document")[:20]
    )
    in_force = next((a for a in authorisations if a.state_on(today) == "valid"), None)
    reports = list(
        CustomerDocument.objects.visible_to(actor).filter(
            customer=customer, kind=DocumentKind.CREDIT_REPORT
        )
    )
    recent = list(
        CreditQueryRecord.objects.visible_to(actor).filter(customer=customer)[:5]
    )
    return CreditPanel(authorisations, reports, in_force, recent)


@dataclass(frozen=True)
class LogFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    staff: int | None = None
    customer: int | None = None
    outcome: str = ""
    sort: str = "newest"

    def query(self) -> str:
        """The filters as a query string (for page links and the export link)."""
        values = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "staff": self.staff or "",
            "customer": self.customer or "",
            "outcome": self.outcome,
            "sort": "" if self.sort == "newest" else self.sort,
        }
        return urlencode({k: v for k, v in values.items() if v})


def _date(params, name: str, errors: dict) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if day < EARLIEST or day.year > 9998:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    return day


def _id(params, name: str, errors: dict) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = int_or_none(raw)
    if value is None or value < 1:
        errors[name] = [_("Choose from the list.")]
    return value if value and value > 0 else None


def log_filters_from(params) -> LogFilters:
    """The log's filters from a query string; a bad value is refused naming it."""
    errors: dict[str, list[str]] = {}
    date_from = _date(params, "date_from", errors)
    date_to = _date(params, "date_to", errors)
    if date_from and date_to and date_to < date_from:
        errors["date_to"] = [_("The end date is before the start date.")]
    outcome = (params.get("outcome") or "").strip()
    if outcome and outcome not in QueryOutcome.values:
        errors["outcome"] = [_("Choose from the list.")]
    sort = (params.get("sort") or "newest").strip()
    if sort not in LOG_SORTS:
        errors["sort"] = [_("Choose from the list.")]
    filters = LogFilters(
        date_from=date_from,
        date_to=date_to,
        staff=_id(params, "staff", errors),
        customer=_id(params, "customer", errors),
        outcome=outcome,
        sort=sort,
    )
    if errors:
        raise ValidationError(errors)
    return filters


def credit_log(*, actor: User, filters: LogFilters | None = None):
    """The query records the actor may see, filtered and sorted."""
    filters = filters or LogFilters()
    rows = CreditQueryRecord.objects.visible_to(actor)
    if filters.date_from:
        rows = rows.filter(queried_at__date__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(queried_at__date__lte=filters.date_to)
    if filters.staff:
        rows = rows.filter(staff_id=filters.staff)
    if filters.customer:
        rows = rows.filter(customer_id=filters.customer)
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    return rows.select_related("customer", "authorisation").order_by(
        *LOG_SORTS[filters.sort]
    )


def credit_log_staff(*, actor: User) -> list[User]:
    """The people who appear in the actor's part of the log (the staff filter)."""
    ids = CreditQueryRecord.objects.visible_to(actor).values("staff_id")
    return list(User.objects.filter(pk__in=ids).order_by("display_name"))


def credit_log_counts(
    *, actor: User, filters: LogFilters | None = None
) -> dict[str, int]:
    """How many records the filters match, and how many of them were refused."""
    return (
        credit_log(actor=actor, filters=filters)
        .order_by()
        .aggregate(
            total=Count("pk"),
            refused=Count("pk", filter=Q(outcome=QueryOutcome.REFUSED)),
        )
    )
