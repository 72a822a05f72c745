from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises.models import DailyCheckItem, Membership, Record, RecordPolicy


@admin.register(RecordPolicy)
class RecordPolicyAdmin(SimpleHistoryAdmin):
    """The default rules (no area) are kept here; the offices set their areas' rules on
    /enterprise/office/policy/."""

    list_display = ("division", "business_type", "grade", "requirement", "is_active", "note")
    list_filter = ("is_active", "requirement")
    raw_id_fields = ("division",)

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawn rules are kept (is_active), their history with them


@admin.register(DailyCheckItem)
class DailyCheckItemAdmin(SimpleHistoryAdmin):
    list_display = ("text", "division", "business_types", "order", "is_active")
    raw_id_fields = ("division",)

    def has_delete_permission(self, request, obj=None):
        return False  # an item is taken out of use, never deleted

    list_editable = ("order", "is_active")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("entity", "user", "position", "is_active")
    raw_id_fields = ("entity", "user", "created_by")


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    """Read only: records are append-only."""

    list_display = ("entity", "kind", "period_start", "submitted_by", "submitted_at")
    list_filter = ("kind",)
    raw_id_fields = ("entity", "corrects", "submitted_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
