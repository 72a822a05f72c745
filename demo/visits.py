"""The demo's supervision work: four past quarters and the current one so far of visits (督导),
with checklist results, findings, and issues (问题) in every status with their histories.

Everything is built in memory from the cities' holdings (who held what on each quarter's
reference day, by the rules of ``inspections.quarters``) and written with ``write_objects``. The
random stream is the seed's own, so the same seed writes the same visits.

Checklist lines are written for the visits in each city's first county only (in Tongren the demo
county, which the county, township and cadre logins see): a full city's checklists would add some
1.7 million rows to every city.
"""

import contextlib
import datetime
import random
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils import timezone

from baobao import clock
from baobao.models import Role, User
from demo.copy import new, write_objects
from demo.rows import CityRows
from entities.models import EntityStatus
from inspections.models import (
    DEFAULT_DEADLINE_DAYS,
    ActorKind,
    ChecklistArea,
    ChecklistTemplate,
    CheckResult,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    IssueStatus,
    Visit,
    VisitCheck,
)
from inspections.quarters import Quarter

PAST_QUARTERS = 4
PAST_COVERAGE = 0.95  # 江西 reports close to 100%; a few businesses are always missed
CURRENT_COVERAGE = 0.95  # of the share of the quarter already gone
ASSISTANT_SHARE = 0.25  # of the demo cadre's visits, logged by their 协保员
OFF_SITE_SHARE = 0.06
ISSUE_SHARE = 0.04  # of visits that raise an issue
DEMO_CADRE_ISSUE_SHARE = 0.3  # so that the demo cadre has issues to follow up
LOCAL = ZoneInfo("Asia/Shanghai")

# Used when no checklist template exists (the data migration normally provides them).
FALLBACK_CHECKS = [
    (ChecklistArea.MANAGEMENT, "食品安全总监、食品安全员在岗履职"),
    (ChecklistArea.ROUTINE, "落实日管控、周排查、月调度"),
    (ChecklistArea.ROUTINE, "从业人员健康证明齐全有效"),
    (ChecklistArea.ON_SITE, "许可证件公示"),
    (ChecklistArea.ON_SITE, "场所环境卫生整洁"),
]

FINDINGS_OK = [
    "现场检查未发现明显问题，督促企业持续落实日管控、周排查、月调度。",
    "查看了进货查验记录和从业人员健康证明，情况良好。",
    "与食品安全员交流了近期风险隐患排查情况，要求做好节假日期间防控。",
    "检查后厨卫生和餐饮具消毒，符合要求。",
    "宣传了食品安全法律法规，发放宣传资料。",
]

ISSUES = [
    (IssueCategory.HYGIENE, "后厨地面有油污，防蝇防鼠设施不完善。"),
    (IssueCategory.HEALTH_CERTIFICATES, "两名从业人员健康证明过期未更新。"),
    (IssueCategory.LICENCE, "许可证未在显著位置公示，进货台账记录不全。"),
    (IssueCategory.DISINFECTION, "餐饮具消毒记录缺失，保洁柜未正常使用。"),
    (IssueCategory.STORAGE, "冷藏柜内生熟食品混放，部分原料未标注日期。"),
    (IssueCategory.MANAGEMENT, "周排查记录流于形式，未见月调度报告。"),
]

FIX_NOTES = ["已按要求整改，附整改后照片。", "已补办健康证明并建立台账。", "已清理并完善设施。"]
CLOSE_NOTES = ["现场复查，整改到位，予以销号。", "复查合格，销号。"]


@dataclass
class _Plan:
    visits: list
    checks: list
    issues: list
    events: list


@contextlib.contextmanager
def _past_timestamps(*fields: models.DateTimeField):
    """Let the writer keep the given auto_now_add values: the demo writes history."""
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _visit_time(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.datetime:
    """A weekday daytime moment between two local dates (a weekend day moves to a weekday)."""
    span = (last - first).days
    on = first + datetime.timedelta(days=rng.randint(0, span))
    if on.weekday() >= 5:
        shifted = on - datetime.timedelta(days=on.weekday() - 4)  # back to Friday
        if shifted < first:
            shifted = on + datetime.timedelta(days=7 - on.weekday())  # on to Monday
        on = shifted if first <= shifted <= last else on
    minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    return datetime.datetime(
        on.year, on.month, on.day, minutes // 60, minutes % 60, rng.randint(0, 59), tzinfo=LOCAL
    )


def _holder_on(spans, day: datetime.date):
    for span in spans:
        if span.start <= day and (span.end is None or span.end > day):
            return span
    return None


class _Checklists:
    """Each business's checklist: the most specific active template, or the fallback texts."""

    def __init__(self):
        templates = list(
            ChecklistTemplate.objects.filter(is_active=True)
            .prefetch_related("items")
            .order_by("id")
        )
        self.templates = sorted(templates, key=lambda t: (not t.business_types, not t.grades, t.id))
        self.items = {t.id: list(t.items.all()) for t in self.templates}
        self.cache = {}

    def for_entity(self, entity):
        key = (entity.business_type, entity.grade)
        if key not in self.cache:
            template = next((t for t in self.templates if t.applies_to(entity)), None)
            lines = (
                [(item, item.area, item.text) for item in self.items[template.id]]
                if template
                else [(None, area, text) for area, text in FALLBACK_CHECKS]
            )
            self.cache[key] = (template, lines)
        return self.cache[key]


def _logins(city: CityRows) -> tuple[dict, User | None]:
    """A login for every cadre (inactive, no password, for those without one) and the demo
    cadre's 协保员 login: a visit records who logged it."""
    users = {
        u.cadre_id: u for u in User.objects.filter(cadre__division__path__startswith=city.city.path)
    }
    unusable = make_password(None)
    created = [
        User(
            username=f"cadre-{cadre.phone}",
            password=unusable,
            is_active=False,
            role=Role.CADRE,
            cadre=cadre,
            division=cadre.division,
            first_name=cadre.name,
            phone=cadre.phone,
        )
        for cadre in city.cadres
        if cadre.pk not in users
    ]
    write_objects(User, created, batch_size=5000)
    users.update({u.cadre_id: u for u in created})
    assistant = User.objects.filter(
        role=Role.ASSISTANT, aide__cadre=city.demo_cadre, is_active=True
    ).first()
    return users, assistant


def seed_visits(*, city: CityRows, seed: int, today=None, batch_size=2000) -> dict:
    """Write one city's demo visits, checklist lines, issues and their events; return counts."""
    rng = random.Random(f"{seed}-visits")
    today = today or clock.today()
    now = clock.now()
    current = Quarter.of(today)
    quarters = [current]
    while len(quarters) <= PAST_QUARTERS:
        quarters.append(quarters[-1].previous())
    users, assistant = _logins(city)
    checklists = _Checklists()
    plan = _Plan([], [], [], [])
    for quarter in quarters:
        _quarter_visits(plan, rng, city, quarter, today, users, assistant, checklists)
    _issues(plan, rng, today, now, city)
    with _past_timestamps(
        Visit._meta.get_field("created_at"),
        Issue._meta.get_field("created_at"),
        IssueEvent._meta.get_field("at"),
    ):
        write_objects(Visit, plan.visits, batch_size=batch_size)
        write_objects(VisitCheck, plan.checks, batch_size=batch_size)
        write_objects(Issue, plan.issues, batch_size=batch_size)
        write_objects(IssueEvent, plan.events, batch_size=batch_size)
    return {
        "visits": len(plan.visits),
        "visit_issues": len(plan.issues),
    }


def _quarter_visits(plan, rng, city, quarter, today, users, assistant, checklists) -> None:
    day = quarter.reference_day(today)
    is_current = day == today
    last = min(quarter.last_day, today - datetime.timedelta(days=1))
    if last < quarter.first_day:
        return
    elapsed = ((last - quarter.first_day).days + 1) / (
        (quarter.last_day - quarter.first_day).days + 1
    )
    demo_cadre, demo_county = city.demo_cadre, city.demo_county.path
    demo_done = demo_missed = 0
    # The quarter just ended: the demo cadre leaves one business unvisited, so that the demo
    # inbox shows the quarter-end overdue warning (and the office's digest names them).
    demo_leaves_one = quarter == Quarter.of(today).previous()
    for entity, spans in zip(city.entities, city.spans, strict=True):
        span = _holder_on(spans, day)
        if span is None or (is_current and entity.status == EntityStatus.CLOSED):
            continue
        share = CURRENT_COVERAGE * elapsed if is_current else PAST_COVERAGE
        if span.cadre is demo_cadre and is_current:
            # The demo cadre's list this quarter: some done, some still to do.
            visit_it = demo_done <= demo_missed
            demo_done, demo_missed = demo_done + visit_it, demo_missed + (not visit_it)
        else:
            visit_it = rng.random() < share
            if span.cadre is demo_cadre and demo_leaves_one:
                visit_it, demo_leaves_one = False, False
        if not visit_it:
            continue
        first = max(quarter.first_day, span.start)
        end = last
        if span.end is not None:
            end = min(end, span.end - datetime.timedelta(days=1))
        if span.cadre.left_on is not None:
            end = min(end, span.cadre.left_on - datetime.timedelta(days=1))
        if end < first:
            continue
        visited_at = _visit_time(rng, first, end)
        logged_by = users[span.cadre.pk]
        if span.cadre is demo_cadre and assistant and rng.random() < ASSISTANT_SHARE:
            logged_by = assistant
        template, lines = checklists.for_entity(entity)
        on_site = rng.random() >= OFF_SITE_SHARE or entity.grade in ("A", "B")
        visit = new(
            Visit,
            entity=entity,
            cadre=span.cadre,
            logged_by=logged_by,
            visited_at=visited_at,
            quarter=quarter.code,
            on_site=on_site,
            findings=rng.choice(FINDINGS_OK),
            template=template,
            idempotency_key=uuid.UUID(int=rng.getrandbits(128), version=4),
            created_at=visited_at + datetime.timedelta(minutes=rng.randint(3, 40)),
        )
        raises = rng.random() < (
            DEMO_CADRE_ISSUE_SHARE if span.cadre is demo_cadre else ISSUE_SHARE
        )
        problem_line = rng.randrange(len(lines)) if raises else None
        checks = []
        if entity.division.path.startswith(demo_county):
            for n, (item, area, text) in enumerate(lines):
                result = CheckResult.PROBLEM if n == problem_line else CheckResult.PASS
                checks.append(
                    new(VisitCheck, visit=visit, item=item, area=area, text=text, result=result)
                )
            plan.checks.extend(checks)
        plan.visits.append(visit)
        if raises:
            problem = checks[problem_line] if checks else None
            plan.issues.append(_raw_issue(rng, visit, problem))


def _raw_issue(rng, visit, problem) -> Issue:
    category, description = rng.choice(ISSUES)
    severity = rng.choices(
        [IssueSeverity.MINOR, IssueSeverity.GENERAL, IssueSeverity.SERIOUS], [5, 4, 1]
    )[0]
    raised = visit.created_at
    if visit.findings in FINDINGS_OK:
        visit.findings = description
    return new(
        Issue,
        entity=visit.entity,
        visit=visit,
        visit_check=problem,
        category=category,
        severity=severity,
        description=description,
        deadline=timezone.localdate(raised) + datetime.timedelta(DEFAULT_DEADLINE_DAYS[severity]),
        actor_kind=rng.choices([ActorKind.BUSINESS, ActorKind.REGULATOR], [9, 1])[0],
        raised_by=visit.logged_by,
        created_at=raised,
    )


def _issues(plan: _Plan, rng, today, now, city) -> None:
    """Walk each issue along open → rectifying → fixed → closed as far as its age allows."""
    demo_issues = [i for i in plan.issues if i.visit.cadre is city.demo_cadre]
    forced = {}
    if demo_issues:
        # The demo cadre has at least one overdue and one open issue to follow up.
        demo_issues.sort(key=lambda i: i.created_at)
        forced[id(demo_issues[-1])] = IssueStatus.OPEN
        if len(demo_issues) > 1:
            forced[id(demo_issues[0])] = IssueStatus.RECTIFYING
    for issue in plan.issues:
        age = (today - timezone.localdate(issue.created_at)).days
        if id(issue) in forced:
            target = forced[id(issue)]
            if target == IssueStatus.OPEN:
                issue.deadline = max(issue.deadline, today + datetime.timedelta(days=5))
            else:
                issue.deadline = min(issue.deadline, today - datetime.timedelta(days=3))
        elif age > 45:
            target = rng.choices(
                [IssueStatus.CLOSED, IssueStatus.FIXED, IssueStatus.RECTIFYING, IssueStatus.OPEN],
                [86, 5, 5, 4],
            )[0]
        else:
            target = rng.choices(
                [IssueStatus.OPEN, IssueStatus.RECTIFYING, IssueStatus.FIXED, IssueStatus.CLOSED],
                [35, 30, 20, 15],
            )[0]
        _history(plan, rng, issue, target, now)


def _history(plan: _Plan, rng, issue: Issue, target: str, now) -> None:
    steps = [IssueStatus.OPEN, IssueStatus.RECTIFYING, IssueStatus.FIXED, IssueStatus.CLOSED]
    path = steps[: steps.index(target) + 1]
    at = issue.created_at
    room = max((now - at).total_seconds(), 3600.0)
    previous = ""
    for n, status in enumerate(path):
        if n:
            at = at + datetime.timedelta(seconds=rng.uniform(0.05, 0.3) * room / len(path))
        note = ""
        if status == IssueStatus.FIXED:
            note = rng.choice(FIX_NOTES)
        elif status == IssueStatus.CLOSED:
            note = rng.choice(CLOSE_NOTES)
        plan.events.append(
            new(
                IssueEvent,
                issue=issue,
                from_status=previous,
                to_status=status,
                note=note,
                by=issue.raised_by,
                at=min(at, now),
            )
        )
        previous = status
    issue.status = target
    issue.closed_at = min(at, now) if target == IssueStatus.CLOSED else None
