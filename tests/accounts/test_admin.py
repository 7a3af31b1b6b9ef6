"""The Django admin: open to the admin role, closed to every other role."""

import pytest

from apps.accounts.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/accounts/user/", "/admin/accounts/team/", "/admin/accounts/department/"]
)
def test_admin_role_manages_users_teams_and_departments(client, personas, path):
    client.force_login(personas[Role.ADMIN])
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_admin_role_can_open_a_user_and_a_team(client, personas, team):
    client.force_login(personas[Role.ADMIN])
    assert client.get(f"/admin/accounts/user/{personas[Role.AGENT].pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/team/{team.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_other_roles_are_sent_to_the_admin_login(client, personas, role):
    client.force_login(personas[role])
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
