from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender, using="default", **kwargs):
    from lenddesk.tenancy.rls import enable_rls
    from lenddesk.tenancy.services import seed_all_tenants

    enable_rls(using)
    seed_all_tenants()


class TenancyConfig(AppConfig):
    name = "lenddesk.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from lenddesk.tenancy import checks  # noqa: F401 - registers the checks

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="lenddesk-rls")
