"""``python -m anpi.linesim [--host H] [--port P]``: run the simulator alone."""

from __future__ import annotations

import argparse

from anpi.linesim.server import run


def main() -> None:
    parser = argparse.ArgumentParser(description="anpi LINE platform simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    run(args.host, args.port)


if __name__ == "__main__":
    main()
