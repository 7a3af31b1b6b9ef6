"""factory_boy factories for QA data: scorecards with a published version, calls, evaluations.

``typical_scorecard()`` builds the scorecard most tests use: four criteria worth 19 points,
one of each interesting kind (plain yes/no, critical yes/no, scale, yes/no that allows N/A).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards.models import (
    Answer,
    Call,
    Criterion,
    CriterionKind,
    Dispute,
    Evaluation,
    EvaluationStatus,
    Scorecard,
    ScorecardVersion,
    Section,
    VersionStatus,
)
from apps.scorecards.services import AnswerInput
from tests.factories import UserFactory


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    name = factory.Sequence(lambda n: f"Scorecard {n:03d}")
    created_by = factory.SubFactory(UserFactory, roles=[Role.QA_MANAGER])


class ScorecardVersionFactory(factory.django.DjangoModelFactory):
    """A version, published by default; a published version becomes its scorecard's current one."""

    class Meta:
        model = ScorecardVersion
        skip_postgeneration_save = True

    scorecard = factory.SubFactory(ScorecardFactory)
    number = 1
    status = VersionStatus.PUBLISHED
    pass_mark = Decimal("85.00")
    published_at = factory.LazyAttribute(
        lambda v: timezone.now() if v.status == VersionStatus.PUBLISHED else None
    )

    @factory.post_generation
    def make_current(self, create, extracted, **kwargs):
        if create and self.status == VersionStatus.PUBLISHED and extracted is not False:
            Scorecard.objects.filter(pk=self.scorecard_id).update(current_version=self)
            self.scorecard.current_version = self


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    version = factory.SubFactory(ScorecardVersionFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    position = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    section = factory.SubFactory(SectionFactory)
    version = factory.SelfAttribute("section.version")
    text = factory.Sequence(lambda n: f"Criterion {n}")
    kind = CriterionKind.YES_NO
    max_points = 5
    critical = False
    allow_na = False
    position = factory.Sequence(lambda n: n)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    external_id = factory.Sequence(lambda n: f"CALL-{n:06d}")
    agent = factory.SubFactory(UserFactory, roles=[Role.AGENT])
    queue = "billing"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    duration_seconds = 240
    recording_url = factory.LazyAttribute(lambda c: f"https://recordings.example.test/{c.external_id}.wav")
    customer_phone = "13800138000"


class EvaluationFactory(factory.django.DjangoModelFactory):
    """A submitted evaluation without answers (add them with AnswerFactory when a test needs them)."""

    class Meta:
        model = Evaluation

    call = factory.SubFactory(CallFactory)
    scorecard_version = factory.SubFactory(ScorecardVersionFactory)
    agent = factory.SelfAttribute("call.agent")
    evaluator = factory.SubFactory(UserFactory, roles=[Role.QA_EVALUATOR])
    status = EvaluationStatus.SUBMITTED
    score = Decimal("90.00")
    passed = True
    critical_failed = False
    submitted_at = factory.LazyAttribute(
        lambda e: None if e.status == EvaluationStatus.DRAFT else timezone.now()
    )


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    evaluation = factory.SubFactory(EvaluationFactory)
    criterion = factory.SubFactory(CriterionFactory)
    points = factory.LazyAttribute(lambda a: None if a.is_na else a.criterion.max_points)
    is_na = False


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    evaluation = factory.SubFactory(EvaluationFactory, status=EvaluationStatus.DISPUTED)
    raised_by = factory.SelfAttribute("evaluation.agent")
    reason = "The customer asked me not to verify again."


@dataclass(frozen=True)
class TypicalScorecard:
    """A published scorecard of 19 points: 2 + 3 (critical) + 10 (scale) + 4 (N/A allowed)."""

    scorecard: Scorecard
    version: ScorecardVersion
    greet: Criterion  # yes/no, 2 points
    verify: Criterion  # yes/no, 3 points, critical
    resolve: Criterion  # scale 0..10
    offer_help: Criterion  # yes/no, 4 points, N/A allowed

    @property
    def criteria(self) -> list[Criterion]:
        return [self.greet, self.verify, self.resolve, self.offer_help]

    def answers(self, greet=2, verify=3, resolve=8, offer_help=4) -> list[AnswerInput]:
        """Service inputs; pass None to leave a criterion out, "na" to answer N/A.

        The defaults earn 17 of 19 points: 89.47.
        """
        given = {self.greet: greet, self.verify: verify, self.resolve: resolve, self.offer_help: offer_help}
        return [
            AnswerInput(criterion.pk, na=True) if value == "na" else AnswerInput(criterion.pk, points=value)
            for criterion, value in given.items()
            if value is not None
        ]

    def payload(self, greet=2, verify=3, resolve=8, offer_help=4) -> list[dict]:
        """The same answers as API JSON."""
        return [
            {"criterion": a.criterion_id, "na": True}
            if a.na
            else {"criterion": a.criterion_id, "points": a.points}
            for a in self.answers(greet, verify, resolve, offer_help)
        ]


def typical_scorecard(
    *, name: str = "Inbound service", pass_mark: Decimal = Decimal("85.00"), created_by=None, number: int = 1
) -> TypicalScorecard:
    """A scorecard with one published version holding two sections and the four typical criteria."""
    scorecard = ScorecardFactory(name=name, **({"created_by": created_by} if created_by else {}))
    version = ScorecardVersionFactory(scorecard=scorecard, number=number, pass_mark=pass_mark)
    opening = SectionFactory(version=version, title="Opening", position=0)
    closing = SectionFactory(version=version, title="Resolution", position=1)
    return TypicalScorecard(
        scorecard=scorecard,
        version=version,
        greet=CriterionFactory(section=opening, text="Greets the customer", max_points=2, position=0),
        verify=CriterionFactory(
            section=opening, text="Verifies identity", max_points=3, critical=True, position=1
        ),
        resolve=CriterionFactory(
            section=closing, text="Explains the solution", kind=CriterionKind.SCALE, max_points=10, position=0
        ),
        offer_help=CriterionFactory(
            section=closing, text="Offers further help", max_points=4, allow_na=True, position=1
        ),
    )
