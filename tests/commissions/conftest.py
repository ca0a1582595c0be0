"""A firm with funded orders whose fees finance records through its real services,
a staff plan, a paying entity with a partner plan, and a partner tree."""

import datetime as dt
from decimal import Decimal

import pytest

from lenddesk.commissions import services
from lenddesk.commissions.models import PartnerStatement, StaffStatement
from lenddesk.finance.services import refund_record
from lenddesk.orders.models import Order, OrderParticipant
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user
from tests.finance.conftest import fin, receivable, receive  # noqa: F401
from tests.partners.conftest import make_partner, set_depth  # noqa: F401

D = Decimal
FLAT = [{"up_to": None, "rate": "10"}]


def staff_plan(w, *, mode="marginal", shares=("100", "0", "0"), tiers=None):
    owner, tele, proc = shares
    table = tiers or {"owner": FLAT, "telemarketer": FLAT, "processor": FLAT}
    with tenant_context(w["tenant"]):
        return services.staff_plan_save(
            actor=w["admin"],
            name="2026 提成",
            tier_mode=mode,
            shares={"owner": owner, "telemarketer": tele, "processor": proc},
            tiers=table,
        )


def partner_plan(w, *, rates=("30", "0", "0"), method="per_payment", name="本公司"):
    with tenant_context(w["tenant"]):
        entity = services.paying_entity_save(actor=w["admin"], name=name, method=method)
        return services.partner_plan_save(
            actor=w["admin"],
            name="标准分佣",
            paying_entity=entity,
            rates={1: rates[0], 2: rates[1], 3: rates[2]},
            is_default=True,
        )


@pytest.fixture
def com(fin):  # noqa: F811
    """``fin`` plus a telemarketer and a processor."""
    fin["t1"] = make_user(fin["tenant"], "ft1", role_keys=["telemarketer"])
    fin["p1"] = make_user(fin["tenant"], "fp1", role_keys=["processor"])
    return fin


def fee_order(w, fee, *, partner=None, owner=None, tele=None, proc=None):
    """A funded order whose fee is ``fee`` (a fixed fee), referred by ``partner``."""
    rec = receivable(w, fee_kind="fixed", fee_rate=None, fee_fixed=D(fee), owner=owner)
    with tenant_context(w["tenant"]):
        Order.objects.filter(pk=rec.order_id).update(partner=partner, processor=proc)
        if tele is not None:
            OrderParticipant.objects.create(
                order_id=rec.order_id, user=tele, role_key="telemarketer"
            )
    return rec


def pay(w, rec, amount, day=None):
    return receive(w, rec, D(amount), day=day)


def refund(w, rec, amount, *, of=None, day=None):
    with tenant_context(w["tenant"]):
        return refund_record(
            actor=w["f1"],
            receivable=rec,
            amount=D(amount),
            occurred_on=day or dt.date.today(),
            account=w["account"],
            refund_of=of,
        )


def staff_statement(w, user, month):
    with tenant_context(w["tenant"]):
        return StaffStatement.objects.filter(user=user, month=month).first()


def partner_statement(w, partner, month):
    with tenant_context(w["tenant"]):
        return PartnerStatement.objects.filter(partner=partner, month=month).first()


def this_month():
    return dt.date.today().replace(day=1)
