from django.apps import AppConfig


def _fee_on_disbursement(*, disbursement, actor, **_kwargs) -> None:
    """The fee is owed once the approved loan is paid out. A disbursement without an
    approval on file owes nothing yet (finance refuses that fee): it never blocks
    recording the loan, and the daily sync tries again."""
    from lenddesk.finance.services.receivables import receivable_for_disbursement

    if disbursement.submission_id is not None:
        receivable_for_disbursement(disbursement, actor=actor)


class FinanceConfig(AppConfig):
    name = "lenddesk.finance"
    label = "finance"
    verbose_name = "Finance"

    def ready(self):
        from lenddesk.finance import cost_sources
        from lenddesk.orders.signals import disbursement_recorded

        cost_sources.register()
        # the fee is owed from the moment the loan is paid out (the daily sync is
        # the backstop for disbursements recorded before this existed)
        disbursement_recorded.connect(
            _fee_on_disbursement, dispatch_uid="finance.fee_on_disbursement"
        )
