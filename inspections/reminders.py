"""Reminders and warnings (督导提醒与预警): who is told what, on which day.

One job per kind. Beat runs every job every morning; the job reads ``ReminderPolicy`` and does
nothing unless today is one of its sending days (or a missed one is still within the catch-up
window). Each message's key names its period, so a rerun on the same day, two workers at once,
or a run after an interrupted one writes only what is still missing:

- ``quarter_start`` (period: the quarter): each cadre in post gets the quarter's due list.
- ``in_quarter`` (period: the scheduled day): cadres with unvisited due businesses, on the set
  day of the quarter's 2nd and 3rd month and weekly in its last weeks.
- ``quarter_end_overdue`` (period: the ended quarter): each cadre who left due businesses
  unvisited, their 协保员 and 联络员, and one digest per office of the division above them.
- ``issue_deadline_soon`` (period: the deadline): the cadre following an issue, before it is due.
- ``issue_overdue`` (period: each repeat window): the cadre per issue, and one digest per office
  of the business's county per window.
- ``coverage_gap`` (period: when the newest gap passed the limit): one digest per office of the
  county listing businesses without a holder for longer than the re-assignment limit.

Recipients: the cadre's login is told even while inactive (the in-app row waits for them; see
``baobao.notifications`` for the channels); office digests go to active office users only.
Cadres, issues and businesses are read in keyset batches with one query per batch for the rows
and one for the recipients, so memory is bounded whatever the size of the province.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import chinese_calendar
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from baobao.models import OFFICE_ROLES, NotificationKind, User
from baobao.notifications import (
    NotificationRow,
    notification_key,
    notifications_send,
    recipients_queryset,
)
from cadres.models import Assignment, Cadre, CadreStatus
from entities.models import Entity, EntityStatus
from inspections.models import Issue, IssueCategory, IssueStatus, ReminderPolicy, Visit
from inspections.quarters import Quarter
from inspections.selectors import _held_on

BATCH_SIZE = 500
NAMES_SHOWN = 20  # businesses (or cadres, issues) named in one message; the rest are counted
DIGEST_LINES = 30
# Businesses that must have a holder: in business or suspended; closed ones need none.
OPEN_STATUSES = (EntityStatus.ACTIVE, EntityStatus.SUSPENDED)
# Absolute repeat windows of the office's overdue-issue digest start on this Monday, so a
# 7-day repeat is the ISO week.
WINDOW_EPOCH = datetime.date(2024, 1, 1)

Sink = Callable[[list[NotificationRow]], int]


# --- working days (工作日) ----------------------------------------------------------------------


def is_working_day(day: datetime.date) -> bool:
    """China's working days: holidays off and 调休 make-up weekends on, for the years the
    chinese-calendar package knows; Monday to Friday otherwise."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``day`` (``day`` itself not counted)."""
    while n > 0:
        day += datetime.timedelta(days=1)
        n -= is_working_day(day)
    return day


def gap_cutoff(today: datetime.date, limit: int) -> datetime.date:
    """The latest start of a gap that is past the limit today: a gap starting on ``d`` is over
    once today is later than ``add_working_days(d, limit)``."""
    day = today - datetime.timedelta(days=1)
    while add_working_days(day, limit) >= today:
        day -= datetime.timedelta(days=1)
    return day


# --- sending days ------------------------------------------------------------------------------


def _within(day: datetime.date, today: datetime.date, policy: ReminderPolicy) -> bool:
    return 0 <= (today - day).days <= policy.catch_up_days


def in_quarter_days(quarter: Quarter, policy: ReminderPolicy) -> list[datetime.date]:
    """The in-quarter reminder days of ``quarter``, in order."""
    first_month = quarter.first_day.month
    days = {datetime.date(quarter.year, first_month + m, policy.in_quarter_day) for m in (1, 2)}
    start = quarter.last_day - datetime.timedelta(weeks=policy.final_weeks)
    day = quarter.last_day
    while day > start:
        if day.weekday() == policy.final_weekday:
            days.add(day)
        day -= datetime.timedelta(days=1)
    return sorted(days)


def quarter_start_period(policy: ReminderPolicy, today: datetime.date) -> Quarter | None:
    quarter = Quarter.of(today)
    if policy.quarter_start_enabled and _within(quarter.first_day, today, policy):
        return quarter
    return None


def in_quarter_period(policy: ReminderPolicy, today: datetime.date) -> datetime.date | None:
    """The reminder day whose messages are due today: today's, or a missed one still within the
    catch-up window."""
    past = [d for d in in_quarter_days(Quarter.of(today), policy) if d <= today]
    if past and _within(past[-1], today, policy):
        return past[-1]
    return None


def quarter_end_period(policy: ReminderPolicy, today: datetime.date) -> Quarter | None:
    ended = Quarter.of(today).previous()
    send_day = ended.last_day + datetime.timedelta(days=policy.overdue_delay_days)
    if _within(send_day, today, policy):
        return ended
    return None


def overdue_window(policy: ReminderPolicy, today: datetime.date) -> datetime.date:
    """The first day of the office digest's repeat window containing ``today``."""
    return today - datetime.timedelta(days=(today - WINDOW_EPOCH).days % policy.issue_repeat_days)


# --- texts -------------------------------------------------------------------------------------


def quarter_label(quarter: Quarter) -> str:
    return _("%(year)d Q%(number)d") % {"year": quarter.year, "number": quarter.number}


def _names(names: list[str], total: int) -> str:
    text = "、".join(names[:NAMES_SHOWN])
    if total > NAMES_SHOWN:
        text += _(" and %(more)d more") % {"more": total - NAMES_SHOWN}
    return text


def _lines(lines: list[str], total: int) -> str:
    text = "\n".join(lines)
    if total > len(lines):
        text += "\n" + _("… and %(more)d more") % {"more": total - len(lines)}
    return text


def _rate(visited: int, due: int) -> str:
    return f"{visited / due:.0%}" if due else "—"


# --- batches -----------------------------------------------------------------------------------


def _keyset(qs, fields: tuple[str, ...], batch_size: int) -> Iterator[list[dict]]:
    """Rows of ``qs`` (as dicts of ``fields``, which include "id") in id order, a batch at a
    time, without OFFSET."""
    last = 0
    while True:
        batch = list(qs.filter(id__gt=last).order_by("id").values(*fields)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


@dataclass
class CadreDue:
    """One cadre's due list in a quarter: [(entity id, name, visited)]."""

    cadre: dict
    entities: list[tuple[int, str, bool]] = field(default_factory=list)

    @property
    def unvisited(self) -> list[tuple[int, str, bool]]:
        return [e for e in self.entities if not e[2]]

    @property
    def visited(self) -> int:
        return sum(1 for e in self.entities if e[2])


def _cadre_dues(quarter: Quarter, today: datetime.date, batch_size: int) -> Iterator[list]:
    """Per batch of cadres, those with something due in ``quarter`` (by the rules of
    ``inspections.quarters``): one query for the cadres, one for their due lists."""
    day = quarter.reference_day(today)
    cadres = Cadre.objects.all()
    if day == today:
        cadres = cadres.filter(status=CadreStatus.ACTIVE)
    fields = ("id", "name", "division_id", "division__parent_id")
    for batch in _keyset(cadres, fields, batch_size):
        dues = {c["id"]: CadreDue(c) for c in batch}
        held = Assignment.objects.filter(_held_on(day), cadre_id__in=list(dues))
        if day == today:
            held = held.exclude(entity__status=EntityStatus.CLOSED)
        visited = Exists(Visit.objects.filter(entity=OuterRef("entity_id"), quarter=quarter.code))
        for cadre_id, entity_id, name, was_visited in (
            held.annotate(visited=visited)
            .values_list("cadre_id", "entity_id", "entity__name", "visited")
            .order_by("cadre_id", "entity__name", "entity_id")
        ):
            dues[cadre_id].entities.append((entity_id, name, was_visited))
        yield [d for d in dues.values() if d.entities]


def _cadre_logins(cadre_ids, *, aides: bool = False) -> dict[int, list[User]]:
    """The logins of these cadres (and of their active aides), grouped by cadre, in one query."""
    condition = Q(cadre_id__in=cadre_ids)
    if aides:
        condition |= Q(aide__cadre_id__in=cadre_ids, aide__is_active=True)
    result: dict[int, list[User]] = {}
    for user in recipients_queryset().filter(condition).order_by("id"):
        result.setdefault(user.cadre_id or user.aide.cadre_id, []).append(user)
    return result


def _office_users(division_filter: Q) -> list[User]:
    return list(
        recipients_queryset()
        .filter(division_filter, is_active=True, role__in=sorted(OFFICE_ROLES))
        .select_related("division")
        .order_by("id")
    )


def _chunks(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the jobs ----------------------------------------------------------------------------------


@dataclass
class JobResult:
    kind: str
    period: str | None  # None: today is not a sending day for this job
    messages: int = 0


def _task_link(unvisited: list[tuple[int, str, bool]]) -> str:
    """The cadre's due list, or the visit form when a single business is left."""
    if len(unvisited) == 1:
        return f"{reverse('inspections:visit-new')}?entity={unvisited[0][0]}"
    return reverse("inspections:my")


def quarter_start(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    quarter = quarter_start_period(policy, today)
    result = JobResult(NotificationKind.QUARTER_START, quarter and str(quarter))
    if quarter is None:
        return result
    kind = NotificationKind.QUARTER_START
    for dues in _cadre_dues(quarter, today, batch_size):
        logins = _cadre_logins([d.cadre["id"] for d in dues])
        rows = []
        for due in dues:
            title = _("%(quarter)s supervision task: %(count)d businesses") % {
                "quarter": quarter_label(quarter),
                "count": len(due.entities),
            }
            body = _("Visit each of these businesses at least once by %(deadline)s: %(names)s") % {
                "deadline": quarter.last_day.isoformat(),
                "names": _names([e[1] for e in due.entities], len(due.entities)),
            }
            for user in logins.get(due.cadre["id"], []):
                key = notification_key(kind, user.pk, f"cadre{due.cadre['id']}", str(quarter))
                rows.append(
                    NotificationRow(user, kind, title, body, _task_link(due.unvisited), key)
                )
        result.messages += sink(rows)
    return result


def in_quarter(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    day = in_quarter_period(policy, today)
    result = JobResult(NotificationKind.IN_QUARTER, day and day.isoformat())
    if day is None:
        return result
    kind = NotificationKind.IN_QUARTER
    quarter = Quarter.of(today)
    for dues in _cadre_dues(quarter, today, batch_size):
        dues = [d for d in dues if d.unvisited]
        logins = _cadre_logins([d.cadre["id"] for d in dues])
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
                "names": _names([e[1] for e in missing], len(missing)),
            }
            link = _task_link(missing)
            for user in logins.get(due.cadre["id"], []):
                key = notification_key(kind, user.pk, f"cadre{due.cadre['id']}", day.isoformat())
                rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result


@dataclass
class OfficeDigest:
    due: int = 0
    visited: int = 0
    cadres: int = 0
    missed: int = 0
    lines: list[str] = field(default_factory=list)
    latest: datetime.date | None = None


def quarter_end_overdue(*, today, policy, sink: Sink, batch_size=BATCH_SIZE) -> JobResult:
    quarter = quarter_end_period(policy, today)
    result = JobResult(NotificationKind.QUARTER_END_OVERDUE, quarter and str(quarter))
    if quarter is None:
        return result
    kind = NotificationKind.QUARTER_END_OVERDUE
    label = quarter_label(quarter)
    digests: dict[int, OfficeDigest] = {}
    for dues in _cadre_dues(quarter, today, batch_size):
        overdue = [d for d in dues if d.unvisited]
        logins = _cadre_logins([d.cadre["id"] for d in overdue], aides=True)
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
                "names": _names([e[1] for e in missing], len(missing)),
            }
            link = _task_link(due.unvisited)
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
    for chunk in _chunks(offices):
        rows = []
        for user in _office_users(Q(division_id__in=chunk)):
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
                    "rate": _rate(digest.visited, digest.due),
                    "visited": digest.visited,
                    "due": digest.due,
                }
                + "\n"
                + _lines(digest.lines, digest.cadres)
            )
            key = notification_key(kind, user.pk, f"division{user.division_id}", str(quarter))
            rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result


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
    yield from _keyset(qs, fields, batch_size)


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
        logins = _cadre_logins({_issue_cadre(i) for i in issues} - {None})
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
        logins = _cadre_logins({_issue_cadre(i) for i in issues} - {None})
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
    for chunk in _chunks(list(digests)):
        rows = []
        for user in _office_users(Q(division__path__in=chunk)):
            digest = digests[user.division.path]
            title = _("%(count)d issues past their rectification deadline") % {
                "count": digest.missed
            }
            body = _lines(digest.lines, digest.missed)
            key = notification_key(kind, user.pk, f"division{user.division_id}", window.isoformat())
            rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result


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
    cutoff = gap_cutoff(today, limit)
    result = JobResult(kind, today.isoformat())
    digests: dict[str, OfficeDigest] = {}
    for qs in _gap_querysets(cutoff):
        for batch in _keyset(qs, ("id", "name", "gap_start", "county_path"), batch_size):
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
    for chunk in _chunks(list(digests)):
        rows = []
        for user in _office_users(Q(division__path__in=chunk)):
            digest = digests[user.division.path]
            title = _(
                "%(count)d businesses without a holder for more than %(limit)d working days"
            ) % {"count": digest.missed, "limit": limit}
            body = _("Assign a cadre to each of them:") + "\n" + _lines(digest.lines, digest.missed)
            # A new message only when another business has passed the limit since the last one.
            period = add_working_days(digest.latest, limit).isoformat()
            key = notification_key(kind, user.pk, f"division{user.division_id}", period)
            rows.append(NotificationRow(user, kind, title, body, link, key))
        result.messages += sink(rows)
    return result


JOBS = {
    NotificationKind.QUARTER_START: quarter_start,
    NotificationKind.IN_QUARTER: in_quarter,
    NotificationKind.QUARTER_END_OVERDUE: quarter_end_overdue,
    NotificationKind.ISSUE_DEADLINE_SOON: issue_deadline_soon,
    NotificationKind.ISSUE_OVERDUE: issue_overdue,
    NotificationKind.COVERAGE_GAP: coverage_gap,
}


def reminders_run(
    *, kind: str, today: datetime.date | None = None, sink: Sink | None = None
) -> JobResult:
    """Run one job for ``today`` (default: the local date): it decides from the policy whether
    today is a sending day and writes the messages not written yet. Texts are in Chinese."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return JOBS[kind](
            today=today, policy=ReminderPolicy.load(), sink=sink or notifications_send
        )
