from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_paths(apps, schema_editor):
    """Each business gets its division's path, in one UPDATE (a correlated subquery)."""
    Entity = apps.get_model("entities", "Entity")
    Division = apps.get_model("baobao", "Division")
    path = Division.objects.filter(pk=OuterRef("division_id")).values("path")[:1]
    Entity.objects.update(division_path=Subquery(path))


class Migration(migrations.Migration):
    dependencies = [
        ("baobao", "0001_initial"),
        ("entities", "0003_list_filter_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="entity",
            name="division_path",
            field=models.CharField(
                default="", editable=False, max_length=12, verbose_name="area path"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_paths, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="entity",
            index=models.Index(
                fields=["division_path", "name", "id"],
                name="entity_area_name_id",
                opclasses=["varchar_pattern_ops", "varchar_ops", "int8_ops"],
            ),
        ),
        migrations.AddConstraint(
            model_name="entity",
            constraint=models.CheckConstraint(
                condition=models.Q(("division_path", ""), _negated=True),
                name="entity_area_path_set",
            ),
        ),
    ]
