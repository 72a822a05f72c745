from django.contrib import admin

from enterprises.models import DailyCheckItem, Membership, Record, RecordPolicy


@admin.register(RecordPolicy)
class RecordPolicyAdmin(admin.ModelAdmin):
    list_display = ("business_type", "grade", "requirement", "note")


@admin.register(DailyCheckItem)
class DailyCheckItemAdmin(admin.ModelAdmin):
    list_display = ("text", "business_types", "order", "is_active")
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
