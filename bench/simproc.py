"""The LINE simulator in its own process for the benchmark, plus two bench-only
routes (the control API would take minutes to create 100,000 users one by one):

    POST /_bench/users  {"bot": <bot user id>, "n": N}  → {"ids": [...]}
    GET  /_bench/progress                               → {"deliveries": k, "last_at": t}
    POST /_bench/reply_tokens {"bot": …, "users": [...]} → {"tokens": [...]} (valid ~1 min)
    GET  /_bench/replies                                → {user id: ISO time of the reply}
    GET  /_bench/accepted?since=k                        → {"times": [t, …]} (deliveries k…)

``last_at`` is the wall-clock time (time.time()) of the latest accepted delivery,
measured here, on the simulator's side of the wire.

    python bench/simproc.py --port 8123
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anpi.linesim.context import SIM_KEY  # noqa: E402
from anpi.linesim.server import create_app  # noqa: E402
from anpi.linesim.state import User, new_user_id  # noqa: E402


class _CountingList(list):
    """The simulator's delivery log, noting when each entry arrived."""

    last_at = 0.0
    times: list[float] = []

    def append(self, item: object) -> None:
        _CountingList.last_at = time.time()
        _CountingList.times.append(_CountingList.last_at)
        super().append(item)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app()  # default config: LINE's real rate limits
    sim = app[SIM_KEY]
    sim.state.deliveries = _CountingList()

    async def users(request: web.Request) -> web.Response:
        body = await request.json()
        ids = []
        with sim.state.lock:
            for i in range(int(body["n"])):
                user = User(user_id=new_user_id(), display_name=f"u{i}")
                user.friendship[body["bot"]] = "friend"
                sim.state.users[user.user_id] = user
                ids.append(user.user_id)
        return web.json_response({"ids": ids})

    async def progress(request: web.Request) -> web.Response:
        return web.json_response(
            {"deliveries": len(sim.state.deliveries), "last_at": _CountingList.last_at}
        )

    async def accepted(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"times": _CountingList.times[since:]})

    async def replies(request: web.Request) -> web.Response:
        with sim.state.lock:
            got = {d["recipient"]: d["at"] for d in sim.state.deliveries if d["via"] == "reply"}
        return web.json_response(got)

    async def reply_tokens(request: web.Request) -> web.Response:
        body = await request.json()
        tokens = [sim.state.issue_reply_token(body["bot"], uid) for uid in body["users"]]
        return web.json_response({"tokens": tokens})

    app.router.add_post("/_bench/users", users)
    app.router.add_post("/_bench/reply_tokens", reply_tokens)
    app.router.add_get("/_bench/replies", replies)
    app.router.add_get("/_bench/progress", progress)
    app.router.add_get("/_bench/accepted", accepted)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
