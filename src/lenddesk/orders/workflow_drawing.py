"""The flow drawn as SVG on the server (no chart library in the browser).

Steps are rounded boxes in order, ``columns`` to a row, the rows snaking (left to
right, then right to left) so every forward arrow is short; one column gives the
vertical layout used on phones. A dashed arrow back marks a step that may return an
order to an earlier one, a red cross a step where it may be cancelled; the end step
is a green pill. Every text is escaped; the full name is in each box's tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lenddesk.orders.models import NodeKind, WorkflowNode
from lenddesk.orders.workflows import LOCKABLE_FIELDS

BOX_W, BOX_H = 156, 68
GAP_X, GAP_Y = 48, 58
MARGIN = 36
BULGE = 44
COLOURS = {
    "box": "#206bc4",
    "box_fill": "#ffffff",
    "end": "#2fb344",
    "end_fill": "#e9f7ee",
    "text": "#1d273b",
    "muted": "#6c7a91",
    "forward": "#626976",
    "return": "#f59f00",
    "cancel": "#d63939",
}


@dataclass(frozen=True)
class _Box:
    node: WorkflowNode
    x: int
    y: int
    row: int
    col: int

    @property
    def cx(self) -> int:
        return self.x + BOX_W // 2

    @property
    def cy(self) -> int:
        return self.y + BOX_H // 2


def _fit(text: str, units: float) -> str:
    """``text`` cut to about ``units`` wide (a CJK character counts 1, others 0.55)."""
    used, kept = 0.0, []
    for char in text:
        used += 1 if ord(char) > 0x2E80 else 0.55
        if used > units:
            return "".join(kept).rstrip() + "…"
        kept.append(char)
    return text


def _layout(nodes: list[WorkflowNode], columns: int) -> list[_Box]:
    boxes = []
    for index, node in enumerate(nodes):
        row, col = divmod(index, columns)
        if row % 2:
            col = columns - 1 - col
        x = MARGIN + col * (BOX_W + GAP_X)
        y = MARGIN + row * (BOX_H + GAP_Y)
        boxes.append(_Box(node, x, y, row, col))
    return boxes


def _defs(prefix: str) -> str:
    marker = (
        '<marker id="%s-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="%s"/></marker>'
    )
    return "<defs>%s%s</defs>" % (
        marker % (prefix, "fwd", COLOURS["forward"]),
        marker % (prefix, "ret", COLOURS["return"]),
    )


def _forward(a: _Box, b: _Box, prefix: str) -> str:
    if a.row == b.row:
        right = b.col > a.col
        x1, x2 = (a.x + BOX_W, b.x) if right else (a.x, b.x + BOX_W)
        y1 = y2 = a.cy
    else:
        x1 = x2 = a.cx
        y1, y2 = a.y + BOX_H, b.y
    return (
        '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.6" '
        'marker-end="url(#%s-fwd)"/>' % (x1, y1, x2, y2, COLOURS["forward"], prefix)
    )


def _back(source: _Box, target: _Box, columns: int, prefix: str, label: str) -> str:
    """A dashed arc from ``source`` back to the step before it."""
    if source.row == target.row:
        bottom = source.y + BOX_H
        sx = source.x + (
            BOX_W * 3 // 10 if source.col > target.col else BOX_W * 7 // 10
        )
        tx = target.x + (
            BOX_W * 7 // 10 if source.col > target.col else BOX_W * 3 // 10
        )
        path = "M%d,%d Q%d,%d %d,%d" % (
            sx,
            bottom,
            (sx + tx) // 2,
            bottom + BULGE,
            tx,
            bottom + 2,
        )
    else:
        outward_right = columns == 1 or source.col == columns - 1
        edge = source.x + BOX_W if outward_right else source.x
        bulge = edge + BULGE if outward_right else edge - BULGE
        path = "M%d,%d Q%d,%d %d,%d" % (
            edge,
            source.cy - 10,
            bulge,
            (source.cy + target.cy) // 2,
            edge,
            target.cy + 10,
        )
    return (
        '<path d="%s" fill="none" stroke="%s" stroke-width="1.4" '
        'stroke-dasharray="5 4" marker-end="url(#%s-ret)"><title>%s</title></path>'
        % (path, COLOURS["return"], prefix, escape(label))
    )


def _tooltip(node: WorkflowNode, role: str, sla: str) -> str:
    parts = [node.name]
    if node.kind == NodeKind.STEP:
        parts += [role, sla]
        if node.locked_fields:
            parts.append(_("Locks: %(fields)s") % {"fields": _locked(node)})
    return " · ".join(p for p in parts if p)


def _locked(node: WorkflowNode) -> str:
    return "、".join(str(LOCKABLE_FIELDS.get(f, f)) for f in node.locked_fields)


def _step(box: _Box, role: str, sla: str) -> str:
    node = box.node
    parts = [
        '<rect x="%d" y="%d" width="%d" height="%d" rx="10" fill="%s" stroke="%s" '
        'stroke-width="1.6"/>'
        % (box.x, box.y, BOX_W, BOX_H, COLOURS["box_fill"], COLOURS["box"]),
        '<text x="%d" y="%d" text-anchor="middle" font-size="14" font-weight="600" '
        'fill="%s">%s</text>'
        % (box.cx, box.y + 24, COLOURS["text"], escape(_fit(node.name, 9))),
        '<text x="%d" y="%d" text-anchor="middle" font-size="12" fill="%s">%s</text>'
        % (box.cx, box.y + 43, COLOURS["muted"], escape(_fit(role, 11))),
        '<text x="%d" y="%d" text-anchor="middle" font-size="12" fill="%s">%s</text>'
        % (box.cx, box.y + 59, COLOURS["muted"], escape(sla)),
    ]
    if node.can_cancel:
        parts.append(
            '<g><title>%s</title><circle cx="%d" cy="%d" r="8" fill="%s"/>'
            '<text x="%d" y="%d" text-anchor="middle" font-size="12" '
            'font-weight="700" fill="#ffffff">×</text></g>'
            % (
                escape(_("May be cancelled here")),
                box.x + BOX_W - 4,
                box.y + 4,
                COLOURS["cancel"],
                box.x + BOX_W - 4,
                box.y + 8,
            )
        )
    return "".join(parts)


def _end(box: _Box) -> str:
    return (
        '<rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="%s" '
        'stroke-width="2"/><text x="%d" y="%d" text-anchor="middle" font-size="14" '
        'font-weight="700" fill="%s">%s</text>'
        % (
            box.x,
            box.y + 8,
            BOX_W,
            BOX_H - 16,
            (BOX_H - 16) // 2,
            COLOURS["end_fill"],
            COLOURS["end"],
            box.cx,
            box.cy + 5,
            COLOURS["text"],
            escape(_fit(box.node.name, 9)),
        )
    )


def _sla(node: WorkflowNode) -> str:
    if node.sla_hours:
        return _("Within %(hours)d h") % {"hours": node.sla_hours}
    return _("No time limit")


def flow_svg(
    nodes: list[WorkflowNode],
    *,
    role_names: dict[str, str],
    columns: int = 3,
    prefix: str = "wf",
) -> SafeString:
    """The drawing of ``nodes`` (in order) as one ``<svg>`` element."""
    columns = max(1, min(columns, len(nodes) or 1))
    boxes = _layout(nodes, columns)
    rows = (len(nodes) + columns - 1) // columns or 1
    width = 2 * MARGIN + columns * BOX_W + (columns - 1) * GAP_X
    height = 2 * MARGIN + rows * BOX_H + (rows - 1) * GAP_Y
    body = [_defs(prefix)]
    back_label = _("May return to the step before")
    for before, after in pairwise(boxes):
        body.append(_forward(before, after, prefix))
        if after.node.kind == NodeKind.STEP and after.node.can_return:
            body.append(_back(after, before, columns, prefix, back_label))
    for box in boxes:
        node = box.node
        role = role_names.get(node.role_key, node.role_key)
        tooltip = escape(_tooltip(node, role, _sla(node)))
        shape = _end(box) if node.kind == NodeKind.END else _step(box, role, _sla(node))
        body.append(
            '<g data-node="%s"><title>%s</title>%s</g>'
            % (escape(node.key), tooltip, shape)
        )
    if not nodes:
        body.append(
            '<text x="%d" y="%d" text-anchor="middle" font-size="13" fill="%s">%s'
            "</text>"
            % (width // 2, height // 2, COLOURS["muted"], escape(_("No steps yet")))
        )
    return mark_safe(  # noqa: S308 - every text above is escaped
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" '
        'aria-label="%s" style="width:100%%;max-width:%dpx;height:auto" '
        'font-family="inherit" data-testid="flow-drawing">%s</svg>'
        % (width, height, escape(_("Drawing of the flow")), width, "".join(body))
    )
