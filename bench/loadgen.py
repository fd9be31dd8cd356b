"""OK taps at a fixed rate, from their own process (aiohttp), so that the load
generator does not compete with what it measures for one interpreter's GIL.

    python bench/loadgen.py --url URL --secret S --bot BOT --rate 500 < taps.json

stdin: [[user_id, reply_token], ...]. stdout: one JSON list of
[sent_at (time.time()), latency_ms, status, user_id] per tap.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import sys
import time

import aiohttp


def signed(
    secret: bytes, bot: str, user_id: str, token: str, i: int, run: str
) -> tuple[bytes, str]:
    event = {
        "type": "postback",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        # Unique per run: a repeated id is a duplicate, which anpi stores once.
        "webhookEventId": f"01B{run}{i:010d}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": token,
        "postback": {"data": "anpi:ok:0"},
    }
    body = json.dumps({"destination": bot, "events": [event]}).encode()
    return body, base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


async def run(url: str, secret: str, bot: str, rate: float, taps: list[list[str]]) -> list:
    out: list = []
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    run_id = f"{time.time_ns():016d}"[-13:]
    bodies = [
        signed(secret.encode(), bot, uid, tok, i, run_id) for i, (uid, tok) in enumerate(taps)
    ]

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(i: int) -> None:
            body, sig = bodies[i]
            sent_at, t0 = time.time(), time.monotonic()
            headers = {"Content-Type": "application/json", "X-Line-Signature": sig}
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            out.append([sent_at, (time.monotonic() - t0) * 1000, status, taps[i][0]])

        start = time.monotonic()
        tasks = []
        for i in range(len(taps)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--bot", required=True)
    parser.add_argument("--rate", type=float, default=500)
    args = parser.parse_args()
    taps = json.load(sys.stdin)
    json.dump(asyncio.run(run(args.url, args.secret, args.bot, args.rate, taps)), sys.stdout)


if __name__ == "__main__":
    main()
