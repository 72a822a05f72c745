"""Helpers shared by the test_views_holdings_* test modules."""

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cadres.models import Adjustment, Assignment, ZoneAssignment

TODAY = timezone.localdate


def bulk_url(cadre) -> str:
    return f"{reverse('holdings:bulk-transfer')}?cadre={cadre.pk}"


def zone_assign_url(zone) -> str:
    return f"{reverse('holdings:zone-assign')}?zone={zone.pk}"


def offered(response, field="cadre") -> set[int]:
    """The ids of the cadres the page's picker offers."""
    return set(response.context["form"].fields[field].cadres)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot():
    return (
        list(Assignment.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")),
        list(ZoneAssignment.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")),
        Adjustment.objects.count(),
    )
