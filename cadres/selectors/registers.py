"""Reads for the cadre register (包保干部台账): the list, one cadre's page and their aides."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from cadres.filters import CadreFilter
from cadres.models import Adjustment, Assignment, Cadre, CadreAide, ZoneAssignment
from entities.models import Zone

# How many rows of a cadre's past holdings and ledger rows their page shows; the adjustments
# ledger page has them all.
HISTORY_ROWS = 20


def current_holding_count():
    """The number of businesses a cadre holds now, as a correlated subquery on
    ``assignment_cadre_end``: evaluated only for the rows a page shows."""
    held = (
        Assignment.objects.filter(cadre=OuterRef("pk"), end_date__isnull=True)
        .order_by()
        .values("cadre")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held), 0)


def active_aides_prefetch() -> Prefetch:
    """A cadre's 协保员 and 联络员 in service, in one query for a whole page, as ``active_aides``."""
    return Prefetch(
        "aides",
        queryset=CadreAide.objects.filter(is_active=True).order_by("kind", "id"),
        to_attr="active_aides",
    )


def cadre_list(*, request) -> tuple[CadreFilter, QuerySet[Cadre]]:
    """The register's rows: the user's scope, then the filters, then what the table shows."""
    filterset = CadreFilter(
        request.GET, queryset=Cadre.objects.for_user(request.user), request=request
    )
    cadres = (
        filterset.qs.select_related("division")
        .annotate(held=current_holding_count())
        .prefetch_related(active_aides_prefetch())
    )
    return filterset, cadres


def cadre_detail(*, user, cadre: Cadre) -> dict:
    """What a cadre's page shows besides the cadre: aides, holdings now and before, ledger rows."""
    holdings = (
        Assignment.objects.for_user(user)
        .current()
        .filter(cadre=cadre)
        .select_related("entity__division", "via_zone__zone")
        .order_by("entity__grade", "entity__name", "pk")
    )
    zone_holdings = (
        ZoneAssignment.objects.filter(
            cadre=cadre, end_date__isnull=True, zone__in=Zone.objects.for_user(user)
        )
        .select_related("zone__division")
        .annotate(held=Count("assignments", filter=Q(assignments__end_date__isnull=True)))
        .order_by("zone__name")
    )
    past = (
        Assignment.objects.for_user(user)
        .filter(cadre=cadre, end_date__isnull=False)
        .select_related("entity", "via_zone__zone")
        .order_by("-end_date", "-pk")[:HISTORY_ROWS]
    )
    adjustments = (
        Adjustment.objects.for_user(user)
        .filter(Q(from_cadre=cadre) | Q(to_cadre=cadre))
        .select_related("entity", "from_cadre", "to_cadre", "zone")
        .order_by("-effective_date", "-pk")[:HISTORY_ROWS]
    )
    return {
        "aides": list(cadre.aides.filter(is_active=True).order_by("kind", "pk")),
        "holdings": holdings,
        "held_count": holdings.count(),
        "zone_holdings": list(zone_holdings),
        "past_holdings": list(past),
        "adjustments": list(adjustments),
    }


def access_aide(user, pk) -> CadreAide:
    """The 协保员 or 联络员 with this id if the user may see their cadre; 404 otherwise."""
    return get_object_or_404(
        CadreAide.objects.filter(cadre__in=Cadre.objects.for_user(user)).select_related(
            "cadre__division"
        ),
        pk=pk,
    )
