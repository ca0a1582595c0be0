from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.models import PrivacyNotice
from lenddesk.acquisition.permissions import AcquisitionPermission as P
from lenddesk.web.home import OnboardingStep, register_onboarding_step

register_onboarding_step(
    OnboardingStep(
        key="privacy_notice",
        module="acquisition",
        label=_(
            "Publish your privacy notice (forms and platforms need it for consent)"
        ),
        url_name="acquisition:notice",
        done=lambda: PrivacyNotice.objects.exists(),
        codes=(P.NOTICE,),
        order=30,
    )
)
