"""``make load-nodes``: the load test of run.py on one web node and on two behind HAProxy, with a
real streaming read replica; writes tests/benchmarks/load/NODES.md.

1. Builds a throwaway PostgreSQL primary and streaming standby on spare ports
   (tests/replica/cluster.py), and the benchmark database in the primary (``seed_demo --scale
   BENCH_SCALE``, default 1: one city), which the standby replays.
2. For each configuration: a fresh copy of it (``CREATE DATABASE ... TEMPLATE``, replayed on the
   standby too), the load users, then gunicorn node(s) with ``DATABASE_REPLICA_URL`` on the
   standby (or without, for the baseline) and, for two nodes, HAProxy with the committed
   deploy/haproxy.cfg in front; locust as in ``make load`` against the node or the balancer.
   During the run the replica's replay lag is sampled every half second (pg_stat_replication on
   the primary), and the rows each server returned are counted (pg_stat_database).
3. Stops everything, removes the pair, prints the table and writes NODES.md.

    BENCH_SCALE      the demo's scale (default 1)
    LOAD_USERS, LOAD_CADRES, LOAD_RUN_TIME, LOAD_WORKERS   as in run.py (per node: LOAD_WORKERS)
    LOAD_REDIS_URL   Redis for the shared cache (as production: both nodes share it)
    LOAD_CONFIGS     which runs, comma-separated among: primary, replica, nodes (default all)

Exit status 1 when any request failed.
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.benchmarks.load.database import _copy_database, _drop_database
from tests.benchmarks.load.run import (
    HERE,
    ROOT,
    _free_port,
    _manage,
    _prepare_users,
    _read_stats,
    _stop,
    _table,
    _wait_ready,
    gunicorn,
    run_locust,
)
from tests.replica.cluster import StandbyPair

LOAD_NAME = "baobao_load"
CONFIGS = {
    "primary": ("one node, no replica", 1, False),
    "replica": ("one node + replica", 1, True),
    "nodes": ("two nodes (HAProxy) + replica", 2, True),
}


class LagSampler(threading.Thread):
    """The standby's replay lag, as the primary sees it, every half second."""

    def __init__(self, pair: StandbyPair):
        super().__init__(daemon=True)
        self.pair, self.samples, self.bytes, self.done = pair, [], [], threading.Event()

    def run(self):
        with self.pair.connect() as conn:
            while not self.done.wait(0.5):
                lag, behind = conn.execute(
                    "SELECT COALESCE(max(EXTRACT(EPOCH FROM replay_lag)), 0),"
                    " COALESCE(max(pg_wal_lsn_diff(sent_lsn, replay_lsn)), 0)"
                    " FROM pg_stat_replication"
                ).fetchone()
                self.samples.append(float(lag))
                self.bytes.append(int(behind))

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        ordered = sorted(self.samples)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return (
            f"replay lag median {statistics.median(ordered) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; "
            f"WAL not yet replayed at most {max(self.bytes) / 1024:.0f} kB "
            f"({len(ordered)} samples)"
        )


def _rows_returned(pair: StandbyPair, *, standby: bool) -> int:
    with pair.connect(LOAD_NAME, standby=standby) as conn:
        return conn.execute(
            "SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = %s",
            [LOAD_NAME],
        ).fetchone()[0]


def _haproxy(port: int, backends: list[int], tmp: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "LB_BIND": f"127.0.0.1:{port}",
        "WEB1_ADDR": f"127.0.0.1:{backends[0]}",
        "WEB2_ADDR": f"127.0.0.1:{backends[1]}",
    }
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise SystemExit("haproxy is not installed (apt-get install -y haproxy)")
    return subprocess.Popen(
        [haproxy, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
        env=env,
        stdout=open(tmp / "haproxy.log", "w"),
        stderr=subprocess.STDOUT,
    )


def _one_run(pair: StandbyPair, key: str, tmp: Path, opts: dict) -> dict:
    label, nodes, with_replica = CONFIGS[key]
    bench_url = pair.url("baobao_bench_1")
    load_url = _copy_database(bench_url, LOAD_NAME)
    pair.wait_for_standby(LOAD_NAME, timeout=600)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.load.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "load-test-only-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": load_url,
        "DATABASE_REPLICA_URL": pair.url(LOAD_NAME, standby=True) if with_replica else "",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "MEDIA_ROOT": str(tmp / "media"),
        "LOAD_STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", ""),
    }
    servers, balancer = [], None
    try:
        _manage("collectstatic", "--noinput", "-v", "0", env=env)
        users = _prepare_users(env, opts["cadres"], opts["clerks"])
        (tmp / "users.json").write_text(json.dumps(users), encoding="utf-8")
        pair.wait_for_standby(LOAD_NAME)
        ports = [_free_port() for _ in range(nodes)]
        for number, port in enumerate(ports):
            log = tmp / f"gunicorn-{key}-{number}.log"
            servers.append(gunicorn(port=port, workers=opts["workers"], env=env, log=log))
        for server, port in zip(servers, ports, strict=True):
            _wait_ready(f"http://127.0.0.1:{port}/accounts/login/", server)
        if nodes > 1:
            front = _free_port()
            balancer = _haproxy(front, ports, tmp)
            time.sleep(1)  # the balancer listens (its servers start up, checked every 5 s)
            host = f"http://127.0.0.1:{front}"
        else:
            host = f"http://127.0.0.1:{ports[0]}"
        print(f"{label}: {nodes} × gunicorn -w {opts['workers']} at {host}", flush=True)
        before = {s: _rows_returned(pair, standby=s) for s in (False, True)}
        sampler = LagSampler(pair)
        sampler.start()
        prefix = tmp / f"locust-{key}"
        locust = run_locust(
            host=host,
            users=opts["users"],
            run_time=opts["run_time"],
            prefix=prefix,
            users_file=tmp / "users.json",
            cadres=opts["cadres"],
            clerks=opts["clerks"],
        )
        sampler.done.set()
        sampler.join()
        load = os.getloadavg()[1]  # the machine's load over the last 5 minutes (other work too)
        time.sleep(1)  # the statistics of the last transactions reach pg_stat_database
        after = {s: _rows_returned(pair, standby=s) for s in (False, True)}
        for log in tmp.glob(f"gunicorn-{key}-*.log"):
            text = log.read_text(encoding="utf-8", errors="replace")
            if "Traceback" in text or "[ERROR]" in text:
                print(f"{log.name} logged errors:\n" + text[-4000:])
        rows = _read_stats(prefix)
    finally:
        if balancer is not None:
            _stop(balancer)
        for server in servers:
            _stop(server)
        _drop_database(bench_url, LOAD_NAME)
    standby_rows = after[True] - before[True]
    primary_rows = after[False] - before[False]
    return {
        "key": key,
        "label": label,
        "rows": rows,
        "locust": locust.returncode,
        "lag": sampler.summary() if with_replica else "",
        "standby_share": standby_rows / max(1, standby_rows + primary_rows),
        "load": load,
    }


def _machine(pair: StandbyPair) -> str:
    with pair.connect("baobao_bench_1") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        entities = conn.execute("SELECT count(*) FROM entities_entity").fetchone()[0]
        visits = conn.execute("SELECT count(*) FROM inspections_visit").fetchone()[0]
    return (
        f"{platform.machine()} · {os.cpu_count()} cores (shared) · Python "
        f"{platform.python_version()} · PostgreSQL {pg} primary + streaming standby on the same "
        f"machine · data: {entities:,} businesses, {visits:,} visits"
    )


def _summary_table(results: list[dict]) -> list[str]:
    lines = [
        "| configuration | requests | failures | req/s | p50 ms | p95 ms | clerk pages p95 ms "
        "| cadre pages p95 ms | rows read on the standby | machine load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        total = next(r for r in result["rows"] if r["Name"] == "Aggregated")

        def worst(prefix: str, result=result) -> str:
            values = [
                int(r["95%"]) for r in result["rows"] if r["Name"].startswith(prefix) and r["95%"]
            ]
            return str(max(values)) if values else "–"

        lines.append(
            f"| {result['label']} | {total['Request Count']} | {total['Failure Count']} "
            f"| {float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} "
            f"| {worst('clerk:')} | {worst('cadre:')} | {100 * result['standby_share']:.0f} % | {result['load']:.1f} |"
        )
    return lines


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "1")
    os.environ["BENCH_SCALE"] = scale
    users = int(os.environ.get("LOAD_USERS") or 60)
    cadres = int(os.environ.get("LOAD_CADRES") or 50)
    opts = {
        "users": users,
        "cadres": cadres,
        "clerks": users - cadres,
        "run_time": os.environ.get("LOAD_RUN_TIME") or "60s",
        "workers": os.environ.get("LOAD_WORKERS") or "3",
    }
    keys = (os.environ.get("LOAD_CONFIGS") or "primary,replica,nodes").split(",")
    tmp = Path(tempfile.mkdtemp(prefix="baobao-nodes-"))
    results = []
    started = time.monotonic()
    with StandbyPair(settings={"shared_buffers": "128MB", "max_connections": "100"}) as pair:
        print(f"primary :{pair.primary_port}, standby :{pair.standby_port}", flush=True)
        try:
            for key in keys:
                results.append(_one_run(pair, key, tmp, opts))
            machine = _machine(pair)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    summary = _summary_table(results)
    print("\n".join(summary))
    report = [
        "## Load on one and two web nodes, with a streaming read replica",
        "",
        f"Machine: {machine}.",
        f"Reproduce: `make load-nodes` (BENCH_SCALE={scale}; each configuration on a fresh copy of "
        f"the benchmark database; gunicorn `-w {opts['workers']}` per node, `DJANGO_DEBUG=false`; "
        f"locust `--headless -u {users} -r 20 --run-time {opts['run_time']}` on the same machine; "
        f"two nodes behind HAProxy with deploy/haproxy.cfg, round robin, sessions in PostgreSQL; "
        f"whole run {(time.monotonic() - started) / 60:.0f} min).",
        "The users do what `make load` has them do (LOAD.md). With a replica, the clerk pages "
        "(business and cadre registers, visit and issue ledgers, dashboard) read the standby "
        "unless the clerk wrote in the last seconds; logins, sessions, the cadre pages and every "
        "write use the primary. Times are client-side (locust), in ms.",
        "",
        *summary,
        "",
    ]
    for result in results:
        report += [f"### {result['label']}", ""]
        if result["lag"]:
            report += [f"Replica during the run: {result['lag']}.", ""]
        report += [*_table(result["rows"]), ""]
    (HERE / "NODES.md").write_text("\n".join(report), encoding="utf-8")
    print(f"written {HERE / 'NODES.md'}")
    failures = sum(
        int(next(r for r in res["rows"] if r["Name"] == "Aggregated")["Failure Count"])
        for res in results
    )
    if failures or any(res["locust"] not in (0, 1) for res in results):
        print(f"FAILED: {failures} failed requests")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
