from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.models import Department, User
from lenddesk.accounts.permissions import DepartmentPermission, UserPermission
from lenddesk.web.home import OnboardingStep, register_onboarding_step

register_onboarding_step(
    OnboardingStep(
        key="departments",
        module="org",
        label=_("Set up your departments and teams"),
        url_name="accounts:department_list",
        done=lambda: Department.objects.exists(),
        codes=(DepartmentPermission.CHANGE,),
        order=10,
    )
)
register_onboarding_step(
    OnboardingStep(
        key="staff",
        module="org",
        label=_("Add your staff and give them roles"),
        url_name="accounts:user_create",
        done=lambda: User.objects.count() > 1,
        codes=(UserPermission.CREATE,),
        order=20,
    )
)
