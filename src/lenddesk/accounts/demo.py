"""Demo organisation of the demo firm: departments, one of every default role, phones
and ID numbers (valid, fictitious), reporting lines. Made by the system (no acting
user), so none of it shows as the administrator's own work."""

from stdnum.cn import ric

from lenddesk.accounts.models import Department, Role, User
from lenddesk.accounts.services import department_create, user_create, user_update

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed demo log-in
# username, name, role, department, superior, birth date
DEMO_STAFF = (
    ("gm", "王建国", "general_manager", "", "", "19750312"),
    ("lead1", "李芳", "team_lead", "销售一部", "gm", "19860521"),
    ("lead2", "赵磊", "team_lead", "销售二部", "gm", "19840709"),
    ("sales1", "张伟", "salesperson", "销售一部", "lead1", "19920115"),
    ("sales2", "刘洋", "salesperson", "销售一部", "lead1", "19930830"),
    ("sales3", "陈静", "salesperson", "销售二部", "lead2", "19950402"),
    ("sales4", "杨帆", "salesperson", "销售二部", "lead2", "19911127"),
    ("tele1", "黄丽", "telemarketer", "电销组", "lead1", "19980618"),
    ("proc1", "周涛", "processor", "运营部", "gm", "19890923"),
    ("warrant1", "吴刚", "warrant_officer", "运营部", "proc1", "19870214"),
    ("finance1", "孙梅", "finance", "财务部", "gm", "19850506"),
)
DEPARTMENTS = (
    ("销售中心", ""),
    ("销售一部", "销售中心"),
    ("销售二部", "销售中心"),
    ("电销组", "销售一部"),
    ("运营部", ""),
    ("财务部", ""),
)


def demo_id_number(birth: str, sequence: int) -> str:
    body = "110105%s%03d" % (birth, sequence)  # Beijing Chaoyang: valid in every year
    return body + ric.calc_check_digit(
        body + "0"
    )  # the function ignores the last digit


def _departments() -> dict[str, Department]:
    found = {d.name: d for d in Department.objects.all()}
    for name, parent in DEPARTMENTS:
        if name not in found:
            found[name] = department_create(
                actor=None, name=name, parent_id=found[parent].pk if parent else None
            )
    return found


def build(tenant, log) -> list[tuple[str, str, str]]:
    roles = {r.key: r for r in Role.objects.all()}
    admin = User.objects.get(username="admin")
    departments = _departments()
    logins = [("admin", DEMO_PASSWORD, str(roles["admin"].name))]
    people = {"admin": admin}
    for n, (username, name, role_key, department, boss, birth) in enumerate(DEMO_STAFF):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role_ids=[roles[role_key].pk],
                department_id=departments[department].pk if department else None,
                superior_id=people[boss].pk if boss else None,
                phone="1380013%04d" % (8000 + n),
                id_number=demo_id_number(birth, 101 + 2 * n),
            )
        people[username] = user
        logins.append((username, DEMO_PASSWORD, str(roles[role_key].name)))
    leaders = {
        "销售一部": "lead1",
        "销售二部": "lead2",
        "运营部": "proc1",
        "财务部": "finance1",
    }
    for department, leader in leaders.items():
        Department.objects.filter(pk=departments[department].pk, leader=None).update(
            leader=people[leader]
        )
    if not admin.phone_cipher:
        user_update(
            actor=None,
            user=admin,
            display_name=admin.display_name,
            phone="13800138000",
            department_id=None,
            superior_id=None,
        )
    log("staff: %d in %d departments" % (User.objects.count(), len(departments)))
    return logins
