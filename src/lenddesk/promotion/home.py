from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.models import Integration
from lenddesk.promotion.models import ApplicationForm
from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.web.home import OnboardingStep, register_onboarding_step


def _has_lead_source() -> bool:
    return ApplicationForm.objects.exists() or Integration.objects.exists()


register_onboarding_step(
    OnboardingStep(
        key="lead_source",
        module="acquisition",
        label=_("Create a first application form or traffic-platform integration"),
        url_name="promotion:forms",
        done=_has_lead_source,
        codes=(P.FORMS,),
        order=50,
    )
)
