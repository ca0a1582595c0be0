"""Overdue check-outs: an original past its due-back time is flagged on the register
(computed from its latest entry, nothing is written to the register) and, once a
day, the person who has it and the firm's warrant officers are told."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.selectors import people_with_code
from lenddesk.notifications.services import message, notify_all
from lenddesk.warrants.permissions import WarrantPermission
from lenddesk.warrants.selectors import overdue_checkouts
from lenddesk.warrants.services.common import page_url


def notify_overdue_checkouts() -> int:
    """Run inside the firm's context (``flag_overdue_checkouts_task``). Returns how
    many originals are overdue; each person hears of each one once a day."""
    items = list(overdue_checkouts())
    if not items:
        return 0
    officers = list(people_with_code(WarrantPermission.CUSTODY_MANAGE.value))
    today = timezone.localdate().isoformat()
    messages = []
    for item in items:
        out = item.current
        title = _("Original overdue: %(item)s, due back %(when)s, with %(who)s") % {
            "item": "%s %s" % (item.get_kind_display(), item.number),
            "when": timezone.localtime(out.due_back_at).strftime("%Y-%m-%d %H:%M"),
            "who": out.custodian or "—",
        }
        recipients = {u.pk: u for u in officers}
        if out.custodian is not None:
            recipients[out.custodian.pk] = out.custodian
        messages.extend(
            message(
                recipient=person,
                kind="warrants.overdue",
                title=title,
                body=item.receipt_number,
                url=page_url("warrants:item", item.pk),
                target=item,
                dedupe_key="custody-overdue:%d:%d:%s" % (item.pk, out.pk, today),
            )
            for person in recipients.values()
        )
    notify_all(messages)
    return len(items)
