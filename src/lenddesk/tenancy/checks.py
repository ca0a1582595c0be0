"""``lenddesk check``: configuration that would silently weaken the walls."""

from django.core.checks import Error, Tags, Warning, register
from django.db import connection
from django.db.utils import DatabaseError


@register()
def row_level_security(app_configs, **kwargs):
    if connection.vendor != "postgresql":
        return []
    from lenddesk.tenancy.rls import rls_status, tenant_tables

    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
            superuser, bypass = cursor.fetchone()
        status = rls_status()
    except DatabaseError:
        return []  # no database yet: migrate first
    if superuser or bypass:
        problems.append(
            Warning(
                "The database user bypasses row-level security.",
                hint="Connect the web and worker processes as the non-owner role "
                "(DB_APP_ROLE, see docs/operations.md); migrate as the owner.",
                id="lenddesk.W001",
            )
        )
    missing = [t for t in tenant_tables() if t in status and not all(status[t])]
    if missing:
        problems.append(
            Error(
                "Row-level security is not forced on: %s" % ", ".join(missing),
                hint="Run `lenddesk migrate`; it enables RLS on every tenant table.",
                id="lenddesk.E001",
            )
        )
    return problems


@register(Tags.staticfiles, deploy=True)
def static_manifest(app_configs, **kwargs):
    """With the manifest storage (production) every page that names a static file
    answers 500 until ``collectstatic`` has written the manifest."""
    from django.contrib.staticfiles.storage import (
        ManifestFilesMixin,
        staticfiles_storage,
    )

    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    if staticfiles_storage.read_manifest() is not None:
        return []
    return [
        Error(
            "The static files manifest is missing from STATIC_ROOT.",
            hint="Run `lenddesk collectstatic --no-input` (docs/operations.md).",
            id="lenddesk.E002",
        )
    ]
