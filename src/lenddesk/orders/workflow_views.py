"""The workflow editor's pages (流程配置): the list of flows, a new flow, and the
editor of one flow — its steps on the left, the drawn flow on the right.

Every edit posts a form; with htmx the answer is the editor again (``#wf-editor``,
the list and the drawing re-rendered), without it a redirect back to the editor. A
refused edit answers 400 with the errors next to the fields of the form it came from.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.orders import workflow_selectors as selectors
from lenddesk.orders import workflows as services
from lenddesk.orders.models import NodeKind, VersionStatus
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.workflow_drawing import flow_svg
from lenddesk.orders.workflow_forms import (
    NodeForm,
    PublishForm,
    WorkflowCreateForm,
    node_initial,
)
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none

EDIT = {"POST": (P.WORKFLOW,)}


def _editor_url(workflow) -> str:
    return reverse("orders:workflow", args=[workflow.pk])


def _swapped(keys: list[str], i: int, j: int) -> list[str]:
    keys = list(keys)
    keys[i], keys[j] = keys[j], keys[i]
    return keys


def _node_items(nodes, roles, *, edit_key=None, edit_form=None) -> list[dict]:
    keys = [n.key for n in nodes]
    items = []
    for i, node in enumerate(nodes):
        end = node.kind == NodeKind.END
        movable = not end
        form = edit_form if edit_key == node.key else None
        items.append(
            {
                "node": node,
                "end": end,
                "role": roles.get(node.role_key, node.role_key),
                "form": form
                or NodeForm(
                    initial=node_initial(node),
                    roles=roles,
                    end=end,
                    auto_id="wf-n-%s-%%s" % node.key,
                ),
                "up": _swapped(keys, i, i - 1) if movable and i > 0 else None,
                "down": _swapped(keys, i, i + 1)
                if movable and i + 1 < len(nodes) and nodes[i + 1].kind != NodeKind.END
                else None,
                "locked": [
                    services.LOCKABLE_FIELDS.get(f, f) for f in node.locked_fields
                ],
            }
        )
    return items


def _add_form(roles, data=None) -> NodeForm:
    end = bool(data) and data.get("kind") == NodeKind.END
    return NodeForm(
        data,
        roles=roles,
        adding=True,
        end=end,
        auto_id="wf-add-%s",
        initial={"kind": NodeKind.STEP, "can_return": True, "can_cancel": True},
    )


def editor_context(request, workflow, *, number=None, **shown) -> dict:
    """Everything the editor shows; ``shown`` carries bound forms with errors
    (``add_form``, ``edit_key`` + ``edit_form``, ``publish_form``) and ``errors``."""
    history = selectors.workflow_versions(actor=request.user, workflow=workflow)
    versions = [row.version for row in history]
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    current = next((v for v in versions if v.pk == workflow.current_id), None)
    editing = draft or current
    viewing = editing
    if number is not None:
        viewing = next((v for v in versions if v.number == number), None)
        if viewing is None:
            raise Http404
    roles = selectors.role_names()
    nodes = selectors.version_nodes(viewing) if viewing else []
    edit_key, edit_form = shown.get("edit_key"), shown.get("edit_form")
    errors = list(shown.get("errors", []))
    if edit_form is not None and edit_key not in {n.key for n in nodes}:
        errors += edit_form.non_field_errors()  # the step is gone: say so on top
    return {
        "workflow": workflow,
        "history": history,
        "draft": draft,
        "current": current,
        "viewing": viewing,
        "editable": viewing is not None and viewing == editing,
        "next_number": max((v.number for v in versions), default=0) + 1,
        "items": _node_items(nodes, roles, edit_key=edit_key, edit_form=edit_form),
        "add_form": shown.get("add_form") or _add_form(roles),
        "publish_form": shown.get("publish_form") or PublishForm(),
        "problems": services.publish_problems(nodes) if viewing == draft else [],
        "errors": errors,
        "notice": shown.get("notice", ""),
        "drawing_wide": flow_svg(nodes, role_names=roles, columns=3, prefix="wfw"),
        "drawing_narrow": flow_svg(nodes, role_names=roles, columns=1, prefix="wfn"),
    }


def _attempt(form: Form, action) -> bool:
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False
    return True


class EditorPostView(StaffView):
    """A change to one flow's draft: done → the editor again (htmx) or a redirect;
    refused → 400 with the form that carries the errors."""

    permissions = EDIT

    def answer(self, request, workflow, form, action, success: str, **shown):
        """``shown`` names where the errors go (``add_form``, ``edit_form`` …); with
        none of them they are listed above the steps."""
        if not request.htmx:
            done = form_submit(
                request,
                form,
                action,
                success=success,
                redirect_to=_editor_url(workflow),
            )
            if done:
                return done
        elif _attempt(form, action):
            context = editor_context(request, workflow, notice=success)
            return render(request, "orders/workflow_body.html", context)
        if not shown:
            shown = {"errors": form.non_field_errors()}
        context = editor_context(request, workflow, **shown)
        template = "orders/workflow_%s.html" % ("body" if request.htmx else "editor")
        return render(request, template, context, status=400)

    def change(self, request, workflow, edit):
        """``edit(draft, data)`` applied to the draft (opened on first use)."""
        return lambda data: services.draft_apply(
            actor=request.user,
            workflow=workflow,
            change=lambda draft: edit(draft, data),
        )


# --- pages ------------------------------------------------------------------------


class WorkflowListView(StaffView):
    permissions = {"GET": (P.WORKFLOW,)}

    def get(self, request):
        rows = selectors.workflow_list(actor=request.user)
        return render(request, "orders/workflow_list.html", {"rows": rows})


class WorkflowCreateView(StaffView):
    permissions = {"GET": (P.WORKFLOW,), "POST": (P.WORKFLOW,)}

    def get(self, request):
        form = WorkflowCreateForm()
        return render(request, "orders/workflow_create.html", {"form": form})

    def post(self, request):
        form = WorkflowCreateForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: services.workflow_create(actor=request.user, **data),
            success=_("Flow created. Add its steps, then publish it."),
            redirect_to=_editor_url,
        )
        return done or render(
            request, "orders/workflow_create.html", {"form": form}, status=400
        )


class WorkflowEditorView(StaffView):
    permissions = {"GET": (P.WORKFLOW,)}

    def get(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        number = int_or_none(request.GET.get("v"), high=100_000)
        context = editor_context(request, workflow, number=number)
        template = "orders/workflow_%s.html" % ("body" if request.htmx else "editor")
        return render(request, template, context)


# --- edits ------------------------------------------------------------------------


class NodeAddView(EditorPostView):
    def post(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        form = _add_form(selectors.role_names(), request.POST)
        action = self.change(
            request,
            workflow,
            lambda draft, data: services.node_add(
                actor=request.user, draft=draft, data=data
            ),
        )
        return self.answer(
            request, workflow, form, action, _("Step added."), add_form=form
        )


class NodeUpdateView(EditorPostView):
    def post(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        key = request.POST.get("node", "")[:40]
        node = selectors.editing_node(workflow=workflow, key=key)
        form = NodeForm(
            request.POST,
            roles=selectors.role_names(),
            end=node is not None and node.kind == NodeKind.END,
            auto_id="wf-n-%s-%%s" % key,
        )
        action = self.change(
            request,
            workflow,
            lambda draft, data: services.node_update(
                actor=request.user, draft=draft, key=key, data=data
            ),
        )
        return self.answer(
            request,
            workflow,
            form,
            action,
            _("Step saved."),
            edit_key=key,
            edit_form=form,
        )


class NodeRemoveView(EditorPostView):
    def post(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        form = Form(request.POST)
        key = request.POST.get("node", "")[:40]
        action = self.change(
            request,
            workflow,
            lambda draft, data: services.node_remove(
                actor=request.user, draft=draft, key=key
            ),
        )
        return self.answer(request, workflow, form, action, _("Step removed."))


class ReorderView(EditorPostView):
    def post(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        form = Form(request.POST)
        keys = request.POST.getlist("keys")[: services.MAX_NODES + 1]
        action = self.change(
            request,
            workflow,
            lambda draft, data: services.nodes_reorder(
                actor=request.user, draft=draft, keys_in_order=keys
            ),
        )
        return self.answer(request, workflow, form, action, _("Order saved."))


class PublishView(EditorPostView):
    def post(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        form = PublishForm(request.POST)

        def publish(data):
            draft = selectors.workflow_draft_of(workflow)
            if draft is None:
                raise ValidationError(_("There is no draft to publish."))
            return services.workflow_publish(
                actor=request.user, draft=draft, note=data["note"]
            )

        if _attempt(form, publish):
            messages.success(
                request, _("Published. New orders start on this version now.")
            )
            return redirect(_editor_url(workflow))
        context = editor_context(request, workflow, publish_form=form)
        return render(request, "orders/workflow_editor.html", context, status=400)


class DiscardView(EditorPostView):
    def post(self, request, workflow_id):
        workflow = selectors.workflow_get(actor=request.user, workflow_id=workflow_id)
        form = Form(request.POST)

        def discard(_data):
            draft = selectors.workflow_draft_of(workflow)
            if draft is None:
                raise ValidationError(_("There is no draft to discard."))
            services.workflow_discard(actor=request.user, draft=draft)

        if _attempt(form, discard):
            messages.success(request, _("Draft discarded."))
            return redirect(_editor_url(workflow))
        context = editor_context(request, workflow, errors=form.non_field_errors())
        return render(request, "orders/workflow_editor.html", context, status=400)
