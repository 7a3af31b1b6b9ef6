"""Django admin for complaints: set-up rows (categories, SLA policies, calendars, suggestions) are
edited here; tickets, their timeline and notifications are read-only, because every state change goes
through the workflow (services.ticket_transition), which checks the table and writes the event."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    BusinessCalendar,
    Category,
    Holiday,
    Notification,
    SlaPolicy,
    Suggestion,
    Ticket,
    TicketEvent,
    WorkingPeriod,
)


class ReadOnlyAdminMixin:
    """View only: no add, change or delete, for rows that only services write."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "default_department", "calendar", "active")
    list_filter = ("active", "parent", "default_department", "calendar")
    list_select_related = ("parent", "default_department", "calendar")
    search_fields = ("name",)
    ordering = ("parent__name", "name")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Time budgets per category (empty: every category), severity and stage; a new value applies to
    stages entered from then on (services.budget_minutes reads it when a stage starts)."""

    list_display = ("id", "category", "severity", "stage", "minutes")
    list_display_links = ("id",)
    list_editable = ("category", "severity", "stage", "minutes")
    list_filter = ("severity", "stage", "category")
    list_select_related = ("category",)
    ordering = ("category__name", "stage", "severity")
    empty_value_display = _("(every category)")


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "always_open", "is_default")
    inlines = [WorkingPeriodInline, HolidayInline]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "created_by", "created_at")
    list_filter = ("category",)
    list_select_related = ("category", "created_by")
    search_fields = ("title", "text")
    fields = ("category", "title", "text", "source_ticket", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    raw_id_fields = ("source_ticket",)  # a select of every ticket would be too long to render

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class TicketEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "actor", "action", "from_state", "to_state", "department", "note")
    readonly_fields = fields
    extra = 0
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "department")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "state",
        "severity",
        "category",
        "assignee",
        "department",
        "due_at",
        "sla_breached_at",
        "created_at",
    )
    list_filter = ("state", "severity", "waiting_for_customer", "channel", "category", "department")
    list_select_related = ("category", "assignee", "department")
    search_fields = ("reference", "customer_name")
    date_hierarchy = "created_at"
    # Counting every ticket a second time for "n total" costs a full scan on large tables.
    show_full_result_count = False
    inlines = [TicketEventInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "message", "ticket", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user", "ticket")
    search_fields = ("user__username", "message")
    show_full_result_count = False
