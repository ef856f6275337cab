# NPS Loop — `make run` sets everything up and starts the app; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# `make test` talks to real PostgreSQL and Redis (see README).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/nps_loop
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
TEST_CACHE_URL ?= rediscache://127.0.0.1:6379/13
# Parallel test processes (pytest-xdist); TEST_WORKERS=0 runs the suite in this one process.
# Worker gwN uses the Redis databases at positions 2N (broker) and 2N+1 (cache) of
# TEST_XDIST_REDIS_DBS instead of the two above: two numbers per worker, none of 13, 14, 15.
TEST_WORKERS ?= 3
TEST_XDIST_REDIS_DBS ?= 9,10,11,12,6,7,4,5
TEST_ENV := DJANGO_DEBUG=true DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) CACHE_URL=$(TEST_CACHE_URL) \
	NPS_DATA_DIR=$(CURDIR)/var/test EMAIL_URL=memorymail:// TEST_XDIST_REDIS_DBS=$(TEST_XDIST_REDIS_DBS)

VENDOR := static/vendor

.PHONY: run install assets messages migrate demo test lint check-deploy bench clean

$(BIN)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $@

install: $(BIN)/.installed

$(VENDOR)/.built: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed to fetch the front-end assets."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx $(VENDOR)/chartjs $(VENDOR)/axe
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map $(VENDOR)/chartjs/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe/
	@touch $@

assets: $(VENDOR)/.built

# The French interface: compiled from the committed .po files (scripts/compile_messages.py).
messages: install
	@$(BIN)/python scripts/compile_messages.py

migrate: install
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py ensure_database
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo

run: install assets messages
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py ensure_database
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo
	@PORT=$(PORT) BIN=$(BIN) ./scripts/run-dev

test: install assets messages
	@$(TEST_ENV) $(BIN)/python scripts/check_services.py
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/lint-imports --no-cache
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=true $(BIN)/python manage.py spectacular --fail-on-warn --file /dev/null
	$(BIN)/python scripts/check_messages.py

check-deploy: install
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$$(openssl rand -hex 40) DJANGO_ALLOWED_HOSTS=nps.example.com \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# `make bench`: answers per second through the API and the CSV import, the playbook engine,
# the server time of the workspace pages, the managers' dashboard on 1 000 000 answers, and
# the survey emails one worker sends (bench/run.py; one part: BENCH_ARGS="--parts sending").
# It creates and drops its own database, nps_loop_bench, on the TEST_DATABASE_URL server,
# and empties the Celery queue of BENCH_BROKER_URL, a Redis database for it alone. It lifts
# the API's rate limit: it measures the server, not the limit.
# Its cache too is its own (BENCH_CACHE_URL): cached rows of the test database must not
# stand in for the bench database's, nor the other way round.
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/14
BENCH_CACHE_URL ?= rediscache://127.0.0.1:6379/8
bench: install assets messages
	@$(TEST_ENV) CELERY_BROKER_URL=$(BENCH_BROKER_URL) $(BIN)/python scripts/check_services.py
	$(TEST_ENV) CELERY_BROKER_URL=$(BENCH_BROKER_URL) CACHE_URL=$(BENCH_CACHE_URL) NPS_API_RATE_PER_MINUTE=0 $(BIN)/python -m bench.run --purge-broker $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles var
	find locale -name "*.mo" -delete
