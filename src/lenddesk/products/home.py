from django.utils.translation import gettext_lazy as _

from lenddesk.products.models import Product
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.web.home import OnboardingStep, register_onboarding_step

register_onboarding_step(
    OnboardingStep(
        key="products",
        module="products",
        label=_("Enter the loan products you sell"),
        url_name="products:list",
        done=lambda: Product.objects.exists(),
        codes=(P.MANAGE,),
        order=40,
    )
)
