"""The benchmark firm: departments, staff of every role, N customers, and their orders
(one per five customers: 200,000 at the 1m scale) with their history."""

import datetime as dt
import random
import sys
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from bench.seed_activity import seed_activity
from lenddesk.accounts.models import Role, User
from lenddesk.accounts.services import department_create
from lenddesk.customers.demo import CITIES, GIVEN, SURNAMES
from lenddesk.customers.models import Customer, FunnelStage, PublicPool
from lenddesk.customers.services import name_keys
from lenddesk.platform.services import tenant_provision
from lenddesk.security.crypto import blind_index, encrypt
from lenddesk.security.fields import LAST4_PURPOSE
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant

SLUG = "bench"
PASSWORD = "Bench#2026"  # noqa: S105 - benchmark log-in
COLUMNS = (
    "tenant_id",
    "row_key",
    "kind",
    "name",
    "name_pinyin",
    "name_initials",
    "company_name",
    "phone_cipher",
    "phone_index",
    "phone_last4_index",
    "id_number_index",
    "gender",
    "city",
    "demand_amount",
    "demand_term_months",
    "demand_purpose",
    "urgency",
    "has_house",
    "has_car",
    "has_life_policy",
    "provident_fund_months",
    "social_security_months",
    "has_business_licence",
    "monthly_income",
    "credit_notes",
    "channel",
    "campaign",
    "rating",
    "stage_id",
    "owner_id",
    "pool_id",
    "claimed_at",
    "is_locked",
    "has_open_business",
    "last_followup_at",
    "next_followup_at",
    "custom_fields",
    "created_at",
    "updated_at",
    "version",
)


def log(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _tenant() -> Tenant:
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant = tenant_provision(
            operator=None,
            name="基准测试助贷",
            slug=SLUG,
            admin_username="admin",
            admin_password=PASSWORD,
            seats=100_000,
            modules=["customers", "acquisition", "products"],
        )
    return tenant


def _staff(tenant: Tenant, staff: int, departments: int) -> list[User]:
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        if User.objects.count() >= staff:
            return list(User.objects.filter(username__startswith="s"))
        depts = [
            department_create(actor=admin, name="销售%d部" % (i + 1))
            for i in range(departments)
        ]
        roles = {r.key: r for r in Role.objects.all()}
        encoded = make_password(
            PASSWORD
        )  # one hash for all: logging in is not measured
        people = []
        for i in range(staff):
            key = (
                "team_lead"
                if i < departments
                else ("general_manager" if i == departments else "salesperson")
            )
            user = User(
                username=("lead%d" % i)
                if key == "team_lead"
                else ("gm" if key == "general_manager" else "s%d" % i),
                display_name="员工%d" % i,
                department=depts[i % departments],
                password=encoded,
                password_changed_at=timezone.now(),
            )
            user.tenant = tenant
            people.append((user, roles[key]))
        User.objects.bulk_create([u for u, _r in people])
        through = User.roles.through
        through.objects.bulk_create(
            [through(user_id=u.pk, role_id=r.pk) for u, r in people]
        )
        return [u for u, r in people if r.key == "salesperson"]


def seed(
    *, customers: int, staff: int, departments: int, orders: int | None = None
) -> None:
    started = time.monotonic()
    tenant = _tenant()
    sellers = _staff(tenant, staff, departments)
    with tenant_context(tenant):
        existing = Customer.objects.count()
        pool = PublicPool.objects.get(is_default=True)
        stages = list(FunnelStage.objects.values_list("pk", flat=True))
    rng = random.Random(42)
    cache: dict[str, tuple[str, str]] = {}
    now = timezone.now()
    batch_size = 20_000
    made = existing
    log(
        "seeding %d customers into %s (%d exist)"
        % (customers, connection.vendor, existing)
    )
    while made < customers:
        rows = []
        for n in range(made, min(customers, made + batch_size)):
            name = (
                SURNAMES[rng.randrange(len(SURNAMES))]
                + GIVEN[rng.randrange(len(GIVEN))]
                + (GIVEN[rng.randrange(len(GIVEN))] if rng.random() < 0.6 else "")
            )
            if name not in cache:
                cache[name] = name_keys(name)
            pinyin, initials = cache[name]
            phone = "+861%02d%08d" % (
                rng.choice((35, 36, 37, 38, 39, 50, 58, 86, 88)),
                n,
            )
            row_key = uuid.uuid4()
            owned = rng.random() < 0.7
            owner = rng.choice(sellers).pk if owned else None
            created = now - dt.timedelta(minutes=rng.randrange(0, 525_600))
            # Owners follow up: the last follow-up is within the past ten days and the
            # claim within five months, so the nightly pool return finds only what the
            # benchmark marks overdue (a real night returns a few per cent).
            touched = max(created, now - dt.timedelta(minutes=rng.randrange(0, 14_400)))
            claimed = max(
                created, now - dt.timedelta(minutes=rng.randrange(0, 216_000))
            )
            rows.append(
                dict(
                    row_key=row_key,
                    name=name,
                    pinyin=pinyin,
                    initials=initials,
                    phone_cipher=None,
                    phone=phone,
                    owner=owner,
                    created=created,
                    touched=touched,
                    claimed=claimed,
                    stage=rng.choice(stages),
                    city=rng.choice(CITIES),
                )
            )
        with tenant_context(tenant):
            for row in rows:
                aad = "%d|customers_customer|phone|%s" % (tenant.pk, row["row_key"])
                row["phone_cipher"] = encrypt(row["phone"], aad=aad)
                row["phone_index"] = blind_index(row["phone"], purpose="phone")
                row["last4"] = blind_index(row["phone"][-4:], purpose=LAST4_PURPOSE)
            _write(tenant, rows, pool.pk, now)
        made += len(rows)
        log("  %d customers (%.0f s)" % (made, time.monotonic() - started))
    seed_orders(tenant, customers // 5 if orders is None else orders)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # VACUUM too: index-only scans need the visibility map that autovacuum
            # would build some time after a bulk load. (Not inside a transaction,
            # where PostgreSQL refuses it: a test's seeding needs only ANALYZE.)
            for table in ("customers_customer", *ORDER_TABLES):
                cursor.execute("VACUUM (ANALYZE) %s" % table)
    analyze()
    seed_activity(tenant, customers=customers)  # bench/seed_activity.py
    log("done in %.0f s" % (time.monotonic() - started))


def analyze() -> None:
    """Planner statistics for every table of the project (PostgreSQL). Autovacuum may
    be off on a benchmark machine, and a small table that was never analysed gets
    nested-loop plans that cost milliseconds (the token lookup did: 4 ms)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
            "FROM pg_tables WHERE tableowner = current_user"
        )
        for (table,) in cursor.fetchall():
            cursor.execute("ANALYZE %s" % table)


def _values(tenant, row, pool_id, now) -> tuple:
    owned = row["owner"] is not None
    return (
        tenant.pk,
        row["row_key"] if connection.vendor == "postgresql" else row["row_key"].hex,
        "person",
        row["name"],
        row["pinyin"],
        row["initials"],
        "",
        row["phone_cipher"],
        row["phone_index"],
        row["last4"],
        "",
        "",
        row["city"],
        "200000.00",
        36,
        "",
        "normal",
        False,
        False,
        False,
        0,
        0,
        False,
        "12000.00",
        "",
        "",
        "",
        "C",
        row["stage"],
        row["owner"],
        None if owned else pool_id,
        row["claimed"] if owned else None,
        False,
        False,
        row["touched"] if owned else None,
        None,
        "{}",
        row["created"],
        now,
        0,
    )


def _write(tenant, rows, pool_id, now) -> None:
    """Batched INSERTs (psycopg pipelines ``executemany``). COPY would be faster but
    PostgreSQL refuses COPY FROM into a table with forced row-level security, and the
    seeder goes through the same walls as the product."""
    values = [_values(tenant, row, pool_id, now) for row in rows]
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO customers_customer (%s) VALUES (%s)"
            % (", ".join(COLUMNS), placeholders),
            values,
        )


# --- orders ------------------------------------------------------------------------

PROCESSORS = 32  # the order-move workload's 32 concurrent movers
ORDER_BATCH = 5_000
ORDERS_FUNDER = "Bench orders funder"
# (workflow key, share of the orders, product types its orders apply for)
ORDER_FLOWS = (
    ("credit", 0.75, ("credit", "car", "policy", "provident_fund", "business")),
    ("mortgage", 0.20, ("mortgage",)),
    ("refinance", 0.05, ("mortgage",)),
)
OPEN_SHARE, COMPLETED_SHARE = 0.55, 0.35  # the rest cancelled
OVERDUE_SHARE = 0.15  # of the running orders: past their step's time limit
RETURN_SHARE = 0.05  # per step passed: sent back once, then on again
ORDER_TABLES = (
    "orders_order",
    "orders_ordermove",
    "orders_orderproduct",
    "orders_orderparticipant",
)


@dataclass
class OrderSetup:
    flows: dict  # workflow key -> its published nodes by position
    products: dict  # product type -> product ids
    processors: list
    stages: dict  # funnel stage key -> id


def seed_orders(tenant: Tenant, wanted: int) -> None:
    """Orders of owned customers (one each) up to ``wanted``, written in batches
    through ``tenancy.bulk.bulk_insert``: their products, owner and processor as
    participants, the whole move history, and the customer's stage and running-
    business flag as the product keeps them. Idempotent: only the missing ones."""
    from lenddesk.orders.models import Order, OrderSequence
    from lenddesk.orders.services.step_counts import step_counts_reconcile

    started = time.monotonic()
    tenant = _orders_module(tenant)
    setup = _orders_setup(tenant)
    with tenant_context(tenant):
        existing = Order.objects.count()
        if existing >= wanted:
            log("%d orders exist" % existing)
            return
        rng = random.Random(16 + existing)
        customers = _order_customers(wanted - existing, rng)
        numbers = dict(OrderSequence.objects.values_list("day", "last"))
    log("seeding %d orders (%d exist)" % (len(customers), existing))
    now = timezone.now()
    plans = sorted(
        (_order_plan(rng, row, setup, now) for row in customers),
        key=lambda plan: plan["created"],
    )
    for start in range(0, len(plans), ORDER_BATCH):
        with tenant_context(tenant), transaction.atomic():
            _write_orders(plans[start : start + ORDER_BATCH], setup, numbers)
        log(
            "  %d orders (%.0f s)"
            % (
                existing + min(len(plans), start + ORDER_BATCH),
                time.monotonic() - started,
            )
        )
    with tenant_context(tenant):  # bulk writes bypass the services' step counts
        step_counts_reconcile()


def _orders_module(tenant: Tenant) -> Tenant:
    """The firm's plan includes orders (a bench firm made before them did not)."""
    if "orders" in (tenant.modules or []):
        return tenant
    from lenddesk.platform.services import tenant_update_plan

    return tenant_update_plan(
        operator=None,
        tenant=tenant,
        name=tenant.name,
        seats=tenant.seats,
        modules=[*tenant.modules, "orders"],
        expires_on=tenant.expires_on,
    )


def _orders_setup(tenant: Tenant) -> OrderSetup:
    """The firm's default workflows (``lenddesk.orders.seed``), the order codes on
    its roles, 32 processors and a product per type."""
    from lenddesk.accounts.seed import seed_default_roles
    from lenddesk.orders.models import Workflow, WorkflowNode
    from lenddesk.orders.seed import seed_orders as seed_workflows

    with tenant_context(tenant):
        seed_default_roles()  # a firm seeded before orders gets their codes
        seed_workflows()
        flows = {
            workflow.key: list(
                WorkflowNode.objects.filter(version_id=workflow.current_id).order_by(
                    "position"
                )
            )
            for workflow in Workflow.objects.filter(current__isnull=False)
        }
        return OrderSetup(
            flows=flows,
            products=_order_products(),
            processors=_processors(tenant),
            stages=dict(FunnelStage.objects.values_list("key", "pk")),
        )


def _processors(tenant: Tenant) -> list[int]:
    from lenddesk.accounts.models import Department

    role = Role.objects.get(key="processor")
    have = set(
        User.objects.filter(username__startswith="p").values_list("username", flat=True)
    )
    depts = list(Department.objects.order_by("pk"))
    encoded = make_password(PASSWORD)
    people = []
    for i in range(PROCESSORS):
        if "p%d" % i in have:
            continue
        user = User(
            username="p%d" % i,
            display_name="办理员%d" % i,
            department=depts[i % len(depts)],
            password=encoded,
            password_changed_at=timezone.now(),
        )
        user.tenant = tenant
        people.append(user)
    User.objects.bulk_create(people)
    through = User.roles.through
    through.objects.bulk_create(
        [through(user_id=u.pk, role_id=role.pk) for u in people]
    )
    return list(
        User.objects.filter(roles=role, username__startswith="p")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _order_products() -> dict[str, list[int]]:
    """One product per type of a funder of its own, made once and retired at once:
    running orders keep them, and the match workload's catalogue stays exactly its
    500 active products."""
    from lenddesk.products import services
    from lenddesk.products.models import Funder, Product

    admin = User.objects.get(username="admin")
    funder = Funder.objects.filter(name=ORDERS_FUNDER).first() or services.funder_save(
        actor=admin, data={"name": ORDERS_FUNDER}
    )
    found: dict[str, list[int]] = {}
    for _key, _share, kinds in ORDER_FLOWS:
        for kind in kinds:
            name = "bench-order-%s" % kind
            product = Product.objects.filter(funder=funder, name=name).first()
            if product is None:
                product = services.product_save(
                    actor=admin,
                    data={
                        "funder": funder,
                        "name": name,
                        "type": kind,
                        "amount_min": Decimal(10_000),
                        "amount_max": Decimal(10_000_000),
                        "term_min": 6,
                        "term_max": 360,
                        "rate_min": Decimal("3.6"),
                        "rate_max": Decimal("23.9"),
                        "repayment_methods": ["equal_instalment"],
                        "processing_days": 7,
                        "service_fee_percent": Decimal("1"),
                    },
                )
                services.product_save(
                    actor=admin, data={"is_active": False}, product=product
                )
            found[kind] = [product.pk]
    return found


def _order_customers(count: int, rng: random.Random) -> list[tuple]:
    """``count`` owned customers without an order: (id, owner, created)."""
    rows = list(
        Customer.objects.filter(owner__isnull=False, orders__isnull=True)
        .order_by("pk")
        .values_list("pk", "owner_id", "created_at")
    )
    return rng.sample(rows, min(count, len(rows)))


def _pick_flow(rng: random.Random) -> tuple[str, tuple]:
    draw = rng.random()
    for key, share, kinds in ORDER_FLOWS:
        if draw < share:
            return key, kinds
        draw -= share
    return ORDER_FLOWS[0][0], ORDER_FLOWS[0][2]


def _order_plan(rng: random.Random, customer: tuple, setup: OrderSetup, now) -> dict:
    """Where one order stands and how it got there (times, status, history)."""
    from lenddesk.orders.models import NodeKind, OrderStatus

    customer_id, owner_id, since = customer
    key, kinds = _pick_flow(rng)
    nodes = setup.flows[key]
    steps = [n for n in nodes if n.kind != NodeKind.END]
    start = max(since, now - dt.timedelta(days=365))
    draw = rng.random()
    plan = {
        "customer": customer_id,
        "owner": owner_id,
        "processor": rng.choice(setup.processors),
        "product": rng.choice(setup.products[rng.choice(kinds)]),
        "mortgage": key != "credit",
        "overdue": False,
        "due": None,
    }
    if draw < OPEN_SHARE:
        node = rng.choice(steps)
        hours = node.sla_hours or 24
        overdue = rng.random() < OVERDUE_SHARE
        ago = hours + rng.uniform(1, 240) if overdue else hours * rng.uniform(0.1, 0.9)
        entered = now - dt.timedelta(hours=ago)
        opened = entered - dt.timedelta(hours=node.position * rng.uniform(8, 96) + 1)
        created = min(entered, max(start, opened))
        plan.update(
            status=OrderStatus.OPEN,
            overdue=overdue,
            due=entered + dt.timedelta(hours=hours),
            closed=None,
        )
        path = steps[: steps.index(node) + 1]
    else:
        created = start + (now - start) * rng.uniform(0, 0.9)
        entered = created + (now - created) * rng.uniform(0.05, 0.5)
        if draw < OPEN_SHARE + COMPLETED_SHARE:
            node, path = nodes[-1], list(nodes)
            plan.update(status=OrderStatus.COMPLETED, closed=entered)
        else:
            node = rng.choice([n for n in steps if n.can_cancel])
            path = steps[: steps.index(node) + 1]
            plan.update(status=OrderStatus.CANCELLED, closed=entered)
    plan.update(node=node, created=created, entered=entered)
    plan["moves"] = _history(rng, plan, path, created, entered)
    return plan


def _history(rng, plan: dict, path: list, created, last) -> list[tuple]:
    """(kind, from, to, actor, comment, at): opened at the first step, on step by
    step (now and then sent back once), then cancelled where it stands."""
    from lenddesk.orders.models import MoveKind, NodeKind, OrderStatus

    owner, processor = plan["owner"], plan["processor"]
    moves = [(MoveKind.OPEN, None, path[0], owner, "")]
    for here, there in pairwise(path):
        who = owner if here.role_key == "salesperson" else processor
        ends = there.kind == NodeKind.END
        moves.append(
            (MoveKind.COMPLETE if ends else MoveKind.FORWARD, here, there, who, "")
        )
        if not ends and there.can_return and rng.random() < RETURN_SHARE:
            moves.append(
                (MoveKind.RETURN, there, here, processor, "资料不全，退回补充")
            )
            moves.append((MoveKind.FORWARD, here, there, who, ""))
    if plan["status"] == OrderStatus.CANCELLED:
        moves.append((MoveKind.CANCEL, path[-1], path[-1], owner, "客户放弃办理"))
    span = (last - created) / max(1, len(moves) - 1)
    return [(*move, created + span * n) for n, move in enumerate(moves)]


def _write_orders(plans: list[dict], setup: OrderSetup, numbers: dict) -> None:
    from lenddesk.orders.models import (
        Order,
        OrderMove,
        OrderParticipant,
        OrderProduct,
        OrderSequence,
    )
    from lenddesk.tenancy.bulk import bulk_insert, bulk_update

    orders, touched = [], set()
    for plan in plans:
        day = timezone.localdate(plan["created"])
        numbers[day] = numbers.get(day, 0) + 1
        touched.add(day)
        orders.append(
            _order_row(plan, "%s-%04d" % (day.strftime("%Y%m%d"), numbers[day]))
        )
    bulk_insert(Order, orders, returning=True)
    moves, lines, people, customers = [], [], [], []
    for order, plan in zip(orders, plans, strict=True):
        moves += [
            OrderMove(
                order_id=order.pk,
                kind=kind,
                from_node_id=source.pk if source else None,
                to_node_id=target.pk,
                comment=comment,
                actor_id=actor,
                lock_version=n + 1,
                created_at=at,
            )
            for n, (kind, source, target, actor, comment, at) in enumerate(
                plan["moves"]
            )
        ]
        lines.append(OrderProduct(order_id=order.pk, product_id=plan["product"]))
        people += [
            OrderParticipant(
                order_id=order.pk, user_id=plan["owner"], role_key="salesperson"
            ),
            OrderParticipant(
                order_id=order.pk, user_id=plan["processor"], role_key="processor"
            ),
        ]
        customers.append(
            Customer(
                pk=plan["customer"],
                stage_id=setup.stages.get(_stage_of(plan)),
                has_open_business=order.status == "open",
            )
        )
    for model, rows in (
        (OrderMove, moves),
        (OrderProduct, lines),
        (OrderParticipant, people),
    ):
        bulk_insert(model, rows)
    bulk_update(Customer, customers, ["stage", "has_open_business"])
    for day in touched:
        OrderSequence.objects.update_or_create(day=day, defaults={"last": numbers[day]})


def _order_row(plan: dict, number: str):
    from lenddesk.orders.models import FeeKind, Order

    mortgage = plan["mortgage"]
    seed = plan["customer"]
    amount = (300 + seed % 47 * 100) * 10_000 if mortgage else (5 + seed % 96) * 10_000
    return Order(
        number=number,
        customer_id=plan["customer"],
        owner_id=plan["owner"],
        processor_id=plan["processor"],
        version_id=plan["node"].version_id,
        node_id=plan["node"].pk,
        status=plan["status"],
        amount=Decimal(amount),
        term_months=(60, 120, 240)[seed % 3] if mortgage else (12, 24, 36)[seed % 3],
        fee_kind=FeeKind.RATE,
        fee_rate=Decimal(("1.5", "2.0", "2.5", "3.0")[seed % 4]),
        fee_tiers=[],
        lock_version=len(plan["moves"]),
        node_entered_at=plan["entered"],
        node_due_at=plan["due"],
        is_overdue=plan["overdue"],
        cancel_reason="客户放弃办理" if plan["status"] == "cancelled" else "",
        created_by_id=plan["owner"],
        created_at=plan["created"],
        closed_at=plan["closed"],
    )


def _stage_of(plan: dict) -> str:
    status = plan["status"]
    if status == "completed":
        return "disbursed"
    if status == "cancelled":
        return "lost"
    return "signed" if plan["node"].position == 0 else "processing"
