"""``make load``: a short, bounded load test of the app as it runs in production.

1. Copies the benchmark database (``CREATE DATABASE baobao_load TEMPLATE baobao_bench_1``, built by
   ``make bench`` first when missing), so that the visits the run writes never reach it.
2. In the copy: activates the logins of LOAD_CADRES cadres who hold businesses (the demo gives
   every cadre an inactive login) and creates LOAD_CLERKS office logins, all with one password.
3. Collects the static files into a temporary directory and starts gunicorn on a free loopback
   port with ``DJANGO_DEBUG=false`` (production settings: secure cookies, CSRF, django-axes on).
4. Runs locust headless, bounded in users and time (locustfile.py), then stops gunicorn, drops
   the copy and the temporary files, prints the table and writes it to LOAD.md beside this file.

    BENCH_DATABASE_URL  the benchmark database to copy (default .../baobao_bench_1, `make bench BENCH_SCALE=1`)
    LOAD_DATABASE_NAME  the copy's name (default baobao_load; dropped at the end)
    LOAD_KEEP_DATABASE  "1" keeps the copy for a look afterwards
    LOAD_USERS          concurrent users (default 60: LOAD_CADRES cadres, the rest clerks)
    LOAD_CADRES         cadres among them (default 50)
    LOAD_RUN_TIME       locust --run-time (default 60s)
    LOAD_WORKERS        gunicorn workers (default 3)
    LOAD_REDIS_URL      Redis for the cache, as in production (default: none, per-worker cache)

Exit status 1 when any request failed: the error rate must be zero.
"""

import csv
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

from tests.benchmarks.load.database import PYTHON, ROOT, _copy_database, _drop_database

HERE = Path(__file__).resolve().parent
BIN = Path(PYTHON).parent
DEFAULT_BENCH_URL = "postgres://postgres@127.0.0.1:5432/baobao_bench_1"
PASSWORD = "Load@2026-only-for-the-load-copy"
# Clerks: two at the city office, the rest at county offices (the main users), round the counties.
CITY_CLERKS = 2


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


PREPARE_USERS = """
import json, sys
import django
django.setup()
from django.contrib.auth.hashers import make_password
from django.db.models import Count
from baobao.models import Division, Level, Role, User
from cadres.models import Assignment

cadres, clerks, password, city_clerks = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                         int(sys.argv[4]))
hashed = make_password(password)
# Cadres holding at least three businesses, spread evenly over the register.
held = list(
    Assignment.objects.current().values("cadre_id").annotate(n=Count("id")).filter(n__gte=3)
    .order_by("cadre_id").values_list("cadre_id", flat=True)
)
step = max(1, len(held) // max(1, cadres))
chosen = held[::step][:cadres]
logins = User.objects.filter(role=Role.CADRE, cadre_id__in=chosen)
logins.update(is_active=True, password=hashed)
cadre_names = sorted(logins.values_list("username", flat=True))
city = Division.objects.get(code="520600000000")
counties = list(Division.objects.filter(level=Level.COUNTY, path__startswith=city.path)
                .order_by("code"))
clerk_names = []
for number in range(clerks):
    at_city = number < city_clerks
    division = city if at_city else counties[(number - city_clerks) % len(counties)]
    username = f"load-clerk-{number + 1:02d}"
    User.objects.update_or_create(
        username=username,
        defaults={"password": hashed, "is_active": True, "division": division,
                  "role": Role.CITY_OFFICE if at_city else Role.COUNTY_OFFICE,
                  "first_name": f"Load clerk {number + 1}"},
    )
    clerk_names.append(username)
print(json.dumps({"cadres": cadre_names, "clerks": clerk_names, "password": password}))
"""


def _prepare_users(env: dict, cadres: int, clerks: int) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", PREPARE_USERS, str(cadres), str(clerks), PASSWORD, str(CITY_CLERKS)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    users = json.loads(out.strip().splitlines()[-1])
    if len(users["cadres"]) < cadres:
        raise SystemExit(f"only {len(users['cadres'])} cadres hold 3+ businesses; need {cadres}")
    return users


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def gunicorn(*, port: int, workers: str, env: dict, log: Path) -> subprocess.Popen:
    """One web node: gunicorn with ``workers`` sync workers on a loopback port."""
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "baobao.wsgi",
            "-w",
            workers,
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
    )


def run_locust(
    *,
    host: str,
    users: int,
    run_time: str,
    prefix: Path,
    users_file: Path,
    cadres: int,
    clerks: int,
) -> subprocess.CompletedProcess:
    """locust headless against ``host``: bounded in users and time; statistics in prefix_*.csv."""
    return subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            "20",
            "--run-time",
            run_time,
            "--stop-timeout",
            "10",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "LOAD_USERS_FILE": str(users_file),
            "LOAD_CADRE_COUNT": str(cadres),
            "LOAD_CLERK_COUNT": str(clerks),
        },
        timeout=_seconds(run_time) + 120,
    )


def _read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _table(rows: list[dict]) -> list[str]:
    lines = [
        "| endpoint group | requests | failures | req/s | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} "
            f"| {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} "
            f"| {float(row['Max Response Time']):.0f} |"
        )
    return lines


def _machine(url: str) -> str:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        entities = conn.execute("SELECT count(*) FROM entities_entity").fetchone()[0]
        visits = conn.execute("SELECT count(*) FROM inspections_visit").fetchone()[0]
    return (
        f"{platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"PostgreSQL {pg} · data: {entities:,} businesses, {visits:,} visits (after the run)"
    )


def main() -> int:
    bench_url = _env("BENCH_DATABASE_URL", DEFAULT_BENCH_URL)
    load_name = _env("LOAD_DATABASE_NAME", "baobao_load")
    users_total = int(_env("LOAD_USERS", "60"))
    cadres = int(_env("LOAD_CADRES", "50"))
    clerks = users_total - cadres
    run_time = _env("LOAD_RUN_TIME", "60s")
    workers = _env("LOAD_WORKERS", "3")
    keep = os.environ.get("LOAD_KEEP_DATABASE") == "1"
    tmp = Path(tempfile.mkdtemp(prefix="baobao-load-"))
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    load_url = _copy_database(bench_url, load_name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.load.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "load-test-only-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": load_url,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        # The seeded logins sign in as printed: no first-sign-in change, no second factor (the
        # load is the pages', not the enrolment's; docs/security.md).
        "PASSWORD_FIRST_LOGIN_CHANGE": "false",
        "TWO_FACTOR_ROLES": "",
        "MEDIA_ROOT": str(tmp / "media"),
        "LOAD_STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", ""),
    }
    server = None
    try:
        _manage("migrate", "--noinput", "-v", "0", env=env)
        _manage("collectstatic", "--noinput", "-v", "0", env=env)
        users = _prepare_users(env, cadres, clerks)
        (tmp / "users.json").write_text(json.dumps(users), encoding="utf-8")
        server = gunicorn(port=port, workers=workers, env=env, log=tmp / "gunicorn.log")
        _wait_ready(f"{host}/accounts/login/", server)
        print(f"gunicorn ({workers} workers) on {host}; locust: {users_total} users for {run_time}")
        prefix = tmp / "locust"
        locust = run_locust(
            host=host,
            users=users_total,
            run_time=run_time,
            prefix=prefix,
            users_file=tmp / "users.json",
            cadres=cadres,
            clerks=clerks,
        )
        _stop(server)
        rows = _read_stats(prefix)
        machine = _machine(load_url)
        log = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
        if "Traceback" in log or "[ERROR]" in log:
            print("gunicorn logged errors:\n" + log[-4000:])
    finally:
        if server is not None:
            _stop(server)
        if not keep:
            _drop_database(bench_url, load_name)
        shutil.rmtree(tmp, ignore_errors=True)
    total = next(r for r in rows if r["Name"] == "Aggregated")
    failures = int(total["Failure Count"])
    requests = int(total["Request Count"])
    table = _table(rows)
    print("\n".join(table))
    report = [
        "## Load",
        "",
        f"Machine: {machine}.",
        f"Reproduce: `make load` (gunicorn `-w {workers}` on loopback, `DJANGO_DEBUG=false`; "
        f"locust `--headless -u {users_total} -r 20 --run-time {run_time}` on the same machine).",
        f"{cadres} cadres each log in through the login form, open their task page, open the visit "
        "form of one of their businesses and submit it (every checklist item answered, a fresh "
        "idempotency key from the form, a tiny photo on one visit in five, an issue raised on one "
        f"in ten); {clerks} office clerks (city and county) page through the business register "
        "with filters, the cadre register, the visit and issue ledgers and the dashboard. "
        "Think time 1–3 s per user between steps. Times are client-side (locust), in ms.",
        "",
        f"Throughput {float(total['Requests/s']):.1f} req/s; errors {failures} of {requests} "
        f"({100 * failures / max(1, requests):.2f} %); p50 {total['50%']} ms, "
        f"p95 {total['95%']} ms overall.",
        "",
        *table,
        "",
    ]
    (HERE / "LOAD.md").write_text("\n".join(report), encoding="utf-8")
    print(f"written {HERE / 'LOAD.md'}")
    if failures or locust.returncode not in (0, 1):
        print(f"FAILED: {failures} failed requests (locust exit {locust.returncode})")
        return 1
    return 0


def _seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    if run_time[-1] in units:
        return int(float(run_time[:-1]) * units[run_time[-1]])
    return int(run_time)


if __name__ == "__main__":
    sys.exit(main())
