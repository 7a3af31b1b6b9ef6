"""Project pages: the list, create and edit, the project overview with its gate, and the step
moves (advance, step back, hold/resume/cancel). Parse → service → render: the rules live in
services.py and gates.py, who may do what in access.py."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qa_center.errors import Conflict, DomainError
from qa_center.pages import add_domain_error, flash_domain_error

from .. import access, gates, selectors, services
from ..forms.projects import (
    AdvanceForm,
    ProjectFilterForm,
    ProjectForm,
    StatusForm,
    StepBackForm,
    project_initial,
)
from ..models import Project
from ..steps import Status, Step

PAGE_SIZE = 25


# --- Shared by the project and step pages -----------------------------------------------------


def visible_project(user, pk: int) -> Project:
    """The project with everything its pages show prefetched, if the user may see it; else 404."""
    try:
        return selectors.project_detail(user, pk)
    except Project.DoesNotExist:
        raise Http404(_("No such project.")) from None


@dataclass(frozen=True)
class StepLink:
    number: int
    label: str
    state: str  # "done", "current" or "locked" (not reached yet)
    url: str
    viewing: bool


def stepper(project: Project, viewing: int | None = None) -> list[StepLink]:
    """The seven steps as the stepper draws them: done, current, or not reached yet."""
    links = []
    for number, label in Step.choices:
        if project.status == Status.COMPLETED or number < project.current_step:
            state = "done"
        elif number == project.current_step:
            state = "current"
        else:
            state = "locked"
        links.append(
            StepLink(
                number=number,
                label=label,
                state=state,
                url=reverse("tqm:project_step", args=[project.pk, number]),
                viewing=number == viewing,
            )
        )
    return links


def gate_context(user, project: Project) -> dict:
    """What the gate box shows: what the current step still lacks, and the leader's Advance form."""
    is_open = not project.is_closed
    leader = access.is_leader(user, project)
    return {
        "missing": gates.missing_for(project) if is_open else [],
        "gate_open": is_open,
        "can_advance": leader and project.status == Status.ACTIVE,
        "advance_form": AdvanceForm(initial={"expected_step": project.current_step}),
        "is_last_step": project.current_step == Step.REFLECT,
    }


def detail_url(project: Project) -> str:
    return reverse("tqm:project_detail", args=[project.pk])


# --- List -------------------------------------------------------------------------------------


def _query_without_page(request) -> str:
    return urlencode([(key, value) for key, value in request.GET.items() if key != "page" and value])


@login_required
def project_list(request):
    """Projects the user may see (none for users without a reading role or a project of their own)."""
    form = ProjectFilterForm(request.GET or None)
    projects = selectors.filter_projects(selectors.projects_list(request.user), **form.filters(request.user))
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.step_counts(request.user)
    context = {
        "filter_form": form,
        "page_obj": page,
        "query": _query_without_page(request),
        "step_summary": [
            {"number": number, "label": label, "count": counts.get(number, 0)}
            for number, label in Step.choices
        ],
        "can_create": access.may_create(request.user),
    }
    return render(request, "tqm/project_list.html", context)


# --- Create and edit --------------------------------------------------------------------------


def _previous_project(request) -> Project | None:
    """The project named by ``?previous=<id>`` (a "Start the next project" link), if visible."""
    raw = request.GET.get("previous", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("No such project."))
    previous = access.projects_for(request.user).filter(pk=int(raw)).first()
    if previous is None:
        raise Http404(_("No such project."))
    return previous


@login_required
def project_create(request):
    if not access.may_create(request.user):
        raise PermissionDenied(_("Your role does not allow you to start improvement projects."))
    previous = _previous_project(request)
    initial = {"leader": request.user.pk, "start_date": timezone.localdate()}
    if previous is not None:
        initial["title"] = previous.next_topic
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                by=request.user, previous_project=previous, **form.service_arguments()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Project “%(title)s” is open at step 1: select the topic.") % {"title": project.title},
            )
            return redirect(detail_url(project))
    context = {"form": form, "previous": previous, "editing": False}
    return render(request, "tqm/project_form.html", context, status=400 if form.errors else 200)


@login_required
def project_edit(request, pk: int):
    project = visible_project(request.user, pk)
    if not access.may_edit(request.user, project):
        raise PermissionDenied(_("Only the project's leader and members can edit it while it is open."))
    form = ProjectForm(request.POST or None, initial=project_initial(project), editing=True)
    if not access.is_leader(request.user, project):
        # Only the leader hands the project to someone else (services.project_update).
        form.fields["leader"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project=project, by=request.user, **form.service_arguments())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The project's details are saved."))
            return redirect(detail_url(project))
    context = {"form": form, "project": project, "editing": True}
    return render(request, "tqm/project_form.html", context, status=400 if form.errors else 200)


# --- The project page -------------------------------------------------------------------------


def _detail_page(
    request,
    project: Project,
    *,
    back_form: StepBackForm | None = None,
    status_form: StatusForm | None = None,
    status: int = 200,
):
    user = request.user
    is_open = not project.is_closed
    leader = access.is_leader(user, project)
    may_step_back = leader and is_open and project.current_step > Step.SELECT_TOPIC
    may_manage = is_open and access.may_manage_status(user, project)
    context = {
        "project": project,
        "steps": stepper(project),
        "members": list(project.members.all()),
        "events": list(project.events.all()),
        "next_projects": list(project.next_projects.all()),
        "overdue": selectors.overdue_count(project),
        "can_edit": access.may_edit(user, project),
        "back_form": (back_form or StepBackForm(initial={"expected_step": project.current_step}))
        if may_step_back
        else None,
        "status_form": (status_form or StatusForm(current=project.status)) if may_manage else None,
        **gate_context(user, project),
    }
    return render(request, "tqm/project_detail.html", context, status=status)


@login_required
def project_detail(request, pk: int):
    return _detail_page(request, visible_project(request.user, pk))


@login_required
@require_POST
def project_advance(request, pk: int):
    """The leader moves the project on; a closed gate comes back as a message over its missing list."""
    project = visible_project(request.user, pk)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date. Check the project and try again."))
        return redirect(detail_url(project))
    try:
        project = services.project_advance(
            project=project, by=request.user, expected_step=form.cleaned_data["expected_step"]
        )
    except DomainError as error:
        flash_domain_error(request, error)  # 403 for anyone but the leader
    else:
        if project.status == Status.COMPLETED:
            messages.success(request, _("The project is completed. Well done!"))
        else:
            messages.success(
                request,
                _("The project is at step %(number)s: %(step)s.")
                % {"number": project.current_step, "step": project.get_current_step_display()},
            )
    return redirect(detail_url(project))


def _not_about_the_form(request, error: DomainError) -> bool:
    """Refusals that name no field of a form (a stale page, a closed project) are flashed over the
    fresh page; 403 stays a 403. Returns True when the error was flashed."""
    if isinstance(error, Conflict) or not error.fields:
        flash_domain_error(request, error)
        return True
    return False


@login_required
@require_POST
def project_back(request, pk: int):
    project = visible_project(request.user, pk)
    form = StepBackForm(request.POST)
    if form.is_valid():
        try:
            project = services.project_step_back(
                project=project,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_step=form.cleaned_data["expected_step"],
            )
        except DomainError as error:
            if _not_about_the_form(request, error):
                return redirect(detail_url(project))
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("The project is back at step %(number)s: %(step)s.")
                % {"number": project.current_step, "step": project.get_current_step_display()},
            )
            return redirect(detail_url(project))
    return _detail_page(request, project, back_form=form, status=400)


@login_required
@require_POST
def project_status(request, pk: int):
    """Put on hold, resume or cancel (the leader or the sponsor), with a note."""
    project = visible_project(request.user, pk)
    form = StatusForm(request.POST, current=project.status)
    if form.is_valid():
        try:
            project = services.project_set_status(
                project=project,
                by=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            if _not_about_the_form(request, error):
                return redirect(detail_url(project))
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("The project is now “%(status)s”.") % {"status": project.get_status_display()}
            )
            return redirect(detail_url(project))
    elif not access.may_manage_status(request.user, project):
        raise PermissionDenied(_("Only the project's leader or sponsor can change its status."))
    elif project.is_closed:
        messages.warning(request, _("This project is closed; its status can no longer change."))
        return redirect(detail_url(project))
    return _detail_page(request, project, status_form=form, status=400)
