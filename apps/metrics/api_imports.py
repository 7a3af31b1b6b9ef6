"""Import API (DESIGN.md §9): ``metrics/daily/`` rows, ``metrics/import/`` CSV files and their jobs.

Parse → call imports.py → serialise. Rejected rows or files answer 400 with every problem:
``{"detail": "...", "rows": [{"row": n, "errors": {field: [messages]}}], "file": [messages]}`` —
``file`` only when the file as a whole is wrong (its encoding, its header). Rows are numbered as in
the file (the header is row 1) or, for ``metrics/daily/``, from 1 in the order sent.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from qa_center.errors import NotFound, ValidationFailed

from . import access, imports
from .csv_format import COLUMNS
from .models import MetricsImport


class ManagesMetrics(BasePermission):
    """Importing is for QA managers, duty managers and administrators (access.may_manage): 403 for
    anyone else, 401 without credentials."""

    message = gettext_lazy("Your role does not allow this action.")

    def has_permission(self, request, view) -> bool:
        return access.may_manage(request.user)


def _rejected(error: imports.ImportRejected) -> Response:
    return Response({"detail": error.message, **imports.errors_payload(error.errors)}, status=400)


_REJECTED = OpenApiResponse(description="Nothing was written: `detail`, `rows` (per row, per field), `file`.")
_IMPORTED = inline_serializer("MetricsImported", {"imported": serializers.IntegerField()})


class ImportJobSerializer(serializers.ModelSerializer):
    """A CSV import run by a worker: its progress, then its result or its problems."""

    status_display = serializers.CharField(source="get_status_display")
    file = serializers.CharField(source="original_name")
    percent = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = MetricsImport
        fields = [
            "id",
            "status",
            "status_display",
            "file",
            "total_rows",
            "processed_rows",
            "imported_rows",
            "percent",
            "errors",
            "created_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_percent(self, job: MetricsImport) -> int:
        return imports.job_percent(job)

    def get_errors(self, job: MetricsImport) -> dict:
        """The same shape as a rejected upload's 400 body: ``rows`` and, if any, ``file``."""
        return imports.errors_payload(map(imports.RowError.from_dict, job.errors))

    def get_url(self, job: MetricsImport) -> str:
        path = reverse("api:metrics-import-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


@extend_schema(
    tags=["metrics"],
    request={
        "application/json": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}
    },
    responses={200: _IMPORTED, 400: _REJECTED, 403: OpenApiResponse(description="Not a QA or duty manager.")},
    examples=[
        OpenApiExample(
            "One row",
            request_only=True,
            value={
                "date": "2024-03-05",
                "agent": 12,
                "queue": "Billing",
                **{name: 0 for name in COLUMNS[3:-1]},
                "tags": "holiday",
            },
        )
    ],
)
class DailyRowsView(APIView):
    """Daily figures, one row (an object) or a list: the CSV's columns, with ``agent`` a user id.
    A list is all-or-nothing; a row for an existing (date, agent, queue) replaces it."""

    permission_classes = [ManagesMetrics]
    parser_classes = [JSONParser]

    def post(self, request):
        data = request.data
        rows = [data] if isinstance(data, Mapping) else data
        if not isinstance(rows, list):
            raise ValidationFailed(gettext("Send one row (an object) or a list of rows."))
        try:
            imported = imports.daily_rows_save(by=request.user, rows=rows)
        except imports.ImportRejected as error:
            return _rejected(error)
        return Response({"imported": imported})


@extend_schema(
    tags=["metrics"],
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    },
    responses={
        200: _IMPORTED,
        202: ImportJobSerializer,
        400: _REJECTED,
        403: OpenApiResponse(description="Not a QA or duty manager."),
    },
)
class ImportUploadView(APIView):
    """A CSV file of daily figures (multipart field ``file``): imported at once (200 with the count)
    or, when big, by a worker (202 with the job; follow its ``url``). All-or-nothing either way."""

    permission_classes = [ManagesMetrics]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(gettext("Choose a CSV file to upload."), field="file")
        if upload.size > imports.MAX_FILE_BYTES:
            raise ValidationFailed(
                gettext("The file is %(size)s; at most %(max)s can be imported at once. Split it into parts.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(imports.MAX_FILE_BYTES)},
                field="file",
            )
        try:
            outcome = imports.daily_csv_import(by=request.user, file=upload.file, filename=upload.name)
        except imports.ImportRejected as error:
            return _rejected(error)
        if outcome.job is not None:
            payload = ImportJobSerializer(outcome.job, context={"request": request}).data
            return Response(payload, status=status.HTTP_202_ACCEPTED)
        return Response({"imported": outcome.imported})


@extend_schema(tags=["metrics"], responses={200: ImportJobSerializer})
class ImportJobView(APIView):
    """A CSV import job: status, progress while a worker checks it, then the result or its problems."""

    permission_classes = [ManagesMetrics]

    def get(self, request, pk: int):
        job = imports.metrics_imports_for(request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound(gettext("There is no import with this id."))
        return Response(ImportJobSerializer(job, context={"request": request}).data)
