"""The `anpi` command: a thin front for Django's management commands.

anpi demo [--speed N]   embedded demo: SQLite, simulator, web and worker
anpi web [--port N]     the web process (dashboard, webhook, settings pages)
anpi worker             one engine worker (run several on PostgreSQL)
anpi sim [--port N]     the LINE platform simulator
anpi demo-otp           the demo login's current second-factor code (demo only)
anpi createtenant NAME SLUG --kind npo|municipal --admin-email E
anpi rotate-key          re-encrypt everything under a new ANPI_ENCRYPTION_KEY
anpi prune               erase what the retention periods say is due (cron)
anpi migrate | health | any other manage.py command

Outside the demo, ANPI_SECRET_KEY and ANPI_ENCRYPTION_KEY must be set: anpi
stops with a one-line message saying how to make them (``anpi.keys``).
"""

from __future__ import annotations

import argparse
import os
import sys


def web_argv(args: list[str]) -> list[str]:
    """gunicorn's argv for ``anpi web ARGS``: ``--host``, ``--port``,
    ``--workers`` (processes) and ``--threads`` (per process); anything else is
    passed to gunicorn as it is."""
    parser = argparse.ArgumentParser(prog="anpi web")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    # Threads let concurrent webhook requests share one WAL flush on
    # PostgreSQL (group commit): measured p50 190 ms -> 13-23 ms at 500/s
    # of new events on 2 cores (docs/operations.md).
    parser.add_argument("--threads", type=int, default=8)
    known, rest = parser.parse_known_args(args)
    return [
        "gunicorn",
        "anpi.wsgi:application",
        "--bind",
        f"{known.host}:{known.port}",
        "--workers",
        str(known.workers),
        # gunicorn's default sync worker ignores threads: name gthread explicitly.
        "--worker-class",
        "gthread",
        "--threads",
        str(known.threads),
        "--access-logfile",
        "-",
        *rest,
    ]


DEMO_COMMANDS = {"demo": "demo", "demo-otp": "demo_otp"}
# Spelled with a hyphen on the command line, an underscore as a Django command.
COMMAND_ALIASES = {"rotate-key": "rotate_key"}


def require_settings() -> None:
    """Load the settings now so that missing keys stop anpi with one line, not a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anpi.settings")
    from anpi.keys import MissingKeys

    try:
        import importlib

        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except MissingKeys as missing:
        sys.exit(str(missing))


# The command list of this module's docstring.
USAGE = (__doc__ or "").split("\n\n")[1] + (
    "\n\nanpi help COMMAND     a command's options (Django's help for it)"
)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv in (["-h"], ["--help"], ["help"]):
        # Needs no keys: a new operator's first command.
        print("usage: anpi COMMAND [OPTIONS]\n\n" + USAGE)
        return
    if argv[0] == "help" and len(argv) > 1:
        argv = [argv[1], "--help"]
    if argv and argv[0] in DEMO_COMMANDS:
        # The demo's own keys (var/demo-keys.json) and database (var/demo.sqlite3).
        os.environ["ANPI_DEMO"] = "1"
        argv[0] = DEMO_COMMANDS[argv[0]]
    if argv and argv[0] in COMMAND_ALIASES:
        argv[0] = COMMAND_ALIASES[argv[0]]
    if argv and argv[0] == "sim":
        # The simulator plays LINE's side of the wire and needs no Django.
        from anpi.linesim.server import run

        parser = argparse.ArgumentParser(prog="anpi sim")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        args = parser.parse_args(argv[1:])
        run(host=args.host, port=args.port)
        return
    if argv and argv[0] == "web":
        # Production web process: gunicorn serving the WSGI app (static files
        # through WhiteNoise).
        from gunicorn.app.wsgiapp import run as gunicorn_run

        require_settings()
        sys.argv = web_argv(argv[1:])
        gunicorn_run()
        return
    require_settings()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["anpi", *argv])


if __name__ == "__main__":
    main()
