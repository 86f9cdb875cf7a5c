# Two commands for a newcomer: `make demo` and `make test`. Each sets up what it needs on a fresh
# Debian machine with only Python: the virtual environment, the packages, and (for the tests)
# PostgreSQL and Mosquitto, installed with apt when missing and running as root.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SANDBOX_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo test bench bench-evaluation serve lint services clean test-timescaledb

demo: $(VENV)/.installed
	$(BIN)/sandbox demo

serve: $(VENV)/.installed
	$(BIN)/sandbox serve

test: $(VENV)/.installed services
	$(BIN)/pytest

# Ingestion speed on this machine (BENCHMARKS.md): a throwaway PostgreSQL and Mosquitto, ~5 minutes.
bench: $(VENV)/.installed services
	$(BIN)/python -m bench.ingest

# Evaluation speed (BENCHMARKS.md): a UAV trial's report from 1 M and 10 M samples on a throwaway PostgreSQL,
# each step timed cold and warm; about 5 minutes, most of it simulating and loading the samples.
bench-evaluation: $(VENV)/.installed services
	$(BIN)/python -m bench.evaluation

lint: $(VENV)/.installed
	$(BIN)/ruff check sandbox devices sims bench tests

# The TimescaleDB layout against the image docker-compose.yml deploys (needs a Docker engine; not in CI,
# where TimescaleDB cannot be installed): hypertables, policies, exactly-once writes, series.
TSDB_IMAGE := timescale/timescaledb:2.17.2-pg16
test-timescaledb: $(VENV)/.installed
	docker run -d --rm --name sandbox-tsdb-test -e POSTGRES_PASSWORD=sandbox -p 127.0.0.1:55432:5432 $(TSDB_IMAGE)
	@for i in $$(seq 60); do docker exec sandbox-tsdb-test pg_isready -h 127.0.0.1 -U postgres -q && break; sleep 1; done
	SANDBOX_TEST_POSTGRES_URL=postgresql://postgres:sandbox@127.0.0.1:55432/postgres \
		$(BIN)/pytest -q -p no:cacheprovider tests/integration/telemetry/test_timescaledb.py \
		|| { docker stop sandbox-tsdb-test; exit 1; }
	docker stop sandbox-tsdb-test

# apt-get as root, or a message saying what to install.
define apt_install
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(1) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else \
		echo "missing: $(1). Install it (e.g. sudo apt-get install $(1)) and run make again." >&2; exit 1; \
	fi
endef

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); $(call apt_install,python3-venv); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# PostgreSQL server binaries for the throwaway cluster the tests start (tests/services/postgres.py),
# and Mosquitto with its dynamic-security plugin (tests/services/mosquitto.py). Debian's PostgreSQL
# package would also create and start a "main" cluster; it is told not to.
services:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
		$(call apt_install,postgresql-common); \
		sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf; \
		$(call apt_install,postgresql); \
	fi
	@if ! command -v mosquitto_ctrl >/dev/null || ! [ -x /usr/sbin/mosquitto ]; then \
		$(call apt_install,mosquitto); \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache
