"""engine.deliver.default_transport: which transport sends a row."""

from __future__ import annotations

from anpi.engine.deliver import default_transport, send_one
from anpi.engine.models import Outbox


def test_a_line_row_without_a_channel_fails_instead_of_stopping_the_batch():
    # Raising here (it used to: None has no api_host) happens outside the
    # per-row guard, so one such row stopped every batch it was leased with.
    row = Outbox(transport="line", method="push", recipient="U1", payload={"messages": []})
    result = send_one(row, default_transport(row))
    assert result.outcome == "failed"
    assert "no LINE channel" in result.detail
