from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Supervision visits and issues")

    def ready(self) -> None:
        from cadres.tallies import holdings_listen
        from inspections.sections import sections_register
        from inspections.tallies import holdings_changed

        sections_register()
        holdings_listen(holdings_changed)
