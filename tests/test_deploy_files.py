"""The deployment files: docker-compose.yml is valid Compose and runs exactly one beat.

No Docker engine runs here; `config` validates the file without one. CI installs Debian's
docker-compose (see .ci/run), so there a missing Compose is a failure, not a skip.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def test_compose_config_is_valid():
    compose = compose_command()
    if compose is None:
        message = "neither `docker compose` nor `docker-compose` is installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; .ci/run installs Debian's docker-compose")
        pytest.skip(f"{message} (apt-get install docker-compose)")
    result = subprocess.run(
        [*compose, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_services(spec):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(spec["services"])


def runs_beat(service: dict) -> bool:
    """A celery beat, or a worker with an embedded beat (-B / --beat)."""
    command = service.get("command", "")
    words = command.split() if isinstance(command, str) else [str(w) for w in command]
    if "celery" not in words:
        return False
    return "beat" in words or ("worker" in words and ("-B" in words or "--beat" in words))


def test_exactly_one_beat(spec):
    beats = [name for name, service in spec["services"].items() if runs_beat(service)]
    assert beats == ["beat"]
    deploy = spec["services"]["beat"].get("deploy", {})
    assert deploy.get("replicas", 1) == 1


def test_web_migrates_before_serving_in_production_mode(spec):
    web = spec["services"]["web"]
    command = str(web["command"])
    assert command.index("migrate") < command.index("gunicorn baobao.wsgi")
    env = web["environment"]
    assert env["DJANGO_DEBUG"] == "false"
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert env.get(name), name


def test_media_volume_shared_by_web_and_worker(spec):
    def media_mounts(service):
        return [v for v in spec["services"][service].get("volumes", []) if ":/app/media" in v]

    assert media_mounts("web")
    assert media_mounts("web") == media_mounts("worker")
    assert "media" in spec["volumes"]
