"""Engine tests run the real worker with a recording transport instead of LINE."""

from __future__ import annotations

import pytest

from anpi.channels.base import SendResult, Transport


class RecordingTransport(Transport):
    """Records every delivery; answers with scripted results (default: sent)."""

    def __init__(self) -> None:
        self.sent: list = []
        self.script: list[SendResult] = []

    def send(self, delivery):
        result = self.script.pop(0) if self.script else SendResult("sent")
        self.sent.append((delivery, result.outcome))
        return result

    def to(self, recipient: str) -> list:
        return [d for d, outcome in self.sent if d.recipient == recipient and outcome == "sent"]


@pytest.fixture
def transport():
    return RecordingTransport()


@pytest.fixture
def work(clock, transport):
    """Run the worker until nothing more is due now."""
    from anpi.engine.worker import run_until_idle

    def run():
        return run_until_idle(clock, transport_for=lambda row: transport)

    return run
