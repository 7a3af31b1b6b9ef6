"""Coaching (DESIGN.md §4): a coach and an agent go through evaluations, agree actions with due
dates and a follow-up date; the agent comments and signs off. One transaction per use case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role
from qa_center.errors import Conflict, PermissionDenied, ValidationFailed

from . import access
from .models import CoachingAction, CoachingComment, CoachingSession, CoachingStatus, Evaluation

MAX_ACTIONS = 20


@dataclass(frozen=True)
class ActionInput:
    text: str
    due_on: date | None


def _check_actions(actions: Sequence[ActionInput], held_on: date) -> dict[str, list[str]]:
    errors = []
    if len(actions) > MAX_ACTIONS:
        errors.append(_("At most %(n)s actions per session.") % {"n": MAX_ACTIONS})
    for number, action in enumerate(actions, start=1):
        if not (action.text or "").strip():
            errors.append(_("Action %(n)s: describe what the agent will do.") % {"n": number})
        elif action.due_on is None:
            errors.append(_("Action %(n)s: give it a due date.") % {"n": number})
        elif action.due_on < held_on:
            errors.append(_("Action %(n)s: the due date cannot be before the session.") % {"n": number})
    return {"actions": errors} if errors else {}


@transaction.atomic
def coaching_create(
    *,
    by: User,
    agent: User,
    held_on: date,
    observations: str,
    follow_up_on: date,
    evaluations: Iterable[Evaluation] = (),
    actions: Sequence[ActionInput] = (),
) -> CoachingSession:
    """Open a coaching session for an agent of a team the coach covers."""
    if not access.is_coach(by):
        raise PermissionDenied(_("Only QA evaluators, team leads and QA managers coach agents."))
    if not has_role(agent, Role.AGENT) or not agent.is_active:
        raise ValidationFailed(_("Choose an active agent."), field="agent")
    if not access.may_coach(by, agent):
        raise PermissionDenied(_("You can only coach agents of the teams you cover."))
    errors: dict[str, list[str]] = {}
    if not (observations or "").strip():
        errors["observations"] = [_("Write what you observed.")]
    if follow_up_on < held_on:
        errors["follow_up_on"] = [_("The follow-up cannot be before the session.")]
    if held_on > timezone.localdate():
        errors["held_on"] = [_("A session cannot be held in the future; plan it in your calendar instead.")]
    evaluations = list({e.pk: e for e in evaluations}.values())
    foreign = [
        e.pk
        for e in evaluations
        if e.agent_id != agent.pk or e.calibration_id is not None or e.submitted_at is None
    ]
    if foreign:
        errors["evaluations"] = [_("Link only submitted evaluations of this agent.")]
    errors.update(_check_actions(actions, held_on))
    if errors:
        raise ValidationFailed(_("Please correct the coaching session."), fields=errors)
    session = CoachingSession.objects.create(
        agent=agent, coach=by, held_on=held_on, observations=observations.strip(), follow_up_on=follow_up_on
    )
    session.evaluations.set(evaluations)
    CoachingAction.objects.bulk_create(
        CoachingAction(session=session, text=a.text.strip(), due_on=a.due_on) for a in actions
    )
    return session


def _lock(session: CoachingSession) -> CoachingSession:
    return CoachingSession.objects.select_for_update().get(pk=session.pk)


def is_coach_side(user: User, session: CoachingSession) -> bool:
    """The session's coach, a QA manager, or a coach of the agent's team: pages show their buttons."""
    return (
        session.coach_id == user.pk
        or has_role(user, Role.QA_MANAGER)
        or access.may_coach(user, session.agent)
    )


def _require_coach_side(by: User, session: CoachingSession) -> None:
    if not is_coach_side(by, session):
        raise PermissionDenied(_("Only the coach (or a QA manager) can do this."))


@transaction.atomic
def coaching_add_action(
    *, session: CoachingSession, by: User, text: str, due_on: date | None
) -> CoachingAction:
    session = _lock(session)
    _require_coach_side(by, session)
    if session.status == CoachingStatus.SIGNED_OFF:
        raise Conflict(_("The agent has signed this session off; open a new session for new actions."))
    errors = _check_actions([ActionInput(text, due_on)], session.held_on)
    if errors:
        raise ValidationFailed(errors["actions"][0], field="text")
    return CoachingAction.objects.create(session=session, text=text.strip(), due_on=due_on)


@transaction.atomic
def coaching_comment(*, session: CoachingSession, by: User, body: str) -> CoachingComment:
    """The agent or the coach side adds a comment."""
    if by.pk != session.agent_id:
        _require_coach_side(by, session)
    if not (body or "").strip():
        raise ValidationFailed(_("Write a comment."), field="body")
    return CoachingComment.objects.create(session=session, author=by, body=body.strip())


@transaction.atomic
def coaching_sign_off(*, session: CoachingSession, by: User) -> CoachingSession:
    """The agent confirms the session and the agreed actions (once)."""
    session = _lock(session)
    if by.pk != session.agent_id:
        raise PermissionDenied(_("Only the coached agent signs the session off."))
    if session.status == CoachingStatus.SIGNED_OFF:
        raise Conflict(_("You have already signed this session off."))
    session.status = CoachingStatus.SIGNED_OFF
    session.signed_off_at = timezone.now()
    session.save(update_fields=["status", "signed_off_at", "updated_at"])
    return session


@transaction.atomic
def coaching_action_set_done(*, action: CoachingAction, by: User, done: bool = True) -> CoachingAction:
    """The coach side or the agent marks an agreed action done (or not done after all)."""
    action = CoachingAction.objects.select_for_update().select_related("session__agent").get(pk=action.pk)
    if by.pk != action.session.agent_id:
        _require_coach_side(by, action.session)
    if done and action.done_at is not None:
        raise Conflict(_("This action is already marked done."))
    action.done_at = timezone.now() if done else None
    action.done_by = by if done else None
    action.save(update_fields=["done_at", "done_by"])
    return action


@transaction.atomic
def coaching_follow_up_done(*, session: CoachingSession, by: User, note: str = "") -> CoachingSession:
    """The coach has followed up: the session leaves their "my work" list."""
    session = _lock(session)
    _require_coach_side(by, session)
    if session.followed_up_at is not None:
        raise Conflict(_("The follow-up is already recorded."))
    session.followed_up_at = timezone.now()
    session.save(update_fields=["followed_up_at", "updated_at"])
    if (note or "").strip():
        CoachingComment.objects.create(session=session, author=by, body=note.strip())
    return session
