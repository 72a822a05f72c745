"""The read replica against a real streaming standby (tests/replica/conftest.py builds it).

Each page's queries are recorded with the alias that ran them and what that very connection
answers to ``pg_is_in_recovery()``: true only on a standby."""

import time
from contextlib import ExitStack

import pytest
from django.db import connections, router
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from baobao import db_routers
from entities.models import Entity
from ledgers.models import ExportJob, JobStatus
from ledgers.services import export_job_run
from tests.factories import EntityFactory, county, office_user
from tests.replica.conftest import DBNAME

pytestmark = pytest.mark.usefixtures("db")


class Recorder:
    """Every query of both aliases: (alias, in_recovery of its connection, sql)."""

    def __init__(self):
        self.queries = []
        self._recovery = {}

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)  # a failure raises here, as Django's
        conn = context["connection"]
        raw = conn.connection
        if id(raw) not in self._recovery:
            self._recovery[id(raw)] = raw.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        self.queries.append((conn.alias, self._recovery[id(raw)], sql))
        return result

    def aliases(self) -> set[str]:
        return {alias for alias, _, _ in self.queries}

    def on_standby(self) -> list[str]:
        """The page's queries that ran on the standby (the router's health check aside)."""
        return [sql for _, recovery, sql in self.queries if recovery and sql != db_routers.LAG_SQL]

    def entity_reads(self) -> list[tuple[str, bool]]:
        return [(a, r) for a, r, sql in self.queries if 'FROM "entities_entity"' in sql]


def record(recorder: Recorder) -> ExitStack:
    stack = ExitStack()
    for alias in ("default", "replica"):
        stack.enter_context(connections[alias].execute_wrapper(recorder))
    return stack


@pytest.fixture
def clerk(client):
    user = office_user(county())
    client.force_login(user)
    return user


@pytest.fixture
def paused(standby_pair):
    """Replay paused on the standby (it still receives WAL); resumed and caught up afterwards."""
    with standby_pair.connect(DBNAME, standby=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    yield
    with standby_pair.connect(DBNAME, standby=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    standby_pair.wait_for_standby(DBNAME)


def names(response) -> list[str]:
    return [row.record.name for row in response.context["table"].paginated_rows]


def test_opted_in_page_reads_the_standby(client, clerk, standby_pair):
    # given: a business written on the primary and replayed on the standby
    entity = EntityFactory(name="只读副本上的店")
    standby_pair.wait_for_standby(DBNAME)
    recorder = Recorder()
    # when: the clerk opens the business register (opted in) ...
    with record(recorder):
        response = client.get(reverse("entities:list"))
    # then: the page lists it, and every query of the page itself ran on the standby (the
    # session and user, read before the view by the access check, come from the primary)
    assert response.status_code == 200
    assert entity.name in names(response)
    entity_reads = recorder.entity_reads()
    assert entity_reads and all(r == ("replica", True) for r in entity_reads), entity_reads
    assert recorder.on_standby()
    assert db_routers.replica_status() == {
        "ok": True,
        "configured": True,
        "lag_seconds": 0.0,
        "detail": "ok",
    }


def test_page_not_opted_in_reads_the_primary(client, clerk, standby_pair):
    # given: a business on both
    entity = EntityFactory()
    standby_pair.wait_for_standby(DBNAME)
    recorder = Recorder()
    # when: the clerk opens the business's detail page (not opted in)
    with record(recorder):
        response = client.get(reverse("entities:detail", args=[entity.pk]))
    # then: nothing ran on the standby
    assert response.status_code == 200
    assert recorder.aliases() == {"default"}
    assert recorder.on_standby() == []


def test_stale_standby_shows_the_page_as_it_was(client, clerk, standby_pair, paused, settings):
    # given: replay paused, a lag limit the test will not reach, and a business written since
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    entity = EntityFactory(name="刚写入主库的店")
    # when: the register is opened
    response = client.get(reverse("entities:list"))
    # then: it came from the standby, which has not replayed the new row
    assert response.status_code == 200
    assert entity.name not in names(response)


def test_write_then_read_in_one_request_reads_the_primary(standby_pair, paused, settings):
    # given: a standby that replays nothing (so a read there could not see the write)
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    recorder = Recorder()

    @db_routers.reads_from_replica
    def view(request):
        before = Entity.objects.count()  # nothing written yet: the standby
        entity = EntityFactory(name="同一请求里写入的店")  # a write: the primary
        seen = Entity.objects.filter(pk=entity.pk).exists()  # after it: the primary
        return HttpResponse(f"{before}|{seen}")

    # when: the opted-in view writes and then reads
    request = RequestFactory().get("/")
    with record(recorder), db_routers.write_tracking():
        response = view(request)
    # then: the read after the write saw it, on the primary
    assert response.content.decode().endswith("|True")
    reads = recorder.entity_reads()
    assert reads[0] == ("replica", True)
    assert reads[-1] == ("default", False)


def test_read_your_writes_after_a_post(client, clerk, standby_pair, paused, settings):
    # given: replay paused, and a row the standby has not replayed
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    entity = EntityFactory(name="用户刚写过的店")
    # when: the clerk posts something (here: switching the language) and then opens the register
    posted = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert posted.cookies[db_routers.STICKY_COOKIE]["max-age"] == settings.REPLICA_STICKY_SECONDS
    recorder = Recorder()
    with record(recorder):
        response = client.get(reverse("entities:list"))
    # then: for the next seconds the clerk's opted-in pages read the primary, which has the row
    assert entity.name in names(response)
    assert recorder.on_standby() == []


def test_stopped_standby_falls_back_without_an_error_page(client, clerk, standby_pair):
    # given: the replica checked and found healthy (remembered for the next 60 s) ...
    entity = EntityFactory(name="副本停机时的店")
    standby_pair.wait_for_standby(DBNAME)
    assert db_routers.replica_usable()
    # ... and then stopped mid-run
    standby_pair.stop_standby()
    try:
        recorder = Recorder()
        # when: the clerk opens the register
        with record(recorder):
            response = client.get(reverse("entities:list"))
        # then: the page is whole, from the primary; the replica is remembered down
        assert response.status_code == 200
        assert entity.name in names(response)
        assert recorder.on_standby() == []
        status = db_routers.replica_status()
        assert status["ok"] is False
        assert "failed during a request" in status["detail"]
        # and the next page does not try the dead replica again (no connect timeout paid)
        started = time.monotonic()
        assert client.get("/coverage/").status_code == 200
        assert time.monotonic() - started < 1.5
    finally:
        standby_pair.start_standby()
        standby_pair.wait_for_standby(DBNAME)


def test_unreachable_replica_is_found_by_the_check(client, clerk, standby_pair):
    # given: the standby down before any check
    standby_pair.stop_standby()
    try:
        # when: the operator's readiness check asks
        status = db_routers.replica_status()
        # then: it says so, on /readyz too (reported, not required: the web process stays in
        # the pool), and opted-in pages still answer from the primary
        assert status["ok"] is False and status["detail"].startswith("unreachable")
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["replica"]["ok"] is False
        assert ready.json()["checks"]["replica"]["detail"].startswith("unreachable")
        assert client.get(reverse("inspections:visits")).status_code == 200
    finally:
        standby_pair.start_standby()
        standby_pair.wait_for_standby(DBNAME)


def test_lagging_standby_is_detected_and_reads_fall_back(client, clerk, standby_pair, paused):
    # given: replay paused on the standby, a write since, and more than the 1 s allowed gone by
    entity = EntityFactory(name="副本落后时的店")
    time.sleep(1.5)
    recorder = Recorder()
    # when: the register is opened
    with record(recorder):
        response = client.get(reverse("entities:list"))
    # then: the lag was detected and the page read the primary (with the new row)
    assert entity.name in names(response)
    assert recorder.on_standby() == []
    assert recorder.entity_reads() and {a for a, _ in recorder.entity_reads()} == {"default"}
    status = db_routers.replica_status()
    assert status["ok"] is False
    assert status["lag_seconds"] > 1
    assert "lagging" in status["detail"]


def test_export_job_reads_the_ledger_from_the_standby(standby_pair, settings):
    # given: an export job for the county's business register, replayed on the standby, with
    # its progress written after every row
    settings.EXPORT_PROGRESS_EVERY = 1
    EntityFactory(name="导出的店")
    EntityFactory(name="导出的另一家店")
    job = ExportJob.objects.create(
        user=office_user(county()), ledgers="entities", filename="x.xlsx", rows_expected=1
    )
    standby_pair.wait_for_standby(DBNAME)
    recorder = Recorder()
    # when: a worker runs it (progress is written every EXPORT_PROGRESS_EVERY rows)
    with record(recorder):
        export_job_run(job_id=job.pk)
    # then: the ledger's rows were read on the standby, the job's own rows on the primary
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    reads = recorder.entity_reads()
    assert len(reads) >= 1 and all(r == ("replica", True) for r in reads), reads
    job_writes = [
        (a, r) for a, r, sql in recorder.queries if sql.startswith('UPDATE "ledgers_exportjob"')
    ]
    assert len(job_writes) >= 3 and all(w == ("default", False) for w in job_writes)


def test_query_cancelled_on_the_standby_reruns_on_the_primary(standby_pair):
    # given: an opted-in view whose first attempt has a statement cancelled on the standby (as a
    # hot standby cancels one that conflicts with recovery), the standby itself healthy
    standby_pair.wait_for_standby(DBNAME)
    attempts = []

    @db_routers.reads_from_replica
    def view(request):
        alias = router.db_for_read(Entity)
        attempts.append(alias)
        with connections[alias].cursor() as cursor:
            if alias == "replica":
                cursor.execute("SET statement_timeout = 1")
                cursor.execute("SELECT pg_sleep(0.5)")
        return HttpResponse(str(Entity.objects.count()))

    # when: it runs
    try:
        with db_routers.write_tracking():
            response = view(RequestFactory().get("/"))
    finally:
        connections["replica"].close()
    # then: the page came from a second attempt on the primary, and the replica is not marked down
    assert attempts == ["replica", "default"]
    assert response.status_code == 200
    assert db_routers.replica_status()["ok"] is True
