from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = _("Food businesses")

    def ready(self) -> None:
        from entities.sections import entity_section_register
        from entities.selectors import entity_grade_changes

        entity_section_register(
            page="entity",
            name="grade_history",
            template="entities/_grade_history.html",
            context=lambda *, request, obj: {"grade_changes": entity_grade_changes(entity=obj)},
            order=30,
        )
