"""Reads of contracts, each starting from the rows the actor may see; templates are
the firm's configuration, read behind their permission codes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404

from lenddesk.accounts.models import User
from lenddesk.contracts.models import (
    Contract,
    ContractKind,
    ContractStatus,
    ContractTemplate,
    ContractVersion,
)
from lenddesk.orders.models import Order
from lenddesk.web.listing import SEARCH_MAX
from lenddesk.web.params import int_or_none

SORTS = {"newest": "-id", "oldest": "id", "number": "number", "-number": "-number"}


@dataclass(frozen=True)
class ContractFilters:
    status: str = ""
    kind: str = ""
    q: str = ""
    order: int | None = None
    sort: str = "newest"


def filters_from(params) -> ContractFilters:
    status = params.get("status", "")
    kind = params.get("kind", "")
    sort = params.get("sort", "newest")
    return ContractFilters(
        status=status if status in ContractStatus.values else "",
        kind=kind if kind in ContractKind.values else "",
        q=(params.get("q") or "").strip()[:SEARCH_MAX],
        order=int_or_none(params.get("order")),
        sort=sort if sort in SORTS else "newest",
    )


def contracts_visible(actor: User) -> QuerySet[Contract]:
    return Contract.objects.visible_to(actor)


def _filtered(actor: User, f: ContractFilters, *, with_status: bool = True):
    rows = contracts_visible(actor)
    if with_status and f.status:
        rows = rows.filter(status=f.status)
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.order:
        rows = rows.filter(order_id=f.order)
    if f.q:
        rows = (
            rows.filter(number__startswith=f.q.upper())
            | rows.filter(order__customer__name__startswith=f.q)
            | rows.filter(order__number__startswith=f.q)
        )
    return rows


def contract_list(*, actor: User, filters: ContractFilters) -> QuerySet[Contract]:
    return (
        _filtered(actor, filters)
        .select_related("order__customer", "order__owner")
        .order_by(SORTS[filters.sort], "-id")
    )


def status_counts(*, actor: User, filters: ContractFilters) -> dict[str, int]:
    rows = _filtered(actor, filters, with_status=False)
    return {
        row["status"]: row["n"]
        for row in rows.order_by().values("status").annotate(n=Count("id"))
    }


def contract_get(*, actor: User, contract_id: int) -> Contract:
    contract = (
        contracts_visible(actor)
        .filter(pk=contract_id)
        .select_related("order__customer", "order__owner", "signed_scan", "signed_by")
        .first()
    )
    if contract is None:
        raise Http404
    return contract


def contract_versions(*, actor: User, contract: Contract) -> list[ContractVersion]:
    return list(
        ContractVersion.objects.visible_to(actor)
        .filter(contract=contract)
        .select_related("template", "created_by")
        .order_by("-number")
    )


def version_get(*, actor: User, contract: Contract, number: int) -> ContractVersion:
    version = (
        ContractVersion.objects.visible_to(actor)
        .filter(contract=contract, number=number)
        .select_related("contract")
        .first()
    )
    if version is None:
        raise Http404
    return version


def order_contracts(*, actor: User, order: Order) -> list[Contract]:
    return list(contracts_visible(actor).filter(order=order).order_by("-id"))


def templates_by_kind() -> list[dict]:
    """Each contract type with its current template and earlier versions."""
    rows = list(ContractTemplate.objects.select_related("uploaded_by"))
    shown = []
    for kind, label in ContractKind.choices:
        versions = sorted((t for t in rows if t.kind == kind), key=lambda t: -t.version)
        shown.append(
            {
                "kind": kind,
                "label": label,
                "current": versions[0] if versions else None,
                "versions": versions,
            }
        )
    return shown


def kinds_with_template() -> set[str]:
    return set(ContractTemplate.objects.values_list("kind", flat=True).distinct())
