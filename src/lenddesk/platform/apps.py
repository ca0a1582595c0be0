import sys

from django.apps import AppConfig


def _keep_old_import_path() -> None:
    """The console's services were ``lenddesk.tenancy.services`` before the console
    left the kernel. ``web/management/commands/demo.py`` and ``bench/seed.py`` still
    import them from there; the alias is made here, above the kernel, so the kernel
    imports nothing of the console. Remove it once they import
    ``lenddesk.platform.services``."""
    from lenddesk.platform import services

    sys.modules.setdefault("lenddesk.tenancy.services", services)


class PlatformConfig(AppConfig):
    """The operator console (平台运营): firms, their plans and the operators' log-in.
    Its data (``Tenant``, ``PlatformOperator``, ``TenantEvent``) is the kernel's."""

    name = "lenddesk.platform"
    label = "platform"
    verbose_name = "Platform console"

    def ready(self):
        _keep_old_import_path()
