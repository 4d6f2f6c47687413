# The two commands: `make run` (set up everything and serve the site) and `make test` (set up and run every test).
# Both work on a fresh Debian machine with Python 3.11; see README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test bootstrap bootstrap-test system-deps system-deps-test messages db keys fonts demo admin lint serve-prod clean

run: bootstrap db keys fonts demo admin ## Set up everything and serve on http://127.0.0.1:8000 (admin at /admin/)
	@echo ">> serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: bootstrap-test ## Set up and run the whole test suite (DATABASE_URL picks SQLite or PostgreSQL)
	$(PY) -m pytest $(PYTEST_ARGS)

bootstrap: $(STAMP) system-deps messages var
bootstrap-test: $(STAMP) system-deps-test messages var

var:
	mkdir -p var

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

system-deps:
	@scripts/system-deps run
system-deps-test:
	@scripts/system-deps test

messages: $(STAMP)
	@$(PY) manage.py compilemessages --ignore=.venv -v0

db: $(STAMP) var
	$(PY) manage.py migrate --noinput -v0

keys: $(STAMP) var
	@$(PY) manage.py ledger_keygen

fonts: $(STAMP) var ## Build the receipt PDFs' Chinese fonts under var/fonts/ once (~30 s; skipped when present)
	$(PY) manage.py prepare_receipt_fonts

demo: db keys
	$(PY) manage.py load_demo

admin: db
	$(PY) manage.py ensure_admin

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

serve-prod: bootstrap fonts ## Serve with gunicorn and production settings (needs SECRET_KEY, ALLOWED_HOSTS)
	DJANGO_SETTINGS_MODULE=charity.settings.production $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=charity.settings.production $(VENV)/bin/gunicorn charity.wsgi --bind $(HOST):$(PORT) --workers 5

clean:
	rm -rf $(VENV) var/static
