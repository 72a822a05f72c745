from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Businesses' self-management")

    def ready(self) -> None:
        from enterprises.hooks import hooks_register

        hooks_register()
