"""The execution trace: what the API Gateway console's "Test" view shows for one request — method
request, endpoint request after transformations, endpoint response, method response after
transformations, the function's log lines and timings — recorded from the finished Invocation.

The text form follows the execution log the console prints
(https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-test-method.html): one
``{time} : {event}`` line per fact, ``Starting execution for request: {id}`` first and
``Method completed with status: {status}`` last. vpcgate adds each step's duration and the
function's own log (START/END/REPORT framed, as CloudWatch shows it).

``vpcgate up --trace`` prints every request's trace to stderr (:class:`TracePrinter`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from vpcgate.gateway.context import Invocation
from vpcgate.gateway.integrations.registry import stage_variables_in
from vpcgate.http.message import HttpResponse

__all__ = ["ExecutionTrace", "TracePrinter", "record_trace"]

BODY_LIMIT = 4096  # characters of a body shown (the console truncates long bodies too)


@dataclass(frozen=True)
class Message:
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class ExecutionTrace:
    request_id: str
    epoch_ms: int
    http_method: str
    resource_path: str
    path_parameters: Mapping[str, str]
    query: Mapping[str, str]
    method_request: Message
    endpoint_uri: str | None  # None: the chain stopped before the integration
    endpoint_request: Message | None
    endpoint_status: int | None
    endpoint_response: Message | None
    function_log: str
    status: int
    method_response: Message
    latency_ms: float
    steps: Sequence[tuple[str, float]]

    def lines(self) -> list[str]:
        return _lines(self)


def _text(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + " [TRUNCATED]"


def _single(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        out[name] = value
    return out


def record_trace(inv: Invocation, response: HttpResponse, latency_ms: float) -> ExecutionTrace:
    """The trace of a request that has its response."""
    route = inv.route
    integration = route.method.method.integration if route is not None else None
    endpoint = inv.endpoint
    result = inv.integration
    uri = None
    if integration is not None and (endpoint is not None or result is not None):
        uri = stage_variables_in(integration.uri or integration.type.value, inv.stage.variables)
    return ExecutionTrace(
        request_id=inv.ids.request_id,
        epoch_ms=inv.ids.epoch_ms,
        http_method=inv.request.method,
        resource_path=route.resource_path if route is not None else inv.path,
        path_parameters=dict(inv.path_parameters),
        query={name: values[-1] for name, values in inv.query.items()},
        method_request=Message(_single(inv.request.headers.items()), _text(inv.request.body)),
        endpoint_uri=uri,
        endpoint_request=Message(_single(endpoint.headers), _text(endpoint.body)) if endpoint else None,
        endpoint_status=result.status if result is not None else None,
        endpoint_response=Message(_single(list(result.headers)), _text(result.body)) if result else None,
        function_log=result.log if result is not None else "",
        status=response.status,
        method_response=Message(_single(response.headers.items()), _text(response.body)),
        latency_ms=latency_ms,
        steps=tuple((inv.timings or {}).items()),
    )


def _lines(t: ExecutionTrace) -> list[str]:
    out = [
        f"Starting execution for request: {t.request_id}",
        f"HTTP Method: {t.http_method}, Resource Path: {t.resource_path}",
        f"Method request path: {dict(t.path_parameters)}",
        f"Method request query string: {dict(t.query)}",
        f"Method request headers: {dict(t.method_request.headers)}",
        f"Method request body before transformations: {t.method_request.body}",
    ]
    if t.endpoint_uri is not None:
        out.append(f"Endpoint request URI: {t.endpoint_uri}")
    if t.endpoint_request is not None:
        out.append(f"Endpoint request headers: {dict(t.endpoint_request.headers)}")
        out.append(f"Endpoint request body after transformations: {t.endpoint_request.body}")
    if t.endpoint_response is not None:
        integration_ms = dict(t.steps).get("InvokeStep", 0.0)
        out.append(
            f"Received response. Status: {t.endpoint_status}, Integration latency: {integration_ms:.2f} ms"
        )
        out.append(f"Endpoint response headers: {dict(t.endpoint_response.headers)}")
        out.append(f"Endpoint response body before transformations: {t.endpoint_response.body}")
    out.extend(f"Function log: {line}" for line in t.function_log.splitlines() if line.strip())
    out.append(f"Method response body after transformations: {t.method_response.body}")
    out.append(f"Method response headers: {dict(t.method_response.headers)}")
    out.append("Step timings: " + ", ".join(f"{name} {ms:.3f} ms" for name, ms in t.steps))
    out.append("Successfully completed execution")
    out.append(f"Method completed with status: {t.status}")
    return out


def _clock(epoch_ms: int) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(epoch_ms / 1000))


class TracePrinter:
    """An observer (:class:`vpcgate.gateway.front.Observer`) writing each trace to ``write``."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self._write = write

    def __call__(self, inv: Invocation, response: HttpResponse, latency_ms: float) -> None:
        trace = record_trace(inv, response, latency_ms)
        stamp = _clock(trace.epoch_ms)
        text = "\n".join(f"{stamp} : {line}" for line in trace.lines())
        self._write(f"Execution log for request {trace.request_id}\n{text}\n")
