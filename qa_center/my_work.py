"""The sections of the home page's "My work" list.

Each section names the roles it is for and a provider that returns the
user's items (at most ``limit`` of them, in a constant number of queries).
Apps register their sections here as they arrive; a section whose provider is
not built yet shows its empty state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as account_selectors
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role
from apps.complaints import selectors as complaint_selectors
from apps.complaints.states import State
from apps.scorecards import selectors as qa_selectors
from apps.tqm import selectors as tqm_selectors


@dataclass(frozen=True)
class WorkItem:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class WorkList:
    items: list[WorkItem]
    total: int
    more_url: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    roles: tuple[str, ...]
    empty_text: str | Promise
    provider: Callable[..., WorkList] | None = None
    # Roles that see the section only when it has items (e.g. anyone can own a TQM action).
    quiet_roles: tuple[str, ...] = ()

    def work_for(self, user, limit: int) -> WorkList:
        return self.provider(user, limit) if self.provider else WorkList([], 0)


def _listed(queryset, limit: int, to_item: Callable, more_url: str = "") -> WorkList:
    """The first ``limit`` rows as items, and how many there are: two queries."""
    return WorkList([to_item(row) for row in queryset[:limit]], queryset.count(), more_url)


def _agent_evaluations(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.agent_evaluations_to_review(user),
        limit,
        lambda e: WorkItem(
            title=f"{e.call.external_id} · {e.score if e.score is not None else '—'}",
            url=reverse("scorecards:evaluation_detail", args=[e.pk]),
            detail=str(e.get_status_display()),
        ),
        reverse("scorecards:evaluation_list"),
    )


def _queue(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.queue_for(user),
        limit,
        lambda a: WorkItem(
            title=f"{a.call.external_id} · {a.call.agent.name}",
            url=f"{reverse('scorecards:evaluation_create')}?call={a.call_id}&version={a.sample.scorecard_version_id}",
            detail=a.sample.scorecard_version.scorecard.name,
        ),
        reverse("scorecards:queue"),
    )


def _drafts(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.drafts_for(user),
        limit,
        lambda e: WorkItem(
            title=f"{e.call.external_id} · {e.agent.name}",
            url=reverse("scorecards:evaluation_edit", args=[e.pk]),
            detail=e.scorecard_version.scorecard.name,
        ),
        reverse("scorecards:queue"),
    )


def _disputes(user, limit: int) -> WorkList:
    now = timezone.now()
    return _listed(
        qa_selectors.open_disputes_for(user),
        limit,
        lambda d: WorkItem(
            title=f"#{d.evaluation_id} · {d.raised_by.name}",
            url=reverse("scorecards:evaluation_detail", args=[d.evaluation_id]),
            detail=_("open %(days)s days") % {"days": (now - d.created_at).days},
        ),
        reverse("scorecards:dispute_list"),
    )


def _calibrations_to_score(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.calibrations_to_score(user),
        limit,
        lambda s: WorkItem(
            title=_("Calibration #%(id)s · %(call)s") % {"id": s.pk, "call": s.call.external_id},
            url=f"{reverse('scorecards:evaluation_create')}?calibration={s.pk}",
            detail=_("due %(date)s") % {"date": timezone.localtime(s.deadline).strftime("%Y-%m-%d %H:%M")},
        ),
        reverse("scorecards:calibration_list"),
    )


def _overdue_calibrations(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.overdue_calibrations(user),
        limit,
        lambda s: WorkItem(
            title=_("Calibration #%(id)s · %(call)s") % {"id": s.pk, "call": s.call.external_id},
            url=reverse("scorecards:calibration_detail", args=[s.pk]),
            detail=_("%(submitted)s of %(total)s submitted · due %(date)s")
            % {
                "submitted": s.submitted_count,
                "total": s.participant_count,
                "date": timezone.localtime(s.deadline).strftime("%Y-%m-%d"),
            },
        ),
        reverse("scorecards:calibration_list"),
    )


def _follow_ups_due(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.follow_ups_due(user),
        limit,
        lambda c: WorkItem(
            title=_("Follow up with %(agent)s") % {"agent": c.agent.name},
            url=reverse("scorecards:coaching_detail", args=[c.pk]),
            detail=_("due %(date)s") % {"date": c.follow_up_on.isoformat()},
        ),
        f"{reverse('scorecards:coaching_list')}?due=on",
    )


def _coaching_to_sign_off(user, limit: int) -> WorkList:
    return _listed(
        qa_selectors.coaching_to_sign_off(user),
        limit,
        lambda c: WorkItem(
            title=_("Coaching with %(coach)s") % {"coach": c.coach.name},
            url=reverse("scorecards:coaching_detail", args=[c.pk]),
            detail=_("held on %(date)s") % {"date": c.held_on.isoformat()},
        ),
        f"{reverse('scorecards:coaching_list')}?status=open",
    )


def _ticket_item(ticket) -> WorkItem:
    return WorkItem(
        title=f"{ticket.reference} · {ticket.category.name}",
        url=reverse("complaints:ticket_detail", args=[ticket.pk]),
        detail=str(ticket.get_state_display()),
    )


def _my_tickets(user, limit: int) -> WorkList:
    # A user who is also department staff sees department cases in their own section.
    return _listed(
        complaint_selectors.queue_for(user).exclude(state=State.WITH_DEPARTMENT),
        limit,
        _ticket_item,
        reverse("complaints:queue"),
    )


def _department_tickets(user, limit: int) -> WorkList:
    return _listed(
        complaint_selectors.queue_for(user).filter(state=State.WITH_DEPARTMENT),
        limit,
        _ticket_item,
        reverse("complaints:queue"),
    )


def _my_projects(user, limit: int) -> WorkList:
    return _listed(
        tqm_selectors.my_open_projects(user),
        limit,
        lambda p: WorkItem(
            title=p.title,
            url=reverse("tqm:project_detail", args=[p.pk]),
            detail=_("Step %(step)s of 7 · %(name)s")
            % {"step": p.current_step, "name": p.get_current_step_display()},
        ),
        f"{reverse('tqm:project_list')}?mine=1",
    )


def _overdue_actions(user, limit: int) -> WorkList:
    return _listed(
        tqm_selectors.overdue_actions_for(user),
        limit,
        lambda m: WorkItem(
            title=m.title,
            url=reverse("tqm:project_step", args=[m.project_id, 4]),
            detail=_("due %(date)s · %(project)s")
            % {"date": m.due_date.isoformat(), "project": m.project.title},
        ),
    )


def _users_without_role(user, limit: int) -> WorkList:
    return _listed(
        account_selectors.users_without_role(),
        limit,
        lambda u: WorkItem(
            title=u.name, url=reverse("admin:accounts_user_change", args=[u.pk]), detail=u.username
        ),
    )


SECTIONS: tuple[Section, ...] = (
    Section(
        "my_evaluations",
        _("My evaluations to review"),
        (Role.AGENT,),
        _("No evaluations waiting for you."),
        provider=_agent_evaluations,
    ),
    Section(
        "coaching_to_sign_off",
        _("Coaching sessions to sign off"),
        (Role.AGENT,),
        _("No coaching session waits for your sign-off."),
        provider=_coaching_to_sign_off,
    ),
    Section(
        "calls_to_score",
        _("Calls to score"),
        (Role.QA_EVALUATOR,),
        _("Your scoring queue is empty."),
        provider=_queue,
    ),
    Section("drafts", _("My draft evaluations"), (Role.QA_EVALUATOR,), _("No drafts."), provider=_drafts),
    Section(
        "calibrations_to_score",
        _("Calibration sessions to score"),
        (Role.QA_EVALUATOR,),
        _("No calibration session waits for your scoring."),
        provider=_calibrations_to_score,
        quiet_roles=(Role.QA_MANAGER,),
    ),
    Section(
        "follow_ups_due",
        _("Coaching follow-ups due"),
        (Role.QA_EVALUATOR,),
        _("No coaching follow-up is due."),
        provider=_follow_ups_due,
        # Team leads coach too, whatever their role (often agents).
        quiet_roles=tuple(Role.values),
    ),
    Section(
        "disputes", _("Disputes to arbitrate"), (Role.QA_MANAGER,), _("No open disputes."), provider=_disputes
    ),
    Section(
        "overdue_calibrations",
        _("Overdue calibration sessions"),
        (Role.QA_MANAGER,),
        _("No calibration session is past its deadline."),
        provider=_overdue_calibrations,
    ),
    Section(
        "my_tickets",
        _("Complaint cases with me"),
        (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER),
        _("No complaint cases are waiting for you."),
        provider=_my_tickets,
    ),
    Section(
        "department_tickets",
        _("Cases for my department"),
        (Role.DEPARTMENT_STAFF,),
        _("No cases are routed to your department."),
        provider=_department_tickets,
    ),
    Section(
        "my_projects",
        _("My improvement projects"),
        (Role.IMPROVEMENT_MEMBER,),
        _("You are not on an active improvement project."),
        provider=_my_projects,
        quiet_roles=tuple(Role.values),
    ),
    Section(
        "overdue_actions",
        _("Overdue improvement actions"),
        (Role.IMPROVEMENT_MEMBER,),
        _("None of your improvement actions is overdue."),
        provider=_overdue_actions,
        quiet_roles=tuple(Role.values),
    ),
    Section(
        "users_without_role",
        _("Accounts without a role"),
        (Role.ADMIN,),
        _("Every active account has a role."),
        provider=_users_without_role,
    ),
)


def sections_for(user, limit: int = 10) -> list[dict]:
    """The user's sections with their items, in the order declared above."""
    result = []
    for section in SECTIONS:
        shown = has_role(user, *section.roles)
        if shown or has_role(user, *section.quiet_roles):
            work = section.work_for(user, limit)
            if not shown and not work.total:
                continue
            result.append(
                {
                    "key": section.key,
                    "title": section.title,
                    "empty_text": section.empty_text,
                    "items": work.items,
                    "total": work.total,
                    "more_url": work.more_url,
                }
            )
    return result
