"""Checklist templates (督导清单模板) and their items: what a visit checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from entities.models import Entity


class ChecklistTemplate(models.Model):  # 督导清单模板
    """The checklist a visit fills in, chosen by business type and grade; edited by the admin."""

    name = models.CharField(_("name"), max_length=100)
    # Empty means "any": a template for all types, or for all grades.
    business_types = models.JSONField(_("business types"), default=list, blank=True)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def applies_to(self, entity: Entity) -> bool:
        return (not self.business_types or entity.business_type in self.business_types) and (
            not self.grades or entity.grade in self.grades
        )


class ChecklistArea(models.TextChoices):  # 任务清单的四个方面 and the concrete checks
    MANAGEMENT = "management", _("Safety management system")
    ROUTINE = "routine", _("Routine prevention and control")
    EMERGENCY = "emergency", _("Emergency response")
    TRAINING = "training", _("Publicity and training")
    ON_SITE = "on_site", _("On-site checks")


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    area = models.CharField(_("area"), max_length=20, choices=ChecklistArea.choices)
    text = models.CharField(_("check"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "id"]

    def __str__(self):
        return self.text
