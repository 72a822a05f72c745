"""Seed the default checklists (督导清单) from DOMAIN.md; the system admin edits them afterwards."""

from django.db import migrations

from inspections.checklists import DEFAULT_TEMPLATES, default_items


def seed(apps, schema_editor):
    ChecklistTemplate = apps.get_model("inspections", "ChecklistTemplate")
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    for name, business_types, grades, on_site_items in DEFAULT_TEMPLATES:
        if ChecklistTemplate.objects.filter(name=name).exists():
            continue
        template = ChecklistTemplate.objects.create(
            name=name, business_types=business_types, grades=grades
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, area=str(area), text=text, order=order)
            for order, (area, text) in enumerate(default_items(on_site_items), start=1)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
