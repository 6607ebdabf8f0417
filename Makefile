# Affinités — the two commands: `make run` and `make test`. Both are idempotent.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
AXE := tests/e2e/vendor/axe.min.js

.PHONY: run serve prod-check backup restore drills soak load load-ci test test-unit e2e lint check bench bench-feed-ab bench-recommendations messages clean-venv

$(PYTHON):
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PYTHON)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-load: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[load]'
	touch $@

## make run: virtualenv, install, migrate SQLite, demo data, ASGI server, task worker and
## the scheduler (scheduled publishing, Facebook resume, event reminders).
run: $(VENV)/.installed
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	@echo ""
	@echo "  Affinités is starting on http://$(HOST):$(PORT)  (Ctrl+C stops the server and the worker)"
	@echo ""
	@$(PYTHON) manage.py db_worker --queue-name default & WORKER=$$!; \
	  $(PYTHON) manage.py run_scheduler & SCHEDULER=$$!; \
	  trap 'kill $$WORKER $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
	  $(PYTHON) manage.py runserver $(HOST):$(PORT)

## make serve: the production process set in the foreground (deploy/Procfile, run by honcho):
## gunicorn with WEB_CONCURRENCY uvicorn workers serving HTTP and websockets on HOST:PORT,
## TASK_WORKERS task workers and the scheduler, with cms.settings.production against
## DATABASE_URL (and REDIS_URL); migrates and collects the static files first. Ctrl+C stops
## them all. Needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (README, "Serving").
WEB_CONCURRENCY ?= 2
TASK_WORKERS ?= 1
SERVE_ENV = DJANGO_SETTINGS_MODULE=cms.settings.production HOST=$(HOST) PORT=$(PORT) \
  WEB_CONCURRENCY=$(WEB_CONCURRENCY) TASK_WORKERS=$(TASK_WORKERS) PATH="$(CURDIR)/$(BIN):$$PATH"
serve: $(VENV)/.installed
	@missing=""; for name in SECRET_KEY ALLOWED_HOSTS DATABASE_URL; do \
	  [ -n "$${!name}" ] || missing="$$missing $$name"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make serve: set$$missing in the environment (README, \"Serving\")."; \
	  echo "A trial on this machine over plain HTTP (no TLS proxy in front):"; \
	  echo "  export SECRET_KEY=\$$(openssl rand -base64 48) ALLOWED_HOSTS=127.0.0.1,localhost PLAIN_HTTP=1 \\"; \
	  echo "         DATABASE_URL=postgres://postgres@127.0.0.1:5432/affinites REDIS_URL=redis://127.0.0.1:6379/0"; \
	  echo "  make serve"; \
	  exit 2; fi
	@[ -n "$$REDIS_URL" ] || echo "make serve: no REDIS_URL: tasks go to the database queue, pushes between processes through the database (slower)."
	$(SERVE_ENV) $(PYTHON) manage.py migrate --noinput
	@$(SERVE_ENV) $(MAKE) --no-print-directory static_collected/staticfiles.json
	@echo ""
	@echo "  Affinités (production settings) on http://$(HOST):$(PORT): $(WEB_CONCURRENCY) web workers, $(TASK_WORKERS) task worker(s), the scheduler. Ctrl+C stops them all."
	@echo ""
	$(SERVE_ENV) exec $(BIN)/honcho --procfile deploy/Procfile --app-root . --env /dev/null \
	  start --port $(PORT) --concurrency web=1,worker=$(TASK_WORKERS),scheduler=1

# Hashed, compressed static files for production (WhiteNoise), collected again only when a
# source file or the installed packages changed.
static_collected/staticfiles.json: $(shell find static -type f) $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=cms.settings.production $(PYTHON) manage.py collectstatic --noinput --verbosity 0

## make prod-check: the production layout (deploy/) started on this machine and checked through
## nginx, then stopped: installs Debian's nginx when missing, a self-signed certificate in a
## temporary folder, gunicorn + a task worker + the scheduler with cms.settings.production;
## checks a page, static files, a login, a websocket push made by a background task, health,
## metrics, the scheduler lock (tests/ops/prod_check.py). DATABASE_URL (PostgreSQL, a database
## of its own: the demo network is loaded into it) and REDIS_URL.
prod-check: $(VENV)/.installed
	$(PYTHON) -m tests.ops.prod_check

## make drills: the failure drills on the production layout (tests/ops/drills.py), each printing
## what was lost (must be nothing) and the time to recover: Redis stopped DRILL_OUTAGE seconds
## under traffic (its own redis-server, port 8151), PostgreSQL restarted (its own cluster under
## /tmp, port 8152), the task worker's process killed twice in the middle of fan-outs, and
## killed in the middle of each of 6 Facebook sends (a local Graph stand-in: exactly one post
## per announcement). DATABASE_URL (PostgreSQL, a database of its own) and REDIS_URL.
DRILL_OUTAGE ?= 30
drills: $(VENV)/.installed
	$(PYTHON) -m tests.ops.drills redis --outage $(DRILL_OUTAGE)
	$(PYTHON) -m tests.ops.drills postgres
	$(PYTHON) -m tests.ops.drills worker
	$(PYTHON) -m tests.ops.drills facebook

## make backup BACKUP_DIR=…: the database (pg_dump) and the media into a new folder, with every
## table's row count; make restore BACKUP_DIR=… DATABASE_URL=<a fresh database>: restores it,
## runs check, compares the counts, rebuilds the feeds and the search index (docs/operations.md).
BACKUP_DIR ?= var/backups/$(shell date +%Y%m%d-%H%M%S)
backup: $(VENV)/.installed
	$(PYTHON) manage.py backup_site $(BACKUP_DIR)
restore: $(VENV)/.installed
	$(PYTHON) manage.py restore_site $(BACKUP_DIR)

## make load: the rush scenario (tests/load/locustfile.py: 60 % visitors, 40 % members) against
## make serve at http://HOST:PORT, in steps of LOAD_STEPS users, LOAD_STEP_SECONDS each;
## prints requests/s, p50/p95/p99 and errors per page kind and whether the site answers
## normally within 5 s after the load. Starts make serve itself when nothing answers there
## (DATABASE_URL, REDIS_URL: a database it may fill with the demo network and test members).
## LOAD_ARGS=--profile also samples one web worker with py-spy (README, "Capacity").
LOAD_STEPS ?= 15,20,40,80
LOAD_STEP_SECONDS ?= 60
LOAD_ARGS ?=
load: $(VENV)/.installed-load
	$(PYTHON) -m tests.load.run --url http://$(HOST):$(PORT) --steps $(LOAD_STEPS) \
	  --step-seconds $(LOAD_STEP_SECONDS) $(LOAD_ARGS)

## make soak: SOAK_USERS users (70 % of the capacity `make load` found) for SOAK_SECONDS (10 min)
## on make serve; fails on any error, a server process whose memory (RSS) grew more than 10 %
## between the end of the warm-up and the end, or a growing task queue (README, "Capacity").
SOAK_USERS ?= 40
SOAK_SECONDS ?= 600
soak: $(VENV)/.installed-load
	$(PYTHON) -m tests.load.run --url http://$(HOST):$(PORT) --steps $(SOAK_USERS) \
	  --soak $(SOAK_SECONDS) --warmup 30 --check $(LOAD_ARGS)

## make load-ci: the short version CI runs: 10 users for 40 s, fails on any error or when
## the site does not answer normally within 5 s after the load.
load-ci:
	$(MAKE) --no-print-directory load LOAD_STEPS=10 LOAD_STEP_SECONDS=40 LOAD_ARGS="--warmup 5 --check"

## make test: the whole suite (unit + integration, then the browser tests).
test: test-unit e2e

test-unit: $(VENV)/.installed-test
	$(BIN)/pytest -m "not e2e" -q -n 2

$(AXE):
	mkdir -p $(dir $(AXE))
	cd $(dir $(AXE)) && npm pack --silent axe-core@4 >/dev/null && tar xzf axe-core-*.tgz package/axe.min.js && mv package/axe.min.js axe.min.js && rm -rf package axe-core-*.tgz

e2e: $(VENV)/.installed-test $(AXE)
	@command -v /usr/bin/chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	$(BIN)/pytest -m e2e -q tests/e2e

## make lint: ruff (style, imports, formatting) and vulture (dead code; the settings in
## pyproject.toml, names used only by frameworks or templates in vulture_whitelist.py).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/vulture

check: $(VENV)/.installed-test
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PYTHON) manage.py check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PYTHON) manage.py makemigrations --check --dry-run

## make bench: benchmarks on the generated dataset, on SQLite and on PostgreSQL (+ Redis),
## printing tables and writing JSON to var/bench/. BENCH_PG_URL points at a PostgreSQL server.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_RECORDS ?= 100000
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
# Feed benchmark dataset (issue 4 scale by default) and the websocket clients.
BENCH_MEMBERS ?= 50000
BENCH_ITEMS ?= 100000
BENCH_EVENTS ?= 5000
BENCH_ANNOUNCEMENTS ?= 10000
BENCH_INTERACTIONS ?= 200000
BENCH_FANOUT_MEMBERS ?= 10000
BENCH_WS_CLIENTS ?= 1000
BENCH_FEED_ARGS = --members $(BENCH_MEMBERS) --items $(BENCH_ITEMS) --events $(BENCH_EVENTS) \
  --announcements $(BENCH_ANNOUNCEMENTS) --interactions $(BENCH_INTERACTIONS) \
  --fanout-members $(BENCH_FANOUT_MEMBERS)
bench: $(VENV)/.installed-test
	@mkdir -p var/bench
	@echo "== Catalogue import, SQLite"
	$(PYTHON) -m tests.bench.import_bench --records $(BENCH_RECORDS)
	@echo "== Catalogue import, PostgreSQL"
	DATABASE_URL=$(BENCH_PG_URL) $(PYTHON) -m tests.bench.import_bench --records $(BENCH_RECORDS)
	@echo "== Search, SQLite"
	$(PYTHON) -m tests.bench.search_bench --items $(BENCH_RECORDS)
	@echo "== Search, PostgreSQL"
	DATABASE_URL=$(BENCH_PG_URL) $(PYTHON) -m tests.bench.search_bench --items $(BENCH_RECORDS)
	@echo "== WebSocket push, SQLite + in-memory channel layer"
	$(PYTHON) -m tests.bench.ws_bench --clients $(BENCH_WS_CLIENTS)
	@echo "== WebSocket push, PostgreSQL + Redis"
	DATABASE_URL=$(BENCH_PG_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PYTHON) -m tests.bench.ws_bench --clients $(BENCH_WS_CLIENTS)
	@echo "== Feed page and fan-out, SQLite"
	$(PYTHON) -m tests.bench.feed_bench $(BENCH_FEED_ARGS)
	@echo "== Feed page and fan-out, PostgreSQL + Redis"
	DATABASE_URL=$(BENCH_PG_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PYTHON) -m tests.bench.feed_bench $(BENCH_FEED_ARGS)

## make bench-feed-ab: the feed page of BASELINE (the commit before issue 17) and of the current
## code in one run, alternately, on the same generated dataset in two PostgreSQL databases
## (BENCH_AB_DB_a generated by the baseline, BENCH_AB_DB_b a copy migrated by the current code;
## both kept and reused) + Redis. BENCH_AB_ARGS=--regenerate rebuilds them.
BASELINE ?= 201ad7d
BENCH_AB_DB ?= feedab
BENCH_AB_ROUNDS ?= 4
BENCH_AB_ARGS ?=
bench-feed-ab: $(VENV)/.installed-test
	@mkdir -p var/bench
	$(PYTHON) -m tests.bench.feed_ab --baseline $(BASELINE) --pg-url $(BENCH_PG_URL) \
	  --db-prefix $(BENCH_AB_DB) --redis-url $(BENCH_REDIS_URL) --rounds $(BENCH_AB_ROUNDS) \
	  --members $(BENCH_MEMBERS) --items $(BENCH_ITEMS) --events $(BENCH_EVENTS) \
	  --announcements $(BENCH_ANNOUNCEMENTS) --interactions $(BENCH_INTERACTIONS) $(BENCH_AB_ARGS)

## make bench-recommendations: popularity, current and community recommenders side by side
## (and each signal left out) on the generated dataset already in BENCH_PG_URL
## (`manage.py generate_dataset` first); table printed, JSON in var/bench/recommendations.json.
BENCH_REC_SAMPLE ?= 1000
bench-recommendations: $(VENV)/.installed-test
	@mkdir -p var/bench
	DATABASE_URL=$(BENCH_PG_URL) $(PYTHON) manage.py evaluate_recommendations --variants \
	  --sample $(BENCH_REC_SAMPLE) --output var/bench/recommendations.json

## make messages: refresh the French catalogue and compile it.
messages: $(VENV)/.installed
	$(PYTHON) manage.py makemessages -l fr --add-location=file --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	$(PYTHON) manage.py compilemessages --ignore '.venv/*'

clean-venv:
	rm -rf $(VENV)
