import pytest
from django.db import IntegrityError

from tests.factories import TeamFactory, UserFactory


@pytest.mark.django_db
def test_user_name_prefers_display_name_then_full_name_then_username():
    assert UserFactory(display_name="李娜").name == "李娜"
    assert UserFactory(display_name="", first_name="Ada", last_name="Lovelace").name == "Ada Lovelace"
    assert UserFactory(display_name="", username="plain").name == "plain"


@pytest.mark.django_db
def test_employee_numbers_are_unique_but_optional():
    UserFactory(employee_number="")
    UserFactory(employee_number="")
    UserFactory(employee_number="E001")
    with pytest.raises(IntegrityError):
        UserFactory(employee_number="E001")


@pytest.mark.django_db
def test_deleting_a_team_keeps_its_members():
    team = TeamFactory()
    member = UserFactory(team=team)
    team.delete()
    member.refresh_from_db()
    assert member.team is None
