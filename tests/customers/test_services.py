"""Customer writes as salespeople and managers use them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers import services
from lenddesk.customers.models import Customer, DuplicatePolicy, FollowUp, PoolRules
from lenddesk.customers.selectors import CustomerFilters, customer_list
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer


def test_create_encrypts_derives_and_audits(tenant_a, admin_a, team):
    with tenant_context(tenant_a):
        result = services.customer_create(
            actor=team["s1"],
            data={"name": "张三", "demand_amount": "300000.456"},
            phone="138 0013 8000",
            id_number="110105199001011232",
            owner=team["s1"],
        )
        customer = Customer.objects.get(pk=result.customer.pk)
    assert customer.owner_id == team["s1"].pk and customer.pool_id is None
    assert customer.name_initials == "zs" and customer.name_pinyin == "zhangsan"
    assert customer.birth_date == dt.date(1990, 1, 1) and customer.gender == "M"
    assert customer.demand_amount == Decimal("300000.46")
    assert b"13800138000" not in bytes(customer.phone_cipher)
    with tenant_context(tenant_a):
        assert customer.masked("phone") == "138****8000"
        assert (
            AuditEvent.objects.filter(action=AuditAction.CUSTOMER_CREATED).count() == 1
        )


@pytest.mark.parametrize(
    ("data", "phone", "field"),
    [
        ({"name": ""}, "13800138000", "name"),
        ({"name": "李四"}, "", "phone"),
        ({"name": "李四"}, "12345", "phone"),
        ({"name": "李四", "demand_amount": "-1"}, "13800138001", "demand_amount"),
    ],
)
def test_bad_input_names_the_field(tenant_a, admin_a, data, phone, field):
    with tenant_context(tenant_a), pytest.raises(ValidationError) as info:
        services.customer_create(actor=admin_a, data=data, phone=phone, owner=admin_a)
    assert field in info.value.message_dict


def test_duplicate_policies(tenant_a, admin_a, team):
    first = add_customer(tenant_a, team["s1"], owner=team["s1"], phone="13800138000")
    with tenant_context(tenant_a):
        merged = services.customer_create(
            actor=team["s3"],
            data={"name": "张三", "channel": "抖音"},
            phone="+86 138-0013-8000",
            owner=team["s3"],
            policy=DuplicatePolicy.MERGE,
        )
        assert not merged.created and merged.customer.pk == first.pk
        assert FollowUp.objects.filter(
            customer=first, content__contains="抖音"
        ).exists()
        with pytest.raises(ValidationError) as info:
            services.customer_create(
                actor=team["s3"],
                data={"name": "张三"},
                phone="13800138000",
                owner=team["s3"],
                policy=DuplicatePolicy.REJECT,
            )
        message = " ".join(info.value.message_dict["phone"])
        assert "s1" not in message  # s3 may not see s1's customers: no name given
        lead_view = pytest.raises(ValidationError)
        with lead_view as lead_info:
            services.customer_create(
                actor=team["lead1"],
                data={"name": "张三"},
                phone="13800138000",
                owner=team["lead1"],
                policy=DuplicatePolicy.REJECT,
            )
        assert "s1" in " ".join(lead_info.value.message_dict["phone"])
        flagged = services.customer_create(
            actor=team["s3"],
            data={"name": "张三"},
            phone="13800138000",
            owner=team["s3"],
            policy=DuplicatePolicy.FLAG,
        )
        assert flagged.created and flagged.customer.duplicate_of_id == first.pk


def test_claim_release_cooldown(tenant_a, admin_a, team):
    customer = add_customer(tenant_a, admin_a)
    with tenant_context(tenant_a):
        services.customer_claim(actor=team["s1"], customer=customer)
        with pytest.raises(ValidationError) as info:
            services.customer_claim(
                actor=team["s2"], customer=Customer.objects.get(pk=customer.pk)
            )
        assert info.value.code == "already_claimed"
        services.customer_release(
            actor=team["s1"], customer=Customer.objects.get(pk=customer.pk)
        )
        with pytest.raises(ValidationError) as info:
            services.customer_claim(
                actor=team["s1"], customer=Customer.objects.get(pk=customer.pk)
            )
        assert info.value.code == "cooldown"
        services.customer_claim(
            actor=team["s2"], customer=Customer.objects.get(pk=customer.pk)
        )
        assert Customer.objects.get(pk=customer.pk).owner_id == team["s2"].pk


def test_daily_limit_and_private_cap(tenant_a, admin_a, team):
    with tenant_context(tenant_a):
        PoolRules.objects.update(daily_claim_limit=2, private_cap=3)
    pool = [add_customer(tenant_a, admin_a, name="客户%d" % i) for i in range(5)]
    with tenant_context(tenant_a):
        services.customer_claim(actor=team["s1"], customer=pool[0])
        services.customer_claim(actor=team["s1"], customer=pool[1])
        with pytest.raises(ValidationError) as info:
            services.customer_claim(actor=team["s1"], customer=pool[2])
        assert info.value.code == "claim_limit_reached"
        services.customer_assign(actor=admin_a, customers=[pool[2]], owner=team["s1"])
        with pytest.raises(ValidationError) as info:
            services.customer_assign(
                actor=admin_a, customers=[pool[3]], owner=team["s1"]
            )
        assert info.value.code == "pool_cap_reached"


def test_pool_return_by_rating_with_exemptions(tenant_a, admin_a, team):
    start = timezone.now()
    with tenant_context(tenant_a):
        PoolRules.objects.update(return_days_a=90, return_days_c=15, protection_days=0)
    c_rated = add_customer(tenant_a, team["s1"], owner=team["s1"], rating="C")
    a_rated = add_customer(tenant_a, team["s1"], owner=team["s1"], rating="A")
    locked = add_customer(tenant_a, team["s1"], owner=team["s1"], rating="C")
    with tenant_context(tenant_a):
        services.customer_set_locked(actor=team["s1"], customer=locked, locked=True)
    with time_machine.travel(start + dt.timedelta(days=14)), tenant_context(tenant_a):
        assert services.warn_before_return() == 1
        assert services.reclaim_overdue() == 0
    with time_machine.travel(start + dt.timedelta(days=16)), tenant_context(tenant_a):
        assert services.reclaim_overdue() == 1
        returned = Customer.objects.get(pk=c_rated.pk)
        assert returned.owner_id is None and returned.previous_owner_id == team["s1"].pk
        assert Customer.objects.get(pk=a_rated.pk).owner_id == team["s1"].pk
        assert Customer.objects.get(pk=locked.pk).owner_id == team["s1"].pk
        assert (
            AuditEvent.objects.filter(action=AuditAction.CUSTOMER_RETURNED).count() == 1
        )
        assert returned.timeline.filter(kind="returned").exists()


def test_followup_keeps_a_customer_and_feeds_the_todo(tenant_a, team):
    start = timezone.now()
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], rating="C")
    with time_machine.travel(start + dt.timedelta(days=10)), tenant_context(tenant_a):
        services.followup_create(
            actor=team["s1"],
            customer=customer,
            kind="call",
            content="客户有意向，下周面谈",
            next_at=timezone.now() + dt.timedelta(hours=2),
        )
        with pytest.raises(ValidationError) as info:
            services.followup_create(
                actor=team["s1"], customer=customer, kind="call", content=""
            )
        assert "content" in info.value.message_dict
    with time_machine.travel(start + dt.timedelta(days=20)), tenant_context(tenant_a):
        assert services.reclaim_overdue() == 0
        from lenddesk.customers.selectors import todo_for

        assert [c.pk for c in todo_for(actor=team["s1"])] == [customer.pk]
        assert [c.pk for c in todo_for(actor=team["lead1"], team=True)] == [customer.pk]
        assert todo_for(actor=team["s3"], team=True) == []


def test_departure_hands_customers_to_the_pool(tenant_a, admin_a, team):
    from lenddesk.accounts import handover

    mine = [
        add_customer(tenant_a, team["s1"], owner=team["s1"], name="客户%d" % i)
        for i in range(3)
    ]
    with tenant_context(tenant_a):
        target = handover.build_target(
            leaver=team["s1"],
            kind="round_robin",
            department_id=team["lead1"].department_id,
        )
        moved = handover.user_depart(actor=admin_a, leaver=team["s1"], target=target)
        assert moved["customers"] == 3
        owners = sorted(
            Customer.objects.filter(pk__in=[c.pk for c in mine]).values_list(
                "owner__username", flat=True
            )
        )
    assert owners == ["lead1", "lead1", "s2"] or owners == ["lead1", "s2", "s2"]


def test_list_search_by_initials_last_four_and_scope(tenant_a, admin_a, team):
    zhang = add_customer(
        tenant_a, team["s1"], owner=team["s1"], name="张三", phone="13812345678"
    )
    add_customer(tenant_a, team["s1"], owner=team["s1"], name="李四")
    other = add_customer(tenant_a, team["s3"], owner=team["s3"], name="张小三")

    def names(actor, q):
        with tenant_context(tenant_a):
            rows, _next = customer_list(actor=actor, filters=CustomerFilters(q=q))
            return {c.name for c in rows}

    assert names(team["s1"], "zs") == {"张三"}
    assert names(team["s1"], "5678") == {"张三"}
    assert names(team["s1"], "138 1234 5678") == {"张三"}
    assert names(team["s1"], "张") == {"张三"}
    assert names(team["lead1"], "zs") == {"张三"}
    assert names(admin_a, "z") == {"张三", "张小三"}
    assert zhang.pk != other.pk


def test_keyset_pages_never_repeat(tenant_a, team):
    for i in range(30):
        add_customer(tenant_a, team["s1"], owner=team["s1"], name="客户%d" % i)
    with tenant_context(tenant_a):
        first, cursor = customer_list(actor=team["s1"], filters=CustomerFilters())
        second, end = customer_list(
            actor=team["s1"], filters=CustomerFilters(), before=cursor
        )
    assert len(first) == 25 and len(second) == 5 and end is None
    assert not {c.pk for c in first} & {c.pk for c in second}


def test_merge_keeps_both_histories(tenant_a, admin_a, team):
    first = add_customer(
        tenant_a, team["s1"], owner=team["s1"], phone="13800138000", name="张三"
    )
    with tenant_context(tenant_a):
        second = services.customer_create(
            actor=team["s1"],
            data={"name": "张三", "city": "成都"},
            phone="13800138000",
            id_number="110105199001011232",
            owner=team["s1"],
            policy=DuplicatePolicy.FLAG,
        ).customer
        services.followup_create(
            actor=team["s1"], customer=second, kind="call", content="第二条记录的跟进"
        )
        survivor = services.customer_merge(
            actor=admin_a, survivor=Customer.objects.get(pk=first.pk), duplicate=second
        )
        assert not Customer.objects.filter(pk=second.pk).exists()
        assert survivor.followups.filter(content="第二条记录的跟进").exists()
        assert (
            survivor.city == "成都"
            and survivor.get_secret("id_number") == "110105199001011232"
        )
        assert survivor.timeline.filter(kind="merged").exists()
        assert (
            AuditEvent.objects.filter(action=AuditAction.CUSTOMER_MERGED).count() == 1
        )


def test_a_team_leads_pages_merge_each_persons_newest_and_match_the_scope(
    tenant_a, admin_a, team
):
    """The first pages of a team (merged per person on PostgreSQL) are exactly the
    team's customers newest first: nobody else's, no pool customers, no repeats."""
    mine = []
    for i in range(40):
        person = (team["s1"], team["s2"], team["lead1"], team["s3"])[i % 4]
        customer = add_customer(tenant_a, admin_a, owner=person, name="客%d" % i)
        if person is not team["s3"]:  # s3 is in another department
            mine.append(customer.pk)
        add_customer(tenant_a, admin_a, name="公海%d" % i)  # pool, newer
    with tenant_context(tenant_a):
        expected = list(
            Customer.objects.visible_to(team["lead1"])
            .filter(owner__isnull=False)
            .order_by("-pk")
            .values_list("pk", flat=True)
        )
        seen, cursor = [], None
        while True:
            rows, cursor = customer_list(
                actor=team["lead1"], filters=CustomerFilters(), before=cursor
            )
            seen += [c.pk for c in rows]
            if cursor is None:
                break
    assert seen == expected == sorted(mine, reverse=True)
