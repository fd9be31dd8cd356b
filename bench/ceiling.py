"""The ceiling for push dispatch: the bare official SDK, no database.

Reads a JSON list of user ids on stdin and pushes the check message to each with
``ANPI_DELIVER_THREADS`` threads (the worker's default, 32), each push with its
own retry key, as anpi's deliver does. Prints {"per_second": r, "n": n}.

    python bench/ceiling.py --host http://127.0.0.1:8123 --token T < users.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    FlexMessage,
    MessagingApi,
    PushMessageRequest,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anpi.engine.messages import check_message  # noqa: E402 - plain dicts, no database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    users = json.load(sys.stdin)
    threads = int(os.environ.get("ANPI_DELIVER_THREADS", "32"))
    message = FlexMessage.from_dict(check_message("はなこ", 1))
    api = MessagingApi(ApiClient(Configuration(access_token=args.token, host=args.host)))

    def push(user: str) -> int:
        request = PushMessageRequest(to=user, messages=[message])
        response = api.push_message_with_http_info(
            request, x_line_retry_key=str(uuid.uuid4()), _request_timeout=10
        )
        return response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        codes = list(pool.map(push, users))
    elapsed = time.perf_counter() - started
    ok = sum(1 for code in codes if code == 200)
    print(json.dumps({"per_second": ok / elapsed, "n": ok}))


if __name__ == "__main__":
    main()
