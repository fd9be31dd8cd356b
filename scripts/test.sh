#!/bin/sh
# Run the suite on SQLite (the embedded default) and on PostgreSQL (production).
# PostgreSQL must be reachable at $PG_URL; under CI it is required, elsewhere a
# missing server skips that half with a loud warning.
#
# ANPI_TEST_PARALLEL=1 (.ci/run sets it) runs the two halves at once, one per
# core, each into its own log, printed when both are done: the suite is CPU-bound
# in one process per half, so on two cores this about halves the wall time.
#
# The PostgreSQL half leaves out what never touches a database (the simulator,
# which shares nothing with anpi, and the pure unit tests): the SQLite half runs
# them, and running them twice proves nothing more.
set -eu
PY=${PY:-.venv/bin/python}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/anpi}

sqlite_half() {
    "$PY" -m pytest -q
}

postgres_half() {
    ANPI_DATABASE_URL="$PG_URL" "$PY" -m pytest -q -m "not browser" \
        --ignore=tests/linesim --ignore=tests/unit
}

if "$PY" - "$PG_URL" <<'PYEOF'
import sys
from urllib.parse import urlparse
import psycopg
u = urlparse(sys.argv[1])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres", dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
    have_pg=1
elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is required under CI" >&2
    exit 1
else
    have_pg=0
    echo "WARNING: PostgreSQL is not reachable; only the SQLite half runs." >&2
fi

if [ "$have_pg" = 1 ] && [ "${ANPI_TEST_PARALLEL:-}" = 1 ]; then
    logs=$(mktemp -d)
    echo "== anpi tests on SQLite and on PostgreSQL, in parallel (logs in $logs)"
    (sqlite_half > "$logs/sqlite.log" 2>&1; echo $? > "$logs/sqlite.rc") &
    (postgres_half > "$logs/postgres.log" 2>&1; echo $? > "$logs/postgres.rc") &
    wait
    echo "== anpi tests on SQLite"
    cat "$logs/sqlite.log"
    echo "== anpi tests on PostgreSQL"
    cat "$logs/postgres.log"
    sqlite_rc=$(cat "$logs/sqlite.rc")
    postgres_rc=$(cat "$logs/postgres.rc")
    echo "== SQLite half: exit $sqlite_rc; PostgreSQL half: exit $postgres_rc"
    [ "$sqlite_rc" = 0 ] && [ "$postgres_rc" = 0 ]
    exit $?
fi

echo "== anpi tests on SQLite"
sqlite_half
if [ "$have_pg" = 1 ]; then
    echo "== anpi tests on PostgreSQL"
    postgres_half
fi
