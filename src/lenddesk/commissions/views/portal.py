"""我的结算单 in the partner portal: the logged-in partner's own statements, on the
portal's log-in and layout. Another partner's statement is a 404."""

from __future__ import annotations

from django.http import Http404

from lenddesk.commissions import selectors
from lenddesk.partners.portal import PortalView

MODULE = "finance"


class _CommissionPortalView(PortalView):
    def dispatch(self, request, tenant_slug, *args, **kwargs):
        from lenddesk.tenancy.models import Tenant

        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None or not tenant.has_module(MODULE):
            raise Http404
        return super().dispatch(request, tenant_slug, *args, **kwargs)


class PortalStatementsView(_CommissionPortalView):
    def get(self, request):
        statements = list(selectors.portal_statements(self.partner)[:36])
        return self.page(
            request,
            "commissions/portal/statements.html",
            {"statements": statements},
        )


class PortalStatementView(_CommissionPortalView):
    def get(self, request, statement_id):
        statement = selectors.portal_statement_get(self.partner, statement_id)
        return self.page(
            request,
            "commissions/portal/statement.html",
            {"statement": statement, "lines": selectors.partner_lines(statement)},
        )
