"""One clock per request or task (baobao/clock.py): the wall clock is read at the boundary and
passed down; nothing below reads it again."""

import ast
import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from baobao import clock
from inspections.models import Issue, IssueCategory, IssueSeverity, IssueStatus
from tests.factories import EntityFactory, UserFactory, county, office_user

ROOT = Path(__file__).resolve().parents[2]
# Every app of the project: a top-level folder with an apps.py (and the core).
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))

# Calls that read the wall clock. timezone.localtime()/localdate() read it only without an
# argument; with one they convert a given instant.
CLOCK_READS = {
    ("timezone", "now"): "always",
    ("timezone", "localdate"): "no-args",
    ("timezone", "localtime"): "no-args",
    ("date", "today"): "always",
    ("datetime", "now"): "always",
    ("datetime", "today"): "always",
    ("datetime", "utcnow"): "always",
}

# Where the boundary may read the wall clock itself (``clock.read()``): the request middleware
# (clock.py), tasks, management commands, and the few places that need the real instant, not
# the boundary's: a job's end time and a gateway's signature time.
READ_ALLOWED = {
    "baobao/clock.py",
    "baobao/sms.py",  # the SMS gateway checks its request's timestamp against its own clock
    "ledgers/services.py",  # an export's finished_at: when the work ended, not when it began
    # a delivery's lease runs from the wall clock: a long batch must not hand a message that is
    # in flight right now to another worker
    "baobao/notifications.py",
}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in rel:
                yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _is_boundary(rel: str) -> bool:
    return (
        rel in READ_ALLOWED
        or rel.endswith("/tasks.py")
        or "/management/commands/" in rel
        or rel.startswith("demo/")  # the demo seeder runs as a command
    )


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            yield node, name, node.func.attr


def test_the_project_has_apps_to_check():
    assert {"baobao", "entities", "cadres", "inspections", "ledgers"} <= set(APPS)


def test_no_module_reads_the_wall_clock_but_baobao_clock():
    found = []
    for rel, tree in _modules():
        if rel == "baobao/clock.py":
            continue
        for node, owner, attr in _calls(tree):
            rule = CLOCK_READS.get((owner, attr))
            if rule == "always" or (rule == "no-args" and not node.args and not node.keywords):
                found.append(f"{rel}:{node.lineno} {owner}.{attr}()")
        for node in ast.walk(tree):
            # default=timezone.now on a field: use baobao.clock.now (the boundary's instant)
            if isinstance(node, ast.keyword) and node.arg == "default":
                v = node.value
                if isinstance(v, ast.Attribute) and (getattr(v.value, "id", None), v.attr) in (
                    ("timezone", "now"),
                    ("date", "today"),
                ):
                    found.append(f"{rel}:{node.value.lineno} default={v.value.id}.{v.attr}")
    assert found == []


def test_only_boundaries_read_the_clock_afresh():
    found = [
        f"{rel}:{node.lineno}"
        for rel, tree in _modules()
        if not _is_boundary(rel)
        for node, owner, attr in _calls(tree)
        if (owner, attr) == ("clock", "read")
    ]
    assert found == []


def test_the_boundary_reading_holds_for_everything_below_it():
    instant = timezone.make_aware(datetime.datetime(2026, 12, 31, 23, 59, 59))
    with clock.frozen(instant):
        assert clock.now() == instant
        assert clock.today() == datetime.date(2026, 12, 31)
    assert clock.now() != instant


class RacingClock:
    """A wall clock that moves on a day each time it is read after the first: any second reading
    in a request lands on another day. ``restart()`` before each request."""

    def __init__(self, start):
        self.start, self.reads = start, 0

    def restart(self):
        self.reads = 0

    def __call__(self):
        self.reads += 1
        return self.start + datetime.timedelta(days=self.reads - 1)


@pytest.mark.django_db
def test_the_issue_ledger_filters_and_labels_by_one_reading(client, monkeypatch):
    # given an open issue due on 2026-11-30: not overdue that day, overdue on any later one
    bijiang = county()
    entity = EntityFactory(division=bijiang)
    Issue.objects.create(
        entity=entity,
        category=IssueCategory.HYGIENE,
        severity=IssueSeverity.GENERAL,
        description="后厨地面油污",
        status=IssueStatus.OPEN,
        deadline=datetime.date(2026, 11, 30),
        raised_by=UserFactory(),
    )
    client.force_login(office_user(bijiang))
    racing = RacingClock(timezone.make_aware(datetime.datetime(2026, 11, 30, 23, 59, 59)))
    monkeypatch.setattr(timezone, "now", racing)

    def ledger(**params):
        racing.restart()
        response = client.get(reverse("inspections:issues"), params)
        assert response.status_code == 200
        return response.text

    # when the clerk lists the ledger, and filters it by overdue = no and yes, on 2026-11-30
    everything, not_overdue, overdue = ledger(), ledger(overdue="no"), ledger(overdue="yes")
    # then each request filtered and labelled by its one reading: due today is not overdue
    assert entity.name in everything and 'class="overdue"' not in everything
    assert entity.name in not_overdue
    assert entity.name not in overdue
