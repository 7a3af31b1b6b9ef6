"""Import pages: upload a CSV file of daily figures, the downloadable template, a big file's progress.

Parse → imports.py → render. Only QA managers, duty managers and administrators import (403 else).
A small file is imported during the request (or rejected with every problem listed); a big one
becomes a job whose page polls its progress with htmx until the job is finished.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from qa_center.errors import DomainError
from qa_center.pages import add_domain_error

from . import access, imports
from .csv_format import TAG_MAX_LENGTH, example_csv
from .forms_imports import DailyFiguresImportForm
from .models import ImportStatus

# A rejected file can have a thousand listed problems: the job page shows them a page at a time.
ERRORS_PER_PAGE = 200
RECENT_IMPORTS = 5

# What each column holds, in the file's order: shown on the import page.
COLUMN_HELP = {
    "date": _("The day, written YYYY-MM-DD (e.g. 2024-03-05); not in the future."),
    "agent": _("The agent's username: an active user with the agent role."),
    "queue": _("The queue's name, in any case."),
    "calls_offered": _("Calls offered to the agent on this queue."),
    "calls_answered": _("Calls answered; at most the calls offered."),
    "calls_abandoned": _(
        "Calls the caller hung up before an answer; answered plus abandoned calls are at most the "
        "calls offered."
    ),
    "answered_within_sl": _(
        "Calls answered within the service-level threshold (e.g. 20 s); at most the calls answered."
    ),
    "talk_seconds": _("Talk time, in seconds."),
    "hold_seconds": _("Hold time, in seconds."),
    "acw_seconds": _("After-call work (wrap-up) time, in seconds."),
    "not_ready_seconds": _("Not-ready (busy) time, in seconds."),
    "idle_seconds": _(
        "Idle time, ready and waiting for a call, in seconds; not-ready plus idle time is at most the "
        "logged-in time."
    ),
    "logged_in_seconds": _("Logged-in time, in seconds."),
    "fcr_count": _("Calls resolved at the first contact; at most the calls answered."),
    "survey_responses": _("Customer survey responses."),
    "survey_satisfied": _("Satisfied survey responses; at most the survey responses."),
    "scheduled_minutes": _("Minutes the agent was scheduled to work."),
    "worked_minutes": _("Minutes the agent worked; may exceed the scheduled minutes (overtime)."),
    "tags": _(
        "Optional context for the day, separated by semicolons, e.g. holiday;storm (each tag at most "
        "%(max)s characters)."
    ),
}


def manager_required(view):
    """Sign-in required, then access.may_manage (else the 403 page)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.may_manage(request.user):
            raise PermissionDenied(gettext("Your role does not allow you to open this page."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _columns() -> list[tuple[str, str]]:
    return [
        (name, help_text % {"max": TAG_MAX_LENGTH} if name == "tags" else help_text)
        for name, help_text in COLUMN_HELP.items()
    ]


@manager_required
def daily_import(request):
    """Upload a CSV file: imported whole at once, rejected whole with every row's problems, or queued."""
    errors: list[dict] = []
    error_count = 0
    if request.method == "POST":
        form = DailyFiguresImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = imports.daily_csv_import(by=request.user, file=upload.file, filename=upload.name)
            except imports.ImportRejected as rejected:
                errors = [
                    {"row": error.row, "field": error.field, "message": error.text(gettext)}
                    for error in rejected.errors
                ]
                error_count = rejected.count
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if outcome.job is not None:
                    return redirect("metrics:import_status", pk=outcome.job.pk)
                count = outcome.imported
                messages.success(
                    request,
                    ngettext("Imported %(count)d daily row.", "Imported %(count)d daily rows.", count)
                    % {"count": count},
                )
                return redirect("metrics:import")
    else:
        form = DailyFiguresImportForm()
    recent = imports.metrics_imports_for(request.user).defer("errors")[:RECENT_IMPORTS]
    return render(
        request,
        "metrics/import.html",
        {
            "form": form,
            "errors": errors,
            "error_count": error_count,
            "recent_imports": recent,
            "sync_max_rows": imports.sync_max_rows(),
            "columns": _columns(),
        },
    )


@manager_required
def daily_import_template(request):
    """The CSV template: the header and two example rows."""
    # With a byte-order mark, Excel opens the file as UTF-8 (Chinese names stay readable).
    response = HttpResponse("\ufeff" + example_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="daily-figures-template.csv"'
    return response


def _job_context(request, pk: int) -> dict:
    job = get_object_or_404(imports.metrics_imports_for(request.user), pk=pk)
    errors_page = Paginator(imports.job_errors(job), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "job": job,
        "finished": job.status in imports.FINISHED,
        "checked_all": job.status == ImportStatus.RUNNING and job.processed_rows >= job.total_rows,
        "percent": imports.job_percent(job),
        "errors_page": errors_page,
        "query": "",
    }


@manager_required
def daily_import_status(request, pk: int):
    """A big file's job: progress while a worker checks it, then the result or the row problems."""
    return render(request, "metrics/import_status.html", _job_context(request, pk))


@manager_required
def daily_import_progress(request, pk: int):
    """The status page's live part, polled by htmx every second until the job is finished."""
    return render(request, "metrics/_import_progress.html", _job_context(request, pk))
