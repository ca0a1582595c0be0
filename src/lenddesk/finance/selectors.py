"""Every read of finance, starting from the rows the actor may see
(``visible_to``: the order's owner within the actor's data scope)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.finance.models import (
    ZERO,
    ClosedMonth,
    FirmAccount,
    OtherExpense,
    Receipt,
    Receivable,
    ReceivableStatus,
)

SEARCH_MAX = 40
COUNT_CAP = 100_000

# (key, label, first day, last day) of days since the fee fell due; None: open-ended.
AGING = (
    ("0_30", pgettext_lazy("aging", "0–30 days"), 0, 30),
    ("31_60", pgettext_lazy("aging", "31–60 days"), 31, 60),
    ("61_90", pgettext_lazy("aging", "61–90 days"), 61, 90),
    ("over_90", pgettext_lazy("aging", "Over 90 days"), 91, None),
)
SORTS = {
    "due_desc": ("-due_on", "-id"),
    "due_asc": ("due_on", "id"),
    "outstanding_desc": ("-outstanding", "-id"),
    "amount_desc": ("-amount", "-id"),
}
SORT_LABELS = {
    "due_desc": _("Newest first"),
    "due_asc": _("Oldest first"),
    "outstanding_desc": _("Most outstanding first"),
    "amount_desc": _("Highest fee first"),
}
STATUSES = [*ReceivableStatus.values, "all"]


@dataclass(frozen=True)
class ReceivableFilters:
    status: str = ReceivableStatus.OPEN
    aging: str = ""
    q: str = ""
    sort: str = "due_desc"

    @classmethod
    def from_params(cls, params) -> ReceivableFilters:
        status = params.get("status", ReceivableStatus.OPEN)
        aging = params.get("aging", "")
        sort = params.get("sort", "due_desc")
        return cls(
            status=status if status in STATUSES else ReceivableStatus.OPEN,
            aging=aging if aging in {a[0] for a in AGING} else "",
            q=str(params.get("q", "")).strip()[:SEARCH_MAX],
            sort=sort if sort in SORTS else "due_desc",
        )


def aging_q(key: str, today: dt.date | None = None) -> Q:
    """Open fees whose days since falling due lie in the bucket ``key``."""
    today = today or timezone.localdate()
    for name, _label, low, high in AGING:
        if name == key:
            q = Q(status=ReceivableStatus.OPEN, due_on__lte=today - dt.timedelta(low))
            if high is not None:
                q &= Q(due_on__gte=today - dt.timedelta(high))
            return q
    return Q()


def receivables_visible(actor) -> QuerySet[Receivable]:
    return Receivable.objects.visible_to(actor)


def _searched(rows: QuerySet, q: str) -> QuerySet:
    if not q:
        return rows
    return rows.filter(order__number__startswith=q)


def receivables_filtered(
    actor, f: ReceivableFilters | None = None
) -> QuerySet[Receivable]:
    f = f or ReceivableFilters()
    rows = _searched(receivables_visible(actor), f.q)
    if f.status != "all":
        rows = rows.filter(status=f.status)
    if f.aging:
        rows = rows.filter(aging_q(f.aging))
    return rows


def receivable_list(actor, f: ReceivableFilters | None = None) -> QuerySet[Receivable]:
    f = f or ReceivableFilters()
    return (
        receivables_filtered(actor, f)
        .select_related("order", "order__customer", "order__owner")
        .order_by(*SORTS[f.sort])
    )


def _summary_reads(today) -> dict:
    reads = {
        "n_" + status: Count("id", filter=Q(status=status))
        for status in ReceivableStatus.values
    }
    for key, *_rest in AGING:
        reads["n_" + key] = Count("id", filter=aging_q(key, today))
        reads["s_" + key] = Sum("outstanding", filter=aging_q(key, today))
    return reads


def list_summary(actor, f: ReceivableFilters | None = None) -> dict:
    """The status tabs' counts and each aging bucket's count and outstanding sum
    (open fees), under the search: one read over the actor's receivables."""
    f = f or ReceivableFilters()
    rows = _searched(receivables_visible(actor), f.q).order_by()
    found = rows.aggregate(**_summary_reads(timezone.localdate()))
    counts = {status: found["n_" + status] or 0 for status in ReceivableStatus.values}
    counts["all"] = sum(counts.values())
    aging = [
        {
            "key": key,
            "label": label,
            "count": found["n_" + key] or 0,
            "sum": found["s_" + key] or ZERO,
        }
        for key, label, _low, _high in AGING
    ]
    return {"counts": counts, "aging": aging}


def aging_summary(actor, f: ReceivableFilters | None = None) -> list[dict]:
    """Each aging bucket's count and outstanding sum (open fees)."""
    return list_summary(actor, f)["aging"]


def status_counts(actor, f: ReceivableFilters | None = None) -> dict[str, int]:
    return list_summary(actor, f)["counts"]


def capped_count(rows: QuerySet) -> int:
    return rows.order_by().values("pk")[:COUNT_CAP].count()


def receivable_get(actor, pk) -> Receivable:
    found = (
        receivables_visible(actor)
        .select_related("order", "order__customer", "order__owner", "order__channel")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def receivable_of_order(actor, order) -> Receivable | None:
    return receivables_visible(actor).filter(order=order).first()


def receipts_of(actor, order) -> list[Receipt]:
    """The order's receipts, refunds and write-offs, newest first."""
    return list(
        Receipt.objects.visible_to(actor)
        .filter(order=order)
        .select_related("account", "recorded_by", "refund_of")
        .order_by("-id")
    )


def receipts_visible(actor) -> QuerySet[Receipt]:
    return Receipt.objects.visible_to(actor).select_related(
        "order", "account", "recorded_by"
    )


def receipt_get(actor, pk) -> Receipt:
    found = receipts_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def refundable_receipts(receivable: Receivable) -> list[tuple[Receipt, Decimal]]:
    """The receivable's receipts with what is left to refund of each."""
    receipts = (
        Receipt.objects.filter(receivable=receivable, kind="receipt")
        .annotate(refunded=Sum("refunds__amount"))
        .order_by("id")
    )
    return [(r, r.amount - (r.refunded or ZERO)) for r in receipts]


def active_accounts() -> list[FirmAccount]:
    return list(FirmAccount.objects.filter(is_active=True))


def all_accounts() -> list[FirmAccount]:
    return list(FirmAccount.objects.all())


def expenses_list() -> QuerySet[OtherExpense]:
    return OtherExpense.objects.select_related("order", "channel", "recorded_by")


def closed_months() -> list[ClosedMonth]:
    return list(ClosedMonth.objects.select_related("closed_by"))
