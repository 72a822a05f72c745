"""Settings: one source of truth, read from the environment with django-environ.

No environment at all is the embedded default for a laptop: SQLite, console email, Celery tasks
run eagerly in-process. Production (``DJANGO_DEBUG=false``) refuses to start without the
variables it cannot guess.
"""

from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from baobao.settings.environment import BASE_DIR, DEBUG, REDIS_URL, env
from baobao.settings.environment import TIME_ZONE as TIME_ZONE

if not DEBUG:
    _missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
        if not env(name, default="")
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=false) needs these environment variables: "
            + ", ".join(_missing)
        )

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "csp",
    "baobao",
    "entities",
    "cadres",
    "inspections",
    "enterprises",
    "public",
    "ledgers",
    "demo",  # manage.py seed_demo: a dev/seed tool, imported by nothing else
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # HTML and JSON gzip-compressed (3G phones); Django's adds the BREACH length mitigation.
    # Static files come pre-compressed from whitenoise's storage (production) instead.
    "django.middleware.gzip.GZipMiddleware",
    "baobao.clock.ClockMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session middleware: the session's own save is not counted as the user's write.
    "baobao.db_routers.ReplicaStickyMiddleware",
    "baobao.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.gate.SecurityGateMiddleware",
    # A business user sees the business side only: every other page is 404 for them.
    "baobao.middleware.BusinessFenceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "baobao.urls"
WSGI_APPLICATION = "baobao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "baobao.context_processors.unread_notifications",
                "baobao.deadman.deadman_banner",
                "baobao.context_processors.cache_status",
                "accounts.context_processors.session_policy",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if not DEBUG else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a seed or a task writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles every query it costs above jit_above_cost, and an office page
    # (a city's coverage counts over 39k businesses) paid 20–40 ms of compiling for a query that
    # then ran in less. JIT pays off for long analytic queries, not for a web app's pages.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# A streaming read replica (docs/scaling.md, step 4): the reads a view opts into
# (baobao.db_routers.reads_from_replica: ledgers, dashboards, coverage, balance, reports, export
# jobs) go there; every write, and every read after a write, to the primary. Unset: no "replica"
# alias at all, and everything reads and writes the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        # A dead replica costs this once, then it is remembered down (REPLICA_RETRY_SECONDS).
        "connect_timeout": env.int("REPLICA_CONNECT_TIMEOUT", default=2),
    }
    # Tests that do not build a real standby read the primary through this alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["baobao.db_routers.ReplicaRouter"]
# Opted-in reads fall back to the primary when the replica is this far behind or down.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=30.0)
# Read-your-writes: after a request that wrote, the user reads the primary this long (longer
# than the lag allowed, so that what they wrote is on the replica when they go back to it).
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "baobao.User"

# Every Redis call gives up after this many seconds (connect and read): a stopped Redis costs a
# page at most this long, once, before baobao.cache stops asking it for CACHE_RETRY_SECONDS.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=10.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that answers a miss (and says so) instead of raising when
            # Redis is down: pages fall back to the database (baobao/cache.py).
            "BACKEND": "baobao.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, the user's division and unread count read with the user (baobao/auth.py).
    "baobao.auth.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 level 3: three of four character classes; none of the last five passwords again
    # (this one also keeps the history that the expiry and one-time passwords read).
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.validators.PasswordHistoryValidator", "OPTIONS": {"remember": 5}},
]
# A password expires this many days after it was set (0: never), with a warning at sign-in
# during the last PASSWORD_EXPIRY_WARNING_DAYS.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
PASSWORD_EXPIRY_WARNING_DAYS = env.int("PASSWORD_EXPIRY_WARNING_DAYS", default=7)
# A password set by someone else (an installer, the admin site, a bulk import) must be changed at
# its user's first sign-in. Off by default on a laptop so the demo's logins work as printed;
# production (DJANGO_DEBUG=false) turns it on. An office's reset is always one-time.
PASSWORD_FIRST_LOGIN_CHANGE = env.bool("PASSWORD_FIRST_LOGIN_CHANGE", default=not DEBUG)
# Office and administrator sessions end after this many minutes without a request (0: never);
# cadres on phones are not timed out (accounts/policy.py). The last activity is written to the
# session at most once per SESSION_IDLE_TOUCH_SECONDS.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_IDLE_TOUCH_SECONDS = env.int("SESSION_IDLE_TOUCH_SECONDS", default=60)
# Roles that must pass a second factor (an authenticator app, SMS or a recovery code) at sign-in,
# enrolling at their first sign-in; anyone who enrolled is asked whatever the role. Production
# defaults to every office and administrator role; a laptop to none (the demo's logins).
_TWO_FACTOR_DEFAULT = (
    []
    if DEBUG
    else [
        "province_office",
        "city_office",
        "county_office",
        "township_office",
        "admin",
        "security_admin",
        "auditor",
    ]
)
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=_TWO_FACTOR_DEFAULT)
# SMS codes as a second factor, through SMS_BACKEND, to users with a phone number.
TWO_FACTOR_SMS = env.bool("TWO_FACTOR_SMS", default=True)
OTP_TOTP_ISSUER = "包保督导"
# The security audit log is kept this many days (never fewer than 180: the database refuses).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 180 (等保: six months).")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins lock the username out from that address for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind the reverse proxy (production) the client is read from the header the proxy sets,
# LOGIN_PROXY_COUNT (env AXES_PROXY_COUNT) entries from its right (baobao/clientip.py; the audit log records the same address): 1 by default when a header is
# configured, so one user's typos do not lock a username for everyone behind the proxy.
PROXY_CLIENT_IP_HEADER = env(
    "PROXY_CLIENT_IP_HEADER", default="" if DEBUG else "HTTP_X_FORWARDED_FOR"
)
LOGIN_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1 if PROXY_CLIENT_IP_HEADER else 0)
AXES_CLIENT_IP_CALLABLE = "baobao.clientip.client_ip_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads are private: never under STATIC, served only through scoped views.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Media on an S3-compatible object store (MinIO, a government cloud's OSS) when S3_BUCKET is set,
# so that several web nodes and workers share it (docs/scaling.md, step 1): visit photos, issue
# evidence, commitment scans, exports, imports. The bucket stays private: files are streamed only
# through the app's scoped views (baobao.storage.stored_file_response). Unset: the local disk.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    from botocore.config import Config as _BotoConfig

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default=env("AWS_ACCESS_KEY_ID", default="")),
            "secret_key": env(
                "S3_SECRET_ACCESS_KEY", default=env("AWS_SECRET_ACCESS_KEY", default="")
            ),
            "region_name": env("S3_REGION", default="us-east-1"),
            "location": env("S3_PREFIX", default=""),
            "default_acl": "private",
            "file_overwrite": False,
            # Signed, short-lived URLs if anything ever asks for .url(); nothing links them.
            "querystring_auth": True,
            "querystring_expire": env.int("S3_URL_EXPIRE_SECONDS", default=300),
            # Every call has a timeout: a store that does not answer fails the request in
            # seconds (the views answer 503), it does not hang a worker.
            "client_config": _BotoConfig(
                connect_timeout=env.float("S3_CONNECT_TIMEOUT", default=3),
                read_timeout=env.float("S3_READ_TIMEOUT", default=30),
                retries={"max_attempts": 2, "mode": "standard"},
                signature_version="s3v4",
                s3={"addressing_style": env("S3_ADDRESSING_STYLE", default="path")},
            ),
        },
    }
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# Ledger exports: up to EXPORT_SYNC_MAX_ROWS rows stream straight to the browser, larger ones run
# as a Celery task whose file (under MEDIA_ROOT/exports/) is kept EXPORT_RETENTION_DAYS days.
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=50_000)
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
EXPORT_PROGRESS_EVERY = 5_000
# Word documents (work reports, commitment letters and lists) are written on this .docx when set:
# an office's own template, made from `manage.py report_template office.docx` and edited in Word.
# Empty: the built-in GB/T 9704 template.
REPORT_DOCX_TEMPLATE = env("REPORT_DOCX_TEMPLATE", default="")
# Spreadsheet imports: the largest file and sheet accepted.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
# An import's check and import run on a worker (queue "imports") holding a lease it renews as
# it reads; a job whose lease ran out is ended by the sweeper, one waiting longer than
# IMPORT_REQUEUE_AFTER_SECONDS is handed to the broker again.
IMPORT_LEASE_SECONDS = env.int("IMPORT_LEASE_SECONDS", default=15 * 60)
IMPORT_REQUEUE_AFTER_SECONDS = env.int("IMPORT_REQUEUE_AFTER_SECONDS", default=60)
# Checked on the zip's directory before parsing (a zip bomb is refused unread): what the parts
# may unpack to in all, and the largest compression ratio of a part over 1 MB (a real sheet
# compresses about 13:1; a bomb thousands to one).
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=256 * 1024 * 1024)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=100)
# openpyxl holds the shared-strings table whole: these bound it (measured: +99 MB at the caps).
IMPORT_MAX_SHARED_STRINGS = env.int("IMPORT_MAX_SHARED_STRINGS", default=500_000)
IMPORT_MAX_SHARED_STRINGS_BYTES = env.int(
    "IMPORT_MAX_SHARED_STRINGS_BYTES", default=32 * 1024 * 1024
)


# E-mail, SMS, Celery and the notification channels: baobao/settings/tasks.py.
from baobao.settings.tasks import *  # noqa: E402, F403

# Content-Security-Policy: our own origin only, no inline script, no third party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer probes over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Filter selects start with "全部" rather than django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

DJANGO_TABLES2_TEMPLATE = "tables/default.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
