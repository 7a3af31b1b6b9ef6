"""Sign in, sign out, change password, the home page and the directory page."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory


@pytest.mark.django_db
def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


@pytest.mark.django_db
def test_sign_in_with_right_password_lands_on_home(client, personas):
    response = client.post("/login/", {"username": "agent", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session[SESSION_KEY]) == personas[Role.AGENT].pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "password"), [("agent", "wrong-password"), ("no-such-user", TEST_PASSWORD)]
)
def test_wrong_login_shows_one_message_that_does_not_say_which_part_is_wrong(
    client, personas, username, password
):
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The username or password is not correct. Both are case-sensitive." in body
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_empty_login_form_shows_field_errors(client):
    response = client.post("/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


@pytest.mark.django_db
def test_sign_out_needs_post_and_ends_the_session(client, personas):
    client.force_login(personas[Role.AGENT])
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_password_change_hashes_the_new_password(client, personas):
    user = personas[Role.AGENT]
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Blue-Kite-4471", "new_password2": "Blue-Kite-4471"},
        follow=True,
    )
    assert "Your password was changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Blue-Kite-4471")
    assert "Blue-Kite-4471" not in user.password


@pytest.mark.django_db
def test_password_change_with_wrong_old_password_changes_nothing(client, personas):
    user = personas[Role.AGENT]
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": "not-it", "new_password1": "Blue-Kite-4471", "new_password2": "Blue-Kite-4471"},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_home_greets_the_user_by_name(client, personas):
    user = personas[Role.AGENT]
    user.display_name = "李娜"
    user.save()
    client.force_login(user)
    body = client.get("/").content.decode()
    assert "Hello, 李娜" in body
    assert "Your roles: Agent" in body


@pytest.mark.django_db
def test_user_without_role_is_told_to_ask_for_one(client, personas):
    client.force_login(personas["no_role"])
    assert "You have no role yet" in client.get("/").content.decode()


@pytest.mark.django_db
def test_directory_lists_teams_with_leads_and_departments_in_constant_queries(client, personas):
    client.force_login(personas[Role.QA_MANAGER])

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/accounts/directory/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few, _body = count_queries()
    for _ in range(20):
        team = TeamFactory(lead=UserFactory())
        UserFactory.create_batch(3, team=team)
    many, body = count_queries()
    assert few == many
    assert "Team Aurora" in body
    assert personas[Role.AGENT].name in body
