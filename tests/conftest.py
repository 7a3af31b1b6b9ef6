"""Fixtures for every test: persona users (one per role, healthchecks' alice/bob idea) and API clients."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from tests.factories import DepartmentFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (throttle counters, cached figures)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(db):
    return TeamFactory(name="Team Aurora")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Team Bamboo")


@pytest.fixture
def department(db):
    return DepartmentFactory(name="Billing")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="Logistics")


@pytest.fixture
def personas(db, team, other_team, department, other_department):
    """One user per role, plus an agent of another team and staff of a second department."""
    people = {role: UserFactory(username=role, roles=[role]) for role in Role.values}
    people[Role.AGENT].team = team
    people[Role.AGENT].save()
    people["other_agent"] = UserFactory(username="other_agent", roles=[Role.AGENT], team=other_team)
    department.members.add(people[Role.DEPARTMENT_STAFF])
    people["other_department_staff"] = UserFactory(username="other_staff", roles=[Role.DEPARTMENT_STAFF])
    other_department.members.add(people["other_department_staff"])
    people["no_role"] = UserFactory(username="nobody")
    return people


@pytest.fixture
def api():
    """An API client with no credentials."""
    return APIClient()


@pytest.fixture
def api_as():
    """api_as(user) -> an API client authenticated as ``user`` through a real token."""
    from rest_framework.authtoken.models import Token

    def make(user):
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
