"""Demo QA data: bilingual scorecards, a month of calls, evaluations in every status, disputes, a sample.

Called by ``manage.py seed_demo`` after the accounts seeder (teams, agents, one
login per role). Everything is drawn from ``ctx.rng`` in a fixed order, so the
same seed gives the same data. Scorecards are matched by name and calls by
``external_id``; a call that already exists is skipped together with its
evaluation, so a re-run adds nothing. Scores always come from
``scoring.compute_score`` over the answers written, never from a typed number.

The demo logins get a story to try: the demo agent ("agent") has a submitted
evaluation inside the dispute window, an open dispute about identity
verification that the demo QA manager can arbitrate (the demo evaluator scored
it), and evaluations in every other status; the demo evaluator has a sample of
unscored calls in their queue.

Volume rows (calls, evaluations, answers, events) are built in plain Python and
written with ``bulk_create`` a chunk of agents at a time, which keeps
``--scale large`` (~500,000 calls, ~100,000 evaluations, ~1.3 million
answers) within memory and within minutes on SQLite.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock

from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone

from apps.accounts.demo import DEMO_PASSWORD, GIVEN, SURNAMES
from apps.accounts.models import Team, User
from apps.accounts.roles import Role
from qa_center.demo import DemoContext
from qa_center.errors import ValidationFailed

from . import demo_calibration, scoring, services
from .models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Call,
    CallDirection,
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
    VersionStatus,
)
from .services import CriterionInput, SectionInput

S = EvaluationStatus
Action = EvaluationEvent.Action


@dataclass(frozen=True)
class Volume:
    calls_per_agent: int
    # Share of calls older than two days that QA has scored; fresher calls are mostly still waiting.
    evaluated_share: float
    # QA evaluators besides the demo one, each covering some of the teams.
    extra_evaluators: int


VOLUMES = {
    "small": Volume(calls_per_agent=15, evaluated_share=0.45, extra_evaluators=2),
    # 400 agents × 1,250 calls = 500,000 calls, of which ~105,000 evaluated (~1.3 million answers).
    "large": Volume(calls_per_agent=1250, evaluated_share=0.22, extra_evaluators=10),
}

# Rows per INSERT statement on PostgreSQL; SQLite caps it lower by its 999 bound parameters.
BATCH_SIZE = 5_000
# Calls generated and written per round: bounds memory at --scale large.
CALLS_PER_CHUNK = 25_000

DAYS = 30
EXTERNAL_ID_PREFIX = "DEMO-"
RECORDINGS_URL = "https://recordings.example.com"
INBOUND_QUEUES = ("billing", "network", "general")
INBOUND_QUEUE_WEIGHTS = (4, 3, 3)
OUTBOUND_QUEUE = "retention"
OUTBOUND_SHARE = 0.2
# Mainland China mobile prefixes (China Mobile, Unicom, Telecom); 11 digits in all.
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 180 181 182 183 185 186 187 188 189 198 199"
).split()

NA_SHARE = 0.2
CRITICAL_PASS_RATE = 0.97  # a few critical failures per hundred evaluations
DRAFT_SHARE = 0.25  # of evaluations started in the last two days
# Status weights once submitted: inside the dispute window, and after it has passed.
FRESH_STATUSES = {
    S.SUBMITTED: 50,
    S.ACKNOWLEDGED: 30,
    S.DISPUTED: 10,
    S.DISPUTE_UPHELD: 5,
    S.DISPUTE_REJECTED: 5,
}
# An old dispute may still be open: raised inside the window, not yet arbitrated.
SETTLED_STATUSES = {
    S.ACKNOWLEDGED: 72,
    S.SUBMITTED: 18,
    S.DISPUTE_UPHELD: 4,
    S.DISPUTE_REJECTED: 4,
    S.DISPUTED: 2,
}
DISPUTE_STATUSES = (S.DISPUTED, S.DISPUTE_UPHELD, S.DISPUTE_REJECTED)

INBOUND_NAME = "Inbound service 呼入服务"
OUTBOUND_NAME = "Outbound retention 外呼挽留"
IDENTITY_TEXT = "Verified the caller's identity 核实客户身份"
ACCURACY_TEXT = "Gave correct and complete information 信息准确完整"

INBOUND_SECTIONS = (
    SectionInput(
        "Opening 开场",
        (
            CriterionInput("Greeted the caller with the standard greeting 使用标准问候语", 5),
            CriterionInput("Gave name and employee number 报姓名和工号", 5),
        ),
    ),
    SectionInput(
        "Identification 身份核实",
        (
            CriterionInput(
                IDENTITY_TEXT,
                10,
                critical=True,
                guidance="Name plus two of: ID card last four digits, service password, registered address. "
                "姓名加以下两项：身份证后四位、服务密码、登记地址。",
            ),
            CriterionInput(
                "Protected personal data (no full ID number read aloud) 保护客户隐私（不完整读出证件号）",
                5,
                allow_na=True,
            ),
        ),
    ),
    SectionInput(
        "Handling 业务处理",
        (
            CriterionInput(
                "Understood the need and asked clarifying questions 准确理解客户需求", 10, CriterionKind.SCALE
            ),
            CriterionInput(ACCURACY_TEXT, 15, CriterionKind.SCALE),
            CriterionInput(
                "Followed the billing adjustment procedure 按流程办理账务调整",
                10,
                CriterionKind.SCALE,
                allow_na=True,
            ),
            CriterionInput("Polite language and a patient tone 礼貌用语、语气耐心", 10, CriterionKind.SCALE),
            CriterionInput(
                "Explained any hold and kept it under two minutes 说明等待原因且不超过两分钟",
                5,
                allow_na=True,
            ),
        ),
    ),
    SectionInput(
        "Closing 结束语",
        (
            CriterionInput("Summarised the solution and next steps 总结解决方案和后续步骤", 5),
            CriterionInput("Asked whether anything else was needed 询问是否还有其他需要", 5),
            CriterionInput("Invited the caller to rate the service 邀请客户评价", 5, allow_na=True),
        ),
    ),
)
# Version 2: accuracy weighs more, and self-service channels are now expected.
V2_ACCURACY_POINTS = 20
V2_NEW_CRITERION = CriterionInput(
    "Offered self-service channels (app, WeChat) 推荐自助服务渠道（App、微信）",
    5,
    CriterionKind.SCALE,
    allow_na=True,
)

OUTBOUND_SECTIONS = (
    SectionInput(
        "Opening 开场",
        (CriterionInput("Stated name, company and purpose of the call 说明身份及来电目的", 5),),
    ),
    SectionInput(
        "Identification 身份核实",
        (
            CriterionInput(
                "Verified the account holder before discussing the account 核实机主身份", 10, critical=True
            ),
        ),
    ),
    SectionInput(
        "Retention 挽留",
        (
            CriterionInput("Found out why the customer wants to leave 了解离网原因", 10, CriterionKind.SCALE),
            CriterionInput(
                "Presented a suitable retention offer 提供合适的挽留方案", 15, CriterionKind.SCALE
            ),
            CriterionInput("Handled objections without pressure 处理异议且不施压", 10, CriterionKind.SCALE),
        ),
    ),
    SectionInput(
        "Closing 结束语",
        (
            CriterionInput(
                "Confirmed the agreed offer and its start date 确认方案及生效日期", 5, allow_na=True
            ),
            CriterionInput("Thanked the customer 感谢客户", 5),
        ),
    ),
)

SHORTFALL_COMMENTS = (
    "Missed this step. 遗漏此步骤。",
    "Only partly done. 部分完成。",
    "See 02:15 in the recording. 见录音 02:15。",
    "Rushed; the customer had to ask again. 语速过快，客户需重复询问。",
)
EVALUATION_COMMENTS = {
    "critical": "Identity was not verified: automatic fail. 未核实身份，一票否决。",
    "passed": ("Good call. 处理得当。", "Clear and friendly. 表达清晰、态度友好。", ""),
    "failed": (
        "Review the handling steps with your lead. 请与组长复盘处理流程。",
        "Needs coaching. 需要辅导。",
    ),
}
DISPUTE_REASONS = (
    "The customer hung up before I could close the call. 客户在结束语前挂断了电话。",
    "I did explain the fee; it is at 03:10 in the recording. 我在录音03:10处解释了费用。",
    "The system was down, so I could not check the account. 当时系统故障，无法查询账户。",
    "The hold was needed to reach the network team. 需要联系网络组，所以让客户等待。",
)
DEMO_DISPUTE_REASON = (
    "I verified the caller with the last four digits of the ID card at 00:45. 我在00:45核实了身份证后四位。"
)
UPHELD_NOTES = (
    "Confirmed in the recording; points restored. 经录音核实，恢复得分。",
    "The system outage is documented; points restored. 系统故障有记录，恢复得分。",
)
REJECTED_NOTES = (
    "The recording shows the step was missed. 录音显示确实遗漏了该步骤。",
    "The procedure applies even when the customer is in a hurry. 即使客户赶时间也须按流程办理。",
)
CORRECTED_COMMENT = "Corrected after dispute. 申诉后更正。"


@dataclass(frozen=True)
class StoryStep:
    days_ago: int
    direction: str
    status: str | None  # None: not evaluated
    shortfall: str = ""  # "critical" or "any": an answer the dispute is about


# The demo agent's own month, newest call first: every status, each where a user can try it.
DEMO_AGENT_STORY = (
    StoryStep(0, CallDirection.INBOUND, None),  # not scored yet; may be sampled into the queue
    StoryStep(1, CallDirection.INBOUND, S.DRAFT),  # the evaluator's draft, invisible to the agent
    StoryStep(2, CallDirection.INBOUND, S.SUBMITTED, "any"),  # inside the window: acknowledge or dispute
    StoryStep(4, CallDirection.INBOUND, S.DISPUTED, "critical"),  # open: for the demo QA manager
    StoryStep(6, CallDirection.OUTBOUND, S.ACKNOWLEDGED),
    StoryStep(9, CallDirection.INBOUND, S.DISPUTE_UPHELD, "any"),
    StoryStep(11, CallDirection.INBOUND, S.DISPUTE_REJECTED, "any"),
    StoryStep(13, CallDirection.INBOUND, S.ACKNOWLEDGED),
    StoryStep(15, CallDirection.OUTBOUND, None),
    StoryStep(17, CallDirection.INBOUND, S.ACKNOWLEDGED),
    StoryStep(19, CallDirection.INBOUND, S.SUBMITTED),  # never acknowledged; the window has passed
    StoryStep(22, CallDirection.INBOUND, S.ACKNOWLEDGED),
    StoryStep(24, CallDirection.INBOUND, None),
    StoryStep(27, CallDirection.OUTBOUND, S.ACKNOWLEDGED),
    StoryStep(29, CallDirection.INBOUND, S.ACKNOWLEDGED),
)


@dataclass
class CardVersion:
    """A published version with its criteria as scoring specs, in form order."""

    version: ScorecardVersion
    specs: list[scoring.CriterionSpec]


@dataclass
class Cards:
    inbound_v1: CardVersion
    inbound_v2: CardVersion
    outbound: CardVersion

    def for_call(self, direction: str, when: datetime) -> CardVersion:
        if direction == CallDirection.OUTBOUND:
            return self.outbound
        return self.inbound_v2 if when >= self.inbound_v2.version.published_at else self.inbound_v1


@dataclass
class EvaluationPlan:
    call: Call
    card: CardVersion
    evaluator_id: int
    status: str
    created_at: datetime
    answers: list[tuple[int, int | None, str]]  # (criterion id, points or None for N/A, comment)
    result: scoring.ScoreResult | None
    comment: str = ""
    submitted_at: datetime | None = None
    acknowledged_at: datetime | None = None
    # Disputes: raised (and perhaps resolved) about ``disputed_criteria`` (empty: the whole evaluation).
    dispute_reason: str = ""
    disputed_at: datetime | None = None
    disputed_criteria: list[int] = field(default_factory=list)
    resolution_note: str = ""
    resolved_at: datetime | None = None
    previous: dict | None = None  # the answers and score before an upheld dispute re-scored them


@dataclass
class Timings:
    generate: float = 0.0
    calls: float = 0.0
    evaluations: float = 0.0

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            setattr(self, name, getattr(self, name) + time.monotonic() - started)


def seed(ctx: DemoContext) -> None:
    seed_qa(ctx, VOLUMES[ctx.scale])


def seed_qa(ctx: DemoContext, volume: Volume) -> None:
    """Seed QA data at ``volume`` (``seed`` picks it from the scale; benchmarks pass their own)."""
    started = time.monotonic()
    timings = Timings()
    rng = ctx.rng
    now = timezone.now().replace(microsecond=0)
    role_users = ctx.data["role_users"]
    manager, evaluator = role_users[Role.QA_MANAGER], role_users[Role.QA_EVALUATOR]
    demo_agent = role_users[Role.AGENT]
    teams = ctx.data["teams"]

    extra_evaluators = _upsert_evaluators(ctx, volume.extra_evaluators)
    pools = _assign_team_evaluators(teams, evaluator, extra_evaluators)
    cards = _upsert_scorecards(by=manager, now=now)

    existing = set(
        Call.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).values_list("external_id", flat=True)
    )
    agents = [demo_agent, *ctx.data["agents"]]
    chunk: list[tuple[list[Call], list[EvaluationPlan]]] = []
    chunk_calls = 0
    for agent in agents:
        with timings.measure("generate"):
            calls, plans = _plan_agent(
                rng,
                agent=agent,
                volume=volume,
                story=DEMO_AGENT_STORY if agent.pk == demo_agent.pk else (),
                cards=cards,
                evaluators=(evaluator.pk, pools.get(agent.team_id, [])),
                now=now,
            )
        chunk.append((calls, plans))
        chunk_calls += len(calls)
        if chunk_calls >= CALLS_PER_CHUNK:
            _write_chunk(chunk, existing, manager=manager, timings=timings)
            chunk, chunk_calls = [], 0
    _write_chunk(chunk, existing, manager=manager, timings=timings)

    sample_started = time.monotonic()
    sample_note = _draw_sample(ctx, by=manager, evaluator=evaluator, card=cards.inbound_v2, now=now)
    ctx.data["scorecards"] = [cards.inbound_v2.version.scorecard, cards.outbound.version.scorecard]
    ctx.data["qa_evaluators"] = [evaluator, *extra_evaluators]
    demo_calibration.seed(ctx)  # calibration sessions and coaching on top of the evaluations above
    _report(ctx, evaluator=evaluator, sample_note=sample_note)
    ctx.report(
        f"QA seeding took {time.monotonic() - started:.1f} s (generate {timings.generate:.1f} s, "
        f"calls {timings.calls:.1f} s, evaluations with answers/events/disputes {timings.evaluations:.1f} s, "
        f"sample {time.monotonic() - sample_started:.1f} s)"
    )


# --- People and scorecards ----------------------------------------------------------


def _upsert_evaluators(ctx: DemoContext, count: int) -> list[User]:
    """QA evaluators besides the demo login, so that scoring work is spread as in a real centre."""
    users = [
        User(
            username=f"qaeval{index + 1:02d}",
            display_name=ctx.rng.choice(SURNAMES) + "".join(ctx.rng.sample(GIVEN, 2)),
            employee_number=f"Q{index + 1:04d}",
            password=ctx.password_hash(DEMO_PASSWORD),
        )
        for index in range(count)
    ]
    User.objects.bulk_create(
        users,
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["display_name", "employee_number", "password"],
    )
    by_username = User.objects.in_bulk([u.username for u in users], field_name="username")
    users = [by_username[u.username] for u in users]
    group = Group.objects.get(name=Role.QA_EVALUATOR)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], ignore_conflicts=True
    )
    return users


def _assign_team_evaluators(
    teams: Sequence[Team], evaluator: User, extra: Sequence[User]
) -> dict[int, list[int]]:
    """The demo evaluator covers every team; each extra evaluator covers every n-th team.

    Returns the extra evaluators' ids per team id.
    """
    pools: dict[int, list[int]] = {}
    rows = [Team.evaluators.through(team_id=team.pk, user_id=evaluator.pk) for team in teams]
    for index, user in enumerate(extra):
        for team in teams[index :: len(extra)] or [teams[index % len(teams)]]:
            pools.setdefault(team.pk, []).append(user.pk)
            rows.append(Team.evaluators.through(team_id=team.pk, user_id=user.pk))
    Team.evaluators.through.objects.bulk_create(rows, ignore_conflicts=True)
    return pools


def _upsert_scorecards(*, by: User, now: datetime) -> Cards:
    """The two scorecards through the services (the rules apply to demo data too), then backdated."""
    inbound = Scorecard.objects.filter(name=INBOUND_NAME).first()
    if inbound is None:
        inbound = services.scorecard_create(
            by=by,
            name=INBOUND_NAME,
            description="Quality standard for inbound service calls. 呼入服务质检标准。",
            sections=INBOUND_SECTIONS,
        )
        draft = services.scorecard_start_draft(by=by, scorecard=inbound)
        accuracy = draft.criteria.get(text=ACCURACY_TEXT)
        services.criterion_update(
            by=by,
            criterion=accuracy,
            data=CriterionInput(accuracy.text, V2_ACCURACY_POINTS, CriterionKind.SCALE),
        )
        services.criterion_add(by=by, section=accuracy.section, data=V2_NEW_CRITERION)
        services.version_publish(by=by, version=draft)
        _backdate(inbound, {1: now - timedelta(days=90), 2: now - timedelta(days=14)})
    outbound = Scorecard.objects.filter(name=OUTBOUND_NAME).first()
    if outbound is None:
        outbound = services.scorecard_create(
            by=by,
            name=OUTBOUND_NAME,
            description="Retention calls to customers who asked to cancel. 外呼挽留质检标准。",
            sections=OUTBOUND_SECTIONS,
            pass_mark=80,
        )
        _backdate(outbound, {1: now - timedelta(days=45)})

    inbound_versions = _published_versions(inbound)
    outbound_versions = _published_versions(outbound)
    # By number: versions a user publishes later through the pages do not change the demo's history.
    return Cards(
        inbound_v1=inbound_versions[min(inbound_versions)],
        inbound_v2=inbound_versions.get(2, inbound_versions[max(inbound_versions)]),
        outbound=outbound_versions[min(outbound_versions)],
    )


def _backdate(scorecard: Scorecard, published: dict[int, datetime]) -> None:
    """Old versions were published long ago: evaluations older than version 2 pin version 1."""
    Scorecard.objects.filter(pk=scorecard.pk).update(created_at=min(published.values()))
    for number, moment in published.items():
        ScorecardVersion.objects.filter(scorecard=scorecard, number=number).update(
            created_at=moment - timedelta(days=1), published_at=moment
        )


def _published_versions(scorecard: Scorecard) -> dict[int, CardVersion]:
    versions = {
        v.number: CardVersion(v, [])
        for v in scorecard.versions.filter(status=VersionStatus.PUBLISHED).select_related("scorecard")
    }
    criteria = Criterion.objects.filter(version__in=[c.version for c in versions.values()]).order_by(
        "section__position", "section_id", "position", "id"
    )
    by_version = {c.version.pk: c for c in versions.values()}
    for criterion in criteria:
        by_version[criterion.version_id].specs.append(
            scoring.CriterionSpec(
                id=criterion.pk,
                max_points=criterion.max_points,
                kind=criterion.kind,
                critical=criterion.critical,
                allow_na=criterion.allow_na,
            )
        )
    return versions


# --- Planning: every random draw, in a fixed order -------------------------------------


def _plan_agent(
    rng,
    *,
    agent: User,
    volume: Volume,
    story: Sequence[StoryStep],
    cards: Cards,
    evaluators: tuple[int, list[int]],
    now: datetime,
) -> tuple[list[Call], list[EvaluationPlan]]:
    """The agent's calls of the last 30 days and the evaluations of some of them."""
    skill = 0.88 if story else rng.uniform(0.72, 0.97)
    calls: list[Call] = []
    plans: list[EvaluationPlan] = []
    for index in range(max(volume.calls_per_agent, len(story))):
        # One generator per call, seeded from the demo's: how many draws a call takes depends on the
        # clock (is it fresh? still inside the dispute window?), and that must not ripple into the
        # next call, or seeding an hour later would give another data set.
        rng_call = random.Random(rng.getrandbits(64))
        step = story[index] if index < len(story) else None
        if step:
            direction = step.direction
            started_at = _call_time(rng_call, now, step.days_ago, hours=(9, 18))
        else:
            outbound = rng_call.random() < OUTBOUND_SHARE
            direction = CallDirection.OUTBOUND if outbound else CallDirection.INBOUND
            started_at = _call_time(rng_call, now, rng_call.randrange(DAYS), hours=(8, 22))
        call = _call(rng_call, agent=agent, index=index, direction=direction, started_at=started_at)
        calls.append(call)

        demo_evaluator, pool = evaluators
        if step:
            if step.status is None:
                continue
            evaluator_id, status = demo_evaluator, step.status
        else:
            fresh = now - started_at < timedelta(days=2)
            if rng_call.random() >= volume.evaluated_share * (0.3 if fresh else 1):
                continue
            evaluator_id = demo_evaluator if not pool or rng_call.random() < 0.4 else rng_call.choice(pool)
            status = ""  # drawn once the evaluation's timeline is known
        plans.append(
            _plan_evaluation(
                rng_call,
                call=call,
                cards=cards,
                evaluator_id=evaluator_id,
                status=status,
                shortfall=step.shortfall if step else "",
                skill=skill,
                now=now,
            )
        )
    return calls, plans


def _call_time(rng, now: datetime, days_ago: int, *, hours: tuple[int, int]) -> datetime:
    """A moment in opening hours, local time, ``days_ago`` days back and at least an hour ago."""
    midnight = datetime.combine(
        timezone.localdate(now) - timedelta(days=days_ago), clock.min, tzinfo=timezone.get_current_timezone()
    )
    moment = midnight + timedelta(seconds=rng.randrange(hours[0] * 3600, hours[1] * 3600))
    latest = now - timedelta(hours=1)
    if moment > latest:  # later today: the call has not happened yet, so it was this time yesterday
        moment -= timedelta(days=1)
    return moment


def _call(rng, *, agent: User, index: int, direction: str, started_at: datetime) -> Call:
    external_id = f"{EXTERNAL_ID_PREFIX}{agent.username}-{index + 1:04d}"
    if direction == CallDirection.OUTBOUND:
        queue = OUTBOUND_QUEUE
    else:
        queue = rng.choices(INBOUND_QUEUES, weights=INBOUND_QUEUE_WEIGHTS)[0]
    duration = int(min(3600, max(20, rng.lognormvariate(5.3, 0.6))))  # median about 3½ minutes
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    day = timezone.localtime(started_at)
    return Call(
        external_id=external_id,
        agent_id=agent.pk,
        queue=queue,
        started_at=started_at,
        duration_seconds=duration,
        direction=direction,
        recording_url=f"{RECORDINGS_URL}/{day:%Y/%m/%d}/{external_id}.mp3",
        customer_phone=phone,
        imported_at=started_at + timedelta(seconds=duration + 300),  # the nightly telephony import
    )


def _later(rng, moment: datetime, now: datetime, *, minutes: tuple[int, int]) -> datetime:
    """A random moment ``minutes`` after ``moment``, but never in the future."""
    latest = min(moment + timedelta(minutes=minutes[1]), now)
    earliest = min(moment + timedelta(minutes=minutes[0]), latest)
    return earliest + timedelta(seconds=rng.randrange(int((latest - earliest).total_seconds()) + 1))


def _plan_evaluation(
    rng,
    *,
    call: Call,
    cards: Cards,
    evaluator_id: int,
    status: str,
    shortfall: str,
    skill: float,
    now: datetime,
) -> EvaluationPlan:
    created_at = _later(rng, call.started_at, now, minutes=(30, 48 * 60))
    if not status:
        if now - created_at < timedelta(days=2) and rng.random() < DRAFT_SHARE:
            status = S.DRAFT
        else:
            status = ""  # drawn below from the submission's age
    submitted_at = None if status == S.DRAFT else _later(rng, created_at, now, minutes=(5, 40))
    if not status:
        weights = FRESH_STATUSES if now - submitted_at < services.dispute_window() else SETTLED_STATUSES
        status = rng.choices(list(weights), weights=list(weights.values()))[0]

    card = cards.for_call(call.direction, created_at)
    specs = card.specs
    answered = rng.randrange(len(specs) // 3, len(specs)) if status == S.DRAFT else len(specs)
    answers = _answers(rng, specs[:answered], skill)
    target = _force_shortfall(rng, specs, answers, critical=shortfall == "critical") if shortfall else None

    plan = EvaluationPlan(
        call=call,
        card=card,
        evaluator_id=evaluator_id,
        status=status,
        created_at=created_at,
        submitted_at=submitted_at,
        answers=answers,
        result=_score(card, answers, complete=status != S.DRAFT),
    )
    if status in DISPUTE_STATUSES:
        _plan_dispute(rng, plan, now=now, target=target)
    if plan.status == S.ACKNOWLEDGED:
        plan.acknowledged_at = _later(rng, submitted_at, now, minutes=(30, 3 * 24 * 60))
    plan.comment = _overall_comment(rng, plan.result)
    return plan


def _answers(rng, specs: Sequence[scoring.CriterionSpec], skill: float) -> list[tuple[int, int | None, str]]:
    answers = []
    for spec in specs:
        if spec.allow_na and rng.random() < NA_SHARE:
            answers.append((spec.id, None, ""))
            continue
        if spec.kind == scoring.YES_NO:
            pass_rate = CRITICAL_PASS_RATE if spec.critical else min(0.99, skill + 0.06)
            points = spec.max_points if rng.random() < pass_rate else 0
        else:
            points = round(min(1.0, max(0.0, rng.gauss(skill, 0.12))) * spec.max_points)
        short = points < spec.max_points and rng.random() < 0.4
        answers.append((spec.id, points, rng.choice(SHORTFALL_COMMENTS) if short else ""))
    return answers


def _force_shortfall(rng, specs, answers: list, *, critical: bool) -> int:
    """Make sure the story's evaluation has the missed point its dispute is about; returns its criterion."""
    candidates = [
        i
        for i, spec in enumerate(specs)
        if spec.critical == critical and i < len(answers) and not spec.allow_na
    ]
    index = candidates[0] if critical else rng.choice(candidates)
    spec = specs[index]
    points = 0 if critical or spec.kind == scoring.YES_NO else rng.randrange(spec.max_points // 2)
    answers[index] = (spec.id, points, rng.choice(SHORTFALL_COMMENTS))
    return spec.id


def _score(card: CardVersion, answers, *, complete: bool) -> scoring.ScoreResult | None:
    values = {cid: scoring.AnswerValue(cid, points) for cid, points, _comment in answers}
    try:
        return scoring.compute_score(card.specs, values, card.version.pass_mark, require_all=complete)
    except scoring.ScoringError:
        if complete:
            raise
        return None  # a draft with nothing scorable yet, as services.preview_score says


def _plan_dispute(rng, plan: EvaluationPlan, *, now: datetime, target: int | None) -> None:
    """The agent disputes a critical failure or else the answer that cost most (the story's ``target``
    if given); a QA manager upholds or rejects it."""
    specs = {spec.id: spec for spec in plan.card.specs}
    criterion_id = target
    if criterion_id is None:
        # (failed a critical criterion, points lost): max() keeps the first of equals, in form order.
        losses = [
            (specs[cid].critical and points == 0, specs[cid].max_points - points, cid)
            for cid, points, _comment in plan.answers
            if points is not None
        ]
        _critical, lost, criterion_id = max(losses, key=lambda loss: loss[:2])
        if lost == 0:  # a perfect score: nothing to dispute, so the agent simply acknowledged it
            plan.status = S.ACKNOWLEDGED
            return
    window_minutes = int(services.dispute_window().total_seconds() // 60) - 60
    plan.disputed_at = _later(rng, plan.submitted_at, now, minutes=(60, window_minutes))
    whole = target is None and rng.random() < 0.3
    plan.disputed_criteria = [] if whole else [criterion_id]
    story_critical = target is not None and specs[target].critical
    plan.dispute_reason = DEMO_DISPUTE_REASON if story_critical else rng.choice(DISPUTE_REASONS)
    if plan.status == S.DISPUTED:
        return
    plan.resolved_at = _later(rng, plan.disputed_at, now, minutes=(4 * 60, 2 * 24 * 60))
    if plan.status == S.DISPUTE_REJECTED:
        plan.resolution_note = rng.choice(REJECTED_NOTES)
        return
    plan.resolution_note = rng.choice(UPHELD_NOTES)
    # As services.dispute_resolve writes it: the old answers and score, then the corrected ones.
    plan.previous = {
        "score": str(plan.result.score),
        "passed": plan.result.passed,
        "critical_failed": plan.result.critical_failed,
        "answers": [
            {"criterion": cid, "points": points, "na": points is None, "comment": comment}
            for cid, points, comment in plan.answers
        ],
    }
    plan.answers = [
        (cid, specs[cid].max_points, CORRECTED_COMMENT) if cid == criterion_id else (cid, points, comment)
        for cid, points, comment in plan.answers
    ]
    plan.result = _score(plan.card, plan.answers, complete=True)


def _overall_comment(rng, result: scoring.ScoreResult | None) -> str:
    if result is None:
        return ""
    if result.critical_failed:
        return EVALUATION_COMMENTS["critical"]
    return rng.choice(EVALUATION_COMMENTS["passed" if result.passed else "failed"])


# --- Writing ----------------------------------------------------------------------------


@contextmanager
def _historical_timestamps() -> Iterator[None]:
    """Let bulk_create keep the times planned above.

    auto_now / auto_now_add would stamp every demo row with the moment of seeding,
    and a month of history that all happened in the same second is no demo. Only
    seed_demo (one process, one thread) switches them off, and only while writing.
    """
    fields = [
        Call._meta.get_field("imported_at"),
        Evaluation._meta.get_field("created_at"),
        Evaluation._meta.get_field("updated_at"),
        EvaluationEvent._meta.get_field("created_at"),
        Dispute._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _write_chunk(chunk, existing: set[str], *, manager: User, timings: Timings) -> None:
    """Insert the chunk's new calls and the evaluations of those calls, with everything hanging off them."""
    calls = [call for calls, _plans in chunk for call in calls if call.external_id not in existing]
    new_ids = {call.external_id for call in calls}
    plans = [plan for _calls, plans in chunk for plan in plans if plan.call.external_id in new_ids]
    if not calls:
        return
    with _historical_timestamps():
        with timings.measure("calls"):
            Call.objects.bulk_create(calls, batch_size=BATCH_SIZE)  # sets pk (RETURNING)
        existing |= new_ids
        with timings.measure("evaluations"):
            _write_evaluations(plans, manager=manager)


def _write_evaluations(plans: Sequence[EvaluationPlan], *, manager: User) -> None:
    evaluations = [
        Evaluation(
            call_id=plan.call.pk,
            scorecard_version_id=plan.card.version.pk,
            agent_id=plan.call.agent_id,
            evaluator_id=plan.evaluator_id,
            status=plan.status,
            comment=plan.comment,
            score=plan.result.score if plan.result else None,
            passed=plan.result.passed if plan.result else None,
            critical_failed=plan.result.critical_failed if plan.result else False,
            created_at=plan.created_at,
            updated_at=_last_change(plan),
            submitted_at=plan.submitted_at,
            acknowledged_at=plan.acknowledged_at,
        )
        for plan in plans
    ]
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH_SIZE)
    Answer.objects.bulk_create(
        (
            Answer(
                evaluation_id=evaluation.pk,
                criterion_id=cid,
                points=points,
                is_na=points is None,
                comment=comment,
            )
            for plan, evaluation in zip(plans, evaluations, strict=True)
            for cid, points, comment in plan.answers
        ),
        batch_size=BATCH_SIZE,
    )
    EvaluationEvent.objects.bulk_create(
        (
            event
            for plan, evaluation in zip(plans, evaluations, strict=True)
            for event in _events(plan, evaluation, manager)
        ),
        batch_size=BATCH_SIZE,
    )
    disputed = [
        (plan, evaluation) for plan, evaluation in zip(plans, evaluations, strict=True) if plan.disputed_at
    ]
    disputes = Dispute.objects.bulk_create(
        [
            Dispute(
                evaluation_id=evaluation.pk,
                raised_by_id=evaluation.agent_id,
                reason=plan.dispute_reason,
                status={
                    S.DISPUTED: DisputeStatus.OPEN,
                    S.DISPUTE_UPHELD: DisputeStatus.UPHELD,
                    S.DISPUTE_REJECTED: DisputeStatus.REJECTED,
                }[plan.status],
                resolved_by=manager if plan.resolved_at else None,
                resolution_note=plan.resolution_note,
                created_at=plan.disputed_at,
                resolved_at=plan.resolved_at,
            )
            for plan, evaluation in disputed
        ],
        batch_size=BATCH_SIZE,
    )
    Dispute.criteria.through.objects.bulk_create(
        [
            Dispute.criteria.through(dispute_id=dispute.pk, criterion_id=criterion_id)
            for (plan, _evaluation), dispute in zip(disputed, disputes, strict=True)
            for criterion_id in plan.disputed_criteria
        ],
        batch_size=BATCH_SIZE,
    )


def _last_change(plan: EvaluationPlan) -> datetime:
    moments = (plan.created_at, plan.submitted_at, plan.acknowledged_at, plan.disputed_at, plan.resolved_at)
    return max(moment for moment in moments if moment)


def _events(plan: EvaluationPlan, evaluation: Evaluation, manager: User) -> Iterator[EvaluationEvent]:
    """The history services would have written: created, submitted, then the agent's and manager's steps."""

    def event(actor_id, action, from_status, to_status, at, note="", previous=None):
        return EvaluationEvent(
            evaluation_id=evaluation.pk,
            actor_id=actor_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
            previous=previous,
            created_at=at,
        )

    yield event(plan.evaluator_id, Action.CREATED, "", S.DRAFT, plan.created_at)
    if plan.submitted_at is None:
        return
    yield event(plan.evaluator_id, Action.SUBMITTED, S.DRAFT, S.SUBMITTED, plan.submitted_at)
    if plan.acknowledged_at:
        yield event(
            evaluation.agent_id, Action.ACKNOWLEDGED, S.SUBMITTED, S.ACKNOWLEDGED, plan.acknowledged_at
        )
    if plan.disputed_at:
        yield event(
            evaluation.agent_id,
            Action.DISPUTED,
            S.SUBMITTED,
            S.DISPUTED,
            plan.disputed_at,
            plan.dispute_reason,
        )
    if plan.resolved_at:
        action = Action.DISPUTE_UPHELD if plan.status == S.DISPUTE_UPHELD else Action.DISPUTE_REJECTED
        yield event(
            manager.pk, action, S.DISPUTED, plan.status, plan.resolved_at, plan.resolution_note, plan.previous
        )


def _draw_sample(ctx: DemoContext, *, by: User, evaluator: User, card: CardVersion, now: datetime) -> str:
    """One sample of yesterday's and today's unscored calls, one per agent, in the demo evaluator's queue.

    Drawn once: any sample by the demo QA manager (an earlier seed's, or one drawn in the pages) counts.
    """
    if SampleRun.objects.filter(created_by=by).exists():
        return "sample already drawn"
    today = timezone.localdate(now)
    try:
        run = services.sample_draw(
            by=by,
            version=card.version,
            period_start=today - timedelta(days=1),
            period_end=today,
            per_agent=1,
            evaluator_ids=[evaluator.pk],
            seed=ctx.seed,
        )
    except ValidationFailed as error:  # every call of the period is already scored or queued
        return f"no sample drawn: {error.message}"
    return f"sample of {run.assignments.count()} calls drawn"


def _report(ctx: DemoContext, *, evaluator: User, sample_note: str) -> None:
    by_status = dict(Evaluation.objects.values_list("status").annotate(n=Count("id")).order_by())
    statuses = ", ".join(f"{status} {by_status.get(status, 0):,}" for status in S.values)
    disputes = dict(Dispute.objects.values_list("status").annotate(n=Count("id")).order_by())
    pending = Assignment.objects.filter(evaluator=evaluator, status=AssignmentStatus.PENDING).count()
    ctx.report(
        f"QA: {Scorecard.objects.count()} scorecards, {Call.objects.count():,} calls, "
        f"{sum(by_status.values()):,} evaluations (by status {statuses}), "
        f"{Answer.objects.count():,} answers, "
        f"{sum(disputes.values()):,} disputes ({disputes.get(DisputeStatus.OPEN, 0):,} open), "
        f"{Evaluation.objects.filter(critical_failed=True).count():,} critical failures; "
        f"{sample_note}, {pending:,} calls waiting in {evaluator.username}'s queue"
    )
