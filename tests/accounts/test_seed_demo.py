"""seed_demo: one login per role, reproducible, idempotent, refused in production."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.demo import DEMO_PASSWORD, ROLE_LOGINS
from apps.accounts.models import Department, Team, User
from apps.accounts.permissions import roles_of


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_creates_one_working_login_per_role_and_prints_them(settings, client):
    settings.DEBUG = True
    output = _seed()
    for username, role, _name in ROLE_LOGINS:
        user = User.objects.get(username=username)
        assert roles_of(user) == {role}
        assert user.check_password(DEMO_PASSWORD)
        assert f"{username:<12} {DEMO_PASSWORD}" in output
    assert client.login(username="dutymanager", password=DEMO_PASSWORD)
    assert "3 teams, 4 departments, 18 agents" in output


@pytest.mark.django_db
def test_every_team_has_a_lead_and_agents_are_in_teams(settings):
    settings.DEBUG = True
    _seed()
    assert Team.objects.filter(lead__isnull=True).count() == 0
    assert User.objects.with_role("agent").filter(team__isnull=True).count() == 0
    assert User.objects.get(username="deptstaff").departments.count() == 1
    assert Department.objects.count() == 4


@pytest.mark.django_db
def test_seed_is_idempotent_and_reproducible(settings):
    settings.DEBUG = True
    _seed(seed=7)
    first = list(User.objects.order_by("username").values_list("username", "display_name", "team__name"))
    _seed(seed=7)
    again = list(User.objects.order_by("username").values_list("username", "display_name", "team__name"))
    assert again == first
    assert User.objects.count() == len(first)


@pytest.mark.django_db
def test_another_seed_gives_other_names(settings):
    settings.DEBUG = True
    _seed(seed=1)
    names_1 = list(User.objects.filter(username__startswith="agent0").values_list("display_name", flat=True))
    _seed(seed=2)
    names_2 = list(User.objects.filter(username__startswith="agent0").values_list("display_name", flat=True))
    assert names_1 != names_2


@pytest.mark.django_db
def test_seed_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to create demo users with a published password"):
        _seed()
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_large_scale_makes_hundreds_of_agents(settings, monkeypatch):
    from apps.complaints import demo as complaints_demo
    from apps.metrics import demo as metrics_demo
    from apps.scorecards import demo as qa_demo
    from apps.tqm import demo as tqm_demo

    settings.DEBUG = True
    # The volumes of --scale large (half a million calls, 100k tickets, 55k daily figures) are for
    # benchmarks, not this test.
    monkeypatch.setitem(qa_demo.VOLUMES, "large", qa_demo.VOLUMES["small"])
    monkeypatch.setitem(complaints_demo.VOLUMES, "large", complaints_demo.VOLUMES["small"])
    monkeypatch.setitem(tqm_demo.VOLUMES, "large", tqm_demo.VOLUMES["small"])
    monkeypatch.setitem(metrics_demo.VOLUMES, "large", metrics_demo.Volume(months=3, agents=20))
    output = _seed(scale="large")
    assert User.objects.with_role("agent").count() == 400 + 1  # 25 teams × 16, plus the demo agent
    assert " daily figures for 20 of 401 agents " in output
