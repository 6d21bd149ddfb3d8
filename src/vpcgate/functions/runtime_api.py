"""The Lambda Runtime API (2018-06-01), served to one ``provided*`` worker over HTTP.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

    GET  /2018-06-01/runtime/invocation/next              → 200, the event; Lambda-Runtime-* headers
    POST /2018-06-01/runtime/invocation/{id}/response     → 202 {"status":"OK"}
    POST /2018-06-01/runtime/invocation/{id}/error        → 202 {"status":"OK"}
    POST /2018-06-01/runtime/init/error                   → 202 {"status":"OK"}

The first ``next`` call marks the runtime ready (its Init phase is over). Each worker gets its own
listening socket from the launcher (``AWS_LAMBDA_RUNTIME_API`` names it), so requests need no worker
id and a worker inside a network namespace reaches the socket created for it there.

Errors answered to the runtime (``{"errorMessage", "errorType"}``)::

    400 InvalidRequestID       a response or error for an invocation that is not in progress
    404 NotFound               any other path
    413 RequestEntityTooLarge  a response over 6 MB (the invoker gets Function.ResponseSizeTooLarge)
"""

from __future__ import annotations

import asyncio
import json
import re

from vpcgate.functions.channel import settle
from vpcgate.functions.invocation import InvocationRequest, Reply, ReplyKind
from vpcgate.functions.launch import Launcher
from vpcgate.http.message import HttpRequest, HttpResponse
from vpcgate.http.server import HttpServer

_PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
_MAX_RESPONSE = 6 * 1024 * 1024
_JSON = ("Content-Type", "application/json")
_ACCEPTED = HttpResponse.of(202, b'{"status":"OK"}', [_JSON])


def _error(status: int, error_type: str, message: str) -> HttpResponse:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return HttpResponse.of(status, body, [_JSON])


def next_headers(request: InvocationRequest) -> list[tuple[str, str]]:
    """The headers of a ``/next`` response for ``request``."""
    headers = [
        _JSON,
        ("Lambda-Runtime-Aws-Request-Id", request.request_id),
        ("Lambda-Runtime-Deadline-Ms", str(request.deadline_ms)),
        ("Lambda-Runtime-Invoked-Function-Arn", request.invoked_arn),
        ("Lambda-Runtime-Trace-Id", request.trace_id),
    ]
    if request.client_context is not None:
        headers.append(("Lambda-Runtime-Client-Context", request.client_context))
    if request.identity is not None:
        headers.append(("Lambda-Runtime-Cognito-Identity", request.identity))
    return headers


class RuntimeApiChannel:
    """A Channel that serves the Runtime API to one worker."""

    def __init__(self, launcher: Launcher) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock, self.address = launcher.listen()
        self._server = HttpServer(self._handle, max_body=_MAX_RESPONSE + 1024 * 1024)
        self._ready: asyncio.Future[Reply | None] = self._loop.create_future()
        self._queue: asyncio.Queue[InvocationRequest] = asyncio.Queue()
        self._current: tuple[str, asyncio.Future[Reply]] | None = None

    # -- Channel
    def pass_fds(self) -> tuple[int, ...]:
        return ()

    def env(self) -> dict[str, str]:
        return {"AWS_LAMBDA_RUNTIME_API": self.address}

    async def attach(self) -> None:
        await self._server.serve(sock=self._sock)

    def ready(self) -> asyncio.Future[Reply | None]:
        return self._ready

    def invoke(self, request: InvocationRequest) -> asyncio.Future[Reply]:
        future: asyncio.Future[Reply] = self._loop.create_future()
        self._current = (request.request_id, future)
        self._queue.put_nowait(request)
        return future

    def abort(self, error: BaseException) -> None:
        if not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()
        if self._current is not None and not self._current[1].done():
            self._current[1].set_exception(error)
        self._current = None

    async def close(self) -> None:
        await self._server.close()
        self._sock.close()

    # -- HTTP
    async def _handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if request.method == "GET" and path == f"{_PREFIX}/invocation/next":
            return await self._next()
        if request.method == "POST" and path == f"{_PREFIX}/init/error":
            settle(self._ready, Reply(ReplyKind.INIT_ERROR, _error_body(request)))
            return _ACCEPTED
        match = _INVOCATION.match(path)
        if request.method == "POST" and match:
            return self._answer(match.group(1), match.group(2), request)
        return _error(404, "NotFound", f"no such Runtime API path: {request.method} {path}")

    async def _next(self) -> HttpResponse:
        settle(self._ready, None)
        invocation = await self._queue.get()
        return HttpResponse.of(200, invocation.payload, next_headers(invocation))

    def _answer(self, request_id: str, kind: str, request: HttpRequest) -> HttpResponse:
        if self._current is None or self._current[0] != request_id:
            return _error(400, "InvalidRequestID", f"invocation {request_id} is not in progress")
        _, future = self._current
        self._current = None
        if kind == "error":
            settle(future, Reply(ReplyKind.ERROR, _error_body(request)))
            return _ACCEPTED
        settle(future, Reply(ReplyKind.OK, request.body))
        if len(request.body) > _MAX_RESPONSE:
            return _error(
                413, "RequestEntityTooLarge", "Response payload size exceeded maximum allowed payload size"
            )
        return _ACCEPTED


def _error_body(request: HttpRequest) -> bytes:
    """The error document a runtime posted; built from Lambda-Runtime-Function-Error-Type if not JSON."""
    try:
        document = json.loads(request.body) if request.body else None
    except ValueError:
        document = None
    if isinstance(document, dict):
        return request.body
    error_type = request.headers.get("Lambda-Runtime-Function-Error-Type") or "Unhandled"
    message = request.body.decode("utf-8", "replace")
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()
