"""Demo staff of the demo firm: one of every default role, with Chinese names."""

from lenddesk.accounts.models import Role, User
from lenddesk.accounts.services import user_create

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed demo log-in
DEMO_STAFF = (
    ("gm", "王建国", "general_manager"),
    ("lead1", "李芳", "team_lead"),
    ("lead2", "赵磊", "team_lead"),
    ("sales1", "张伟", "salesperson"),
    ("sales2", "劉洋", "salesperson"),
    ("sales3", "陈静", "salesperson"),
    ("sales4", "杨帆", "salesperson"),
    ("tele1", "黄丽", "telemarketer"),
    ("proc1", "周涛", "processor"),
    ("warrant1", "吴刚", "warrant_officer"),
    ("finance1", "孙梅", "finance"),
)


def build(tenant, log) -> list[tuple[str, str, str]]:
    roles = {r.key: r for r in Role.objects.all()}
    logins = [("admin", DEMO_PASSWORD, "Administrator")]
    for username, name, role_key in DEMO_STAFF:
        if not User.objects.filter(username=username).exists():
            user_create(
                actor=None,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role_ids=[roles[role_key].pk],
            )
        logins.append((username, DEMO_PASSWORD, roles[role_key].name))
    log("staff: %d" % User.objects.count())
    return logins
