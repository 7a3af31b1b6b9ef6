"""A project's charts as images: SVG shown inline, PNG downloaded.

Every write to a project bumps ``Project.updated_at`` (services._touch), so the chart of a
(project, updated_at, language, URL) never changes: browsers revalidate with the ETag and get
304 without a figure being drawn. The ETag function also applies the visibility rule, so a project the
user may not see gets no ETag and the view answers 404.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from apps.reports.charts.render import to_png, to_svg

from .. import access, analysis, charts, selectors
from ..models import Dataset, Project

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
# Part of every ETag: bump when the drawing changes, so browsers drop charts drawn by older code.
CHART_REVISION = "1"
# A chart is an image, never a document: nothing in it may run or load anything.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _updated_at(request, pk: int):
    return access.projects_for(request.user).filter(pk=pk).values_list("updated_at", flat=True).first()


def _last_modified(request, pk: int, *args, **kwargs):
    return _updated_at(request, pk)


def _etag(request, pk: int, *args, **kwargs) -> str | None:
    updated_at = _updated_at(request, pk)
    if updated_at is None:
        return None
    parts = [
        CHART_REVISION,
        request.path,
        request.GET.urlencode(),
        translation.get_language() or "",
        updated_at.isoformat(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def conditional_on_project(view):
    """Sign-in, GET or HEAD, conditional on the project's last change, private to the browser.

    For views whose output depends only on the project, the URL and the language (charts, the PDF).
    """
    wrapped = condition(etag_func=_etag, last_modified_func=_last_modified)(view)
    wrapped = cache_control(private=True, no_cache=True)(wrapped)
    return login_required(require_safe(wrapped))


def _project(request, pk: int) -> Project:
    try:
        return selectors.project_detail(request.user, pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def _with_title(request) -> bool:
    """``?title=0`` leaves the title out, for pages that put the chart under their own heading."""
    return request.GET.get("title") != "0"


def _check_format(fmt: str) -> None:
    if fmt not in CONTENT_TYPES:
        raise Http404("Unknown chart format.")


def _image_response(figure, fmt: str, filename: str) -> HttpResponse:
    if fmt == "svg":
        response = HttpResponse(to_svg(figure), content_type=CONTENT_TYPES["svg"])
        response["Content-Disposition"] = f'inline; filename="{filename}.svg"'
        response["Content-Security-Policy"] = SVG_CSP
    else:
        response = HttpResponse(to_png(figure), content_type=CONTENT_TYPES["png"])
        response["Content-Disposition"] = f'attachment; filename="{filename}.png"'
    return response


@conditional_on_project
def pareto_chart(request, pk: int, pareto_id: int, fmt: str):
    """One saved Pareto analysis; ``?title=0`` without its title."""
    _check_format(fmt)
    project = _project(request, pk)
    view = next(
        (v for v in selectors.pareto_views(project, charts.other_label()) if v.pareto.pk == pareto_id), None
    )
    if view is None:
        raise Http404("No such Pareto analysis in this project.")
    figure = charts.pareto_figure_for(view, with_title=_with_title(request))
    return _image_response(figure, fmt, f"project-{pk}-pareto-{pareto_id}")


@conditional_on_project
def fishbone_chart(request, pk: int, fmt: str):
    """The fishbone diagram; ``?title=0`` without its title."""
    _check_format(fmt)
    project = _project(request, pk)
    figure = charts.fishbone_figure_for(project, with_title=_with_title(request))
    return _image_response(figure, fmt, f"project-{pk}-fishbone")


def _dataset_param(request, project: Project, name: str, default: Dataset | None) -> Dataset | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        wanted = int(raw)
    except ValueError:
        raise Http404("No such dataset.") from None
    found = next((dataset for dataset in project.datasets.all() if dataset.pk == wanted), None)
    if found is None:
        raise Http404("No such dataset in this project.")
    return found


@conditional_on_project
def before_after_chart(request, pk: int, fmt: str):
    """``?before=<dataset id>&after=<dataset id>``; by default the latest "before" and "after" datasets."""
    _check_format(fmt)
    project = _project(request, pk)
    default_before, default_after = selectors.before_after_datasets(project)
    before = _dataset_param(request, project, "before", default_before)
    after = _dataset_param(request, project, "after", default_after)
    if before is None or after is None:
        raise Http404("The project has no before and after datasets to compare yet.")
    try:
        figure = charts.before_after_figure_for(before, after)
    except analysis.AnalysisError:
        # Saved datasets passed the same checks when they were written; only data edited by hand
        # outside the services can fail here, and there is no chart to show for it.
        raise Http404("These datasets cannot be drawn.") from None
    return _image_response(figure, fmt, f"project-{pk}-before-after")
