"""Django admin for operations metrics: set-up rows (queues, day tags, KPI targets, ranking weights,
ability scores) are edited here; daily figures and import jobs are read-only, because figures come in
through the import, which checks every row and replaces a day's figures as a whole."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from . import kpis
from .models import AbilityScore, DailyFigure, DayTag, KpiTarget, MetricsImport, Queue, RankingWeights


class ReadOnlyAdminMixin:
    """View only: no add, change or delete, for rows that only the import writes."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "active")
    list_editable = ("active",)
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(DailyFigure)
class DailyFigureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "date",
        "agent",
        "queue",
        "calls_offered",
        "calls_answered",
        "calls_abandoned",
        "answered_within_sl",
        "fcr_count",
        "survey_responses",
        "survey_satisfied",
        "logged_in_seconds",
        "tags",
    )
    # No date_hierarchy: its year/month links cost a scan of the table per page on a million rows.
    list_filter = ("date", "queue", "agent__team")
    list_select_related = ("agent", "queue")
    search_fields = ("agent__username", "agent__display_name")
    # Counting every figure a second time for "n total" costs a full scan on large tables.
    show_full_result_count = False


@admin.register(DayTag)
class DayTagAdmin(admin.ModelAdmin):
    list_display = ("date", "label")
    search_fields = ("label",)
    date_hierarchy = "date"
    ordering = ("-date", "label")


class KpiTargetForm(forms.ModelForm):
    class Meta:
        model = KpiTarget
        fields = ("kpi", "minimum", "maximum")

    def clean(self):
        cleaned = super().clean()
        minimum, maximum = cleaned.get("minimum"), cleaned.get("maximum")
        if minimum is not None and maximum is not None and minimum > maximum:
            # On the field, so the model's constraint (the same rule) is not reported a second time.
            self.add_error("maximum", _("The maximum must not be below the minimum."))
        return cleaned


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    """A KPI without a row here uses the operating manual's default (kpis.DEFAULT_TARGETS); a row with
    neither bound switches the KPI's target off."""

    form = KpiTargetForm
    list_display = ("kpi", "minimum", "maximum", "default_target", "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    readonly_fields = ("updated_by", "updated_at")

    @admin.display(description=_("default"))
    def default_target(self, obj: KpiTarget) -> str:
        default = kpis.DEFAULT_TARGETS.get(obj.kpi, kpis.Target())
        return " … ".join(
            "—" if bound is None else str(bound) for bound in (default.minimum, default.maximum)
        )

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class AbilityScoreForm(forms.ModelForm):
    class Meta:
        model = AbilityScore
        fields = ("agent", "month", "score")

    def clean_month(self):
        # A score belongs to a month: any day of it is taken as the month (stored as its first day).
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else month


@admin.register(AbilityScore)
class AbilityScoreAdmin(admin.ModelAdmin):
    form = AbilityScoreForm
    list_display = ("month", "agent", "score", "updated_at")
    list_filter = ("agent__team",)
    list_select_related = ("agent",)
    search_fields = ("agent__username", "agent__display_name")
    date_hierarchy = "month"
    autocomplete_fields = ("agent",)  # a select of every user would be too long to render


WEIGHTS = ("volume", "quality", "attendance", "ability")


class RankingWeightsForm(forms.ModelForm):
    class Meta:
        model = RankingWeights
        fields = WEIGHTS

    def clean(self):
        cleaned = super().clean()
        weights = [cleaned.get(name) for name in WEIGHTS]
        if None not in weights and sum(weights) != 100:
            raise forms.ValidationError(
                _("The weights must add up to 100; they add up to %(total)s."),
                code="weights_sum",
                params={"total": sum(weights)},
            )
        return cleaned

    def _post_clean(self):
        # The model's check constraint is the same rule, with a message naming the constraint:
        # once the sum is refused above, it is not reported a second time.
        if self.has_error(NON_FIELD_ERRORS, "weights_sum"):
            return
        super()._post_clean()


@admin.register(RankingWeights)
class RankingWeightsAdmin(admin.ModelAdmin):
    """The one row of ranking weights (the demo creates it with the defaults 30/40/15/15)."""

    form = RankingWeightsForm
    list_display = ("__str__", "volume", "quality", "attendance", "ability", "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    readonly_fields = ("updated_by", "updated_at")

    def has_add_permission(self, request) -> bool:
        # One row, created with the defaults by weights_set / the demo. Not asking the database
        # here: the admin sidebar calls this on every admin page.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MetricsImport)
class MetricsImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "original_name",
        "status",
        "total_rows",
        "processed_rows",
        "imported_rows",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("created_by",)
    search_fields = ("original_name", "created_by__username")
