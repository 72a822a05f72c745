"""Helpers shared by the test_views_* test modules."""

import datetime

from django.utils import timezone

from cadres.models import ZoneAssignment

TODAY = timezone.localdate()


YESTERDAY = TODAY - datetime.timedelta(days=1)


def listed(response) -> list[str]:
    """The names in the table on the page, in the order shown."""
    return [row.record.name for row in response.context["table"].paginated_rows]


def zone_hold(zone, cadre) -> ZoneAssignment:
    from cadres.services import zone_assign

    return zone_assign(zone=zone, cadre=cadre, reason="分片包保", by=None)
