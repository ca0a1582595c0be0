from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _integration_changed(sender, instance, **kwargs):
    # Imported when called: this module is loaded before the models are.
    from lenddesk.acquisition.intake import tenant_slug_of
    from lenddesk.tenancy.generation import firm_changed

    firm_changed(tenant_slug_of(instance.key))


class AcquisitionConfig(AppConfig):
    name = "lenddesk.acquisition"
    label = "acquisition"
    verbose_name = "Acquisition"

    def ready(self):
        # The lead pipeline's consent and attribution step (customers.leads).
        from lenddesk.acquisition import evidence  # noqa: F401 - registers the step

        # Conversion feedback: a funnel move writes the platforms' callbacks.
        from lenddesk.acquisition.conversion_events import on_stage_changed
        from lenddesk.customers.signals import stage_changed

        stage_changed.connect(on_stage_changed, dispatch_uid="acquisition.conversions")

        # The intake endpoint caches its firm and integration (selectors.intake_target).
        integration = self.get_model("Integration")
        for signal in (post_save, post_delete):
            signal.connect(_integration_changed, sender=integration, dispatch_uid="gen")
