"""seed_demo creates a realistic set of requests (every step) and one campaign."""

import pytest
from django.urls import reverse

from baobao.models import User
from public.models import Campaign, PublicRequest, RequestStatus
from tests.demo.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_requests_at_every_step_and_a_campaign(client):
    seed()
    seed()  # idempotent

    statuses = set(PublicRequest.objects.values_list("status", flat=True))
    assert statuses == set(RequestStatus.values)
    assert PublicRequest.objects.count() == 12
    campaign = Campaign.objects.get()
    assert campaign.nominations.count() >= 3
    county = User.objects.get(username="county")
    client.force_login(county)
    page = client.get(reverse("public:requests")).content.decode()
    assert "DEMO0001" in page
    assert client.get(reverse("public:campaign", args=[campaign.pk])).status_code == 200
    # the demo cadre has requests to handle in the inbox
    cadre = User.objects.get(username="cadre")
    assert PublicRequest.objects.for_user(cadre).exists()
