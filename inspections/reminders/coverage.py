"""The coverage job: businesses without a holder for longer than the re-assignment limit."""

import datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.urls import reverse
from django.utils.translation import gettext as _

from baobao.batches import batched
from baobao.models import NotificationKind
from baobao.notifications import (
    NotificationRow,
    notification_key,
)
from cadres.models import Assignment, CadreStatus
from entities.models import Entity
from inspections.reminders.common import (
    BATCH_SIZE,
    DIGEST_LINES,
    OPEN_STATUSES,
    JobResult,
    OfficeDigest,
    Sink,
    keyset_batches,
    lines_text,
    office_users,
)
from inspections.reminders.days import WorkingCalendar, add_working_days, gap_cutoff


def _gap_querysets(cutoff: datetime.date):
    """Open businesses whose gap started on or before ``cutoff``: nobody holds them (the gap
    starts when the last holding ended, or at registration), or their holder left (the gap
    starts on the leaving day). Each annotated ``gap_start`` and ``county_path``."""
    current = Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=True)
    last_end = Assignment.objects.filter(entity=OuterRef("pk")).order_by("-end_date")
    open_entities = Entity.objects.filter(status__in=OPEN_STATUSES).annotate(
        county_path=Substr("division__path", 1, 6)
    )
    unheld = (
        open_entities.filter(~Exists(current))
        .annotate(
            gap_start=Coalesce(Subquery(last_end.values("end_date")[:1]), TruncDate("created_at"))
        )
        .filter(gap_start__lte=cutoff)
    )
    left = current.filter(cadre__status=CadreStatus.LEFT)
    held_by_left = (
        open_entities.filter(Exists(left))
        .annotate(gap_start=Subquery(left.values("cadre__left_on")[:1]))
        .filter(gap_start__lte=cutoff)
    )
    return unheld, held_by_left


def coverage_gap(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    kind = NotificationKind.COVERAGE_GAP
    limit = policy.reassign_limit_working_days
    calendar = WorkingCalendar()  # each year's holiday table read once for the whole run
    cutoff = gap_cutoff(today, limit, calendar=calendar)
    result = JobResult(kind, today.isoformat())
    digests: dict[str, OfficeDigest] = {}
    for qs in _gap_querysets(cutoff):
        for batch in keyset_batches(qs, ("id", "name", "gap_start", "county_path"), batch_size):
            for entity in batch:
                digest = digests.setdefault(entity["county_path"], OfficeDigest())
                digest.missed += 1
                gap_start = entity["gap_start"]
                if digest.latest is None or gap_start > digest.latest:
                    digest.latest = gap_start
                if len(digest.lines) < DIGEST_LINES:
                    digest.lines.append(
                        _("%(entity)s (without a holder since %(since)s)")
                        % {"entity": entity["name"], "since": gap_start.isoformat()}
                    )
    link = reverse("overview:coverage")
    for chunk in batched(digests, BATCH_SIZE):
        rows = []
        for user in office_users(Q(division__path__in=chunk)):
            digest = digests[user.division.path]
            title = _(
                "%(count)d businesses without a holder for more than %(limit)d working days"
            ) % {"count": digest.missed, "limit": limit}
            body = (
                _("Assign a cadre to each of them:")
                + "\n"
                + lines_text(digest.lines, digest.missed)
            )
            # A new message only when another business has passed the limit since the last one.
            period = add_working_days(digest.latest, limit, calendar=calendar).isoformat()
            key = notification_key(kind, user.pk, f"division{user.division_id}", period)
            rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result
