"""Safe defaults: keys required, production profile clean, headers, /healthz."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from anpi.engine.models import HealthIncident

# The run's own ANPI_* and the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE stay out.
ENV_BASE = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith("ANPI_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
}


def run_anpi(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from anpi.cli import main; main()", *args],
        env={**ENV_BASE, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_anpi_refuses_to_start_without_keys_and_says_how_to_make_them(tmp_path):
    done = run_anpi("check", ANPI_VAR_DIR=str(tmp_path))
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0
    assert "ANPI_SECRET_KEY" in done.stderr and "secrets.token_urlsafe" in done.stderr
    done = run_anpi("check", ANPI_VAR_DIR=str(tmp_path), ANPI_SECRET_KEY="s" * 50)
    assert "ANPI_ENCRYPTION_KEY" in done.stderr and "Fernet.generate_key" in done.stderr


def test_check_deploy_reports_nothing_under_the_production_profile(tmp_path):
    done = run_anpi(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        ANPI_PROFILE="production",
        ANPI_SECRET_KEY="k" * 20 + "Zq8Wm3Lx0Pv5Ny2Tb7Hc4Jd9Rf6Gs1Ku",
        ANPI_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ANPI_ALLOWED_HOSTS="anpi.example.jp",
        ANPI_VAR_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues" in done.stdout


def test_the_encryption_key_is_not_derived_from_the_secret_key(settings):
    from anpi.tenants import crypto

    token = crypto.encrypt("channel-token")
    settings.SECRET_KEY = "another secret key entirely, 50 characters long...."
    assert crypto.decrypt(token) == "channel-token"
    settings.ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError):
        crypto.decrypt(token)


def test_demo_otp_refuses_to_run_outside_the_demo(db):
    with pytest.raises(CommandError, match="only in the demo"):
        call_command("demo_otp")


@pytest.mark.django_db
def test_a_person_page_is_not_cached_and_carries_csp_and_permissions_policy(
    client, operator, make_person
):
    person = make_person()
    client.force_login(operator)
    response = client.get(f"/people/{person.pk}/")
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


def test_the_only_inline_script_carries_the_csp_nonce(rf):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.csp_nonce = "n0nce"
    html = render_to_string("people/_grapheme_counter.html", request=request)
    assert '<script nonce="n0nce">' in html


@pytest.mark.django_db
def test_healthz_tells_the_public_only_up_or_down_and_mails_nobody(client, clock, tenant, smtp):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False}
    assert not HealthIncident.objects.exists()
    assert smtp.messages == []


@pytest.mark.django_db
def test_healthz_gives_staff_the_details(client, operator, clock):
    client.force_login(operator)
    assert client.get("/healthz").json()["problems"] == ["no live worker"]


@pytest.mark.django_db
def test_healthz_refuses_a_wrong_token(client, clock, settings):
    settings.ANPI_HEALTH_TOKEN = "right"
    response = client.get("/healthz", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.json() == {"ok": False}
