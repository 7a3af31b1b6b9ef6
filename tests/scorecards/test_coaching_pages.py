"""Coaching pages: the list per role, a new session with the failed criteria of the agent's
evaluations, the session page (actions, comments, sign-off, follow-up) and the coach's scope."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import coaching, services
from apps.scorecards.coaching import ActionInput
from apps.scorecards.models import CoachingAction, CoachingComment, CoachingSession
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db

NO_COACHING_ROLES = [
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.IMPROVEMENT_MEMBER,
    Role.ADMIN,
    "no_role",
]


@pytest.fixture
def world(personas, team):
    """The evaluator covers Team Aurora (the agent's); other_agent is in Team Bamboo."""
    evaluator = personas[Role.QA_EVALUATOR]
    team.evaluators.add(evaluator)
    card = typical_scorecard()
    evaluation = services.evaluation_save(
        by=evaluator,
        call=CallFactory(agent=personas[Role.AGENT], external_id="CALL-COACH-1"),
        version=card.version,
        answers=card.answers(resolve=6, offer_help="na"),  # "Explains the solution" 6 of 10
        submit=True,
    )
    return {**personas, "card": card, "evaluation": evaluation, "coach": evaluator}


def _session(world, *, coach="coach", agent=Role.AGENT, actions=None, **kwargs) -> CoachingSession:
    today = timezone.localdate()
    return coaching.coaching_create(
        by=world[coach],
        agent=world[agent],
        held_on=kwargs.pop("held_on", today),
        observations=kwargs.pop("observations", "Rushed the explanation of the refund."),
        follow_up_on=kwargs.pop("follow_up_on", today + timedelta(days=14)),
        evaluations=kwargs.pop("evaluations", [world["evaluation"]]),
        actions=actions if actions is not None else [ActionInput("Use the refund checklist", today)],
    )


def _new_session_data(**changes) -> dict:
    today = timezone.localdate()
    data = {
        "held_on": today.isoformat(),
        "follow_up_on": (today + timedelta(days=10)).isoformat(),
        "observations": "Good greeting; the solution was explained too fast.",
        "action_1_text": "Summarise the solution before closing",
        "action_1_due": (today + timedelta(days=3)).isoformat(),
        "action_2_text": "Listen to two model calls",
        "action_2_due": (today + timedelta(days=5)).isoformat(),
        "action_3_text": "",
        "action_3_due": "",
    }
    data.update(changes)
    return data


# --- The list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AGENT, Role.QA_EVALUATOR, Role.QA_MANAGER])
def test_coaching_list_opens_for_agents_and_qa_staff(client, world, role):
    session = _session(world)
    client.force_login(world[role])
    body = client.get("/qa/coaching/").content.decode()
    assert f'data-coaching="{session.pk}"' in body
    assert ('data-testid="coaching-new"' in body) is (role != Role.AGENT)


@pytest.mark.parametrize("role", NO_COACHING_ROLES)
def test_coaching_pages_are_refused_to_other_roles(client, world, role):
    session = _session(world)
    client.force_login(world[role])
    for url in ["/qa/coaching/", "/qa/coaching/new/", f"/qa/coaching/{session.pk}/"]:
        assert client.get(url).status_code == 403, url


def test_agents_see_only_their_own_sessions(client, world):
    mine = _session(world)
    theirs = _session(world, coach=Role.QA_MANAGER, agent="other_agent", evaluations=[])
    client.force_login(world[Role.AGENT])
    body = client.get("/qa/coaching/").content.decode()
    assert f'data-coaching="{mine.pk}"' in body
    assert f'data-coaching="{theirs.pk}"' not in body
    assert client.get(f"/qa/coaching/{theirs.pk}/").status_code == 404


def test_coaches_see_the_teams_they_cover_and_managers_see_all(client, world):
    aurora = _session(world, coach=Role.QA_MANAGER)
    bamboo = _session(world, coach=Role.QA_MANAGER, agent="other_agent", evaluations=[])
    client.force_login(world["coach"])
    body = client.get("/qa/coaching/").content.decode()
    assert f'data-coaching="{aurora.pk}"' in body
    assert f'data-coaching="{bamboo.pk}"' not in body
    assert client.get(f"/qa/coaching/{bamboo.pk}/").status_code == 404
    client.force_login(world[Role.QA_MANAGER])
    body = client.get("/qa/coaching/").content.decode()
    assert f'data-coaching="{aurora.pk}"' in body
    assert f'data-coaching="{bamboo.pk}"' in body


def test_list_filters_by_status_and_due_follow_up(client, world):
    today = timezone.localdate()
    signed = _session(world)
    coaching.coaching_sign_off(session=signed, by=world[Role.AGENT])
    due = _session(
        world, held_on=today - timedelta(days=20), follow_up_on=today - timedelta(days=1), actions=[]
    )
    client.force_login(world["coach"])
    body = client.get("/qa/coaching/?status=signed_off").content.decode()
    assert re.findall(r'data-coaching="(\d+)"', body) == [str(signed.pk)]
    body = client.get("/qa/coaching/?due=on").content.decode()
    assert re.findall(r'data-coaching="(\d+)"', body) == [str(due.pk)]


def _list_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/qa/coaching/").status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", [Role.AGENT, "coach", Role.QA_MANAGER])
def test_list_queries_do_not_grow_with_the_sessions(client, world, who):
    def add(n):
        for _ in range(n):
            session = _session(world)
            coaching.coaching_comment(session=session, by=world[Role.AGENT], body="Thanks")

    add(2)
    few = _list_queries(client, world[who])
    add(18)
    assert _list_queries(client, world[who]) == few


# --- A new session -----------------------------------------------------------------------


def test_coach_first_chooses_among_the_agents_they_cover(client, world):
    client.force_login(world["coach"])
    body = client.get("/qa/coaching/new/").content.decode()
    assert f'<option value="{world[Role.AGENT].pk}">' in body
    assert f'<option value="{world["other_agent"].pk}">' not in body


def test_new_session_form_shows_the_failed_criteria_of_the_agents_evaluations(client, world):
    client.force_login(world["coach"])
    url = f"/qa/coaching/new/?agent={world[Role.AGENT].pk}&evaluation={world['evaluation'].pk}"
    body = client.get(url).content.decode()
    assert f'value="{world["evaluation"].pk}" checked' in body
    failed = re.search(r'data-testid="failed-criteria">(.*?)</ul>', body, re.S).group(1)
    assert "Explains the solution" in failed
    assert "6 / 10" in failed
    assert "Greets the customer" not in failed  # full points
    assert "Offers further help" not in failed  # N/A is not a failure


def test_coach_records_a_session_with_actions(client, world):
    client.force_login(world["coach"])
    url = f"/qa/coaching/new/?agent={world[Role.AGENT].pk}&evaluation={world['evaluation'].pk}"
    response = client.post(url, _new_session_data(evaluations=[world["evaluation"].pk]))
    session = CoachingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/qa/coaching/{session.pk}/"
    assert (session.agent, session.coach, session.status) == (world[Role.AGENT], world["coach"], "open")
    assert list(session.evaluations.all()) == [world["evaluation"]]
    assert list(session.actions.values_list("text", flat=True)) == [
        "Summarise the solution before closing",
        "Listen to two model calls",
    ]


def test_an_action_without_a_due_date_is_refused_and_nothing_is_written(client, world):
    client.force_login(world["coach"])
    url = f"/qa/coaching/new/?agent={world[Role.AGENT].pk}"
    response = client.post(url, _new_session_data(action_2_due="", follow_up_on="2000-01-01"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Action 2: give it a due date." in body
    assert "The follow-up cannot be before the session." in body
    assert not CoachingSession.objects.exists()


def test_coach_cannot_coach_an_agent_of_a_team_they_do_not_cover(client, world):
    client.force_login(world["coach"])
    url = f"/qa/coaching/new/?agent={world['other_agent'].pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, _new_session_data()).status_code == 403
    assert not CoachingSession.objects.exists()


def test_evaluator_without_teams_cannot_coach_the_agent(client, world):
    stranger = UserFactory(roles=[Role.QA_EVALUATOR])
    client.force_login(stranger)
    assert client.get(f"/qa/coaching/new/?agent={world[Role.AGENT].pk}").status_code == 403
    body = client.get("/qa/coaching/new/").content.decode()
    assert f'<option value="{world[Role.AGENT].pk}">' not in body


@pytest.mark.parametrize("value", ["abc", "99999", "99999999999999999999"])
def test_unknown_agent_is_404(client, world, value):
    client.force_login(world["coach"])
    assert client.get(f"/qa/coaching/new/?agent={value}").status_code == 404


def test_agents_cannot_open_a_session(client, world):
    client.force_login(world[Role.AGENT])
    assert client.get("/qa/coaching/new/").status_code == 403


def test_team_lead_coaches_their_team_without_opening_its_evaluations(client, world, team):
    lead = UserFactory(username="lead", roles=[Role.AGENT])
    team.lead = lead
    team.save()
    client.force_login(lead)
    url = f"/qa/coaching/new/?agent={world[Role.AGENT].pk}"
    assert "Explains the solution" in client.get(url).content.decode()
    client.post(url, _new_session_data(evaluations=[world["evaluation"].pk]))
    session = CoachingSession.objects.get(coach=lead)
    body = client.get(f"/qa/coaching/{session.pk}/").content.decode()
    assert "Explains the solution" in body  # the failed criteria are shown in the session
    assert f'href="/qa/evaluations/{world["evaluation"].pk}/"' not in body  # but not the evaluation


def test_evaluation_page_links_coaches_to_a_new_session(client, world):
    url = f"/qa/evaluations/{world['evaluation'].pk}/"
    link = f"/qa/coaching/new/?agent={world[Role.AGENT].pk}&amp;evaluation={world['evaluation'].pk}"
    client.force_login(world["coach"])
    assert link in client.get(url).content.decode()
    client.force_login(world[Role.AGENT])
    assert link not in client.get(url).content.decode()


# --- One session -------------------------------------------------------------------------


def test_agent_reads_the_session_and_signs_it_off_once(client, world):
    session = _session(world)
    client.force_login(world[Role.AGENT])
    body = client.get(f"/qa/coaching/{session.pk}/").content.decode()
    assert "Rushed the explanation of the refund." in body
    assert "Explains the solution" in body
    assert 'data-testid="coaching-sign-off"' in body
    assert 'data-testid="coaching-follow-up"' not in body
    assert 'data-testid="coaching-add-action"' not in body
    response = client.post(f"/qa/coaching/{session.pk}/sign-off/", follow=True)
    assert "You have signed the coaching session off. Thank you." in response.content.decode()
    assert 'data-testid="coaching-sign-off"' not in response.content.decode()
    session.refresh_from_db()
    assert session.status == "signed_off"
    assert session.signed_off_at is not None
    again = client.post(f"/qa/coaching/{session.pk}/sign-off/", follow=True)
    assert "You have already signed this session off." in again.content.decode()


def test_only_the_agent_signs_off(client, world):
    session = _session(world)
    client.force_login(world["coach"])
    assert 'data-testid="coaching-sign-off"' not in client.get(f"/qa/coaching/{session.pk}/").content.decode()
    assert client.post(f"/qa/coaching/{session.pk}/sign-off/").status_code == 403
    session.refresh_from_db()
    assert session.status == "open"


def test_agent_and_coach_comment(client, world):
    session = _session(world)
    client.force_login(world[Role.AGENT])
    client.post(f"/qa/coaching/{session.pk}/comments/", {"body": "I will use the checklist."})
    client.force_login(world["coach"])
    response = client.post(f"/qa/coaching/{session.pk}/comments/", {"body": "Great, see you in two weeks."})
    assert response["Location"] == f"/qa/coaching/{session.pk}/"
    body = client.get(f"/qa/coaching/{session.pk}/").content.decode()
    assert body.index("I will use the checklist.") < body.index("Great, see you in two weeks.")
    assert list(session.comments.values_list("author", flat=True)) == [
        world[Role.AGENT].pk,
        world["coach"].pk,
    ]


def test_an_empty_comment_is_refused_next_to_the_field(client, world):
    session = _session(world)
    client.force_login(world[Role.AGENT])
    response = client.post(f"/qa/coaching/{session.pk}/comments/", {"body": "   "})
    assert response.status_code == 400
    assert re.search(r'name="body".*?This field is required\.', response.content.decode(), re.S)
    assert not CoachingComment.objects.exists()


def test_agent_marks_an_action_done_and_undone(client, world):
    session = _session(world)
    action = session.actions.get()
    client.force_login(world[Role.AGENT])
    response = client.post(f"/qa/coaching/{session.pk}/actions/{action.pk}/done/", {"done": "1"}, follow=True)
    assert "Action marked done." in response.content.decode()
    action.refresh_from_db()
    assert action.done_by == world[Role.AGENT]
    assert action.done_at is not None
    again = client.post(f"/qa/coaching/{session.pk}/actions/{action.pk}/done/", {"done": "1"}, follow=True)
    assert "This action is already marked done." in again.content.decode()
    client.force_login(world["coach"])
    client.post(f"/qa/coaching/{session.pk}/actions/{action.pk}/done/", {"done": "0"})
    action.refresh_from_db()
    assert action.done_at is None


def test_action_of_another_session_is_404(client, world):
    session, other = _session(world), _session(world)
    client.force_login(world[Role.AGENT])
    response = client.post(f"/qa/coaching/{session.pk}/actions/{other.actions.get().pk}/done/")
    assert response.status_code == 404


def test_coach_adds_an_action_until_the_agent_signs_off(client, world):
    session = _session(world)
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    client.force_login(world["coach"])
    response = client.post(
        f"/qa/coaching/{session.pk}/actions/", {"text": "Shadow a senior agent", "due_on": due}
    )
    assert response.status_code == 302
    assert session.actions.filter(text="Shadow a senior agent").exists()
    refused = client.post(
        f"/qa/coaching/{session.pk}/actions/", {"text": "Too early", "due_on": "2000-01-01"}
    )
    assert refused.status_code == 400
    assert "Action 1: the due date cannot be before the session." in refused.content.decode()
    coaching.coaching_sign_off(session=session, by=world[Role.AGENT])
    assert (
        'data-testid="coaching-add-action"' not in client.get(f"/qa/coaching/{session.pk}/").content.decode()
    )
    response = client.post(
        f"/qa/coaching/{session.pk}/actions/", {"text": "Late", "due_on": due}, follow=True
    )
    assert (
        "The agent has signed this session off; open a new session for new actions."
        in response.content.decode()
    )
    assert CoachingAction.objects.filter(session=session).count() == 2


def test_agent_cannot_add_actions(client, world):
    session = _session(world)
    client.force_login(world[Role.AGENT])
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert (
        client.post(f"/qa/coaching/{session.pk}/actions/", {"text": "Mine", "due_on": due}).status_code == 403
    )
    assert session.actions.count() == 1


def test_coach_records_the_follow_up_with_a_note(client, world):
    today = timezone.localdate()
    session = _session(
        world, held_on=today - timedelta(days=15), follow_up_on=today - timedelta(days=1), actions=[]
    )
    client.force_login(world["coach"])
    home = client.get("/").content.decode()
    assert 'data-section="follow_ups_due"' in home
    assert f'href="/qa/coaching/{session.pk}/"' in home
    response = client.post(
        f"/qa/coaching/{session.pk}/follow-up/", {"note": "Checklist used on every call."}, follow=True
    )
    body = response.content.decode()
    assert "The follow-up is recorded." in body
    assert "Checklist used on every call." in body
    assert 'data-testid="coaching-follow-up"' not in body
    session.refresh_from_db()
    assert session.followed_up_at is not None
    assert f'href="/qa/coaching/{session.pk}/"' not in client.get("/").content.decode()


def test_agent_cannot_record_the_follow_up(client, world):
    session = _session(world)
    client.force_login(world[Role.AGENT])
    assert client.post(f"/qa/coaching/{session.pk}/follow-up/", {"note": ""}).status_code == 403
    session.refresh_from_db()
    assert session.followed_up_at is None


def test_sessions_to_sign_off_are_in_the_agents_work_list(client, world):
    session = _session(world)
    client.force_login(world[Role.AGENT])
    home = client.get("/").content.decode()
    assert 'data-section="coaching_to_sign_off"' in home
    assert f'href="/qa/coaching/{session.pk}/"' in home
    coaching.coaching_sign_off(session=session, by=world[Role.AGENT])
    assert f'href="/qa/coaching/{session.pk}/"' not in client.get("/").content.decode()


def test_team_lead_of_another_role_sees_due_follow_ups_only_when_there_are_some(client, world, team):
    lead = world[Role.DUTY_MANAGER]
    team.lead = lead
    team.save()
    client.force_login(lead)
    assert 'data-section="follow_ups_due"' not in client.get("/").content.decode()
    today = timezone.localdate()
    _session(
        world, coach=Role.DUTY_MANAGER, held_on=today - timedelta(days=3), follow_up_on=today, actions=[]
    )
    assert 'data-section="follow_ups_due"' in client.get("/").content.decode()
    assert client.get("/qa/coaching/").status_code == 200  # a coach by leading a team


def test_follow_up_date_default_is_two_weeks_after_today(client, world):
    client.force_login(world["coach"])
    body = client.get(f"/qa/coaching/new/?agent={world[Role.AGENT].pk}").content.decode()
    today = timezone.localdate()
    assert f'name="held_on" value="{today.isoformat()}"' in body
    assert f'name="follow_up_on" value="{(today + timedelta(days=14)).isoformat()}"' in body
