from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Supervision visits and issues")

    def ready(self) -> None:
        from inspections.sections import sections_register

        sections_register()
