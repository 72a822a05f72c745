"""Settings: the embedded laptop default, and production mode refusing to start half-configured.

Production-mode checks run in a subprocess, since settings are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]

# Every variable baobao/settings/ reads (by name or prefix), removed so a test starts clean.
SETTINGS_VARS = {
    "DJANGO_DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "REDIS_URL",
    "MEDIA_ROOT",
    "UPLOAD_MAX_BYTES",
    "DEFAULT_FROM_EMAIL",
    "LOG_LEVEL",
}
SETTINGS_PREFIXES = ("AXES_", "EMAIL_", "CELERY_", "SECURE_")
PRODUCTION_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")


def clean_env(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARS and not name.startswith(SETTINGS_PREFIXES)
    }
    env["DJANGO_SETTINGS_MODULE"] = "baobao.settings"
    env.update(overrides)
    return env


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    values = {
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "baobao.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    values.update(overrides)
    return clean_env(**values)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_production_refuses_to_start_without(missing, tmp_path):
    # Set to empty rather than removed, so that a developer's .env cannot fill it in.
    result = run(
        ["-c", "import django; django.setup()"],
        production_env(tmp_path, **{missing: ""}),
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr.strip().splitlines()[-1]
    for present in set(PRODUCTION_REQUIRED) - {missing}:
        assert present not in result.stderr.strip().splitlines()[-1]


def test_production_with_required_variables_passes_deploy_checks(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_default_is_sqlite_eager_celery_console_email():
    if (REPO / ".env").exists():
        pytest.skip("a local .env overrides the embedded defaults")
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
        "'email': s.EMAIL_BACKEND, 'cache': s.CACHES['default']['BACKEND']}))"
    )
    result = run(["-c", script], clean_env())
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got == {
        "debug": True,
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }


def test_language_and_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_production_reads_the_client_address_behind_one_proxy_by_default(tmp_path):
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PROXY_CLIENT_IP_HEADER, s.LOGIN_PROXY_COUNT)"
    )
    default = run(["-c", show], production_env(tmp_path))
    assert default.stdout.split() == ["HTTP_X_FORWARDED_FOR", "1"], default.stderr
    two = run(["-c", show], production_env(tmp_path, AXES_PROXY_COUNT="2"))
    assert two.stdout.split() == ["HTTP_X_FORWARDED_FOR", "2"]
    direct = run(["-c", show], production_env(tmp_path, PROXY_CLIENT_IP_HEADER=""))
    assert direct.stdout.split() == ["0"]
