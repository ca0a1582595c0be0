"""The kinds of event ``notify`` is called with, labelled for the preference matrix.

An app that adds a kind registers it here (``register_kind``) so people can choose
its channels; a kind nobody registered still reaches the inbox, and other channels
only by a firm default.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KINDS: dict[str, str] = {
    "customers.assigned": _("A customer is assigned to me"),
    "customers.followup_due": _("A follow-up is due"),
    "customers.return_warning": _("A customer is about to return to the pool"),
    "customers.returned": _("A customer returned to the pool"),
    "customers.export_approval": _("An export waits for approval"),
    "customers.export_decided": _("My export was decided"),
    "orders.opened": _("An order was opened"),
    "orders.moved": _("An order moved to a new step"),
    "orders.overdue": _("An order step is overdue"),
    "orders.handed_over": _("An order was handed over to me"),
    "orders.submission_decided": _("A funder decided a submission"),
    "orders.disbursed": _("A loan was disbursed"),
    "orders.repayment_due": _("A repayment is due"),
    "orders.instalment_overdue": _("An instalment is overdue"),
    "orders.loan_maturing": _("A loan is maturing"),
    "products.review": _("A product waits for review"),
    "partners.pending": _("A partner waits for approval"),
    "partners.referral": _("A partner referred a customer"),
    "warrants.task": _("A warrant task for me"),
    "warrants.custody": _("A warrant custody change"),
    "warrants.overdue": _("A warrant checkout is overdue"),
    "security.probe": _("Someone probed for records"),
}
# Not a choice on the matrix: the test message an admin sends from 消息设置.
TEST_LABEL = _("Test message")


def register_kind(code: str, label) -> None:
    KINDS.setdefault(code, label)


def kind_label(code: str) -> str:
    if code == "notifications.test":
        return str(TEST_LABEL)
    return str(KINDS.get(code, code))
