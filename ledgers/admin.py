from django.contrib import admin

from baobao.admin import ReadOnlyAdmin
from ledgers.models import DashboardSnapshot


@admin.register(DashboardSnapshot)
class DashboardSnapshotAdmin(ReadOnlyAdmin):
    """When each large area's dashboard figures were last computed (the beat task writes them)."""

    list_display = ("division", "day", "computed_at", "overdue_cadres")
    list_select_related = ("division",)
    ordering = ("division__path",)
