"""Django admin for QA data: read-mostly views for support; writes with rules go through the pages and API."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import (
    CalibrationScore,
    CalibrationSession,
    Call,
    CallImport,
    CoachingAction,
    CoachingComment,
    CoachingSession,
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


class CalibrationScoreInline(admin.TabularInline):
    model = CalibrationScore
    fields = (
        "evaluator",
        "evaluation",
        "score",
        "deviation_from_reference",
        "deviation_from_mean",
        "alignment",
        "outside_tolerance",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("evaluator", "evaluation__call")


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(admin.ModelAdmin):
    """Support may extend a deadline or fix the note of an open session; creating, scoring and
    closing (which computes the results) go through the app's rules."""

    list_display = (
        "pk",
        "call",
        "scorecard_version",
        "status",
        "deadline",
        "alpha_interval",
        "created_by",
        "created_at",
        "closed_at",
    )
    list_filter = ("status",)
    list_select_related = ("call", "scorecard_version__scorecard", "created_by")
    search_fields = ("call__external_id", "note")
    date_hierarchy = "created_at"
    fields = (
        "call",
        "scorecard_version",
        "reference",
        "participant_progress",
        "deadline",
        "tolerance",
        "note",
        "status",
        "created_by",
        "created_at",
        "closed_by",
        "closed_at",
        "alpha_interval",
        "mean_score",
        "spread",
        "criteria_results",
    )
    inlines = [CalibrationScoreInline]

    @admin.display(description=_("participants"))
    def participant_progress(self, session: CalibrationSession) -> str:
        # Who has submitted, never what: the admin keeps the session blind too.
        submitted = set(
            session.evaluations.filter(submitted_at__isnull=False).values_list("evaluator_id", flat=True)
        )
        return format_html_join(
            mark_safe("<br>"),
            "{} — {}",
            (
                (person.name, _("submitted") if person.pk in submitted else _("not yet"))
                for person in session.participants.order_by("username")
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_closed:
            return self.fields  # the results were computed with these values
        return [name for name in self.fields if name not in ("deadline", "note")]

    def has_add_permission(self, request) -> bool:
        return False  # calibration_create checks the participants, the reference and the version


class CoachingActionInline(admin.TabularInline):
    model = CoachingAction
    fields = ("text", "due_on", "done_at", "done_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


class CoachingCommentInline(admin.TabularInline):
    model = CoachingComment
    fields = ("created_at", "author", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "agent",
        "coach",
        "held_on",
        "follow_up_on",
        "status",
        "signed_off_at",
        "followed_up_at",
    )
    list_filter = ("status",)
    list_select_related = ("agent", "coach")
    search_fields = ("agent__username", "coach__username", "observations")
    date_hierarchy = "held_on"
    inlines = [CoachingActionInline, CoachingCommentInline]

    def has_add_permission(self, request) -> bool:
        return False  # coaching_create checks that the coach covers the agent's team

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # sign-off, actions and follow-up belong to the agent and the coach
