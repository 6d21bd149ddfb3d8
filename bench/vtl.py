"""VTL: the seed's templates rendered by our compiled engine and by airspeed, in the same run.

Rows: median render time of the seed's request template (BackendHost 10.0.1.10, port 8080) for a
GET with 3 query parameters and 8 headers, ours (``render_request``: building ``$input``/``$util``/
``$context`` included) and airspeed's (parse cached, same data as plain Python objects), their
ratio, and the seed's error response template (``$util.parseJson``). Targets: ≤ 30 µs and ≥ 5×.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import airspeed
from tests.helpers import seed_templates

from vpcgate.gateway.mapping import MappingInput, context_map, render_request, render_response
from vpcgate.vtl import parse_template

SEED = Path(os.environ.get("VPCGATE_SEED", Path(__file__).resolve().parents[2] / "shared" / "seed"))

QUERY = {"name": ["vpcgate"], "page": ["2"], "sort": ["desc"]}
HEADERS = {
    "Accept": ["application/json"],
    "Accept-Encoding": ["gzip, deflate"],
    "Host": ["abc123.execute-api.us-east-1.amazonaws.com"],
    "User-Agent": ["curl/8.5.0"],
    "X-Amzn-Trace-Id": ["Root=1-5e1b4151-5ac6c58f1a2b3c4d5e6f7a8b"],
    "X-Forwarded-For": ["203.0.113.7"],
    "X-Forwarded-Port": ["443"],
    "X-Forwarded-Proto": ["https"],
}
CONTEXT = {
    "resourcePath": "/",
    "httpMethod": "GET",
    "stage": "prod",
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "apiId": "abc123",
    "resourceId": "r1s2t3",
    "identity.sourceIp": "203.0.113.7",
    "identity.userAgent": "curl/8.5.0",
}


def _templates() -> tuple[str, str]:
    templates = seed_templates(SEED)
    return templates["request"], templates["error"]


class _AirspeedInput:
    """``$input`` for airspeed, as plain Python (airspeed calls Python methods)."""

    def __init__(self, body: str, params: dict[str, dict[str, str]]) -> None:
        self._body = body
        self._params = params

    def params(self, name: str | None = None) -> Any:
        return self._params if name is None else ""

    def json(self, path: str) -> str:
        return self._body or "{}"

    def path(self, path: str) -> Any:
        return json.loads(self._body).get(path.removeprefix("$."))


class _AirspeedUtil:
    def escapeJavaScript(self, text: str) -> str:
        return json.dumps(text)[1:-1].replace("'", "\\'").replace("/", "\\/")

    def parseJson(self, text: str) -> Any:
        return json.loads(text)


def _medians_us(
    first: Callable[[], object], second: Callable[[], object], rounds: int = 21, number: int = 200
) -> tuple[float, float]:
    """Median µs per call of two functions, measured in alternating rounds (same machine noise)."""
    for _ in range(number):
        first()
        second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for function, into in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            for _ in range(number):
                function()
            into.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples[0]), statistics.median(samples[1])


def run() -> list[tuple[str, str]]:
    request_source, error_source = _templates()
    ours = parse_template(request_source)
    context = context_map(CONTEXT)
    data = MappingInput(body=b"", query=QUERY, headers=HEADERS, context=context, stage_variables={})
    json.loads(render_request(ours, data).body)  # the rendering is valid JSON

    theirs = airspeed.Template(request_source)
    params = {"path": {}, "querystring": {k: v[-1] for k, v in QUERY.items()}}
    params["header"] = {k: v[-1] for k, v in HEADERS.items()}
    identity = {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"}
    flat = {k: v for k, v in CONTEXT.items() if "." not in k}
    namespace = {
        "input": _AirspeedInput("", params),
        "util": _AirspeedUtil(),
        "context": {"identity": identity, "authorizer": {}} | flat,
        "stageVariables": {},
    }
    json.loads(theirs.merge(dict(namespace)))

    ours_us, theirs_us = _medians_us(
        lambda: render_request(ours, data), lambda: theirs.merge(dict(namespace))
    )

    error_template = parse_template(error_source)
    message = json.dumps({"status": 403, "bodyJson": '{"error":"Random error"}', "headers": {}})
    error_data = MappingInput(body=json.dumps({"errorMessage": message}))
    assert render_response(error_template, error_data).body == '{"error":"Random error"}'
    their_error = airspeed.Template(error_source)
    error_namespace = {"input": _AirspeedInput(error_data.body, {}), "util": _AirspeedUtil()}  # type: ignore[arg-type]
    error_us, their_error_us = _medians_us(
        lambda: render_response(error_template, error_data), lambda: their_error.merge(dict(error_namespace))
    )
    return [
        ("seed request template, 3 query + 8 headers: vpcgate median", f"{ours_us:.1f} µs (target ≤ 30)"),
        ("seed request template: airspeed median (same run)", f"{theirs_us:.1f} µs"),
        ("seed request template: speed-up over airspeed", f"{theirs_us / ours_us:.1f}× (target ≥ 5)"),
        ("seed error template ($util.parseJson): vpcgate median", f"{error_us:.1f} µs"),
        ("seed error template: airspeed median", f"{their_error_us:.1f} µs"),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
