from django.contrib import admin, messages
from django.utils.translation import gettext_lazy

from baobao.admin import ReadOnlyAdmin
from inspections.holidays import holiday_years_missing
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Holiday,
    Issue,
    IssueEvent,
    ReminderPolicy,
    Visit,
    VisitCheck,
    VisitPhoto,
    VisitRemark,
    Weekday,
)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ("order", "area", "text")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """The system admin edits the checklists; visits copy each item's text, so an edit never
    changes what a past visit checked."""

    list_display = ("name", "business_types", "grades", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [ChecklistItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("text", "area", "template", "order")
    list_filter = ("area", "template")
    search_fields = ("text",)
    list_select_related = ("template",)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("entity", "cadre", "logged_by", "visited_at", "quarter", "on_site")
    list_filter = ("quarter", "on_site")
    search_fields = ("entity__name", "cadre__name")
    list_select_related = ("entity", "cadre", "logged_by")
    raw_id_fields = ("entity", "cadre", "logged_by", "template")
    date_hierarchy = "visited_at"


@admin.register(VisitCheck)
class VisitCheckAdmin(ReadOnlyAdmin):
    list_display = ("visit", "area", "text", "result")
    list_filter = ("result", "area")
    list_select_related = ("visit__entity",)
    raw_id_fields = ("visit", "item")


@admin.register(VisitPhoto)
class VisitPhotoAdmin(ReadOnlyAdmin):
    list_display = ("visit", "image", "width", "height", "created_at")
    list_select_related = ("visit__entity",)
    raw_id_fields = ("visit",)


@admin.register(VisitRemark)
class VisitRemarkAdmin(ReadOnlyAdmin):
    list_display = ("visit", "text", "by", "created_at")
    list_select_related = ("visit__entity", "by")
    raw_id_fields = ("visit", "by")


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    list_display = ("entity", "category", "severity", "status", "deadline", "created_at")
    list_filter = ("status", "severity", "category")
    search_fields = ("entity__name", "description")
    list_select_related = ("entity",)
    raw_id_fields = ("entity", "visit", "visit_check", "raised_by")


@admin.register(IssueEvent)
class IssueEventAdmin(ReadOnlyAdmin):
    list_display = ("issue", "from_status", "to_status", "by", "at")
    list_filter = ("to_status",)
    list_select_related = ("issue__entity", "by")
    raw_id_fields = ("issue", "by")


MISSING_HOLIDAYS = gettext_lazy(
    "No holidays are entered for %(year)d and the chinese-calendar package does not know that "
    "year, so every Monday to Friday of %(year)d counts as a working day, holidays included. "
    "Enter the State Council's holiday arrangements (放假安排) for %(year)d under “Holiday "
    "arrangements”, or load them with “manage.py holidays load FILE.csv”."
)


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """One row: when reminders and warnings go out. Changes apply from the next morning's run."""

    list_display = ("__str__", "updated_at")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET":
            # Working-day limits and reminder deadlines of a year without data ignore its holidays.
            for year in holiday_years_missing(today=request.today):
                messages.warning(request, MISSING_HOLIDAYS % {"year": year})
        return super().changeform_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return not ReminderPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The office enters each year's 放假安排 here (or with ``manage.py holidays``): once a year
    has any row, its working days come from this table alone."""

    list_display = ("day", "weekday", "kind", "name", "note", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "note")
    date_hierarchy = "day"  # by year, then month
    ordering = ("day",)

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj):
        return Weekday(obj.day.weekday()).label
