"""Reports API (DESIGN.md §9 ``reports/``): snapshots, their files, the kinds, and "regenerate now".

Parse → access / services → serialise. Which charts a user sees is access.py's alone (the list, the
detail and the files all start from ``access.visible_snapshots``); which requests are valid and allowed
is services.request_regeneration's.
"""

from __future__ import annotations

from pathlib import Path

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from qa_center.errors import NotFound, ValidationFailed

from . import access, exports, files, kinds, scopes, services
from .models import ChartImage, ChartSnapshot, ChartTask
from .serializers import (
    ReportChartDetailSerializer,
    ReportChartSerializer,
    ReportKindSerializer,
    ReportRegenerateSerializer,
    ReportTaskSerializer,
)

# A chart is an image, never a document: nothing in it may run or load anything (as apps/tqm's charts).
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
CONTENT_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "csv": "text/csv; charset=utf-8",
}
NO_CHART = gettext_lazy("There is no such chart, or you may not see it.")


class UsesReports(BasePermission):
    """Anyone with at least one chart to see (access.may_use_reports); everyone else gets 403."""

    message = gettext_lazy("Your role gives you no charts to see.")

    def has_permission(self, request, view) -> bool:
        return access.may_use_reports(request.user)


# --- The list and one chart -------------------------------------------------------------------------


class ScopeField(forms.CharField):
    """``global`` or ``<type>:<id>``, normalised to the stored key."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return scopes.Scope.parse(value).key
        except ValueError:
            raise forms.ValidationError(
                _('Write the scope as "global" or as type:id, for example team:3.')
            ) from None


class ScopeFilter(django_filters.CharFilter):
    field_class = ScopeField


def _kind_choices() -> list[tuple[str, str]]:
    # A callable: the registry is built on first use, after every app has loaded.
    return [(name, name) for name in kinds.names()]


class ChartFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=_kind_choices,
        help_text="A name from reports/charts/kinds/",
        error_messages={
            "invalid_choice": gettext_lazy(
                "Unknown kind of chart. The kinds are listed at reports/charts/kinds/."
            )
        },
    )
    scope = ScopeFilter(help_text='"global" or type:id, e.g. team:3')
    scope_type = django_filters.ChoiceFilter(choices=[(name, name) for name in scopes.SCOPE_TYPES])
    period = django_filters.CharFilter(help_text="A period key, e.g. 2026-W48, 2026-05 or 2026-05-31")
    latest = django_filters.BooleanFilter(
        method="filter_latest", help_text="true: only the latest period of each kind and scope"
    )

    class Meta:
        model = ChartSnapshot
        fields = ["kind", "scope", "scope_type", "period"]

    def filter_latest(self, queryset, name, value):
        if not value:
            return queryset
        # Periods of one kind have one length, so the latest is the one no other ends after. Kinds
        # drawn "as the data is now" have one snapshot per scope (no end): kept, as nothing is later.
        later = ChartSnapshot.objects.filter(
            kind=OuterRef("kind"), scope=OuterRef("scope"), period_end__gt=OuterRef("period_end")
        )
        return queryset.filter(~Exists(later))


def _visible(user) -> QuerySet[ChartSnapshot]:
    """The list's rows: no data, and of the images only their languages."""
    languages = ChartImage.objects.only("id", "snapshot_id", "language").order_by("language")
    return (
        access.visible_snapshots(user).defer("data").prefetch_related(Prefetch("images", queryset=languages))
    )


def _visible_snapshot(user, pk: int, *, with_data: bool = True) -> ChartSnapshot:
    snapshots = access.visible_snapshots(user).prefetch_related("images")
    if not with_data:
        snapshots = snapshots.defer("data")
    snapshot = snapshots.filter(pk=pk).first()
    if snapshot is None:
        raise NotFound(str(NO_CHART))
    return snapshot


@extend_schema(tags=["reports"])
class ChartListView(generics.ListAPIView):
    """The charts you may see, newest first. ``latest=true`` keeps the latest period of each chart."""

    permission_classes = [IsAuthenticated, UsesReports]
    serializer_class = ReportChartSerializer
    filterset_class = ChartFilter
    queryset = ChartSnapshot.objects.none()  # for the schema generator; see get_queryset
    ordering_fields = ["generated_at", "period_end", "kind", "id"]
    ordering = ["-generated_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChartSnapshot.objects.none()
        return _visible(self.request.user)


@extend_schema(tags=["reports"])
class ChartDetailView(APIView):
    """One chart with the data it was drawn from. 404 for a chart you may not see."""

    permission_classes = [IsAuthenticated, UsesReports]

    @extend_schema(responses=ReportChartDetailSerializer)
    def get(self, request, pk: int):
        snapshot = _visible_snapshot(request.user, pk)
        return Response(ReportChartDetailSerializer(snapshot, context={"request": request}).data)


# --- Files: PNG, SVG, CSV ---------------------------------------------------------------------------


class ErrorsAsJson(BaseContentNegotiation):
    """Files answer whatever the client accepts (``Accept: image/png`` must not be a 406); the body is
    the file itself, so only errors are rendered, always as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _requested_language(request) -> str:
    """``?lang=`` if given, else the language LocaleMiddleware chose from the request."""
    codes = [code for code, _name in settings.LANGUAGES]
    wanted = request.query_params.get("lang", "").strip().lower()
    if wanted:
        if wanted not in codes:
            raise ValidationFailed(
                _("Choose a language among: %(codes)s.") % {"codes": ", ".join(codes)}, field="lang"
            )
        return wanted
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in codes else settings.LANGUAGE_CODE


def _image_file(snapshot: ChartSnapshot, language: str, file_format: str) -> tuple[str, Path]:
    """The language the image is drawn in and its path: the one asked for, else the default language's."""
    images = {image.language: image for image in snapshot.images.all()}
    for candidate in dict.fromkeys([language, settings.LANGUAGE_CODE]):
        image = images.get(candidate)
        field = None if image is None else (image.png if file_format == "png" else image.svg)
        if field and files.absolute(field.name).is_file():
            return candidate, files.absolute(field.name)
    raise _no_file(file_format)


def _no_file(file_format: str) -> NotFound:
    return NotFound(_("This chart has no %(format)s file yet.") % {"format": file_format.upper()})


class ChartFileView(APIView):
    """Base of the PNG, SVG and CSV endpoints: the bytes, in the request's language."""

    file_format = ""
    permission_classes = [IsAuthenticated, UsesReports]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson

    def get(self, request, pk: int):
        language = _requested_language(request)
        snapshot = _visible_snapshot(request.user, pk, with_data=self.file_format == "csv")
        path = None
        if self.file_format != "csv":
            language, path = _image_file(snapshot, language, self.file_format)

        # What a URL answers changes only when the chart is redrawn or the language differs.
        etag = quote_etag(f"{snapshot.pk}-{snapshot.generated_at.timestamp():.6f}-{language}")
        not_modified = get_conditional_response(request._request, etag=etag)
        if not_modified is not None:
            return not_modified

        filename = exports.filename(snapshot, self.file_format, language)
        if path is None:
            response = HttpResponse(
                exports.csv_bytes(kinds.get(snapshot.kind), snapshot, language),
                content_type=CONTENT_TYPES["csv"],
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        else:
            try:
                handle = path.open("rb")
            except FileNotFoundError:  # removed by hand since _image_file looked
                raise _no_file(self.file_format) from None
            response = FileResponse(
                handle,
                content_type=CONTENT_TYPES[self.file_format],
                as_attachment=self.file_format == "png",  # SVG is shown in pages, PNG downloaded
                filename=filename,
            )
        if self.file_format == "svg":
            response["Content-Security-Policy"] = SVG_CSP
        response["Content-Language"] = language
        response["ETag"] = etag
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])  # the language may come from either
        return response


def _file_schema(file_format: str, description: str):
    return extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter(
                "lang",
                str,
                enum=[code for code, _name in settings.LANGUAGES],
                description="Overrides Accept-Language",
            )
        ],
        responses={
            (200, CONTENT_TYPES[file_format].split(";")[0]): OpenApiResponse(
                OpenApiTypes.BINARY, description=description
            ),
            304: OpenApiResponse(description="Not modified since the ETag you sent"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Unknown lang"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such chart, or no such file"),
        },
    )


@_file_schema("png", "The chart as PNG, in the request's language (else the default language's)")
class ChartPngView(ChartFileView):
    """The chart as a PNG image to download."""

    file_format = "png"


@_file_schema("svg", "The chart as SVG, in the request's language (else the default language's)")
class ChartSvgView(ChartFileView):
    """The chart as an SVG image to show in a page."""

    file_format = "svg"


@_file_schema("csv", "The chart's data as CSV (UTF-8 with BOM), headings in the request's language")
class ChartCsvView(ChartFileView):
    """The figures the chart was drawn from, as a table to download."""

    file_format = "csv"


# --- Kinds ------------------------------------------------------------------------------------------


def _kind_payload(kind: kinds.ChartKind) -> dict:
    return {
        "name": kind.name,
        "label": str(kind.label),
        "description": str(kind.description),
        "family": kind.family,
        "schedule": kind.schedule,
        "scope_types": list(kind.scope_types),
        "period_unit": kind.period_unit,
        "window": kind.window,
    }


@extend_schema(tags=["reports"])
class KindListView(APIView):
    """The names of the kinds of chart, in the registry's order (names are not secret: every kind is
    listed, whether or not you see charts of it). ``?detail=1``: objects with label, family, scopes…"""

    @extend_schema(
        parameters=[
            OpenApiParameter("detail", bool, description="1: objects with label, family, schedule, scopes…")
        ],
        responses=PolymorphicProxySerializer(
            component_name="ReportKindList",
            serializers=[
                serializers.ListSerializer(child=serializers.CharField()),
                ReportKindSerializer(many=True),
            ],
            resource_type_field_name=None,
            many=False,
        ),
    )
    def get(self, request):
        if _flag(request.query_params.get("detail", "")):
            payload = [_kind_payload(kind) for kind in kinds.registry().values()]
            return Response(ReportKindSerializer(payload, many=True).data)
        return Response(kinds.names())


def _flag(raw: str) -> bool:
    # Not a serializer field: a field called "detail" would clash with the error body's "detail".
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ValidationFailed(_("Write detail=1 for the kinds with their labels, or leave detail out."))


# --- "Regenerate now" and its progress ------------------------------------------------------------


@extend_schema(tags=["reports"])
class RegenerateView(APIView):
    """Queue the redrawing of one chart; follow it at ``url`` (``reports/tasks/{task_id}/``). While the
    same chart is already queued, you follow that request. 400 unknown kind or scope, 403 a chart you
    may not see."""

    permission_classes = [IsAuthenticated, UsesReports]

    @extend_schema(request=ReportRegenerateSerializer, responses={202: ReportTaskSerializer})
    def post(self, request):
        payload = ReportRegenerateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = services.request_regeneration(
            request.user, payload.validated_data["kind"], payload.validated_data.get("scope")
        )
        body = ReportTaskSerializer(task, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema(tags=["reports"])
class TaskView(APIView):
    """A "regenerate now" request of yours: pending, started, success (with the snapshot) or failure
    (with the error). 404 for an unknown id or another person's request."""

    @extend_schema(responses=ReportTaskSerializer)
    def get(self, request, task_id: str):
        try:
            task = services.task_for(request.user, task_id)
        except ChartTask.DoesNotExist:
            raise NotFound(_("There is no chart request of yours with this id.")) from None
        return Response(ReportTaskSerializer(task, context={"request": request}).data)
