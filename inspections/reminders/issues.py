"""The issues' jobs: before the rectification deadline, and repeated warnings after it until closed."""

import datetime
from collections.abc import Iterator

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _

from baobao.batches import batched
from baobao.models import NotificationKind
from baobao.notifications import (
    NotificationRow,
    notification_key,
)
from cadres.models import Assignment
from inspections.models import Issue, IssueCategory, IssueStatus
from inspections.reminders.common import (
    BATCH_SIZE,
    DIGEST_LINES,
    JobResult,
    OfficeDigest,
    Sink,
    cadre_logins,
    keyset_batches,
    lines_text,
    office_users,
)
from inspections.reminders.days import overdue_window


def _issue_rows(qs, batch_size: int) -> Iterator[list[dict]]:
    holder = Assignment.objects.filter(entity=OuterRef("entity_id"), end_date__isnull=True)
    qs = qs.annotate(
        holder_id=Subquery(holder.values("cadre_id")[:1]),
        county_path=Substr("entity__division__path", 1, 6),
    )
    fields = (
        "id",
        "deadline",
        "category",
        "description",
        "entity__name",
        "visit__cadre_id",
        "holder_id",
        "county_path",
    )
    yield from keyset_batches(qs, fields, batch_size)


def _issue_text(issue: dict) -> str:
    description = issue["description"][:100].rstrip("。.；; ")
    return f"{IssueCategory(issue['category']).label}：{description}"


def _issue_cadre(issue: dict) -> int | None:
    """Who follows the issue up: the business's holder now, else the cadre who raised it."""
    return issue["holder_id"] or issue["visit__cadre_id"]


def issue_deadline_soon(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    kind = NotificationKind.ISSUE_DEADLINE_SOON
    result = JobResult(kind, today.isoformat() if policy.issue_lead_days else None)
    if not policy.issue_lead_days:
        return result
    soon = Issue.objects.exclude(status=IssueStatus.CLOSED).filter(
        deadline__gte=today, deadline__lte=today + datetime.timedelta(days=policy.issue_lead_days)
    )
    for issues in _issue_rows(soon, batch_size):
        logins = cadre_logins({_issue_cadre(i) for i in issues} - {None})
        rows = []
        for issue in issues:
            title = _("Rectification due %(deadline)s: %(entity)s") % {
                "deadline": issue["deadline"].isoformat(),
                "entity": issue["entity__name"],
            }
            body = _("%(issue)s. Deadline %(deadline)s, %(days)d days left.") % {
                "issue": _issue_text(issue),
                "deadline": issue["deadline"].isoformat(),
                "days": (issue["deadline"] - today).days,
            }
            link = reverse("inspections:issue-detail", args=[issue["id"]])
            for user in logins.get(_issue_cadre(issue), []):
                period = issue["deadline"].isoformat()
                key = notification_key(kind, user.pk, f"issue{issue['id']}", period)
                rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result


def issue_overdue(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    kind = NotificationKind.ISSUE_OVERDUE
    window = overdue_window(policy, today)
    result = JobResult(kind, window.isoformat())
    digests: dict[str, OfficeDigest] = {}
    overdue = Issue.objects.exclude(status=IssueStatus.CLOSED).filter(deadline__lt=today)
    for issues in _issue_rows(overdue, batch_size):
        logins = cadre_logins({_issue_cadre(i) for i in issues} - {None})
        rows = []
        for issue in issues:
            days = (today - issue["deadline"]).days
            title = _("Rectification overdue %(days)d days: %(entity)s") % {
                "days": days,
                "entity": issue["entity__name"],
            }
            body = _("%(issue)s. The deadline was %(deadline)s.") % {
                "issue": _issue_text(issue),
                "deadline": issue["deadline"].isoformat(),
            }
            link = reverse("inspections:issue-detail", args=[issue["id"]])
            # The cadre's own repeat windows count from the deadline: warned the day after it,
            # then every issue_repeat_days.
            period = f"{issue['deadline'].isoformat()}+{(days - 1) // policy.issue_repeat_days}"
            for user in logins.get(_issue_cadre(issue), []):
                key = notification_key(kind, user.pk, f"issue{issue['id']}", period)
                rows.append(NotificationRow(user, kind, title, body, link, key))
            digest = digests.setdefault(issue["county_path"], OfficeDigest())
            digest.missed += 1
            if len(digest.lines) < DIGEST_LINES:
                digest.lines.append(
                    _("%(entity)s: %(issue)s, %(days)d days overdue")
                    % {"entity": issue["entity__name"], "issue": _issue_text(issue), "days": days}
                )
        result.messages += sink(rows)
    link = reverse("inspections:issues")
    for chunk in batched(digests, BATCH_SIZE):
        rows = []
        for user in office_users(Q(division__path__in=chunk)):
            digest = digests[user.division.path]
            title = _("%(count)d issues past their rectification deadline") % {
                "count": digest.missed
            }
            body = lines_text(digest.lines, digest.missed)
            key = notification_key(kind, user.pk, f"division{user.division_id}", window.isoformat())
            rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result
