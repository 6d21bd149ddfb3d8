"""Gateway core: router match time (literal, {param}, {proxy+}, miss), error rendering time, and the
Lambda proxy event build / response check (both on the AWS_PROXY hot path).

Pure functions, one process; medians of repeated timed batches (the machine is noisy).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

from vpcgate.gateway.errors import MissingAuthenticationTokenError
from vpcgate.gateway.proxy_event import CallerIdentity, ProxyRequest, build_proxy_event, parse_proxy_response
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
    request = ProxyRequest(
        http_method="POST",
        path="/res42/abc",
        resource_path="/res42/{id}",
        resource_id="abc123",
        stage="prod",
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extended_request_id="LgoQBEbzIAMFRkA=",
        request_time_epoch_ms=1764141210123,
        account_id="123456789012",
        api_id="a1b2c3d4e5",
        domain_name="a1b2c3d4e5.execute-api.localhost",
        identity=CallerIdentity(source_ip="127.0.0.1", user_agent="curl/8.5.0"),
        headers=[
            ("Host", "a1b2c3d4e5.execute-api.localhost"),
            ("User-Agent", "curl/8.5.0"),
            ("Accept", "*/*"),
        ],
        query=[("q", "1")],
        path_parameters={"id": "abc"},
        body=b'{"a":1}',
    )
    output = b'{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\\"a\\":1}"}'
    rows.append(
        (
            "build proxy event (3 headers, 1 query)",
            f"{_per_call_ns(lambda: build_proxy_event(request)) / 1000:.2f} µs",
        )
    )
    rows.append(
        ("check proxy response", f"{_per_call_ns(lambda: parse_proxy_response(output)) / 1000:.2f} µs")
    )
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
