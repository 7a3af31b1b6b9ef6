"""Django admin for reports: snapshots and requests are read-only (the worker writes them); the
schedules page shows what beat runs when, with each kind's last drawing, and queues a schedule now."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Max
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import kinds, schedules
from .models import ChartImage, ChartSnapshot, ChartTask


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ChartImageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChartImage
    extra = 0
    fields = ("language", "svg", "png")
    can_delete = False


@admin.register(ChartSnapshot)
class ChartSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "scope_label_or_scope", "period", "generated_at", "duration_ms")
    list_filter = ("kind", "scope_type")
    search_fields = ("kind", "scope", "scope_label", "period")
    readonly_fields = (
        "kind",
        "scope",
        "scope_type",
        "scope_id",
        "scope_label",
        "period",
        "period_start",
        "period_end",
        "generated_at",
        "duration_ms",
        "data",
    )
    inlines = [ChartImageInline]
    actions = ["regenerate"]
    change_list_template = "admin/reports/chartsnapshot/change_list.html"

    @admin.display(description=_("scope"), ordering="scope")
    def scope_label_or_scope(self, snapshot: ChartSnapshot) -> str:
        return snapshot.scope_name

    @admin.action(description=_("Regenerate the selected charts now"))
    def regenerate(self, request, queryset):
        from .tasks import generate_chart

        count = 0
        for kind, scope, period in queryset.values_list("kind", "scope", "period"):
            generate_chart.delay(kind, scope, period)
            count += 1
        self.message_user(request, _("%(count)d charts queued.") % {"count": count}, messages.SUCCESS)

    def get_urls(self):
        own = [
            path("schedules/", self.admin_site.admin_view(self.schedules_view), name="reports_schedules"),
            path(
                "schedules/<str:schedule>/run/",
                self.admin_site.admin_view(require_POST(self.run_schedule_view)),
                name="reports_schedule_run",
            ),
        ]
        return own + super().get_urls()

    def schedules_view(self, request):
        last = {
            row["kind"]: row
            for row in ChartSnapshot.objects.values("kind").annotate(
                last_generated=Max("generated_at"), snapshots=Count("id")
            )
        }
        rows = [
            {"row": row, "kinds": [(kind, last.get(kind.name, {})) for kind in row.kinds]}
            for row in schedules.rows()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Chart schedules"),
            "rows": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reports/schedules.html", context)

    def run_schedule_view(self, request, schedule: str):
        from .tasks import generate_schedule

        if schedule not in kinds.SCHEDULES:
            messages.error(request, _("There is no such schedule."))
        else:
            generate_schedule.delay(schedule)
            messages.success(request, _("The charts of this schedule are queued."))
        return redirect(reverse("admin:reports_schedules"))


@admin.register(ChartTask)
class ChartTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "scope", "requested_by", "state", "created_at", "finished_at", "snapshot_link")
    list_filter = ("state", "kind")
    list_select_related = ("requested_by", "snapshot")
    readonly_fields = (
        "task_id",
        "kind",
        "scope",
        "requested_by",
        "state",
        "snapshot",
        "error",
        "created_at",
        "finished_at",
    )

    @admin.display(description=_("snapshot"))
    def snapshot_link(self, task: ChartTask):
        if task.snapshot_id is None:
            return "—"
        url = reverse("admin:reports_chartsnapshot_change", args=[task.snapshot_id])
        return format_html('<a href="{}">{}</a>', url, task.snapshot_id)
