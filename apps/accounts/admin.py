from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "employee_number", "team", "is_active")
    list_filter = ("is_active", "groups", "team")
    list_select_related = ("team",)
    search_fields = ("username", "display_name", "employee_number", "first_name", "last_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Contact centre"), {"fields": ("display_name", "employee_number", "team")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Contact centre"), {"fields": ("display_name", "employee_number", "team", "groups")}),
    )


class TeamMemberInline(admin.TabularInline):
    model = User
    fk_name = "team"
    fields = ("username", "display_name", "employee_number")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("member")
    verbose_name_plural = _("members")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead")
    list_select_related = ("lead",)
    search_fields = ("name",)
    autocomplete_fields = ("lead",)
    inlines = [TeamMemberInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    filter_horizontal = ("members",)
