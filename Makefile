# anpi — the two commands a newcomer needs: `make demo` and `make test`.
# Everything installs into a local virtual environment (.venv) on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/anpi

.PHONY: install demo test test-sqlite test-postgres lint bench soak simulate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# From the locale's folder, without settings (they want keys; catalogs do not).
	cd src/anpi && $(abspath $(VENV))/bin/django-admin compilemessages -v 0
	touch $(STAMP)

install: $(STAMP)

# SPEED=1440 runs the clock a day a minute, to see the whole ladder quickly.
demo: install
	$(VENV)/bin/anpi demo $(if $(SPEED),--speed $(SPEED))

# The whole suite on SQLite, then again on PostgreSQL (see scripts/test.sh).
test: install
	PY=$(PY) PG_URL=$(PG_URL) sh scripts/test.sh

test-sqlite: install
	$(PY) -m pytest -q

test-postgres: install
	ANPI_DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -m "not browser"

# Benchmarks against the simulator with LINE's real limits (bench/run.py). Default N
# per figure is in bench/run.py (DEFAULT_N); BENCH_ARGS="--n-push 100000" etc. override.
# SQLite runs at 20,000 persons (the reference NPO's size). BENCH_DB: the scratch database.
BENCH_DB ?= anpi_bench
bench: install
	BENCH_DB=$(BENCH_DB) PG_URL=$(PG_URL) $(PY) bench/run.py --db sqlite --n 20000 --n-webhook 2000 $(BENCH_ARGS)
	BENCH_DB=$(BENCH_DB) PG_URL=$(PG_URL) $(PY) bench/run.py --db postgres $(BENCH_ARGS)

# Fault injection for at least 10 minutes: repeated seeded runs with several workers
# on PostgreSQL (tests/reliability/soak.py). SEED=… replays; MINUTES=… changes the length.
MINUTES ?= 10
soak: install
	PG_URL=$(PG_URL) ANPI_SEED=$(SEED) $(PY) tests/reliability/soak.py --minutes $(MINUTES) --persons 150 --workers 4

# A month of 1,000 persons through the engine and the simulator, with and without the
# rich menu and pauses (bench/simulate.py, bench/README.md): paid pushes, staff calls and
# false alarms per person-month, into bench/results/simulate.json. SEED=… replays another
# population; PERSONS=… DAYS=… shrink it; SIMULATE_ARGS="--db postgres" etc.
PERSONS ?= 1000
DAYS ?= 30
simulate: install
	PG_URL=$(PG_URL) $(PY) bench/simulate.py --persons $(PERSONS) --days $(DAYS) $(if $(SEED),--seed $(SEED)) $(SIMULATE_ARGS)

# ruff, mypy (django-stubs; 0 errors) and import-linter (the layers of docs/engine.md).
lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	cd src && ../$(VENV)/bin/lint-imports --no-cache ../pyproject.toml

clean:
	rm -rf $(VENV) var
