#!/bin/sh
# Run the suite on SQLite (the embedded default) and on PostgreSQL (production).
# PostgreSQL must be reachable at $PG_URL; under CI it is required, elsewhere a
# missing server skips that half with a loud warning.
set -eu
PY=${PY:-.venv/bin/python}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/anpi}

echo "== anpi tests on SQLite"
"$PY" -m pytest -q

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
    echo "== anpi tests on PostgreSQL"
    ANPI_DATABASE_URL="$PG_URL" "$PY" -m pytest -q -m "not browser"
elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is required under CI" >&2
    exit 1
else
    echo "WARNING: PostgreSQL is not reachable; only the SQLite half ran." >&2
fi
