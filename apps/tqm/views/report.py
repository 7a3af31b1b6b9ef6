"""The one-page A3 project report: a printable page and the same content as a PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import report as project_report_content
from .. import selectors
from ..models import Project
from .charts import conditional_on_project


def _visible_project(request, pk: int) -> Project:
    try:
        return selectors.project_detail(request.user, pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


@login_required
@require_safe
def project_report(request, pk: int):
    report = project_report_content.build_report(_visible_project(request, pk))
    return render(
        request,
        "tqm/report.html",
        {
            "report": report,
            "project": report.project,
            "status_line": project_report_content.status_line(report.project),
        },
    )


@conditional_on_project
def project_report_pdf(request, pk: int):
    """The report as one A3 landscape PDF page (drawn by matplotlib; cached by the browser until the
    project changes, as the charts are)."""
    report = project_report_content.build_report(_visible_project(request, pk))
    response = HttpResponse(project_report_content.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="project-{pk}-report.pdf"'
    return response
