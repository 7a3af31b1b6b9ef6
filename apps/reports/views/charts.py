"""A snapshot's files for pages: the SVG shown inline, the PNG and the data as CSV downloaded.

A snapshot's files change only when it is redrawn, which moves ``generated_at``: the ETag and
Last-Modified come from it, so browsers revalidate and get 304 until the chart is redrawn. The lookup
applies access.py's visibility, so a chart the reader may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from apps.tqm.views.charts import SVG_CSP

from .. import access, exports, files
from ..kinds import registry
from ..models import ChartSnapshot
from .cards import image_for

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png", "csv": "text/csv; charset=utf-8"}
# Part of every ETag: bump when what these views send changes for the same snapshot.
FILES_REVISION = "1"


def _snapshot(request: HttpRequest, pk: int) -> ChartSnapshot | None:
    """The snapshot if the reader may see it; looked up once per request (ETag, Last-Modified, body)."""
    cache = request.__dict__.setdefault("_reports_snapshots", {})
    if pk not in cache:
        cache[pk] = access.visible_snapshots(request.user).filter(pk=pk).prefetch_related("images").first()
    return cache[pk]


def _language(request: HttpRequest) -> str:
    """``?lang=`` when it names a site language, else the active language, else the default one."""
    codes = [code for code, _name in settings.LANGUAGES]
    for candidate in (request.GET.get("lang"), translation.get_language()):
        if candidate in codes:
            return candidate
    return settings.LANGUAGE_CODE


def _etag(request: HttpRequest, pk: int, fmt: str) -> str | None:
    snapshot = _snapshot(request, pk)
    if snapshot is None:
        return None
    parts = [FILES_REVISION, str(pk), fmt, _language(request), snapshot.generated_at.isoformat()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _last_modified(request: HttpRequest, pk: int, fmt: str):
    snapshot = _snapshot(request, pk)
    return snapshot.generated_at if snapshot else None


def _csv(snapshot: ChartSnapshot, language: str) -> HttpResponse:
    kind = registry().get(snapshot.kind)
    if kind is None:
        raise Http404("This kind of chart no longer exists.")
    response = HttpResponse(exports.csv_bytes(kind, snapshot, language), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(snapshot, "csv", language)}"'
    return response


@login_required
@require_safe
@cache_control(private=True, no_cache=True)
@condition(etag_func=_etag, last_modified_func=_last_modified)
def chart_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """``.svg`` (inline), ``.png`` or ``.csv`` (downloads) of a snapshot; ``?lang=`` picks the language."""
    snapshot = _snapshot(request, pk)
    if snapshot is None:
        raise Http404("No such chart.")
    language = _language(request)
    if fmt == "csv":
        return _csv(snapshot, language)
    image = image_for(snapshot, language)
    content = files.read(getattr(image, fmt).name) if image is not None else None
    if content is None:
        raise Http404("This chart has no image.")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    filename = exports.filename(snapshot, fmt, image.language)
    if fmt == "svg":
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Content-Security-Policy"] = SVG_CSP
    else:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
