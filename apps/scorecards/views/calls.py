"""Pages: calls — the list, one call, the CSV import with a big file's progress page, an example file.

Each module lists its own urlpatterns; apps/scorecards/urls.py joins them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import ngettext

from apps.accounts.permissions import role_required
from apps.accounts.roles import Role
from qa_center.errors import DomainError
from qa_center.pages import add_domain_error

from .. import access, import_jobs, selectors
from ..call_import import COLUMNS, REQUIRED_COLUMNS, example_csv
from ..forms.calls import CallFilterForm, CallImportForm

QA_STAFF = (Role.QA_EVALUATOR, Role.QA_MANAGER)
CALLS_PER_PAGE = 50
# A rejected big file can have an error on every row: the status page shows them a page at a time.
ERRORS_PER_PAGE = 200
RECENT_IMPORTS = 5


def format_duration(seconds: int) -> str:
    """mm:ss, minutes uncapped (a 62-minute call is 62:05)."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def phone_for(user, number: str) -> str:
    """The customer number as this user may see it (access.py decides who sees it in full)."""
    if not number or access.sees_full_phone_numbers(user):
        return number
    return access.mask_phone(number)


def _decorate(calls, user) -> None:
    for call in calls:
        call.duration_display = format_duration(call.duration_seconds)
        call.phone_display = phone_for(user, call.customer_phone)


@role_required(*QA_STAFF)
def call_list(request):
    """Calls in the user's scope, filtered, 50 a page: a constant number of queries."""
    form = CallFilterForm(request.GET)
    # Explicit order: Meta.ordering is ignored once calls_list() annotates a Count (GROUP BY).
    calls = form.filter(selectors.calls_list(request.user)).order_by("-started_at", "-id")
    page_obj = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
    _decorate(page_obj, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scorecards/call_list.html",
        {"form": form, "page_obj": page_obj, "query": query.urlencode()},
    )


@role_required(*QA_STAFF)
def call_detail(request, pk: int):
    """One call with the evaluations of it that the user may see; out of scope is a 404."""
    call = get_object_or_404(selectors.calls_list(request.user), pk=pk)
    _decorate([call], request.user)
    evaluations = (
        selectors.evaluations_list(request.user, with_answers=False).filter(call=call).order_by("-created_at")
    )
    return render(request, "scorecards/call_detail.html", {"call": call, "evaluations": evaluations})


@role_required(*QA_STAFF)
def call_import(request):
    """Upload a CSV file: imported whole at once, rejected whole with every row's errors, or queued."""
    errors: list = []
    if request.method == "POST":
        form = CallImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = import_jobs.calls_import_csv(
                    by=request.user, data=upload.read(), filename=upload.name
                )
            except DomainError as error:
                # E.g. another upload took one of the external ids meanwhile.
                add_domain_error(form, error)
            else:
                if outcome.job is not None:
                    return redirect("scorecards:call_import_status", pk=outcome.job.pk)
                if not outcome.errors:
                    count = outcome.imported_count
                    messages.success(
                        request,
                        ngettext("Imported %(count)d call.", "Imported %(count)d calls.", count)
                        % {"count": count},
                    )
                    return redirect("scorecards:call_list")
                errors = outcome.errors
    else:
        form = CallImportForm()
    recent = import_jobs.call_imports_for(request.user).filter(uploaded_by=request.user).defer("errors")
    return render(
        request,
        "scorecards/call_import.html",
        {
            "form": form,
            "errors": errors,
            "recent_imports": recent[:RECENT_IMPORTS],
            "sync_max_rows": import_jobs.SYNC_IMPORT_MAX_ROWS,
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
        },
    )


def _job_context(request, pk: int) -> dict:
    job = get_object_or_404(import_jobs.call_imports_for(request.user), pk=pk)
    errors_page = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {"job": job, "errors_page": errors_page, "query": ""}


@role_required(*QA_STAFF)
def call_import_status(request, pk: int):
    """A big file's job: progress while a worker checks it, then the result or the row errors."""
    return render(request, "scorecards/call_import_status.html", _job_context(request, pk))


@role_required(*QA_STAFF)
def call_import_progress(request, pk: int):
    """The status page's fragment, polled by htmx every second until the job is finished."""
    return render(request, "scorecards/_call_import_progress.html", _job_context(request, pk))


@role_required(*QA_STAFF)
def call_import_example(request):
    # With a byte-order mark, Excel opens the file as UTF-8 (Chinese names stay readable).
    response = HttpResponse("\ufeff" + example_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="calls-example.csv"'
    return response


urlpatterns: list = [
    path("calls/", call_list, name="call_list"),
    path("calls/import/", call_import, name="call_import"),
    path("calls/import/example.csv", call_import_example, name="call_import_example"),
    path("calls/import/<int:pk>/", call_import_status, name="call_import_status"),
    path("calls/import/<int:pk>/progress/", call_import_progress, name="call_import_progress"),
    path("calls/<int:pk>/", call_detail, name="call_detail"),
]
