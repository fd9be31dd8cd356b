"""Who watches the watcher: heartbeats, `anpi health`, /healthz, incidents, the
dashboard banner and the outward heartbeat URL."""

from __future__ import annotations

import http.server
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command

from anpi.engine.health import health_report, track_incident
from anpi.engine.models import HealthIncident
from anpi.engine.worker import heartbeat, run_forever


def test_without_a_live_worker_the_platform_reports_unhealthy(db, clock):
    report = health_report(clock)
    assert not report["ok"]
    assert report["problems"] == ["no live worker"]


def test_a_fresh_heartbeat_and_nothing_due_is_healthy(db, clock):
    heartbeat("w1", clock)
    assert health_report(clock)["ok"]


def test_a_worker_silent_for_three_minutes_is_named_stale(db, clock):
    heartbeat("w1", clock)
    clock.advance(minutes=3)
    report = health_report(clock)
    assert report["workers"] == {"live": 0, "stale": 1, "stale_names": ["w1"]}
    assert "no live worker (stale: w1)" in report["problems"]


def test_a_check_overdue_for_its_next_step_is_reported(db, clock, make_person, work):
    heartbeat("w1", clock)
    make_person()
    clock.advance(hours=2)  # 10:00; the check was due at 09:00 and nobody ran it
    from anpi.engine.plan import plan_due_checks

    plan_due_checks(clock)
    clock.advance(minutes=10)
    heartbeat("w1", clock)
    report = health_report(clock)
    assert report["checks_overdue"] == 1
    assert "1 checks overdue for their next step" in report["problems"]
    work()
    assert health_report(clock)["checks_overdue"] == 0


def test_anpi_health_exits_non_zero_when_unhealthy(db, clock, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("health", "--no-notify")
    assert exited.value.code == 1
    assert "UNHEALTHY" in capsys.readouterr().out


def test_anpi_health_exits_zero_when_healthy(db, clock, capsys):
    heartbeat("w1", clock)
    call_command("health", "--no-notify")
    assert capsys.readouterr().out.startswith("OK")


def test_healthz_answers_503_with_the_problems_to_a_monitor_with_the_token(
    client, db, clock, settings
):
    settings.ANPI_HEALTH_TOKEN = "monitor-token"
    response = client.get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token")
    assert response.status_code == 503
    assert response.json()["problems"] == ["no live worker"]


def test_staff_get_one_mail_when_an_incident_opens_and_one_when_it_ends(db, clock, tenant, smtp):
    for _ in range(3):  # three passes see the same trouble
        track_incident(health_report(clock))
    assert len(smtp.messages) == 1
    rcpt, mail = smtp.messages[0]
    assert rcpt == ["staff@npo.example"]
    assert "異常" in mail["Subject"]
    assert "no live worker" in mail.get_content()
    heartbeat("w1", clock)
    track_incident(health_report(clock))
    track_incident(health_report(clock))
    assert len(smtp.messages) == 2
    assert "復旧" in smtp.messages[1][1]["Subject"]
    assert not HealthIncident.objects.filter(is_open=True).exists()


def test_an_open_incident_puts_a_banner_on_the_dashboard(client, operator, clock):
    client.force_login(operator)
    assert "見守りシステムに異常があります" not in client.get("/", follow=True).text
    track_incident(health_report(clock))
    assert "見守りシステムに異常があります" in client.get("/", follow=True).text


def test_staff_see_at_once_when_no_worker_is_alive(client, operator, clock):
    from anpi.engine.worker import heartbeat

    client.force_login(operator)
    assert "ワーカーが動いていません" in client.get("/", follow=True).text
    heartbeat("worker-1", clock)
    assert "ワーカーが動いていません" not in client.get("/", follow=True).text
    clock.advance(minutes=3)  # the only worker stopped beating
    assert "ワーカーが動いていません" in client.get("/", follow=True).text


class _Pings(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server hook name
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


def test_the_worker_pings_the_heartbeat_url(transactional_db, clock, settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ANPI_HEARTBEAT_URL = f"http://127.0.0.1:{server.server_port}/ping/abc"
    settings.ANPI_HEARTBEAT_INTERVAL = 0.1
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(clock, stop, 0.05, "pinger"))
    worker.start()
    try:
        for _ in range(100):
            if len(_Pings.hits) >= 2:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(10)
        server.shutdown()
    assert _Pings.hits[:2] == ["/ping/abc", "/ping/abc"]
    assert health_report(clock)["workers"]["live"] == 1


def test_a_fast_demo_clock_does_not_raise_false_alarms(db):
    from anpi.engine.clock import AcceleratedClock
    from anpi.engine.worker import heartbeat

    demo = AcceleratedClock(speed=1440)
    heartbeat("demo-worker", demo)
    # Four virtual minutes later (a sixth of a real second at 1440x) the
    # worker is still alive as far as anyone can tell.
    demo._virtual_start += timedelta(minutes=4)
    assert health_report(demo)["workers"]["live"] == 1
