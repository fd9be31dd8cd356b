"""The simulator object shared by all handlers of one app."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from anpi.linesim.config import SimConfig
from anpi.linesim.faults import Faults
from anpi.linesim.state import SimState


@dataclass
class Sim:
    config: SimConfig
    state: SimState
    faults: Faults = field(default_factory=Faults)
    session: aiohttp.ClientSession | None = None

    def reset(self) -> None:
        self.state.reset()
        self.faults.clear()


SIM_KEY = web.AppKey("anpi_linesim", Sim)


def get_sim(request: web.Request) -> Sim:
    return request.app[SIM_KEY]
