"""Demo complaints: categories, calendars, SLA policies, suggestions, and tickets in every state.

Called by ``manage.py seed_demo`` after the accounts and QA seeders. The set-up rows (a category tree
with default departments, the contact centre's business calendar and a 24×7 one, SLA policies,
suggestions) are matched by their names and only created when missing, so a duty manager's edits in
the admin survive a re-run. Tickets are matched by reference (``CP-<year>-<number>``, numbered in
order of creation as the service numbers them by row id); a ticket that already exists is skipped
with its events, so re-running adds nothing.

Every ticket's history is *simulated* with the rules of ``services.py``: each stage starts its clock
(``due_at`` in business time from the category's calendar and SLA policy), the holder works on it
for a drawn share of the budget, may pause the clock while waiting for the customer, and acts; when
a stage overruns, the SLA sweep marks it breached and escalates first-line and expert stages to the
duty manager. Each step is checked against the transition table (``workflow.find``) with an actor
the table permits. What has not happened by *now* has not happened: recent tickets are still open,
waiting or overdue. The same seed therefore gives the same tickets, and seeding again on the same day
gives the same states.

The demo logins get fixed stories (``STORIES``) on top of the volume: the demo agent holds open
tickets, the expert pool and the duty manager's review queue have work, the demo department staff's
department (Billing) has tickets to answer, some overdue and some waiting for the customer; each of
them has a few unread notifications.

Volume tickets are simulated from their own random generator (seeded from the demo's, like the QA
calls) and written with ``bulk_create`` a chunk at a time without a query per row, which keeps
``--scale large`` (100,000 tickets, ~310,000 events) under a minute on SQLite.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.demo import DEMO_PASSWORD, GIVEN, SURNAMES
from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from qa_center.demo import DemoContext

from . import services, sla, workflow
from .models import (
    BusinessCalendar,
    Category,
    Holiday,
    Notification,
    SlaPolicy,
    Suggestion,
    Ticket,
    TicketEvent,
    WorkingPeriod,
)
from .states import Action, Channel, Severity, State


@dataclass(frozen=True)
class Volume:
    tickets: int  # in all, the stories included
    days: int  # tickets were created over the last ``days`` days
    extra_experts: int
    extra_duty_managers: int
    staff_per_department: int  # department staff besides the demo login


VOLUMES = {
    "small": Volume(tickets=150, days=45, extra_experts=1, extra_duty_managers=1, staff_per_department=1),
    # About 270 tickets a day for a year; ~3 events per ticket.
    "large": Volume(
        tickets=100_000, days=365, extra_experts=8, extra_duty_managers=6, staff_per_department=3
    ),
}

# Rows per INSERT on PostgreSQL; Django caps it lower on SQLite (999 bound parameters).
BATCH_SIZE = 5_000
# Tickets simulated and written per round: bounds memory at --scale large.
TICKETS_PER_CHUNK = 10_000

# --- Set-up: calendars, categories, SLA policies, suggestions ---------------------------------

DEFAULT_CALENDAR = "Contact centre hours 客服中心工作时间"
ALWAYS_OPEN_CALENDAR = "Around the clock 全天候 (24×7)"
# Back-office hours: Monday to Friday 09:00–18:00, Saturday morning.
WORKING_HOURS = tuple((weekday, clock(9), clock(18)) for weekday in range(5)) + ((5, clock(9), clock(12)),)
# The State Council's 2026 public holidays (first day, days off). The make-up working weekends
# (调休) are not modelled: a calendar has no "extra working day".
HOLIDAYS_2026 = (
    ("New Year's Day 元旦", date(2026, 1, 1), 3),
    ("Spring Festival 春节", date(2026, 2, 15), 9),
    ("Qingming Festival 清明节", date(2026, 4, 4), 3),
    ("Labour Day 劳动节", date(2026, 5, 1), 5),
    ("Dragon Boat Festival 端午节", date(2026, 6, 19), 3),
    ("Mid-Autumn Festival 中秋节", date(2026, 9, 25), 3),
    ("National Day 国庆节", date(2026, 10, 1), 7),
)


@dataclass(frozen=True)
class CategorySpec:
    name: str
    department: int  # index into ctx.data["departments"]
    children: tuple[str, ...] = ()
    always_open: bool = False  # network faults are handled around the clock


BILLING, NETWORK, RETENTION, LOGISTICS = range(4)  # the demo departments, in accounts.demo order
CATEGORY_TREE = (
    CategorySpec(
        "Billing 计费", BILLING, ("Double charge 重复扣费", "Refund 退款", "Unknown charge 不明扣费")
    ),
    CategorySpec("Network 网络", NETWORK, ("No signal 无信号", "Slow data 网速慢"), always_open=True),
    CategorySpec("Service attitude 服务态度", RETENTION),
    CategorySpec("Value-added services 增值业务", BILLING, ("Unwanted subscription 未经同意订购",)),
    CategorySpec("Delivery 配送", LOGISTICS, ("SIM card delivery SIM卡配送",)),
)
# Where tickets are filed, and how often (a contact centre's usual mix).
TICKET_CATEGORIES = {
    "Double charge 重复扣费": 14,
    "Refund 退款": 12,
    "Unknown charge 不明扣费": 8,
    "No signal 无信号": 12,
    "Slow data 网速慢": 14,
    "Service attitude 服务态度": 12,
    "Value-added services 增值业务": 3,
    "Unwanted subscription 未经同意订购": 8,
    "SIM card delivery SIM卡配送": 6,
}
# Category-specific budgets (business minutes) on top of the defaults; children inherit them.
SLA_OVERRIDES = (
    ("No signal 无信号", Severity.CRITICAL, State.OPEN, 15),
    ("No signal 无信号", Severity.CRITICAL, State.WITH_DEPARTMENT, 120),
    ("No signal 无信号", Severity.HIGH, State.WITH_DEPARTMENT, 240),
    ("Double charge 重复扣费", Severity.HIGH, State.WITH_DEPARTMENT, 240),
    ("Billing 计费", Severity.CRITICAL, State.FEEDBACK, 30),
    ("Service attitude 服务态度", Severity.MEDIUM, State.WITH_DUTY_MANAGER, 60),
)
SUGGESTIONS = {
    "Billing 计费": (
        (
            "Check the billing cycle before promising anything 承诺前先核对账期",
            "Most 'wrong bill' calls are charges of the previous cycle. Open the bill of both cycles "
            "with the customer before promising a refund. 多数“账单错误”是上一账期的费用，承诺退款前"
            "请与客户一起核对两个账期的账单。",
        ),
    ),
    "Double charge 重复扣费": (
        (
            "Find both deductions in the payment log 在支付流水中核实两笔扣款",
            "Compare the transaction numbers. If both succeeded, raise a refund to the original "
            "payment method (3–5 working days) and give the customer the ticket reference. "
            "核对交易号；两笔均成功时发起原路退款（3–5个工作日），并告知客户工单号。",
        ),
    ),
    "Unknown charge 不明扣费": (
        (
            "Read the charge's order record aloud 向客户读出订购记录",
            "Every charge has an order record with a date and a channel. Read it to the customer; "
            "if there is none, treat the case as an unwanted subscription. 每笔费用都有带日期和渠道的"
            "订购记录，请读给客户听；查无记录时按未经同意订购处理。",
        ),
    ),
    "Refund 退款": (
        (
            "Give a date, not a promise 告诉客户到账日期，而不是空头承诺",
            "Tell the customer the day the refund arrives and write it in the ticket; customers "
            "complain again when 'soon' passes. 告诉客户具体到账日期并记入工单；“尽快”过后客户往往再次投诉。",
        ),
    ),
    "Network 网络": (
        (
            "Ask where and since when 问清地点和开始时间",
            "Note the street address, indoor or outdoor, and when the problem began: the network "
            "team cannot act on 'it does not work'. 记录详细地址、室内还是室外、问题开始时间："
            "只有“用不了”，网络部门无法处理。",
        ),
    ),
    "No signal 无信号": (
        (
            "Check the outage map first 先查询故障地图",
            "Look up the customer's area on the outage map before any troubleshooting; during a "
            "known outage give the expected repair time. 排查前先在故障地图上查询客户所在区域；"
            "已知故障时告知预计修复时间。",
        ),
        (
            "Restart and re-register the SIM card 重启并重新注册SIM卡",
            "Ask the customer to restart the phone and re-insert the SIM card; this solves about a "
            "third of single-customer cases. 请客户重启手机并重新插拔SIM卡，约三分之一的个例可以解决。",
        ),
    ),
    "Slow data 网速慢": (
        (
            "Check the plan's speed limit 检查套餐限速阈值",
            "Plans slow down after their monthly allowance; check the usage before escalating. "
            "套餐用量超出后会限速，升级前先查询当月用量。",
        ),
    ),
    "Service attitude 服务态度": (
        (
            "Apologise first, then listen to the recording 先道歉，再调取录音",
            "Acknowledge the customer's feeling without arguing, then review the recording with "
            "the agent's team lead. 先认可客户感受、不争辩，再与座席组长一起调取录音复核。",
        ),
    ),
    "Value-added services 增值业务": (
        (
            "List every value-added service on the account 列出账户上的全部增值业务",
            "Customers often know only one of the services they pay for; read the full list and "
            "offer to cancel what they do not use. "
            "客户往往只知道其中一项，请读出全部清单并主动提出退订不用的业务。",
        ),
    ),
    "Unwanted subscription 未经同意订购": (
        (
            "Unsubscribe at once and refund the months charged 立即退订并退还已扣费用",
            "Cancel the service during the call and refund every month charged without an "
            "order record. 通话中立即退订，没有订购记录的月份全部退费。",
        ),
    ),
    "Delivery 配送": (
        (
            "Confirm the delivery address before re-sending 补寄前先确认收货地址",
            "Half of the lost parcels went to an old address. 一半的丢件是寄到了旧地址。",
        ),
    ),
    "SIM card delivery SIM卡配送": (
        (
            "Give the courier's tracking number 提供快递单号",
            "Read the tracking number and the courier's hotline to the customer. "
            "向客户提供快递单号和快递公司客服电话。",
        ),
    ),
}

# --- Ticket texts --------------------------------------------------------------------------

DESCRIPTIONS = {
    "Double charge 重复扣费": (
        "The {month} plan fee of ¥{amount} was deducted twice. {month_zh}套餐费¥{amount}被扣了两次。",
        "Paid the bill in the app and again at the counter; asks for one payment back. "
        "在App和营业厅各缴了一次费，要求退回一笔。",
    ),
    "Refund 退款": (
        "A refund of ¥{amount} promised {days} days ago has not arrived. "
        "{days}天前承诺的¥{amount}退款仍未到账。",
        "Cancelled the broadband contract; the deposit of ¥{amount} is still not refunded. "
        "宽带已销户，押金¥{amount}仍未退还。",
    ),
    "Unknown charge 不明扣费": (
        "A charge of ¥{amount} on the {month} bill the customer does not recognise. "
        "{month_zh}账单中有一笔¥{amount}的不明费用。",
    ),
    "No signal 无信号": (
        "No signal at home for {days} days; neighbours have the same problem. "
        "家中已{days}天没有信号，邻居也一样。",
        "Calls drop as soon as the customer enters the office building. 一进办公楼通话就中断。",
    ),
    "Slow data 网速慢": (
        "Mobile data below 1 Mbps every evening for {days} days. 连续{days}天每晚网速低于1 Mbps。",
        "The 5G plan is slower than the old 4G one; asks to change back. 5G套餐比原来的4G还慢，要求改回。",
    ),
    "Service attitude 服务态度": (
        "The agent hung up while the customer was still talking. 客户还在说话时座席挂断了电话。",
        "Was transferred four times and nobody took responsibility. 被转接四次，无人负责。",
    ),
    "Value-added services 增值业务": (
        "Asks why the ringtone service costs ¥{amount} a month. 询问彩铃业务为何每月收费¥{amount}。",
    ),
    "Unwanted subscription 未经同意订购": (
        "A video membership of ¥{amount} a month was added without consent. "
        "未经同意开通了每月¥{amount}的视频会员。",
    ),
    "SIM card delivery SIM卡配送": (
        "The replacement SIM card ordered {days} days ago has not arrived. {days}天前补办的SIM卡仍未收到。",
    ),
}
NOTES = {
    (Action.ESCALATE, State.OPEN): (
        "The customer asks for compensation beyond my authority. 客户要求的赔偿超出我的权限。",
        "Second complaint about the same problem. 同一问题第二次投诉。",
        "The customer threatens to complain to the regulator. 客户表示要向工信部投诉。",
    ),
    (Action.ESCALATE, State.WITH_EXPERT): (
        "A business department has to act; passing to the duty manager. 需要业务部门处理，转值班经理。",
        "The customer rejected the solution offered. 客户不接受所给方案。",
    ),
    (Action.RESOLVE, State.OPEN): (
        "Explained the charge; the customer accepted. 已解释费用，客户认可。",
        "Reset the network settings remotely; service restored. 远程重置网络设置，业务恢复。",
    ),
    (Action.RESOLVE, State.WITH_EXPERT): (
        "Refunded ¥{amount} as a goodwill gesture; the customer accepted. 作为补偿退还¥{amount}，客户接受。",
        "Found the cause with the customer and fixed the setting. 与客户一起找到原因并修改了设置。",
    ),
    (Action.ASSIGN_DEPARTMENT, State.WITH_DUTY_MANAGER): (
        "Please check the records and call the customer back. 请核查记录并回电客户。",
        "Please investigate and reply within the SLA. 请核查并在时限内回复。",
    ),
    (Action.TRANSFER, State.WITH_DEPARTMENT): (
        "Not ours: the fault is in another department's system. 非本部门问题，请转相关部门。",
        "This part is handled by the other department. 该部分由其他部门负责。",
    ),
    (Action.RETURN, State.WITH_EXPERT): (
        "Please give the customer the standard explanation first. 请先按标准口径答复客户。",
    ),
    (Action.RETURN, State.WITH_DUTY_MANAGER): (
        "More information is needed from the customer first. 需先向客户补充信息。",
    ),
    (Action.RETURN, State.WITH_DEPARTMENT): ("Wrong department; please reassign. 派单错误，请重新分派。",),
    (Action.SUBMIT_FEEDBACK, State.WITH_DEPARTMENT): (
        "Refund of ¥{amount} issued; it arrives in 3–5 working days. 已退款¥{amount}，3–5个工作日到账。",
        "Fault repaired; the customer's service is back to normal. 故障已修复，客户业务恢复正常。",
        "Checked the records: the charge is correct; explanation sent. 经核查费用无误，已发送说明。",
    ),
    (Action.REJECT_FEEDBACK, State.FEEDBACK): (
        "The reply does not say when the refund arrives. 回复未说明退款到账时间。",
        "The customer says the problem continues. 客户反映问题依旧。",
    ),
    (Action.CLOSE, State.FEEDBACK): (
        "Called the customer back; they accept the result. 已回访客户，客户认可处理结果。",
        "The customer is not fully satisfied but accepts the compensation. 客户不完全满意但接受补偿。",
    ),
    (Action.CLOSE, State.WITH_DUTY_MANAGER): (
        "Resolved on the phone with the customer; no department needed. 电话中与客户达成一致，无需派单。",
    ),
    (Action.REOPEN, State.CLOSED): (
        "The customer called again: the problem is back. 客户再次来电：问题复现。",
    ),
    (Action.WAITING_ON, ""): (
        "Asked the customer for a bank statement. 已请客户提供银行流水。",
        "The customer will test at home tonight. 客户今晚在家测试。",
    ),
    (Action.WAITING_OFF, ""): ("The customer replied. 客户已回复。",),
}
MONTHS = "January February March April May June July August September October November December".split()
AMOUNTS = (18, 29, 58, 68, 88, 128, 199, 300)
# Mainland China mobile prefixes; 11 digits in all.
MOBILE_PREFIXES = ("134", "135", "138", "139", "150", "158", "186", "187", "188", "189", "199")

# --- How tickets move --------------------------------------------------------------------------

CHANNELS = {
    Channel.PHONE: 60,
    Channel.WECHAT: 15,
    Channel.WEB: 10,
    Channel.EMAIL: 8,
    Channel.LETTER: 2,
    Channel.OTHER: 5,
}
SEVERITIES = {Severity.LOW: 30, Severity.MEDIUM: 40, Severity.HIGH: 22, Severity.CRITICAL: 8}
# Who opens tickets: mostly agents; experts and duty managers take some calls themselves.
CREATOR_ROLES = {Role.AGENT: 90, Role.EXPERT: 7, Role.DUTY_MANAGER: 3}
# What the holder of each stage does next (weights); see workflow.TRANSITIONS.
NEXT_ACTION = {
    State.OPEN: {Action.RESOLVE: 70, Action.ESCALATE: 30},
    State.WITH_EXPERT: {Action.RESOLVE: 50, Action.ESCALATE: 40, Action.RETURN: 10},
    State.WITH_DUTY_MANAGER: {Action.ASSIGN_DEPARTMENT: 55, Action.CLOSE: 37, Action.RETURN: 8},
    State.WITH_DEPARTMENT: {Action.SUBMIT_FEEDBACK: 82, Action.TRANSFER: 9, Action.RETURN: 9},
    State.FEEDBACK: {Action.CLOSE: 86, Action.REJECT_FEEDBACK: 14},
}
BACKWARD = {Action.RETURN, Action.TRANSFER, Action.REJECT_FEEDBACK}
MAX_STEPS = 8  # after this many moves a ticket only goes forward: no endless ping-pong
LATE_SHARE = 0.04  # stages whose holder overruns the SLA budget
WAITING_SHARE = 0.05  # stages in which the holder waits for the customer
NAMED_SHARE = 0.2  # stages handed to a named person rather than the role's pool
OWN_DEPARTMENT_SHARE = 0.85  # the category's default department gets the case
DUTY_MANAGER_TRANSFER_SHARE = 0.25  # transfers made by the duty manager, not by the department
REOPEN_SHARE = 0.03
SWEEP_LAG_SECONDS = 60  # the SLA sweep runs every minute
# When tickets come in (local hour: weight): the contact centre's day, peaks late morning and afternoon.
HOURS = {8: 3, 9: 7, 10: 9, 11: 9, 12: 6, 13: 6, 14: 8, 15: 8, 16: 7, 17: 6, 18: 4, 19: 4, 20: 3, 21: 2}


class Step(NamedTuple):
    """One move of a story: an action, or ``SLA_OVERRUN`` (the sweep escalates the stage)."""

    action: str
    assign: str | None = None  # the demo login (by role) the next stage is assigned to
    department: int | None = None  # assign_department / transfer: index of the demo department


SLA_OVERRUN = "sla_overrun"


@dataclass(frozen=True)
class Story:
    """A ticket in a state a demo login can work on now. ``tail``: how its current stage stands —
    ``fresh`` (clock running, not due), ``waiting`` (for the customer), ``overdue`` (breached), or
    ``closed``."""

    category: str
    severity: str
    steps: tuple[Step, ...]
    tail: str
    creator: str | None = None  # a demo login (by role); None: one of the agents


ESC, RESOLVE, RETURN = Step(Action.ESCALATE), Step(Action.RESOLVE), Step(Action.RETURN)
TO_DUTY_MANAGER = (ESC, ESC)
SUBMIT, CLOSE = Step(Action.SUBMIT_FEEDBACK), Step(Action.CLOSE)


def _to_department(index: int = BILLING, assign: str | None = None) -> Step:
    return Step(Action.ASSIGN_DEPARTMENT, department=index, assign=assign)


STORIES = (
    # The demo agent's own tickets.
    Story("Double charge 重复扣费", Severity.MEDIUM, (), "fresh", creator=Role.AGENT),
    Story("No signal 无信号", Severity.HIGH, (), "fresh", creator=Role.AGENT),
    Story("Refund 退款", Severity.LOW, (), "waiting", creator=Role.AGENT),
    Story("Unknown charge 不明扣费", Severity.MEDIUM, (ESC, RETURN), "fresh", creator=Role.AGENT),
    Story("Slow data 网速慢", Severity.LOW, (RESOLVE,), "closed", creator=Role.AGENT),
    # The expert pool.
    Story("Service attitude 服务态度", Severity.HIGH, (ESC,), "fresh"),
    Story("Slow data 网速慢", Severity.MEDIUM, (ESC,), "fresh"),
    Story("Refund 退款", Severity.MEDIUM, (Step(Action.ESCALATE, assign=Role.EXPERT),), "fresh"),
    Story("Double charge 重复扣费", Severity.LOW, (*TO_DUTY_MANAGER, RETURN), "fresh"),
    Story("Unwanted subscription 未经同意订购", Severity.MEDIUM, (ESC,), "waiting"),
    # The duty manager: their stage, escalated by hand and by the SLA sweep, overdue, reopened.
    Story("Unknown charge 不明扣费", Severity.HIGH, TO_DUTY_MANAGER, "fresh"),
    Story("No signal 无信号", Severity.HIGH, (Step(SLA_OVERRUN),), "fresh"),
    Story("Service attitude 服务态度", Severity.MEDIUM, (ESC, Step(SLA_OVERRUN)), "fresh"),
    Story("Refund 退款", Severity.MEDIUM, TO_DUTY_MANAGER, "overdue"),
    Story("Double charge 重复扣费", Severity.HIGH, (*TO_DUTY_MANAGER, _to_department(), RETURN), "fresh"),
    Story(
        "Double charge 重复扣费",
        Severity.MEDIUM,
        (*TO_DUTY_MANAGER, _to_department(), SUBMIT, CLOSE, Step(Action.REOPEN)),
        "fresh",
    ),
    # ... and feedback to review.
    Story("Refund 退款", Severity.MEDIUM, (*TO_DUTY_MANAGER, _to_department(), SUBMIT), "fresh"),
    Story("Slow data 网速慢", Severity.LOW, (*TO_DUTY_MANAGER, _to_department(NETWORK), SUBMIT), "fresh"),
    Story("Unknown charge 不明扣费", Severity.LOW, (*TO_DUTY_MANAGER, _to_department(), SUBMIT), "overdue"),
    # The demo department staff's department (Billing).
    Story("Double charge 重复扣费", Severity.MEDIUM, (*TO_DUTY_MANAGER, _to_department()), "fresh"),
    Story("Refund 退款", Severity.HIGH, (*TO_DUTY_MANAGER, _to_department()), "fresh"),
    Story(
        "Unknown charge 不明扣费",
        Severity.MEDIUM,
        (*TO_DUTY_MANAGER, _to_department(assign=Role.DEPARTMENT_STAFF)),
        "fresh",
    ),
    Story("Refund 退款", Severity.LOW, (*TO_DUTY_MANAGER, _to_department()), "overdue"),
    Story(
        "Double charge 重复扣费",
        Severity.LOW,
        (*TO_DUTY_MANAGER, _to_department(), SUBMIT, Step(Action.REJECT_FEEDBACK)),
        "fresh",
    ),
    Story(
        "Unwanted subscription 未经同意订购",
        Severity.MEDIUM,
        (*TO_DUTY_MANAGER, _to_department(NETWORK), Step(Action.TRANSFER, department=BILLING)),
        "fresh",
    ),
    Story("Value-added services 增值业务", Severity.LOW, (*TO_DUTY_MANAGER, _to_department()), "waiting"),
    # Another department's overdue case: not the demo department staff's to see.
    Story("No signal 无信号", Severity.MEDIUM, (*TO_DUTY_MANAGER, _to_department(NETWORK)), "overdue"),
    # Closed tickets the demo agent opened, by each way out of the chain.
    Story("Refund 退款", Severity.MEDIUM, (ESC, RESOLVE), "closed", creator=Role.AGENT),
    Story(
        "Service attitude 服务态度", Severity.HIGH, (*TO_DUTY_MANAGER, CLOSE), "closed", creator=Role.AGENT
    ),
    Story(
        "SIM card delivery SIM卡配送",
        Severity.MEDIUM,
        (
            *TO_DUTY_MANAGER,
            _to_department(NETWORK),
            Step(Action.TRANSFER, department=LOGISTICS),
            SUBMIT,
            CLOSE,
        ),
        "closed",
        creator=Role.AGENT,
    ),
    Story(
        "Double charge 重复扣费",
        Severity.HIGH,
        (
            *TO_DUTY_MANAGER,
            _to_department(),
            SUBMIT,
            CLOSE,
            Step(Action.REOPEN),
            _to_department(),
            SUBMIT,
            CLOSE,
        ),
        "closed",
        creator=Role.AGENT,
    ),
)
# How far back a story's ticket may start, and the search step: see _Simulator.story.
STORY_SEARCH_STEP = timedelta(minutes=5)
STORY_SEARCH_LIMIT = timedelta(days=60)
OVERDUE_MARGIN = timedelta(minutes=30)  # an overdue story is overdue by at least this much


# --- People ----------------------------------------------------------------------------------


@dataclass
class People:
    """Who may act, in memory: roles and department memberships of every user the demo uses."""

    demo: dict[str, int]  # role -> the demo login's id
    agents: list[int]
    experts: list[int]
    duty_managers: list[int]
    staff: dict[int, list[int]]  # department id -> department staff ids
    names: dict[int, str]
    roles: dict[int, frozenset[str]] = field(default_factory=dict)
    memberships: dict[int, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for role, ids in (
            (Role.AGENT, self.agents),
            (Role.EXPERT, self.experts),
            (Role.DUTY_MANAGER, self.duty_managers),
            (Role.DEPARTMENT_STAFF, [u for members in self.staff.values() for u in members]),
        ):
            for user_id in ids:
                self.roles[user_id] = self.roles.get(user_id, frozenset()) | {role}
        for department_id, ids in self.staff.items():
            for user_id in ids:
                self.memberships[user_id] = self.memberships.get(user_id, frozenset()) | {department_id}

    def permitted(self, transition: workflow.Transition, actor: int, ticket: TicketPlan) -> bool:
        """access.may_act's rule, on the roles and memberships above: access.may_act reads the
        memberships from the database on every call, which --scale large cannot afford per step."""
        roles = self.roles.get(actor, frozenset())
        if roles.isdisjoint(transition.roles):
            return False
        if transition.holder == "assignee":
            return ticket.assignee == actor
        if transition.holder == "pool":
            return ticket.assignee in (None, actor)
        if transition.holder == "department":
            if Role.DUTY_MANAGER in transition.roles and Role.DUTY_MANAGER in roles:
                return True
            return ticket.department in self.memberships.get(actor, frozenset())
        return True

    def stage_pool(self, state: str, department: int | None) -> list[int]:
        """Everyone who may hold a stage (STAGE_ROLE; department staff of the ticket's department)."""
        if state == State.WITH_EXPERT:
            return self.experts
        if state in (State.WITH_DUTY_MANAGER, State.FEEDBACK, State.CLOSED):
            return self.duty_managers
        if state == State.WITH_DEPARTMENT:
            return self.staff[department]
        return self.agents


# --- Planned rows ------------------------------------------------------------------------------


class EventPlan(NamedTuple):
    at: datetime
    actor: int | None
    action: str
    from_state: str
    to_state: str
    note: str
    department: int | None
    # The ticket's holder after the event (for the notifications the service would have sent).
    assignee: int | None
    ticket_department: int | None


@dataclass(eq=False)  # compared by identity: a plan is one ticket
class TicketPlan:
    created_at: datetime
    creator: int
    category: int
    severity: str
    channel: str
    customer_name: str
    customer_phone: str
    description: str
    state: str = State.OPEN
    assignee: int | None = None
    department: int | None = None
    stage_started_at: datetime | None = None
    due_at: datetime | None = None
    sla_breached_at: datetime | None = None
    waiting_for_customer: bool = False
    sla_remaining_seconds: int | None = None
    resolution: str = ""
    customer_satisfied: bool | None = None
    satisfaction_score: int | None = None
    closed_at: datetime | None = None
    version: int = 1
    updated_at: datetime | None = None
    reopened: bool = False
    events: list[EventPlan] = field(default_factory=list)

    def ticket(self, reference: str) -> Ticket:
        return Ticket(
            reference=reference,
            customer_name=self.customer_name,
            customer_phone=self.customer_phone,
            category_id=self.category,
            severity=self.severity,
            channel=self.channel,
            description=self.description,
            state=self.state,
            assignee_id=self.assignee,
            department_id=self.department,
            created_by_id=self.creator,
            created_at=self.created_at,
            updated_at=self.updated_at,
            stage_started_at=self.stage_started_at,
            due_at=self.due_at,
            sla_breached_at=self.sla_breached_at,
            waiting_for_customer=self.waiting_for_customer,
            sla_remaining_seconds=self.sla_remaining_seconds,
            resolution=self.resolution,
            customer_satisfied=self.customer_satisfied,
            satisfaction_score=self.satisfaction_score,
            closed_at=self.closed_at,
            version=self.version,
        )


class DemoPlanError(RuntimeError):
    """A generated step the transition table would refuse: a bug in this module, never data."""


@dataclass
class Setup:
    """What the simulation reads instead of the database: SLA budgets, calendars, departments."""

    categories: dict[str, Category]  # by name
    departments: list[int]  # ids, in accounts.demo order
    default_department: dict[int, int]  # category id -> the top category's department id
    calendars: dict[int, sla.Calendar]  # category id -> calendar (services.calendar_for)
    budgets: dict[tuple[int, str, str], int]  # (category id, severity, stage) -> business seconds


# --- The simulation ------------------------------------------------------------------------------


class _Simulator:
    """Moves planned tickets through the workflow as services.py would, up to ``now``."""

    def __init__(self, setup: Setup, people: People, now: datetime) -> None:
        self.setup, self.people, self.now = setup, people, now
        self.reopen_window = timedelta(days=settings.COMPLAINTS_REOPEN_WINDOW_DAYS)
        self.categories = list(TICKET_CATEGORIES)
        self.category_weights = list(TICKET_CATEGORIES.values())

    # Ticket attributes -----------------------------------------------------------------------

    def new_ticket(
        self,
        rng: random.Random,
        created_at: datetime,
        *,
        creator: int | None = None,
        category: str | None = None,
        severity: str | None = None,
    ) -> TicketPlan:
        if creator is None:
            role = _weighted(rng, CREATOR_ROLES)
            pool = {
                Role.AGENT: self.people.agents,
                Role.EXPERT: self.people.experts,
                Role.DUTY_MANAGER: self.people.duty_managers,
            }[role]
            creator = rng.choice(pool)
        category = category or rng.choices(self.categories, weights=self.category_weights)[0]
        plan = TicketPlan(
            created_at=created_at,
            creator=creator,
            category=self.setup.categories[category].pk,
            severity=severity or _weighted(rng, SEVERITIES),
            channel=_weighted(rng, CHANNELS),
            customer_name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
            customer_phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            description=_fill(rng, rng.choice(DESCRIPTIONS[category])),
            assignee=creator,
        )
        self._enter_stage(plan, created_at)
        plan.updated_at = created_at
        plan.events.append(
            EventPlan(created_at, creator, Action.CREATE, "", State.OPEN, "", None, creator, None)
        )
        return plan

    # The rules of services.py ------------------------------------------------------------------

    def _budget(self, plan: TicketPlan) -> int:
        return self.setup.budgets[(plan.category, plan.severity, plan.state)]

    def _enter_stage(self, plan: TicketPlan, at: datetime) -> None:
        """services._start_stage: entering a stage starts its clock afresh."""
        plan.stage_started_at = at
        plan.sla_breached_at = None
        plan.waiting_for_customer = False
        plan.sla_remaining_seconds = None
        if plan.state == State.CLOSED:
            plan.due_at = None
        else:
            plan.due_at = sla.add_business_seconds(
                at, self._budget(plan), self.setup.calendars[plan.category]
            )

    def _event(self, plan: TicketPlan, at, actor, action, source, note="", department=None) -> None:
        plan.events.append(
            EventPlan(at, actor, action, source, plan.state, note, department, plan.assignee, plan.department)
        )

    def transition(
        self,
        plan: TicketPlan,
        rng: random.Random,
        action: str,
        *,
        actor: int,
        at: datetime,
        department: int | None = None,
        assignee: int | None = None,
    ) -> None:
        """services.ticket_transition, checked against the table."""
        transition = workflow.find(action, plan.state)
        if transition is None or not self.people.permitted(transition, actor, plan):
            raise DemoPlanError(f"{action} from {plan.state} by user {actor} is not in the table")
        if (workflow.DEPARTMENT in transition.requires) != (department is not None):
            raise DemoPlanError(f"{action} needs a department exactly when the table says so")
        if action == Action.TRANSFER and department == plan.department:
            raise DemoPlanError("a transfer goes to another department")
        if action == Action.REOPEN and at > plan.closed_at + self.reopen_window:
            raise DemoPlanError("reopened after the reopen window")
        source = plan.state
        note = _fill(rng, rng.choice(NOTES[(action, source)]))
        plan.state = transition.target
        if department is not None:
            plan.department = department
        elif action == Action.RETURN and source == State.WITH_DEPARTMENT:
            plan.department = None
        if plan.state == State.OPEN:
            plan.assignee = plan.creator
        elif plan.state == State.CLOSED or assignee is None:
            plan.assignee = None
        elif assignee in self.people.stage_pool(plan.state, plan.department):
            plan.assignee = assignee
        else:
            raise DemoPlanError(f"user {assignee} cannot hold a ticket {plan.state}")
        if plan.state == State.CLOSED:
            satisfied = rng.random() < (0.85 if action == Action.RESOLVE else 0.75)
            plan.resolution = note
            plan.closed_at = at
            plan.customer_satisfied = satisfied
            plan.satisfaction_score = (
                None if rng.random() < 0.15 else rng.choice((4, 5, 5) if satisfied else (1, 2, 2, 3))
            )
        elif action == Action.REOPEN:
            plan.closed_at = plan.customer_satisfied = plan.satisfaction_score = None
            plan.reopened = True
        plan.version += 1
        self._enter_stage(plan, at)
        plan.updated_at = at
        self._event(plan, at, actor, action, source, note, department)

    def _set_waiting(
        self,
        plan: TicketPlan,
        rng: random.Random,
        *,
        actor: int,
        at: datetime,
        waiting: bool,
        remaining: int = 0,
    ) -> None:
        """services.ticket_set_waiting: pausing keeps the business seconds left; resuming restarts them."""
        if not any(self.people.permitted(t, actor, plan) for t in workflow.from_state(plan.state)):
            raise DemoPlanError(f"user {actor} cannot pause a ticket {plan.state}")
        if waiting:
            plan.sla_remaining_seconds, plan.due_at = remaining, None
        else:
            calendar = self.setup.calendars[plan.category]
            plan.due_at = sla.add_business_seconds(at, plan.sla_remaining_seconds or 0, calendar)
            plan.sla_remaining_seconds = None
        plan.waiting_for_customer = waiting
        plan.version += 1
        plan.updated_at = at
        action = Action.WAITING_ON if waiting else Action.WAITING_OFF
        self._event(plan, at, actor, action, plan.state, rng.choice(NOTES[(action, "")]))

    def _breach(self, plan: TicketPlan, at: datetime) -> None:
        """services.sla_sweep: mark the stage breached; escalate first-line and expert stages."""
        plan.sla_breached_at = at
        self._event(plan, at, None, Action.SLA_BREACHED, plan.state)
        if plan.state not in (State.OPEN, State.WITH_EXPERT):
            return
        source = plan.state
        plan.state, plan.assignee = State.WITH_DUTY_MANAGER, None
        plan.version += 1
        self._enter_stage(plan, at)
        plan.updated_at = at
        note = _("The %(stage)s stage passed its SLA.") % {"stage": State(source).label}
        self._event(plan, at, None, Action.AUTO_ESCALATE, source, note)

    # One stage ---------------------------------------------------------------------------------

    def holder(self, rng: random.Random, plan: TicketPlan, prefer: dict[str, int] | None = None) -> int:
        """Who works on the current stage: the named assignee, else someone from the stage's pool
        (a story's demo login when it belongs to that pool)."""
        if plan.assignee is not None:
            return plan.assignee
        pool = self.people.stage_pool(plan.state, plan.department)
        role = workflow.STAGE_ROLE.get(plan.state, Role.DUTY_MANAGER)
        if prefer and prefer.get(role) in pool:
            return prefer[role]
        return rng.choice(pool)

    def work(
        self, plan: TicketPlan, rng: random.Random, *, handler: int, share: float, pause: bool
    ) -> datetime | None:
        """The holder spends ``share`` of the stage's budget (business time) on it, perhaps pausing
        for the customer. Returns when they act, or None if that is after now (or if the SLA sweep
        escalated the ticket first: the caller sees the new state)."""
        calendar = self.setup.calendars[plan.category]
        budget = self._budget(plan)
        work = max(60, int(share * budget))
        resumed_at, done = plan.stage_started_at, 0
        if pause:
            done = int(min(share, 0.9) * rng.uniform(0.2, 0.6) * budget)  # before the due time
            paused_at = sla.add_business_seconds(resumed_at, done, calendar)
            if paused_at > self.now:
                return None
            self._set_waiting(plan, rng, actor=handler, at=paused_at, waiting=True, remaining=budget - done)
            resumed_at = paused_at + timedelta(seconds=rng.randrange(3600, 48 * 3600))
            if resumed_at > self.now:
                return None  # still waiting for the customer
            self._set_waiting(plan, rng, actor=handler, at=resumed_at, waiting=False)
        acts_at = sla.add_business_seconds(resumed_at, max(60, work - done), calendar)
        breached_at = plan.due_at + timedelta(seconds=rng.randrange(1, SWEEP_LAG_SECONDS))
        if breached_at < acts_at and breached_at <= self.now:
            self._breach(plan, breached_at)
            if plan.sla_breached_at is None:
                return None  # escalated by the sweep: a new stage
        return acts_at if acts_at <= self.now else None

    def _act(
        self,
        plan: TicketPlan,
        rng: random.Random,
        action: str,
        *,
        handler: int,
        at: datetime,
        step: Step | None = None,
    ) -> None:
        """Take ``action``: choose the department and the next holder as people do, then transition."""
        demo = self.people.demo
        actor, department = handler, None
        if action == Action.ASSIGN_DEPARTMENT:
            department = self.setup.default_department[plan.category]
            if step and step.department is not None:
                department = self.setup.departments[step.department]
            elif step is None and rng.random() >= OWN_DEPARTMENT_SHARE:
                department = rng.choice([d for d in self.setup.departments if d != department])
        elif action == Action.TRANSFER:
            if step and step.department is not None:
                department = self.setup.departments[step.department]
            else:
                department = rng.choice([d for d in self.setup.departments if d != plan.department])
            if step is None and rng.random() < DUTY_MANAGER_TRANSFER_SHARE:
                actor = rng.choice(self.people.duty_managers)
        target = workflow.find(action, plan.state)
        assignee = None
        if step is not None:
            assignee = demo[step.assign] if step.assign else None
        elif target is not None and target.target not in (State.OPEN, State.CLOSED):
            if rng.random() < NAMED_SHARE:
                assignee = rng.choice(self.people.stage_pool(target.target, department or plan.department))
        self.transition(plan, rng, action, actor=actor, at=at, department=department, assignee=assignee)

    # Drivers ---------------------------------------------------------------------------------

    def live(self, plan: TicketPlan, rng: random.Random) -> TicketPlan:
        """A volume ticket: its holders act as drawn until the next move would be after now."""
        moves = 0
        while True:
            if plan.state == State.CLOSED:
                if plan.reopened or rng.random() >= REOPEN_SHARE:
                    return plan
                at = self._reopen_at(plan, rng, hours=(1, 27))  # within three working days
                if at > self.now:
                    return plan
                self.transition(plan, rng, Action.REOPEN, actor=rng.choice(self.people.duty_managers), at=at)
                continue
            choices = {
                action: weight
                for action, weight in NEXT_ACTION[plan.state].items()
                if moves < MAX_STEPS or action not in BACKWARD
            }
            action = _weighted(rng, choices)
            late = rng.random() < LATE_SHARE
            share = rng.uniform(1.1, 2.5) if late else rng.betavariate(2, 3)
            handler = self.holder(rng, plan)
            state = plan.state
            acts_at = self.work(plan, rng, handler=handler, share=share, pause=rng.random() < WAITING_SHARE)
            if plan.state != state:
                continue  # the sweep escalated it
            if acts_at is None:
                return plan
            self._act(plan, rng, action, handler=handler, at=acts_at)
            moves += 1

    def _reopen_at(self, plan: TicketPlan, rng: random.Random, *, hours: tuple[int, int]) -> datetime:
        """The customer calls back whenever; the duty manager reopens in working hours."""
        delay = rng.randrange(hours[0] * 3600, hours[1] * 3600)
        return sla.add_business_seconds(plan.closed_at, delay, self.setup.calendars[plan.category])

    def story(self, story: Story, seed: int) -> TicketPlan:
        """A story's ticket: the latest start (going back from now in small steps) at which its steps
        all happen before now and its stage stands as ``tail`` says. Working backwards in business
        time is not possible, so candidates are simulated forwards.

        Tickets start in the contact centre's day (``HOURS``); that loses nothing on a business-hours
        calendar, where a ticket opened at night starts its clock at the next opening anyway, but a
        24×7 category's stage can only be fresh at 3 a.m. if it started in the night."""
        demo = self.people.demo
        tz = timezone.get_current_timezone()
        always_open = self.setup.calendars[self.setup.categories[story.category].pk].always_open
        back = STORY_SEARCH_STEP
        while back <= STORY_SEARCH_LIMIT:
            created_at = self.now - back
            back += STORY_SEARCH_STEP
            if not always_open and timezone.localtime(created_at, tz).hour not in HOURS:
                continue
            rng = random.Random(seed)
            creator = demo[story.creator] if story.creator else rng.choice(self.people.agents[1:])
            plan = self.new_ticket(
                rng, created_at, creator=creator, category=story.category, severity=story.severity
            )
            if self._script(plan, rng, story):
                return plan
        raise DemoPlanError(f"no start found for the story {story}")

    def _script(self, plan: TicketPlan, rng: random.Random, story: Story) -> bool:
        demo = self.people.demo
        prefer = {
            Role.EXPERT: demo[Role.EXPERT],
            Role.DUTY_MANAGER: demo[Role.DUTY_MANAGER],
            Role.DEPARTMENT_STAFF: demo[Role.DEPARTMENT_STAFF],
        }
        for step in story.steps:
            if step.action == Action.REOPEN:
                at = self._reopen_at(plan, rng, hours=(1, 9))
                if at > self.now:
                    return False
                self.transition(plan, rng, Action.REOPEN, actor=demo[Role.DUTY_MANAGER], at=at)
                continue
            overrun = step.action == SLA_OVERRUN
            handler = self.holder(rng, plan, prefer)
            state = plan.state
            share = rng.uniform(1.2, 2.0) if overrun else rng.uniform(0.1, 0.7)
            acts_at = self.work(plan, rng, handler=handler, share=share, pause=False)
            if overrun != (plan.state != state):
                return False  # not escalated by the sweep (yet), or unexpectedly
            if overrun:
                continue
            if acts_at is None:
                return False
            self._act(plan, rng, step.action, handler=handler, at=acts_at, step=step)
        return self._tail(plan, rng, story.tail, prefer)

    def _tail(self, plan: TicketPlan, rng: random.Random, tail: str, prefer: dict[str, int]) -> bool:
        if (tail == "closed") != (plan.state == State.CLOSED):
            return False
        if tail == "closed":
            return True
        if plan.due_at <= self.now - timedelta(seconds=SWEEP_LAG_SECONDS):
            # Overdue already: the sweep has marked it (and escalated a first-line or expert stage).
            if tail != "overdue" or plan.state in (State.OPEN, State.WITH_EXPERT):
                return False
            if plan.due_at > self.now - OVERDUE_MARGIN:
                return False
            self._breach(plan, plan.due_at + timedelta(seconds=rng.randrange(1, SWEEP_LAG_SECONDS)))
            return True
        if tail == "fresh":
            return plan.due_at > self.now
        if tail == "waiting":
            budget = self._budget(plan)
            done = int(rng.uniform(0.2, 0.6) * budget)
            paused_at = sla.add_business_seconds(
                plan.stage_started_at, done, self.setup.calendars[plan.category]
            )
            if paused_at > self.now:
                return False
            handler = self.holder(rng, plan, prefer)
            self._set_waiting(plan, rng, actor=handler, at=paused_at, waiting=True, remaining=budget - done)
            return True
        return False


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _fill(rng: random.Random, text: str) -> str:
    if "{" not in text:
        return text
    month = rng.randrange(12)
    return text.format(
        amount=rng.choice(AMOUNTS), days=rng.randrange(2, 15), month=MONTHS[month], month_zh=f"{month + 1}月"
    )


# --- Seeding ----------------------------------------------------------------------------------


@dataclass
class Timings:
    setup: float = 0.0
    plan: float = 0.0
    tickets: float = 0.0
    events: float = 0.0

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            setattr(self, name, getattr(self, name) + time.monotonic() - started)


def seed(ctx: DemoContext) -> None:
    seed_complaints(ctx, VOLUMES[ctx.scale])


def seed_complaints(ctx: DemoContext, volume: Volume) -> None:
    """Seed complaints at ``volume`` (``seed`` picks it from the scale; benchmarks pass their own)."""
    started = time.monotonic()
    timings = Timings()
    now = timezone.now().replace(microsecond=0)
    role_users = ctx.data["role_users"]
    with timings.measure("setup"):
        people = _upsert_people(ctx, volume)
        setup = _upsert_setup(ctx, by=role_users[Role.DUTY_MANAGER])
    simulator = _Simulator(setup, people, now)

    with timings.measure("plan"):
        stories = [simulator.story(story, ctx.rng.getrandbits(64)) for story in STORIES]
        story_ids = {id(plan) for plan in stories}
        # (created_at, seed of a volume ticket or the planned story): drawn in a fixed order.
        entries: list[tuple[datetime, int | TicketPlan]] = [(plan.created_at, plan) for plan in stories]
        entries += [
            (_created_at(ctx.rng, now, volume.days), ctx.rng.getrandbits(64))
            for _ in range(max(0, volume.tickets - len(STORIES)))
        ]
        # Numbered in order of creation, as the service numbers tickets by row id.
        order = sorted(range(len(entries)), key=lambda i: (entries[i][0], i))
    existing = set(Ticket.objects.filter(reference__startswith="CP-").values_list("reference", flat=True))

    story_tickets: list[tuple[TicketPlan, Ticket]] = []
    for chunk_start in range(0, len(order), TICKETS_PER_CHUNK):
        rows: list[tuple[TicketPlan, Ticket]] = []
        with timings.measure("plan"):
            for number, index in enumerate(
                order[chunk_start : chunk_start + TICKETS_PER_CHUNK], chunk_start + 1
            ):
                created_at, planned = entries[index]
                reference = f"CP-{timezone.localtime(created_at).year}-{number:06d}"
                if reference in existing:
                    continue
                if isinstance(planned, TicketPlan):
                    plan = planned
                else:
                    rng = random.Random(planned)
                    plan = simulator.live(simulator.new_ticket(rng, created_at), rng)
                rows.append((plan, plan.ticket(reference)))
        _write_chunk(rows, timings)
        story_tickets += [(plan, ticket) for plan, ticket in rows if id(plan) in story_ids]

    notifications = _notify_demo_logins(story_tickets, people)
    ctx.data["complaint_categories"] = list(setup.categories.values())
    _report(ctx, notifications)
    ctx.report(
        f"Complaints seeding took {time.monotonic() - started:.1f} s (set-up {timings.setup:.1f} s, "
        f"simulate {timings.plan:.1f} s, tickets {timings.tickets:.1f} s, events {timings.events:.1f} s)"
    )


def _created_at(rng: random.Random, now: datetime, days: int) -> datetime:
    """A moment in the contact centre's day, up to ``days`` back and at least a minute ago."""
    tz = timezone.get_current_timezone()
    midnight = datetime.combine(
        timezone.localdate(now) - timedelta(days=rng.randrange(days)), clock.min, tzinfo=tz
    )
    moment = midnight + timedelta(hours=_weighted(rng, HOURS), seconds=rng.randrange(3600))
    if moment > now - timedelta(minutes=1):  # later today: not yet, so the same time yesterday
        moment -= timedelta(days=1)
    return moment


# --- People and set-up rows --------------------------------------------------------------------


def _upsert_people(ctx: DemoContext, volume: Volume) -> People:
    """Experts, duty managers and department staff besides the demo logins, so that every department
    has someone to answer and pools are shared as in a real centre."""
    departments = ctx.data["departments"]
    specs = [(f"expert{n + 2:02d}", Role.EXPERT, None) for n in range(volume.extra_experts)]
    specs += [(f"dutymanager{n + 2:02d}", Role.DUTY_MANAGER, None) for n in range(volume.extra_duty_managers)]
    specs += [
        (f"deptstaff{index * volume.staff_per_department + n + 2:02d}", Role.DEPARTMENT_STAFF, department)
        for index, department in enumerate(departments)
        for n in range(volume.staff_per_department)
    ]
    users = [
        User(
            username=username,
            display_name=ctx.rng.choice(SURNAMES) + "".join(ctx.rng.sample(GIVEN, 2)),
            employee_number=f"C{index + 1:04d}",
            password=ctx.password_hash(DEMO_PASSWORD),
        )
        for index, (username, _role, _department) in enumerate(specs)
    ]
    User.objects.bulk_create(
        users,
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["display_name", "employee_number", "password"],
    )
    by_username = User.objects.in_bulk([u.username for u in users], field_name="username")
    groups = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=by_username[u].pk, group_id=groups[role]) for u, role, _d in specs],
        ignore_conflicts=True,
    )
    Department.members.through.objects.bulk_create(
        [
            Department.members.through(department_id=department.pk, user_id=by_username[u].pk)
            for u, _role, department in specs
            if department is not None
        ],
        ignore_conflicts=True,
    )

    role_users = ctx.data["role_users"]
    demo = {
        role: role_users[role].pk
        for role in (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF)
    }
    staff = {department.pk: [] for department in departments}
    staff[departments[0].pk].append(demo[Role.DEPARTMENT_STAFF])  # accounts.demo made them a member
    for username, role, department in specs:
        if role == Role.DEPARTMENT_STAFF:
            staff[department.pk].append(by_username[username].pk)
    everyone = [*role_users.values(), *ctx.data["agents"], *by_username.values()]
    return People(
        demo=demo,
        agents=[demo[Role.AGENT], *(agent.pk for agent in ctx.data["agents"])],
        experts=[demo[Role.EXPERT], *(by_username[u].pk for u, r, _d in specs if r == Role.EXPERT)],
        duty_managers=[
            demo[Role.DUTY_MANAGER],
            *(by_username[u].pk for u, r, _d in specs if r == Role.DUTY_MANAGER),
        ],
        staff=staff,
        names={user.pk: user.name for user in everyone},
    )


def _upsert_setup(ctx: DemoContext, *, by: User) -> Setup:
    """Calendars, the category tree, SLA policies and suggestions; each only when missing."""
    departments = ctx.data["departments"]
    default_calendar = _upsert_calendar(DEFAULT_CALENDAR, always_open=False)
    always_open = _upsert_calendar(ALWAYS_OPEN_CALENDAR, always_open=True)

    existing = {(c.parent_id, c.name): c for c in Category.objects.filter(name__in=_category_names())}
    categories: dict[str, Category] = {}
    default_department: dict[int, int] = {}
    for spec in CATEGORY_TREE:
        department = departments[spec.department]
        top = existing.get((None, spec.name)) or Category.objects.create(
            name=spec.name,
            default_department=department,
            calendar=always_open if spec.always_open else None,  # None: the default calendar
        )
        categories[spec.name] = top
        for name in spec.children:
            categories[name] = existing.get((top.pk, name)) or Category.objects.create(name=name, parent=top)
        for name in (spec.name, *spec.children):
            default_department[categories[name].pk] = top.default_department_id or department.pk

    policies = set(SlaPolicy.objects.values_list("category_id", "severity", "stage"))
    wanted = [
        SlaPolicy(category=None, severity=severity, stage=stage, minutes=minutes)
        for stage, budgets in services.DEFAULT_BUDGET_MINUTES.items()
        for severity, minutes in budgets.items()
    ] + [
        SlaPolicy(category=categories[name], severity=severity, stage=stage, minutes=minutes)
        for name, severity, stage, minutes in SLA_OVERRIDES
    ]
    SlaPolicy.objects.bulk_create([p for p in wanted if (p.category_id, p.severity, p.stage) not in policies])

    titles = set(Suggestion.objects.values_list("category_id", "title"))
    Suggestion.objects.bulk_create(
        [
            Suggestion(category=categories[name], title=title, text=text, created_by=by)
            for name, suggestions in SUGGESTIONS.items()
            for title, text in suggestions
            if (categories[name].pk, title) not in titles
        ]
    )

    # The clock of each category as services reads it, once per category and not per ticket.
    by_id = {category.pk: category for category in categories.values()}
    for category in categories.values():
        if category.parent_id in by_id:
            category.parent = by_id[category.parent_id]  # no query per ancestor
    budgets = {
        (category.pk, severity, stage): 60 * services.budget_minutes(category, severity, stage)
        for category in categories.values()
        for severity in Severity.values
        for stage in services.DEFAULT_BUDGET_MINUTES
    }
    ctx.report(
        f"Complaints set-up: {len(categories)} categories, calendars “{default_calendar.name}” and "
        f"“{always_open.name}”, {SlaPolicy.objects.count()} SLA policies, "
        f"{Suggestion.objects.count()} suggestions"
    )
    return Setup(
        categories=categories,
        departments=[d.pk for d in departments],
        default_department=default_department,
        calendars={category.pk: services.calendar_for(category) for category in categories.values()},
        budgets=budgets,
    )


def _category_names() -> list[str]:
    return [name for spec in CATEGORY_TREE for name in (spec.name, *spec.children)]


def _upsert_calendar(name: str, *, always_open: bool) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.filter(name=name).first()
    if calendar is not None:
        return calendar
    # The default calendar is the contact centre's, unless an administrator already chose another.
    is_default = not always_open and not BusinessCalendar.objects.filter(is_default=True).exists()
    calendar = BusinessCalendar.objects.create(name=name, always_open=always_open, is_default=is_default)
    if not always_open:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=weekday, start=start, end=end)
            for weekday, start, end in WORKING_HOURS
        )
        Holiday.objects.bulk_create(
            Holiday(calendar=calendar, date=first + timedelta(days=offset), name=holiday)
            for holiday, first, days in HOLIDAYS_2026
            for offset in range(days)
        )
    return calendar


# --- Writing -------------------------------------------------------------------------------------


@contextmanager
def _historical_timestamps() -> Iterator[None]:
    """Let bulk_create keep the planned times.

    auto_now / auto_now_add would stamp every demo row with the moment of seeding, and a year of
    tickets all created in the same second is no demo. Only seed_demo (one process, one thread)
    switches them off, and only while writing.
    """
    fields = [
        Ticket._meta.get_field("created_at"),
        Ticket._meta.get_field("updated_at"),
        TicketEvent._meta.get_field("created_at"),
        Notification._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _write_chunk(rows: Sequence[tuple[TicketPlan, Ticket]], timings: Timings) -> None:
    if not rows:
        return
    with _historical_timestamps():
        with timings.measure("tickets"):
            Ticket.objects.bulk_create([ticket for _plan, ticket in rows], batch_size=BATCH_SIZE)  # sets pk
        with timings.measure("events"):
            TicketEvent.objects.bulk_create(
                (
                    TicketEvent(
                        ticket_id=ticket.pk,
                        actor_id=event.actor,
                        action=event.action,
                        from_state=event.from_state,
                        to_state=event.to_state,
                        note=event.note,
                        department_id=event.department,
                        created_at=event.at,
                    )
                    for plan, ticket in rows
                    for event in plan.events
                ),
                batch_size=BATCH_SIZE,
            )


NOTIFICATION_KINDS = {Action.RETURN: "returned", Action.REOPEN: "reopened"}


def _notify_demo_logins(story_tickets: Sequence[tuple[TicketPlan, Ticket]], people: People) -> int:
    """The notifications the service sent the demo logins about their stories' tickets: read once
    the ticket moved on, unread while it waits for them. Only tickets written now get them."""
    demo_ids = set(people.demo.values())
    rows = []
    for plan, ticket in story_tickets:
        events = plan.events
        for index, event in enumerate(events):
            if event.action in (Action.CREATE, Action.WAITING_ON, Action.WAITING_OFF):
                continue
            later = next((e.at for e in events[index + 1 :] if e.action != Action.SLA_BREACHED), None)
            if event.action == Action.SLA_BREACHED:
                kind = "breach"
                message = _("%(reference)s is overdue in “%(state)s”.") % {
                    "reference": ticket.reference,
                    "state": State(event.to_state).label,
                }
            elif event.action == Action.AUTO_ESCALATE:
                kind = "assigned"
                message = _("%(reference)s was escalated to the duty manager: SLA breached.") % {
                    "reference": ticket.reference
                }
            else:
                kind = NOTIFICATION_KINDS.get(event.action, "assigned")
                message = _("%(reference)s: %(action)s by %(name)s") % {
                    "reference": ticket.reference,
                    "action": Action(event.action).label,
                    "name": people.names[event.actor],
                }
            for user_id in _stage_recipients(event, people, creator=plan.creator) & demo_ids:
                rows.append(
                    Notification(
                        user_id=user_id,
                        ticket_id=ticket.pk,
                        kind=kind,
                        message=message[:300],
                        created_at=event.at,
                        read_at=later,
                    )
                )
    with _historical_timestamps():
        Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _stage_recipients(event: EventPlan, people: People, *, creator: int) -> set[int]:
    """notifications.stage_recipients after ``event``, less its actor; a closed ticket's creator."""
    if event.to_state == State.CLOSED:
        recipients = {creator}
    elif event.assignee is not None:
        recipients = {event.assignee}
    else:
        recipients = set(people.stage_pool(event.to_state, event.ticket_department))
    return recipients - {event.actor}


def _report(ctx: DemoContext, notifications: int) -> None:
    by_state = dict(Ticket.objects.values_list("state").annotate(n=Count("id")).order_by())
    states = ", ".join(f"{state} {by_state.get(state, 0):,}" for state in State.values)
    active = Ticket.objects.active()
    ctx.report(
        f"Complaints: {sum(by_state.values()):,} tickets ({states}), {TicketEvent.objects.count():,} events; "
        f"{active.filter(sla_breached_at__isnull=False).count():,} overdue, "
        f"{_tickets_with(Action.AUTO_ESCALATE):,} auto-escalated, "
        f"{active.filter(waiting_for_customer=True).count():,} waiting for the customer, "
        f"{_tickets_with(Action.REOPEN):,} reopened; {notifications} new notifications for the demo logins"
    )


def _tickets_with(action: str) -> int:
    return TicketEvent.objects.filter(action=action).values("ticket").distinct().count()
