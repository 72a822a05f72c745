"""Reads for the public side: the public card (only what the office published), a request by its
receipt code (the reporter's view), the office's queue, campaigns and their rankings."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from baobao.models import Division, Level, Role, User
from baobao.scoping import scope_divisions
from cadres.models import Assignment, Cadre, CadreAide
from entities.models import Entity, EntityStatus
from inspections.models import Visit
from inspections.quarters import Quarter
from public.models import (
    DEFAULT_DUTIES,
    PUBLIC_EVENT_KINDS,
    BlockEntry,
    Campaign,
    CampaignStatus,
    Nomination,
    PublicationSetting,
    PublicRequest,
    RequestStatus,
)

QUARTER_NAMES = {
    1: _("first quarter"),
    2: _("second quarter"),
    3: _("third quarter"),
    4: _("fourth quarter"),
}


def quarter_label(quarter: Quarter) -> str:
    """'2026年第四季度' in Chinese."""
    return _("%(year)d %(quarter)s") % {
        "year": quarter.year,
        "quarter": QUARTER_NAMES[quarter.number],
    }


def publication_for(division: Division) -> PublicationSetting:
    """The setting of the nearest office at or above ``division``; an unsaved default if none."""
    prefixes = [division.path[:n] for n in range(2, len(division.path) + 1)]
    found = (
        PublicationSetting.objects.filter(division__path__in=prefixes)
        .order_by("-division__level")
        .first()
    )
    return found or PublicationSetting(division=division)


def county_of(division: Division) -> Division:
    """The county (县/区) at or above ``division``: the office whose queue a request is in."""
    if division.level <= Level.COUNTY:
        return division
    return division.ancestors().filter(level=Level.COUNTY).first() or division


@dataclass(frozen=True)
class PublicPerson:
    """A cadre or 协保员 as the card shows them: only published fields are filled."""

    name: str
    post: str = ""
    unit: str = ""
    phone: str = ""
    kind: str = ""


def _holding(entity: Entity, today: datetime.date):
    return (
        Assignment.objects.filter(entity=entity, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("cadre")
        .first()
    )


def holder_of(entity: Entity, today: datetime.date) -> Cadre | None:
    holding = _holding(entity, today)
    return holding.cadre if holding else None


def public_card(*, entity: Entity, today: datetime.date) -> dict:
    """Everything the public card and the printed board show, filtered by the publication
    setting: no grade, no issues, no notes, no phone the office did not publish."""
    setting = publication_for(entity.division)
    cadre = holder_of(entity, today)
    person = aides = None
    if cadre is not None:
        person = PublicPerson(
            name=cadre.name,
            post=cadre.post if setting.show_post else "",
            unit=cadre.unit if setting.show_unit else "",
            phone=cadre.phone if setting.show_cadre_phone else "",
        )
        aides = []
        if setting.show_aides:
            for aide in CadreAide.objects.filter(cadre=cadre, is_active=True, kind="assistant"):
                aides.append(
                    PublicPerson(
                        name=aide.name,
                        post=aide.post if setting.show_post else "",
                        phone=aide.phone if setting.show_aide_phone else "",
                        kind=aide.get_kind_display(),
                    )
                )
    current = Quarter.of(today)
    quarters = [current.previous(), current]
    visited = set(
        Visit.objects.filter(entity=entity, quarter__in=[q.code for q in quarters])
        .values_list("quarter", flat=True)
        .distinct()
    )
    return {
        "entity": entity,
        "cadre": person,
        "aides": aides or [],
        "contact_phone": setting.contact_phone,
        "duties": setting.duties or DEFAULT_DUTIES,
        "quarters": [(quarter_label(q), q.code in visited) for q in reversed(quarters)],
    }


def public_entity(pk: int) -> Entity:
    """A business as the public may look it up: any open business (404 otherwise)."""
    return get_object_or_404(
        Entity.objects.exclude(status=EntityStatus.CLOSED).select_related("division"), pk=pk
    )


def request_for_reporter(code: str) -> PublicRequest:
    """The reporter's view of a request by its receipt code (404 otherwise)."""
    return get_object_or_404(
        PublicRequest.objects.select_related("entity", "duplicate_of"), code=code.strip().upper()
    )


def reporter_events(request: PublicRequest):
    return request.events.filter(kind__in=PUBLIC_EVENT_KINDS)


def require_public_desk(user) -> None:
    """The request and campaign desks are for offices, cadres (and their aides) and the admin:
    403 for the auditor and the security administrator, who see no business data."""
    if not (user.is_office or user.is_system_admin or user.acting_cadre_id):
        raise PermissionDenied


def access_request(user, pk) -> PublicRequest:
    """A request in the user's scope, or 404."""
    qs = PublicRequest.objects.for_user(user).select_related(
        "entity", "division", "assigned_cadre", "holder", "visit", "duplicate_of", "campaign"
    )
    return get_object_or_404(qs, pk=pk)


def may_see_reporter(user, request: PublicRequest) -> bool:
    """Reporter data (phone, address) is for office users of the request's area only."""
    if user.is_system_admin:
        return True
    return bool(
        user.is_office and user.division_id and request.division_path.startswith(user.division.path)
    )


def request_queue(
    *, user, status: str = "", overdue_on: datetime.date | None = None, area: str = ""
):
    """The office's (or cadre's) requests, newest first, for the keyset pager; ``area`` a
    division path prefix inside the user's scope (the figures' drill-down)."""
    qs = PublicRequest.objects.for_user(user).select_related("entity", "assigned_cadre")
    if area.isdigit():
        qs = qs.filter(division_path__startswith=area)
    if status:
        qs = qs.filter(status=status)
    if overdue_on is not None:
        qs = qs.overdue(overdue_on)
    return qs.order_by("-id")


def duplicate_candidates(*, user, request: PublicRequest) -> QuerySet[PublicRequest]:
    qs = PublicRequest.objects.for_user(user).exclude(pk=request.pk)
    qs = qs.exclude(status__in=[RequestStatus.MERGED, RequestStatus.REJECTED])
    if request.entity_id:
        qs = qs.filter(entity_id=request.entity_id)
    return qs.order_by("-id")[:20]


def assignable_cadres(*, user, request: PublicRequest) -> QuerySet[Cadre]:
    """Cadres of the request's area the office may assign it to."""
    return (
        Cadre.objects.for_user(user)
        .filter(division__path__startswith=request.division_path[:6], status="active")
        .order_by("name")
    )


def office_recipients(division: Division) -> QuerySet[User]:
    """The county office's active users for a request in ``division``."""
    county = county_of(division)
    return User.objects.filter(
        role=Role.COUNTY_OFFICE, division=county, is_active=True
    ).select_related("cadre", "aide")


def block_list(*, user) -> QuerySet[BlockEntry]:
    """The block list entries of the office's area (offices only)."""
    if not (user.is_office or user.is_system_admin):
        return BlockEntry.objects.none()
    divisions = scope_divisions(Division.objects.all(), user)
    return BlockEntry.objects.filter(division__in=divisions).order_by("-id")


def access_campaign(user, pk) -> Campaign:
    return get_object_or_404(Campaign.objects.for_user(user).select_related("division"), pk=pk)


def public_campaign(pk) -> Campaign:
    """A campaign as the public sees it: any campaign (open, closed or published)."""
    return get_object_or_404(Campaign.objects.select_related("division"), pk=pk)


def campaigns_open(*, today: datetime.date, division: Division | None = None):
    qs = Campaign.objects.filter(
        status=CampaignStatus.OPEN, starts_on__lte=today, ends_on__gte=today
    )
    if division is not None:
        qs = qs.filter(Q(division_path__in=_prefixes(division.path)))
    return qs.order_by("-starts_on")


def _prefixes(path: str) -> list[str]:
    return [path[:n] for n in range(2, len(path) + 1)]


def nominations_ranked(campaign: Campaign) -> QuerySet[Nomination]:
    return campaign.nominations.select_related("entity", "task", "task__visit").order_by(
        "-votes", "id"
    )


def campaign_entities(*, campaign: Campaign, query: str) -> QuerySet[Entity]:
    """Businesses of the campaign's area matching a name, for nominating."""
    query = query.strip()
    if not query:
        return Entity.objects.none()
    return (
        Entity.objects.filter(division_path__startswith=campaign.division_path)
        .exclude(status=EntityStatus.CLOSED)
        .filter(name__icontains=query)
        .order_by("name")[:20]
    )


def request_figures(*, user, today: datetime.date) -> list[dict]:
    """Per county of the user's scope: requests, open, overdue, closed, mean days to close."""
    qs = PublicRequest.objects.for_user(user)
    rows = (
        qs.values("division_path")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=["received", "assigned", "handled"])),
            overdue=Count("pk", filter=Q(status="assigned", deadline__lt=today)),
            closed=Count("pk", filter=Q(status="closed")),
        )
        .order_by("division_path")
    )
    by_county: dict[str, dict] = {}
    for row in rows:
        key = row["division_path"][:6]
        agg = by_county.setdefault(key, {"path": key, "total": 0, "open": 0, "overdue": 0})
        agg.setdefault("closed", 0)
        for name in ("total", "open", "overdue", "closed"):
            agg[name] += row[name]
    names = dict(Division.objects.filter(path__in=by_county).values_list("path", "name"))
    days = _closing_days(qs)
    for key, agg in by_county.items():
        agg["name"] = names.get(key, key)
        agg["mean_days"] = days.get(key)
    return list(by_county.values())


def _closing_days(qs) -> dict[str, float]:
    spans: dict[str, list[float]] = {}
    closed = qs.filter(closed_at__isnull=False).values_list(
        "division_path", "created_at", "closed_at"
    )
    for path, created, closed_at in closed[:5000]:
        spans.setdefault(path[:6], []).append((closed_at - created).total_seconds() / 86400)
    return {k: round(sum(v) / len(v), 1) for k, v in spans.items()}
