"""Reads of the workflow editor: flows, their versions, steps and how many open
orders run on each version (within the reader's data scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count
from django.shortcuts import get_object_or_404

from lenddesk.accounts.models import Role, User
from lenddesk.orders.models import (
    Order,
    OrderStatus,
    VersionStatus,
    Workflow,
    WorkflowNode,
    WorkflowVersion,
)
from lenddesk.products.models import ProductType


@dataclass
class VersionRow:
    version: WorkflowVersion
    open_orders: int = 0


@dataclass
class WorkflowRow:
    workflow: Workflow
    current: WorkflowVersion | None
    draft: WorkflowVersion | None
    running: list[VersionRow] = field(default_factory=list)

    @property
    def open_orders(self) -> int:
        return sum(row.open_orders for row in self.running)

    @property
    def type_labels(self) -> list[str]:
        types = self.workflow.product_types or []
        return [ProductType(t).label for t in types if t in ProductType.values]


def open_orders_by_version(*, actor: User, workflow: Workflow | None = None) -> dict:
    """``{version id: open orders}`` in one grouped query."""
    orders = Order.objects.visible_to(actor).filter(status=OrderStatus.OPEN)
    if workflow is not None:
        orders = orders.filter(version__workflow=workflow)
    rows = orders.order_by().values("version_id").annotate(n=Count("id"))
    return {row["version_id"]: row["n"] for row in rows}


def workflow_list(*, actor: User) -> list[WorkflowRow]:
    """Every flow of the firm with its published version, its draft and the open
    orders per version (newest first): three queries whatever the number of flows."""
    workflows = list(Workflow.objects.order_by("name", "id"))
    counts = open_orders_by_version(actor=actor)
    versions = WorkflowVersion.objects.select_related("published_by").order_by(
        "workflow_id", "-number"
    )
    rows = {w.pk: WorkflowRow(workflow=w, current=None, draft=None) for w in workflows}
    for version in versions:
        row = rows.get(version.workflow_id)
        if row is None:
            continue
        if version.status == VersionStatus.DRAFT:
            row.draft = version
        if version.pk == row.workflow.current_id:
            row.current = version
        if counts.get(version.pk):
            row.running.append(VersionRow(version, counts[version.pk]))
    return [rows[w.pk] for w in workflows]


def workflow_get(*, actor: User, workflow_id: int) -> Workflow:
    return get_object_or_404(Workflow.objects.all(), pk=workflow_id)


def workflow_versions(*, actor: User, workflow: Workflow) -> list[VersionRow]:
    """Every version of the flow, newest first, with its open orders."""
    counts = open_orders_by_version(actor=actor, workflow=workflow)
    versions = (
        WorkflowVersion.objects.filter(workflow=workflow)
        .select_related("published_by")
        .order_by("-number")
    )
    return [VersionRow(v, counts.get(v.pk, 0)) for v in versions]


def version_nodes(version: WorkflowVersion) -> list[WorkflowNode]:
    return _read_steps(version.pk)


def flow_steps(order: Order) -> list[WorkflowNode]:
    """The steps of the flow version ``order`` runs on, in order. A published version
    never changes (every edit goes to a new draft), so when the order came with its
    version its steps are read once per process and kept."""
    version = order._state.fields_cache.get("version")
    if version is None or version.status == VersionStatus.DRAFT:
        return _read_steps(order.version_id)
    # when it was published as well: a version id reused (after a rolled-back
    # transaction on SQLite) names a different version
    return list(_published_steps(version.tenant_id, version.pk, version.published_at))


@lru_cache(maxsize=256)
def _published_steps(tenant_id: int, version_id: int, published_at) -> tuple:
    return tuple(_read_steps(version_id))


def _read_steps(version_id: int) -> list[WorkflowNode]:
    return list(WorkflowNode.objects.filter(version_id=version_id).order_by("position"))


def role_names() -> dict[str, str]:
    """``{role key: name}`` of the firm's roles, by name."""
    return dict(Role.objects.order_by("name").values_list("key", "name"))


def workflow_draft_of(workflow: Workflow) -> WorkflowVersion | None:
    return WorkflowVersion.objects.filter(
        workflow=workflow, status=VersionStatus.DRAFT
    ).first()


def editing_node(*, workflow: Workflow, key: str) -> WorkflowNode | None:
    """The step ``key`` of what the editor edits: the draft, else the published
    version (the first edit copies it into a new draft)."""
    version = workflow_draft_of(workflow)
    version_id = version.pk if version else workflow.current_id
    return WorkflowNode.objects.filter(version_id=version_id, key=key).first()
