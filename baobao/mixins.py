"""View mixins that put the scope and role rules in front of every office page."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from baobao.scoping import require_register_writer


class OfficeRequiredMixin(LoginRequiredMixin):
    """Pages of the office workspace: office staff and the system admin; others get 403."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_office or user.is_system_admin):
            raise PermissionDenied(_("This page is for food-safety office staff."))
        return super().dispatch(request, *args, **kwargs)


class RegisterWriterRequiredMixin(LoginRequiredMixin):
    """Actions that change the registers: city, county and township offices and the admin."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_register_writer(request.user)
        return super().dispatch(request, *args, **kwargs)
