"""The simulator's aiohttp application and its blocking runner (``anpi sim``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from anpi.linesim import api, channel_api, control, control_chat, control_richmenu, richmenu
from anpi.linesim.config import SimConfig
from anpi.linesim.context import SIM_KEY, Sim
from anpi.linesim.state import SimState

STATIC = Path(__file__).with_name("static")


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def _clock(request: web.Request) -> web.Response:
    """``GET /_sim/clock``: the time the phone page shows (SimConfig.shown)."""
    return web.json_response(request.app[SIM_KEY].config.shown())


async def _favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "favicon.ico", headers={"Cache-Control": "max-age=86400"})


def create_app(config: SimConfig | None = None) -> web.Application:
    """A fresh simulator with its own in-memory state."""
    config = config or SimConfig()
    sim = Sim(config=config, state=SimState(config))
    app = web.Application(middlewares=[control.control_errors], client_max_size=8 * 1024**2)
    app[SIM_KEY] = sim

    async def session_ctx(app: web.Application) -> AsyncIterator[None]:
        sim.session = aiohttp.ClientSession()
        yield
        await sim.session.close()

    app.cleanup_ctx.append(session_ctx)
    channel_api.add_routes(app)  # before api's catch-all for unknown /v2/ paths
    richmenu.add_routes(app)  # before api's catch-all for unknown /v2/ paths
    api.add_routes(app)
    control.add_routes(app)
    control_chat.add_routes(app)
    control_richmenu.add_routes(app)
    app.router.add_get("/", _index)
    app.router.add_get("/_sim/clock", _clock)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_static("/static/", STATIC)
    return app


def run(host: str = "127.0.0.1", port: int = 8001, config: SimConfig | None = None) -> None:
    """Serve the simulator until interrupted (blocking)."""
    print(f"LINE simulator on http://{host}:{port}/  (control API under /_sim/)")
    web.run_app(create_app(config), host=host, port=port, print=None)
