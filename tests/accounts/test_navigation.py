"""Each role sees the navigation and the "My work" sections it uses, and nothing else."""

import re

import pytest
from django.contrib.auth.models import Group

from apps.accounts.roles import Role

NAV_BY_ROLE = {
    Role.AGENT: ["home", "evaluations", "coaching", "complaint_queue", "tickets", "metrics", "reports"],
    Role.QA_EVALUATOR: [
        "home",
        "queue",
        "evaluations",
        "calls",
        "calibrations",
        "coaching",
        "reports",
        "directory",
    ],
    Role.QA_MANAGER: [
        "home",
        "evaluations",
        "calls",
        "disputes",
        "sampling",
        "calibrations",
        "coaching",
        "scorecards",
        "projects",
        "calculators",
        "metrics",
        "reports",
        "directory",
    ],
    Role.EXPERT: ["home", "complaint_queue", "tickets", "reports", "directory"],
    Role.DUTY_MANAGER: ["home", "complaint_queue", "tickets", "projects", "metrics", "reports", "directory"],
    Role.DEPARTMENT_STAFF: ["home", "complaint_queue", "tickets", "reports"],
    Role.IMPROVEMENT_MEMBER: ["home", "projects", "calculators", "reports"],
    Role.ADMIN: ["home", "projects", "metrics", "reports", "directory", "api", "admin"],
}

SECTIONS_BY_ROLE = {
    Role.AGENT: ["my_evaluations", "coaching_to_sign_off", "my_tickets"],
    Role.QA_EVALUATOR: ["calls_to_score", "drafts", "calibrations_to_score", "follow_ups_due"],
    Role.QA_MANAGER: ["disputes", "overdue_calibrations"],
    Role.EXPERT: ["my_tickets"],
    Role.DUTY_MANAGER: ["my_tickets"],
    Role.DEPARTMENT_STAFF: ["department_tickets"],
    Role.IMPROVEMENT_MEMBER: ["my_projects", "overdue_actions"],
    Role.ADMIN: ["users_without_role"],
}


def _nav_keys(body: str) -> list[str]:
    return re.findall(r'data-nav="([a-z_]+)"', body)


def _section_keys(body: str) -> list[str]:
    return re.findall(r'data-section="([a-z_]+)"', body)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_only_what_the_role_uses(client, personas, role):
    client.force_login(personas[role])
    body = client.get("/").content.decode()
    assert _nav_keys(body) == NAV_BY_ROLE[role]
    assert _section_keys(body) == SECTIONS_BY_ROLE[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_nav_entry_opens_for_its_role(client, personas, role):
    client.force_login(personas[role])
    body = client.get("/").content.decode()
    for url in re.findall(r'<a href="([^"]+)" data-nav=', body):
        # /reports/ leads on to the reader's first dashboard.
        assert client.get(url, follow=True).status_code == 200, url


@pytest.mark.django_db
def test_user_with_two_roles_sees_both_menus(client, personas):
    user = personas[Role.DEPARTMENT_STAFF]
    user.groups.add(Group.objects.get(name=Role.EXPERT))
    client.force_login(user)
    body = client.get("/").content.decode()
    assert _nav_keys(body) == ["home", "complaint_queue", "tickets", "reports", "directory"]
    assert _section_keys(body) == ["my_tickets", "department_tickets"]


@pytest.mark.django_db
def test_admin_sees_accounts_without_a_role(client, personas):
    client.force_login(personas[Role.ADMIN])
    body = client.get("/").content.decode()
    assert "nobody" in body


@pytest.mark.django_db
def test_current_page_is_marked_in_the_navigation(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    body = client.get("/accounts/directory/").content.decode()
    assert 'data-nav="directory" aria-current="page"' in body
    assert 'data-nav="home" aria-current="page"' not in body


@pytest.mark.django_db
def test_only_the_longest_matching_entry_is_current(client, personas):
    client.force_login(personas[Role.DUTY_MANAGER])
    body = client.get("/complaints/queue/").content.decode()
    assert 'data-nav="complaint_queue" aria-current="page"' in body
    assert 'data-nav="tickets" aria-current="page"' not in body
    body = client.get("/complaints/").content.decode()
    assert 'data-nav="tickets" aria-current="page"' in body
    assert 'data-nav="complaint_queue" aria-current="page"' not in body
