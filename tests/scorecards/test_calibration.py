"""Calibration sessions through the services: create, the blind scoring rules, close with results
computed by hand, the overdue list, the history, and calibration scorings never counting for the agent.

The hand-computed session (typical scorecard, 19 points: greet 2, verify 3, resolve 0..10, offer 4 / N/A):

    evaluator   greet verify resolve offer   points   score
    ref (ref.)    2     3      8       4     17/19    89.47
    eva           2     3      6      N/A    11/15    73.33
    bob           0     3     10       4     17/19    89.47

Krippendorff's alpha, interval metric, criteria as units, N/A missing: n = 11 pairable values,
Σx = 45, Σx² = 267, so SS = 267 − 45²/11 = 912/11. Within units Σ m·SS_u/(m − 1): greet (2, 2, 0)
3·(8/3)/2 = 4, verify 0, resolve (8, 6, 10) 3·8/2 = 12, offer (4, 4) 0; 16 in all.
α = 1 − (n − 1)·16 / (n·SS) = 1 − 160/912 = 47/57 ≈ 0.824561.
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import calibration, selectors, services
from apps.scorecards.forms.calls import CallFilterForm
from apps.scorecards.models import (
    Answer,
    Assignment,
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    Call,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    VersionStatus,
)
from qa_center.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import TeamFactory, UserFactory
from tests.scorecards.factories import CallFactory, ScorecardVersionFactory, typical_scorecard

pytestmark = pytest.mark.django_db

MOMENT = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture
def world(db):
    team = TeamFactory(name="Team Calibrate")
    agent = UserFactory(username="agent", roles=[Role.AGENT], team=team)
    people = {
        "agent": agent,
        "manager": UserFactory(username="qm", roles=[Role.QA_MANAGER]),
        # Created in this order, so ref < eva < bob by id (results list evaluators by id).
        "ref": UserFactory(username="ref", roles=[Role.QA_EVALUATOR]),
        "eva": UserFactory(username="eva", roles=[Role.QA_EVALUATOR]),
        "bob": UserFactory(username="bob", roles=[Role.QA_EVALUATOR]),
        "outsider": UserFactory(username="out", roles=[Role.QA_EVALUATOR]),
    }
    # Only the outsider covers the agent's team: participants score the session's call anyway.
    team.evaluators.add(people["outsider"])
    return {**people, "team": team, "card": typical_scorecard(), "call": CallFactory(agent=agent)}


def make_session(world, participants=("ref", "eva", "bob"), reference="ref", **options) -> CalibrationSession:
    return calibration.calibration_create(
        by=world["manager"],
        call=options.pop("call", world["call"]),
        version=options.pop("version", world["card"].version),
        participants=[world[name] for name in participants],
        reference=world[reference] if reference else None,
        **options,
    )


def score(world, session, who, *, submit=True, **points) -> Evaluation:
    return services.evaluation_save(
        by=world[who],
        call=session.call,
        version=session.scorecard_version,
        answers=world["card"].answers(**points),
        submit=submit,
        calibration=session,
    )


def score_hand_case(world, session) -> None:
    score(world, session, "ref")  # 17/19
    score(world, session, "eva", resolve=6, offer_help="na")  # 11/15
    score(world, session, "bob", greet=0, resolve=10)  # 17/19


def written() -> tuple[int, int, int, int, int]:
    return (
        CalibrationSession.objects.count(),
        Evaluation.objects.count(),
        Answer.objects.count(),
        EvaluationEvent.objects.count(),
        CalibrationScore.objects.count(),
    )


# --- create --------------------------------------------------------------------------------------


def test_create_stores_the_session_with_a_week_and_five_points_by_default(world):
    with time_machine.travel(MOMENT, tick=False):
        session = make_session(world, note="  Tricky refund call  ")

    session.refresh_from_db()
    assert session.status == CalibrationStatus.OPEN
    assert session.deadline == MOMENT + timedelta(days=7)
    assert session.tolerance == Decimal("5.00")
    assert session.note == "Tricky refund call"
    assert session.reference == world["ref"]
    assert session.created_by == world["manager"]
    assert set(session.participants.all()) == {world["ref"], world["eva"], world["bob"]}
    assert session.alpha_interval is None
    assert session.closed_at is None


def test_create_without_a_reference_and_with_a_chosen_deadline_and_tolerance(world):
    deadline = timezone.now() + timedelta(days=2)
    session = make_session(world, reference=None, deadline=deadline, tolerance=Decimal("2.5"))
    session.refresh_from_db()
    assert session.reference is None
    assert session.deadline == deadline
    assert session.tolerance == Decimal("2.50")


@pytest.mark.parametrize("role", [Role.QA_EVALUATOR, Role.AGENT, Role.ADMIN, Role.DUTY_MANAGER])
def test_only_a_qa_manager_creates_a_session(world, role):
    with pytest.raises(PermissionDenied, match="^Your role does not allow this action.$"):
        calibration.calibration_create(
            by=UserFactory(roles=[role]),
            call=world["call"],
            version=world["card"].version,
            participants=[world["ref"], world["eva"]],
        )
    assert CalibrationSession.objects.count() == 0


@pytest.mark.parametrize("participants", [(), ("eva",), ("eva", "eva")])
def test_a_session_needs_two_different_participants(world, participants):
    with pytest.raises(ValidationFailed) as refused:
        make_session(world, participants=participants, reference=None)
    assert refused.value.fields == {"participants": ["Choose at least two participants."]}
    assert CalibrationSession.objects.count() == 0


def test_a_session_has_at_most_thirty_participants(world):
    crowd = UserFactory.create_batch(31, roles=[Role.QA_EVALUATOR])
    with pytest.raises(ValidationFailed) as refused:
        calibration.calibration_create(
            by=world["manager"], call=world["call"], version=world["card"].version, participants=crowd
        )
    assert refused.value.fields == {"participants": ["A session has at most 30 participants."]}


def test_participants_must_be_active_qa_staff(world):
    world["idle"] = UserFactory(display_name="Ida Idle", roles=[Role.QA_EVALUATOR], is_active=False)
    world["agent"].display_name = "Andy Agent"
    world["agent"].save()
    world["expert"] = UserFactory(display_name="Ezra Expert", roles=[Role.EXPERT])
    with pytest.raises(ValidationFailed) as refused:
        make_session(world, participants=("eva", "idle", "agent", "expert"), reference=None)
    assert refused.value.fields == {
        "participants": [
            "Only active QA evaluators and QA managers can take part: Andy Agent, Ezra Expert, Ida Idle."
        ]
    }
    assert CalibrationSession.objects.count() == 0


def test_a_qa_manager_may_take_part(world):
    session = make_session(world, participants=("manager", "eva"), reference="manager")
    assert session.reference == world["manager"]


def test_the_reference_must_be_a_participant(world):
    with pytest.raises(ValidationFailed) as refused:
        make_session(world, participants=("eva", "bob"), reference="ref")
    assert refused.value.message == "Please correct the calibration session."
    assert refused.value.fields == {"reference": ["The reference evaluator must be one of the participants."]}
    assert CalibrationSession.objects.count() == 0


def test_an_unpublished_version_is_refused(world):
    draft = ScorecardVersionFactory(scorecard=world["card"].scorecard, number=2, status=VersionStatus.DRAFT)
    with pytest.raises(ValidationFailed) as refused:
        make_session(world, version=draft)
    assert refused.value.fields == {"scorecard_version": ["Only published scorecard versions can be used."]}


def test_a_deadline_in_the_past_is_refused(world):
    with time_machine.travel(MOMENT, tick=False):
        with pytest.raises(ValidationFailed) as refused:
            make_session(world, deadline=MOMENT)
        assert refused.value.fields == {"deadline": ["The deadline must be in the future."]}
        with pytest.raises(ValidationFailed):
            make_session(world, deadline=MOMENT - timedelta(days=1))
    assert CalibrationSession.objects.count() == 0


@pytest.mark.parametrize("tolerance", [Decimal("-0.01"), Decimal("100.01"), Decimal("250")])
def test_a_tolerance_outside_0_to_100_is_refused(world, tolerance):
    with pytest.raises(ValidationFailed) as refused:
        make_session(world, tolerance=tolerance)
    assert refused.value.fields == {"tolerance": ["The tolerance is a number of points from 0 to 100."]}


@pytest.mark.parametrize("tolerance", [Decimal("0"), Decimal("100")])
def test_a_tolerance_of_0_or_100_is_accepted(world, tolerance):
    assert make_session(world, tolerance=tolerance).tolerance == tolerance


def test_every_field_error_is_reported_at_once(world):
    draft = ScorecardVersionFactory(scorecard=world["card"].scorecard, number=2, status=VersionStatus.DRAFT)
    with pytest.raises(ValidationFailed) as refused:
        make_session(
            world,
            participants=("eva",),
            reference="bob",
            version=draft,
            deadline=timezone.now() - timedelta(hours=1),
            tolerance=Decimal("-1"),
        )
    assert set(refused.value.fields) == {
        "participants",
        "reference",
        "scorecard_version",
        "deadline",
        "tolerance",
    }


# --- scoring -------------------------------------------------------------------------------------


def test_a_participant_scores_the_call_of_a_team_they_do_not_cover(world):
    session = make_session(world)
    evaluation = score(world, session, "eva", resolve=6, offer_help="na")
    assert evaluation.calibration == session
    assert evaluation.status == EvaluationStatus.SUBMITTED
    assert evaluation.score == Decimal("73.33")
    assert evaluation.agent == world["agent"]
    assert evaluation.evaluator == world["eva"]


def test_a_non_participant_cannot_score(world):
    session = make_session(world)
    before = written()
    with pytest.raises(PermissionDenied, match="^You are not a participant of this calibration session.$"):
        score(world, session, "outsider")
    assert written() == before


def test_a_second_submission_by_the_same_participant_is_a_conflict(world):
    session = make_session(world)
    first = score(world, session, "eva")
    before = written()
    with pytest.raises(Conflict, match="^You have already scored this call in this calibration session.$"):
        score(world, session, "eva", resolve=2)
    assert written() == before
    first.refresh_from_db()
    assert first.score == Decimal("89.47")


def test_a_draft_then_a_second_new_scoring_is_a_conflict(world):
    session = make_session(world)
    score(world, session, "eva", submit=False, resolve=None)
    before = written()
    with pytest.raises(Conflict, match="^You have already scored this call in this calibration session.$"):
        score(world, session, "eva")
    assert written() == before


def test_a_participant_saves_a_draft_then_submits_it(world):
    session = make_session(world)
    draft = score(world, session, "eva", submit=False, resolve=None)
    assert draft.status == EvaluationStatus.DRAFT
    submitted = services.evaluation_save(
        by=world["eva"],
        call=draft.call,
        version=draft.scorecard_version,
        answers=world["card"].answers(resolve=6),
        submit=True,
        evaluation=draft,
    )
    assert submitted.pk == draft.pk
    assert submitted.calibration == session
    assert submitted.status == EvaluationStatus.SUBMITTED
    assert submitted.score == Decimal("78.95")  # 15/19


def test_evaluation_submit_of_a_calibration_draft_keeps_it_in_the_session(world):
    session = make_session(world)
    draft = score(world, session, "eva", submit=False)
    submitted = services.evaluation_submit(by=world["eva"], evaluation=draft)
    assert submitted.status == EvaluationStatus.SUBMITTED
    assert submitted.calibration_id == session.pk


def test_submitting_a_draft_after_the_session_closed_is_a_conflict(world):
    session = make_session(world)
    draft = score(world, session, "eva", submit=False)
    score(world, session, "ref")
    score(world, session, "bob")
    calibration.calibration_close(session=session, by=world["manager"])
    before = written()
    with pytest.raises(Conflict, match="^This calibration session is closed; it takes no more scorings.$"):
        services.evaluation_submit(by=world["eva"], evaluation=draft)
    assert written() == before
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT


def test_scoring_a_closed_session_is_a_conflict(world):
    session = make_session(world)
    score(world, session, "ref")
    score(world, session, "eva")
    calibration.calibration_close(session=session, by=world["manager"])
    before = written()
    with pytest.raises(Conflict, match="^This calibration session is closed; it takes no more scorings.$"):
        score(world, session, "bob")
    assert written() == before


def test_scoring_another_call_for_the_session_is_refused(world):
    session = make_session(world)
    before = written()
    with pytest.raises(ValidationFailed, match="^This session calibrates another call.$") as refused:
        services.evaluation_save(
            by=world["eva"],
            call=CallFactory(agent=world["agent"]),
            version=world["card"].version,
            answers=world["card"].answers(),
            submit=True,
            calibration=session,
        )
    assert refused.value.fields == {"call": ["This session calibrates another call."]}
    assert written() == before


def test_scoring_with_another_version_for_the_session_is_refused(world):
    session = make_session(world)
    other = typical_scorecard(name="Outbound")
    before = written()
    with pytest.raises(ValidationFailed, match="^This session uses another scorecard version.$"):
        services.evaluation_save(
            by=world["eva"],
            call=world["call"],
            version=other.version,
            answers=other.answers(),
            submit=True,
            calibration=session,
        )
    assert written() == before


def test_a_regular_evaluation_of_the_call_is_still_possible_alongside_calibration(world):
    session = make_session(world)
    score(world, session, "eva")
    score(world, session, "bob")
    regular = services.evaluation_save(
        by=world["outsider"],
        call=world["call"],
        version=world["card"].version,
        answers=world["card"].answers(),
        submit=True,
    )
    assert regular.calibration is None
    before = written()
    with pytest.raises(
        ValidationFailed, match="^This call already has an evaluation with this scorecard version.$"
    ):
        services.evaluation_save(
            by=world["manager"],
            call=world["call"],
            version=world["card"].version,
            answers=world["card"].answers(),
            submit=True,
        )
    assert written() == before


def test_the_regular_evaluator_may_also_take_part_in_a_session_on_the_same_call(world):
    services.evaluation_save(
        by=world["outsider"],
        call=world["call"],
        version=world["card"].version,
        answers=world["card"].answers(),
        submit=True,
    )
    session = make_session(world, participants=("outsider", "eva"), reference=None)
    assert score(world, session, "outsider").calibration == session
    assert Evaluation.objects.filter(call=world["call"], evaluator=world["outsider"]).count() == 2


def test_a_calibration_scoring_does_not_take_the_call_out_of_a_queue(world):
    session = make_session(world)
    services.sample_draw(
        by=world["manager"],
        version=world["card"].version,
        period_start=timezone.localdate() - timedelta(days=1),
        period_end=timezone.localdate(),
        per_agent=1,
        evaluator_ids=[world["outsider"].pk],
        seed=7,
    )
    assert Assignment.objects.get().status == "pending"
    score(world, session, "eva")
    assert Assignment.objects.get().status == "pending"


# --- close ---------------------------------------------------------------------------------------


def test_close_stores_the_hand_computed_results(world):
    session = make_session(world)
    score_hand_case(world, session)
    with time_machine.travel(MOMENT, tick=False):
        closed = calibration.calibration_close(session=session, by=world["manager"])

    session.refresh_from_db()
    assert closed.pk == session.pk
    assert session.status == CalibrationStatus.CLOSED
    assert session.closed_by == world["manager"]
    assert session.closed_at == MOMENT
    assert session.alpha_interval == pytest.approx(47 / 57, abs=1e-12)
    assert calibration.alpha_reading(session.alpha_interval) == "good"
    assert session.mean_score == Decimal("84.09")  # (89.4737 + 73.3333 + 89.4737) / 3
    assert session.spread == Decimal("9.32")  # sample standard deviation of the three totals

    ref, eva, bob = world["ref"], world["eva"], world["bob"]
    rows = {
        row.evaluator_id: (
            row.score,
            row.deviation_from_reference,
            row.deviation_from_mean,
            row.alignment,
            row.outside_tolerance,
        )
        for row in CalibrationScore.objects.filter(session=session)
    }
    assert rows == {
        ref.pk: (Decimal("89.47"), Decimal("0.00"), Decimal("5.38"), Decimal("1.0000"), False),
        # eva: resolve 1 − 2/10 = 0.8 on 10 points, greet and verify 1 on 5 points, offer N/A left
        # out: (2 + 3 + 8) / 15 = 0.8667; 73.33 − 89.47 = −16.14 is outside ±5.
        eva.pk: (Decimal("73.33"), Decimal("-16.14"), Decimal("-10.76"), Decimal("0.8667"), True),
        # bob: greet 0 on 2 points, verify 1 on 3, resolve 0.8 on 10, offer 1 on 4: 15/19 = 0.7895.
        bob.pk: (Decimal("89.47"), Decimal("0.00"), Decimal("5.38"), Decimal("0.7895"), False),
    }
    evaluations = {e.evaluator_id: e.pk for e in Evaluation.objects.filter(calibration=session)}
    assert {r.evaluator_id: r.evaluation_id for r in CalibrationScore.objects.all()} == evaluations

    card = world["card"]
    criteria = {row["criterion"]: row for row in session.criteria_results}
    assert [row["criterion"] for row in session.criteria_results] == [c.pk for c in card.criteria]
    assert criteria[card.greet.pk] == {
        "criterion": card.greet.pk,
        "text": "Greets the customer",
        "max_points": 2,
        "points": {str(ref.pk): 2, str(eva.pk): 2, str(bob.pk): 0},
        "reference_points": 2,
        "mean": "1.33",
        "spread": "1.15",
        "differing_evaluators": [bob.pk],
        "alignment": {str(ref.pk): "1.0000", str(eva.pk): "1.0000", str(bob.pk): "0.0000"},
    }
    assert criteria[card.verify.pk]["differing_evaluators"] == []
    assert criteria[card.verify.pk]["spread"] == "0.00"
    assert criteria[card.resolve.pk]["mean"] == "8.00"
    assert criteria[card.resolve.pk]["spread"] == "2.00"
    assert criteria[card.resolve.pk]["differing_evaluators"] == [eva.pk, bob.pk]
    assert criteria[card.resolve.pk]["alignment"] == {
        str(ref.pk): "1.0000",
        str(eva.pk): "0.8000",
        str(bob.pk): "0.8000",
    }
    assert criteria[card.offer_help.pk]["points"] == {str(ref.pk): 4, str(eva.pk): None, str(bob.pk): 4}
    assert criteria[card.offer_help.pk]["differing_evaluators"] == [eva.pk]
    assert criteria[card.offer_help.pk]["alignment"][str(eva.pk)] is None


def test_a_reference_who_did_not_submit_gives_results_without_a_reference_and_drafts_are_ignored(world):
    session = make_session(world)
    score(world, session, "ref", submit=False)  # a draft: not counted
    score(world, session, "eva", resolve=6, offer_help="na")  # 11/15 = 73.33
    score(world, session, "bob", greet=0, resolve=10)  # 17/19 = 89.47
    calibration.calibration_close(session=session, by=world["manager"])

    session.refresh_from_db()
    # Two coders; the offer unit has one rating (eva N/A) and is left out: values 2,0 | 3,3 | 6,10,
    # n = 6, SS = 62, within = 2·2 + 0 + 2·8 = 20; α = 1 − 5·20 / (6·62) = 68/93.
    assert session.alpha_interval == pytest.approx(68 / 93, abs=1e-12)
    assert calibration.alpha_reading(session.alpha_interval) == "tentative"
    assert session.mean_score == Decimal("81.40")
    assert session.spread == Decimal("11.41")  # 16.1404 / √2
    rows = {
        row.evaluator_id: (row.score, row.deviation_from_reference, row.deviation_from_mean, row.alignment)
        for row in CalibrationScore.objects.filter(session=session)
    }
    assert rows == {
        world["eva"].pk: (Decimal("73.33"), None, Decimal("-8.07"), None),
        world["bob"].pk: (Decimal("89.47"), None, Decimal("8.07"), None),
    }
    # Without a usable reference the band is around the mean: both are 8.07 away.
    assert set(
        CalibrationScore.objects.filter(outside_tolerance=True).values_list("evaluator", flat=True)
    ) == {
        world["eva"].pk,
        world["bob"].pk,
    }
    assert all(row["reference_points"] is None for row in session.criteria_results)


def test_tolerance_band_uses_the_displayed_deviation(world):
    session = make_session(world, tolerance=Decimal("16.14"))
    score_hand_case(world, session)
    calibration.calibration_close(session=session, by=world["manager"])
    assert not CalibrationScore.objects.filter(outside_tolerance=True).exists()


def test_all_agree_gives_alpha_one(world):
    session = make_session(world)
    for who in ("ref", "eva", "bob"):
        score(world, session, who)
    calibration.calibration_close(session=session, by=world["manager"])
    session.refresh_from_db()
    assert session.alpha_interval == 1.0
    assert session.spread == Decimal("0.00")
    assert set(CalibrationScore.objects.values_list("alignment", flat=True)) == {Decimal("1.0000")}


@pytest.mark.parametrize("role", [Role.QA_EVALUATOR, Role.AGENT])
def test_only_a_qa_manager_closes(world, role):
    session = make_session(world)
    score(world, session, "ref")
    score(world, session, "eva")
    by = world["ref"] if role == Role.QA_EVALUATOR else world["agent"]
    with pytest.raises(PermissionDenied, match="^Your role does not allow this action.$"):
        calibration.calibration_close(session=session, by=by)
    session.refresh_from_db()
    assert session.status == CalibrationStatus.OPEN
    assert CalibrationScore.objects.count() == 0


def test_closing_with_one_submission_is_refused(world):
    session = make_session(world)
    score(world, session, "eva")
    score(world, session, "bob", submit=False)  # drafts do not count
    with pytest.raises(ValidationFailed) as refused:
        calibration.calibration_close(session=session, by=world["manager"])
    assert refused.value.message == (
        "At least two participants must submit before the session can be closed (1 so far)."
    )
    session.refresh_from_db()
    assert session.status == CalibrationStatus.OPEN
    assert session.closed_at is None
    assert CalibrationScore.objects.count() == 0


def test_closing_with_no_submission_says_zero_so_far(world):
    session = make_session(world)
    with pytest.raises(ValidationFailed, match=r"\(0 so far\)\.$"):
        calibration.calibration_close(session=session, by=world["manager"])


def test_closing_twice_is_a_conflict_and_keeps_the_first_results(world):
    session = make_session(world)
    score_hand_case(world, session)
    with time_machine.travel(MOMENT, tick=False):
        calibration.calibration_close(session=session, by=world["manager"])
    other_manager = UserFactory(roles=[Role.QA_MANAGER])
    with pytest.raises(Conflict, match="^This calibration session is already closed.$"):
        calibration.calibration_close(session=session, by=other_manager)
    session.refresh_from_db()
    assert session.closed_by == world["manager"]
    assert session.closed_at == MOMENT
    assert CalibrationScore.objects.count() == 3


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [
        (None, "not_available"),
        (1.0, "good"),
        (0.8, "good"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (-0.5, "unreliable"),
    ],
)
def test_alpha_reading_thresholds(alpha, reading):
    assert calibration.alpha_reading(alpha) == reading


# --- lists: overdue, to score, history -----------------------------------------------------------


def test_overdue_lists_open_sessions_past_their_deadline_with_missing_participants(world):
    with time_machine.travel(MOMENT, tick=False):
        deadline = MOMENT + timedelta(days=1)
        missing = make_session(world, deadline=deadline)
        complete = make_session(world, participants=("eva", "bob"), reference=None, deadline=deadline)
        closed = make_session(world, deadline=deadline)
        not_due = make_session(world, deadline=MOMENT + timedelta(days=10))
        score(world, missing, "eva")
        score(world, missing, "bob")
        score(world, missing, "ref", submit=False)  # a draft is still missing
        score(world, complete, "eva")
        score(world, complete, "bob")
        score(world, closed, "eva")
        score(world, closed, "bob")
        calibration.calibration_close(session=closed, by=world["manager"])

    with time_machine.travel(MOMENT + timedelta(hours=23), tick=False):
        assert list(selectors.overdue_calibrations(world["manager"])) == []
    with time_machine.travel(MOMENT + timedelta(days=2), tick=False):
        overdue = list(selectors.overdue_calibrations(world["manager"]))
        assert overdue == [missing]
        assert (overdue[0].participant_count, overdue[0].submitted_count) == (3, 2)
        # Scoped like every list: an evaluator sees the overdue sessions they take part in.
        assert list(selectors.overdue_calibrations(world["ref"])) == [missing]
        assert list(selectors.overdue_calibrations(world["outsider"])) == []
    assert not_due not in overdue


def test_calibrations_to_score_lists_open_sessions_without_the_users_submission(world):
    first = make_session(world)
    second = make_session(world, participants=("eva", "bob"), reference=None)
    done = make_session(world, participants=("eva", "ref"), reference=None)
    score(world, first, "eva", submit=False)
    score(world, done, "eva")
    assert list(selectors.calibrations_to_score(world["eva"])) == [first, second]
    assert list(selectors.calibrations_to_score(world["ref"])) == [first, done]
    assert list(selectors.calibrations_to_score(world["outsider"])) == []
    score(world, done, "ref")
    calibration.calibration_close(session=done, by=world["manager"])
    assert list(selectors.calibrations_to_score(world["ref"])) == [first]


def test_calibration_history_lists_the_evaluators_results_newest_first(world):
    sessions = []
    for day in (1, 3, 2):
        with time_machine.travel(MOMENT + timedelta(days=day), tick=False):
            session = make_session(world, participants=("eva", "bob"), reference=None)
            score(world, session, "eva")
            score(world, session, "bob", resolve=day)
            calibration.calibration_close(session=session, by=world["manager"])
            sessions.append(session)
    open_session = make_session(world)
    score(world, open_session, "eva")

    history = list(selectors.calibration_history(world["eva"]))
    assert [row.session_id for row in history] == [sessions[1].pk, sessions[2].pk, sessions[0].pk]
    assert {row.evaluator_id for row in history} == {world["eva"].pk}
    assert list(selectors.calibration_history(world["ref"])) == []


def test_calibrations_list_is_scoped(world):
    mine = make_session(world, participants=("eva", "bob"), reference=None)
    theirs = make_session(world, participants=("ref", "bob"), reference=None)
    assert list(selectors.calibrations_list(world["manager"])) == [theirs, mine]
    assert list(selectors.calibrations_list(world["eva"])) == [mine]
    assert list(selectors.calibrations_list(world["bob"])) == [theirs, mine]
    assert list(selectors.calibrations_list(world["outsider"])) == []
    assert list(selectors.calibrations_list(world["agent"])) == []


# --- calibration scorings never count for the agent ----------------------------------------------


@pytest.fixture
def calibrated(world):
    """The agent's call scored in a closed session (every scoring fails greet and resolve), and
    another call of theirs with one regular, failed evaluation."""
    session = make_session(world)
    for who in ("ref", "eva", "bob"):
        score(world, session, who, greet=0, resolve=0)
    calibration.calibration_close(session=session, by=world["manager"])
    other_call = CallFactory(agent=world["agent"])
    regular = services.evaluation_save(
        by=world["outsider"],
        call=other_call,
        version=world["card"].version,
        answers=world["card"].answers(resolve=5),
        submit=True,
    )
    return {"session": session, "regular": regular, "other_call": other_call}


def test_agent_summary_ignores_calibration_scorings(world, calibrated):
    assert selectors.agent_summary(world["agent"]) == {"total": 1, "passed": 0}
    assert list(Evaluation.objects.submitted().filter(agent=world["agent"])) == [calibrated["regular"]]


def test_agent_evaluations_to_review_ignore_calibration_scorings(world, calibrated):
    assert list(selectors.agent_evaluations_to_review(world["agent"])) == [calibrated["regular"]]


def test_the_agent_never_sees_calibration_scorings(world, calibrated):
    assert list(selectors.evaluations_list(world["agent"])) == [calibrated["regular"]]


def test_failed_criteria_counts_ignore_calibration_scorings(world, calibrated):
    today = timezone.localdate()
    assert selectors.failed_criteria_counts(today, today) == [("Explains the solution", 1)]


def test_sampling_still_draws_a_call_with_only_calibration_scorings(world, calibrated):
    Call.objects.exclude(pk__in=[world["call"].pk, calibrated["other_call"].pk]).delete()
    run = services.sample_draw(
        by=world["manager"],
        version=world["card"].version,
        period_start=timezone.localdate() - timedelta(days=1),
        period_end=timezone.localdate(),
        per_agent=5,
        evaluator_ids=[world["outsider"].pk],
        seed=3,
    )
    # The regularly evaluated call is left out; the calibrated one is still to be evaluated.
    assert list(run.assignments.values_list("call_id", flat=True)) == [world["call"].pk]


def test_the_call_list_evaluated_filter_ignores_calibration_scorings(world, calibrated):
    calls = Call.objects.filter(pk__in=[world["call"].pk, calibrated["other_call"].pk])
    assert list(CallFilterForm({"evaluated": "yes"}).filter(calls)) == [calibrated["other_call"]]
    assert list(CallFilterForm({"evaluated": "no"}).filter(calls)) == [world["call"]]


def test_the_agent_cannot_acknowledge_or_dispute_a_calibration_scoring(world, calibrated):
    scoring = Evaluation.objects.filter(calibration=calibrated["session"]).first()
    with pytest.raises(NotFound, match="^This evaluation does not exist or is not yours.$"):
        services.evaluation_acknowledge(by=world["agent"], evaluation=scoring)
    with pytest.raises(NotFound, match="^This evaluation does not exist or is not yours.$"):
        services.dispute_open(by=world["agent"], evaluation=scoring, reason="Unfair")
    scoring.refresh_from_db()
    assert scoring.status == EvaluationStatus.SUBMITTED
    assert not scoring.disputes.exists()


def test_coaching_cannot_link_a_calibration_scoring(world, calibrated):
    from apps.scorecards import coaching

    scoring = Evaluation.objects.filter(calibration=calibrated["session"]).first()
    with pytest.raises(ValidationFailed) as refused:
        coaching.coaching_create(
            by=world["manager"],
            agent=world["agent"],
            held_on=timezone.localdate(),
            observations="Went through the call.",
            follow_up_on=timezone.localdate(),
            evaluations=[scoring],
        )
    assert refused.value.fields == {"evaluations": ["Link only submitted evaluations of this agent."]}
