"""Editing and publishing workflows (流程配置).

The admin edits one draft per flow (``workflow_draft`` opens it as a copy of the
published version); publishing makes the draft the version new orders start on and
retires the previous one. Orders keep the version they started on, so nothing here
touches an order. Every write takes the draft's row lock first, so two admins editing
the same draft take turns and the positions stay a clean 0…n-1 sequence.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.models import Role, User
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.models import DocumentKind
from lenddesk.orders.errors import OrderError
from lenddesk.orders.models import (
    NodeKind,
    VersionStatus,
    Workflow,
    WorkflowNode,
    WorkflowVersion,
)
from lenddesk.orders.permissions import OrderPermission
from lenddesk.products.models import ProductType

# Order fields a step may lock from itself on (nobody changes them afterwards).
LOCKABLE_FIELDS = {
    "amount": _("Amount"),
    "term_months": _("Term"),
    "products": _("Products"),
    "fee": _("Service fee"),
}
MAX_NODES = 30
MAX_CHECKLIST_LINES = 20
CHECKLIST_LINE_LENGTH = 100
SLA_MAX_HOURS = 8760
NOTE_LENGTH = 200
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
END_KEY = "done"
END_NAME = gettext_noop("Flow finished")
# Positions are moved out of the way before being rewritten, so the unique
# (version, position) constraint never sees two rows on one number.
_PARKED = 1000

_SETTINGS = ("checklist", "sla_hours", "can_return", "can_cancel", "locked_fields")
NODE_FIELDS = ("name", "key", "role_key", "required_documents", *_SETTINGS)


class WorkflowAudit:
    """Audit action codes of the workflow editor."""

    CREATED = "orders.workflow_created"
    DRAFTED = "orders.workflow_drafted"
    DISCARDED = "orders.workflow_discarded"
    NODE_ADDED = "orders.workflow_node_added"
    NODE_CHANGED = "orders.workflow_node_changed"
    NODE_REMOVED = "orders.workflow_node_removed"
    REORDERED = "orders.workflow_reordered"
    PUBLISHED = "orders.workflow_published"


def _refusals(errors: dict) -> ValidationError:
    """A ValidationError naming its fields (``None``: the whole form) whose code also
    reaches the API's ``error``."""
    code = OrderError.WORKFLOW_INVALID
    general = errors.pop(None, [])
    error = ValidationError(
        {f: [ValidationError(m, code=code) for m in ms] for f, ms in errors.items()}
        if errors
        else [ValidationError(m, code=code) for m in general]
    )
    error.code = code
    return error


def _refusal(field: str | None, message) -> ValidationError:
    return _refusals({field: [message]})


def _require(actor: User | None) -> None:
    """``None`` is the system (seeding, demo); people need ``orders.workflow``."""
    if actor is not None and not actor.has_code(OrderPermission.WORKFLOW):
        raise PermissionDenied


def _lock_draft(draft: WorkflowVersion) -> WorkflowVersion:
    locked = (
        WorkflowVersion.objects.select_for_update()
        .filter(pk=draft.pk, status=VersionStatus.DRAFT)
        .order_by()
        .first()
    )
    if locked is None:
        raise _refusal(
            None,
            _(
                "This draft was published or discarded by someone else meanwhile; "
                "reload the page."
            ),
        )
    return locked


def _nodes(version: WorkflowVersion) -> list[WorkflowNode]:
    return list(WorkflowNode.objects.filter(version=version).order_by("position"))


def _write_positions(version: WorkflowVersion, ordered: list[WorkflowNode]) -> None:
    """Number ``ordered`` 0…n-1 (the caller holds the draft's lock)."""
    WorkflowNode.objects.filter(version=version).update(
        position=F("position") + _PARKED
    )
    for index, node in enumerate(ordered):
        node.position = index
    WorkflowNode.objects.bulk_update(ordered, ["position"])


def node_snapshot(node: WorkflowNode) -> dict:
    return {field: getattr(node, field) for field in NODE_FIELDS}


# --- checking a step's values --------------------------------------------------------


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _check_key(key: str, field: str, errors: dict) -> None:
    if not KEY_PATTERN.match(key):
        errors.setdefault(field, []).append(
            _(
                "Use 1 to 40 lower-case letters, digits, - or _, starting with a "
                "letter or a digit."
            )
        )


def _check_choices(value, allowed, field: str, errors: dict) -> list[str]:
    chosen = list(dict.fromkeys(str(v) for v in _as_list(value)))
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        errors.setdefault(field, []).append(
            _("Not a choice here: %(values)s") % {"values": ", ".join(unknown)[:100]}
        )
    return chosen


def _check_checklist(value, errors: dict) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    lines = [str(line).strip() for line in _as_list(value)]
    lines = [line for line in lines if line]
    if len(lines) > MAX_CHECKLIST_LINES:
        errors.setdefault("checklist", []).append(
            _("At most %(n)d lines.") % {"n": MAX_CHECKLIST_LINES}
        )
    if any(len(line) > CHECKLIST_LINE_LENGTH for line in lines):
        errors.setdefault("checklist", []).append(
            _("Each line at most %(n)d characters.") % {"n": CHECKLIST_LINE_LENGTH}
        )
    return lines


def _check_sla(value, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        hours = int(value)
    except (TypeError, ValueError):
        hours = 0
    if isinstance(value, bool) or not 1 <= hours <= SLA_MAX_HOURS:
        errors.setdefault("sla_hours", []).append(
            _("Give whole hours from 1 to %(max)d, or leave it empty.")
            % {"max": SLA_MAX_HOURS}
        )
        return None
    return hours


def _check_role(role_key: str, errors: dict) -> None:
    if not role_key:
        errors.setdefault("role_key", []).append(
            _("Choose the role that handles this step.")
        )
    elif not Role.objects.filter(key=role_key).exists():
        errors.setdefault("role_key", []).append(_("This firm has no such role."))


def node_values(data: dict, *, kind: str) -> dict:
    """A step's values from ``data``, checked; every problem names its field."""
    errors: dict[str, list] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the step a name.")]
    elif len(name) > 40:
        errors["name"] = [_("At most 40 characters.")]
    key = str(data.get("key") or "").strip().lower()
    _check_key(key, "key", errors)
    values: dict = {"name": name, "key": key}
    if kind == NodeKind.END:
        values.update(
            role_key="",
            required_documents=[],
            checklist=[],
            sla_hours=None,
            can_return=False,
            can_cancel=False,
            locked_fields=[],
        )
    else:
        role_key = str(data.get("role_key") or "").strip()
        _check_role(role_key, errors)
        values.update(
            role_key=role_key,
            required_documents=_check_choices(
                data.get("required_documents"),
                DocumentKind.values,
                "required_documents",
                errors,
            ),
            checklist=_check_checklist(data.get("checklist"), errors),
            sla_hours=_check_sla(data.get("sla_hours"), errors),
            can_return=bool(data.get("can_return")),
            can_cancel=bool(data.get("can_cancel")),
            locked_fields=_check_choices(
                data.get("locked_fields"), LOCKABLE_FIELDS, "locked_fields", errors
            ),
        )
    if errors:
        raise _refusals(errors)
    return values


def _free_key(nodes: list[WorkflowNode]) -> str:
    taken = {n.key for n in nodes}
    number = len(nodes) + 1
    while "step-%d" % number in taken:
        number += 1
    return "step-%d" % number


# --- flows and drafts ----------------------------------------------------------------


@transaction.atomic
def workflow_create(
    *, actor: User | None, key: str, name: str, product_types
) -> Workflow:
    """A new flow with a draft version 1 holding only its end step."""
    _require(actor)
    errors: dict[str, list] = {}
    key = str(key or "").strip().lower()
    _check_key(key, "key", errors)
    name = str(name or "").strip()
    if not name:
        errors["name"] = [_("Give the flow a name.")]
    elif len(name) > 60:
        errors["name"] = [_("At most 60 characters.")]
    types = _check_choices(product_types, ProductType.values, "product_types", errors)
    if not errors and Workflow.objects.filter(key=key).exists():
        errors["key"] = [_("Another flow already uses this key.")]
    if errors:
        raise _refusals(errors)
    workflow = Workflow.objects.create(key=key, name=name, product_types=types)
    version = WorkflowVersion.objects.create(workflow=workflow, number=1)
    with translation.override("zh-hans"):
        end_name = gettext(END_NAME)
    WorkflowNode.objects.create(
        version=version,
        position=0,
        key=END_KEY,
        name=end_name,
        kind=NodeKind.END,
        can_return=False,
        can_cancel=False,
    )
    audit_record(
        actor=actor,
        action=WorkflowAudit.CREATED,
        target=workflow,
        changes={"key": key, "name": name, "product_types": types},
    )
    return workflow


def _copy_nodes(source: WorkflowVersion | None, draft: WorkflowVersion) -> None:
    if source is None:
        return
    WorkflowNode.objects.bulk_create(
        [
            WorkflowNode(
                version=draft,
                position=node.position,
                kind=node.kind,
                **node_snapshot(node),
            )
            for node in _nodes(source)
        ]
    )


@transaction.atomic
def workflow_draft(*, actor: User | None, workflow: Workflow) -> WorkflowVersion:
    """The flow's editable draft; the first call after a publish creates version N+1
    as a copy of the published one."""
    _require(actor)
    existing = WorkflowVersion.objects.filter(
        workflow=workflow, status=VersionStatus.DRAFT
    ).first()
    if existing is not None:
        return existing
    locked = Workflow.objects.select_for_update().order_by().get(pk=workflow.pk)
    highest = WorkflowVersion.objects.filter(workflow=locked).aggregate(
        n=Max("number")
    )["n"]
    try:
        with transaction.atomic():
            draft = WorkflowVersion.objects.create(
                workflow=locked, number=(highest or 0) + 1
            )
    except IntegrityError:  # another admin opened the draft at the same moment
        return WorkflowVersion.objects.get(
            workflow=workflow, status=VersionStatus.DRAFT
        )
    _copy_nodes(locked.current, draft)
    audit_record(
        actor=actor,
        action=WorkflowAudit.DRAFTED,
        target=draft,
        changes={
            "number": draft.number,
            "from": getattr(locked.current, "number", None),
        },
    )
    return draft


@transaction.atomic
def workflow_discard(*, actor: User | None, draft: WorkflowVersion) -> None:
    """Drop the draft; the published version stays as it is. A flow that was never
    published keeps its draft (there is nothing to go back to)."""
    _require(actor)
    locked = _lock_draft(draft)
    workflow = Workflow.objects.get(pk=locked.workflow_id)
    if workflow.current_id is None:
        raise _refusal(
            None, _("This flow has never been published: edit the draft instead.")
        )
    number = locked.number
    WorkflowNode.objects.filter(version=locked).delete()
    locked.delete()
    audit_record(
        actor=actor,
        action=WorkflowAudit.DISCARDED,
        target=workflow,
        changes={"number": number},
    )


# --- steps of a draft ----------------------------------------------------------------


def _clash(nodes: list[WorkflowNode], key: str, own: WorkflowNode | None = None):
    if any(n.key == key and n is not own for n in nodes):
        raise _refusal("key", _("Another step of this flow already uses this key."))


@transaction.atomic
def node_add(*, actor: User | None, draft: WorkflowVersion, data: dict) -> WorkflowNode:
    """A new step, placed just before the end step (an end step goes last)."""
    _require(actor)
    locked = _lock_draft(draft)
    nodes = _nodes(locked)
    if len(nodes) >= MAX_NODES:
        raise _refusal(None, _("A flow has at most %(n)d steps.") % {"n": MAX_NODES})
    kind = str(data.get("kind") or NodeKind.STEP)
    if kind not in NodeKind.values:
        raise _refusal("kind", _("Choose a step or the end."))
    end = next((n for n in nodes if n.kind == NodeKind.END), None)
    if kind == NodeKind.END and end is not None:
        raise _refusal("kind", _("This flow already has its end step."))
    data = {"can_return": True, "can_cancel": True, **data}
    if not str(data.get("key") or "").strip():
        data["key"] = _free_key(nodes)
    values = node_values(data, kind=kind)
    _clash(nodes, values["key"])
    node = WorkflowNode.objects.create(
        version=locked, position=_PARKED * 2, kind=kind, **values
    )
    steps = [n for n in nodes if n is not end]
    if kind == NodeKind.END:
        ordered = [*nodes, node]
    else:
        ordered = [*steps, node, *([end] if end else [])]
    _write_positions(locked, ordered)
    audit_record(
        actor=actor,
        action=WorkflowAudit.NODE_ADDED,
        target=node,
        changes={"version": locked.number, "position": node.position, **values},
    )
    return node


def _node_of(nodes: list[WorkflowNode], key: str) -> WorkflowNode:
    node = next((n for n in nodes if n.key == key), None)
    if node is None:
        raise _refusal(
            "node",
            _("This step is no longer in the draft; reload the page."),
        )
    return node


@transaction.atomic
def node_update(
    *, actor: User | None, draft: WorkflowVersion, key: str, data: dict
) -> WorkflowNode:
    """Change a step's settings (fields missing from ``data`` keep their value)."""
    _require(actor)
    locked = _lock_draft(draft)
    nodes = _nodes(locked)
    node = _node_of(nodes, key)
    before = node_snapshot(node)
    values = node_values({**before, **data}, kind=node.kind)
    _clash(nodes, values["key"], own=node)
    for field, value in values.items():
        setattr(node, field, value)
    node.save(update_fields=list(values))
    changes = diff(before, values)
    if changes:
        audit_record(
            actor=actor,
            action=WorkflowAudit.NODE_CHANGED,
            target=node,
            changes={"version": locked.number, **changes},
        )
    return node


@transaction.atomic
def node_remove(*, actor: User | None, draft: WorkflowVersion, key: str) -> None:
    _require(actor)
    locked = _lock_draft(draft)
    nodes = _nodes(locked)
    node = _node_of(nodes, key)
    WorkflowNode.objects.filter(pk=node.pk).delete()
    _write_positions(locked, [n for n in nodes if n is not node])
    audit_record(
        actor=actor,
        action=WorkflowAudit.NODE_REMOVED,
        target=locked,
        changes={"key": node.key, "name": node.name},
    )


@transaction.atomic
def nodes_reorder(
    *, actor: User | None, draft: WorkflowVersion, keys_in_order
) -> list[WorkflowNode]:
    """Put the draft's steps in the order of ``keys_in_order``, which must name every
    step once: a list from a page that is out of date is refused, not merged."""
    _require(actor)
    keys = [str(k).strip() for k in _as_list(keys_in_order)][: MAX_NODES + 1]
    locked = _lock_draft(draft)
    nodes = _nodes(locked)
    by_key = {n.key: n for n in nodes}
    if len(keys) != len(set(keys)) or set(keys) != set(by_key):
        raise _refusal(
            "keys",
            _(
                "The steps of this draft changed meanwhile (someone else is "
                "editing it); reload the page and try again."
            ),
        )
    ordered = [by_key[k] for k in keys]
    if any(n.kind == NodeKind.END for n in ordered[:-1]):
        raise _refusal("keys", _("The end step stays last."))
    before = [n.key for n in nodes]
    if before != keys:
        _write_positions(locked, ordered)
        audit_record(
            actor=actor,
            action=WorkflowAudit.REORDERED,
            target=locked,
            changes={"keys": [before, keys]},
        )
    return ordered


# --- publishing ----------------------------------------------------------------------


def publish_problems(nodes: list[WorkflowNode]) -> list[str]:
    """Why these steps cannot be published (empty when they can)."""
    problems: list[str] = []
    if len(nodes) < 2:
        problems.append(_("A flow needs at least one step and the end step."))
    ends = [n for n in nodes if n.kind == NodeKind.END]
    if len(ends) != 1:
        problems.append(_("A flow has exactly one end step."))
    elif nodes[-1].kind != NodeKind.END:
        problems.append(_("The end step must be the last one."))
    keys = [n.key for n in nodes]
    if len(keys) != len(set(keys)):
        problems.append(_("Two steps use the same key."))
    roles = set(Role.objects.values_list("key", flat=True))
    for node in nodes:
        if node.kind == NodeKind.STEP and node.role_key not in roles:
            problems.append(
                _("Step “%(name)s”: choose a role that exists.") % {"name": node.name}
            )
    return problems


@transaction.atomic
def workflow_publish(
    *, actor: User | None, draft: WorkflowVersion, note: str = ""
) -> WorkflowVersion:
    """Make the draft the version new orders start on; the one before is retired.
    Running orders keep their version (they point at its rows, which never change)."""
    _require(actor)
    note = str(note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise _refusal("note", _("At most %(n)d characters.") % {"n": NOTE_LENGTH})
    locked = _lock_draft(draft)
    nodes = _nodes(locked)
    problems = publish_problems(nodes)
    if problems:
        raise _refusals({"nodes": problems})
    now = timezone.now()
    workflow = (
        Workflow.objects.select_for_update().order_by().get(pk=locked.workflow_id)
    )
    previous = workflow.current
    WorkflowVersion.objects.filter(
        workflow=workflow, status=VersionStatus.PUBLISHED
    ).update(status=VersionStatus.RETIRED)
    won = WorkflowVersion.objects.filter(
        pk=locked.pk, status=VersionStatus.DRAFT
    ).update(
        status=VersionStatus.PUBLISHED,
        note=note,
        published_at=now,
        published_by=actor,
    )
    if not won:  # pragma: no cover - the lock above makes this unreachable
        raise _refusal(None, _("This draft was published by someone else meanwhile."))
    Workflow.objects.filter(pk=workflow.pk).update(current=locked, updated_at=now)
    locked.refresh_from_db()
    audit_record(
        actor=actor,
        action=WorkflowAudit.PUBLISHED,
        target=locked,
        changes={
            "number": locked.number,
            "replaces": getattr(previous, "number", None),
            "steps": [n.key for n in nodes],
        },
        reason=note,
    )
    return locked


@transaction.atomic
def draft_apply(*, actor: User | None, workflow: Workflow, change):
    """Open (or continue) the flow's draft and apply ``change(draft)`` to it, all or
    nothing: a refused change leaves no new draft behind."""
    draft = workflow_draft(actor=actor, workflow=workflow)
    return change(draft)
