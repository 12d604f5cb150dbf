# Jaga: `make run` sets up and serves the demo; `make test` sets up and runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export JAGA_DATA_DIR ?= $(CURDIR)/data
# `make run BIND=host:port`: jaga run also makes it the public URL of documents (QR codes)
# unless JAGA_PUBLIC_URL is set.
BIND ?= 127.0.0.1:8000

.PHONY: run test lint typecheck pytest pytest-sqlite pytest-postgres browser pdf-libs pdf-tools net-tools pg-tools nginx-tools messages clean

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Jaga needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.python-ok pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed pdf-libs
	$(BIN)/jaga migrate --noinput
	$(BIN)/jaga demo --monitor-history --case-history
	$(BIN)/jaga run --bind $(BIND)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy jaga tests bench

# Debian packages, installed when missing and we are root (CI machines are):
# Pango and HarfBuzz for WeasyPrint's PDFs; Chromium for browser tests; pdftoppm
# (poppler-utils) for the PNG renderings of PDFs in tests.
APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -q
define apt_ensure
	@if $(1); then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		$(APT_INSTALL) $(2) >/dev/null 2>&1 || (apt-get update -q >/dev/null && $(APT_INSTALL) $(2)); \
	else \
		echo "NOTE: $(2) missing and installing needs root; $(3)"; \
	fi
endef

pdf-libs:
	$(call apt_ensure,ldconfig -p | grep -q libpangoft2-1.0,libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0,documents cannot be rendered to PDF)

browser:
	$(call apt_ensure,command -v chromium >/dev/null 2>&1,chromium,browser tests will skip)

pdf-tools:
	$(call apt_ensure,command -v pdftoppm >/dev/null 2>&1,poppler-utils,PDF page renderings in tests will skip)

# pg_dump and pg_restore for `jaga backup`/`jaga restore` on PostgreSQL (and their test).
pg-tools:
	$(call apt_ensure,command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1,postgresql-client,jaga backup and restore cannot reach PostgreSQL)

# ip (iproute2) and unshare/setpriv (util-linux) for the monitor's network-namespace tests.
net-tools:
	$(call apt_ensure,command -v ip >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1,iproute2 util-linux,network-namespace tests will skip)

# nginx, whose `nginx -t` checks deploy/nginx/jaga.conf (tests/test_deploy.py); Debian puts
# it in /usr/sbin, off a user's PATH.
nginx-tools:
	$(call apt_ensure,command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx,nginx-light,the nginx site check will skip)

# fping, the reference that bench/monitor.py measures the ICMP engine against.
.PHONY: bench-tools bench-monitor
bench-tools:
	$(call apt_ensure,command -v fping >/dev/null 2>&1,fping,bench-monitor reports Jaga's figures alone)

# ICMP monitor benchmark on loopback (needs root for raw sockets); a few minutes.
bench-monitor: $(VENV)/.installed bench-tools
	$(BIN)/python -m bench.monitor

pytest-sqlite: $(VENV)/.installed-test browser pdf-libs pdf-tools net-tools nginx-tools
	@echo "== pytest on SQLite"
	env -u DATABASE_URL JAGA_DATA_DIR=$(CURDIR)/.test-data/sqlite $(BIN)/pytest -q --durations=15

# On PostgreSQL whenever one is reachable; with CI=true a missing server fails the run.
pytest-postgres: $(VENV)/.installed-test browser pdf-libs pdf-tools net-tools pg-tools nginx-tools
	@if url=$$($(BIN)/python tests/postgres_url.py); then \
		echo "== pytest on PostgreSQL ($$url)"; \
		DATABASE_URL=$$url JAGA_DATA_DIR=$(CURDIR)/.test-data/postgres $(BIN)/pytest -q --durations=15; \
	elif [ "$$CI" = "true" ]; then \
		echo "FAIL: CI=true and PostgreSQL is not reachable (see above)"; exit 1; \
	else \
		echo "SKIP: the PostgreSQL run (see the reason above); set DATABASE_URL to enable it"; \
	fi

# Both databases at once, each with its own data directory: about half of each run waits
# (on the monitor's 5 s checks, the browser, the database), so two cores finish both in
# little more than the longer one. The browser tests run in the SQLite run only and the
# multi-node test in the PostgreSQL run only (tests/conftest.py, tests/test_multinode.py).
# Each run's output is printed whole when it ends, with its 15 slowest tests (where the
# 20-minute budget goes).
pytest: $(VENV)/.installed-test browser pdf-libs pdf-tools net-tools pg-tools nginx-tools
	@$(MAKE) --no-print-directory -j2 --output-sync=target pytest-sqlite pytest-postgres

# Lint and types check beside the two runs rather than before them (about 45 s of one core).
test: $(VENV)/.installed-test browser pdf-libs pdf-tools net-tools pg-tools nginx-tools
	@$(MAKE) --no-print-directory -j4 --output-sync=target lint typecheck pytest-sqlite pytest-postgres

# Extract new strings into jaga/locale/*/LC_MESSAGES/django.po (needs GNU gettext) and
# compile the committed .mo files; translate the new Indonesian entries, then run it again.
messages: $(VENV)/.installed-test
	cd jaga && ../$(BIN)/jaga makemessages -l id -l en --no-location --ignore=migrations
	$(BIN)/pybabel compile -D django -d jaga/locale --statistics

clean:
	rm -rf $(VENV) .test-data .pytest_cache .mypy_cache .ruff_cache
