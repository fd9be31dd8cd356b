"""A server error is logged with its traceback, not only as an access-log line."""

from __future__ import annotations

import logging

from django.conf import settings
from django.test import Client
from django.urls import path


def broken_view(request):
    raise RuntimeError("something deep broke")


urlpatterns = [path("boom/", broken_view)]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_500_is_logged_with_its_traceback(db):
    caught = _Records()
    logger = logging.getLogger("django.request")
    logger.addHandler(caught)
    try:
        from django.test import override_settings

        with override_settings(ROOT_URLCONF=__name__):
            response = Client(raise_request_exception=False).get("/boom/")
    finally:
        logger.removeHandler(caught)
    assert response.status_code == 500
    [record] = caught.records
    assert record.exc_info is not None and "something deep broke" in str(record.exc_info[1])


def test_request_errors_go_to_the_console_in_production_too():
    config = settings.LOGGING["loggers"]["django.request"]
    assert config["level"] == "ERROR" and "console" in config["handlers"]
    assert not settings.LOGGING["handlers"]["console"].get("filters")  # not DEBUG-only
