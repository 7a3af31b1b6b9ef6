"""Demo TQM projects: one at each of the seven steps, one on hold, and a completed showcase.

Called by ``manage.py seed_demo`` last, after accounts, QA and complaints. Every project is built
through ``services.py`` in the order a team would work — artefacts of a step, then
``project_advance`` — so each gate is passed for real and a story that leaves something out fails
the seeding instead of showing a project that could never have got where it is.

The showcase (``SHOWCASE``) follows a real contact-centre case: satisfaction with call connection
(接通满意度) raised from 70 % (350 of 500 surveyed callers) to 92 % (460 of 500) three months after
the countermeasures, with its before/after reasons, fishbone, countermeasures, a standard revised
once, training records, lessons learned, and a next project (the one at step 1) that follows it.
The demo improver (``improver``) leads most projects and owns an overdue action at step 4, so
"my work" has something to show; two more improvement-team members (``improver02``, ``improver03``)
are created here; the demo duty manager and QA manager sponsor.

Dates: the services stamp the step history, ``completed_on`` and an action's ``done_on`` with the
moment of the call. Seeding happens in one second, so afterwards each project's history is moved to
the days its story planned (a plain update of those timestamps — nothing else is written outside
the services). Artefact dates (data periods, due dates, effective and training dates) are passed to
the services as a user would type them, all in the past except the due date of a planned action.

Projects are matched by title: one that exists is skipped with everything in it, so re-running adds
nothing. Besides the stories, ``VOLUMES`` adds generated projects at steps 1–3 (4 at ``small``, 200 at
``large``), also through the services; about 1 s per 100 projects on SQLite.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.models import User
from apps.accounts.roles import Role
from qa_center.demo import DemoContext

from . import services, sources
from .models import Cause, FishboneCategory, Project, ProjectEvent
from .steps import ActionStatus, DatasetPhase, Direction, Status, Step


@dataclass(frozen=True)
class Volume:
    extra_projects: int  # generated projects at steps 1–3, besides the fixed stories


VOLUMES = {
    "small": Volume(extra_projects=4),
    "large": Volume(extra_projects=200),
}

# Improvement-team members besides the demo login ``improver``.
IMPROVERS = (
    ("improver02", "Sun Li 孙丽"),
    ("improver03", "Ma Jun 马军"),
)
COMPLAINTS_SOURCE = "complaints_by_category"
PULL_DAYS = 90


# --- Story specs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CauseSpec:
    text: str
    children: tuple[CauseSpec, ...] = ()
    evidence: str = ""  # given: the cause is a verified root cause


@dataclass(frozen=True)
class ActionSpec:
    title: str
    controllability: int
    expected_effect: int
    cost: int
    team_decides_alone: bool = False
    cause: str = ""  # the text of the cause it addresses
    owner: str = ""  # username; given, the action is selected
    due_after: int = 0  # days after step 4 began
    status: str = ActionStatus.PLANNED
    description: str = ""


@dataclass(frozen=True)
class StandardSpec:
    title: str
    body: str
    revision: str = ""  # the text of version 2, which supersedes version 1 a week later
    trainees: int = 0  # demo agents trained on the current version


@dataclass(frozen=True)
class ProjectSpec:
    title: str
    problem: str
    metric_name: str
    metric_unit: str
    direction: str
    baseline: str
    target: str
    leader: str
    sponsor: str
    step: int  # the current step (7 for a completed project)
    # Days the project spent in each step before the current one (all seven when completed), and
    # days since the current step began (or since completion).
    step_days: tuple[int, ...]
    since: int
    members: tuple[str, ...] = ()
    baseline_counts: tuple[int, int] | None = None  # (successes, n) for a proportion metric
    completed: bool = False
    on_hold: str = ""  # the sponsor's note, when the project is on hold
    follows: str = ""  # the title of the project this one continues
    # Step 1: (title, urgency, controllability, time-boundedness); the first is chosen with
    # ``rationale`` (empty: none chosen yet).
    topics: tuple[tuple[str, int, int, int], ...] = ()
    rationale: str = ""
    # Step 2: (source, sampling method, sample size, notes), the "before" datasets, and whether to
    # pull complaint counts for the last 90 days.
    data_plan: tuple[str, str, int, str] | None = None
    datasets: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    pull_complaints: bool = False
    # Step 3: a Pareto of the first dataset, and fishbone causes per 6M bone (by position).
    pareto: bool = False
    effect: str = ""
    causes: tuple[tuple[int, CauseSpec], ...] = ()
    # Step 4.
    actions: tuple[ActionSpec, ...] = ()
    # Step 5: (value, successes, n, note) and the "after" dataset.
    measurement: tuple[str, int | None, int | None, str] | None = None
    after: tuple[str, tuple[tuple[str, int], ...]] | None = None
    # Step 6 and 7.
    standards: tuple[StandardSpec, ...] = ()
    lessons: str = ""
    next_topic: str = ""


PEOPLE, METHOD, MACHINE, MATERIAL, MEASUREMENT, ENVIRONMENT = range(6)  # the 6M bones, by position

SHOWCASE = ProjectSpec(
    title="Raise satisfaction with call connection",
    problem=(
        "In the post-call survey only 70% of callers (350 of 500 in the baseline month) were satisfied "
        "with getting through to an agent: the lowest item of the survey, and a frequent reason in "
        "complaints about service. The group target for connection satisfaction is 90%."
    ),
    metric_name="Connection satisfaction",
    metric_unit="%",
    direction=Direction.UP,
    baseline="70.00",
    target="90.00",
    baseline_counts=(350, 500),
    leader="improver",
    sponsor="dutymanager",
    members=("improver02", "improver03", "agent"),
    step=Step.REFLECT,
    completed=True,
    # Implementation (step 4) took two months; the effect was measured in the third month.
    step_days=(7, 21, 14, 60, 30, 21, 10),
    since=30,
    topics=(
        ("Raise satisfaction with call connection", 5, 4, 5),
        ("Shorten handling time of billing enquiries", 3, 3, 4),
        ("Reduce complaints about unwanted subscriptions", 4, 2, 3),
    ),
    rationale=(
        "Connection is the lowest-scoring item of the survey and the team controls what drives it: "
        "staffing at shift changes, the IVR menu and routing. Unwanted subscriptions need the product "
        "department, so they score low on controllability."
    ),
    data_plan=(
        "Post-call SMS survey, question 2: “How satisfied were you with getting through to us?”",
        "Random sample of 500 completed surveys per month, stratified by day of the week; "
        "4 or 5 on the 5-point scale counts as satisfied",
        500,
        "Dissatisfied callers choose a reason from a fixed list; the team reads the free text of “Other”.",
    ),
    datasets=(
        (
            "Reasons for dissatisfaction, baseline month",
            (
                ("Long queue time 排队时间长", 62),
                ("IVR menu too deep IVR菜单层级过多", 38),
                ("Transfer loops 反复转接", 21),
                ("Dropped calls 通话中断", 12),
                ("No answer at shift change 交接班无人接听", 9),
                ("Other 其他", 8),
            ),
        ),
    ),
    pareto=True,
    effect="Only 70% of callers satisfied with call connection",
    causes=(
        (
            PEOPLE,
            CauseSpec(
                "Staffing gaps at shift changes",
                children=(
                    CauseSpec(
                        "No overlap between outgoing and incoming shifts",
                        evidence=(
                            "Queue log, April–May: 41% of abandoned calls fall in the ten minutes around "
                            "the 08:00, 14:00 and 22:00 shift changes, which hold 7% of the day's calls."
                        ),
                    ),
                    CauseSpec("Breaks taken at the top of the hour"),
                ),
            ),
        ),
        (PEOPLE, CauseSpec("New agents transfer calls they could answer")),
        (
            METHOD,
            CauseSpec(
                "IVR menu four levels deep",
                children=(
                    CauseSpec("Seven options on the first level"),
                    CauseSpec("No “speak to an agent” option until level three"),
                ),
                evidence=(
                    "IVR path analysis of 2,000 calls: a median of 95 s in the menu before the queue; "
                    "38 of the 150 dissatisfied callers named the menu."
                ),
            ),
        ),
        (METHOD, CauseSpec("Transfers between skill groups without a warm handover")),
        (
            MACHINE,
            CauseSpec(
                "Calls dropped on trunk overflow",
                children=(CauseSpec("Trunk capacity sized for 2019 volumes"),),
            ),
        ),
        (MACHINE, CauseSpec("The queue offers no callback")),
        (MATERIAL, CauseSpec("Routing table not updated after the spring product launch")),
        (MEASUREMENT, CauseSpec("Queue time reported as a daily average, so the peaks are hidden")),
        (ENVIRONMENT, CauseSpec("Monday-morning peak after weekend network outages")),
        (ENVIRONMENT, CauseSpec("Billing calls peak in the first three days of the month")),
    ),
    actions=(
        ActionSpec(
            "Overlap shifts by 15 minutes at every handover",
            4,
            5,
            2,
            cause="No overlap between outgoing and incoming shifts",
            owner="improver02",
            due_after=21,
            status=ActionStatus.DONE,
            description=(
                "Workforce planning moves each shift's start 15 minutes earlier; breaks move off the hour."
            ),
        ),
        ActionSpec(
            "Cut the IVR menu to two levels with an agent option on the first",
            4,
            5,
            3,
            cause="IVR menu four levels deep",
            owner="improver",
            due_after=35,
            status=ActionStatus.DONE,
            description="Seven first-level options become four; “0” reaches an agent from any level.",
        ),
        ActionSpec(
            "Offer a callback after 60 seconds in the queue",
            4,
            4,
            3,
            cause="The queue offers no callback",
            owner="improver03",
            due_after=50,
            status=ActionStatus.DONE,
        ),
        ActionSpec(
            "Coach agents on taking calls at the start of a shift",
            5,
            1,
            2,
            team_decides_alone=True,
            cause="Staffing gaps at shift changes",
        ),
        ActionSpec("Hire eight more agents for the peak hours", 2, 4, 5),
    ),
    measurement=(
        "92.00",
        460,
        500,
        "Post-call survey of the third month after the changes, same question and sampling as the baseline.",
    ),
    after=(
        "Reasons for dissatisfaction, third month after the changes",
        (
            ("Long queue time 排队时间长", 11),
            ("IVR menu too deep IVR菜单层级过多", 6),
            ("Transfer loops 反复转接", 9),
            ("Dropped calls 通话中断", 8),
            ("No answer at shift change 交接班无人接听", 3),
            ("Other 其他", 3),
        ),
    ),
    standards=(
        StandardSpec(
            "Shift handover and queue routine",
            (
                "1. Each shift starts 15 minutes before the previous one ends; the outgoing shift takes no "
                "breaks in its last 30 minutes.\n"
                "2. The IVR has two levels; 0 reaches an agent from any menu.\n"
                "3. Callers waiting 60 seconds are offered a callback within 15 minutes."
            ),
            revision=(
                "1. Each shift starts 15 minutes before the previous one ends; the outgoing shift takes no "
                "breaks in its last 30 minutes.\n"
                "2. The IVR has two levels; 0 reaches an agent from any menu.\n"
                "3. Callers waiting 60 seconds are offered a callback within 15 minutes.\n"
                "4. Team leads check the wallboard at each handover and move agents between skill groups "
                "when a queue holds calls for more than 90 seconds."
            ),
            trainees=5,
        ),
    ),
    lessons=(
        "Measure queue time by the quarter hour: the daily average hid the shift-change gaps that caused "
        "most of the dissatisfaction.\n"
        "Changes the team could decide alone (shift overlap, callback) worked within weeks; the IVR change "
        "needed the vendor and took twice as long as planned — involve the sponsor early for such actions.\n"
        "Dropped calls barely moved (12 → 8) and are now the second reason: a topic of their own."
    ),
    next_topic="Reduce dropped calls during transfers",
)

STORIES: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        title="Reduce dropped calls during transfers",
        problem=(
            "4.2% of transferred calls drop before the second agent answers; after the connection project "
            "dropped calls are the second reason for dissatisfaction with getting through."
        ),
        metric_name="Dropped transfers",
        metric_unit="%",
        direction=Direction.DOWN,
        baseline="4.20",
        target="2.00",
        leader="improver",
        sponsor="dutymanager",
        members=("improver03",),
        follows=SHOWCASE.title,
        step=Step.SELECT_TOPIC,
        step_days=(),
        since=6,
        topics=(
            ("Reduce dropped calls during transfers", 4, 3, 4),
            ("Fix the trunk overflow at the evening peak", 3, 2, 3),
            ("Introduce a warm-handover script for transfers", 3, 5, 4),
        ),
    ),
    ProjectSpec(
        title="Reduce repeat complaints about billing",
        problem=(
            "18.5% of billing complaints are followed by a second complaint from the same customer within "
            "30 days, mostly because the first answer did not say when the refund arrives."
        ),
        metric_name="Repeat billing complaints within 30 days",
        metric_unit="%",
        direction=Direction.DOWN,
        baseline="18.50",
        target="10.00",
        leader="improver",
        sponsor="dutymanager",
        members=("deptstaff", "improver02"),
        step=Step.COLLECT_DATA,
        step_days=(9,),
        since=5,
        topics=(
            ("Reduce repeat complaints about billing", 5, 4, 4),
            ("Shorten refund processing time", 4, 2, 3),
        ),
        rationale=(
            "Repeat complaints cost two handlings and a callback; the reply template is ours to change."
        ),
        data_plan=(
            "Complaint tickets in QA Center, by category",
            "Every complaint ticket opened in the last 90 days",
            450,
            "Repeat = the same customer complains again within 30 days of the first ticket's closing.",
        ),
        pull_complaints=True,
    ),
    ProjectSpec(
        title="Shorten after-call work",
        problem=(
            "Agents spend 95 seconds on average in after-call work, against 60 seconds planned; at the "
            "morning peak this keeps 8 agents off the phone."
        ),
        metric_name="Average after-call work",
        metric_unit="s",
        direction=Direction.DOWN,
        baseline="95.00",
        target="70.00",
        leader="improver",
        sponsor="qamanager",
        members=("improver02", "evaluator"),
        step=Step.CAUSES,
        step_days=(8, 16),
        since=6,
        topics=(
            ("Shorten after-call work", 4, 4, 5),
            ("Simplify the call summary form", 3, 5, 4),
            ("Replace the CRM client", 3, 1, 2),
        ),
        rationale="After-call work is the largest lever on staffing that the team itself can change.",
        data_plan=(
            "Desktop analytics: time from hang-up to ‘ready’ per call",
            "Every call over 90 s of after-call work in two weeks; agents tag the main activity",
            211,
            "",
        ),
        datasets=(
            (
                "Main activity in long after-call work",
                (
                    ("Typing the call summary", 84),
                    ("Waiting for the CRM to save", 61),
                    ("Looking up the tariff", 27),
                    ("Filling the complaint form", 18),
                    ("Personal time booked as after-call work", 12),
                    ("Other", 9),
                ),
            ),
        ),
        pareto=True,
        causes=(
            (
                METHOD,
                CauseSpec(
                    "Free-text summary with no template",
                    children=(CauseSpec("Agents retype the caller's details"),),
                ),
            ),
            (MACHINE, CauseSpec("CRM takes 8–12 s to save a contact")),
            (PEOPLE, CauseSpec("New agents unsure which fields are mandatory")),
        ),
    ),
    ProjectSpec(
        title="Raise first-call resolution of network faults",
        problem=(
            "Only 62% of calls about network faults are resolved on the first call (310 of 500 sampled); "
            "the rest become tickets for the network team or repeat calls."
        ),
        metric_name="First-call resolution, network faults",
        metric_unit="%",
        direction=Direction.UP,
        baseline="62.00",
        target="75.00",
        baseline_counts=(310, 500),
        leader="improver",
        sponsor="dutymanager",
        members=("improver03", "expert"),
        step=Step.COUNTERMEASURES,
        step_days=(7, 14, 14),
        since=12,
        topics=(
            ("Raise first-call resolution of network faults", 5, 3, 4),
            ("Cut escalations of slow-data calls", 3, 3, 3),
        ),
        rationale="Network faults are the largest group of unresolved calls and each one is a ticket.",
        data_plan=(
            "QA evaluations and ticket records of network-fault calls",
            "500 calls sampled at random over four weeks",
            500,
            "",
        ),
        datasets=(
            (
                "Why network-fault calls were not resolved",
                (
                    ("No outage information at the desk", 71),
                    ("Agent cannot run a line test", 52),
                    ("Customer address not verified", 23),
                    ("Escalation form incomplete", 19),
                    ("Other", 25),
                ),
            ),
        ),
        pareto=True,
        causes=(
            (
                MACHINE,
                CauseSpec(
                    "Outage map not on the agent desktop",
                    evidence=(
                        "In 64 of the 71 calls the outage was on the map; the agent had no access to it."
                    ),
                ),
            ),
            (PEOPLE, CauseSpec("Line-test tool only for tier-2 agents")),
            (METHOD, CauseSpec("No checklist for the escalation form")),
        ),
        actions=(
            ActionSpec(
                "Link the outage map into the agent desktop",
                4,
                5,
                2,
                cause="Outage map not on the agent desktop",
                owner="improver",
                due_after=5,  # already past: the demo improver's overdue action
                status=ActionStatus.IN_PROGRESS,
            ),
            ActionSpec(
                "Give tier-1 agents the line-test tool",
                3,
                4,
                3,
                cause="Line-test tool only for tier-2 agents",
                owner="improver03",
                due_after=30,
            ),
            ActionSpec(
                "Checklist for the escalation form",
                5,
                2,
                1,
                team_decides_alone=True,
                cause="No checklist for the escalation form",
            ),
        ),
    ),
    ProjectSpec(
        title="Cut the evening-peak speed of answer",
        problem="Between 18:00 and 22:00 callers wait 48 seconds on average before an agent answers.",
        metric_name="Average speed of answer, 18:00–22:00",
        metric_unit="s",
        direction=Direction.DOWN,
        baseline="48.00",
        target="30.00",
        leader="improver02",
        sponsor="dutymanager",
        members=("improver",),
        step=Step.EFFECT,
        step_days=(6, 14, 12, 35),
        since=9,
        topics=(("Cut the evening-peak speed of answer", 4, 4, 4), ("Extend the chat hours", 2, 3, 3)),
        rationale="The evening peak drives the abandon rate and is the team's own staffing plan.",
        data_plan=("Queue statistics, evening intervals", "Every interval of four weeks", 560, ""),
        datasets=(
            (
                "Intervals over 40 s by cause",
                (
                    ("Too few agents scheduled", 33),
                    ("Unplanned absence", 17),
                    ("Long calls about roaming", 9),
                    ("System outage", 4),
                ),
            ),
        ),
        pareto=True,
        causes=(
            (
                METHOD,
                CauseSpec(
                    "Forecast ignores the evening promotion campaigns",
                    evidence="Forecast error at 19:00–21:00 is +22% on campaign days, +3% otherwise.",
                ),
            ),
        ),
        actions=(
            ActionSpec(
                "Add the campaign calendar to the forecast",
                4,
                5,
                2,
                cause="Forecast ignores the evening promotion campaigns",
                owner="improver02",
                due_after=14,
                status=ActionStatus.DONE,
            ),
            ActionSpec(
                "Split shift for part-time agents 18:00–22:00",
                3,
                4,
                3,
                owner="improver",
                due_after=28,
                status=ActionStatus.DONE,
            ),
        ),
    ),
    ProjectSpec(
        title="Reduce wrong transfers to the billing department",
        problem="14% of calls transferred to billing (70 of 500) belong to another team and come back.",
        metric_name="Wrong transfers to billing",
        metric_unit="%",
        direction=Direction.DOWN,
        baseline="14.00",
        target="6.00",
        baseline_counts=(70, 500),
        leader="improver",
        sponsor="qamanager",
        members=("improver03", "deptstaff"),
        step=Step.STANDARDIZE,
        step_days=(5, 12, 10, 28, 30),
        since=4,
        topics=(("Reduce wrong transfers to the billing department", 4, 4, 4),),
        rationale="Every wrong transfer is a second wait for the caller and work for billing.",
        data_plan=(
            "Transfer log with the receiving team's verdict",
            "500 transfers sampled in a month",
            500,
            "",
        ),
        datasets=(
            (
                "Wrong transfers by what the caller wanted",
                (
                    ("Payment by bank card", 29),
                    ("Plan change", 21),
                    ("Invoice copy", 12),
                    ("Other", 8),
                ),
            ),
        ),
        pareto=True,
        causes=(
            (
                MATERIAL,
                CauseSpec(
                    "Transfer list names teams, not requests",
                    evidence="Agents chose by name in 58 of 70 wrong transfers; the request was on no list.",
                ),
            ),
        ),
        actions=(
            ActionSpec(
                "Transfer list by caller request",
                5,
                4,
                1,
                team_decides_alone=True,
                cause="Transfer list names teams, not requests",
                owner="improver",
                due_after=10,
                status=ActionStatus.DONE,
            ),
        ),
        measurement=("5.60", 28, 500, "500 transfers sampled in the month after the change."),
    ),
    ProjectSpec(
        title="Improve identity verification in QA evaluations",
        problem=(
            "81% of evaluated calls (405 of 500) pass the identity-verification criterion; the target is 95%."
        ),
        metric_name="Calls passing identity verification",
        metric_unit="%",
        direction=Direction.UP,
        baseline="81.00",
        target="95.00",
        baseline_counts=(405, 500),
        leader="improver",
        sponsor="qamanager",
        members=("evaluator", "improver02"),
        step=Step.REFLECT,
        step_days=(5, 10, 10, 21, 30, 14),
        since=3,
        topics=(("Improve identity verification in QA evaluations", 5, 5, 4),),
        rationale="A regulatory requirement, and the most failed criterion of the scorecard.",
        data_plan=("QA evaluations, identity criterion", "500 evaluations of a month", 500, ""),
        datasets=(
            (
                "Failed identity checks by missing step",
                (
                    ("Second identifier not asked", 52),
                    ("Verified after disclosing data", 27),
                    ("Caller not the account holder", 11),
                    ("Other", 5),
                ),
            ),
        ),
        pareto=True,
        causes=(
            (
                METHOD,
                CauseSpec(
                    "Script puts the second identifier after the greeting questions",
                    evidence=(
                        "Listening to 60 failed calls: 49 skipped the question where the script placed it."
                    ),
                ),
            ),
        ),
        actions=(
            ActionSpec(
                "Move both identifiers to the first script screen",
                5,
                5,
                1,
                team_decides_alone=True,
                owner="improver",
                due_after=7,
                status=ActionStatus.DONE,
            ),
        ),
        measurement=("96.20", 481, 500, "500 evaluations of the month after the script change."),
        standards=(
            StandardSpec(
                "Identity verification script",
                "Ask for the account holder's name and one of: ID-card last four digits, service password. "
                "Disclose nothing before both are confirmed.",
                trainees=4,
            ),
        ),
    ),
    ProjectSpec(
        title="Lower complaints about value-added services",
        problem="6.5 complaints per 10,000 calls concern value-added services the customer did not order.",
        metric_name="Value-added service complaints per 10,000 calls",
        metric_unit="",
        direction=Direction.DOWN,
        baseline="6.50",
        target="3.00",
        leader="improver02",
        sponsor="qamanager",
        members=("improver",),
        step=Step.CAUSES,
        step_days=(10, 20),
        since=25,
        on_hold="Paused until the product department's new subscription-consent flow goes live next quarter.",
        topics=(("Lower complaints about value-added services", 4, 2, 3),),
        rationale="Complaints about unwanted subscriptions grow every month.",
        data_plan=("Complaint tickets, value-added categories", "All tickets of two months", 240, ""),
        datasets=(
            (
                "Value-added complaints by service",
                (("Video membership", 88), ("Ringtone", 61), ("Cloud storage", 40), ("News alerts", 22)),
            ),
        ),
        pareto=True,
    ),
)

# --- Generated projects (a few at --scale small, 200 at --scale large) -----------------------

EXTRA_SUBJECTS = (
    ("Reduce hold time on refund calls", "Average hold time, refund calls", "s", Direction.DOWN, 75, 45),
    ("Cut repeat calls within 48 hours", "Repeat calls within 48 h", "%", Direction.DOWN, 16, 10),
    ("Raise the callback success rate", "Callbacks reaching the customer", "%", Direction.UP, 68, 85),
    ("Shorten email response time", "Emails answered within 24 h", "%", Direction.UP, 71, 90),
    ("Lower the abandon rate on the VIP line", "Abandoned VIP calls", "%", Direction.DOWN, 7, 3),
    ("Improve greeting compliance in QA", "Calls passing the greeting criterion", "%", Direction.UP, 84, 95),
    ("Reduce escalations about roaming charges", "Roaming escalations per week", "", Direction.DOWN, 40, 20),
    (
        "Stop wrong promises about refund dates",
        "Refund-date complaints per month",
        "",
        Direction.DOWN,
        55,
        25,
    ),
    ("Raise satisfaction with chat answers", "Chat satisfaction", "%", Direction.UP, 74, 88),
    ("Shorten new-agent time to proficiency", "Weeks to reach the QA target", "", Direction.DOWN, 10, 6),
    ("Cut unnecessary transfers to tier 2", "Calls transferred to tier 2", "%", Direction.DOWN, 22, 12),
    (
        "Raise first-call resolution of billing calls",
        "First-call resolution, billing",
        "%",
        Direction.UP,
        70,
        82,
    ),
    (
        "Reduce complaints about delivery of SIM cards",
        "SIM delivery complaints per week",
        "",
        Direction.DOWN,
        30,
        12,
    ),
)
EXTRA_REASONS = (
    "Information missing in the knowledge base",
    "System slow at the peak",
    "Policy unclear to agents",
    "Customer gave incomplete details",
    "Waiting for another department",
    "Agent not trained on the product",
    "Wrong routing",
    "Other",
)
EXTRA_CAUSES = (
    (PEOPLE, "Training covers the product only at launch"),
    (METHOD, "No checklist for the case"),
    (MACHINE, "Two systems to look up one customer"),
    (MATERIAL, "Knowledge-base article out of date"),
    (MEASUREMENT, "The report counts cases, not customers"),
    (ENVIRONMENT, "Peak after the monthly bill is sent"),
)


# --- Seeding -------------------------------------------------------------------------------------


def seed(ctx: DemoContext) -> None:
    started = time.monotonic()
    volume = VOLUMES[ctx.scale]
    people = _upsert_people(ctx)
    today = timezone.localdate()
    existing = set(Project.objects.values_list("title", flat=True))

    built = 0
    for spec in (SHOWCASE, *STORIES, *_extra_specs(ctx, volume)):
        if spec.title in existing:
            continue
        _Builder(ctx, spec, people, today).build()
        existing.add(spec.title)
        built += 1

    _report(ctx, built, time.monotonic() - started)


def _upsert_people(ctx: DemoContext) -> dict[str, User]:
    """The improvement-team members besides the demo login, then every user the stories name."""
    users = [
        User(
            username=username,
            display_name=display_name,
            employee_number=f"T{index + 1:04d}",
            password=ctx.password_hash(DEMO_PASSWORD),
        )
        for index, (username, display_name) in enumerate(IMPROVERS)
    ]
    User.objects.bulk_create(
        users,
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["display_name", "employee_number", "password"],
    )
    group = Group.objects.get(name=Role.IMPROVEMENT_MEMBER)
    by_username = User.objects.in_bulk([u.username for u in users], field_name="username")
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in by_username.values()],
        ignore_conflicts=True,
    )
    named = {spec_user for spec in (SHOWCASE, *STORIES) for spec_user in _usernames(spec)}
    named |= {"improver", "dutymanager", "qamanager", "agent", *(username for username, _name in IMPROVERS)}
    return User.objects.in_bulk(sorted(named), field_name="username")


def _usernames(spec: ProjectSpec) -> set[str]:
    return {spec.leader, spec.sponsor, *spec.members, *(a.owner for a in spec.actions if a.owner)}


def _extra_specs(ctx: DemoContext, volume: Volume) -> list[ProjectSpec]:
    """Generated projects at steps 1–3; titles depend only on their number, so re-runs match them."""
    teams = [team.name for team in ctx.data.get("teams", [])] or ["Contact centre"]
    rng = ctx.rng
    leaders = ("improver", "improver02", "improver03")
    specs = []
    for index in range(volume.extra_projects):
        subject, metric, unit, direction, baseline, target = EXTRA_SUBJECTS[index % len(EXTRA_SUBJECTS)]
        team = teams[(index // len(EXTRA_SUBJECTS)) % len(teams)]
        cycle = index // (len(EXTRA_SUBJECTS) * len(teams))
        title = f"{subject} — {team}" + (f" ({cycle + 1})" if cycle else "")
        step = rng.choices((1, 2, 3), weights=(3, 3, 4))[0]
        reasons = rng.sample(EXTRA_REASONS[:-1], rng.randint(3, 6)) + ["Other"]
        items = tuple(
            (reason, rng.randint(20, 90) if position < 2 else rng.randint(2, 30))
            for position, reason in enumerate(reasons)
        )
        causes = tuple((bone, CauseSpec(text)) for bone, text in rng.sample(EXTRA_CAUSES, rng.randint(2, 4)))
        sample_size = sum(count for _label, count in items) * rng.choice((2, 3, 4))
        specs.append(
            ProjectSpec(
                title=title,
                problem=f"{team}: {metric.lower()} is {baseline}{unit}; the target is {target}{unit}.",
                metric_name=metric,
                metric_unit=unit,
                direction=direction,
                baseline=f"{baseline}.00",
                target=f"{target}.00",
                leader=leaders[index % len(leaders)],
                sponsor=("dutymanager", "qamanager")[index % 2],
                members=tuple(name for name in leaders if name != leaders[index % len(leaders)])[:1],
                step=step,
                step_days=tuple(rng.randint(5, 20) for _ in range(step - 1)),
                since=rng.randint(1, 30),
                topics=(
                    (subject, rng.randint(3, 5), rng.randint(3, 5), rng.randint(2, 5)),
                    (
                        EXTRA_SUBJECTS[
                            (index + rng.randint(1, len(EXTRA_SUBJECTS) - 1)) % len(EXTRA_SUBJECTS)
                        ][0],
                        rng.randint(1, 4),
                        rng.randint(1, 4),
                        rng.randint(1, 4),
                    ),
                ),
                rationale="The largest gap to target that the team can influence." if step > 1 else "",
                data_plan=(
                    "Contact records and QA evaluations",
                    "Random sample over four weeks",
                    sample_size,
                    "",
                )
                if step > 1
                else None,
                datasets=((f"{metric}: reasons", items),) if step > 1 else (),
                pareto=step > 2,
                causes=causes if step > 2 else (),
            )
        )
    return specs


class _Builder:
    """Builds one project through the services, step by step, and then dates its history."""

    def __init__(self, ctx: DemoContext, spec: ProjectSpec, people: dict[str, User], today: date):
        self.ctx, self.spec, self.today = ctx, spec, today
        self.people = people
        self.leader = people[spec.leader]
        lengths = spec.step_days
        self.start = today - timedelta(days=spec.since + sum(lengths))
        # begins[k]: the day step k began (begins[8]: the day a completed project was completed).
        self.begins = {1: self.start}
        for step, length in enumerate(lengths, start=2):
            self.begins[step] = self.begins[step - 1] + timedelta(days=length)
        self.event_times: list[datetime] = []
        self.done_on: dict[int, date] = {}
        self.project: Project | None = None

    def _at(self, day: date, hour: int = 10) -> datetime:
        """A moment of that working day (never later than now)."""
        moment = datetime.combine(
            day, clock(hour, self.ctx.rng.randrange(60)), tzinfo=timezone.get_current_timezone()
        )
        return min(moment, timezone.now())

    def build(self) -> Project:
        spec, by = self.spec, self.leader
        previous = Project.objects.filter(title=spec.follows).first() if spec.follows else None
        self.project = services.project_create(
            by=by,
            title=spec.title,
            problem_statement=spec.problem,
            metric_name=spec.metric_name,
            metric_unit=spec.metric_unit,
            metric_direction=spec.direction,
            baseline=Decimal(spec.baseline),
            target=Decimal(spec.target),
            baseline_successes=spec.baseline_counts[0] if spec.baseline_counts else None,
            baseline_sample_size=spec.baseline_counts[1] if spec.baseline_counts else None,
            sponsor=self.people[spec.sponsor],
            leader=by,
            members=[self.people[name] for name in spec.members],
            start_date=self.start,
            target_date=self.start + timedelta(days=180),
            previous_project=previous,
        )
        self.event_times.append(self._at(self.start, 9))

        fillers = {
            Step.SELECT_TOPIC: self._select_topic,
            Step.COLLECT_DATA: self._collect_data,
            Step.CAUSES: self._causes,
            Step.COUNTERMEASURES: self._countermeasures,
            Step.EFFECT: self._effect,
            Step.STANDARDIZE: self._standardize,
            Step.REFLECT: self._reflect,
        }
        for step in range(Step.SELECT_TOPIC, spec.step + 1):
            fillers[step]()
            if step < spec.step or spec.completed:
                self.project = services.project_advance(project=self.project, by=by, expected_step=step)
                self.event_times.append(self._at(self.begins[step + 1]))
        if spec.on_hold:
            sponsor = self.people[spec.sponsor]
            services.project_set_status(
                project=self.project, by=sponsor, status=Status.ON_HOLD, note=spec.on_hold
            )
            self.event_times.append(self._at(self.today - timedelta(days=max(spec.since // 2, 1)), 16))
        self._date_history()
        return self.project

    # Step 1 ------------------------------------------------------------------------------------

    def _select_topic(self) -> None:
        topics = [
            services.topic_add(
                project=self.project,
                by=self.leader,
                title=title,
                urgency=urgency,
                controllability=controllability,
                time_bound=time_bound,
            )
            for title, urgency, controllability, time_bound in self.spec.topics
        ]
        if self.spec.rationale:
            services.topic_choose(topic=topics[0], by=self.leader, rationale=self.spec.rationale)

    # Step 2 ------------------------------------------------------------------------------------

    def _collect_data(self) -> None:
        spec = self.spec
        began = self.begins[Step.COLLECT_DATA]
        # The baseline: the month before the team started collecting.
        period_start, period_end = began - timedelta(days=30), began - timedelta(days=1)
        if spec.data_plan:
            source, sampling, sample_size, notes = spec.data_plan
            services.data_plan_save(
                project=self.project,
                by=self.leader,
                source=source,
                sampling_method=sampling,
                sample_size=sample_size,
                period_start=period_start,
                period_end=period_end,
                notes=notes,
            )
        for name, items in spec.datasets:
            services.dataset_create(
                project=self.project,
                by=self.leader,
                name=name,
                items=items,
                period_start=period_start,
                period_end=period_end,
            )
        if spec.pull_complaints:
            self._pull_complaints()

    def _pull_complaints(self) -> None:
        """Complaint counts by category for the last 90 days, when the complaints app has any."""
        source = sources.get(COMPLAINTS_SOURCE)
        start, end = self.today - timedelta(days=PULL_DAYS), self.today
        if source is None or not source.fetch(start, end):
            return
        services.dataset_pull(
            project=self.project,
            by=self.leader,
            name=f"Complaints by category, last {PULL_DAYS} days",
            source_key=COMPLAINTS_SOURCE,
            period_start=start,
            period_end=end,
        )

    # Step 3 ------------------------------------------------------------------------------------

    def _causes(self) -> None:
        spec = self.spec
        if spec.effect:
            self.project = services.project_update(
                project=self.project, by=self.leader, fishbone_effect=spec.effect
            )
        if spec.pareto:
            dataset = self.project.datasets.order_by("created_at", "id").first()
            services.pareto_save(project=self.project, by=self.leader, dataset=dataset)
        bones = list(FishboneCategory.objects.filter(project=self.project).order_by("position", "id"))
        for bone, cause in spec.causes:
            self._add_cause(bones[bone], cause, parent=None)

    def _add_cause(self, bone: FishboneCategory, cause: CauseSpec, parent: Cause | None) -> None:
        added = services.cause_add(
            category=bone,
            by=self.leader,
            text=cause.text,
            parent=parent,
            is_root_cause=bool(cause.evidence),
            evidence=cause.evidence,
        )
        for child in cause.children:
            self._add_cause(bone, child, parent=added)

    # Step 4 ------------------------------------------------------------------------------------

    def _countermeasures(self) -> None:
        causes = {cause.text: cause for cause in Cause.objects.filter(category__project=self.project)}
        began = self.begins[Step.COUNTERMEASURES]
        for action in self.spec.actions:
            measure = services.countermeasure_add(
                project=self.project,
                by=self.leader,
                title=action.title,
                description=action.description,
                controllability=action.controllability,
                expected_effect=action.expected_effect,
                cost=action.cost,
                team_decides_alone=action.team_decides_alone,
                cause=causes[action.cause] if action.cause else None,
            )
            if not action.owner:
                continue
            due = began + timedelta(days=action.due_after)
            services.countermeasure_select(
                measure=measure, by=self.leader, owner=self.people[action.owner], due_date=due
            )
            if action.status != ActionStatus.PLANNED:
                services.countermeasure_set_status(
                    measure=measure, by=self.leader, status=ActionStatus.IN_PROGRESS
                )
            if action.status == ActionStatus.DONE:
                services.countermeasure_set_status(measure=measure, by=self.leader, status=ActionStatus.DONE)
                self.done_on[measure.pk] = min(due - timedelta(days=self.ctx.rng.randint(0, 4)), self.today)

    # Step 5 ------------------------------------------------------------------------------------

    def _effect(self) -> None:
        spec = self.spec
        began = self.begins[Step.EFFECT]
        end = self.begins[Step.STANDARDIZE] - timedelta(days=1) if spec.step > Step.EFFECT else self.today
        if spec.measurement:
            value, successes, sample_size, note = spec.measurement
            services.measurement_record(
                project=self.project,
                by=self.leader,
                value=Decimal(value),
                successes=successes,
                sample_size=sample_size,
                period_start=began,
                period_end=end,
                note=note,
            )
        if spec.after:
            name, items = spec.after
            services.dataset_create(
                project=self.project,
                by=self.leader,
                name=name,
                items=items,
                phase=DatasetPhase.AFTER,
                period_start=began,
                period_end=end,
            )

    # Step 6 ------------------------------------------------------------------------------------

    def _standardize(self) -> None:
        began = self.begins[Step.STANDARDIZE]
        trainees = [self.people["agent"], *self.ctx.data.get("agents", [])]
        for standard_spec in self.spec.standards:
            standard = services.standard_create(
                project=self.project,
                by=self.leader,
                title=standard_spec.title,
                body=standard_spec.body,
                effective_date=began,
            )
            if standard_spec.revision:
                standard = services.standard_create(
                    project=self.project,
                    by=self.leader,
                    title=standard_spec.title,
                    body=standard_spec.revision,
                    effective_date=began + timedelta(days=7),
                    supersedes=standard,
                )
            for index, trainee in enumerate(trainees[: standard_spec.trainees]):
                services.training_record_add(
                    standard=standard,
                    by=self.leader,
                    trainee=trainee,
                    trained_on=min(standard.effective_date + timedelta(days=1 + index // 2), self.today),
                    note="Team briefing with a test call",
                )

    # Step 7 ------------------------------------------------------------------------------------

    def _reflect(self) -> None:
        if self.spec.lessons:
            self.project = services.reflection_save(
                project=self.project,
                by=self.leader,
                lessons_learned=self.spec.lessons,
                next_topic=self.spec.next_topic,
            )

    # Dates -------------------------------------------------------------------------------------

    def _date_history(self) -> None:
        """Move the step history to the planned days (see the module docstring)."""
        project = self.project
        events = list(ProjectEvent.objects.filter(project=project).order_by("id"))
        if len(events) != len(self.event_times):  # pragma: no cover - a builder bug, not data
            raise AssertionError(
                f"{project.title}: {len(events)} events, {len(self.event_times)} times planned"
            )
        for event, moment in zip(events, self.event_times, strict=True):
            event.created_at = moment
        ProjectEvent.objects.bulk_update(events, ["created_at"])
        Project.objects.filter(pk=project.pk).update(
            created_at=self.event_times[0],
            updated_at=self.event_times[-1],
            completed_on=self.begins[Step.REFLECT + 1] if self.spec.completed else None,
        )
        for measure_id, day in self.done_on.items():
            project.countermeasures.filter(pk=measure_id).update(done_on=day)


def _report(ctx: DemoContext, built: int, seconds: float) -> None:
    by_status = dict(Project.objects.values_list("status").annotate(n=Count("id")).order_by())
    by_step = dict(
        Project.objects.filter(status=Status.ACTIVE)
        .values_list("current_step")
        .annotate(n=Count("id"))
        .order_by()
    )
    steps = ", ".join(f"step {step} {by_step.get(step, 0):,}" for step in Step.values)
    ctx.report(
        f"TQM: {sum(by_status.values()):,} improvement projects ({by_status.get(Status.ACTIVE, 0):,} "
        f"active: {steps}; {by_status.get(Status.ON_HOLD, 0):,} on hold, "
        f"{by_status.get(Status.COMPLETED, 0):,} completed); {built:,} created now in {seconds:.1f} s"
    )
