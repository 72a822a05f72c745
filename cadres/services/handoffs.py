"""Hand-offs (待上级安排包保): when an office registers or regrades a business to a grade whose
holder only a higher office can assign, that office is told, in its inbox, with a link to assign."""

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from baobao.models import OFFICE_ROLES, NotificationKind
from baobao.notifications import (
    NotificationRow,
    notification_key,
    notifications_send,
    recipients_queryset,
)
from cadres.selectors.handoffs import entity_handoff, handoff_office_path, office_level
from entities.models import Entity


def handoff_link(entity: Entity, holding_id: int | None) -> str:
    """Where the higher office fixes it: assign a holder, or transfer the one below the level."""
    if holding_id is None:
        return f"{reverse('holdings:assign')}?{urlencode({'entity': entity.pk})}"
    return reverse("holdings:transfer", args=[holding_id])


def handoff_notify(*, entity: Entity, by, today) -> int:
    """Tell the office that must arrange ``entity``'s holder when ``by``'s office cannot (its
    level is below the one the grade needs); return how many messages were new. Once per wait:
    the same hand-off is not announced twice."""
    path = handoff_office_path(entity)
    level = office_level(by)
    if path is None or level is None or level <= entity.required_level:
        return 0
    handoff = entity_handoff(entity=entity, today=today)
    if handoff is None:
        return 0
    holding = entity.assignments.filter(end_date__isnull=True).values_list("pk", flat=True)
    link = handoff_link(entity, holding.first())
    kind = NotificationKind.COVERAGE_GAP
    title = _("%(entity)s waits for your office to arrange its holder") % {"entity": entity.name}
    body = _(
        "%(office)s registered or regraded %(entity)s (%(area)s) as grade %(grade)s on "
        "%(since)s. A grade %(grade)s business needs a holder of %(level)s level or above, "
        "whom only your office can assign."
    ) % {
        "office": by.division.name,
        "entity": entity.name,
        "area": entity.division.name,
        "grade": entity.grade,
        "since": handoff.since.isoformat(),
        "level": handoff.level.label,
    }
    users = (
        recipients_queryset()
        .filter(Q(division__path=path), is_active=True, role__in=sorted(OFFICE_ROLES))
        .order_by("pk")
    )
    subject = f"handoff-entity{entity.pk}"
    rows = [
        NotificationRow(
            user,
            kind,
            title,
            body,
            link,
            notification_key(kind, user.pk, subject, handoff.since.isoformat()),
        )
        for user in users
    ]
    return notifications_send(rows) if rows else 0
