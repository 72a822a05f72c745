# The cadres who left, for the coverage page (全覆盖): their holdings are gaps to fix.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("baobao", "0004_notifications"),
        ("cadres", "0005_adjustment_overview_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="cadre",
            index=models.Index(
                condition=models.Q(("status", "left")),
                fields=["division"],
                name="cadre_left_division",
            ),
        ),
    ]
