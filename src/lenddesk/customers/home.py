from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import sees_only_own
from lenddesk.customers.models import ImportJob
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.workbench import workbench_for
from lenddesk.web.home import (
    HomePanel,
    OnboardingStep,
    register_home_panel,
    register_onboarding_step,
)


def _build(*, actor) -> dict:
    team = not sees_only_own(actor)
    return {
        "mine": workbench_for(actor=actor),
        "team": workbench_for(actor=actor, team=True) if team else None,
    }


register_home_panel(
    HomePanel(
        key="customers",
        module="customers",
        template="customers/_workbench.html",
        build=_build,
        codes=(P.VIEW,),
        order=10,
    )
)
register_onboarding_step(
    OnboardingStep(
        key="import",
        module="customers",
        label=_("Import your existing customers (download the template on the page)"),
        url_name="customers:imports",
        done=lambda: ImportJob.objects.exists(),
        codes=(P.IMPORT,),
        order=60,
    )
)
