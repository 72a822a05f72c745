from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from baobao.models import Division, User


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
