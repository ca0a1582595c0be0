from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _enable_rls(sender, using="default", **kwargs):
    from lenddesk.tenancy.rls import enable_rls

    enable_rls(using)


class TenancyConfig(AppConfig):
    name = "lenddesk.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from lenddesk.tenancy import checks  # noqa: F401 - registers the checks

        post_migrate.connect(_enable_rls, sender=self, dispatch_uid="lenddesk-rls")
