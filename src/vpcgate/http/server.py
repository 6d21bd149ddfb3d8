"""A small asyncio HTTP/1.1 server on ``httptools``: bytes in, ``HttpRequest``; ``HttpResponse``, bytes out.

It serves one ``async def handler(HttpRequest) -> HttpResponse`` with keep-alive, pipelining (answered
in order), ``Expect: 100-continue`` and a body-size cap. It is the only module that imports httptools.
It can serve a socket it is given (``serve(sock=...)``): that is how a listening socket created inside a
network namespace gets served by the host's event loop.

Errors::

    anything the handler raises  → 500 with an empty JSON body; the traceback goes to the log
    unparsable request            → 400, connection closed
    body over ``max_body``        → 413, connection closed
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from http import HTTPStatus

import httptools

from vpcgate.http.message import Headers, HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]

log = logging.getLogger("vpcgate.http")

DEFAULT_MAX_BODY = 16 * 1024 * 1024
_REASONS = {s.value: s.phrase for s in HTTPStatus}


class _DateCache:
    """RFC 7231 Date header, formatted at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._value = formatdate(second, usegmt=True)
        return self._value


_DATE = _DateCache()


def encode_response(response: HttpResponse, *, keep_alive: bool, head: bool = False) -> bytes:
    """The response's bytes on the wire (adds Content-Length, Date and Connection when absent)."""
    reason = _REASONS.get(response.status, "Unknown")
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    headers = response.headers
    if "content-length" not in headers:
        lines.append(f"Content-Length: {len(response.body)}")
    if "date" not in headers:
        lines.append(f"Date: {_DATE.now()}")
    if not keep_alive:
        lines.append("Connection: close")
    lines.extend(f"{name}: {value}" for name, value in headers)
    head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head_bytes if head else head_bytes + response.body


class _Connection(asyncio.Protocol):
    """One client connection: parse requests, answer them one after another."""

    def __init__(self, handler: Handler, max_body: int) -> None:
        self._handler = handler
        self._max_body = max_body
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] | None = None
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._body_size = 0
        self._queue: deque[tuple[HttpRequest, bool]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self._too_large = False

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._client = (str(peer[0]), int(peer[1]))

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:  # httptools wraps what a callback raises (_BodyTooLarge) in it
            self._fail(413 if self._too_large else 400)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()

    # -- httptools callbacks
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._body = []
        self._body_size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        for name, value in self._headers:
            if name.lower() == "expect" and value.lower() == "100-continue" and self._transport:
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._body_size > self._max_body:
            self._too_large = True
            raise _BodyTooLarge
        self._body.append(body)

    def on_message_complete(self) -> None:
        path, _, query = self._url.decode("latin-1").partition("?")
        request = HttpRequest(
            method=self._parser.get_method().decode("ascii"),
            path=path,
            query=query,
            headers=Headers(self._headers),
            body=b"".join(self._body),
            http_version=self._parser.get_http_version(),
            client=self._client,
        )
        self._queue.append((request, self._parser.should_keep_alive()))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._answer_all())

    # -- answering
    async def _answer_all(self) -> None:
        while self._queue and not self._closing:
            request, keep_alive = self._queue.popleft()
            response = await self._call(request)
            if self._transport is None or self._transport.is_closing():
                return
            self._transport.write(
                encode_response(response, keep_alive=keep_alive, head=request.method == "HEAD")
            )
            if not keep_alive:
                self._closing = True
                self._transport.close()

    async def _call(self, request: HttpRequest) -> HttpResponse:
        try:
            return await self._handler(request)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("unhandled error serving %s %s", request.method, request.path)
            return HttpResponse.of(500, b"{}", [("Content-Type", "application/json")])

    def _fail(self, status: int) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(encode_response(HttpResponse.of(status), keep_alive=False))
            self._transport.close()
        self._closing = True


class _BodyTooLarge(Exception):
    pass


class HttpServer:
    """Serves one handler on a host and port, or on a listening socket it is given."""

    def __init__(self, handler: Handler, *, max_body: int = DEFAULT_MAX_BODY) -> None:
        self._handler = handler
        self._max_body = max_body
        self._server: asyncio.Server | None = None

    async def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None
    ) -> None:
        """Start listening (returns once bound). ``port=0`` picks a free port; see ``address``."""
        loop = asyncio.get_running_loop()

        def factory() -> _Connection:
            return _Connection(self._handler, self._max_body)

        if sock is not None:
            self._server = await loop.create_server(factory, sock=sock)
        else:
            self._server = await loop.create_server(factory, host, port, reuse_address=True)

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("server is not listening")
        name = self._server.sockets[0].getsockname()
        return str(name[0]), int(name[1])

    async def close(self) -> None:
        """Stop accepting and close the listening sockets (open connections are left to finish)."""
        if self._server is not None:
            self._server.close()
            self._server = None
