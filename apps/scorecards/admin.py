"""Django admin for QA data: read-mostly views for support; writes with rules go through the pages and API."""

from django.contrib import admin

from .models import (
    Call,
    CallImport,
    Dispute,
    Evaluation,
    EvaluationEvent,
    SampleRun,
    Scorecard,
    ScorecardVersion,
)


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("name", "current_version", "archived_at", "created_at")
    list_select_related = ("current_version",)
    search_fields = ("name",)
    readonly_fields = ("current_version", "created_by", "created_at")


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(admin.ModelAdmin):
    list_display = ("scorecard", "number", "status", "pass_mark", "published_at")
    list_filter = ("status",)
    list_select_related = ("scorecard",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # versions change only through the builder; published ones never


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("external_id", "agent", "queue", "started_at", "duration_seconds", "direction")
    list_filter = ("direction", "queue")
    list_select_related = ("agent",)
    search_fields = ("external_id", "agent__username")
    raw_id_fields = ("agent",)


class EvaluationEventInline(admin.TabularInline):
    model = EvaluationEvent
    fields = ("created_at", "actor", "action", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("pk", "call", "agent", "evaluator", "status", "score", "passed", "submitted_at")
    list_filter = ("status", "passed", "critical_failed")
    list_select_related = ("call", "agent", "evaluator")
    search_fields = ("call__external_id", "agent__username", "evaluator__username")
    inlines = [EvaluationEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # scores change only through scoring and arbitration, which keep the history


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("pk", "evaluation", "raised_by", "status", "created_at", "resolved_at")
    list_filter = ("status",)
    list_select_related = ("raised_by",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SampleRun)
class SampleRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "scorecard_version", "period_start", "period_end", "per_agent", "seed")


@admin.register(CallImport)
class CallImportAdmin(admin.ModelAdmin):
    list_display = ("pk", "filename", "uploaded_by", "status", "total_rows", "imported_count", "created_at")
    list_filter = ("status",)
    exclude = ("csv_text",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
