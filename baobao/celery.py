"""The Celery app: Redis broker from REDIS_URL, JSON only, configured from Django settings.

Every periodic schedule is here. Times are Asia/Shanghai (CELERY_TIMEZONE). Run exactly ONE beat
per deployment; should a second one start by mistake, it waits on a Redis lock and stays idle
(baobao/beat.py, ``SingleBeatScheduler``) until the first one stops.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baobao.settings")

app = Celery("baobao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The daily runs the dead man's switch watches: heartbeat name -> (hour, minute) it is due.
DAILY_RUNS: dict[str, tuple[int, int]] = {}


def _reminder(kind: str, hour: int, minute: int) -> dict:
    DAILY_RUNS[f"reminders:{kind}"] = (hour, minute)
    return {
        "task": "inspections.tasks.send_reminders",
        "schedule": crontab(hour=hour, minute=minute),
        "args": (kind,),
    }


# The reminder jobs fire every day; each decides from the admin's ReminderPolicy whether today
# is one of its sending days, so a policy change needs no beat restart.
app.conf.beat_schedule = {
    # Every day at 08:00: the quarter's task to each cadre (sent on the quarter's first day).
    "reminders-quarter-start": _reminder("quarter_start", 8, 0),
    # Every day at 08:00: unvisited businesses (sent on the policy's in-quarter days).
    "reminders-in-quarter": _reminder("in_quarter", 8, 0),
    # Every day at 08:30: overdue warnings and office digests (sent just after a quarter ends).
    "reminders-quarter-end-overdue": _reminder("quarter_end_overdue", 8, 30),
    # Every day at 08:30: issues whose rectification deadline is near.
    "reminders-issue-deadline-soon": _reminder("issue_deadline_soon", 8, 30),
    # Every day at 08:30: issues past their deadline (repeated per the policy's period).
    "reminders-issue-overdue": _reminder("issue_overdue", 8, 30),
    # Every day at 08:30: businesses without a holder beyond the re-assignment limit.
    "reminders-coverage-gap": _reminder("coverage_gap", 8, 30),
    # Every day at 08:40: businesses missing their 日管控/周排查/月调度 records, and the holding
    # cadres' weekly digest (working days only; the job decides).
    "reminders-self-checks": {
        "task": "enterprises.tasks.send_self_check_reminders",
        "schedule": crontab(hour=8, minute=40),
    },
    # Every day at 08:45: public requests (随手拍, 你点我查) near or past their deadline.
    "public-request-reminders": {
        "task": "public.tasks.request_reminders_send",
        "schedule": crontab(hour=8, minute=45),
    },
    # Every 5 minutes, day and night: e-mail and SMS due, first tries and retries.
    "notifications-deliver": {
        "task": "baobao.tasks.deliveries_send",
        "schedule": crontab(minute="*/5"),
    },
    # Every day at 03:00: rebuild the dashboards' cached figures of settled quarters.
    "dashboards-quarter-figures": {
        "task": "ledgers.tasks.quarter_figures_refresh",
        "schedule": crontab(hour=3, minute=0),
    },
    # Every 5 minutes, day and night: the province's and the cities' dashboards as snapshots.
    "dashboards-snapshots": {
        "task": "ledgers.tasks.dashboard_snapshots_take",
        "schedule": crontab(minute="*/5"),
    },
    # Every day at 04:00: delete security audit rows older than AUDIT_RETENTION_DAYS (≥ 180).
    "audit-purge": {
        "task": "audit.tasks.audit_purge_old",
        "schedule": crontab(hour=4, minute=0),
    },
    # Every minute, day and night: hand waiting imports to a worker again, end dead ones.
    "imports-sweep": {
        "task": "ledgers.tasks.imports_sweep",
        "schedule": crontab(minute="*"),
    },
    # Every day at 03:30: delete export files past their retention (the job rows stay).
    "exports-purge": {
        "task": "ledgers.tasks.exports_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    # Every 5 minutes: fail export jobs whose worker stopped reporting (lease over) and delete
    # export files no job refers to.
    "exports-sweep": {
        "task": "ledgers.tasks.exports_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: queue again visit photos whose re-encode was lost, fail those tried too
    # often, and delete quarantined uploads no photo refers to.
    "visit-photos-sweep": {
        "task": "inspections.tasks.visit_photos_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute: enqueue what a broker outage left in the outbox (baobao/outbox.py).
    "outbox-flush": {
        "task": "baobao.tasks.outbox_flush",
        "schedule": crontab(minute="*"),
    },
    # Every BEAT_TICK_SECONDS (a minute): beat's heartbeat, and the dead man's switch.
    "beat-tick": {
        "task": "baobao.tasks.beat_tick",
        "schedule": float(os.environ.get("BEAT_TICK_SECONDS", "60")),
    },
}
