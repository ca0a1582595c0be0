"""The benchmark firm: departments, staff of every role, and N customers."""

import datetime as dt
import random
import sys
import time
import uuid

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

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


def seed(*, customers: int, staff: int, departments: int) -> None:
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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM too: index-only scans need the visibility map that autovacuum
            # would build some time after a bulk load.
            cursor.execute("VACUUM (ANALYZE) customers_customer")
    analyze()
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
