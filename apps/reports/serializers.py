"""API shapes for reports (DESIGN.md §9 ``reports/``). Shape checks only: services.parse_request decides
which kinds and scopes exist, access.py who sees what."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from . import kinds
from .models import ChartSnapshot, ChartTask, TaskState

FILE_FORMATS = ("png", "svg", "csv")


def _absolute(request, name: str, **kwargs) -> str:
    url = reverse(f"api:{name}", kwargs=kwargs)
    return request.build_absolute_uri(url) if request is not None else url


class ReportChartSerializer(serializers.ModelSerializer):
    """A snapshot as listed: what it shows, when it was drawn, and where its files are."""

    kind_label = serializers.SerializerMethodField()
    scope_name = serializers.CharField(read_only=True)
    languages = serializers.SerializerMethodField()
    png_url = serializers.SerializerMethodField()
    svg_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    class Meta:
        model = ChartSnapshot
        fields = [
            "id",
            "kind",
            "kind_label",
            "scope",
            "scope_type",
            "scope_id",
            "scope_name",
            "period",
            "period_start",
            "period_end",
            "generated_at",
            "duration_ms",
            "languages",
            "png_url",
            "svg_url",
            "csv_url",
        ]
        read_only_fields = fields

    def get_kind_label(self, snapshot: ChartSnapshot) -> str:
        # A snapshot of a kind since removed from the registry keeps its name as label.
        kind = kinds.registry().get(snapshot.kind)
        return str(kind.label) if kind is not None else snapshot.kind

    def get_languages(self, snapshot: ChartSnapshot) -> list[str]:
        """The languages the chart is drawn in (read from the prefetched images)."""
        return sorted(image.language for image in snapshot.images.all())

    def _file_url(self, snapshot: ChartSnapshot, file_format: str) -> str:
        return _absolute(self.context.get("request"), f"reports-chart-{file_format}", pk=snapshot.pk)

    def get_png_url(self, snapshot: ChartSnapshot) -> str:
        return self._file_url(snapshot, "png")

    def get_svg_url(self, snapshot: ChartSnapshot) -> str:
        return self._file_url(snapshot, "svg")

    def get_csv_url(self, snapshot: ChartSnapshot) -> str:
        return self._file_url(snapshot, "csv")


class ReportChartDetailSerializer(ReportChartSerializer):
    data = serializers.JSONField(read_only=True, help_text="Exactly the figures the chart was drawn from.")

    class Meta(ReportChartSerializer.Meta):
        fields = [*ReportChartSerializer.Meta.fields, "data"]
        read_only_fields = fields


class ReportKindSerializer(serializers.Serializer):
    """A kind of chart as the registry declares it (``reports/charts/kinds/?detail=1``)."""

    name = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    family = serializers.CharField(help_text="qa, calibration, complaints, metrics or tqm")
    schedule = serializers.CharField(help_text="hourly, nightly, weekly, monthly or on_change")
    scope_types = serializers.ListField(child=serializers.CharField())
    period_unit = serializers.CharField(help_text="day, week, month or current")
    window = serializers.IntegerField(help_text="How many period units one chart covers")


class ReportRegenerateSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40, help_text="A name from reports/charts/kinds/")
    scope = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text='"global" (the default) or type:id, e.g. team:3',
    )


class ReportTaskSerializer(serializers.ModelSerializer):
    """A "regenerate now" request and how far the worker got."""

    state = serializers.ChoiceField(choices=TaskState.choices, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    snapshot = serializers.IntegerField(
        source="snapshot_id", read_only=True, allow_null=True, help_text="The chart drawn, once done"
    )
    requested_at = serializers.DateTimeField(source="created_at", read_only=True)
    url = serializers.SerializerMethodField()
    error = serializers.CharField(source="error_message", read_only=True)

    class Meta:
        model = ChartTask
        fields = [
            "task_id",
            "state",
            "state_label",
            "kind",
            "scope",
            "snapshot",
            "error",
            "requested_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, task: ChartTask) -> str:
        """Where to follow the request."""
        return _absolute(self.context.get("request"), "reports-task", task_id=task.task_id)
