from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    AuditEvent,
    CalendarException,
    CalendarYear,
    CompanyCalendar,
    Department,
    OrgRoleAssignment,
    User,
)


class RoleInline(admin.TabularInline):
    model = OrgRoleAssignment
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "employee_no", "department", "is_active"]
    search_fields = ["username", "display_name", "employee_no", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            "OpenEPM",
            {
                "fields": [
                    "display_name",
                    "employee_no",
                    "phone",
                    "department",
                    "time_zone",
                    "language",
                ]
            },
        ),
    ]
    inlines = [RoleInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "head"]


class ExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


class YearInline(admin.TabularInline):
    model = CalendarYear
    extra = 0


@admin.register(CompanyCalendar)
class CompanyCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "day_start", "day_end"]
    inlines = [YearInline, ExceptionInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows are never changed or removed through the application."""

    list_display = ["at", "actor", "action", "target_repr"]
    list_filter = ["action"]
    search_fields = ["target_repr", "scope"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
