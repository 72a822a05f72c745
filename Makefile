# 包保 supervision tracker — developer commands (GNU make).
#
#   make run    install, migrate, seed a small demo, serve http://127.0.0.1:8000
#   make test   lint, format check, import contracts (docs/architecture.md), migration check, pytest (then make test-replica)
#   make bench  benchmarks with targets on PostgreSQL; writes BENCHMARKS.md
#   make load   a 60-second load test (gunicorn + locust) on a copy of the benchmark database
#
# A fresh machine needs only Python 3.11+: when `uv` is not on PATH it is installed into a
# private tools venv (.tools/) with pip, and that uv is used. uv never downloads a Python here;
# it builds .venv from the machine's python3 and installs exactly what uv.lock pins.
#
# With no environment variables the app uses SQLite (db.sqlite3), runs Celery tasks eagerly
# in-process and prints e-mail to the console. Set DATABASE_URL / REDIS_URL to use PostgreSQL
# and Redis (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv: the one on PATH, else the bootstrapped one in .tools/.
ifndef UV
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
endif
VENV ?= $(or $(UV_PROJECT_ENVIRONMENT),.venv)
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= $(PYTHON)

# Demo seed: a small slice of the real volumes; `make seed SCALE=1` seeds the full demo.
SCALE ?= 0.05
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# `make test` and `make test-dates` spread the tests over this many pytest-xdist workers (most of
# a test's time is waiting on PostgreSQL, Redis, a worker or a browser, so more workers than cores
# pay). Each worker has its own test database and Redis database (tests/xdist_env.py). 0: serial.
PYTEST_WORKERS ?= 4
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) -p tests.xdist_env)
# `make test AS_OF=2027-01-01`: the whole suite as if today were that day (tests/clock_shift.py).
AS_OF ?=
export AS_OF
# `make test-dates`: the date-sensitive part of the suite on each of these days (CI runs it).
DATES ?= 2027-01-01 2028-02-29
DATE_SENSITIVE ?= tests/inspections tests/ledgers tests/baobao

.PHONY: help sync run test test-replica test-dates bench load load-nodes phone-3g lint format migrate seed worker beat messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Only built when uv is not on PATH (UV then points here).
.tools/bin/uv:
	@echo ">> uv not found on PATH: installing it into .tools/ with pip"
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv
	@$@ --version

sync: $(filter .tools/bin/uv,$(UV)) ## install the locked dependencies (dev included) into .venv
	$(UV) sync --locked

run: sync ## migrate, seed a small demo (idempotent), print the demo logins, serve on 127.0.0.1:8000
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --scale $(SCALE)
	$(MANAGE) runserver $(HOST):$(PORT)

test: sync ## ruff check, ruff format --check, lint-imports, makemigrations --check, pytest (SQLite, or DATABASE_URL)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	@rc=0; PYTHONPATH=. $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; \
	exit $$rc
	$(MAKE) --no-print-directory test-replica

test-replica: sync ## the read-replica tests against a real streaming standby the run builds and removes (needs PostgreSQL's initdb)
	@rc=0; BAOBAO_REPLICA_TESTS=1 $(VENV)/bin/pytest tests/replica -p no:cacheprovider $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no replica tests: that is a failure" >&2; exit 1; fi; \
	exit $$rc

test-dates: sync ## the date-sensitive tests as if today were each of DATES (year and quarter turn, a holiday, a leap day)
	@for day in $(DATES); do \
		echo ">> pytest as of $$day: $(DATE_SENSITIVE)"; \
		PYTHONPATH=. $(VENV)/bin/pytest $(XDIST) --as-of=$$day -q $(PYTEST_ARGS) $(DATE_SENSITIVE) || exit $$?; \
	done

# Benchmarks against a generated demo on PostgreSQL (not part of `make test`): see tests/benchmarks.
BENCH_SCALE ?= 25
bench: $(filter .tools/bin/uv,$(UV)) ## benchmarks with targets on PostgreSQL (BENCH_DATABASE_URL, BENCH_SCALE); writes BENCHMARKS.md
	$(UV) sync --locked --group bench
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m tests.benchmarks

# The load test copies the benchmark database (building it first when missing), so `make bench`
# must not be running at the same time; it writes tests/benchmarks/load/LOAD.md.
load: $(filter .tools/bin/uv,$(UV)) ## 50 cadres + 10 clerks against gunicorn for 60 s (locust, on a copy of the bench DB); writes tests/benchmarks/load/LOAD.md
	$(UV) sync --locked --group bench
	$(PY) -m tests.benchmarks.load

# The cadre's default path at 3G in Chromium (login → visit with a photo and an issue): taps,
# seconds and KB per page; writes PHONE_3G.md.
phone-3g: sync ## taps, seconds and KB per page of the cadre's default path at 3G (Chromium); writes PHONE_3G.md
	PHONE_3G_REPORT=PHONE_3G.md $(VENV)/bin/pytest tests/browser/test_phone_3g.py -q -s -p no:cacheprovider

# The same load on one web node and on two behind HAProxy, with a streaming read replica that the
# run builds (tests/replica/cluster.py) and removes; writes tests/benchmarks/load/NODES.md.
load-nodes: $(filter .tools/bin/uv,$(UV)) ## the load test on one node and on two behind HAProxy, with a real read replica; writes tests/benchmarks/load/NODES.md
	$(UV) sync --locked --group bench
	$(PY) -m tests.benchmarks.load.nodes

lint: sync ## ruff check, ruff format --check and lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: sync ## ruff --fix and ruff format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: sync ## apply migrations
	$(MANAGE) migrate --noinput

seed: sync ## seed the demo (SCALE=0.05 by default; does nothing if it is there) and print the logins
	$(MANAGE) seed_demo --scale $(SCALE)

worker: sync ## a Celery worker on every queue, imports included (needs REDIS_URL; without it tasks run eagerly)
	$(VENV)/bin/celery -A baobao worker -l info

beat: sync ## the Celery beat scheduler: run exactly ONE beat per deployment, never two
	$(VENV)/bin/celery -A baobao beat -l info

messages: sync ## makemessages for zh_Hans, then compilemessages (needs GNU gettext)
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=.venv-bench --ignore=.tools --ignore=tests
	$(MANAGE) compilemessages --ignore=.venv --ignore=.venv-bench --ignore=.tools

clean: ## remove caches and collected static files (keeps .venv, db.sqlite3 and media/)
	find . -path ./.venv -prune -o -path ./.tools -prune -o -name __pycache__ -type d -print0 \
		| xargs -0 rm -rf
	rm -rf .pytest_cache .ruff_cache staticfiles
