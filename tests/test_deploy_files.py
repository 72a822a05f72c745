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


HAPROXY_CFG = REPO / "deploy" / "haproxy.cfg"


def test_nodes_profile_config_is_valid():
    compose = compose_command()
    if compose is None:
        if os.environ.get("CI") == "true":
            pytest.fail("neither `docker compose` nor `docker-compose` is installed")
        pytest.skip("no Compose")
    result = subprocess.run(
        [*compose, "-f", str(COMPOSE_FILE), "--profile", "nodes", "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_nodes_profile_two_web_nodes_behind_haproxy_with_a_replica(spec):
    services = spec["services"]
    nodes = {name for name, s in services.items() if "nodes" in s.get("profiles", [])}
    assert nodes == {"web2", "lb", "postgres-replica"}
    # the second node is the same app, without migrating (the first node does that)
    assert services["web2"]["image"] == services["web"]["image"]
    assert "gunicorn baobao.wsgi" in services["web2"]["command"]
    assert "migrate" not in services["web2"]["command"]
    assert services["web2"]["depends_on"]["web"]["condition"] == "service_healthy"
    # both nodes share the media volume, the database, Redis (cache and broker)
    for name in ("DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL", "S3_BUCKET"):
        assert services["web2"]["environment"][name] == services["web"]["environment"][name]
    assert services["web2"]["volumes"] == services["web"]["volumes"]
    # the balancer uses the committed config and points at both nodes
    lb = services["lb"]
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in lb["volumes"]
    assert lb["environment"]["WEB1_ADDR"] == "web:8000"
    assert lb["environment"]["WEB2_ADDR"] == "web2:8000"
    # the replica is a streaming standby of the primary, made with pg_basebackup -R
    replica = services["postgres-replica"]
    assert "pg_basebackup -h postgres" in replica["command"] and " -R " in replica["command"]
    assert "pgreplica" in spec["volumes"]
    # the primary lets it stream (password-checked replication in the mounted pg_hba.conf)
    hba = (REPO / "deploy" / "postgres" / "pg_hba.conf").read_text(encoding="utf-8")
    assert any(
        line.split()[:2] == ["host", "replication"] and line.split()[-1] == "scram-sha-256"
        for line in hba.splitlines()
        if line.strip() and not line.startswith("#")
    )


def test_haproxy_config_is_valid():
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        if os.environ.get("CI") == "true":
            pytest.fail("haproxy is not installed; .ci/run installs Debian's haproxy")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    env = {**os.environ, "LB_BIND": "127.0.0.1:18999", "WEB1_ADDR": "127.0.0.1:1"}
    env["WEB2_ADDR"] = "127.0.0.1:2"
    result = subprocess.run(
        [haproxy, "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = HAPROXY_CFG.read_text(encoding="utf-8")
    assert "balance roundrobin" in text and "option httpchk GET /accounts/login/" in text
