# The two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: run serve release test smoke install install-dev migrate lint bench lock e2e-deps messages

$(PY):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	uv venv --python "$$(command -v python3.11 || command -v python3)" .venv

install: $(PY)
	uv pip install --quiet --python $(PY) -r requirements/base.txt

install-dev: $(PY)
	uv pip sync --python $(PY) requirements/dev.txt

lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements/base.txt
	uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements/dev.txt

## The compiled catalogues (locale/*/LC_MESSAGES/django.mo) are committed, so serving needs no
## GNU gettext; with msgfmt installed this recompiles them after a .po change.
messages: $(PY)
	@if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages --ignore=.venv -v0; \
	else echo "msgfmt (GNU gettext) not found: using the committed .mo catalogues"; fi

migrate: $(PY)
	$(PY) manage.py migrate --noinput

## make run: install what is missing, migrate, load the library and the demo accounts, then serve
## http://127.0.0.1:$(PORT) with a Celery worker and one beat (honcho, Procfile: its worker and
## beat lines start their process again when it dies, so web keeps serving).
run: install messages migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py load_library --demo
	PORT=$(PORT) .venv/bin/honcho start -f Procfile

## make test: ruff, migrations up to date, the whole pytest suite (E2E in headless Chromium included).
test: install-dev messages
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	.venv/bin/pytest $(PYTEST_ARGS)

lint: $(PY)
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

## make bench: the performance benchmark on the production settings plus the bench app
## (portal.settings.bench), on PostgreSQL (its own database, portal_bench; BENCH_DATABASE_URL)
## and Redis (index 12; BENCH_REDIS_URL): gunicorn + locust, growth sizes, reminder sweep, bulk
## assign; writes docs/performance.{md,json}. BENCH_ARGS passes options (e.g. --quick).
bench: install-dev messages
	DJANGO_SETTINGS_MODULE=portal.settings.bench $(PY) manage.py run_bench $(BENCH_ARGS)

## make smoke: production settings on PostgreSQL (database portal_smoke) and Redis (index 6):
## collectstatic, gunicorn, log in through the web form and walk the main pages over "HTTPS".
smoke: install-dev messages
	$(PY) .ci/production_smoke.py

## make release: the production release step, run once per deploy before the new code serves:
## migrate, collectstatic, then Django's deployment checks (fails on any warning).
release: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py check --deploy --fail-level WARNING

## make serve: production on one server: the release step, then gunicorn (gunicorn.conf.py),
## a Celery worker and exactly one beat (Procfile.production). Needs DJANGO_ENV=production and
## the settings in .env.example; see docs/deploy.md.
serve: release
	.venv/bin/honcho start -f Procfile.production
