"""``lenddesk demo``: the demo firm, realistic enough to try every module.

Each app contributes its part in ``<app>/demo.py`` (``build(tenant, log)`` functions);
running it twice changes nothing. Everything is made by the system, not by a user:
the administrator's audit trail starts empty.
"""

import datetime as dt
import importlib
import os

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from lenddesk.accounts.demo import DEMO_PASSWORD
from lenddesk.platform.services import operator_create, tenant_provision
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import PlatformOperator, Tenant
from lenddesk.tenancy.modules import OPTIONAL_MODULES

DEMO_SLUG = "demo"
DEMO_NAME = "安信助贷服务有限公司（演示）"
OPERATOR = ("operator", "Operator@2026")
# (module, function), in order: later parts use earlier ones (staff before customers,
# channels before the customers attributed to them …).
DEMO_PARTS = (
    ("lenddesk.accounts.demo", "build"),
    ("lenddesk.acquisition.demo", "build"),
    ("lenddesk.customers.demo", "build"),
    ("lenddesk.telephony.demo", "build"),
    ("lenddesk.products.demo", "build"),
    ("lenddesk.promotion.demo", "build"),
    ("lenddesk.partners.demo", "build"),
    ("lenddesk.acquisition.demo", "build_intake"),
    # Orders of signed customers (信用贷), then the mortgages (抵押贷, 转贷) with
    # their warrant tasks and originals: the warrant centre's part plays those.
    ("lenddesk.orders.demo", "build"),
    ("lenddesk.warrants.demo", "build"),
    ("lenddesk.contracts.demo", "build"),
    ("lenddesk.commissions.demo", "build_plans"),
    ("lenddesk.finance.demo", "build"),
    ("lenddesk.commissions.demo", "build"),
    ("lenddesk.notifications.demo", "build"),
    # Three months of history under everything above, then the rollups; targets last.
    ("lenddesk.analytics.demo", "build"),
    ("lenddesk.performance.demo", "build"),
)


class Command(BaseCommand):
    help = "Create the demo firm and a platform operator, and print the log-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only when the database has no firm yet (first run).",
        )

    def handle(self, *args, **options):
        first_run = not Tenant.objects.exclude(slug=DEMO_SLUG).exists()
        if options["if_empty"] and not first_run:
            return
        with transaction.atomic():
            tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
            if tenant is None:
                tenant = tenant_provision(
                    operator=None,
                    name=DEMO_NAME,
                    slug=DEMO_SLUG,
                    admin_username="admin",
                    admin_password=DEMO_PASSWORD,
                    admin_display_name="系统管理员",
                    seats=50,
                    modules=[m.code for m in OPTIONAL_MODULES],
                    expires_on=timezone.localdate() + dt.timedelta(days=365),
                )
            if not PlatformOperator.objects.filter(username=OPERATOR[0]).exists():
                operator_create(
                    username=OPERATOR[0], password=OPERATOR[1], display_name="平台运营"
                )
            logins = []
            with tenant_context(tenant):
                for dotted, function in DEMO_PARTS:
                    build = getattr(importlib.import_module(dotted), function)
                    result = build(tenant, lambda msg: self.stdout.write("  " + msg))
                    if dotted.endswith("accounts.demo"):
                        logins = result
        bind = "http://%s" % os.environ.get("BIND", "127.0.0.1:8000")
        self.stdout.write("")
        self.stdout.write(
            "Demo firm ready: %s  (firm code: %s)" % (tenant.name, tenant.slug)
        )
        self.stdout.write("Staff log-in:     %s/accounts/login/" % bind)
        for username, password, role in logins:
            self.stdout.write("  %-10s %-12s %s" % (username, password, role))
        self.stdout.write("Operator console: %s/platform/  %s / %s" % (bind, *OPERATOR))
