"""The cadres' jobs: the quarter's task, reminders during the quarter, the overdue warning and the offices' digest at its end."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from baobao.batches import batched
from baobao.models import NotificationKind
from baobao.notifications import (
    NotificationRow,
    notification_key,
)
from inspections.quarters import Quarter
from inspections.reminders.common import (
    BATCH_SIZE,
    DIGEST_LINES,
    JobResult,
    OfficeDigest,
    Sink,
    cadre_dues,
    cadre_logins,
    lines_text,
    names_text,
    office_users,
    quarter_label,
    rate_text,
    task_link,
)
from inspections.reminders.days import in_quarter_period, quarter_end_period, quarter_start_period


def quarter_start(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    quarter = quarter_start_period(policy, today)
    result = JobResult(NotificationKind.QUARTER_START, quarter and str(quarter))
    if quarter is None:
        return result
    kind = NotificationKind.QUARTER_START
    for dues in cadre_dues(quarter, today, batch_size):
        logins = cadre_logins([d.cadre["id"] for d in dues])
        rows = []
        for due in dues:
            title = _("%(quarter)s supervision task: %(count)d businesses") % {
                "quarter": quarter_label(quarter),
                "count": len(due.entities),
            }
            body = _("Visit each of these businesses at least once by %(deadline)s: %(names)s") % {
                "deadline": quarter.last_day.isoformat(),
                "names": names_text([e[1] for e in due.entities], len(due.entities)),
            }
            for user in logins.get(due.cadre["id"], []):
                key = notification_key(kind, user.pk, f"cadre{due.cadre['id']}", str(quarter))
                rows.append(NotificationRow(user, kind, title, body, task_link(due.unvisited), key))
        result.messages += sink(rows)
    return result


def in_quarter(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    day = in_quarter_period(policy, today)
    result = JobResult(NotificationKind.IN_QUARTER, day and day.isoformat())
    if day is None:
        return result
    kind = NotificationKind.IN_QUARTER
    quarter = Quarter.of(today)
    for dues in cadre_dues(quarter, today, batch_size):
        dues = [d for d in dues if d.unvisited]
        logins = cadre_logins([d.cadre["id"] for d in dues])
        rows = []
        for due in dues:
            missing = due.unvisited
            title = _("%(count)d businesses not yet visited this quarter") % {"count": len(missing)}
            body = _(
                "%(days)d days left until %(deadline)s. Not yet visited (%(count)d of %(due)d): "
                "%(names)s"
            ) % {
                "days": quarter.days_left(today),
                "deadline": quarter.last_day.isoformat(),
                "count": len(missing),
                "due": len(due.entities),
                "names": names_text([e[1] for e in missing], len(missing)),
            }
            link = task_link(missing)
            for user in logins.get(due.cadre["id"], []):
                key = notification_key(kind, user.pk, f"cadre{due.cadre['id']}", day.isoformat())
                rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result


def quarter_end_overdue(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    quarter = quarter_end_period(policy, today)
    result = JobResult(NotificationKind.QUARTER_END_OVERDUE, quarter and str(quarter))
    if quarter is None:
        return result
    kind = NotificationKind.QUARTER_END_OVERDUE
    label = quarter_label(quarter)
    digests: dict[int, OfficeDigest] = {}
    for dues in cadre_dues(quarter, today, batch_size):
        overdue = [d for d in dues if d.unvisited]
        logins = cadre_logins([d.cadre["id"] for d in overdue], aides=True)
        rows = []
        for due in dues:
            if parent := due.cadre["division__parent_id"]:
                digest = digests.setdefault(parent, OfficeDigest())
                digest.due += len(due.entities)
                digest.visited += due.visited
        for due in overdue:
            missing = due.unvisited
            title = _("Overdue: %(count)d businesses not visited in %(quarter)s") % {
                "count": len(missing),
                "quarter": label,
            }
            body = _(
                "%(cadre)s visited %(visited)d of %(due)d businesses in %(quarter)s. "
                "Not visited: %(names)s"
            ) % {
                "cadre": due.cadre["name"],
                "visited": due.visited,
                "due": len(due.entities),
                "quarter": label,
                "names": names_text([e[1] for e in missing], len(missing)),
            }
            link = task_link(due.unvisited)
            for user in logins.get(due.cadre["id"], []):
                key = notification_key(kind, user.pk, f"cadre{due.cadre['id']}", str(quarter))
                rows.append(NotificationRow(user, kind, title, body, link, key))
            if parent := due.cadre["division__parent_id"]:
                digest = digests[parent]
                digest.cadres += 1
                digest.missed += len(missing)
                if len(digest.lines) < DIGEST_LINES:
                    digest.lines.append(
                        _("%(cadre)s: %(count)d of %(due)d not visited")
                        % {
                            "cadre": due.cadre["name"],
                            "count": len(missing),
                            "due": len(due.entities),
                        }
                    )
        result.messages += sink(rows)
    offices = [division_id for division_id, d in digests.items() if d.cadres]
    link = reverse("inspections:visits")
    for chunk in batched(offices, BATCH_SIZE):
        rows = []
        for user in office_users(Q(division_id__in=chunk)):
            digest = digests[user.division_id]
            title = _(
                "%(quarter)s overdue supervision: %(cadres)d cadres, %(count)d businesses"
            ) % {
                "quarter": label,
                "cadres": digest.cadres,
                "count": digest.missed,
            }
            body = (
                _(
                    "Supervision rate of the cadres under %(division)s in %(quarter)s: %(rate)s "
                    "(%(visited)d of %(due)d businesses visited). Cadres with businesses not "
                    "visited:"
                )
                % {
                    "division": user.division.name,
                    "quarter": label,
                    "rate": rate_text(digest.visited, digest.due),
                    "visited": digest.visited,
                    "due": digest.due,
                }
                + "\n"
                + lines_text(digest.lines, digest.cadres)
            )
            key = notification_key(kind, user.pk, f"division{user.division_id}", str(quarter))
            rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result
