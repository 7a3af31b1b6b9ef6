"""Django admin for TQM: support's window on improvement projects and their artefacts.

Everything with a rule lives in ``services.py``: steps move only through ``project_advance`` and
``project_step_back`` (which check the gates and write the step history), the status through
``project_set_status``, and each artefact is added, chosen, selected or deleted there with its step
checks. So the admin adds and deletes nothing, shows the step, the status and the history read-only,
and lets support correct *wording* only (a title, a problem statement, a cause's text); numbers,
decisions and people change in the app. A completed or cancelled project is a record: nothing of it
changes here either, as in the services.
"""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Cause,
    Countermeasure,
    Dataset,
    DatasetItem,
    FishboneCategory,
    Measurement,
    Project,
    ProjectEvent,
    Standard,
    Topic,
    TrainingRecord,
)


def _read_only_except(fields: tuple[str, ...], editable: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in fields if name not in editable)


def _project_of(obj) -> Project:
    return obj if isinstance(obj, Project) else obj.project


class NoAddOrDeleteMixin:
    """Rows are added and removed in the app, where the services check the step."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OpenProjectOnlyMixin(NoAddOrDeleteMixin):
    """Nothing of a completed or cancelled project changes (``obj`` is the row, or an inline's parent).

    ``list_select_related`` names what the list *and* the change page show: a queryset that already
    selects related rows makes the changelist ignore ``list_select_related``, so it is applied here,
    once, for both."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and _project_of(obj).is_closed:
            return False
        return super().has_change_permission(request, obj)


class ReadOnlyInline(NoAddOrDeleteMixin, admin.TabularInline):
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- Projects and their history ----------------------------------------------------------------


class ProjectEventInline(ReadOnlyInline):
    model = ProjectEvent
    fields = ("created_at", "actor", "kind", "from_step", "to_step", "note")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Project)
class ProjectAdmin(OpenProjectOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "status", "current_step", "leader", "sponsor", "updated_at")
    list_filter = ("status", "current_step", "metric_direction")
    list_select_related = ("leader", "sponsor", "previous_project", "created_by")
    search_fields = ("title", "problem_statement", "leader__username", "leader__display_name")
    fields = (
        "title",
        "problem_statement",
        "status",
        "current_step",
        "metric_name",
        "metric_unit",
        "metric_direction",
        "baseline",
        "target",
        "baseline_successes",
        "baseline_sample_size",
        "sponsor",
        "leader",
        "members",
        "start_date",
        "target_date",
        "completed_on",
        "fishbone_effect",
        "lessons_learned",
        "next_topic",
        "previous_project",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = _read_only_except(
        fields, ("title", "problem_statement", "metric_name", "metric_unit", "fishbone_effect")
    )
    inlines = [ProjectEventInline]


@admin.register(ProjectEvent)
class ProjectEventAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """The append-only step history."""

    list_display = ("created_at", "project", "kind", "from_step", "to_step", "actor")
    list_filter = ("kind",)
    list_select_related = ("project", "actor")
    search_fields = ("project__title", "actor__username", "note")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- Step artefacts ------------------------------------------------------------------------------


class ProjectArtefactAdmin(OpenProjectOnlyMixin, admin.ModelAdmin):
    list_select_related = ("project",)
    search_fields = ("project__title",)


@admin.register(Topic)
class TopicAdmin(ProjectArtefactAdmin):
    list_display = ("title", "project", "urgency", "controllability", "time_bound", "is_chosen")
    list_filter = ("is_chosen",)
    search_fields = ("title", "project__title")
    fields = (
        "project",
        "title",
        "description",
        "urgency",
        "controllability",
        "time_bound",
        "is_chosen",
        "rationale",
        "created_at",
    )
    readonly_fields = _read_only_except(fields, ("title", "description", "rationale"))


class DatasetItemInline(ReadOnlyInline):
    model = DatasetItem
    fields = ("label", "count")
    readonly_fields = fields


@admin.register(Dataset)
class DatasetAdmin(ProjectArtefactAdmin):
    list_display = ("name", "project", "phase", "source", "source_key", "period_start", "period_end")
    list_filter = ("phase", "source")
    list_select_related = ("project", "created_by")
    search_fields = ("name", "project__title")
    fields = (
        "project",
        "name",
        "phase",
        "source",
        "source_key",
        "period_start",
        "period_end",
        "created_by",
        "created_at",
    )
    readonly_fields = _read_only_except(fields, ("name",))
    inlines = [DatasetItemInline]


class CauseInline(NoAddOrDeleteMixin, admin.TabularInline):
    """A cause's wording can be corrected; root-cause marks and evidence change in the app."""

    model = Cause
    fields = ("text", "parent", "is_root_cause", "evidence")
    readonly_fields = ("parent", "is_root_cause", "evidence")
    extra = 0
    ordering = ("parent_id", "position", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and _project_of(obj).is_closed:
            return False
        return super().has_change_permission(request, obj)


@admin.register(FishboneCategory)
class FishboneCategoryAdmin(ProjectArtefactAdmin):
    list_display = ("name", "project", "position")
    search_fields = ("name", "project__title")
    fields = ("project", "name", "position")
    readonly_fields = ("project", "position")
    inlines = [CauseInline]


@admin.register(Countermeasure)
class CountermeasureAdmin(ProjectArtefactAdmin):
    list_display = ("title", "project", "priority", "selected", "owner", "due_date", "status")
    list_filter = ("selected", "status")
    list_select_related = ("project", "owner", "cause")
    search_fields = ("title", "project__title", "owner__username")
    fields = (
        "project",
        "title",
        "description",
        "cause",
        "controllability",
        "expected_effect",
        "cost",
        "team_decides_alone",
        "priority",
        "selected",
        "owner",
        "due_date",
        "status",
        "done_on",
        "created_at",
    )
    readonly_fields = _read_only_except(fields, ("title", "description"))


@admin.register(Measurement)
class MeasurementAdmin(ProjectArtefactAdmin):
    list_display = ("project", "value", "successes", "sample_size", "period_start", "period_end")
    list_select_related = ("project", "recorded_by")
    fields = (
        "project",
        "value",
        "successes",
        "sample_size",
        "period_start",
        "period_end",
        "note",
        "recorded_by",
        "created_at",
    )
    readonly_fields = _read_only_except(fields, ("note",))


class TrainingRecordInline(ReadOnlyInline):
    model = TrainingRecord
    fields = ("trainee", "trained_on", "note", "recorded_by")
    readonly_fields = fields
    ordering = ("trained_on", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("trainee", "recorded_by")


@admin.register(Standard)
class StandardAdmin(ProjectArtefactAdmin):
    """Standards are controlled documents: a change is a new version, written in the app."""

    list_display = ("title", "version", "effective_date", "project", "supersedes")
    list_select_related = ("project", "supersedes", "created_by")
    search_fields = ("title", "body", "project__title")
    fields = (
        "project",
        "title",
        "version",
        "effective_date",
        "supersedes",
        "body",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = [TrainingRecordInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
