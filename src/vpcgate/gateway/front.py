"""The gateway's front door: which API and stage a request addresses, then the chain.

Addresses (issue 6; the second and third are LocalStack-style local forms of AWS's
``https://{api id}.execute-api.{region}.amazonaws.com/{stage}/{path}``,
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html):

- ``http://{api id}.execute-api.localhost:PORT/{stage}/{path}`` — by the Host header, always;
- ``http://HOST:PORT/restapis/{api id}/{stage}/_user_request_/{path}`` — always;
- ``http://HOST:PORT/{stage}/{path}`` — when exactly one API is deployed.

A request that names no deployed API and stage gets 403 ``{"message":"Forbidden"}``
(``x-amzn-ErrorType: ForbiddenException``), what AWS answers for a stage that does not exist.
"""

from __future__ import annotations

import logging
import time
from binascii import b2a_base64 as _b64
from collections.abc import Sequence
from random import getrandbits as _random_bits
from typing import Protocol

from vpcgate.gateway.build import CompiledStage
from vpcgate.gateway.chain import run_chain
from vpcgate.gateway.context import Invocation, RequestIds
from vpcgate.gateway.errors import InvalidApiKeyError
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.gateway.stage_registry import StageRegistry, StageTable
from vpcgate.http.message import Headers, HttpRequest, HttpResponse

__all__ = ["Gateway", "Observer", "locate", "new_ids"]

log = logging.getLogger("vpcgate.gateway")

_HOST_SUFFIX = ".execute-api.localhost"
_USER_REQUEST = "/_user_request_"
_BUILTIN = GatewayResponses()


def new_ids() -> RequestIds:
    """A request's three ids: a version 4 UUID, 11 random bytes in base64 (``x-amz-apigw-id``, 15
    characters and ``=``) and an X-Ray trace id. Ids need to be unique, not secret: ``random`` is
    enough and, unlike ``os.urandom`` and ``uuid``, costs no system call and little Python."""
    now_ms = int(time.time() * 1000)
    h = f"{_random_bits(128):032x}"
    return RequestIds(
        request_id=f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}",
        extended_request_id=_b64(_random_bits(88).to_bytes(11, "big"), newline=False).decode("ascii"),
        trace_id=f"Root=1-{now_ms // 1000:08x}-{_random_bits(96):024x}",
        epoch_ms=now_ms,
    )


def _split_stage(path: str) -> tuple[str, str]:
    """``/prod/pets/1`` → (``prod``, ``/pets/1``); ``/prod`` → (``prod``, ``/``)."""
    stage, slash, rest = path.lstrip("/").partition("/")
    return stage, "/" + rest if slash else "/"


def locate(table: StageTable, request: HttpRequest) -> tuple[CompiledStage, str] | None:
    """The stage a request addresses and its path after the stage, or None."""
    host = (request.headers.get("host") or "").rsplit(":", 1)[0].lower()
    path = request.path
    if host.endswith(_HOST_SUFFIX):
        api_id = host[: -len(_HOST_SUFFIX)]
        stage, rest = _split_stage(path)
    elif path.startswith("/restapis/"):
        api_id, _, tail = path[len("/restapis/") :].partition("/")
        stage, _, rest = tail.partition("/")
        rest = "/" + rest
        if not rest.startswith(_USER_REQUEST):
            return None
        rest = rest[len(_USER_REQUEST) :] or "/"
    else:
        single = table.single_api
        if single is None:
            return None
        api_id = single
        stage, rest = _split_stage(path)
    found = table.get(api_id, stage)
    return (found, rest) if found is not None else None


class Observer(Protocol):
    """Sees every request that reached a stage, once its response is ready (execution trace,
    access log: :mod:`vpcgate.observe`). ``latency_ms`` is the whole chain's time."""

    def __call__(self, inv: Invocation, response: HttpResponse, latency_ms: float) -> None: ...


class Gateway:
    """``async (HttpRequest) -> HttpResponse`` for every deployed stage. With ``observers``, each
    request records its steps' timings and is shown to every observer."""

    def __init__(self, registry: StageRegistry, observers: Sequence[Observer] = ()) -> None:
        self.registry = registry
        self.observers = tuple(observers)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        found = locate(self.registry.table, request)
        ids = new_ids()
        if found is None:
            return _forbidden(ids)
        stage, path = found
        if not self.observers:
            return await run_chain(Invocation(request, stage, path, ids))
        return await self._observed(Invocation(request, stage, path, ids, timings={}))

    async def _observed(self, inv: Invocation) -> HttpResponse:
        started = time.perf_counter()
        response = await run_chain(inv)
        latency_ms = (time.perf_counter() - started) * 1000
        for observer in self.observers:
            try:
                observer(inv, response, latency_ms)
            except Exception:
                log.exception("%s: an observer failed", inv.ids.request_id)
        return response


def _forbidden(ids: RequestIds) -> HttpResponse:
    # INVALID_API_KEY renders exactly AWS's bytes for an unknown stage (403, ForbiddenException).
    rendered = _BUILTIN.render(InvalidApiKeyError())
    headers = Headers(rendered.headers)
    headers.add("x-amzn-RequestId", ids.request_id)
    headers.add("x-amz-apigw-id", ids.extended_request_id)
    headers.add("X-Amzn-Trace-Id", ids.trace_id)
    return HttpResponse(rendered.status, headers, rendered.body)
