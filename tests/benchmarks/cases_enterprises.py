"""The business side (issue 16) under load: a quarter of daily checks (one per business per
working day, 85% kept) plus weekly reports for every business of the demo city, written with one
INSERT … SELECT inside the rolled-back transaction, and the rates' monthly summary and rollup
rebuilt from them (``record_months_rebuild``, as the seed leaves it); then the cadre's visit form (with its
self-management evidence) and the office's completion-rate page as the county, the city and the
province.

Neither page grows with the records table. The visit form's evidence is one range of the
(entity_id, kind, period_start) b-tree: the business's records since its last visit, a few
dozen rows whatever the table holds. The rates never read the records nor the businesses: they
read the rollup (``RateTally``/``RateDays``: per division, business type and grade, the active
businesses and per kind and month how many kept each day), a few rows per division of the
scope, whatever its number of businesses. The second index (kind, period_start, entity_id) serves the reminders (a kind's
records of one day, all businesses). At 1M businesses a quarter of daily checks is ~60M rows
(~9 GB with its indexes); since no page scans it, partitioning is not needed for reads, and
the records are a ledger never purged, so it is not needed for retention either."""

import datetime

from django.db import connection
from django.urls import reverse

from baobao import clock
from baobao.models import User
from cadres.models import Assignment
from enterprises.months import record_months_rebuild
from entities.models import Entity
from tests.benchmarks.cases_pages import PAGE_MS, _cadre_login
from tests.benchmarks.harness import client_for, getter, measure, rolled_back

SECTION = "Pages: the business's self-management (issue 16)"
RATES_MS = 300
REPEAT = 10


def _fill(city_path: str, user_id: int, today: datetime.date) -> int:
    start = today - datetime.timedelta(days=91)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO enterprises_record
                (entity_id, kind, period_start, content, problems, open_problems,
                 submitted_by_id, submitted_at)
            SELECT e.id, k.kind, d::date, '{}'::jsonb, 0, 0, %s, now()
            FROM entities_entity e
            CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') d
            CROSS JOIN (VALUES ('daily'), ('weekly')) k(kind)
            WHERE e.division_path LIKE %s
              AND NOT EXISTS (SELECT 1 FROM enterprises_record r WHERE r.entity_id = e.id)
              AND extract(isodow FROM d) < 6
              AND (k.kind = 'daily' AND random() < 0.85
                   OR k.kind = 'weekly' AND extract(isodow FROM d) = 1)
            """,
            [user_id, start, today - datetime.timedelta(days=1), city_path + "%"],
        )
        written = cursor.rowcount
        cursor.execute("ANALYZE enterprises_record")
    return written


def cases():
    users = {who: User.objects.get(username=who) for who in ("county", "city", "province")}
    today = clock.today()
    with rolled_back():
        written = _fill(users["city"].division.path, users["county"].pk, today)
        months = record_months_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE enterprises_recordmonth")
            cursor.execute("ANALYZE enterprises_ratetally")
            cursor.execute("ANALYZE enterprises_ratedays")
        note = f"{written:,} records ({months:,} summary rows) for {users['city'].division.name}"
        holding = (
            Assignment.objects.current()
            .filter(entity__in=Entity.objects.for_user(users["county"]))
            .order_by("id")
            .first()
        )
        cadre_client = client_for(_cadre_login(holding.cadre))
        yield measure(
            "visit form with the self-management evidence",
            getter(cadre_client, reverse("inspections:visit-new") + f"?entity={holding.entity_id}"),
            target_ms=PAGE_MS,
            repeat=REPEAT,
            section=SECTION,
            note=note,
        )
        for who in ("county", "city", "province"):
            for by in ("area", "grade"):
                yield measure(
                    f"completion rates ({who}, by {by}, last month)",
                    getter(
                        client_for(users[who]),
                        reverse("enterprises:rates")
                        + f"?by={by}&start={today - datetime.timedelta(days=31)}&end={today}",
                    ),
                    target_ms=RATES_MS,
                    repeat=REPEAT,
                    section=SECTION,
                    note=note,
                )
