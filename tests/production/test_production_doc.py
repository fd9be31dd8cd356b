"""docs/production.md, run as written: from an empty PostgreSQL database to a follow
that gets its greeting.

The test reads the shell blocks marked ``<!-- run: NAME -->`` in the doc and runs
them with bash, in the doc's order. What it changes, and why:

- the ``settings`` block (the names) is replaced by scratch values: a throw-away
  role and database, a temporary ``/etc/anpi``, and ``$ANPI_HOME/venv`` pointing at
  this virtual environment;
- ``sudo`` is a shell function that runs the command as the test's own user
  (``-u postgres`` talks to the PostgreSQL of ``ANPI_DATABASE_URL`` as its
  superuser; ``chgrp`` is skipped: there is no ``anpi`` group here);
- lines appended to the environment file point anpi at this test's ports: the LINE
  simulator (``ANPI_LINE_API_HOST``), a local SMTP server with AUTH, and plain HTTP
  (no TLS proxy runs here, so the HTTPS redirect and ``Secure`` cookies are off).

Web and worker are started with the ``ExecStart`` lines of ``deploy/anpi-web.service``
and ``deploy/anpi-worker@.service`` (paths and port substituted), with the
environment file loaded as systemd's ``EnvironmentFile=`` would; the last step runs
the commands of ``deploy/anpi.cron`` (health every minute, prune daily).

Runs in the PostgreSQL half of ``make test`` (``ANPI_DATABASE_URL=postgres://…``);
skipped on SQLite and when the server cannot be reached.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .helpers import Browserless, EnvFile, Smtp, doc_blocks, wait_for

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "production.md"
DEPLOY = ROOT / "deploy"
PG_URL = os.environ.get("ANPI_DATABASE_URL", "")

on_postgres = pytest.mark.skipif(
    not PG_URL.startswith(("postgres://", "postgresql://")),
    reason="runs in the PostgreSQL half of `make test` (ANPI_DATABASE_URL=postgres://…)",
)

SUDO_SHIM = r"""
sudo() {
    local user=root
    while [ $# -gt 0 ]; do
        case "$1" in -u) user=$2; shift 2 ;; -*) shift ;; *) break ;; esac
    done
    case "$1" in chgrp|chown) return 0 ;; esac
    if [ "$user" = postgres ]; then
        PGHOST="$TEST_PGHOST" PGPORT="$TEST_PGPORT" PGUSER="$TEST_PGUSER" "$@"
    else
        "$@"
    fi
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_reachable(pg) -> bool:
    try:
        import psycopg

        psycopg.connect(
            host=pg.hostname, port=pg.port or 5432, user="postgres", dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception:  # noqa: BLE001 - any failure means "no server here"
        return False
    return True


def exec_start(unit: Path, venv: Path, **subst: str) -> list[str]:
    """The unit's ExecStart as argv, with the venv path and any ``{old: new}`` replaced."""
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    command = line.split("=", 1)[1].replace("/opt/anpi/venv", str(venv))
    for old, new in subst.items():
        command = command.replace(old, new)
    return shlex.split(command)


@pytest.fixture
def scratch(tmp_path):
    """Names for a throw-away installation, and its clean-up."""
    pg = urlparse(PG_URL)
    if not postgres_reachable(pg):
        pytest.skip(f"PostgreSQL not reachable at {pg.hostname}:{pg.port or 5432}")
    suffix = secrets.token_hex(4)
    home = tmp_path / "opt-anpi"
    home.mkdir()
    (home / "venv").symlink_to(Path(sys.prefix))
    names = {
        "ANPI_HOME": str(home),
        "ANPI_ETC": str(tmp_path / "etc-anpi"),
        "ANPI_HOST": "127.0.0.1",
        "DB_NAME": f"anpi_doc_{suffix}",
        "DB_USER": f"anpi_doc_{suffix}",
        "TEST_PGHOST": pg.hostname or "127.0.0.1",
        "TEST_PGPORT": str(pg.port or 5432),
        "TEST_PGUSER": "postgres",
    }
    yield names
    subprocess.run(
        ["psql", "-q", "-h", names["TEST_PGHOST"], "-p", names["TEST_PGPORT"], "-U", "postgres",
         "-c", f'DROP DATABASE IF EXISTS "{names["DB_NAME"]}" WITH (FORCE)',
         "-c", f'DROP ROLE IF EXISTS "{names["DB_USER"]}"'],
        check=False, capture_output=True,
    )


def run_block(name: str, names: dict[str, str]) -> subprocess.CompletedProcess:
    """One marked block of the doc, after the helpers block, in bash with ``set -eu``."""
    blocks = doc_blocks(DOC)
    script = "\n".join(
        ["set -eu", *(f"{k}={shlex.quote(v)}" for k, v in names.items()), SUDO_SHIM,
         blocks["helpers"], blocks[name]]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANPI_", "DJANGO_"))}
    done = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"block {name!r} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_the_doc_marks_every_step_the_test_runs():
    blocks = doc_blocks(DOC)
    assert list(blocks) == [
        "settings", "helpers", "env-file", "keys", "database", "migrate", "tenant", "health",
    ]
    # The key commands are those anpi prints when a key is missing (anpi.keys).
    from anpi.keys import MAKE_FERNET, MAKE_SECRET

    for command in (MAKE_SECRET, MAKE_FERNET):
        assert command.split(" -c ", 1)[1] in blocks["keys"]


def test_the_env_example_names_every_anpi_variable_the_code_reads():
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "anpi").rglob("*.py"))
    names = set(re.findall(r"ANPI_[A-Z0-9_]+", source))
    example = (DEPLOY / "anpi.env.example").read_text()
    missing = sorted(n for n in names if n not in example)
    assert missing == []


@on_postgres
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_documented_steps_take_an_empty_database_to_a_greeted_follow(scratch, sim, tmp_path):
    names = scratch
    etc = Path(names["ANPI_ETC"])
    venv = Path(names["ANPI_HOME"]) / "venv"
    web_port = free_port()
    smtp = Smtp(user="anpi-mailer", password="mail-password-123")

    run_block("env-file", names)
    run_block("keys", names)
    run_block("database", names)
    env_file = EnvFile(etc / "anpi.env")
    assert env_file.values()["ANPI_SECRET_KEY"] and env_file.values()["ANPI_ENCRYPTION_KEY"]
    assert env_file.values()["ANPI_PROFILE"] == "production"
    base_url = f"http://127.0.0.1:{web_port}"
    overrides = {
        "ANPI_BASE_URL": base_url,
        "ANPI_CSRF_TRUSTED_ORIGINS": base_url,
        "ANPI_SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front here
        "ANPI_SECURE_COOKIES": "0",
        "ANPI_LINE_API_HOST": sim.url,
        "ANPI_EMAIL_HOST": "127.0.0.1",
        "ANPI_EMAIL_PORT": str(smtp.port),
        "ANPI_EMAIL_HOST_USER": smtp.user,
        "ANPI_EMAIL_HOST_PASSWORD": smtp.password,
        "ANPI_EMAIL_USE_TLS": "0",
        "ANPI_VAR_DIR": str(tmp_path / "var-lib-anpi"),
    }
    if (names["TEST_PGHOST"], names["TEST_PGPORT"]) != ("127.0.0.1", "5432"):
        documented = env_file.values()["ANPI_DATABASE_URL"]
        overrides["ANPI_DATABASE_URL"] = documented.replace(
            "@127.0.0.1:5432/", f"@{names['TEST_PGHOST']}:{names['TEST_PGPORT']}/"
        )
    env_file.append(overrides)
    (tmp_path / "var-lib-anpi").mkdir()

    run_block("migrate", names)
    # anpi's own role can no longer empty the audit log.
    import psycopg

    with psycopg.connect(env_file.values()["ANPI_DATABASE_URL"], autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("TRUNCATE tenants_auditentry")
    created = run_block("tenant", names).stdout
    assert "It was e-mailed to admin@example.jp." in created
    invite_url = re.search(r"http://\S+/join/\S+/", created).group(0)
    [mail] = smtp.received_for("admin@example.jp")  # over SMTP AUTH, from the env file
    assert smtp.logins == ["anpi-mailer"]
    assert invite_url in message_from_bytes(mail, policy=policy.default).get_content()

    env = env_file.process_env()
    workdir = tmp_path / "var-lib-anpi"
    web = subprocess.Popen(
        exec_start(DEPLOY / "anpi-web.service", venv, **{"--port 8000": f"--port {web_port}"}),
        env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    worker = subprocess.Popen(
        exec_start(DEPLOY / "anpi-worker@.service", venv, **{"%H": "doc", "%i": "1"}),
        env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        browser = Browserless(base_url)
        wait_for(lambda: browser.status("/healthz") == 200, "anpi web did not start", web)

        # The admin follows the invite, sets a password and enrols TOTP.
        browser.join(invite_url, "mimamori-admin", "a long passphrase for the admin")
        browser.enrol_totp()

        # The LINE page connects the account (the simulator plays LINE).
        account = sim.control.add_channel(
            "doc-channel-secret-0123456789abc", "doc-access-token", display_name="みまもりNPO公式"
        )
        page = browser.connect_line("doc-channel-secret-0123456789abc", "doc-access-token")
        assert "LINE から anpi に届き、署名も正しいことを確認しました" in page
        assert "「Webhookの利用」はオンです。" in page
        assert f"https://line.me/R/ti/p/{account['basicId']}" in page

        # A test follow: the worker answers with the greeting.
        user = sim.control.add_user("山田花子")
        assert sim.control.follow(user, account["botUserId"])["webhook"]["status"] == 200

        def greeted() -> bool:
            texts = [m.get("text") or m.get("altText") for m in sim.control.messages(user)]
            return "せっていを してください" in texts

        wait_for(greeted, "the greeting did not arrive", worker, timeout=60)

        # Cron's health check, as deploy/anpi.cron runs it, and the doc's own.
        assert "OK" in run_block("health", names).stdout
        # Cron's lines, as deploy/anpi.cron runs them: health every minute, prune daily.
        lines = [
            line.split(None, 6)
            for line in (DEPLOY / "anpi.cron").read_text().splitlines()
            if line and not line.startswith("#") and "=" not in line.split()[0]
        ]
        schedules = {
            line[6].split("/opt/anpi/venv/bin/anpi ")[1].split()[0]: line[:6] for line in lines
        }
        assert schedules == {
            "health": ["*", "*", "*", "*", "*", "anpi"],
            "prune": ["30", "3", "*", "*", "*", "anpi"],
        }
        for line in lines:
            command = line[6].replace("/etc/anpi", str(etc)).replace("/opt/anpi/venv", str(venv))
            done = subprocess.run(
                command, shell=True, env=env_file.bare_env(), capture_output=True, text=True,
                timeout=120,
            )
            assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr
    finally:
        for process in (worker, web):
            process.terminate()
        for process in (worker, web):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
