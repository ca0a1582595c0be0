"""The defaults every firm gets (default roles, stages …), run at provisioning and
after every ``migrate``.

The seeders are named in ``settings.TENANT_SEEDERS`` (dotted paths of idempotent
functions that take no arguments and run inside the firm's context), so the kernel
runs them without importing the apps that own them.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant


def run_seeders() -> None:
    """Run every seeder for the current firm."""
    for dotted in getattr(settings, "TENANT_SEEDERS", ()):
        import_string(dotted)()


def seed_all_tenants() -> int:
    """After a migration: every firm gets the defaults new code brings (new role codes,
    stages …), firm by firm under its own tenant context."""
    count = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant):
            run_seeders()
        count += 1
    return count
