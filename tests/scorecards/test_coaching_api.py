"""The coaching/ API (DESIGN.md §9): create, scope (agents their own, coaches the teams they cover,
QA managers all), actions, comments, sign-off and follow-up with their statuses and messages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import coaching, services
from apps.scorecards.coaching import ActionInput
from apps.scorecards.models import CoachingAction, CoachingComment, CoachingSession
from tests.factories import TeamFactory, UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db


def day(offset: int = 0) -> str:
    return str(timezone.localdate() + timedelta(days=offset))


@pytest.fixture
def world(db):
    team = TeamFactory(name="Team Coached")
    other_team = TeamFactory(name="Team Elsewhere")
    people = {
        "agent": UserFactory(username="agent", display_name="Andy Agent", roles=[Role.AGENT], team=team),
        "teammate": UserFactory(username="teammate", roles=[Role.AGENT], team=team),
        "other_agent": UserFactory(username="other_agent", roles=[Role.AGENT], team=other_team),
        "evaluator": UserFactory(username="evaluator", display_name="Eve Coach", roles=[Role.QA_EVALUATOR]),
        "far_evaluator": UserFactory(username="far_evaluator", roles=[Role.QA_EVALUATOR]),
        "lead": UserFactory(username="lead", roles=[Role.DUTY_MANAGER]),
        "manager": UserFactory(username="manager", roles=[Role.QA_MANAGER]),
        "expert": UserFactory(username="expert", roles=[Role.EXPERT]),
    }
    team.evaluators.add(people["evaluator"])
    other_team.evaluators.add(people["far_evaluator"])
    team.lead = people["lead"]
    team.save()
    card = typical_scorecard()
    failed = services.evaluation_save(
        by=people["evaluator"],
        call=CallFactory(agent=people["agent"]),
        version=card.version,
        answers=card.answers(resolve=3),
        submit=True,
    )
    return {**people, "card": card, "failed": failed}


@pytest.fixture
def client_of(api_as, world):
    clients = {}

    def get(name):
        if name not in clients:
            clients[name] = api_as(world[name])
        return clients[name]

    return get


def payload(world, **changes) -> dict:
    return {
        "agent": world["agent"].pk,
        "held_on": day(-1),
        "observations": "Rushed the identity check.",
        "follow_up_on": day(14),
        "evaluations": [world["failed"].pk],
        "actions": [{"text": "Verify identity first", "due_on": day(3)}],
        **changes,
    }


def existing(world, by="evaluator", agent="agent", **changes) -> CoachingSession:
    arguments = {
        "held_on": timezone.localdate() - timedelta(days=1),
        "observations": "Rushed the identity check.",
        "follow_up_on": timezone.localdate() + timedelta(days=14),
        "actions": [ActionInput("Verify identity first", timezone.localdate() + timedelta(days=3))],
        **changes,
    }
    return coaching.coaching_create(by=world[by], agent=world[agent], **arguments)


def counts() -> tuple[int, int, int]:
    return CoachingSession.objects.count(), CoachingAction.objects.count(), CoachingComment.objects.count()


# --- create --------------------------------------------------------------------------------------


def test_a_covering_evaluator_opens_a_session(client_of, world):
    response = client_of("evaluator").post("/api/v1/coaching/", payload(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agent"] == {"id": world["agent"].pk, "name": "Andy Agent"}
    assert body["coach"] == {"id": world["evaluator"].pk, "name": "Eve Coach"}
    assert (body["held_on"], body["follow_up_on"], body["status"]) == (day(-1), day(14), "open")
    assert body["observations"] == "Rushed the identity check."
    assert body["evaluations"] == [world["failed"].pk]
    assert [(a["text"], a["due_on"], a["done"], a["done_at"]) for a in body["actions"]] == [
        ("Verify identity first", day(3), False, None)
    ]
    assert (body["comments"], body["signed_off_at"], body["followed_up_at"]) == ([], None, None)


@pytest.mark.parametrize("coach", ["lead", "manager"])
def test_the_team_lead_and_a_qa_manager_open_a_session(client_of, world, coach):
    response = client_of(coach).post("/api/v1/coaching/", payload(world), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["coach"]["id"] == world[coach].pk


def test_an_evaluator_not_covering_the_team_is_403(client_of, world):
    response = client_of("far_evaluator").post("/api/v1/coaching/", payload(world), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You can only coach agents of the teams you cover."}
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("who", ["expert", "agent", "teammate"])
def test_a_non_coach_is_403(client_of, world, who):
    response = client_of(who).post("/api/v1/coaching/", payload(world), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only QA evaluators, team leads and QA managers coach agents."}
    assert counts() == (0, 0, 0)


def test_a_non_agent_target_is_400(client_of, world):
    response = client_of("manager").post(
        "/api/v1/coaching/", payload(world, agent=world["evaluator"].pk, evaluations=[]), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Choose an active agent.", "agent": ["Choose an active agent."]}
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"observations": " "}, "observations", "Write what you observed."),
        ({"follow_up_on": day(-2)}, "follow_up_on", "The follow-up cannot be before the session."),
        (
            {"held_on": day(1), "follow_up_on": day(5), "actions": []},
            "held_on",
            "A session cannot be held in the future; plan it in your calendar instead.",
        ),
        (
            {"actions": [{"text": "", "due_on": day(1)}]},
            "actions",
            "Action 1: describe what the agent will do.",
        ),
        ({"actions": [{"text": "Slow down", "due_on": None}]}, "actions", "Action 1: give it a due date."),
        (
            {"actions": [{"text": "Slow down", "due_on": day(-3)}]},
            "actions",
            "Action 1: the due date cannot be before the session.",
        ),
    ],
)
def test_field_refusals_are_400(client_of, world, changes, field, message):
    response = client_of("evaluator").post("/api/v1/coaching/", payload(world, **changes), format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Please correct the coaching session.", field: [message]}
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("which", ["other_agent", "draft"])
def test_linking_a_foreign_or_draft_evaluation_is_400(client_of, world, which):
    evaluation = services.evaluation_save(
        by=world["manager"],
        call=CallFactory(agent=world["other_agent" if which == "other_agent" else "agent"]),
        version=world["card"].version,
        answers=world["card"].answers(),
        submit=which != "draft",
    )
    response = client_of("manager").post(
        "/api/v1/coaching/", payload(world, evaluations=[world["failed"].pk, evaluation.pk]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["evaluations"] == ["Link only submitted evaluations of this agent."]
    assert counts() == (0, 0, 0)


# --- scope ---------------------------------------------------------------------------------------


@pytest.fixture
def sessions(world):
    return {
        "agent": existing(world),
        "teammate": existing(world, by="manager", agent="teammate"),
        "other_agent": existing(world, by="manager", agent="other_agent"),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("agent", {"agent"}),
        ("other_agent", {"other_agent"}),
        ("evaluator", {"agent", "teammate"}),
        ("lead", {"agent", "teammate"}),
        ("far_evaluator", {"other_agent"}),
        ("manager", {"agent", "teammate", "other_agent"}),
        ("expert", set()),
    ],
)
def test_list_and_detail_are_scoped(client_of, sessions, who, visible):
    listed = client_of(who).get("/api/v1/coaching/")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {sessions[name].pk for name in visible}
    for name, session in sessions.items():
        expected = 200 if name in visible else 404
        assert client_of(who).get(f"/api/v1/coaching/{session.pk}/").status_code == expected, name


def test_the_list_filters_by_status_and_agent(client_of, world, sessions):
    coaching.coaching_sign_off(session=sessions["agent"], by=world["agent"])
    manager = client_of("manager")
    signed = manager.get("/api/v1/coaching/?status=signed_off").json()["results"]
    assert [row["id"] for row in signed] == [sessions["agent"].pk]
    by_agent = manager.get(f"/api/v1/coaching/?agent={world['teammate'].pk}").json()["results"]
    assert [row["id"] for row in by_agent] == [sessions["teammate"].pk]


# --- comments, actions, sign-off, follow-up ------------------------------------------------------


def test_the_agent_and_the_coach_comment(client_of, world, sessions):
    url = f"/api/v1/coaching/{sessions['agent'].pk}/comments/"
    first = client_of("agent").post(url, {"body": "I will slow down."}, format="json")
    assert first.status_code == 201
    second = client_of("evaluator").post(url, {"body": "Thanks."}, format="json")
    assert [(c["author"]["id"], c["body"]) for c in second.json()["comments"]] == [
        (world["agent"].pk, "I will slow down."),
        (world["evaluator"].pk, "Thanks."),
    ]


@pytest.mark.parametrize("who", ["teammate", "far_evaluator", "expert"])
def test_strangers_cannot_comment(client_of, sessions, who):
    response = client_of(who).post(f"/api/v1/coaching/{sessions['agent'].pk}/comments/", {"body": "Hi"})
    assert response.status_code == 404
    assert CoachingComment.objects.count() == 0


def test_an_empty_comment_is_400(client_of, sessions):
    response = client_of("agent").post(f"/api/v1/coaching/{sessions['agent'].pk}/comments/", {"body": " "})
    assert response.status_code == 400
    assert response.json() == {"detail": "Write a comment.", "body": ["Write a comment."]}


def test_the_agent_signs_off_once(client_of, sessions):
    url = f"/api/v1/coaching/{sessions['agent'].pk}/sign-off/"
    signed = client_of("agent").post(url)
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed_off"
    assert signed.json()["signed_off_at"] is not None
    again = client_of("agent").post(url)
    assert again.status_code == 409
    assert again.json() == {"detail": "You have already signed this session off."}


@pytest.mark.parametrize("who", ["evaluator", "manager", "lead"])
def test_the_coach_side_cannot_sign_off(client_of, sessions, who):
    response = client_of(who).post(f"/api/v1/coaching/{sessions['agent'].pk}/sign-off/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the coached agent signs the session off."}
    assert CoachingSession.objects.get(pk=sessions["agent"].pk).status == "open"


def test_the_coach_adds_an_action_until_the_sign_off(client_of, world, sessions):
    url = f"/api/v1/coaching/{sessions['agent'].pk}/actions/"
    added = client_of("evaluator").post(
        url, {"text": "Listen back to two calls", "due_on": day(7)}, format="json"
    )
    assert added.status_code == 201
    assert [a["text"] for a in added.json()["actions"]] == [
        "Verify identity first",
        "Listen back to two calls",
    ]
    refused = client_of("agent").post(url, {"text": "Nap", "due_on": day(1)}, format="json")
    assert refused.status_code == 403
    client_of("agent").post(f"/api/v1/coaching/{sessions['agent'].pk}/sign-off/")
    late = client_of("evaluator").post(url, {"text": "More", "due_on": day(7)}, format="json")
    assert late.status_code == 409
    assert late.json() == {
        "detail": "The agent has signed this session off; open a new session for new actions."
    }
    assert CoachingAction.objects.filter(session=sessions["agent"]).count() == 2


def test_an_action_with_a_due_date_before_the_session_is_400(client_of, sessions):
    response = client_of("evaluator").post(
        f"/api/v1/coaching/{sessions['agent'].pk}/actions/",
        {"text": "Late", "due_on": day(-5)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["text"] == ["Action 1: the due date cannot be before the session."]


@pytest.mark.parametrize("who", ["agent", "evaluator"])
def test_an_action_is_marked_done_once_by_the_agent_or_the_coach(client_of, world, sessions, who):
    action = sessions["agent"].actions.get()
    url = f"/api/v1/coaching/{sessions['agent'].pk}/action-done/"
    done = client_of(who).post(url, {"action": action.pk}, format="json")
    assert done.status_code == 200
    assert done.json()["actions"][0]["done"] is True
    again = client_of("agent").post(url, {"action": action.pk}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "This action is already marked done."}
    undone = client_of("evaluator").post(url, {"action": action.pk, "done": False}, format="json")
    assert undone.json()["actions"][0]["done"] is False


def test_an_action_of_another_session_is_400(client_of, sessions):
    foreign = sessions["teammate"].actions.get()
    response = client_of("manager").post(
        f"/api/v1/coaching/{sessions['agent'].pk}/action-done/", {"action": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["action"] == ["This session has no action with this id."]
    foreign.refresh_from_db()
    assert foreign.done_at is None


def test_the_coach_records_the_follow_up_once(client_of, world, sessions):
    url = f"/api/v1/coaching/{sessions['agent'].pk}/follow-up/"
    assert client_of("agent").post(url, {}).status_code == 403
    followed = client_of("evaluator").post(url, {"note": "Much better now."}, format="json")
    assert followed.status_code == 200
    assert followed.json()["followed_up_at"] is not None
    assert [c["body"] for c in followed.json()["comments"]] == ["Much better now."]
    again = client_of("evaluator").post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "The follow-up is already recorded."}
