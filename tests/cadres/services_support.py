"""Helpers shared by the test_services_* test modules."""

from contextlib import contextmanager

from django.utils import timezone

from cadres.models import Adjustment, Assignment, ZoneAssignment

TODAY = timezone.localdate


@contextmanager
def nothing_written():
    """Expect no holding, zone holding or ledger row to be added or changed in the block."""

    def snapshot():
        return (
            list(Assignment.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")),
            list(ZoneAssignment.objects.order_by("pk").values_list("pk", "end_date")),
            Adjustment.objects.count(),
        )

    before = snapshot()
    yield
    assert snapshot() == before
