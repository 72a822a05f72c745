"""Settings of what runs after the response: e-mail and SMS, the Celery broker, queues and beat,
and the notification channels with their retries."""

from kombu import Queue

from baobao.settings.environment import DEBUG, REDIS_URL, TIME_ZONE, env

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="baobao@localhost")
# Seconds for the SMTP connect and for each read: a server that accepts and never answers costs
# one delivery this long, then it is retried later (docs/operations.md).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=15.0)

# Celery: Redis broker when REDIS_URL is set, otherwise tasks run eagerly in-process.
# Delivery is at-least-once and every task is safe to run twice (docs/operations.md):
# - a task is acknowledged after it ran (ACKS_LATE), and a task whose worker process died is
#   handed back to the broker (REJECT_ON_WORKER_LOST) instead of being counted as done;
# - a message taken by a worker that vanished whole (SIGKILL, OOM, a lost host) goes back to the
#   queue when the broker's visibility timeout is over. It must be longer than the longest task
#   (the hard time limit, 30 min), else a task still running would be handed to a second worker:
#   one hour by default, so a lost reminder job runs again within the hour. Tests set seconds.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose visibility timeout is over (kombu's default
    # looks every 10 × 10 s); a lost task is back in its queue within timeout + this.
    "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL", default=30),
    "unacked_restore_throttle": 1,
    # A broker that vanishes without closing the connection must not hang a publish.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    # A publish to a broker that is down fails at once instead of retrying for seconds inside a
    # request: baobao/outbox.py keeps the work and its sweeper is the retry. (Workers reconnect
    # their consumers with their own loop, broker_connection_max_retries.)
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One message at a time per worker process: a long export never holds a reminder job hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Four queues, so that a hung channel or a long export never delays the morning's reminders
# (the worker layout is in docker-compose.yml): reminders, deliveries (e-mail and SMS),
# exports, imports; housekeeping (sweepers, snapshots, the beat tick) goes to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name) for name in ("default", "reminders", "deliveries", "exports", "imports")
]
CELERY_TASK_ROUTES = {
    "inspections.tasks.send_reminders": {"queue": "reminders"},
    "baobao.tasks.deliveries_send": {"queue": "deliveries"},
    "ledgers.tasks.export_run": {"queue": "exports"},
    # import_run (an import's check or its import); its sweeper, imports_sweep, does not match
    # "import_*" and runs on "default" with the other housekeeping.
    "ledgers.tasks.import_*": {"queue": "imports"},
}
# Exactly one beat runs the schedule: a second one waits on this Redis lock (baobao/beat.py).
CELERY_BEAT_SCHEDULER = "baobao.beat:SingleBeatScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=60)
# Beat records a tick every BEAT_TICK_SECONDS (env, read in baobao/celery.py; default 60); the
# dead man's switch alarms when the last one is older than BEAT_STALE_MINUTES.
BEAT_STALE_MINUTES = env.int("BEAT_STALE_MINUTES", default=15)
# The dead man's switch (baobao/deadman.py): banner and message to the system administrators.
DEADMAN_SWITCH = env.bool("DEADMAN_SWITCH", default=bool(REDIS_URL) and not DEBUG)
# A daily reminder job not completed this long after its hour raises the alarm.
REMINDERS_LATE_HOURS = env.float("REMINDERS_LATE_HOURS", default=2.0)
# An export job whose worker stopped reporting progress this long ago is failed by the sweeper.
EXPORT_LEASE_SECONDS = env.int("EXPORT_LEASE_SECONDS", default=10 * 60)

# Reminders and warnings (督导提醒与预警): the in-app inbox always; e-mail and SMS as listed here.
# Which days they go out is the admin's ReminderPolicy; the beat schedule is in baobao/celery.py.
NOTIFY_CHANNELS = env.list("NOTIFY_CHANNELS", default=["email", "sms"])
# Retry n waits NOTIFY_RETRY_BASE_SECONDS * 2**(n-1), at most NOTIFY_RETRY_MAX_SECONDS: 1, 2, 4,
# … 32 minutes, then hourly; after NOTIFY_RETRY_HORIZON_HOURS since the message was written a
# failure is final (status "failed", with the reason), like a mail server's queue lifetime.
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=60)
NOTIFY_RETRY_MAX_SECONDS = env.int("NOTIFY_RETRY_MAX_SECONDS", default=60 * 60)
NOTIFY_RETRY_HORIZON_HOURS = env.float("NOTIFY_RETRY_HORIZON_HOURS", default=48.0)
# A delivery left "sending" (its worker died mid-call) is tried again after this many seconds.
NOTIFY_SENDING_LEASE_SECONDS = env.int("NOTIFY_SENDING_LEASE_SECONDS", default=5 * 60)
# Links in e-mails are absolute: the address users open the app at.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SMS_BACKEND = env("SMS_BACKEND", default="baobao.sms.ConsoleSmsBackend")
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10.0)
SMS_ALIYUN_ACCESS_KEY_ID = env("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env("SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_TEMPLATE_CODE = env("SMS_ALIYUN_TEMPLATE_CODE", default="")
