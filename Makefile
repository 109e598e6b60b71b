# The documented entry points. `make run` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON_BOOT := $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint deps browser migrate clean bench

# A stamp file: the venv is rebuilt only when the lock changes.
$(VENV)/.synced: pyproject.toml uv.lock
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	test -x $(VENV)/bin/uv || { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null; \
		$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }
	# --inexact keeps uv itself (installed above, not part of the lock) in the venv.
	$(VENV)/bin/uv sync --frozen --inexact --quiet
	touch $@

deps: $(VENV)/.synced

migrate: deps
	DEBUG=1 $(PY) manage.py migrate --noinput -v 0
	DEBUG=1 $(PY) manage.py createcachetable -v 0

run: migrate
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000/ with a background worker (Ctrl-C stops both)."
	trap 'kill 0' EXIT; \
	DEBUG=1 $(PY) manage.py run_huey --quiet & \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Browser tests drive Debian's Chromium; a test tool's own browser download does not work here.
# The brief's PDF is drawn by WeasyPrint with Pango (Chromium brings it too) and its tests read it
# back with poppler (pdftotext, pdftoppm).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@command -v pdftoppm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils; }
	@/sbin/ldconfig -p | grep -q libpangoft2-1.0 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; }

# -n auto: one pytest worker per core (pytest-xdist), each with its own test database.
test: deps browser
	$(VENV)/bin/pytest -n auto

# Style and the map of the apps (pyproject.toml: [tool.ruff], [tool.importlinter]).
lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Benchmarks (README "Benchmarks"): a throwaway database per dataset, never var/between.sqlite3,
# so this needs the venv only (the migrate target would migrate var/ or whatever DATABASE_URL names).
bench: deps
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var/test-*.sqlite3*
