"""Contract numbers: the type's prefix, the day and a running number
(JJ-20261206-0001), without gaps.

One statement takes the next number of the type and day, ``INSERT … ON CONFLICT DO
UPDATE … RETURNING`` (the pattern of ``orders.services.numbering``). Two contracts made
at the same moment get two numbers; a contract whose making fails rolls its number
back with it, so a day's numbers have no holes.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from lenddesk.contracts.models import DEFAULT_PREFIX, ContractSetting
from lenddesk.tenancy.context import require_current_tenant

_NEXT = (
    'INSERT INTO "contracts_contractsequence" ("tenant_id", "kind", "day", "last") '
    "VALUES (%s, %s, %s, 1) "
    'ON CONFLICT ("tenant_id", "kind", "day") DO UPDATE '
    'SET "last" = "contracts_contractsequence"."last" + 1 '
    'RETURNING "last"'
)


def prefix_for(kind: str) -> str:
    setting = ContractSetting.objects.filter(kind=kind).first()
    return setting.prefix if setting else DEFAULT_PREFIX[kind]


def next_contract_number(kind: str, day: dt.date | None = None) -> str:
    """The firm's next number of contract type ``kind`` on ``day`` (today in the
    firm's time zone). Call inside the transaction that creates the contract."""
    day = day or timezone.localdate()
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        cursor.execute(
            _NEXT, [tenant.pk, kind, connection.ops.adapt_datefield_value(day)]
        )
        last = int(cursor.fetchone()[0])
    return "%s-%s-%04d" % (prefix_for(kind), day.strftime("%Y%m%d"), last)
