"""A program for the workers tests: ``python -m tests.integration.http.worker_app N DRAIN`` serves
with N workers on a free port, prints ``ready PORT`` once bound, and exits when told (SIGTERM).

Paths: ``/pid`` the worker's pid; ``/block?s`` blocks the worker's loop s seconds (so the other
workers must take new connections); ``/slow?s`` sleeps s seconds without blocking; ``/crash`` kills
the worker mid-request.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from vpcgate.http.message import HttpRequest, HttpResponse
from vpcgate.http.server import Handler
from vpcgate.http.workers import serve_handler, serve_workers


async def handle(request: HttpRequest) -> HttpResponse:
    if request.path == "/block":
        time.sleep(float(request.query))
    elif request.path == "/slow":
        await asyncio.sleep(float(request.query))
    elif request.path == "/crash":
        os._exit(3)
    return HttpResponse.of(200, str(os.getpid()).encode())


def make_handler() -> Handler:
    return handle


def main() -> int:
    workers, drain = int(sys.argv[1]), float(sys.argv[2])

    def ready(address: tuple[str, int]) -> None:
        print(f"ready {address[1]}", flush=True)

    return serve_workers(
        serve_handler(make_handler, drain_seconds=drain),
        workers=workers,
        on_ready=ready,
        stop_timeout=drain + 2,
    )


if __name__ == "__main__":
    sys.exit(main())
