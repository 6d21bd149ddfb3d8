"""Gateway core: router match time (literal, {param}, {proxy+}, miss) and error rendering time.

Pure functions, one process; medians of repeated timed batches (the machine is noisy).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

from vpcgate.gateway.errors import MissingAuthenticationTokenError
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.gateway.routing import Router

ROUTES: dict[str, dict[str, str]] = {
    "/": {"GET": "root", "POST": "root"},
    **{f"/res{i}": {"GET": f"r{i}"} for i in range(50)},
    **{f"/res{i}/{{id}}": {"GET": f"r{i}-one", "DELETE": f"r{i}-del"} for i in range(50)},
    **{f"/res{i}/{{id}}/sub/{{subId}}": {"ANY": f"r{i}-sub"} for i in range(50)},
    "/static/{proxy+}": {"GET": "static"},
}


def _per_call_ns(call: Callable[[], object], batch: int = 20_000, rounds: int = 7) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter_ns() - start) / batch)
    return statistics.median(samples)


def _miss(router: Router[str]) -> None:
    with contextlib.suppress(MissingAuthenticationTokenError):
        router.match("GET", "/nowhere/at/all")


def run() -> list[tuple[str, str]]:
    router: Router[str] = Router(ROUTES)
    responses = GatewayResponses()
    error = MissingAuthenticationTokenError()
    cases: list[tuple[str, Callable[[], object]]] = [
        ("match GET / (root)", lambda: router.match("GET", "/")),
        ("match literal /res42", lambda: router.match("GET", "/res42")),
        ("match {param} /res42/abc", lambda: router.match("GET", "/res42/abc")),
        ("match 2 params + ANY", lambda: router.match("PUT", "/res42/abc/sub/x%20y")),
        ("match {proxy+} 4 segments", lambda: router.match("GET", "/static/a/b/c/d.js")),
        ("miss → 403 (raise)", lambda: _miss(router)),
    ]
    rows = [
        (f"{name} ({len(ROUTES)} resources)", f"{_per_call_ns(call) / 1000:.2f} µs") for name, call in cases
    ]
    rows.append(
        (
            "render MISSING_AUTHENTICATION_TOKEN",
            f"{_per_call_ns(lambda: responses.render(error)) / 1000:.2f} µs",
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(*row, sep="\t")
