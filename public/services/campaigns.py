"""Writes for 你点我查 campaigns: the office opens one, the public nominates and votes, the office
turns the chosen nominations into check tasks for the holders (requests already assigned, handled
through a real visit like any request) and publishes the results."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from baobao.scoping import require_division_in_scope
from cadres.models import Cadre
from entities.models import Entity
from public.models import Campaign, CampaignStatus, Nomination, Vote
from public.selectors import holder_of
from public.services.requests import request_task_create


@transaction.atomic
def campaign_open(
    *, user, division, theme: str, starts_on: datetime.date, ends_on: datetime.date
) -> Campaign:
    require_division_in_scope(user, division)
    if ends_on < starts_on:
        raise ValidationError(_("The campaign ends before it starts."), code="dates")
    return Campaign.objects.create(
        division=division,
        theme=theme.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user,
    )


def _require_open(campaign: Campaign, today: datetime.date) -> None:
    if not campaign.is_open_on(today):
        raise ValidationError(_("This campaign is not taking nominations."), code="closed")


@transaction.atomic
def nomination_add(
    *, campaign: Campaign, entity: Entity, voter: str, today: datetime.date, reason: str = ""
) -> Nomination:
    """Nominate a business of the campaign's area (or vote for it if it is already nominated)."""
    _require_open(campaign, today)
    if not entity.division_path.startswith(campaign.division_path):
        raise ValidationError(_("This business is outside the campaign's area."), code="area")
    nomination, _created = Nomination.objects.get_or_create(
        campaign=campaign, entity=entity, defaults={"reason": reason.strip()[:200]}
    )
    vote_cast(nomination=nomination, voter=voter, today=today)
    nomination.refresh_from_db()
    return nomination


@transaction.atomic
def vote_cast(*, nomination: Nomination, voter: str, today: datetime.date) -> bool:
    """One vote per business per voter per day; returns whether this one counted."""
    _require_open(nomination.campaign, today)
    try:
        with transaction.atomic():
            Vote.objects.create(nomination=nomination, voter=voter, day=today)
    except IntegrityError:
        return False
    Nomination.objects.filter(pk=nomination.pk).update(votes=F("votes") + 1)
    return True


@transaction.atomic
def nominations_choose(
    *,
    campaign: Campaign,
    user,
    nominations,
    deadline: datetime.date,
    today: datetime.date,
    team: Cadre | None = None,
) -> list:
    """Turn chosen nominations into check tasks for each business's holder (or ``team``)."""
    require_division_in_scope(user, campaign.division)
    tasks = []
    for nomination in nominations:
        if nomination.campaign_id != campaign.pk:
            raise PermissionDenied
        if nomination.task_id:
            continue
        cadre = team or holder_of(nomination.entity, today)
        if cadre is None:
            raise ValidationError(
                _("%(name)s has no cadre: choose a team.") % {"name": nomination.entity.name},
                code="no_holder",
            )
        nomination.task = request_task_create(
            entity=nomination.entity,
            cadre=cadre,
            deadline=deadline,
            text=_("你点我查 · %(theme)s") % {"theme": campaign.theme},
            campaign=campaign,
            user=user,
            today=today,
        )
        nomination.save(update_fields=["task"])
        tasks.append(nomination.task)
    if campaign.status == CampaignStatus.OPEN:
        campaign.status = CampaignStatus.CLOSED
        campaign.save(update_fields=["status"])
    return tasks


@transaction.atomic
def campaign_publish(*, campaign: Campaign, user, results: str) -> Campaign:
    """Publish the results page with the office's own words."""
    require_division_in_scope(user, campaign.division)
    campaign.results = results.strip()
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save(update_fields=["results", "status"])
    return campaign
