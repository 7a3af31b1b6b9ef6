"""Bad input gets a clear answer: friendly pages for people, JSON with messages for the API."""

import pytest
from django.urls import path

from qa_center import urls as project_urls


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [*project_urls.urlpatterns, path("boom/", _boom)]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.mark.django_db
def test_unknown_url_shows_the_friendly_404_page(client, personas):
    client.force_login(personas["agent"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert "Back to my work" in response.content.decode()


@pytest.mark.django_db
def test_unknown_url_is_friendly_in_chinese_too(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert "找不到该页面" in response.content.decode()


@pytest.mark.django_db
def test_page_outside_the_role_shows_the_friendly_403_page(client, personas):
    client.force_login(personas["agent"])
    response = client.get("/accounts/directory/")
    assert response.status_code == 403
    assert "You are not allowed to see this page" in response.content.decode()
    assert "Your role does not allow you to open this page." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_errors")
def test_unexpected_error_shows_the_friendly_500_page(client, personas):
    client.raise_request_exception = False
    client.force_login(personas["agent"])
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_api_without_credentials_is_401_with_a_message(api):
    response = api.get("/api/v1/accounts/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_api_with_an_unknown_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/accounts/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.django_db
def test_malformed_json_is_400_with_a_message_and_writes_nothing(api_as, personas):
    from apps.accounts.models import Department

    before = Department.objects.count()
    response = api_as(personas["admin"]).post(
        "/api/v1/accounts/departments/", data='{"name": "Broken', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert Department.objects.count() == before


@pytest.mark.django_db
def test_unknown_api_url_is_a_json_404_free_page(api_as, personas):
    response = api_as(personas["admin"]).get("/api/v1/accounts/departments/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Department matches the given query."}


@pytest.mark.django_db
def test_expired_form_gets_a_friendly_csrf_page_and_saves_nothing(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["agent"])
    response = client.post(
        "/accounts/password/", {"old_password": "x", "new_password1": "y", "new_password2": "y"}
    )
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
