"""/api/v1/auth/token/ and /api/v1/accounts/*: shapes, rules and refusals."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Department, Team
from apps.accounts.roles import Role
from tests.factories import TEST_PASSWORD, DepartmentFactory, TeamFactory, UserFactory


@pytest.mark.django_db
def test_token_for_right_credentials_then_used_as_header(api, personas):
    response = api.post(
        "/api/v1/auth/token/", {"username": "agent", "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/accounts/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "agent"


@pytest.mark.django_db
def test_token_refused_for_wrong_password_with_message(api, personas):
    response = api.post("/api/v1/auth/token/", {"username": "agent", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to log in with provided credentials.",
        "non_field_errors": ["Unable to log in with provided credentials."],
    }


@pytest.mark.django_db
def test_token_endpoint_slows_down_password_guessing(api, personas):
    for _ in range(20):
        assert api.post("/api/v1/auth/token/", {"username": "agent", "password": "guess"}).status_code == 400
    response = api.post("/api/v1/auth/token/", {"username": "agent", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled.")


@pytest.mark.django_db
def test_token_request_missing_fields_names_them(api):
    response = api.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["username"] == ["This field is required."]
    assert body["password"] == ["This field is required."]
    assert body["detail"] == "Some fields are invalid; see the messages per field."


@pytest.mark.django_db
def test_me_describes_the_user_and_their_roles(api_as, personas, team, department):
    user = personas[Role.AGENT]
    user.groups.add(Group.objects.get(name=Role.EXPERT))
    user.display_name = "李娜"
    user.employee_number = "A00001"
    user.save()
    department.members.add(user)
    body = api_as(user).get("/api/v1/accounts/me/").json()
    assert body == {
        "id": user.pk,
        "username": "agent",
        "name": "李娜",
        "display_name": "李娜",
        "email": "agent@example.test",
        "employee_number": "A00001",
        "team": {"id": team.pk, "name": "Team Aurora"},
        "departments": [department.pk],
        "roles": ["agent", "expert"],
    }


@pytest.mark.django_db
def test_session_auth_also_works_for_the_api(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    assert client.get("/api/v1/accounts/me/").json()["roles"] == ["qa_manager"]


@pytest.mark.django_db
def test_session_auth_writes_need_csrf(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas[Role.ADMIN])
    response = client.post("/api/v1/accounts/departments/", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Department.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_admin_creates_a_department_with_members(api_as, personas):
    members = [personas[Role.DEPARTMENT_STAFF].pk, personas["other_department_staff"].pk]
    response = api_as(personas[Role.ADMIN]).post(
        "/api/v1/accounts/departments/", {"name": "Network Operations", "members": members}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Network Operations"
    assert sorted(body["members"]) == sorted(members)
    assert body["member_count"] == 2
    department = Department.objects.get(pk=body["id"])
    assert sorted(department.members.values_list("pk", flat=True)) == sorted(members)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "name", "This field is required."),
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "billing"}, "name", "The name “billing” is already used."),
        ({"name": "New", "members": [999999]}, "members", 'Invalid pk "999999" - object does not exist.'),
        ({"name": "New", "members": "abc"}, "members", 'Expected a list of items but got type "str".'),
    ],
)
def test_bad_department_input_is_400_with_field_message_and_writes_nothing(
    api_as, personas, payload, field, message
):
    before = Department.objects.count()
    response = api_as(personas[Role.ADMIN]).post("/api/v1/accounts/departments/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert response.json()["detail"]
    assert Department.objects.count() == before


@pytest.mark.django_db
def test_admin_renames_and_replaces_department_members(api_as, personas, department):
    staff = personas["other_department_staff"]
    response = api_as(personas[Role.ADMIN]).patch(
        f"/api/v1/accounts/departments/{department.pk}/",
        {"name": "Billing & Payments", "members": [staff.pk]},
    )
    assert response.status_code == 200
    department.refresh_from_db()
    assert department.name == "Billing & Payments"
    assert list(department.members.all()) == [staff]


@pytest.mark.django_db
def test_admin_creates_a_team_with_lead_and_members(api_as, personas):
    agent, other = personas[Role.AGENT], personas["other_agent"]
    response = api_as(personas[Role.ADMIN]).post(
        "/api/v1/accounts/teams/", {"name": "Night shift", "lead": agent.pk, "members": [agent.pk, other.pk]}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["lead"], sorted(body["members"]), body["member_count"]) == (
        agent.pk,
        sorted([agent.pk, other.pk]),
        2,
    )
    team = Team.objects.get(name="Night shift")
    assert set(team.members.all()) == {agent, other}


@pytest.mark.django_db
def test_team_name_clash_is_refused_case_insensitively(api_as, personas, team):
    response = api_as(personas[Role.ADMIN]).post("/api/v1/accounts/teams/", {"name": "TEAM AURORA"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The name “TEAM AURORA” is already used.",
        "name": ["The name “TEAM AURORA” is already used."],
    }


@pytest.mark.django_db
def test_admin_deletes_a_team(api_as, personas, other_team):
    response = api_as(personas[Role.ADMIN]).delete(f"/api/v1/accounts/teams/{other_team.pk}/")
    assert response.status_code == 204
    assert not Team.objects.filter(pk=other_team.pk).exists()
    personas["other_agent"].refresh_from_db()
    assert personas["other_agent"].team is None


# --- Role × endpoint matrix -------------------------------------------------------

READ_ENDPOINTS = ["/api/v1/accounts/me/", "/api/v1/accounts/teams/", "/api/v1/accounts/departments/"]
PERSONA_KEYS = [*Role.values, "other_agent", "other_department_staff", "no_role"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONA_KEYS)
@pytest.mark.parametrize("url", READ_ENDPOINTS)
def test_every_signed_in_user_may_read_accounts(api_as, personas, persona, url):
    assert api_as(personas[persona]).get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*READ_ENDPOINTS, "/api/v1/accounts/teams/1/"])
def test_anonymous_gets_401_everywhere(api, url):
    assert api.get(url).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONA_KEYS)
@pytest.mark.parametrize(
    ("method", "url_template", "payload"),
    [
        ("post", "/api/v1/accounts/teams/", {"name": "Matrix team"}),
        ("patch", "/api/v1/accounts/teams/{team}/", {"name": "Matrix team"}),
        ("delete", "/api/v1/accounts/teams/{team}/", None),
        ("post", "/api/v1/accounts/departments/", {"name": "Matrix dept"}),
        ("patch", "/api/v1/accounts/departments/{department}/", {"name": "Matrix dept"}),
        ("delete", "/api/v1/accounts/departments/{department}/", None),
    ],
)
def test_only_admins_write_teams_and_departments(
    api_as, personas, team, department, persona, method, url_template, payload
):
    url = url_template.format(team=team.pk, department=department.pk)
    response = getattr(api_as(personas[persona]), method)(url, payload, format="json")
    if persona == Role.ADMIN:
        assert response.status_code in (200, 201, 204)
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role does not allow this action."}
        assert Team.objects.filter(pk=team.pk, name="Team Aurora").exists()
        assert Department.objects.filter(pk=department.pk, name="Billing").exists()
        assert not Team.objects.filter(name="Matrix team").exists()
        assert not Department.objects.filter(name="Matrix dept").exists()


# --- Lists: pagination and constant query counts ----------------------------------


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "make_row"),
    [
        (
            "/api/v1/accounts/teams/",
            lambda: UserFactory.create_batch(2, team=TeamFactory(lead=UserFactory())),
        ),
        (
            "/api/v1/accounts/departments/",
            lambda: DepartmentFactory().members.add(*UserFactory.create_batch(2)),
        ),
    ],
)
def test_list_endpoints_run_a_constant_number_of_queries(api_as, personas, url, make_row):
    client = api_as(personas[Role.AGENT])
    for _ in range(10):
        make_row()
    with_ten = _queries_for(client, url)
    for _ in range(40):
        make_row()
    assert _queries_for(client, url) == with_ten


@pytest.mark.django_db
def test_lists_are_paginated_fifty_by_default_and_at_most_five_hundred(api_as, personas):
    Department.objects.bulk_create([Department(name=f"Dept {n:04d}") for n in range(520)])
    client = api_as(personas[Role.AGENT])
    first = client.get("/api/v1/accounts/departments/").json()
    assert first["count"] == 522  # plus the two persona departments
    assert len(first["results"]) == 50
    assert first["next"].endswith("page=2")
    assert len(client.get("/api/v1/accounts/departments/?page_size=10").json()["results"]) == 10
    assert len(client.get("/api/v1/accounts/departments/?page_size=100000").json()["results"]) == 500


@pytest.mark.django_db
def test_teams_can_be_filtered_by_lead_and_ordered(api_as, personas):
    lead = UserFactory()
    TeamFactory(name="Zeta", lead=lead)
    TeamFactory(name="Alpha", lead=lead)
    body = api_as(personas[Role.AGENT]).get(f"/api/v1/accounts/teams/?lead={lead.pk}&ordering=-name").json()
    assert [row["name"] for row in body["results"]] == ["Zeta", "Alpha"]


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_network_assets(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/accounts/departments/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "https://" not in docs
    assert "http://" not in docs.replace("http://testserver", "")
