"""seed_demo's calibration sessions and coaching: something to try for each demo login, idempotent."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from apps.accounts import demo as accounts_demo
from apps.accounts.models import User
from apps.scorecards import calibration, coaching, demo_calibration, selectors, services
from apps.scorecards import demo as qa_demo
from apps.scorecards.models import (
    Answer,
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    CoachingAction,
    CoachingComment,
    CoachingSession,
    CoachingStatus,
    Evaluation,
    EvaluationStatus,
)
from qa_center.demo import DemoContext

pytestmark = pytest.mark.django_db


def _seed_qa(seed: int = 2026) -> DemoContext:
    """The accounts and QA seeders as seed_demo runs them (without complaints and TQM: faster)."""
    ctx = DemoContext(scale="small", seed=seed, rng=random.Random(seed))
    accounts_demo.seed(ctx)
    qa_demo.seed(ctx)
    return ctx


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _snapshot() -> dict:
    return {
        "sessions": list(
            CalibrationSession.objects.order_by("note").values_list(
                "note", "call__external_id", "status", "created_at", "deadline", "closed_at", "alpha_interval"
            )
        ),
        "scores": list(
            CalibrationScore.objects.order_by("session__note", "evaluator__username").values_list(
                "session__note", "evaluator__username", "score", "alignment", "outside_tolerance"
            )
        ),
        "scorings": Evaluation.objects.filter(calibration__isnull=False).count(),
        "coaching": list(
            CoachingSession.objects.order_by("agent__username", "held_on").values_list(
                "agent__username", "coach__username", "held_on", "status", "follow_up_on", "followed_up_at"
            )
        ),
        "actions": CoachingAction.objects.count(),
        "comments": CoachingComment.objects.count(),
    }


def test_seed_demo_reports_calibration_and_coaching_and_a_rerun_adds_nothing(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Calibration: 6 sessions (4 closed, newest α = " in out.getvalue()
    assert "1 overdue, 1 for evaluator to score); coaching: 5 sessions by evaluator" in out.getvalue()
    assert "11 created now" in out.getvalue()
    assert "qaeval02     demo-pass-2026   QA evaluator" in out.getvalue()
    before = _snapshot()

    again = StringIO()
    call_command("seed_demo", stdout=again)

    assert _snapshot() == before
    assert "0 created now" in again.getvalue()


def test_another_seed_adds_no_sessions():
    _seed_qa(seed=2026)
    before = _snapshot()

    _seed_qa(seed=7)

    assert _snapshot() == before


def test_four_closed_sessions_over_four_weeks_store_results_and_the_newest_flags_qaeval02():
    _seed_qa()
    now = timezone.now()
    closed = list(
        CalibrationSession.objects.filter(status=CalibrationStatus.CLOSED)
        .select_related("call", "closed_by", "reference")
        .order_by("closed_at")
    )
    assert len(closed) == 4
    assert len({timezone.localdate(s.closed_at) for s in closed}) == 4
    assert (now - closed[0].created_at).days >= 25
    for session in closed:
        assert session.call.started_at < session.created_at < session.closed_at < min(session.deadline, now)
        assert (session.closed_by.username, session.reference.username) == ("qamanager", "evaluator")
        assert session.alpha_interval is not None
        assert len(session.criteria_results) == session.scorecard_version.criteria.count()
        assert session.spread is not None
        assert session.scores.count() == 3
        assert session.call.agent.username != "agent"  # the demo agent's month is a story of its own
    newest = {score.evaluator.username: score for score in closed[-1].scores.select_related("evaluator")}
    assert newest["evaluator"].deviation_from_reference == 0
    assert newest["qaeval02"].outside_tolerance
    assert newest["qaeval02"].deviation_from_reference < -closed[-1].tolerance
    assert not newest["qaeval01"].outside_tolerance
    # The history page has a row per closed session for each participant.
    assert selectors.calibration_history(_user("qaeval02")).count() == 4


def test_overdue_session_misses_qaeval02_and_the_manager_can_close_it_early():
    _seed_qa()
    manager = _user("qamanager")
    [overdue] = selectors.overdue_calibrations(manager)
    assert overdue.deadline < timezone.now()
    submitted = set(overdue.evaluations.values_list("evaluator__username", flat=True))
    assert submitted == {"evaluator", "qaeval01"}
    assert (overdue.participant_count, overdue.submitted_count) == (3, 2)

    calibration.calibration_close(session=overdue, by=manager)

    assert not selectors.overdue_calibrations(manager).exists()


def test_demo_evaluator_has_the_open_session_to_score_and_scoring_it_takes_it_off_the_list():
    _seed_qa()
    evaluator = _user("evaluator")
    [session] = selectors.calibrations_to_score(evaluator)
    assert session.deadline > timezone.now()
    by_evaluator = dict(session.evaluations.values_list("evaluator__username", "status"))
    assert by_evaluator == {"qaeval01": EvaluationStatus.SUBMITTED, "qaeval02": EvaluationStatus.DRAFT}
    assert not selectors.calibrations_to_score(_user("qaeval01")).exists()
    criteria = session.scorecard_version.criteria.all()

    services.evaluation_save(
        by=evaluator,
        call=session.call,
        version=session.scorecard_version,
        answers=[
            services.AnswerInput(c.pk, na=True)
            if c.allow_na
            else services.AnswerInput(c.pk, points=c.max_points)
            for c in criteria
        ],
        submit=True,
        calibration=session,
    )

    assert not selectors.calibrations_to_score(evaluator).exists()


def test_calibration_scorings_are_dated_in_the_past_after_their_call():
    _seed_qa()
    now = timezone.now()
    scorings = Evaluation.objects.filter(calibration__isnull=False).select_related("call", "calibration")
    assert scorings.count() == 4 * 3 + 2 + 2
    for evaluation in scorings:
        assert evaluation.call.started_at < evaluation.calibration.created_at <= evaluation.created_at
        assert evaluation.created_at <= evaluation.updated_at < now
        if evaluation.submitted_at:
            assert evaluation.updated_at == evaluation.submitted_at
            assert evaluation.events.get(action="submitted").created_at == evaluation.submitted_at
        assert evaluation.events.get(action="created").created_at == evaluation.created_at


def test_demo_agent_has_a_coaching_session_to_sign_off():
    _seed_qa()
    agent = _user("agent")
    [waiting] = selectors.coaching_to_sign_off(agent)
    assert waiting.coach.username == "evaluator"
    assert waiting.actions.count() == 2
    assert waiting.evaluations.exists()

    coaching.coaching_sign_off(session=waiting, by=agent)

    assert not selectors.coaching_to_sign_off(agent).exists()
    # Their earlier session: signed off with a comment, every action done, followed up.
    earlier = CoachingSession.objects.get(
        agent=agent, status=CoachingStatus.SIGNED_OFF, held_on__lt=waiting.held_on
    )
    assert not earlier.actions.filter(done_at__isnull=True).exists()
    assert earlier.followed_up_at is not None
    assert earlier.comments.filter(author=agent).exists()


def test_demo_evaluators_follow_up_is_due_for_a_signed_off_session_of_another_agent():
    _seed_qa()
    evaluator = _user("evaluator")
    [due] = selectors.follow_ups_due(evaluator)
    assert due.follow_up_on < timezone.localdate()
    assert due.status == CoachingStatus.SIGNED_OFF
    assert due.agent.username not in ("agent", due.agent.team.lead.username)
    assert due.comments.filter(author=due.agent).exists()

    coaching.coaching_follow_up_done(session=due, by=evaluator, note="Holds are explained now.")

    assert not selectors.follow_ups_due(evaluator).exists()


def test_coaching_sessions_discuss_the_agents_own_evaluations_that_missed_points():
    _seed_qa()
    sessions = CoachingSession.objects.prefetch_related("evaluations")
    assert sessions.count() == 5
    assert {s.coach.username for s in sessions} == {"evaluator"}
    assert sessions.filter(status=CoachingStatus.OPEN).count() == 2
    now = timezone.now()
    for session in sessions:
        assert 1 <= len(session.evaluations.all()) <= 2
        for evaluation in session.evaluations.all():
            assert evaluation.agent_id == session.agent_id
            assert evaluation.calibration_id is None
            assert timezone.localdate(evaluation.submitted_at) <= session.held_on
            missed = Answer.objects.filter(
                evaluation=evaluation, is_na=False, points__lt=F("criterion__max_points")
            )
            assert missed.exists()
        moments = [session.created_at, session.signed_off_at, session.followed_up_at]
        moments += [a.done_at for a in session.actions.all()] + [c.created_at for c in session.comments.all()]
        assert all(moment < now for moment in moments if moment)
        assert session.actions.count() == 2


def test_every_demo_session_has_its_own_identity_for_reruns():
    """Re-runs find a session by its note (calibration) or its observations (coaching)."""
    assert len({slot.note for slot in demo_calibration.CALIBRATIONS}) == len(demo_calibration.CALIBRATIONS)
    assert len({slot.observations for slot in demo_calibration.COACHING}) == len(demo_calibration.COACHING)
