# Indexes behind the adjustment ledger page (/adjustments/): newest first, and narrowed by kind.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0004_cadre_register_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="adjustment",
            index=models.Index(fields=["effective_date", "id"], name="adjustment_date_id"),
        ),
        migrations.AddIndex(
            model_name="adjustment",
            index=models.Index(fields=["kind", "effective_date"], name="adjustment_kind_date"),
        ),
    ]
