"""seed_demo's QA data: every status, a story for each demo login, reproducible and idempotent."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import Team, User
from apps.scorecards import scoring, services
from apps.scorecards.demo import DEMO_AGENT_STORY, IDENTITY_TEXT, INBOUND_NAME, OUTBOUND_NAME
from apps.scorecards.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    CalibrationScore,
    CalibrationSession,
    Call,
    CoachingSession,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    SampleRun,
    Scorecard,
    VersionStatus,
)


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True  # seed_demo refuses without it
    return _seed()


def _specs(version) -> list[scoring.CriterionSpec]:
    return [
        scoring.CriterionSpec(c.pk, c.max_points, c.kind, c.critical, c.allow_na)
        for c in version.criteria.order_by("section__position", "section_id", "position", "id")
    ]


def _snapshot() -> dict:
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (User, Call, Evaluation, Answer, EvaluationEvent, Dispute, Assignment, Scorecard)
        },
        "evaluations": list(
            Evaluation.objects.order_by("call__external_id").values_list(
                "call__external_id", "status", "score", "passed", "critical_failed", "evaluator__username"
            )
        ),
    }


def test_small_seed_has_evaluations_in_every_status_and_reports_them(seeded):
    by_status = dict(Evaluation.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert set(by_status) == set(EvaluationStatus.values)
    assert Evaluation.objects.filter(critical_failed=True, score=0, passed=False).exists()
    assert "QA: 2 scorecards, 285 calls" in seeded  # 19 agents (18 + the demo agent) × 15 calls
    assert f"{sum(by_status.values())} evaluations (by status draft {by_status['draft']}," in seeded


def test_every_agent_has_fifteen_calls_of_the_last_thirty_days_with_mobile_numbers(seeded):
    now = timezone.now()
    per_agent = set(Call.objects.values("agent").annotate(n=Count("id")).values_list("n", flat=True))
    assert per_agent == {15}
    assert Call.objects.filter(agent__username="agent").count() == 15
    assert not Call.objects.filter(started_at__gt=now - timedelta(hours=1)).exists()
    assert not Call.objects.filter(started_at__lt=now - timedelta(days=31)).exists()
    phones = set(Call.objects.values_list("customer_phone", flat=True))
    assert all(len(p) == 11 and p.isdigit() and p.startswith("1") for p in phones)
    assert set(Call.objects.values_list("queue", flat=True)) == {"billing", "network", "general", "retention"}
    assert not Call.objects.exclude(recording_url__startswith="https://recordings.example.com/").exists()


def test_no_history_row_is_in_the_future_or_before_its_call(seeded):
    now = timezone.now()
    assert not EvaluationEvent.objects.filter(created_at__gt=now).exists()
    assert not Evaluation.objects.filter(updated_at__gt=now).exists()
    for evaluation in Evaluation.objects.select_related("call").prefetch_related("events"):
        events = list(evaluation.events.all())
        moments = [event.created_at for event in events]
        assert moments == sorted(moments)
        assert evaluation.call.started_at < moments[0] == evaluation.created_at
        assert moments[-1] == evaluation.updated_at
        assert events[-1].to_status == evaluation.status


def test_inbound_scorecard_has_two_published_versions_and_evaluations_pin_both(seeded):
    inbound = Scorecard.objects.get(name=INBOUND_NAME)
    assert list(inbound.versions.order_by("number").values_list("number", "status")) == [
        (1, VersionStatus.PUBLISHED),
        (2, VersionStatus.PUBLISHED),
    ]
    assert inbound.current_version.number == 2
    assert inbound.current_version.criteria.count() == inbound.versions.get(number=1).criteria.count() + 1
    identity = inbound.current_version.criteria.get(text=IDENTITY_TEXT)
    assert (identity.kind, identity.critical) == ("yes_no", True)
    pinned = set(
        Evaluation.objects.filter(scorecard_version__scorecard=inbound).values_list(
            "scorecard_version__number", flat=True
        )
    )
    assert pinned == {1, 2}
    outbound = Scorecard.objects.get(name=OUTBOUND_NAME)
    assert outbound.versions.count() == 1
    assert Evaluation.objects.filter(scorecard_version__scorecard=outbound).exists()


def test_every_score_is_compute_score_of_its_answers(seeded):
    evaluations = Evaluation.objects.select_related("scorecard_version").prefetch_related("answers")
    specs = {}
    for evaluation in evaluations:
        version = evaluation.scorecard_version
        specs.setdefault(version.pk, _specs(version))
        answers = {
            a.criterion_id: scoring.AnswerValue(a.criterion_id, a.points) for a in evaluation.answers.all()
        }
        draft = evaluation.status == EvaluationStatus.DRAFT
        result = scoring.compute_score(specs[version.pk], answers, version.pass_mark, require_all=not draft)
        assert (evaluation.score, evaluation.passed, evaluation.critical_failed) == (
            result.score,
            result.passed,
            result.critical_failed,
        ), evaluation.call.external_id


def test_upheld_disputes_keep_the_old_answers_and_score_in_the_history(seeded):
    upheld = Evaluation.objects.filter(status=EvaluationStatus.DISPUTE_UPHELD).select_related(
        "scorecard_version"
    )
    assert upheld.exists()
    for evaluation in upheld:
        event = evaluation.events.get(action=EvaluationEvent.Action.DISPUTE_UPHELD)
        previous = event.previous
        old = {a["criterion"]: scoring.AnswerValue(a["criterion"], a["points"]) for a in previous["answers"]}
        version = evaluation.scorecard_version
        result = scoring.compute_score(_specs(version), old, version.pass_mark)
        assert previous["score"] == str(result.score)
        assert (previous["passed"], previous["critical_failed"]) == (result.passed, result.critical_failed)
        assert result.score < evaluation.score
        assert evaluation.disputes.get().status == DisputeStatus.UPHELD


def test_demo_agent_can_dispute_a_submitted_evaluation_inside_the_window(seeded):
    agent = User.objects.get(username="agent")
    submitted = Evaluation.objects.filter(agent=agent, status=EvaluationStatus.SUBMITTED).order_by(
        "-submitted_at"
    )
    assert submitted[0].submitted_at > timezone.now() - services.dispute_window()
    assert submitted[0].evaluator.username == "evaluator"

    dispute = services.dispute_open(by=agent, evaluation=submitted[0], reason="The customer hung up early.")

    assert dispute.status == DisputeStatus.OPEN
    assert set(Evaluation.objects.filter(agent=agent).values_list("status", flat=True)) == set(
        EvaluationStatus.values
    )


def test_demo_qa_manager_can_uphold_the_demo_agents_open_dispute(seeded):
    manager = User.objects.get(username="qamanager")
    dispute = Dispute.objects.get(evaluation__agent__username="agent", status=DisputeStatus.OPEN)
    evaluation = dispute.evaluation
    assert evaluation.evaluator != manager
    assert evaluation.critical_failed
    identity = dispute.criteria.get()
    assert identity.text == IDENTITY_TEXT

    services.dispute_resolve(
        by=manager,
        dispute=dispute,
        outcome=DisputeStatus.UPHELD,
        note="Verified at 00:45.",
        answers=[services.AnswerInput(identity.pk, identity.max_points)],
    )

    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DISPUTE_UPHELD
    assert not evaluation.critical_failed
    assert evaluation.score > 0


def test_demo_evaluator_covers_every_team_and_has_unscored_calls_waiting(seeded):
    evaluator = User.objects.get(username="evaluator")
    assert set(evaluator.evaluated_teams.all()) == set(Team.objects.all())
    queue = Assignment.objects.filter(evaluator=evaluator, status=AssignmentStatus.PENDING)
    # One unscored call per agent from yesterday and today: the demo agent's newest call is one of them.
    assert 1 <= queue.count() <= 19
    assert queue.filter(call__external_id="DEMO-agent-0001").exists()
    assert not queue.filter(call__evaluations__isnull=False).exists()
    story_evaluations = sum(step.status is not None for step in DEMO_AGENT_STORY)
    assert (
        Evaluation.objects.filter(evaluator=evaluator, agent__username="agent").count() == story_evaluations
    )


def test_rerunning_with_the_same_seed_changes_nothing(seeded):
    before = _snapshot()

    _seed()

    assert _snapshot() == before


def test_another_seed_adds_no_calls_or_evaluations(seeded):
    before = _snapshot()["counts"]

    _seed(seed=7)

    assert _snapshot()["counts"] == before


def _calls() -> list[tuple]:
    return list(
        Call.objects.order_by("external_id").values_list(
            "external_id", "started_at", "queue", "direction", "duration_seconds", "customer_phone"
        )
    )


@pytest.mark.django_db
def test_seeding_later_the_same_day_gives_the_same_calls_and_the_same_choice_of_calls_to_score(settings):
    settings.DEBUG = True
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 3, 10, 3, 0, tzinfo=shanghai), tick=False):
        _seed(seed=11)
    first_calls = _calls()
    first_scored = set(Evaluation.objects.values_list("call__external_id", "evaluator__username"))
    # Start again from an empty QA history, two hours later (before opening hours, like the first run).
    # Calibration results and sessions protect their evaluations and calls: they go first and last.
    CoachingSession.objects.all().delete()
    CalibrationScore.objects.all().delete()
    Evaluation.objects.all().delete()
    CalibrationSession.objects.all().delete()
    SampleRun.objects.all().delete()
    Call.objects.all().delete()

    with time_machine.travel(datetime(2026, 3, 10, 5, 0, tzinfo=shanghai), tick=False):
        _seed(seed=11)

    assert _calls() == first_calls
    assert set(Evaluation.objects.values_list("call__external_id", "evaluator__username")) == first_scored
