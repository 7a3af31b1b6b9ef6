"""apps/scorecards/services.py: every rule and every refusal of the QA use cases."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Call,
    Criterion,
    CriterionKind,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    SampleRun,
    Scorecard,
    ScorecardVersion,
    Section,
    VersionStatus,
)
from apps.scorecards.services import AnswerInput, CallInput, CriterionInput, SectionInput
from qa_center.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, ScorecardVersionFactory, typical_scorecard

ROLE_REFUSED = r"^Your role does not allow this action\.$"


@pytest.fixture
def manager(personas):
    return personas[Role.QA_MANAGER]


@pytest.fixture
def evaluator(personas, team):
    """The QA evaluator persona, evaluating the agent persona's team."""
    team.evaluators.add(personas[Role.QA_EVALUATOR])
    return personas[Role.QA_EVALUATOR]


@pytest.fixture
def agent(personas):
    return personas[Role.AGENT]


@pytest.fixture
def card(manager):
    return typical_scorecard(created_by=manager)


@pytest.fixture
def call(agent):
    return CallFactory(agent=agent)


def submit(card, by, call, **points) -> Evaluation:
    return services.evaluation_save(
        by=by, call=call, version=card.version, answers=card.answers(**points), submit=True
    )


def state_of(evaluation: Evaluation) -> tuple:
    """What an evaluation holds, to show that a refused change left it alone."""
    evaluation.refresh_from_db()
    answers = sorted(evaluation.answers.values_list("criterion_id", "points", "is_na", "comment"))
    return (evaluation.status, evaluation.score, evaluation.passed, evaluation.critical_failed, answers)


def two_sections(*criteria_per_section) -> list[SectionInput]:
    return [
        SectionInput(title=f"Section {i}", criteria=list(criteria))
        for i, criteria in enumerate(criteria_per_section, start=1)
    ]


# --- Scorecards and versions -----------------------------------------------------------


def test_scorecard_create_publishes_version_1_with_sections_and_criteria_in_order(manager):
    scorecard = services.scorecard_create(
        by=manager,
        name="  Outbound sales  ",
        pass_mark="80",
        sections=two_sections(
            [CriterionInput("Introduces self", 2), CriterionInput("Confirms consent", 5, critical=True)],
            [CriterionInput("Handles objections", 10, kind=CriterionKind.SCALE, allow_na=True)],
        ),
    )
    scorecard.refresh_from_db()
    version = scorecard.current_version
    assert scorecard.name == "Outbound sales"
    assert (version.number, version.status, version.pass_mark) == (
        1,
        VersionStatus.PUBLISHED,
        Decimal("80.00"),
    )
    assert version.published_by == manager
    assert version.published_at is not None
    assert list(version.sections.values_list("title", "position")) == [("Section 1", 0), ("Section 2", 1)]
    assert list(
        Criterion.objects.filter(version=version)
        .order_by("section__position", "position")
        .values_list("text", "max_points", "kind", "critical", "allow_na", "position")
    ) == [
        ("Introduces self", 2, "yes_no", False, False, 0),
        ("Confirms consent", 5, "yes_no", True, False, 1),
        ("Handles objections", 10, "scale", False, True, 0),
    ]


def test_scorecard_create_without_publishing_leaves_a_draft_and_no_current_version(manager):
    scorecard = services.scorecard_create(
        by=manager, name="Chat", sections=two_sections([CriterionInput("Greets", 1)]), publish=False
    )
    assert scorecard.current_version is None
    assert list(scorecard.versions.values_list("number", "status")) == [(1, VersionStatus.DRAFT)]


def test_scorecard_create_default_pass_mark_is_85(manager):
    scorecard = services.scorecard_create(
        by=manager, name="Chat", sections=two_sections([CriterionInput("G", 1)])
    )
    assert scorecard.versions.get().pass_mark == Decimal("85.00")


@pytest.mark.parametrize("role", [Role.QA_EVALUATOR, Role.AGENT, Role.ADMIN, "no_role"])
def test_scorecard_create_is_for_qa_managers_only(personas, role):
    with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
        services.scorecard_create(
            by=personas[role], name="X", sections=two_sections([CriterionInput("G", 1)])
        )
    assert Scorecard.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"name": "   "}, r"^A name is required\.$", "name"),
        ({"pass_mark": "100.01"}, r"^The pass mark must be between 0 and 100\.$", "pass_mark"),
        ({"pass_mark": "-1"}, r"^The pass mark must be between 0 and 100\.$", "pass_mark"),
        ({"pass_mark": "eighty"}, r"^The pass mark must be a number\.$", "pass_mark"),
        ({"pass_mark": "NaN"}, r"^The pass mark must be a number\.$", "pass_mark"),
        ({"pass_mark": "Infinity"}, r"^The pass mark must be between 0 and 100\.$", "pass_mark"),
        (
            {"sections": [SectionInput(" ", [CriterionInput("G", 1)])]},
            r"^Every section needs a title\.$",
            "sections",
        ),
        ({"sections": two_sections([CriterionInput("  ", 1)])}, r"^A criterion needs a text\.$", "sections"),
        (
            {"sections": two_sections([CriterionInput("G", 1, kind="stars")])},
            r"^Unknown criterion kind “stars”\.$",
            "sections",
        ),
        (
            {"sections": two_sections([CriterionInput("G", 0)])},
            r"^Max points must be a whole number from 1 to 100\.$",
            "sections",
        ),
        (
            {"sections": two_sections([CriterionInput("G", 101)])},
            r"^Max points must be a whole number from 1 to 100\.$",
            "sections",
        ),
        (
            {"sections": two_sections([CriterionInput("G", True)])},
            r"^Max points must be a whole number from 1 to 100\.$",
            "sections",
        ),
        (
            {"sections": two_sections([CriterionInput("G", 2.5)])},
            r"^Max points must be a whole number from 1 to 100\.$",
            "sections",
        ),
    ],
)
def test_scorecard_create_refuses_bad_input_and_writes_nothing(manager, kwargs, message, field):
    arguments = {"name": "Chat", "sections": two_sections([CriterionInput("Greets", 1)]), **kwargs}
    with pytest.raises(ValidationFailed, match=message) as info:
        services.scorecard_create(by=manager, **arguments)
    assert list(info.value.fields) == [field]
    assert (Scorecard.objects.count(), ScorecardVersion.objects.count(), Section.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    "sections",
    [[], two_sections([]), two_sections([CriterionInput("Greets", 1)], [])],
    ids=["none", "empty", "one"],
)
def test_scorecard_create_refuses_to_publish_without_criteria_in_every_section(manager, sections):
    with pytest.raises(
        ValidationFailed,
        match=r"^Every section needs at least one criterion, and a scorecard at least one section\.$",
    ):
        services.scorecard_create(by=manager, name="Chat", sections=sections)
    assert Scorecard.objects.count() == 0


def test_published_version_cannot_be_edited(card, manager):
    refused = r"^Published versions cannot be changed\. Edit the scorecard to start a new draft\.$"
    section = card.greet.section
    edits = [
        lambda: services.version_set_pass_mark(by=manager, version=card.version, pass_mark="70"),
        lambda: services.section_add(by=manager, version=card.version, title="New"),
        lambda: services.section_rename(by=manager, section=section, title="Renamed"),
        lambda: services.section_delete(by=manager, section=section),
        lambda: services.criterion_add(by=manager, section=section, data=CriterionInput("New", 1)),
        lambda: services.criterion_update(
            by=manager, criterion=card.greet, data=CriterionInput("Changed", 1)
        ),
        lambda: services.criterion_delete(by=manager, criterion=card.greet),
        lambda: services.item_move(by=manager, item=card.verify, direction="up"),
        lambda: services.version_publish(by=manager, version=card.version),
        lambda: services.version_discard(by=manager, version=card.version),
    ]
    for edit in edits:
        with pytest.raises(Conflict, match=refused):
            edit()
    card.version.refresh_from_db()
    assert card.version.pass_mark == Decimal("85.00")
    assert list(card.version.sections.values_list("title", flat=True)) == ["Opening", "Resolution"]
    assert list(
        Criterion.objects.filter(version=card.version)
        .order_by("section__position", "position")
        .values_list("text", flat=True)
    ) == ["Greets the customer", "Verifies identity", "Explains the solution", "Offers further help"]


def test_start_draft_copies_the_current_version(card, manager):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    assert (draft.number, draft.status, draft.pass_mark) == (2, VersionStatus.DRAFT, Decimal("85.00"))
    shape = ["section__title", "text", "kind", "max_points", "critical", "allow_na", "position"]
    assert list(
        Criterion.objects.filter(version=draft).order_by("section__position", "position").values_list(*shape)
    ) == list(
        Criterion.objects.filter(version=card.version)
        .order_by("section__position", "position")
        .values_list(*shape)
    )
    assert not set(draft.criteria.values_list("pk", flat=True)) & {c.pk for c in card.criteria}
    card.scorecard.refresh_from_db()
    assert card.scorecard.current_version == card.version


def test_start_draft_twice_returns_the_same_draft(card, manager):
    first = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    second = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    assert first == second
    assert card.scorecard.versions.count() == 2


def test_start_draft_is_for_qa_managers_only(card, evaluator):
    with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
        services.scorecard_start_draft(by=evaluator, scorecard=card.scorecard)
    assert card.scorecard.versions.count() == 1


def test_publishing_a_draft_makes_it_current_and_leaves_the_old_version_unchanged(card, manager):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    greet_copy = draft.criteria.get(text="Greets the customer")
    services.criterion_update(
        by=manager, criterion=greet_copy, data=CriterionInput("Greets by name", 4, kind=CriterionKind.SCALE)
    )
    services.version_set_pass_mark(by=manager, version=draft, pass_mark="90")
    services.version_publish(by=manager, version=draft)

    card.scorecard.refresh_from_db()
    draft.refresh_from_db()
    assert card.scorecard.current_version == draft
    assert (draft.status, draft.pass_mark, draft.published_by) == (
        VersionStatus.PUBLISHED,
        Decimal("90.00"),
        manager,
    )
    card.version.refresh_from_db()
    card.greet.refresh_from_db()
    assert (card.version.status, card.version.pass_mark) == (VersionStatus.PUBLISHED, Decimal("85.00"))
    assert (card.greet.text, card.greet.max_points, card.greet.kind) == ("Greets the customer", 2, "yes_no")


def test_publishing_an_empty_draft_is_refused(card, manager):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    for section in list(draft.sections.all()):
        services.section_delete(by=manager, section=section)
    with pytest.raises(
        ValidationFailed,
        match=r"^Every section needs at least one criterion, and a scorecard at least one section\.$",
    ):
        services.version_publish(by=manager, version=draft)
    draft.refresh_from_db()
    card.scorecard.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert card.scorecard.current_version == card.version


def test_publishing_a_draft_with_an_empty_section_is_refused(card, manager):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    services.section_add(by=manager, version=draft, title="Compliance")
    with pytest.raises(ValidationFailed, match=r"^Every section needs at least one criterion"):
        services.version_publish(by=manager, version=draft)


def test_draft_edits_add_sections_and_criteria_at_the_end(card, manager):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    section = services.section_add(by=manager, version=draft, title="  Compliance ")
    criterion = services.criterion_add(
        by=manager, section=section, data=CriterionInput("Reads the disclaimer", 1)
    )
    assert (section.title, section.position) == ("Compliance", 2)
    assert (criterion.version, criterion.position) == (draft, 1)
    assert list(draft.sections.values_list("title", flat=True)) == ["Opening", "Resolution", "Compliance"]


def test_item_move_swaps_a_criterion_with_its_neighbour(card, manager):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    verify = draft.criteria.get(text="Verifies identity")
    services.item_move(by=manager, item=verify, direction="up")
    assert list(verify.section.criteria.values_list("text", flat=True)) == [
        "Verifies identity",
        "Greets the customer",
    ]
    services.item_move(by=manager, item=verify, direction="up")  # already first: nothing happens
    assert list(verify.section.criteria.values_list("text", flat=True)) == [
        "Verifies identity",
        "Greets the customer",
    ]


def test_archived_scorecard_takes_no_new_evaluations_drafts_or_samples(card, manager, evaluator, call):
    services.scorecard_set_archived(by=manager, scorecard=card.scorecard, archived=True)
    with pytest.raises(ValidationFailed, match=r"^This scorecard is archived\.$"):
        submit(card, evaluator, call)
    with pytest.raises(ValidationFailed, match=r"^This scorecard is archived; restore it before editing\.$"):
        services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    with pytest.raises(ValidationFailed, match=r"^Choose a published version of an active scorecard\.$"):
        services.sample_draw(
            by=manager,
            version=card.version,
            period_start=date(2020, 1, 1),
            period_end=date(2030, 1, 1),
            per_agent=1,
            evaluator_ids=[evaluator.pk],
        )
    assert (Evaluation.objects.count(), SampleRun.objects.count(), card.scorecard.versions.count()) == (
        0,
        0,
        1,
    )

    services.scorecard_set_archived(by=manager, scorecard=card.scorecard, archived=False)
    assert submit(card, evaluator, call).status == EvaluationStatus.SUBMITTED


def test_archiving_is_for_qa_managers_only(card, evaluator):
    with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
        services.scorecard_set_archived(by=evaluator, scorecard=card.scorecard, archived=True)
    card.scorecard.refresh_from_db()
    assert card.scorecard.archived_at is None


# --- Calls ---------------------------------------------------------------------------


def call_input(agent, external_id="T-1", **kwargs) -> CallInput:
    return CallInput(
        external_id=external_id,
        agent_id=agent.pk,
        started_at=kwargs.pop("started_at", timezone.now() - timedelta(hours=1)),
        duration_seconds=kwargs.pop("duration_seconds", 300),
        **kwargs,
    )


def test_calls_create_stores_every_call(evaluator, agent):
    started = timezone.now() - timedelta(days=1)
    calls = services.calls_create(
        by=evaluator,
        calls=[
            call_input(agent, "T-1", started_at=started, queue="billing", customer_phone="13912345678"),
            call_input(agent, "T-2", direction="outbound", recording_url="https://rec.example.test/2.wav"),
        ],
    )
    assert [c.external_id for c in calls] == ["T-1", "T-2"]
    stored = Call.objects.get(external_id="T-1")
    assert (
        stored.agent,
        stored.started_at,
        stored.queue,
        stored.customer_phone,
        stored.duration_seconds,
    ) == (
        agent,
        started,
        "billing",
        "13912345678",
        300,
    )
    assert Call.objects.get(external_id="T-2").direction == "outbound"


@pytest.mark.parametrize("role", [Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, "no_role"])
def test_calls_create_is_for_qa_staff_only(personas, agent, role):
    with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
        services.calls_create(by=personas[role], calls=[call_input(agent)])
    assert Call.objects.count() == 0


def test_calls_create_refuses_a_call_of_someone_who_is_not_an_agent_and_writes_none(
    evaluator, agent, personas
):
    expert = personas[Role.EXPERT]
    with pytest.raises(ValidationFailed, match=rf"^User {expert.pk} is not an agent\.$") as info:
        services.calls_create(by=evaluator, calls=[call_input(agent, "T-1"), call_input(expert, "T-2")])
    assert list(info.value.fields) == ["agent"]
    assert Call.objects.count() == 0


def test_calls_create_refuses_an_existing_external_id_and_writes_none(evaluator, agent):
    CallFactory(external_id="T-2", agent=agent)
    with pytest.raises(ValidationFailed, match=r"^A call with external id “T-2” already exists\.$") as info:
        services.calls_create(by=evaluator, calls=[call_input(agent, "T-1"), call_input(agent, "T-2")])
    assert list(info.value.fields) == ["external_id"]
    assert list(Call.objects.values_list("external_id", flat=True)) == ["T-2"]


def test_calls_create_refuses_an_external_id_repeated_in_the_batch(evaluator, agent):
    with pytest.raises(ValidationFailed, match=r"^A call with external id “T-1” already exists\.$"):
        services.calls_create(
            by=evaluator, calls=[call_input(agent, "T-1"), call_input(agent, "T-3"), call_input(agent, "T-1")]
        )
    assert Call.objects.count() == 0


# --- Evaluations ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AGENT, Role.EXPERT, Role.ADMIN, "no_role"])
def test_evaluating_needs_a_qa_role(personas, card, call, role):
    with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
        submit(card, personas[role], call)
    assert Evaluation.objects.count() == 0


def test_call_outside_the_evaluators_teams_is_not_found(card, evaluator, personas):
    other_call = CallFactory(agent=personas["other_agent"])
    with pytest.raises(NotFound, match=r"^This call does not exist or is not yours to evaluate\.$"):
        submit(card, evaluator, other_call)
    assert Evaluation.objects.count() == 0


def test_evaluator_may_score_a_call_of_another_team_that_waits_in_their_queue(
    card, manager, evaluator, personas
):
    other_call = CallFactory(agent=personas["other_agent"], started_at=timezone.now() - timedelta(hours=1))
    today = timezone.localdate()
    services.sample_draw(
        by=manager,
        version=card.version,
        period_start=today - timedelta(days=1),
        period_end=today,
        per_agent=1,
        evaluator_ids=[evaluator.pk],
        seed=1,
    )
    assert submit(card, evaluator, other_call).agent == personas["other_agent"]


def test_qa_manager_may_evaluate_any_call(card, manager, personas):
    evaluation = submit(card, manager, CallFactory(agent=personas["other_agent"]))
    assert (evaluation.evaluator, evaluation.status) == (manager, EvaluationStatus.SUBMITTED)


def test_unpublished_version_cannot_be_used(card, manager, evaluator, call):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    answers = [AnswerInput(c.pk, points=c.max_points) for c in draft.criteria.all()]
    with pytest.raises(ValidationFailed, match=r"^Only published scorecard versions can be used\.$") as info:
        services.evaluation_save(by=evaluator, call=call, version=draft, answers=answers, submit=True)
    assert list(info.value.fields) == ["scorecard_version"]
    assert Evaluation.objects.count() == 0


def test_submitted_evaluation_is_scored_and_recorded(card, evaluator, call):
    with time_machine.travel(
        datetime(2025, 3, 10, 9, 30, tzinfo=timezone.get_current_timezone()), tick=False
    ):
        evaluation = submit(card, evaluator, call)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.score, evaluation.passed, evaluation.critical_failed) == (
        EvaluationStatus.SUBMITTED,
        Decimal("89.47"),
        True,
        False,
    )
    assert evaluation.submitted_at == datetime(2025, 3, 10, 9, 30, tzinfo=timezone.get_current_timezone())
    assert (evaluation.agent, evaluation.evaluator, evaluation.scorecard_version) == (
        call.agent,
        evaluator,
        card.version,
    )
    assert list(evaluation.events.values_list("action", "from_status", "to_status", "actor")) == [
        ("created", "", "submitted", evaluator.pk),
        ("submitted", "draft", "submitted", evaluator.pk),
    ]


def test_submitted_critical_failure_scores_zero_and_fails(card, evaluator, call):
    evaluation = submit(card, evaluator, call, verify=0)
    assert (evaluation.score, evaluation.passed, evaluation.critical_failed) == (Decimal("0.00"), False, True)


def test_submitted_score_below_pass_mark_fails(card, evaluator, call):
    evaluation = submit(card, evaluator, call, resolve=5)  # 14 / 19
    assert (evaluation.score, evaluation.passed) == (Decimal("73.68"), False)


def test_second_evaluation_of_the_same_call_and_version_is_refused_and_nothing_is_written(
    card, evaluator, manager, call
):
    first = submit(card, evaluator, call)
    answers_before, events_before = Answer.objects.count(), EvaluationEvent.objects.count()
    for who in (evaluator, manager):
        with pytest.raises(
            ValidationFailed, match=r"^This call already has an evaluation with this scorecard version\.$"
        ) as info:
            submit(card, who, call, resolve=2)
        assert list(info.value.fields) == ["call"]
    assert list(Evaluation.objects.values_list("pk", flat=True)) == [first.pk]
    assert (Answer.objects.count(), EvaluationEvent.objects.count()) == (answers_before, events_before)


def test_same_call_may_be_evaluated_again_with_a_new_version(card, manager, evaluator, call):
    submit(card, evaluator, call)
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    version_2 = services.version_publish(by=manager, version=draft)
    answers = [AnswerInput(c.pk, points=c.max_points) for c in version_2.criteria.all()]
    second = services.evaluation_save(
        by=evaluator, call=call, version=version_2, answers=answers, submit=True
    )
    assert second.score == Decimal("100.00")
    assert call.evaluations.count() == 2


def test_draft_with_partial_answers_is_saved_with_a_live_score(card, evaluator, call):
    evaluation = services.evaluation_save(
        by=evaluator,
        call=call,
        version=card.version,
        answers=card.answers(verify=None, offer_help=None, resolve=5),
    )
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.score, evaluation.passed, evaluation.submitted_at) == (
        EvaluationStatus.DRAFT,
        Decimal("58.33"),  # 7 of 12
        False,
        None,
    )
    assert evaluation.answers.count() == 2
    assert list(evaluation.events.values_list("action", flat=True)) == ["created"]


@pytest.mark.parametrize(
    "points",
    [
        {"greet": None, "verify": None, "resolve": None, "offer_help": None},
        {"greet": None, "verify": None, "resolve": None, "offer_help": "na"},
    ],
    ids=["no answers", "only na"],
)
def test_draft_with_nothing_scorable_has_no_score(card, evaluator, call, points):
    evaluation = services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(**points)
    )
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.score, evaluation.passed, evaluation.critical_failed) == (
        EvaluationStatus.DRAFT,
        None,
        None,
        False,
    )


def test_draft_with_a_critical_zero_already_shows_the_auto_fail(card, evaluator, call):
    evaluation = services.evaluation_save(
        by=evaluator,
        call=call,
        version=card.version,
        answers=card.answers(greet=None, resolve=None, verify=0),
    )
    assert (evaluation.score, evaluation.passed, evaluation.critical_failed) == (Decimal("0.00"), False, True)


def test_submit_needs_every_answer_and_writes_nothing(card, evaluator, call):
    with pytest.raises(
        ValidationFailed,
        match=r"^Every criterion needs an answer before submitting; “Explains the solution” has none\.$",
    ) as info:
        submit(card, evaluator, call, resolve=None)
    assert list(info.value.fields) == ["answers"]
    assert (Evaluation.objects.count(), Answer.objects.count(), EvaluationEvent.objects.count()) == (0, 0, 0)


def test_submit_with_every_answer_na_is_refused(manager, evaluator, call):
    card = typical_scorecard(created_by=manager, name="All optional")
    Criterion.objects.filter(version=card.version).update(allow_na=True)
    with pytest.raises(ValidationFailed, match=r"^Every criterion is N/A: there is nothing to score\.$"):
        submit(card, evaluator, call, greet="na", verify="na", resolve="na", offer_help="na")
    assert Evaluation.objects.count() == 0


def bad_answers(card, other_card):
    return {
        "yes/no half points": (
            [AnswerInput(card.greet.pk, points=1)],
            r"^“Greets the customer” is yes/no: give 0 or its maximum points\.$",
        ),
        "scale above max": (
            [AnswerInput(card.resolve.pk, points=11)],
            r"^Points for “Explains the solution” are outside 0 to its maximum\.$",
        ),
        "scale below zero": (
            [AnswerInput(card.resolve.pk, points=-1)],
            r"^Points for “Explains the solution” are outside 0 to its maximum\.$",
        ),
        "na not allowed": (
            [AnswerInput(card.verify.pk, na=True)],
            r"^N/A is not allowed for “Verifies identity”\.$",
        ),
        "bool points": (
            [AnswerInput(card.resolve.pk, points=True)],
            r"^Points for “Explains the solution” must be a whole number\.$",
        ),
        "other version": (
            [AnswerInput(other_card.greet.pk, points=2)],
            rf"^Criterion {other_card.greet.pk} is not part of this scorecard version\.$",
        ),
        "answered twice": (
            [AnswerInput(card.greet.pk, points=2), AnswerInput(card.greet.pk, points=0)],
            r"^A criterion was answered twice\.$",
        ),
        "points and na": (
            [AnswerInput(card.offer_help.pk, points=4, na=True)],
            r"^An answer is either points or N/A, not both\.$",
        ),
        "neither points nor na": (
            [AnswerInput(card.offer_help.pk)],
            r"^Each answer needs points or N/A\.$",
        ),
    }


BAD_ANSWER_CASES = [
    "yes/no half points",
    "scale above max",
    "scale below zero",
    "na not allowed",
    "bool points",
    "other version",
    "answered twice",
    "points and na",
    "neither points nor na",
]


@pytest.mark.parametrize("submit_now", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("case", BAD_ANSWER_CASES)
def test_bad_answer_is_refused_and_nothing_is_written(card, manager, evaluator, call, case, submit_now):
    other_card = typical_scorecard(created_by=manager, name="Other")
    bad, message = bad_answers(card, other_card)[case]
    good = [a for a in card.answers() if a.criterion_id not in {b.criterion_id for b in bad}]
    with pytest.raises(ValidationFailed, match=message) as info:
        services.evaluation_save(
            by=evaluator, call=call, version=card.version, answers=good + bad, submit=submit_now
        )
    assert list(info.value.fields) == ["answers"]
    assert (Evaluation.objects.count(), Answer.objects.count(), EvaluationEvent.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("submit_now", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("case", BAD_ANSWER_CASES)
def test_bad_answer_leaves_an_existing_draft_unchanged(card, manager, evaluator, call, case, submit_now):
    draft = services.evaluation_save(
        by=evaluator,
        call=call,
        version=card.version,
        answers=card.answers(resolve=None),
        comment="first look",
    )
    before = state_of(draft)
    other_card = typical_scorecard(created_by=manager, name="Other")
    bad, message = bad_answers(card, other_card)[case]
    good = [a for a in card.answers() if a.criterion_id not in {b.criterion_id for b in bad}]
    with pytest.raises(ValidationFailed, match=message):
        services.evaluation_save(
            by=evaluator,
            call=call,
            version=card.version,
            answers=good + bad,
            submit=submit_now,
            evaluation=draft,
        )
    assert state_of(draft) == before
    assert draft.comment == "first look"


def test_evaluator_edits_and_then_submits_their_draft(card, evaluator, call):
    draft = services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(resolve=None)
    )
    services.evaluation_save(
        by=evaluator,
        call=call,
        version=card.version,
        answers=card.answers(resolve=10, offer_help="na"),
        comment=" Good call ",
        evaluation=draft,
    )
    draft.refresh_from_db()
    assert (draft.status, draft.score, draft.comment) == (
        EvaluationStatus.DRAFT,
        Decimal("100.00"),
        "Good call",
    )
    submitted = services.evaluation_submit(by=evaluator, evaluation=draft)
    assert (submitted.status, submitted.score, submitted.passed) == (
        EvaluationStatus.SUBMITTED,
        Decimal("100.00"),
        True,
    )
    assert sorted(submitted.answers.values_list("criterion_id", "points", "is_na")) == sorted(
        [
            (card.greet.pk, 2, False),
            (card.verify.pk, 3, False),
            (card.resolve.pk, 10, False),
            (card.offer_help.pk, None, True),
        ]
    )
    assert list(submitted.events.values_list("action", "from_status", "to_status")) == [
        ("created", "", "draft"),
        ("submitted", "draft", "submitted"),
    ]


def test_submitting_an_incomplete_draft_as_it_stands_is_refused(card, evaluator, call):
    draft = services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(greet=None)
    )
    with pytest.raises(ValidationFailed, match=r"“Greets the customer” has none\.$"):
        services.evaluation_submit(by=evaluator, evaluation=draft)
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT


def test_only_the_evaluator_who_started_a_draft_may_change_it(card, evaluator, manager, call, team):
    colleague = UserFactory(roles=[Role.QA_EVALUATOR])
    team.evaluators.add(colleague)
    draft = services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(resolve=None)
    )
    before = state_of(draft)
    for other in (colleague, manager):
        with pytest.raises(
            PermissionDenied, match=r"^Only the evaluator who started this evaluation can change it\.$"
        ):
            services.evaluation_save(
                by=other,
                call=call,
                version=card.version,
                answers=card.answers(),
                submit=True,
                evaluation=draft,
            )
    assert state_of(draft) == before


def test_submitted_evaluation_cannot_be_edited(card, evaluator, call):
    evaluation = submit(card, evaluator, call)
    before = state_of(evaluation)
    for submit_again in (False, True):
        with pytest.raises(
            Conflict, match=r"^This evaluation is already submitted and can no longer be edited\.$"
        ):
            services.evaluation_save(
                by=evaluator,
                call=call,
                version=card.version,
                answers=card.answers(resolve=0),
                submit=submit_again,
                evaluation=evaluation,
            )
    assert state_of(evaluation) == before


def test_submitting_marks_the_queue_assignment_done_and_a_draft_does_not(card, manager, evaluator, call):
    today = timezone.localdate()
    services.sample_draw(
        by=manager,
        version=card.version,
        period_start=today - timedelta(days=1),
        period_end=today,
        per_agent=1,
        evaluator_ids=[evaluator.pk],
        seed=3,
    )
    assignment = Assignment.objects.get(call=call)
    draft = services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(resolve=None)
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(), submit=True, evaluation=draft
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    assert services.assignment_for(call, evaluator) is None


def answer_inserts(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "scorecards_answer"')]


def test_answers_are_written_in_one_insert(card, evaluator, call):
    with CaptureQueriesContext(connection) as created:
        draft = services.evaluation_save(
            by=evaluator, call=call, version=card.version, answers=card.answers()
        )
    assert len(answer_inserts(created.captured_queries)) == 1
    with CaptureQueriesContext(connection) as submitted:
        services.evaluation_submit(by=evaluator, evaluation=draft)
    assert len(answer_inserts(submitted.captured_queries)) == 1
    assert draft.answers.count() == 4


# --- Acknowledge ---------------------------------------------------------------------


def test_agent_acknowledges_their_submitted_evaluation(card, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    acknowledged = services.evaluation_acknowledge(by=agent, evaluation=evaluation)
    assert acknowledged.status == EvaluationStatus.ACKNOWLEDGED
    assert acknowledged.acknowledged_at is not None
    assert list(evaluation.events.values_list("action", "from_status", "to_status", "actor").order_by("id"))[
        -1
    ] == (
        "acknowledged",
        "submitted",
        "acknowledged",
        agent.pk,
    )


@pytest.mark.parametrize("who", ["other_agent", Role.QA_EVALUATOR, Role.QA_MANAGER])
def test_only_the_agent_of_the_evaluation_may_acknowledge_it(card, evaluator, call, personas, who):
    evaluation = submit(card, evaluator, call)
    with pytest.raises(NotFound, match=r"^This evaluation does not exist or is not yours\.$"):
        services.evaluation_acknowledge(by=personas[who], evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED


def test_agent_cannot_acknowledge_a_draft_it_is_not_found(card, evaluator, agent, call):
    draft = services.evaluation_save(by=evaluator, call=call, version=card.version, answers=card.answers())
    with pytest.raises(NotFound, match=r"^This evaluation does not exist or is not yours\.$"):
        services.evaluation_acknowledge(by=agent, evaluation=draft)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (EvaluationStatus.SUBMITTED, True),
        (EvaluationStatus.DISPUTE_UPHELD, True),
        (EvaluationStatus.DISPUTE_REJECTED, True),
        (EvaluationStatus.DISPUTED, False),
        (EvaluationStatus.ACKNOWLEDGED, False),
    ],
)
def test_acknowledge_is_allowed_only_from_submitted_or_a_resolved_dispute(
    card, evaluator, agent, call, status, allowed
):
    evaluation = submit(card, evaluator, call)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    if allowed:
        assert (
            services.evaluation_acknowledge(by=agent, evaluation=evaluation).status
            == EvaluationStatus.ACKNOWLEDGED
        )
    else:
        with pytest.raises(
            Conflict, match=r"^This evaluation cannot be acknowledged in its current state\.$"
        ):
            services.evaluation_acknowledge(by=agent, evaluation=evaluation)
        evaluation.refresh_from_db()
        assert evaluation.status == status


# --- Disputes ------------------------------------------------------------------------


def test_agent_disputes_the_whole_evaluation(card, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    dispute = services.dispute_open(by=agent, evaluation=evaluation, reason="  I did verify the caller.  ")
    evaluation.refresh_from_db()
    assert (dispute.status, dispute.reason, dispute.raised_by) == (
        DisputeStatus.OPEN,
        "I did verify the caller.",
        agent,
    )
    assert list(dispute.criteria.all()) == []
    assert evaluation.status == EvaluationStatus.DISPUTED
    assert list(evaluation.events.order_by("id").values_list("action", "from_status", "to_status", "note"))[
        -1
    ] == (
        "disputed",
        "submitted",
        "disputed",
        "I did verify the caller.",
    )


def test_agent_disputes_specific_criteria(card, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    dispute = services.dispute_open(
        by=agent,
        evaluation=evaluation,
        reason="Resolved fully",
        criterion_ids=[card.resolve.pk, card.greet.pk, card.resolve.pk],
    )
    assert set(dispute.criteria.values_list("pk", flat=True)) == {card.resolve.pk, card.greet.pk}


@pytest.mark.parametrize("who", ["other_agent", Role.QA_EVALUATOR, Role.QA_MANAGER])
def test_only_the_agent_of_the_evaluation_may_dispute_it(card, evaluator, call, personas, who):
    evaluation = submit(card, evaluator, call)
    with pytest.raises(NotFound, match=r"^This evaluation does not exist or is not yours\.$"):
        services.dispute_open(by=personas[who], evaluation=evaluation, reason="Unfair")
    assert Dispute.objects.count() == 0


def test_dispute_needs_a_reason(card, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    with pytest.raises(ValidationFailed, match=r"^Please give a reason for the dispute\.$") as info:
        services.dispute_open(by=agent, evaluation=evaluation, reason="   ")
    assert list(info.value.fields) == ["reason"]
    assert Dispute.objects.count() == 0


def test_dispute_is_allowed_up_to_exactly_seven_days_after_submission(card, evaluator, agent, call, settings):
    assert settings.QA_DISPUTE_WINDOW_DAYS == 7
    evaluation = submit(card, evaluator, call)
    with time_machine.travel(evaluation.submitted_at + timedelta(days=7), tick=False):
        dispute = services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")
    assert dispute.status == DisputeStatus.OPEN


def test_dispute_after_the_window_is_refused(card, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    with (
        time_machine.travel(evaluation.submitted_at + timedelta(days=7, seconds=1), tick=False),
        pytest.raises(ValidationFailed, match=r"^The dispute window of 7 days has passed\.$"),
    ):
        services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")
    evaluation.refresh_from_db()
    assert (evaluation.status, Dispute.objects.count()) == (EvaluationStatus.SUBMITTED, 0)


def test_dispute_window_follows_the_setting(card, evaluator, agent, call, settings):
    settings.QA_DISPUTE_WINDOW_DAYS = 2
    evaluation = submit(card, evaluator, call)
    with (
        time_machine.travel(evaluation.submitted_at + timedelta(days=2, minutes=1), tick=False),
        pytest.raises(ValidationFailed, match=r"^The dispute window of 2 days has passed\.$"),
    ):
        services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")


def test_only_one_open_dispute_per_evaluation(card, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")
    with pytest.raises(Conflict, match=r"^This evaluation already has an open dispute\.$"):
        services.dispute_open(by=agent, evaluation=evaluation, reason="Still unfair")
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize(
    "status",
    [EvaluationStatus.ACKNOWLEDGED, EvaluationStatus.DISPUTE_UPHELD, EvaluationStatus.DISPUTE_REJECTED],
)
def test_acknowledged_or_already_arbitrated_evaluation_cannot_be_disputed(
    card, evaluator, agent, call, status
):
    evaluation = submit(card, evaluator, call)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    with pytest.raises(
        Conflict, match=r"^Only a submitted evaluation that you have not acknowledged can be disputed\.$"
    ):
        services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")
    assert Dispute.objects.count() == 0


def test_dispute_of_criteria_of_another_version_is_refused(card, manager, evaluator, agent, call):
    evaluation = submit(card, evaluator, call)
    other = typical_scorecard(created_by=manager, name="Other")
    with pytest.raises(
        ValidationFailed, match=r"^You can only dispute criteria of this evaluation\.$"
    ) as info:
        services.dispute_open(
            by=agent, evaluation=evaluation, reason="Unfair", criterion_ids=[card.greet.pk, other.greet.pk]
        )
    assert list(info.value.fields) == ["criteria"]
    evaluation.refresh_from_db()
    assert (evaluation.status, Dispute.objects.count()) == (EvaluationStatus.SUBMITTED, 0)


@pytest.fixture
def second_manager():
    return UserFactory(username="manager_two", roles=[Role.QA_MANAGER])


@pytest.fixture
def disputed(card, evaluator, agent, call):
    """A submitted evaluation at 73.68 (resolve 5 of 10, not passed), disputed by its agent."""
    evaluation = submit(card, evaluator, call, resolve=5)
    return services.dispute_open(by=agent, evaluation=evaluation, reason="I solved it fully.")


def test_dispute_upheld_rescores_and_keeps_the_previous_answers_and_score(card, disputed, manager):
    services.dispute_resolve(
        by=manager,
        dispute=disputed,
        outcome="upheld",
        note="The recording shows a full solution.",
        answers=[AnswerInput(card.resolve.pk, points=9, comment="Corrected")],
    )
    disputed.refresh_from_db()
    evaluation = disputed.evaluation
    evaluation.refresh_from_db()
    assert (disputed.status, disputed.resolved_by, disputed.resolution_note) == (
        DisputeStatus.UPHELD,
        manager,
        "The recording shows a full solution.",
    )
    assert disputed.resolved_at is not None
    assert (evaluation.status, evaluation.score, evaluation.passed) == (
        EvaluationStatus.DISPUTE_UPHELD,
        Decimal("94.74"),  # 18 of 19
        True,
    )
    assert evaluation.answers.get(criterion=card.resolve).points == 9
    assert evaluation.answers.get(criterion=card.resolve).comment == "Corrected"
    assert evaluation.answers.get(criterion=card.greet).points == 2
    event = evaluation.events.order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.actor, event.note) == (
        "dispute_upheld",
        "disputed",
        "dispute_upheld",
        manager,
        "The recording shows a full solution.",
    )
    assert event.previous["score"] == "73.68"
    assert (event.previous["passed"], event.previous["critical_failed"]) == (False, False)
    assert sorted(event.previous["answers"], key=lambda a: a["criterion"]) == sorted(
        [
            {"criterion": card.greet.pk, "points": 2, "na": False, "comment": ""},
            {"criterion": card.verify.pk, "points": 3, "na": False, "comment": ""},
            {"criterion": card.resolve.pk, "points": 5, "na": False, "comment": ""},
            {"criterion": card.offer_help.pk, "points": 4, "na": False, "comment": ""},
        ],
        key=lambda a: a["criterion"],
    )


def test_dispute_upheld_can_lift_a_critical_failure(card, evaluator, agent, personas, manager):
    call = CallFactory(agent=agent)
    evaluation = submit(card, evaluator, call, verify=0)
    dispute = services.dispute_open(by=agent, evaluation=evaluation, reason="I verified by SMS.")
    services.dispute_resolve(
        by=manager,
        dispute=dispute,
        outcome="upheld",
        note="Verified.",
        answers=[AnswerInput(card.verify.pk, points=3)],
    )
    evaluation.refresh_from_db()
    assert (evaluation.score, evaluation.passed, evaluation.critical_failed) == (
        Decimal("89.47"),
        True,
        False,
    )
    previous = evaluation.events.get(action="dispute_upheld").previous
    assert (previous["score"], previous["passed"], previous["critical_failed"]) == ("0.00", False, True)


def test_dispute_rejected_needs_a_note_and_keeps_the_score(disputed, manager):
    with pytest.raises(ValidationFailed, match=r"^Please explain the decision\.$") as info:
        services.dispute_resolve(by=manager, dispute=disputed, outcome="rejected", note="  ")
    assert list(info.value.fields) == ["note"]
    services.dispute_resolve(by=manager, dispute=disputed, outcome="rejected", note="The score stands.")
    disputed.refresh_from_db()
    evaluation = disputed.evaluation
    evaluation.refresh_from_db()
    assert (disputed.status, disputed.resolution_note) == (DisputeStatus.REJECTED, "The score stands.")
    assert (evaluation.status, evaluation.score) == (EvaluationStatus.DISPUTE_REJECTED, Decimal("73.68"))
    event = evaluation.events.order_by("id").last()
    assert (event.action, event.note, event.previous) == ("dispute_rejected", "The score stands.", None)


def test_dispute_is_resolved_by_qa_managers_only(disputed, evaluator, personas):
    for who in (evaluator, personas[Role.AGENT], personas[Role.ADMIN]):
        with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
            services.dispute_resolve(by=who, dispute=disputed, outcome="rejected", note="No")
    disputed.refresh_from_db()
    assert disputed.status == DisputeStatus.OPEN


def test_evaluator_who_is_a_qa_manager_cannot_arbitrate_their_own_evaluation(
    card, manager, second_manager, agent, call
):
    evaluation = submit(card, manager, call, resolve=5)
    dispute = services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")
    with pytest.raises(
        PermissionDenied,
        match=r"^You scored this evaluation; another QA manager must arbitrate the dispute\.$",
    ):
        services.dispute_resolve(by=manager, dispute=dispute, outcome="rejected", note="Fine as is")
    services.dispute_resolve(by=second_manager, dispute=dispute, outcome="rejected", note="Fine as is")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_by) == (DisputeStatus.REJECTED, second_manager)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ("none", r"^Upholding a dispute needs at least one corrected answer\.$"),
        ("same", r"^The corrected answers are the same as before\.$"),
        ("other version", r"^Criterion \d+ is not part of this scorecard version\.$"),
        ("bad points", r"^Points for “Explains the solution” are outside 0 to its maximum\.$"),
        ("na not allowed", r"^N/A is not allowed for “Explains the solution”\.$"),
    ],
)
def test_dispute_upheld_needs_a_valid_changed_answer(card, manager, disputed, answers, message):
    other = typical_scorecard(created_by=manager, name="Other")
    answers = {
        "none": [],
        "same": [AnswerInput(card.resolve.pk, points=5, comment="Looked again")],
        "other version": [AnswerInput(other.resolve.pk, points=9)],
        "bad points": [AnswerInput(card.resolve.pk, points=12)],
        "na not allowed": [AnswerInput(card.resolve.pk, na=True)],
    }[answers]
    evaluation = disputed.evaluation
    before = state_of(evaluation)
    with pytest.raises(ValidationFailed, match=message) as info:
        services.dispute_resolve(
            by=manager, dispute=disputed, outcome="upheld", note="Re-scored", answers=answers
        )
    assert list(info.value.fields) == ["answers"]
    assert state_of(evaluation) == before
    disputed.refresh_from_db()
    assert disputed.status == DisputeStatus.OPEN


def test_dispute_outcome_must_be_upheld_or_rejected(disputed, manager):
    with pytest.raises(ValidationFailed, match=r"^The outcome must be “upheld” or “rejected”\.$"):
        services.dispute_resolve(by=manager, dispute=disputed, outcome="open", note="Hmm")


def test_resolving_a_dispute_twice_is_a_conflict(card, disputed, manager, second_manager):
    services.dispute_resolve(by=manager, dispute=disputed, outcome="rejected", note="The score stands.")
    for outcome, answers in (("rejected", []), ("upheld", [AnswerInput(card.resolve.pk, points=9)])):
        with pytest.raises(Conflict, match=r"^This dispute has already been resolved\.$"):
            services.dispute_resolve(
                by=second_manager, dispute=disputed, outcome=outcome, note="Second look", answers=answers
            )
    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolved_by, disputed.resolution_note) == (
        DisputeStatus.REJECTED,
        manager,
        "The score stands.",
    )


# --- Sampling ------------------------------------------------------------------------

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def evaluators(evaluator):
    """Two QA evaluators, in id order."""
    return [evaluator, UserFactory(username="evaluator_two", roles=[Role.QA_EVALUATOR])]


@pytest.fixture
def march_calls(personas):
    """Agent: 10 calls in queue billing and 4 in queue sales; other agent: 6 in billing. All in March."""
    agent, other = personas[Role.AGENT], personas["other_agent"]
    calls = {
        "agent_billing": [CallFactory(agent=agent, queue="billing", started_at=at(d)) for d in range(1, 11)],
        "agent_sales": [CallFactory(agent=agent, queue="sales", started_at=at(d)) for d in range(11, 15)],
        "other_billing": [CallFactory(agent=other, queue="billing", started_at=at(d)) for d in range(1, 7)],
    }
    return calls


def draw(manager, card, evaluators, **kwargs) -> SampleRun:
    arguments = {
        "by": manager,
        "version": card.version,
        "period_start": MARCH[0],
        "period_end": MARCH[1],
        "per_agent": 3,
        "evaluator_ids": [e.pk for e in evaluators],
        "seed": 42,
        **kwargs,
    }
    return services.sample_draw(**arguments)


def drawn(run: SampleRun) -> list[tuple[int, int]]:
    return list(run.assignments.order_by("id").values_list("call_id", "evaluator_id"))


def test_sample_draws_k_calls_per_agent(manager, card, evaluators, march_calls, personas):
    run = draw(manager, card, evaluators, per_agent=3)
    per_agent = {}
    for assignment in run.assignments.select_related("call"):
        per_agent[assignment.call.agent_id] = per_agent.get(assignment.call.agent_id, 0) + 1
    assert per_agent == {personas[Role.AGENT].pk: 3, personas["other_agent"].pk: 3}
    assert (run.per_agent, run.seed, run.period_start, run.period_end) == (3, 42, *MARCH)
    assert set(run.assignments.values_list("status", flat=True)) == {AssignmentStatus.PENDING}


def test_sample_takes_every_call_of_an_agent_with_fewer_than_k(
    manager, card, evaluators, march_calls, personas
):
    run = draw(manager, card, evaluators, per_agent=8)
    other_ids = {c.pk for c in march_calls["other_billing"]}
    assert {call_id for call_id, _ in drawn(run)} & other_ids == other_ids
    assert run.assignments.count() == 8 + 6


def test_sample_per_queue_draws_k_per_agent_and_queue(manager, card, evaluators, march_calls):
    run = draw(manager, card, evaluators, per_agent=2, per_queue=True)
    counts = {}
    for assignment in run.assignments.select_related("call"):
        key = (assignment.call.agent_id, assignment.call.queue)
        counts[key] = counts.get(key, 0) + 1
    agent_id = march_calls["agent_billing"][0].agent_id
    other_id = march_calls["other_billing"][0].agent_id
    assert counts == {(agent_id, "billing"): 2, (agent_id, "sales"): 2, (other_id, "billing"): 2}
    assert run.per_queue is True


def test_same_seed_on_the_same_data_draws_the_same_sample(manager, card, evaluators, march_calls):
    first = drawn(draw(manager, card, evaluators, seed=2024))
    SampleRun.objects.all().delete()
    second = drawn(draw(manager, card, evaluators, seed=2024))
    assert second == first


def test_different_seed_draws_a_different_sample(manager, card, evaluators, march_calls):
    first = {call_id for call_id, _ in drawn(draw(manager, card, evaluators, seed=1))}
    SampleRun.objects.all().delete()
    second = {call_id for call_id, _ in drawn(draw(manager, card, evaluators, seed=2))}
    assert len(first) == len(second) == 6
    assert first != second


def test_sample_without_seed_records_the_seed_it_used(manager, card, evaluators, march_calls):
    run = draw(manager, card, evaluators, seed=None)
    assert 1 <= run.seed < 2**31
    replay_calls = [call_id for call_id, _ in drawn(run)]
    SampleRun.objects.all().delete()
    assert [call_id for call_id, _ in drawn(draw(manager, card, evaluators, seed=run.seed))] == replay_calls


def test_sample_excludes_evaluated_calls(manager, card, evaluators, march_calls):
    agent_calls = march_calls["agent_billing"] + march_calls["agent_sales"]
    for call in agent_calls[:12]:
        submit(card, manager, call)
    run = draw(manager, card, evaluators, per_agent=5)
    drawn_ids = {call_id for call_id, _ in drawn(run)}
    assert drawn_ids & {c.pk for c in agent_calls} == {c.pk for c in agent_calls[12:]}


def test_sample_excludes_calls_already_pending_in_a_queue(manager, card, evaluators, march_calls):
    first = {call_id for call_id, _ in drawn(draw(manager, card, evaluators, per_agent=4, seed=1))}
    second = {call_id for call_id, _ in drawn(draw(manager, card, evaluators, per_agent=4, seed=1))}
    assert len(first) == 8
    assert not first & second
    assert len(second) == 4 + 2  # the other agent had only 6 calls, 4 of them already queued


def test_sample_deals_calls_round_robin_to_evaluators_in_id_order(manager, card, evaluators, march_calls):
    run = draw(manager, card, list(reversed(evaluators)), per_agent=3)
    assert [evaluator_id for _, evaluator_id in drawn(run)] == [e.pk for e in evaluators] * 3


def test_sample_period_includes_the_whole_last_day_in_local_time(manager, card, evaluators, personas):
    agent = personas[Role.AGENT]
    inside = [
        CallFactory(agent=agent, started_at=at(1, hour=0)),
        CallFactory(
            agent=agent, started_at=datetime(2025, 3, 31, 23, 59, 59, tzinfo=timezone.get_current_timezone())
        ),
    ]
    CallFactory(agent=agent, started_at=at(1, hour=0, month=4))
    CallFactory(
        agent=agent, started_at=datetime(2025, 2, 28, 23, 59, 59, tzinfo=timezone.get_current_timezone())
    )
    run = draw(manager, card, evaluators, per_agent=10)
    assert {call_id for call_id, _ in drawn(run)} == {c.pk for c in inside}


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        (
            {"period_start": date(2025, 3, 2), "period_end": date(2025, 3, 1)},
            r"^The period ends before it starts\.$",
            "period_end",
        ),
        ({"per_agent": 0}, r"^Calls per agent must be between 1 and 100\.$", "per_agent"),
        ({"per_agent": 101}, r"^Calls per agent must be between 1 and 100\.$", "per_agent"),
        ({"evaluator_ids": []}, r"^Choose one or more QA evaluators\.$", "evaluators"),
        ({"evaluator_ids": "manager"}, r"^Choose one or more QA evaluators\.$", "evaluators"),
        ({"evaluator_ids": "agent"}, r"^Choose one or more QA evaluators\.$", "evaluators"),
        ({"evaluator_ids": "missing"}, r"^Choose one or more QA evaluators\.$", "evaluators"),
        (
            {"period_start": date(2025, 5, 1), "period_end": date(2025, 5, 31)},
            r"^No calls left to sample in this period\.$",
            "period_start",
        ),
    ],
)
def test_sample_refuses_bad_input_and_writes_nothing(
    manager, card, evaluators, march_calls, personas, kwargs, message, field
):
    extra = {
        "manager": [evaluators[0].pk, manager.pk],
        "agent": [personas[Role.AGENT].pk],
        "missing": [evaluators[0].pk, 999_999],
    }
    if isinstance(kwargs.get("evaluator_ids"), str):
        kwargs = {**kwargs, "evaluator_ids": extra[kwargs["evaluator_ids"]]}
    arguments = {
        "by": manager,
        "version": card.version,
        "period_start": MARCH[0],
        "period_end": MARCH[1],
        "per_agent": 3,
        "evaluator_ids": [e.pk for e in evaluators],
        "seed": 1,
        **kwargs,
    }
    with pytest.raises(ValidationFailed, match=message) as info:
        services.sample_draw(**arguments)
    assert list(info.value.fields) == [field]
    assert (SampleRun.objects.count(), Assignment.objects.count()) == (0, 0)


def test_sample_needs_a_published_version(manager, card, evaluators, march_calls):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    with pytest.raises(ValidationFailed, match=r"^Choose a published version of an active scorecard\.$"):
        draw(manager, card, evaluators, version=draft)
    assert SampleRun.objects.count() == 0


def test_sample_is_for_qa_managers_only(card, evaluators, march_calls):
    with pytest.raises(PermissionDenied, match=ROLE_REFUSED):
        draw(evaluators[0], card, evaluators)
    assert SampleRun.objects.count() == 0


def test_sample_with_no_calls_after_everything_is_queued_is_refused(manager, card, evaluators, march_calls):
    draw(manager, card, evaluators, per_agent=100)
    with pytest.raises(ValidationFailed, match=r"^No calls left to sample in this period\.$"):
        draw(manager, card, evaluators, per_agent=100)
    assert SampleRun.objects.count() == 1


def test_typical_scorecard_is_what_these_tests_assume(db):
    card = typical_scorecard()
    assert card.scorecard.current_version == card.version
    assert [(c.text, c.max_points, c.kind, c.critical, c.allow_na) for c in card.criteria] == [
        ("Greets the customer", 2, "yes_no", False, False),
        ("Verifies identity", 3, "yes_no", True, False),
        ("Explains the solution", 10, "scale", False, False),
        ("Offers further help", 4, "yes_no", False, True),
    ]
    assert ScorecardVersionFactory(status=VersionStatus.DRAFT).scorecard.current_version is None
