from django.utils.translation import gettext_lazy as _

from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Completion"),
        "performance:completion",
        "performance",
        codes=(P.VIEW,),
        order=500,
        section="performance",
    ),
    MenuItem(
        _("Ranking"),
        "performance:ranking",
        "performance",
        codes=(P.VIEW,),
        order=510,
        section="performance",
    ),
    MenuItem(
        _("My tasks"),
        "performance:my_tasks",
        "performance",
        codes=(P.VIEW,),
        order=520,
        section="performance",
    ),
    MenuItem(
        _("Targets"),
        "performance:targets",
        "performance",
        codes=(P.TARGETS,),
        order=530,
        section="performance",
    ),
    MenuItem(
        _("Tasks"),
        "performance:tasks",
        "performance",
        codes=(P.TASKS,),
        order=540,
        section="performance",
    ),
    MenuItem(
        _("Monthly reports"),
        "performance:reports",
        "performance",
        codes=(P.REPORTS,),
        order=545,
        section="performance",
    ),
    MenuItem(
        _("KPI weights"),
        "performance:kpi",
        "performance",
        codes=(P.KPI,),
        order=550,
        section="performance",
    ),
)
