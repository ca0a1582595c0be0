"""Payout batches, the bank transfer file, the withholding report and the
reconciliation of payouts against statements."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.commissions import payouts, reports, selectors
from lenddesk.commissions.audit import CommissionAudit
from lenddesk.commissions.forms import BatchCreateForm, PaidForm
from lenddesk.commissions.models import PayingEntity, PayoutStatus
from lenddesk.commissions.permissions import CommissionPermission as P
from lenddesk.commissions.sheets import download, xlsx_bytes
from lenddesk.commissions.views.common import month_param, shift
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_filters, list_page
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none


class BatchListView(StaffView):
    permissions = {"GET": (P.PAYOUT,), "POST": (P.PAYOUT,)}

    def _render(self, request, form, status=200):
        _q, state = list_filters(request, [s.value for s in PayoutStatus])
        rows = selectors.batch_list(status=state)
        return render(
            request,
            "commissions/batches.html",
            {
                "page": list_page(request, rows),
                "status": state,
                "statuses": PayoutStatus.choices,
                "total": rows.count(),
                "form": form,
            },
            status=status,
        )

    def get(self, request):
        return self._render(request, BatchCreateForm())

    def post(self, request):
        form = BatchCreateForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda d: payouts.payout_batch_create(
                actor=request.user, paying_entity=d["paying_entity"], month=d["month"]
            ),
            success=lambda b: (
                _("Batch %(n)s made: %(c)s payees, %(t)s yuan.")
                % {"n": b.number, "c": b.item_count, "t": b.total}
            ),
            redirect_to=lambda b: reverse("commissions:batch", args=[b.pk]),
        )
        return response or self._render(request, form, status=400)


class BatchDetailView(StaffView):
    permissions = {"GET": (P.PAYOUT,), "POST": (P.PAYOUT,)}

    def _render(self, request, batch, form, status=200):
        return render(
            request,
            "commissions/batch.html",
            {"batch": batch, "items": selectors.batch_items(batch), "form": form},
            status=status,
        )

    def get(self, request, batch_id):
        return self._render(request, selectors.batch_get(batch_id), PaidForm())

    def post(self, request, batch_id):
        batch = selectors.batch_get(batch_id)
        form = PaidForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda d: payouts.payout_mark_paid(
                actor=request.user, batch=batch, reference=d["reference"]
            ),
            success=_("Batch marked paid."),
            redirect_to=request.path,
        )
        return response or self._render(request, batch, form, status=400)


class BatchFileView(StaffView):
    permissions = {"GET": (P.PAYOUT,)}

    def get(self, request, batch_id, kind):
        batch = selectors.batch_get(batch_id)
        data, name = payouts.payout_file(actor=request.user, batch=batch, kind=kind)
        return download(data, name, kind)


def _entity(request):
    entities = list(selectors.paying_entities())
    chosen = int_or_none(request.GET.get("entity"))
    found = next((e for e in entities if e.pk == chosen), None)
    return entities, found


class WithholdingView(StaffView):
    permissions = {"GET": (P.PAYOUT,)}

    def get(self, request):
        month = month_param(request)
        entities, entity = _entity(request)
        entity = entity or (entities[0] if entities else None)
        rows = (
            reports.withholding_rows(actor=request.user, month=month, entity=entity)
            if entity
            else []
        )
        if request.GET.get("export") == "xlsx" and entity is not None:
            return self._export(request, month, entity, rows)
        return render(
            request,
            "commissions/withholding.html",
            {
                "rows": rows,
                "month": month,
                "previous": shift(month, -1),
                "next": shift(month, 1),
                "entities": entities,
                "entity": entity,
                "sums": reports.totals(rows, "income", "taxable", "tax", "net"),
            },
        )

    def _export(self, request, month, entity: PayingEntity, rows):
        headers = [str(h) for h in reports.WITHHOLDING_HEADERS]
        data = xlsx_bytes(
            request.user,
            month.strftime("%Y-%m"),
            headers,
            reports.withholding_table(rows),
        )
        audit_record(
            actor=request.user,
            action=CommissionAudit.EXPORTED,
            target=entity,
            changes={
                "report": "withholding",
                "month": month.isoformat(),
                "rows": len(rows),
            },
        )
        name = "withholding-%s-%d.xlsx" % (month.strftime("%Y%m"), entity.pk)
        return download(data, name, "xlsx")


class ReconciliationView(StaffView):
    permissions = {"GET": (P.PAYOUT,)}

    def get(self, request):
        month = month_param(request)
        entities, entity = _entity(request)
        rows = reports.reconciliation(actor=request.user, month=month, entity=entity)
        return render(
            request,
            "commissions/reconciliation.html",
            {
                "rows": rows,
                "month": month,
                "previous": shift(month, -1),
                "next": shift(month, 1),
                "entities": entities,
                "entity": entity,
                "problems": sum(1 for r in rows if r.problem),
                "sums": {
                    "net": sum(r.statement.net for r in rows),
                    "paid": sum(r.paid for r in rows),
                },
            },
        )
