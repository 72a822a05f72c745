from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from baobao.admin import ReadOnlyAdmin, ServiceManagedAdmin
from entities.models import Entity, GradeChange, Zone


@admin.register(Zone)
class ZoneAdmin(SimpleHistoryAdmin, ServiceManagedAdmin):
    list_display = ("name", "kind", "division")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("division",)
    list_select_related = ("division",)
    service_fields = ("division",)


@admin.register(Entity)
class EntityAdmin(SimpleHistoryAdmin, ServiceManagedAdmin):
    list_display = ("name", "uscc", "grade", "business_type", "status", "division")
    list_filter = ("grade", "status", "business_type")
    search_fields = ("name", "=uscc", "=licence_no")
    raw_id_fields = ("division", "zone")
    list_select_related = ("division",)
    service_fields = ("grade", "status", "division", "zone")


@admin.register(GradeChange)
class GradeChangeAdmin(ReadOnlyAdmin):
    list_display = ("entity", "old_grade", "new_grade", "effective_date", "changed_by", "reason")
    raw_id_fields = ("entity",)
    list_select_related = ("entity", "changed_by")
