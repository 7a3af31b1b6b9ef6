"""Account services: who may shape teams and departments, and what each write does."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Department, Team
from apps.accounts.roles import Role
from qa_center.errors import PermissionDenied, ValidationFailed
from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admin_may_save_teams_and_departments(personas, role):
    with pytest.raises(PermissionDenied, match="Your role does not allow this action."):
        services.team_save(by=personas[role], name="Forbidden")
    with pytest.raises(PermissionDenied, match="Your role does not allow this action."):
        services.department_save(by=personas[role], name="Forbidden")
    assert not Team.objects.filter(name="Forbidden").exists()
    assert not Department.objects.filter(name="Forbidden").exists()


@pytest.mark.django_db
def test_team_save_makes_member_list_exact(personas, team):
    admin = personas[Role.ADMIN]
    stays, leaves, joins = UserFactory(team=team), UserFactory(team=team), UserFactory()
    services.team_save(by=admin, team=team, name=team.name, member_ids=[stays.pk, joins.pk])
    assert set(team.members.all()) == {stays, joins}
    leaves.refresh_from_db()
    assert leaves.team is None


@pytest.mark.django_db
def test_unknown_member_rolls_back_the_whole_team_save(personas, team):
    admin = personas[Role.ADMIN]
    with pytest.raises(ValidationFailed, match="Unknown user id"):
        services.team_save(by=admin, team=team, name="Renamed", member_ids=[424242])
    team.refresh_from_db()
    assert team.name == "Team Aurora"


@pytest.mark.django_db
def test_unknown_lead_is_refused_on_the_lead_field(personas):
    with pytest.raises(ValidationFailed) as caught:
        services.team_save(by=personas[Role.ADMIN], name="Night", lead_id=424242)
    assert caught.value.fields == {"lead": ["Unknown user id(s): 424242."]}


@pytest.mark.django_db
def test_blank_names_are_refused(personas):
    with pytest.raises(ValidationFailed, match="A name is required."):
        services.department_save(by=personas[Role.ADMIN], name="   ")


@pytest.mark.django_db
def test_department_keeps_its_own_name_on_update(personas, department):
    saved = services.department_save(by=personas[Role.ADMIN], department=department, name=" Billing ")
    assert saved.name == "Billing"


@pytest.mark.django_db
def test_clear_expired_sessions_deletes_only_expired_and_is_idempotent():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(seconds=1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(days=1))
    assert services.sessions_clear_expired() == 1
    assert services.sessions_clear_expired() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
