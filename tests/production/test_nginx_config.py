"""deploy/nginx-anpi.conf as docs/production.md installs it: first only the port-80
block (to get the certificate), then the whole file. `nginx -t` must accept both
on the nginx Debian 12 ships (1.22), which knows no `http2 on;`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx-anpi.conf"
HOST = "anpi.example.org"

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed (.ci/run installs it)",
)


def nginx() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def check(tmp_path: Path, site: str) -> subprocess.CompletedProcess[str]:
    """Run `nginx -t` on ``site`` inside a minimal main configuration of its own."""
    (tmp_path / "logs").mkdir(exist_ok=True)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log;\n"
        "events {}\n"
        "http {\n"
        f"  access_log off; client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n"
        "}\n"
    )
    return subprocess.run(
        [nginx(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )


def installed_site(tmp_path: Path) -> str:
    """The file after the guide's `sed`, its certificate paths pointing at a
    self-signed certificate made here (certbot's live/ does not exist here)."""
    live = tmp_path / "live"
    live.mkdir()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}",
            "-keyout", str(live / "privkey.pem"), "-out", str(live / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    site = SITE.read_text().replace("anpi.example.jp", HOST)
    return site.replace(f"/etc/letsencrypt/live/{HOST}", str(live))


def acme_stage(site: str) -> str:
    """What `sed "/^# --- HTTPS/,$d"` leaves: everything above the HTTPS marker."""
    done = subprocess.run(
        ["sed", "/^# --- HTTPS/,$d"], input=site, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_nginx_accepts_the_whole_site_with_https(tmp_path):
    result = check(tmp_path, installed_site(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_first_stage_has_only_the_port_80_block_and_needs_no_certificate(tmp_path):
    site = acme_stage(installed_site(tmp_path))
    directives = "\n".join(line for line in site.splitlines() if not line.startswith("#"))
    assert "listen 443" not in directives and "ssl_certificate" not in directives
    assert "/.well-known/acme-challenge/" in directives
    result = check(tmp_path, site)
    assert result.returncode == 0, result.stderr


def test_the_guide_runs_both_stages_in_that_order():
    guide = (ROOT / "docs" / "production.md").read_text()
    acme = guide.index("sites-available/anpi-acme /etc/nginx/sites-enabled/anpi")
    certbot = guide.index("sudo certbot certonly --webroot")
    whole = guide.index("sites-available/anpi /etc/nginx/sites-enabled/anpi")
    assert acme < certbot < whole
