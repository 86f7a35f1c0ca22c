from django.contrib import admin

from .models import LifecycleTemplate, Membership, Project, ProjectType


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """For inspection by system administrators; changes go through the pages and the API."""

    list_display = ["number", "name", "project_type", "status", "pm", "department"]
    list_filter = ["status", "project_type"]
    search_fields = ["number", "name", "customer"]
    inlines = [MembershipInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(ProjectType)
admin.site.register(LifecycleTemplate)
