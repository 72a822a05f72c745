from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from baobao.admin import ReadOnlyAdmin, ServiceManagedAdmin
from cadres.models import Adjustment, Assignment, Cadre, CadreAide, ZoneAssignment


class CadreAideInline(admin.TabularInline):
    model = CadreAide
    extra = 0
    readonly_fields = ("kind", "is_active")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cadre)
class CadreAdmin(SimpleHistoryAdmin, ServiceManagedAdmin):
    list_display = ("name", "division", "unit", "post", "phone", "status", "commitment_signed_on")
    list_filter = ("status",)
    search_fields = ("name", "=phone", "unit")
    raw_id_fields = ("division",)
    list_select_related = ("division",)
    show_full_result_count = False
    inlines = [CadreAideInline]
    service_fields = ("division", "status", "left_on", "left_reason")


@admin.register(CadreAide)
class CadreAideAdmin(SimpleHistoryAdmin, ServiceManagedAdmin):
    list_display = ("name", "kind", "cadre", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "=phone")
    raw_id_fields = ("cadre",)
    list_select_related = ("cadre",)
    service_fields = ("cadre", "kind", "is_active")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("entity", "cadre", "start_date", "end_date", "escalated", "via_zone")
    list_filter = ("escalated",)
    raw_id_fields = ("entity", "cadre", "via_zone")
    list_select_related = ("entity", "cadre")


@admin.register(ZoneAssignment)
class ZoneAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("zone", "cadre", "start_date", "end_date")
    list_select_related = ("zone", "cadre")


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = (
        "effective_date",
        "kind",
        "entity",
        "from_cadre",
        "to_cadre",
        "reason",
        "created_by",
    )
    list_filter = ("kind",)
    date_hierarchy = "effective_date"
    list_select_related = ("entity", "from_cadre", "to_cadre", "created_by")
