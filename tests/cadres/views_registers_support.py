"""Helpers shared by the test_views_registers_* test modules."""

from django.urls import reverse
from django.utils import timezone

from tests.factories import new_mobile

TODAY = timezone.localdate


def url(name, *args):
    return reverse(f"cadres:{name}", args=args)


def cadre_post(division, **overrides):
    data = {
        "name": "新干部",
        "phone": new_mobile(),
        "unit": "区市场监管局",
        "post": "局长",
        "commitment_signed_on": "",
        "division": division.pk,
    }
    for prefix in ("assistant1", "assistant2", "liaison"):
        for field in ("name", "phone", "unit", "post"):
            data[f"{prefix}-{field}"] = ""
    data.update(overrides)
    return data
