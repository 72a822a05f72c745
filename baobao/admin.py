from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from baobao.models import Delivery, Division, Notification, User
from baobao.notifications import deliveries_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledgers and holdings change only through services, which keep them in step."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceManagedAdmin(admin.ModelAdmin):
    """Registers whose creation and key fields belong to the services, which write the history
    and the adjustment ledger: the admin may correct descriptive fields only."""

    service_fields: tuple[str, ...] = ()
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.service_fields)


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    show_full_result_count = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "role", "division", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("division", "cadre", "aide")
    list_select_related = ("division",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("role", "division", "cadre", "aide", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "division", "cadre", "aide")}),
    )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Messages are written by the reminder jobs only; the admin reads them."""

    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "recipient__username", "title")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """E-mail and SMS deliveries: failures stay listed here until sent or failed for good;
    "retry now" makes them due again with a fresh retry horizon."""

    list_display = (
        "notification",
        "channel",
        "address",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("address", "notification__key")
    list_select_related = ("notification",)
    actions = ["retry_now"]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request, queryset):
        count = deliveries_retry(deliveries=queryset, now=request.now)
        self.message_user(request, _("%(count)d deliveries will be retried.") % {"count": count})
