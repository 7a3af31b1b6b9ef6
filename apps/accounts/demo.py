"""Demo data for accounts: teams, departments, one login per role, and agents.

Called by ``manage.py seed_demo``. Re-running with the same seed changes
nothing; rows are matched by their natural keys (username, team and
department names) and written in bulk, so ``--scale large`` stays fast.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from qa_center.demo import DemoContext

from .models import Department, Team, User
from .roles import Role

DEMO_PASSWORD = "demo-pass-2026"

# One login per role; the username says which role it has.
ROLE_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("agent", Role.AGENT, "Li Na 李娜"),
    ("evaluator", Role.QA_EVALUATOR, "Zhang Wei 张伟"),
    ("qamanager", Role.QA_MANAGER, "Wang Fang 王芳"),
    ("expert", Role.EXPERT, "Liu Yang 刘洋"),
    ("dutymanager", Role.DUTY_MANAGER, "Chen Jing 陈静"),
    ("deptstaff", Role.DEPARTMENT_STAFF, "Zhao Lei 赵磊"),
    ("improver", Role.IMPROVEMENT_MEMBER, "Huang Min 黄敏"),
    ("admin", Role.ADMIN, "Zhou Qiang 周强"),
)

DEPARTMENTS = (
    "Billing 计费部",
    "Network Operations 网络运维部",
    "Customer Retention 客户挽留部",
    "Logistics 物流部",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲建国文斌宇浩凯婷雪琳晨阳"

SCALES = {
    # teams, agents per team
    "small": (3, 6),
    "large": (25, 16),
}


def seed(ctx: DemoContext) -> None:
    team_count, agents_per_team = SCALES[ctx.scale]
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}

    teams = _upsert_by_name(Team, [f"Team {index + 1:02d}" for index in range(team_count)])
    departments = _upsert_by_name(Department, list(DEPARTMENTS))

    role_users = _upsert_users(
        ctx,
        [
            User(
                username=username,
                display_name=display_name,
                employee_number=f"S{index + 1:04d}",
                team=teams[0] if role == Role.AGENT else None,
                is_staff=role == Role.ADMIN,
            )
            for index, (username, role, display_name) in enumerate(ROLE_LOGINS)
        ],
    )
    agents = _upsert_users(
        ctx,
        [
            User(
                username=f"agent{index + 1:04d}",
                display_name=ctx.rng.choice(SURNAMES)
                + "".join(ctx.rng.sample(GIVEN, ctx.rng.choice((1, 2)))),
                employee_number=f"A{index + 1:05d}",
                team=teams[index // agents_per_team],
            )
            for index in range(team_count * agents_per_team)
        ],
    )

    memberships = [(user, groups[role]) for (_u, role, _n), user in zip(ROLE_LOGINS, role_users, strict=True)]
    memberships += [(agent, groups[Role.AGENT]) for agent in agents]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user, group in memberships],
        ignore_conflicts=True,
    )

    # Team leads: the first agent of each team; the demo agent's team is led by them too.
    for team, lead in zip(teams, agents[::agents_per_team], strict=True):
        team.lead = lead
    Team.objects.bulk_update(teams, ["lead"])

    staff = role_users[[u for u, _r, _n in ROLE_LOGINS].index("deptstaff")]
    departments[0].members.add(staff)
    for index, department in enumerate(departments):
        department.members.add(*agents[index :: len(departments)][:2])

    ctx.data["teams"] = teams
    ctx.data["departments"] = departments
    ctx.data["agents"] = agents
    ctx.data["role_users"] = dict(zip((r for _u, r, _n in ROLE_LOGINS), role_users, strict=True))
    for (username, role, _name), _user in zip(ROLE_LOGINS, role_users, strict=True):
        ctx.add_login(username=username, password=DEMO_PASSWORD, role=Role(role).label)
    ctx.report(f"{len(teams)} teams, {len(departments)} departments, {len(agents)} agents")


def _upsert_by_name(model, names: list[str]) -> list:
    model.objects.bulk_create([model(name=name) for name in names], ignore_conflicts=True)
    by_name = {obj.name: obj for obj in model.objects.filter(name__in=names)}
    return [by_name[name] for name in names]


def _upsert_users(ctx: DemoContext, users: list[User]) -> list[User]:
    """Insert or refresh users by username; everyone gets the demo password."""
    for user in users:
        user.password = ctx.password_hash(DEMO_PASSWORD)
        user.is_superuser = user.is_staff
    User.objects.bulk_create(
        users,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["display_name", "employee_number", "team", "password", "is_staff", "is_superuser"],
    )
    by_username = User.objects.in_bulk([u.username for u in users], field_name="username")
    return [by_username[u.username] for u in users]
