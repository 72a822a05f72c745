from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("Cadres and holdings")

    def ready(self) -> None:
        from cadres.entity_filters import entity_filters_register
        from cadres.sections import sections_register
        from cadres.services.entity_changes import CadreHoldingRules
        from entities.changes import holding_rules_register

        holding_rules_register(CadreHoldingRules())
        sections_register()
        entity_filters_register()
