"""Pages: coaching — the list, a new session for an agent (with the failed criteria of their
evaluations), one session with its actions, comments, the agent's sign-off and the coach's follow-up.

Who sees a session is access.coaching_for; who may do what is coaching.py's (its messages are shown).
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role
from qa_center.errors import DomainError
from qa_center.pages import add_domain_error, flash_domain_error

from .. import access, coaching, selectors
from ..access import QA_USERS
from ..forms.coaching import (
    ActionForm,
    AgentChoiceForm,
    CoachingFilterForm,
    CoachingForm,
    CommentForm,
    FollowUpForm,
)
from ..models import Answer, CoachingAction, CoachingStatus, Evaluation

PAGE_SIZE = 50
# The new-session form offers the agent's evaluations of the last three months (and any linked
# from an evaluation page): older ones are rarely what a coaching conversation is about.
RECENT_EVALUATIONS = timedelta(days=90)
MAX_ID = 2**63 - 1


def coaching_user_required(view):
    """Agents, QA staff, and team leads of any role (they coach their team's agents)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (has_role(request.user, *QA_USERS) or access.is_coach(request.user)):
            raise DjangoPermissionDenied(_("Your role does not allow you to open this page."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _with_failed_answers(evaluations):
    """Evaluations with ``failed_answers``: criteria scored below their maximum, N/A aside."""
    return evaluations.select_related("call", "evaluator", "scorecard_version__scorecard").prefetch_related(
        Prefetch(
            "answers",
            queryset=Answer.objects.filter(is_na=False, points__lt=F("criterion__max_points"))
            .select_related("criterion")
            .order_by("criterion__section__position", "criterion__position", "criterion_id"),
            to_attr="failed_answers",
        )
    )


def _show_error(form, error: DomainError) -> None:
    """Next to the fields the service names; messages about rows without a field (the actions)
    at the top of the form, so none is lost."""
    add_domain_error(form, error)
    for field, field_messages in error.fields.items():
        if field not in form.fields:
            for message in field_messages:
                if message not in form.non_field_errors():
                    form.add_error(None, message)


# --- List ----------------------------------------------------------------------------------


@coaching_user_required
def coaching_list(request):
    """The sessions the user may see, filtered, 50 a page: a constant number of queries."""
    form = CoachingFilterForm(request.GET or None)
    sessions = selectors.coaching_list(request.user)
    if form.is_valid():
        if form.cleaned_data["status"]:
            sessions = sessions.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["due"]:
            sessions = sessions.filter(followed_up_at__isnull=True, follow_up_on__lte=timezone.localdate())
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for session in page:
        actions = session.actions.all()
        session.action_count = len(actions)
        session.actions_done = sum(1 for a in actions if a.done_at is not None)
        session.follow_up_due = session.followed_up_at is None and session.follow_up_on <= today
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scorecards/coaching_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "is_coach": access.is_coach(request.user),
        },
    )


# --- New session -----------------------------------------------------------------------------


def _is_id(value: str) -> bool:
    """A primary key the database can compare (a 20-digit number would overflow a bigint)."""
    return value.isdigit() and int(value) <= MAX_ID


def _agent_to_coach(request, agents) -> User:
    """The ?agent= of the URL: 404 if it is no agent, 403 if it is not one this coach covers."""
    agent_id = request.GET.get("agent", "")
    agent = (
        User.objects.with_role(Role.AGENT).select_related("team").filter(pk=agent_id).first()
        if _is_id(agent_id)
        else None
    )
    if agent is None:
        raise Http404(_("No such agent."))
    if not agents.filter(pk=agent.pk).exists():
        raise DjangoPermissionDenied(_("You can only coach agents of the teams you cover."))
    return agent


@coaching_user_required
def coaching_create(request):
    """Step one (no ?agent=): choose the agent. Step two: the session with that agent."""
    if not access.is_coach(request.user):
        raise DjangoPermissionDenied(_("Only QA evaluators, team leads and QA managers coach agents."))
    agents = access.coachable_agents(request.user)
    if not request.GET.get("agent"):
        return render(
            request, "scorecards/coaching_choose_agent.html", {"form": AgentChoiceForm(agents=agents)}
        )
    agent = _agent_to_coach(request, agents)

    linked = [int(pk) for pk in request.GET.getlist("evaluation") if _is_id(pk)]
    since = timezone.now() - RECENT_EVALUATIONS
    evaluations = (
        Evaluation.objects.submitted()
        .filter(agent=agent)
        .filter(Q(submitted_at__gte=since) | Q(pk__in=linked))
        .order_by("-submitted_at", "-id")
    )
    form = CoachingForm(
        request.POST or None,
        evaluations=evaluations,
        initial={"evaluations": linked},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = coaching.coaching_create(
                by=request.user,
                agent=agent,
                held_on=data["held_on"],
                observations=data["observations"],
                follow_up_on=data["follow_up_on"],
                evaluations=data["evaluations"],
                actions=form.actions(),
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                _("The coaching session is recorded; %(agent)s can now read and sign it off.")
                % {"agent": agent.name},
            )
            return redirect("scorecards:coaching_detail", pk=session.pk)
    chosen = {str(pk) for pk in (form["evaluations"].value() or [])}
    rows = [(e, str(e.pk) in chosen) for e in _with_failed_answers(evaluations)]
    return render(
        request,
        "scorecards/coaching_form.html",
        {"form": form, "agent": agent, "evaluation_rows": rows},
        status=400 if form.errors else 200,
    )


# --- One session -----------------------------------------------------------------------------


def _session_for(request, pk: int):
    return get_object_or_404(selectors.coaching_list(request.user), pk=pk)


def _detail_page(request, session, *, comment_form=None, action_form=None, follow_up_form=None):
    user = request.user
    is_agent = session.agent_id == user.pk
    coach_side = coaching.is_coach_side(user, session)
    is_open = session.status == CoachingStatus.OPEN
    evaluations = list(_with_failed_answers(session.evaluations.all()).order_by("-submitted_at", "-id"))
    # Linked only where the user may open the evaluation (a team lead may not, for instance).
    visible = set(
        access.evaluations_for(user).filter(pk__in=[e.pk for e in evaluations]).values_list("pk", flat=True)
    )
    today = timezone.localdate()
    context = {
        "session": session,
        "evaluations": [(e, e.pk in visible) for e in evaluations],
        "is_agent": is_agent,
        "coach_side": coach_side,
        "can_sign_off": is_agent and is_open,
        "can_mark": is_agent or coach_side,
        "can_add_action": coach_side and is_open,
        "can_follow_up": coach_side and session.followed_up_at is None,
        "follow_up_due": session.followed_up_at is None and session.follow_up_on <= today,
        "today": today,
        "comment_form": comment_form or CommentForm(),
        "action_form": action_form or ActionForm(),
        "follow_up_form": follow_up_form or FollowUpForm(),
    }
    bound = [f for f in (comment_form, action_form, follow_up_form) if f is not None]
    status = 400 if any(f.errors for f in bound) else 200
    return render(request, "scorecards/coaching_detail.html", context, status=status)


@coaching_user_required
def coaching_detail(request, pk: int):
    return _detail_page(request, _session_for(request, pk))


def _back(pk: int):
    return redirect("scorecards:coaching_detail", pk=pk)


@coaching_user_required
@require_POST
def coaching_comment_add(request, pk: int):
    session = _session_for(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            coaching.coaching_comment(session=session, by=request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            if not error.fields:  # e.g. already signed off: nothing to correct in the form
                flash_domain_error(request, error)
                return _back(pk)
            _show_error(form, error)
        else:
            messages.success(request, _("Comment added."))
            return _back(pk)
    return _detail_page(request, session, comment_form=form)


@coaching_user_required
@require_POST
def coaching_action_add(request, pk: int):
    session = _session_for(request, pk)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            coaching.coaching_add_action(
                session=session,
                by=request.user,
                text=form.cleaned_data["text"],
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as error:
            if not error.fields:  # e.g. already signed off: nothing to correct in the form
                flash_domain_error(request, error)
                return _back(pk)
            _show_error(form, error)
        else:
            messages.success(request, _("Action added."))
            return _back(pk)
    return _detail_page(request, session, action_form=form)


@coaching_user_required
@require_POST
def coaching_action_done(request, pk: int, action_pk: int):
    """Mark an agreed action done (``done=1``) or not done after all (``done=0``)."""
    session = _session_for(request, pk)
    action = get_object_or_404(CoachingAction, pk=action_pk, session=session)
    done = request.POST.get("done", "1") != "0"
    try:
        coaching.coaching_action_set_done(action=action, by=request.user, done=done)
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(request, _("Action marked done.") if done else _("Action marked not done."))
    return _back(pk)


@coaching_user_required
@require_POST
def coaching_sign_off(request, pk: int):
    session = _session_for(request, pk)
    try:
        coaching.coaching_sign_off(session=session, by=request.user)
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(request, _("You have signed the coaching session off. Thank you."))
    return _back(pk)


@coaching_user_required
@require_POST
def coaching_follow_up(request, pk: int):
    session = _session_for(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            coaching.coaching_follow_up_done(session=session, by=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            flash_domain_error(request, error)
        else:
            messages.success(request, _("The follow-up is recorded."))
        return _back(pk)
    return _detail_page(request, session, follow_up_form=form)


urlpatterns = [
    path("coaching/", coaching_list, name="coaching_list"),
    path("coaching/new/", coaching_create, name="coaching_create"),
    path("coaching/<int:pk>/", coaching_detail, name="coaching_detail"),
    path("coaching/<int:pk>/comments/", coaching_comment_add, name="coaching_comment"),
    path("coaching/<int:pk>/actions/", coaching_action_add, name="coaching_action_add"),
    path(
        "coaching/<int:pk>/actions/<int:action_pk>/done/", coaching_action_done, name="coaching_action_done"
    ),
    path("coaching/<int:pk>/sign-off/", coaching_sign_off, name="coaching_sign_off"),
    path("coaching/<int:pk>/follow-up/", coaching_follow_up, name="coaching_follow_up"),
]
