"""Demo calibration sessions and coaching (issue 6), seeded after the QA demo data.

Called by ``demo.seed_qa`` once its calls, evaluations and sample exist and just before its report
(whose evaluation counts then include the calibration scorings), with ``ctx.data["qa_evaluators"]``
(the demo evaluator first, then ``qaeval01``, ``qaeval02``, ...) and ``ctx.data["scorecards"]`` set.
Every volume has at least two extra evaluators, so every session has three participants. Everything is
written through the services (calibration.py, services.evaluation_save, coaching.py), so the demo
obeys the same rules as a user; only the timestamps are moved back afterwards (see ``_backdate_*``).

What each demo login finds:
- ``qamanager``: four closed sessions over the last four weeks, the newest with ``qaeval02``
  outside the tolerance band; one open session past its deadline with ``qaeval02`` missing (the
  overdue list); one open session in progress.
- ``evaluator``: the open session to score (``qaeval01`` has submitted, ``qaeval02`` has a draft),
  a calibration history of four rows, five coaching sessions held, one follow-up overdue.
- ``agent``: a coaching session waiting for their sign-off and an earlier one signed off and done.

Each session is matched by a fixed text (a calibration session's note; a coaching session's coach,
agent and observations), so a re-run, with any seed, on any day, adds nothing. Random draws come from
one generator per session seeded with the demo seed and the session's number rather than from
``ctx.rng``: the apps seeded after this one (complaints, TQM) then draw exactly what they drew
before, and a session's data does not depend on which others already exist.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.db.models import F
from django.utils import timezone

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.models import Team, User
from apps.accounts.roles import Role
from qa_center.demo import DemoContext

from . import calibration, coaching, selectors, services
from .models import (
    CalibrationSession,
    CalibrationStatus,
    Call,
    CallDirection,
    CoachingAction,
    CoachingComment,
    CoachingSession,
    CoachingStatus,
    Criterion,
    CriterionKind,
    Evaluation,
    EvaluationEvent,
    Scorecard,
    ScorecardVersion,
    VersionStatus,
)
from .services import AnswerInput

# --- Calibration ---------------------------------------------------------------------------

REFERENCE = 0  # participant indexes: 0 is the demo evaluator (the reference), then qaeval01, qaeval02
PARTICIPANTS = 3


@dataclass(frozen=True)
class CalibrationSlot:
    note: str  # also the session's identity for re-runs
    days_ago: int  # when the QA manager opened it
    deadline_days: int  # after opening
    submitted: tuple[int, ...]  # participants who submitted
    drafts: tuple[int, ...] = ()  # participants who started but did not submit
    harsh: int | None = None  # a participant who marks down far more than the reference
    closed_after_days: int | None = None  # None: still open


CALIBRATIONS = (
    CalibrationSlot(
        "Monthly calibration: billing complaint. 月度校准：账单投诉来电。",
        days_ago=26,
        deadline_days=5,
        submitted=(0, 1, 2),
        closed_after_days=4,
    ),
    CalibrationSlot(
        "Calibration: network fault call with a long hold. 校准：含长时间等待的网络故障来电。",
        days_ago=19,
        deadline_days=5,
        submitted=(0, 1, 2),
        harsh=2,
        closed_after_days=3,
    ),
    CalibrationSlot(
        "Calibration after the scorecard update (version 2). 评分表更新（第2版）后的校准。",
        days_ago=12,
        deadline_days=5,
        submitted=(0, 1, 2),
        closed_after_days=4,
    ),
    CalibrationSlot(
        "Monthly calibration: plan change request. 月度校准：套餐变更来电。",
        days_ago=5,
        deadline_days=4,
        submitted=(0, 1, 2),
        harsh=2,
        closed_after_days=3,
    ),
    # Past its deadline with qaeval02 missing: the QA manager's overdue list (or close it early).
    CalibrationSlot(
        "Calibration: refund dispute. 校准：退款争议来电。",
        days_ago=9,
        deadline_days=6,
        submitted=(0, 1),
    ),
    # In progress: the demo evaluator still has to score it.
    CalibrationSlot(
        "Calibration: customer asking to cancel. 校准：客户要求销户来电。",
        days_ago=1,
        deadline_days=6,
        submitted=(1,),
        drafts=(2,),
    ),
)

CALIBRATION_COMMENTS = (
    "Scored for calibration. 校准评分。",
    "Borderline on accuracy; see my notes. 信息准确性存疑，见备注。",
    "",
)
SHORTFALL_NOTES = (
    "Partly done. 部分完成。",
    "See 01:40 in the recording. 见录音 01:40。",
    "Missed at the end of the call. 通话结束时遗漏。",
)


def seed(ctx: DemoContext) -> None:
    started = time.monotonic()
    role_users = ctx.data["role_users"]
    manager, coach, demo_agent = (
        role_users[Role.QA_MANAGER],
        role_users[Role.QA_EVALUATOR],
        role_users[Role.AGENT],
    )
    # The demo evaluator and two of the QA demo's extra evaluators (every volume has at least two).
    participants = ctx.data["qa_evaluators"][:PARTICIPANTS]
    for person in participants[1:]:
        ctx.add_login(username=person.username, password=DEMO_PASSWORD, role=Role(Role.QA_EVALUATOR).label)
    now = timezone.now().replace(microsecond=0)

    inbound = ctx.data["scorecards"][0]
    created_calibrations = 0
    for number, slot in enumerate(CALIBRATIONS, start=1):
        if CalibrationSession.objects.filter(created_by=manager, note=slot.note).exists():
            continue
        rng = random.Random(f"calibration-{ctx.seed}-{number}")
        if _calibration(
            rng,
            slot,
            by=manager,
            participants=participants,
            inbound=inbound,
            exclude_agent=demo_agent,
            now=now,
        ):
            created_calibrations += 1

    created_coaching = 0
    for number, slot in enumerate(COACHING, start=1):
        agent = demo_agent if slot.team is None else _coached_agent(ctx.data["teams"], slot.team, demo_agent)
        if CoachingSession.objects.filter(coach=coach, agent=agent, observations=slot.observations).exists():
            continue
        rng = random.Random(f"coaching-{ctx.seed}-{number}")
        _coaching(rng, slot, coach=coach, agent=agent, now=now)
        created_coaching += 1

    _report(
        ctx,
        manager=manager,
        coach=coach,
        demo_agent=demo_agent,
        created=created_calibrations + created_coaching,
        seconds=time.monotonic() - started,
    )


def _calibration(
    rng: random.Random,
    slot: CalibrationSlot,
    *,
    by: User,
    participants: Sequence[User],
    inbound: Scorecard,
    exclude_agent: User,
    now: datetime,
) -> CalibrationSession | None:
    """Open the session, let the participants score, close it if the slot says so, then backdate."""
    opened_at = _local(timezone.localdate(now) - timedelta(days=slot.days_ago), hour=9) + timedelta(
        minutes=rng.randrange(8 * 60)
    )
    call = _pick_call(rng, opened_at, exclude_agent=exclude_agent)
    if call is None:  # no inbound call in the days before (a data set without calls)
        return None
    version = _version_at(inbound, opened_at)
    criteria = list(version.criteria.order_by("section__position", "section_id", "position", "id"))
    session = calibration.calibration_create(
        by=by,
        call=call,
        version=version,
        participants=participants,
        reference=participants[REFERENCE],
        note=slot.note,
    )

    reference = _reference_points(rng, criteria)
    times: dict[int, tuple[datetime, datetime | None]] = {}
    for index, person in enumerate(participants):
        submit = index in slot.submitted
        if not submit and index not in slot.drafts:
            continue
        points = (
            reference
            if index == REFERENCE
            else _participant_points(rng, criteria, reference, harsh=index == slot.harsh)
        )
        answers = [
            AnswerInput(
                c.pk,
                points=points[c.pk],
                na=points[c.pk] is None,
                comment=rng.choice(SHORTFALL_NOTES) if _short(c, points[c.pk]) and rng.random() < 0.4 else "",
            )
            for c in criteria
        ]
        if not submit:  # a draft: the last few criteria are still to do
            answers = answers[: rng.randrange(len(answers) // 2, len(answers) - 1)]
        evaluation = services.evaluation_save(
            by=person,
            call=call,
            version=version,
            answers=answers,
            comment=rng.choice(CALIBRATION_COMMENTS),
            submit=submit,
            calibration=session,
        )
        # Drawn in any case, then kept in the past: the draws do not depend on the time of day.
        submitted_at = _office_hours(rng, opened_at, days=2)
        started_at = submitted_at - timedelta(minutes=rng.randrange(8, 30))
        times[evaluation.pk] = (
            min(started_at, now - timedelta(minutes=30)),
            min(submitted_at, now - timedelta(minutes=10)) if submit else None,
        )

    closed_at = None
    if slot.closed_after_days is not None:
        calibration.calibration_close(session=session, by=by)
        latest_submission = max(moment for _started, moment in times.values() if moment)
        closed_at = max(
            opened_at + timedelta(days=slot.closed_after_days), latest_submission + timedelta(hours=1)
        )
        closed_at = min(closed_at, now - timedelta(minutes=5))
    _backdate_calibration(
        session,
        opened_at=opened_at,
        deadline=opened_at + timedelta(days=slot.deadline_days),
        closed_at=closed_at,
        times=times,
    )
    return session


def _local(day: date, *, hour: int) -> datetime:
    return datetime.combine(day, clock(hour), tzinfo=timezone.get_current_timezone())


def _office_hours(rng: random.Random, after: datetime, *, days: int) -> datetime:
    """A moment between 09:00 and 18:00 local time on one of the ``days`` days from ``after`` on,
    at least half an hour after it: evaluators score at work."""
    day = timezone.localdate(after) + timedelta(days=rng.randrange(days))
    moment = _local(day, hour=9) + timedelta(minutes=rng.randrange(9 * 60))
    return max(moment, after + timedelta(minutes=30 + rng.randrange(60)))


def _pick_call(rng: random.Random, opened_at: datetime, *, exclude_agent: User) -> Call | None:
    """An inbound call of the days before the session, not the demo agent's (their month is a story of
    its own) and not calibrated yet. The window depends on the day only, so a re-seed the same day
    picks the same call."""
    candidates = list(
        Call.objects.filter(
            direction=CallDirection.INBOUND,
            started_at__gte=opened_at - timedelta(days=3),
            started_at__lte=opened_at - timedelta(hours=2),
        )
        .exclude(agent=exclude_agent)
        .exclude(calibrations__isnull=False)
        .order_by("external_id")
        .values_list("pk", flat=True)
    )
    return Call.objects.get(pk=rng.choice(candidates)) if candidates else None


def _version_at(scorecard: Scorecard, moment: datetime) -> ScorecardVersion:
    """The version evaluators were using then: version 1 before version 2 was published."""
    versions = scorecard.versions.filter(status=VersionStatus.PUBLISHED).select_related("scorecard")
    return (
        versions.filter(published_at__lte=moment).order_by("-published_at").first()
        or versions.order_by("number").first()
    )


def _reference_points(rng: random.Random, criteria: Sequence[Criterion]) -> dict[int, int | None]:
    """The benchmark's answers: a decent call, identity verified, the odd step missed."""
    points: dict[int, int | None] = {}
    for c in criteria:
        if c.critical:
            points[c.pk] = c.max_points
        elif c.allow_na and rng.random() < 0.25:
            points[c.pk] = None
        elif c.kind == CriterionKind.YES_NO:
            points[c.pk] = c.max_points if rng.random() < 0.85 else 0
        else:
            points[c.pk] = round(min(1.0, max(0.3, rng.gauss(0.82, 0.12))) * c.max_points)
    return points


def _participant_points(
    rng: random.Random, criteria: Sequence[Criterion], reference: dict[int, int | None], *, harsh: bool
) -> dict[int, int | None]:
    """Another evaluator's view of the same call: mostly the reference's, a point here and there, and
    the odd disagreement about whether a step applied. A harsh evaluator marks every graded criterion
    down by a third or more and fails half the yes/no steps the reference passed."""
    points: dict[int, int | None] = {}
    for c in criteria:
        given = reference[c.pk]
        if c.critical:
            points[c.pk] = given
        elif given is None:
            points[c.pk] = c.max_points if rng.random() < 0.15 else None
        elif c.kind == CriterionKind.YES_NO:
            flip = rng.random() < (0.5 if harsh and given else 0.08)
            points[c.pk] = (c.max_points - given) if flip else given
        elif harsh:
            points[c.pk] = round(given * rng.uniform(0.45, 0.65))
        else:
            step = rng.choice((-2, -1, -1, 0, 0, 0, 0, 1, 1))
            points[c.pk] = min(c.max_points, max(0, given + step))
    return points


def _short(criterion: Criterion, points: int | None) -> bool:
    return points is not None and points < criterion.max_points


def _backdate_calibration(
    session: CalibrationSession,
    *,
    opened_at: datetime,
    deadline: datetime,
    closed_at: datetime | None,
    times: dict[int, tuple[datetime, datetime | None]],
) -> None:
    """Move the session and its scorings back to when they happened.

    The services stamp everything with timezone.now() (and calibration_create refuses a deadline in
    the past), so a history of sessions over four weeks, and a session already past its deadline,
    can only be written now and then dated back with plain queryset updates (which leave auto_now
    alone). Only seed_demo does this."""
    CalibrationSession.objects.filter(pk=session.pk).update(
        created_at=opened_at, deadline=deadline, closed_at=closed_at
    )
    for evaluation_id, (started_at, submitted_at) in times.items():
        Evaluation.objects.filter(pk=evaluation_id).update(
            created_at=started_at, updated_at=submitted_at or started_at, submitted_at=submitted_at
        )
        events = EvaluationEvent.objects.filter(evaluation_id=evaluation_id)
        events.filter(action=EvaluationEvent.Action.CREATED).update(created_at=started_at)
        if submitted_at:
            events.filter(action=EvaluationEvent.Action.SUBMITTED).update(created_at=submitted_at)


# --- Coaching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachingSlot:
    team: int | None  # None: the demo agent; else an agent (not the lead) of the n-th demo team
    observations: str  # with the coach and the agent, the session's identity for re-runs
    held_days_ago: int
    follow_up_days: int  # after the session
    actions: tuple[tuple[str, int], ...]  # (agreed action, due days after the session)
    signed_off_after_days: int | None = None  # None: waiting for the agent
    comments: tuple[tuple[str, str, int], ...] = ()  # ("agent" or "coach", text, days after the session)
    done: tuple[tuple[int, str, int], ...] = ()  # (action index, "agent" or "coach", days after the session)
    follow_up_note: str | None = None  # None: not followed up yet


COACHING = (
    # The demo agent's earlier session: signed off, both actions done, followed up.
    CoachingSlot(
        None,
        "Identity verification was skipped twice when the caller sounded familiar; billing adjustments "
        "were accurate. 客户声音熟悉时两次跳过身份核实；账务调整信息准确。",
        held_days_ago=20,
        follow_up_days=10,
        actions=(
            (
                "Verify name plus two identifiers on every call, repeat callers too. "
                "每通电话核实姓名加两项信息，回头客也不例外。",
                7,
            ),
            (
                "Listen to two model calls on identity checks with the team lead. "
                "与组长一起听两通身份核实的优秀录音。",
                5,
            ),
        ),
        signed_off_after_days=1,
        comments=(
            (
                "agent",
                "Understood; I keep the checklist card on my desk now. 明白，核实清单卡已放在桌上。",
                1,
            ),
        ),
        done=((1, "agent", 3), (0, "coach", 9)),
        follow_up_note="Checked five recent calls: identity verified in all of them. "
        "抽查近期五通电话，均已核实身份。",
    ),
    # The demo agent's new session: waiting for their sign-off.
    CoachingSlot(
        None,
        "Calls end abruptly: no summary of the solution and no offer of further help. The tone is "
        "friendly. 结束语仓促：未总结解决方案，也未询问是否还有其他需要。语气友好。",
        held_days_ago=2,
        follow_up_days=12,
        actions=(
            (
                "Close every call with a one-sentence summary and the next steps. "
                "每通电话结束前用一句话总结方案和后续步骤。",
                7,
            ),
            ("Offer the app or WeChat self-service where it fits. 适当时推荐 App 或微信自助服务。", 10),
        ),
    ),
    # Signed off, follow-up date passed, not followed up: in the demo evaluator's "my work".
    CoachingSlot(
        0,
        "Long holds without an explanation on network fault calls; the information given was correct. "
        "网络故障来电中多次长时间等待且未说明原因；提供的信息正确。",
        held_days_ago=16,
        follow_up_days=14,
        actions=(
            (
                "Check the network outage board before putting a caller on hold. "
                "让客户等待前先查看网络故障公告板。",
                3,
            ),
            (
                "Explain every hold and come back within two minutes. 每次等待前说明原因，两分钟内回到通话。",
                7,
            ),
        ),
        signed_off_after_days=1,
        comments=(
            (
                "agent",
                "The outage board was slow that week; I have bookmarked it now. "
                "那周故障公告板加载很慢，现已加入收藏。",
                1,
            ),
        ),
        done=((0, "agent", 2),),
    ),
    # Signed off, one action done, follow-up still ahead.
    CoachingSlot(
        1,
        "Offers were read from the script before asking why the customer wants to leave. "
        "未询问离网原因就照本宣科地介绍挽留方案。",
        held_days_ago=9,
        follow_up_days=14,
        actions=(
            (
                "Ask at least one open question about the reason before any offer. "
                "提供方案前至少问一个开放式问题了解原因。",
                7,
            ),
            ("Role-play three common objections with a colleague. 与同事演练三种常见异议的处理。", 10),
        ),
        signed_off_after_days=2,
        comments=(
            (
                "coach",
                "The retention guide's question list is on the team wiki. "
                "挽留指南中的提问清单在团队知识库里。",
                0,
            ),
            ("agent", "Thanks, I will use it this week. 谢谢，本周就用起来。", 2),
        ),
        done=((0, "agent", 6),),
    ),
    # Held yesterday, waiting for the agent.
    CoachingSlot(
        2,
        "The full ID number was read aloud to confirm it; otherwise a clear, well-structured call. "
        "为确认身份完整读出了证件号码；其余部分清晰有条理。",
        held_days_ago=1,
        follow_up_days=14,
        actions=(
            (
                "Confirm identity with the last four digits only; never read a full ID number aloud. "
                "只用后四位确认身份，绝不完整读出证件号码。",
                1,
            ),
            ("Re-read the personal data guideline. 重新学习个人信息保护规范。", 5),
        ),
    ),
)


def _coached_agent(teams: Sequence[Team], index: int, demo_agent: User) -> User:
    """The first agent of the n-th team who is neither its lead nor the demo agent (whose sessions
    are their own slots)."""
    team = teams[index % len(teams)]
    return (
        User.objects.with_role(Role.AGENT)
        .filter(team=team)
        .exclude(pk__in=[team.lead_id, demo_agent.pk])
        .order_by("username")
        .first()
    )


def _coaching(
    rng: random.Random, slot: CoachingSlot, *, coach: User, agent: User, now: datetime
) -> CoachingSession:
    held_on = timezone.localdate(now) - timedelta(days=slot.held_days_ago)
    session = coaching.coaching_create(
        by=coach,
        agent=agent,
        held_on=held_on,
        observations=slot.observations,
        follow_up_on=held_on + timedelta(days=slot.follow_up_days),
        evaluations=_evaluations_to_discuss(rng, agent, held_on),
        actions=[coaching.ActionInput(text, held_on + timedelta(days=due)) for text, due in slot.actions],
    )
    people = {"agent": agent, "coach": coach}
    latest = now - timedelta(minutes=5)

    def moment(days_after: int, hour: int) -> datetime:
        return min(
            _local(held_on + timedelta(days=days_after), hour=hour) + timedelta(minutes=rng.randrange(60)),
            latest,
        )

    held_at = moment(0, 14)
    changes = [held_at]
    for author, body, days_after in slot.comments:
        comment = coaching.coaching_comment(session=session, by=people[author], body=body)
        at = moment(days_after, 16 if author == "coach" else 10)
        CoachingComment.objects.filter(pk=comment.pk).update(
            created_at=at
        )  # backdated: see _backdate_calibration
    actions = list(session.actions.order_by("id"))  # in the order of slot.actions
    for index, who, days_after in slot.done:
        coaching.coaching_action_set_done(action=actions[index], by=people[who])
        CoachingAction.objects.filter(pk=actions[index].pk).update(done_at=moment(days_after, 11))
    update: dict = {"created_at": held_at}
    if slot.signed_off_after_days is not None:
        coaching.coaching_sign_off(session=session, by=agent)
        update["signed_off_at"] = moment(slot.signed_off_after_days, 9)
        changes.append(update["signed_off_at"])
    if slot.follow_up_note is not None:
        coaching.coaching_follow_up_done(session=session, by=coach, note=slot.follow_up_note)
        update["followed_up_at"] = moment(slot.follow_up_days, 15)
        changes.append(update["followed_up_at"])
        CoachingComment.objects.filter(session=session, body=slot.follow_up_note).update(
            created_at=update["followed_up_at"]
        )
    # The services stamp now(); the session happened days ago (see _backdate_calibration for why an update).
    CoachingSession.objects.filter(pk=session.pk).update(updated_at=max(changes), **update)
    return session


def _evaluations_to_discuss(rng: random.Random, agent: User, held_on: date) -> list[Evaluation]:
    """One or two of the agent's latest submitted evaluations before the session that missed points."""
    with_shortfalls = (
        Evaluation.objects.submitted()
        .filter(agent=agent, submitted_at__lt=_local(held_on + timedelta(days=1), hour=0))
        .filter(answers__is_na=False, answers__points__lt=F("answers__criterion__max_points"))
        .distinct()
        .order_by("-submitted_at", "-id")
    )
    latest = list(with_shortfalls[:4])
    return rng.sample(latest, min(len(latest), rng.choice((1, 2))))


# --- Report --------------------------------------------------------------------------------


def _report(
    ctx: DemoContext, *, manager: User, coach: User, demo_agent: User, created: int, seconds: float
) -> None:
    sessions = CalibrationSession.objects.filter(created_by=manager, note__in=[s.note for s in CALIBRATIONS])
    latest = sessions.filter(status=CalibrationStatus.CLOSED).order_by("-closed_at").first()
    alpha = (
        f"newest α = {latest.alpha_interval:.2f} ({calibration.alpha_reading(latest.alpha_interval)})"
        if latest and latest.alpha_interval is not None
        else "no α yet"
    )
    coached = CoachingSession.objects.filter(coach=coach)
    ctx.report(
        f"Calibration: {sessions.count()} sessions "
        f"({sessions.filter(status=CalibrationStatus.CLOSED).count()} closed, {alpha}; "
        f"{selectors.overdue_calibrations(manager).count()} overdue, "
        f"{selectors.calibrations_to_score(coach).count()} for {coach.username} to score); "
        f"coaching: {coached.count()} sessions by {coach.username} "
        f"({coached.filter(status=CoachingStatus.OPEN).count()} waiting for sign-off, "
        f"{selectors.coaching_to_sign_off(demo_agent).count()} of them {demo_agent.username}'s; "
        f"{selectors.follow_ups_due(coach).count()} follow-up due); "
        f"{created} created now in {seconds:.2f} s"
    )
