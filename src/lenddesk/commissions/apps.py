from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "lenddesk.commissions"
    label = "commissions"
    verbose_name = "Commissions"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from lenddesk.audit.labels import register_actions
        from lenddesk.commissions.audit import CommissionAudit
        from lenddesk.commissions.costs import commission_costs
        from lenddesk.commissions.services import lock_month, on_receipt_recorded
        from lenddesk.finance.closing import register_close_step
        from lenddesk.finance.costs import register_cost_kind, register_cost_source
        from lenddesk.finance.signals import receipt_recorded
        from lenddesk.partners.portal import register_portal_tab

        receipt_recorded.connect(
            on_receipt_recorded, dispatch_uid="commissions.receipt_lines"
        )
        register_actions(CommissionAudit)
        register_close_step(lock_month)
        register_cost_kind("staff_commission", _("Staff commission"))
        register_cost_kind("partner_commission", _("Partner commission"))
        register_cost_source(commission_costs)
        register_portal_tab(
            "commissions:portal_statements", _("My statements"), module="finance"
        )
