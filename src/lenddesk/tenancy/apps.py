from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _after_migrate(sender, using="default", **kwargs):
    from lenddesk.tenancy.rls import enable_rls
    from lenddesk.tenancy.seeding import seed_all_tenants

    enable_rls(using)
    seed_all_tenants()


def _tenant_changed(sender, instance, **kwargs):
    from lenddesk.tenancy.generation import firm_changed

    firm_changed(instance.slug)


class TenancyConfig(AppConfig):
    name = "lenddesk.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from lenddesk.tenancy import checks  # noqa: F401 - registers the checks

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="lenddesk-rls")
        tenant = self.get_model("Tenant")
        for signal in (post_save, post_delete):
            signal.connect(_tenant_changed, sender=tenant, dispatch_uid="firm-gen")
