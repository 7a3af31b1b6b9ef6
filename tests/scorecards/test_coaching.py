"""Coaching through the services and selectors: who may coach whom, the session's rules, actions,
comments, the agent's sign-off, the coach's follow-up, and the "my work" lists."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import calibration, coaching, selectors, services
from apps.scorecards.access import coaching_for, is_coach, may_coach
from apps.scorecards.coaching import ActionInput
from apps.scorecards.models import CoachingAction, CoachingComment, CoachingSession, CoachingStatus
from qa_center.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import TeamFactory, UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def world(db):
    team = TeamFactory(name="Team Coached")
    other_team = TeamFactory(name="Team Elsewhere")
    people = {
        "agent": UserFactory(username="agent", roles=[Role.AGENT], team=team),
        "teammate": UserFactory(username="teammate", roles=[Role.AGENT], team=team),
        "other_agent": UserFactory(username="other_agent", roles=[Role.AGENT], team=other_team),
        "evaluator": UserFactory(username="evaluator", roles=[Role.QA_EVALUATOR]),
        "far_evaluator": UserFactory(username="far_evaluator", roles=[Role.QA_EVALUATOR]),
        # A team lead needs no QA role: leading the team makes them its coach.
        "lead": UserFactory(username="lead", roles=[]),
        "manager": UserFactory(username="manager", roles=[Role.QA_MANAGER]),
        "expert": UserFactory(username="expert", roles=[Role.EXPERT]),
    }
    team.evaluators.add(people["evaluator"])
    other_team.evaluators.add(people["far_evaluator"])
    team.lead = people["lead"]
    team.save()
    return {**people, "team": team, "other_team": other_team, "card": typical_scorecard()}


def evaluate(world, agent="agent", submit=True, by="manager", **points):
    return services.evaluation_save(
        by=world[by],
        call=CallFactory(agent=world[agent]),
        version=world["card"].version,
        answers=world["card"].answers(**points),
        submit=submit,
    )


def open_session(world, by="evaluator", agent="agent", **changes) -> CoachingSession:
    arguments = {
        "held_on": today() - timedelta(days=1),
        "observations": "Rushed the identity check.",
        "follow_up_on": today() + timedelta(days=14),
        **changes,
    }
    return coaching.coaching_create(by=world[by], agent=world[agent], **arguments)


def refusal_fields(world, **changes) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        open_session(world, **changes)
    assert refused.value.message == "Please correct the coaching session."
    return refused.value.fields


# --- who coaches whom ----------------------------------------------------------------------------


@pytest.mark.parametrize("coach", ["evaluator", "lead", "manager"])
def test_a_covering_evaluator_the_team_lead_and_a_qa_manager_coach_the_agent(world, coach):
    failed = evaluate(world, resolve=4)
    session = open_session(
        world,
        by=coach,
        evaluations=[failed],
        actions=[ActionInput("  Verify identity before anything else  ", today() + timedelta(days=3))],
    )
    session.refresh_from_db()
    assert (session.agent, session.coach, session.status) == (
        world["agent"],
        world[coach],
        CoachingStatus.OPEN,
    )
    assert session.observations == "Rushed the identity check."
    assert list(session.evaluations.all()) == [failed]
    assert [(a.text, a.due_on, a.done_at) for a in session.actions.all()] == [
        ("Verify identity before anything else", today() + timedelta(days=3), None)
    ]


def test_a_qa_manager_coaches_an_agent_of_any_team(world):
    assert open_session(world, by="manager", agent="other_agent").agent == world["other_agent"]


@pytest.mark.parametrize("coach", ["far_evaluator", "lead"])
def test_a_coach_cannot_coach_an_agent_of_a_team_they_do_not_cover(world, coach):
    with pytest.raises(PermissionDenied, match="^You can only coach agents of the teams you cover.$"):
        open_session(world, by=coach, agent="other_agent" if coach == "lead" else "agent")
    assert CoachingSession.objects.count() == 0


def test_an_agent_without_a_team_is_coached_only_by_a_qa_manager(world):
    world["agent"].team = None
    world["agent"].save()
    with pytest.raises(PermissionDenied, match="^You can only coach agents of the teams you cover.$"):
        open_session(world, by="evaluator")
    assert open_session(world, by="manager").coach == world["manager"]


@pytest.mark.parametrize("who", ["expert", "agent", "teammate"])
def test_other_roles_do_not_coach(world, who):
    with pytest.raises(
        PermissionDenied, match="^Only QA evaluators, team leads and QA managers coach agents.$"
    ):
        open_session(world, by=who, agent="teammate" if who == "agent" else "agent")
    assert CoachingSession.objects.count() == 0


@pytest.mark.parametrize("target", ["evaluator", "manager", "expert"])
def test_the_coached_person_must_be_an_agent(world, target):
    with pytest.raises(ValidationFailed, match="^Choose an active agent.$") as refused:
        open_session(world, by="manager", agent=target)
    assert refused.value.fields == {"agent": ["Choose an active agent."]}
    assert CoachingSession.objects.count() == 0


def test_an_inactive_agent_is_refused(world):
    world["agent"].is_active = False
    world["agent"].save()
    with pytest.raises(ValidationFailed, match="^Choose an active agent.$"):
        open_session(world, by="manager")


def test_coach_helpers(world):
    assert [is_coach(world[n]) for n in ("evaluator", "lead", "manager", "expert", "agent")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert may_coach(world["evaluator"], world["agent"]) is True
    assert may_coach(world["evaluator"], world["other_agent"]) is False
    assert may_coach(world["lead"], world["teammate"]) is True
    assert may_coach(world["manager"], world["other_agent"]) is True


# --- the session's fields ------------------------------------------------------------------------


@pytest.mark.parametrize("observations", ["", "   \n "])
def test_observations_are_required(world, observations):
    assert refusal_fields(world, observations=observations) == {"observations": ["Write what you observed."]}
    assert CoachingSession.objects.count() == 0


def test_the_follow_up_cannot_be_before_the_session(world):
    fields = refusal_fields(
        world, held_on=today() - timedelta(days=1), follow_up_on=today() - timedelta(days=2)
    )
    assert fields == {"follow_up_on": ["The follow-up cannot be before the session."]}


def test_the_follow_up_may_be_on_the_day_of_the_session(world):
    assert open_session(world, held_on=today(), follow_up_on=today()).follow_up_on == today()


def test_a_session_cannot_be_held_in_the_future(world):
    fields = refusal_fields(
        world, held_on=today() + timedelta(days=1), follow_up_on=today() + timedelta(days=9)
    )
    assert fields == {
        "held_on": ["A session cannot be held in the future; plan it in your calendar instead."]
    }


@pytest.mark.parametrize("which", ["other_agent", "draft", "calibration"])
def test_only_submitted_regular_evaluations_of_this_agent_are_linked(world, which):
    if which == "other_agent":
        evaluation = evaluate(world, agent="other_agent")
    elif which == "draft":
        evaluation = evaluate(world, submit=False)
    else:
        session = calibration.calibration_create(
            by=world["manager"],
            call=CallFactory(agent=world["agent"]),
            version=world["card"].version,
            participants=[world["evaluator"], world["far_evaluator"]],
        )
        evaluation = services.evaluation_save(
            by=world["evaluator"],
            call=session.call,
            version=session.scorecard_version,
            answers=world["card"].answers(),
            submit=True,
            calibration=session,
        )
    fields = refusal_fields(world, by="manager", evaluations=[evaluate(world), evaluation])
    assert fields == {"evaluations": ["Link only submitted evaluations of this agent."]}
    assert CoachingSession.objects.count() == 0


def test_an_evaluation_linked_twice_is_linked_once(world):
    evaluation = evaluate(world)
    session = open_session(world, evaluations=[evaluation, evaluation])
    assert list(session.evaluations.all()) == [evaluation]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (ActionInput("  ", today() + timedelta(days=1)), "Action 2: describe what the agent will do."),
        (ActionInput("Slow down", None), "Action 2: give it a due date."),
        (
            ActionInput("Slow down", today() - timedelta(days=2)),
            "Action 2: the due date cannot be before the session.",
        ),
    ],
)
def test_actions_need_a_text_and_a_due_date_not_before_the_session(world, action, message):
    good = ActionInput("Verify first", today())
    fields = refusal_fields(world, actions=[good, action])
    assert fields == {"actions": [message]}
    assert CoachingAction.objects.count() == 0


def test_at_most_twenty_actions(world):
    actions = [ActionInput(f"Action {n}", today()) for n in range(21)]
    assert refusal_fields(world, actions=actions) == {"actions": ["At most 20 actions per session."]}
    assert len(open_session(world, actions=actions[:20]).actions.all()) == 20


def test_every_field_error_is_reported_at_once(world):
    fields = refusal_fields(
        world,
        observations="",
        held_on=today() + timedelta(days=2),
        follow_up_on=today() + timedelta(days=1),
        evaluations=[evaluate(world, agent="other_agent")],
        actions=[ActionInput("", None)],
    )
    assert set(fields) == {"observations", "held_on", "follow_up_on", "evaluations", "actions"}


# --- after the session: actions, comments, sign-off, follow-up -----------------------------------


def test_the_coach_side_adds_an_action(world):
    session = open_session(world)
    for who in ("evaluator", "manager", "lead"):
        action = coaching.coaching_add_action(
            session=session, by=world[who], text=f" Listen back, {who} ", due_on=today()
        )
        assert action.text == f"Listen back, {who}"
    assert session.actions.count() == 3


@pytest.mark.parametrize("who", ["agent", "far_evaluator", "expert"])
def test_others_cannot_add_an_action(world, who):
    session = open_session(world)
    with pytest.raises(PermissionDenied, match=r"^Only the coach \(or a QA manager\) can do this.$"):
        coaching.coaching_add_action(session=session, by=world[who], text="Nap", due_on=today())
    assert CoachingAction.objects.count() == 0


def test_an_added_action_is_checked_like_the_first_ones(world):
    session = open_session(world, held_on=today() - timedelta(days=1))
    with pytest.raises(ValidationFailed, match="^Action 1: the due date cannot be before the session.$"):
        coaching.coaching_add_action(
            session=session, by=world["evaluator"], text="Late", due_on=today() - timedelta(days=2)
        )
    with pytest.raises(ValidationFailed, match="^Action 1: describe what the agent will do.$"):
        coaching.coaching_add_action(session=session, by=world["evaluator"], text=" ", due_on=today())
    assert CoachingAction.objects.count() == 0


def test_the_agent_and_the_coach_comment(world):
    session = open_session(world)
    coaching.coaching_comment(session=session, by=world["agent"], body="  I will slow down.  ")
    coaching.coaching_comment(session=session, by=world["evaluator"], body="Thanks.")
    assert [(c.author, c.body) for c in session.comments.all()] == [
        (world["agent"], "I will slow down."),
        (world["evaluator"], "Thanks."),
    ]


@pytest.mark.parametrize("who", ["teammate", "other_agent", "far_evaluator", "expert"])
def test_strangers_cannot_comment(world, who):
    session = open_session(world)
    with pytest.raises(PermissionDenied, match=r"^Only the coach \(or a QA manager\) can do this.$"):
        coaching.coaching_comment(session=session, by=world[who], body="Hello")
    assert CoachingComment.objects.count() == 0


def test_an_empty_comment_is_refused(world):
    session = open_session(world)
    with pytest.raises(ValidationFailed, match="^Write a comment.$"):
        coaching.coaching_comment(session=session, by=world["agent"], body="  ")


def test_the_agent_signs_off_once(world):
    session = open_session(world)
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        signed = coaching.coaching_sign_off(session=session, by=world["agent"])
    assert (signed.status, signed.signed_off_at) == (CoachingStatus.SIGNED_OFF, moment)
    with pytest.raises(Conflict, match="^You have already signed this session off.$"):
        coaching.coaching_sign_off(session=session, by=world["agent"])
    session.refresh_from_db()
    assert session.signed_off_at == moment


@pytest.mark.parametrize("who", ["evaluator", "manager", "teammate"])
def test_only_the_agent_signs_off(world, who):
    session = open_session(world)
    with pytest.raises(PermissionDenied, match="^Only the coached agent signs the session off.$"):
        coaching.coaching_sign_off(session=session, by=world[who])
    session.refresh_from_db()
    assert (session.status, session.signed_off_at) == (CoachingStatus.OPEN, None)


def test_no_new_action_after_the_sign_off(world):
    session = open_session(world)
    coaching.coaching_sign_off(session=session, by=world["agent"])
    with pytest.raises(
        Conflict, match="^The agent has signed this session off; open a new session for new actions.$"
    ):
        coaching.coaching_add_action(session=session, by=world["evaluator"], text="More", due_on=today())
    assert CoachingAction.objects.count() == 0


@pytest.mark.parametrize("who", ["agent", "evaluator"])
def test_the_agent_or_the_coach_marks_an_action_done_once(world, who):
    session = open_session(world, actions=[ActionInput("Verify first", today())])
    action = session.actions.get()
    done = coaching.coaching_action_set_done(action=action, by=world[who])
    assert done.done_by == world[who]
    assert done.done_at is not None
    with pytest.raises(Conflict, match="^This action is already marked done.$"):
        coaching.coaching_action_set_done(action=action, by=world["agent"])
    undone = coaching.coaching_action_set_done(action=action, by=world["evaluator"], done=False)
    assert (undone.done_at, undone.done_by) == (None, None)


def test_strangers_cannot_mark_an_action_done(world):
    session = open_session(world, actions=[ActionInput("Verify first", today())])
    action = session.actions.get()
    with pytest.raises(PermissionDenied):
        coaching.coaching_action_set_done(action=action, by=world["teammate"])
    action.refresh_from_db()
    assert action.done_at is None


def test_the_coach_records_the_follow_up_once(world):
    session = open_session(world)
    with pytest.raises(PermissionDenied, match=r"^Only the coach \(or a QA manager\) can do this.$"):
        coaching.coaching_follow_up_done(session=session, by=world["agent"])
    followed = coaching.coaching_follow_up_done(session=session, by=world["evaluator"], note=" Much better. ")
    assert followed.followed_up_at is not None
    assert [(c.author, c.body) for c in session.comments.all()] == [(world["evaluator"], "Much better.")]
    with pytest.raises(Conflict, match="^The follow-up is already recorded.$"):
        coaching.coaching_follow_up_done(session=session, by=world["evaluator"], note="Again")
    assert session.comments.count() == 1


def test_a_follow_up_without_a_note_writes_no_comment(world):
    session = open_session(world)
    coaching.coaching_follow_up_done(session=session, by=world["manager"])
    assert session.comments.count() == 0


# --- scope and "my work" -------------------------------------------------------------------------


def test_who_sees_which_sessions(world):
    mine = open_session(world, by="evaluator")
    by_manager = open_session(world, by="manager", agent="teammate")
    elsewhere = open_session(world, by="manager", agent="other_agent")

    def seen(who):
        return set(coaching_for(world[who]))

    assert seen("agent") == {mine}
    assert seen("teammate") == {by_manager}
    assert seen("other_agent") == {elsewhere}
    assert seen("evaluator") == {mine, by_manager}
    assert seen("lead") == {mine, by_manager}
    assert seen("far_evaluator") == {elsewhere}
    assert seen("manager") == {mine, by_manager, elsewhere}
    assert seen("expert") == set()
    assert list(selectors.coaching_list(world["manager"])) == [elsewhere, by_manager, mine]


def test_a_coach_keeps_seeing_the_sessions_they_held(world):
    session = open_session(world, by="evaluator")
    world["team"].evaluators.remove(world["evaluator"])
    world["evaluator"] = type(world["evaluator"]).objects.get(pk=world["evaluator"].pk)  # no cached teams
    assert list(coaching_for(world["evaluator"])) == [session]


def test_follow_ups_due_lists_the_coachs_due_sessions_until_followed_up(world):
    due = open_session(world, held_on=today() - timedelta(days=10), follow_up_on=today() - timedelta(days=1))
    due_today = open_session(world, held_on=today() - timedelta(days=3), follow_up_on=today())
    later = open_session(world, follow_up_on=today() + timedelta(days=1))
    someone_elses = open_session(world, by="manager", follow_up_on=today() - timedelta(days=1))

    assert list(selectors.follow_ups_due(world["evaluator"])) == [due, due_today]
    assert list(selectors.follow_ups_due(world["manager"])) == [someone_elses]
    assert list(selectors.follow_ups_due(world["evaluator"], today=today() + timedelta(days=1))) == [
        due,
        due_today,
        later,
    ]
    coaching.coaching_follow_up_done(session=due, by=world["evaluator"])
    assert list(selectors.follow_ups_due(world["evaluator"])) == [due_today]


def test_coaching_to_sign_off_lists_the_agents_open_sessions(world):
    older = open_session(world, held_on=today() - timedelta(days=5))
    newer = open_session(world, by="manager", held_on=today())
    open_session(world, agent="teammate")
    assert list(selectors.coaching_to_sign_off(world["agent"])) == [older, newer]
    coaching.coaching_sign_off(session=older, by=world["agent"])
    assert list(selectors.coaching_to_sign_off(world["agent"])) == [newer]
    assert list(selectors.coaching_to_sign_off(world["evaluator"])) == []
