"""The rates' rollup keyed by county (its path) instead of by division: a city's or province's
page then reads rows per county. The tables hold derived counts only: dropped, created again
and filled from the businesses and the monthly summary (what ``rate_rollup_rebuild`` does)."""

import django.contrib.postgres.fields
from django.db import migrations, models

AREA_DIGITS = 6  # PATH_DIGITS[Level.COUNTY]


def fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the rollup is kept on PostgreSQL only (enterprises.rollup)
    sums = ", ".join(f"sum((m.days >> {i}) & 1)::int" for i in range(31))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enterprises_ratetally (area_path, business_type, grade, n) "
            "SELECT substr(division_path, 1, %s), business_type, grade, count(*) "
            "FROM entities_entity WHERE status = 'active' GROUP BY 1, 2, 3",
            [AREA_DIGITS],
        )
        cursor.execute(
            "INSERT INTO enterprises_ratedays "
            "(area_path, business_type, grade, kind, month, days) "
            "SELECT substr(e.division_path, 1, %s), e.business_type, e.grade, m.kind, m.month, "
            f"ARRAY[{sums}] "
            "FROM enterprises_recordmonth m JOIN entities_entity e ON e.id = m.entity_id "
            "WHERE e.status = 'active' GROUP BY 1, 2, 3, 4, 5",
            [AREA_DIGITS],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0005_rate_rollup"),
        ("entities", "0004_entity_area_path"),
    ]

    operations = [
        migrations.DeleteModel(name="RateDays"),
        migrations.DeleteModel(name="RateTally"),
        migrations.CreateModel(
            name="RateTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("area_path", models.CharField(max_length=12)),
                ("business_type", models.CharField(max_length=20)),
                ("grade", models.CharField(max_length=1)),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["area_path"],
                        name="ratetally_path",
                        opclasses=["varchar_pattern_ops"],
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area_path", "business_type", "grade"), name="ratetally_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RateDays",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("area_path", models.CharField(max_length=12)),
                ("business_type", models.CharField(max_length=20)),
                ("grade", models.CharField(max_length=1)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("daily", "Daily check (日管控)"),
                            ("weekly", "Weekly screening report (周排查)"),
                            ("monthly", "Monthly scheduling minutes (月调度)"),
                        ],
                        max_length=8,
                    ),
                ),
                ("month", models.DateField()),
                (
                    "days",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), size=31
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["area_path", "month"],
                        name="ratedays_path_month",
                        opclasses=["varchar_pattern_ops", "date_ops"],
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area_path", "business_type", "grade", "kind", "month"),
                        name="ratedays_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
