"""A small asyncio HTTP/1.1 server on ``httptools`` that can face the internet: bytes in,
``HttpRequest``; ``HttpResponse``, bytes out. The only module that imports httptools.

It serves one ``async def handler(HttpRequest) -> HttpResponse`` with keep-alive, pipelining
(answered in order; reading pauses when ``max_pipeline`` requests wait), ``Expect: 100-continue``
(sent only when the request is next in line) and graceful shutdown (:meth:`HttpServer.shutdown`).
It can serve a socket it is given (``serve(sock=...)``): a listening socket created inside a
network namespace, or one shared by worker processes (:mod:`vpcgate.http.workers`).

As an edge it parses with llhttp in strict mode (every lenient flag explicitly off), adds the head
checks of :mod:`vpcgate.http.framing`, bounds sizes and times with :class:`ServerLimits`
(:mod:`vpcgate.http.limits`), never merges chunked trailers into the headers, and refuses to send
a response header that would split the response (CR, LF or NUL in it: the handler's response is
replaced by a 500). A connection is closed after any error response. An ``Upgrade`` request is
answered as a plain request and the connection closed (no protocol switch is offered). A client
that half-closes after complete requests still gets their answers.

Errors (each answered through ``error_response(status)``, then the connection is closed)::

    anything the handler raises      → 500, the traceback to the log, nothing of it to the client
    a response header with CR/LF/NUL → 500 (logged)
    unparsable request, smuggling    → 400 (Rejected, or llhttp's HttpParserError)
    Expect other than 100-continue   → 417
    HTTP/2.0 and other majors        → 505
    body over max_body               → 413 (from Content-Length before reading, or while reading;
                                       also chunk framing and extensions over max_body)
    target over max_target           → 414
    header values, count or head     → 431
    head or body not sent in time    → 408 (a connection that sent nothing is closed quietly)
    responses not read in time       → the connection is aborted (send_timeout)
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from email.utils import formatdate
from http import HTTPStatus
from typing import cast

import httptools

from vpcgate.http.framing import Head, Rejected, inspect_head
from vpcgate.http.limits import DEFAULT_LIMITS, ServerLimits
from vpcgate.http.message import Headers, HttpRequest, HttpResponse

__all__ = ["DEFAULT_MAX_BODY", "ErrorResponse", "Handler", "HttpServer", "default_error", "encode_response"]

Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]
ErrorResponse = Callable[[int], HttpResponse]

log = logging.getLogger("vpcgate.http")

DEFAULT_MAX_BODY = DEFAULT_LIMITS.max_body
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# The body API Gateway's REQUEST_TOO_LARGE gateway response carries by default (vpcgate.gateway.errors).
_MESSAGES = {413: "Request Too Long"}


def default_error(status: int) -> HttpResponse:
    """``{"message":"<reason>"}`` as API Gateway shapes its errors (AWS documents no body for these)."""
    message = _MESSAGES.get(status, _REASONS.get(status, "Error"))
    body = ('{"message":"' + message + '"}').encode()
    return HttpResponse.of(status, body, [("Content-Type", "application/json")])


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


class UnsafeResponse(ValueError):
    """A response header contains CR, LF or NUL (it would split the response)."""


def encode_response(
    response: HttpResponse, *, keep_alive: bool, head: bool = False, http_version: str = "1.1"
) -> bytes:
    """The response's bytes on the wire (adds Content-Length, Date and Connection; the handler's own
    Connection header is dropped: hop-by-hop framing is the server's). Raises UnsafeResponse."""
    return _assemble(response, _scan(response), keep_alive, head, http_version)


class _Scan:
    """The handler's headers as lines, and what the server must know of them (one pass)."""

    __slots__ = ("has_date", "has_length", "lines", "wants_close")

    def __init__(self, lines: list[str], has_length: bool, has_date: bool, wants_close: bool) -> None:
        self.lines = lines
        self.has_length = has_length
        self.has_date = has_date
        self.wants_close = wants_close


def _scan(response: HttpResponse) -> _Scan:
    lines: list[str] = []
    has_length = has_date = wants_close = False
    for name, value in response.headers:
        lower = name.lower()
        if lower == "connection":
            wants_close = wants_close or value.lower() == "close"
            continue
        if lower == "content-length":
            has_length = True
        elif lower == "date":
            has_date = True
        lines.append(f"{name}: {value}")
    return _Scan(lines, has_length, has_date, wants_close)


def _assemble(response: HttpResponse, scan: _Scan, keep_alive: bool, head: bool, http_version: str) -> bytes:
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    if not scan.has_length:
        lines.append(f"Content-Length: {len(response.body)}")
    if not scan.has_date:
        lines.append(f"Date: {_DATE.now()}")
    if not keep_alive:
        lines.append("Connection: close")
    elif http_version == "1.0":
        lines.append("Connection: keep-alive")
    lines += scan.lines
    text = "\r\n".join(lines) + "\r\n\r\n"
    if text.count("\n") != len(lines) + 1 or text.count("\r") != len(lines) + 1 or "\0" in text:
        raise UnsafeResponse(f"a header of the {status} response contains CR, LF or NUL")
    head_bytes = text.encode("latin-1")
    return head_bytes if head else head_bytes + response.body


class _Site:
    """What every connection of one server shares."""

    def __init__(self, handler: Handler, limits: ServerLimits, error_response: ErrorResponse) -> None:
        self.handler = handler
        self.limits = limits
        self.error_response = error_response
        self.connections: set[_Connection] = set()
        self.draining = False
        self.all_closed = asyncio.Event()
        self.all_closed.set()
        self.sweeper: asyncio.Task[None] | None = None
        self.closed = False  # no longer accepting

    def start_sweeper(self) -> None:
        """Expire deadlines a few times per shortest timeout (one task, not a timer per request)."""
        limits = self.limits
        timeouts = [
            t
            for t in (
                limits.header_timeout,
                limits.body_timeout,
                limits.keep_alive_timeout,
                limits.send_timeout,
            )
            if t
        ]
        tick = min(1.0, max(0.01, min([*timeouts, limits.linger_timeout]) / 4))
        self.sweeper = asyncio.get_running_loop().create_task(self._sweep(tick))

    async def _sweep(self, tick: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(tick)
            now = loop.time()
            for connection in list(self.connections):
                connection.sweep(now)
            if self.closed and not self.connections:
                return

    def stop_sweeper(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
            self.sweeper = None


_Item = tuple[HttpRequest, bool] | Rejected


class _Connection(asyncio.Protocol):
    """One client connection: parse requests, check them, answer them one after another."""

    def __init__(self, site: _Site) -> None:
        self._site = site
        self._limits = site.limits
        self._parser = httptools.HttpRequestParser(self)
        self._parser.set_dangerous_leniencies(
            lenient_headers=False,
            lenient_chunked_length=False,
            lenient_keep_alive=False,
            lenient_transfer_encoding=False,
            lenient_version=False,
            lenient_data_after_close=False,
            lenient_optional_lf_after_cr=False,
            lenient_optional_cr_before_lf=False,
            lenient_optional_crlf_after_chunk=False,
            lenient_spaces_after_chunk_size=False,
        )
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] | None = None
        # the message being read
        self._in_head = True  # reading a request line / header section (or waiting for one)
        self._in_message = False
        self._head_bytes = 0
        self._url: list[bytes] = []
        self._url_size = 0
        self._headers: list[tuple[str, str]] = []
        self._values_size = 0
        self._head: Head | None = None
        self._body: list[bytes] = []
        self._body_size = 0
        self._body_raw = 0  # bytes received while reading this body
        self._rejection: Rejected | None = None
        # answering
        self._queue: deque[_Item] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._continue_pending = False
        self._stop_reading = False
        self._peer_done = False  # the client half-closed after complete requests
        self._paused = False
        self._closed = False
        self._writable: asyncio.Future[None] | None = None
        # deadlines
        self._loop = asyncio.get_running_loop()
        self._deadline = 0.0  # loop time; 0: none
        self._timer_kind = ""
        self._unsent = 0  # write buffer size at the last sweep
        self._stalled_since = 0.0  # loop time the unsent bytes stopped moving; 0: they move

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports are duck-typed
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._client = (str(peer[0]), int(peer[1]))
        self._site.connections.add(self)
        self._site.all_closed.clear()
        self._arm("head", self._limits.header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._stop_reading:
            return
        try:
            if self._in_head and len(data) > self._limits.max_head - self._head_bytes:
                self._feed_bounded(data)
            elif self._in_head:
                self._head_bytes += len(data)
                self._parser.feed_data(data)
            else:
                self._feed_body(data)
        except httptools.HttpParserUpgrade:
            self._stop()  # the request is complete and queued; no protocol switch: close after it
        except Rejected as rejected:
            self._fail(rejected)
        except httptools.HttpParserError as error:
            if self._rejection is not None:
                self._fail(self._rejection)
            elif not self._stop_reading:  # bytes after a 'Connection: close' request are ignored
                self._fail(Rejected(400, str(error)))

    def eof_received(self) -> bool | None:
        """The client half-closed: answer what it has fully sent, then close (None: close now)."""
        self._stop_reading = True
        self._cancel_timer()
        if self._idle() or self._in_message:
            return None
        self._peer_done = True
        return True

    def _feed_bounded(self, data: bytes) -> None:
        """Feed a head no further than ``max_head`` bytes, so a huge header is never buffered."""
        while data and not self._stop_reading:
            if not self._in_head:
                self._feed_body(data)
                return
            room = self._limits.max_head - self._head_bytes
            if room <= 0:
                raise Rejected(431, "request head too large")
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            self._parser.feed_data(piece)

    def _feed_body(self, data: bytes) -> None:
        """Feed body bytes, bounding what a body costs beyond its bytes: chunk sizes, extensions
        (llhttp skips them without a limit) and trailers may not add up to more than ``max_body``."""
        self._body_raw += len(data)
        self._parser.feed_data(data)
        if not self._in_head and self._body_raw - self._body_size > self._limits.max_body:
            raise Rejected(413, "chunk framing too large")

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._stop_reading = True
        self._cancel_timer()
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._site.connections.discard(self)
        if not self._site.connections:
            self._site.all_closed.set()

    def pause_writing(self) -> None:
        if self._writable is None or self._writable.done():
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    # -- httptools callbacks
    def on_message_begin(self) -> None:
        self._in_message = True
        self._url = []
        self._url_size = 0
        self._headers = []
        self._values_size = 0
        self._head = None
        self._body = []
        self._body_size = 0
        self._body_raw = 0
        if self._timer_kind != "head":
            self._arm("head", self._limits.header_timeout)

    def on_url(self, url: bytes) -> None:
        self._url_size += len(url)
        if self._url_size > self._limits.max_target:
            self._reject(414, "request target too long")
        self._url.append(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_head:  # a chunked trailer: bounded like the body, never merged into headers
            self._count_body(len(name) + len(value))
            return
        self._values_size += len(value)
        if self._values_size > self._limits.max_header_values:
            self._reject(431, "header values too large")
        if len(self._headers) >= self._limits.max_headers:
            self._reject(431, "too many header fields")
        # llhttp drops a value's leading whitespace but keeps the trailing (RFC 9110 §5.5: not part of it)
        self._headers.append((name.decode("latin-1"), value.decode("latin-1").rstrip(" \t")))

    def on_headers_complete(self) -> None:
        self._in_head = False
        parser = self._parser
        target = b"".join(self._url).decode("latin-1")
        try:
            head = inspect_head(
                parser.get_method().decode("ascii"), target, parser.get_http_version(), self._headers
            )
        except Rejected as rejected:
            self._rejection = rejected
            raise
        self._head = head
        if head.content_length is not None and head.content_length > self._limits.max_body:
            self._reject(413, "body too large")
        if head.content_length or head.chunked:
            self._arm("body", self._limits.body_timeout)
        if head.expect_continue:
            self._continue_pending = True
            if self._idle():
                self._send_continue()

    def on_body(self, body: bytes) -> None:
        self._count_body(len(body))
        self._body.append(body)

    def _count_body(self, size: int) -> None:
        self._body_size += size
        if self._body_size > self._limits.max_body:
            self._reject(413, "body too large")

    def on_message_complete(self) -> None:
        head = self._head
        assert head is not None
        headers = Headers(self._headers)
        if head.host is not None:
            headers.set("Host", head.host)
        request = HttpRequest(
            method=head.method,
            path=head.path,
            query=head.query,
            headers=headers,
            body=b"".join(self._body),
            http_version=head.version,
            client=self._client,
        )
        self._in_head = True
        self._in_message = False
        self._head_bytes = 0
        self._continue_pending = False
        self._cancel_timer()
        keep_alive = self._parser.should_keep_alive() and not self._site.draining
        self._enqueue((request, keep_alive))
        if not keep_alive:
            self._stop()
        elif len(self._queue) >= self._limits.max_pipeline and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _reject(self, status: int, reason: str) -> None:
        self._rejection = Rejected(status, reason)
        raise self._rejection

    # -- answering
    def _enqueue(self, item: _Item) -> None:
        self._queue.append(item)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._answer_all())

    def _idle(self) -> bool:
        return not self._queue and (self._worker is None or self._worker.done())

    async def _answer_all(self) -> None:
        while self._queue and not self._closed:
            item = self._queue.popleft()
            self._maybe_resume()
            if isinstance(item, Rejected):
                self._write_and_close(self._site.error_response(item.status), "1.1")
                return
            request, keep_alive = item
            response = await self._call(request)
            if self._closed:
                return
            last = not self._queue and (self._site.draining or self._stop_reading)
            scan = _scan(response)
            if not keep_alive or last or scan.wants_close:
                self._write_and_close(
                    response, request.http_version, head=request.method == "HEAD", scan=scan
                )
                return
            assert self._transport is not None
            self._transport.write(
                self._encode(response, scan, True, request.http_version, request.method == "HEAD")
            )
            if self._writable is not None:
                await self._writable
        self._after_queue()

    def _after_queue(self) -> None:
        if self._closed:
            return
        if self._continue_pending and self._in_message:
            self._send_continue()
        if self._in_message:
            return
        if self._site.draining:
            self._close()
        else:
            self._arm("idle", self._limits.keep_alive_timeout)

    def _encode(
        self, response: HttpResponse, scan: _Scan, keep_alive: bool, version: str, head: bool
    ) -> bytes:
        try:
            return _assemble(response, scan, keep_alive, head, version)
        except UnsafeResponse:
            log.exception("refused to send a response")
            error = self._site.error_response(500)
            return _assemble(error, _scan(error), keep_alive, False, version)

    def _write_and_close(
        self, response: HttpResponse, version: str, *, head: bool = False, scan: _Scan | None = None
    ) -> None:
        self._queue.clear()  # this is the last answer on this connection
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(self._encode(response, scan or _scan(response), False, version, head))
        if self._peer_done or not transport.can_write_eof():
            self._close()
            return
        transport.write_eof()  # lingering close: FIN now, discard the client's bytes, close later
        self._stop_reading = True
        transport.resume_reading()
        self._arm("linger", self._limits.linger_timeout)

    def _send_continue(self) -> None:
        self._continue_pending = False
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(_CONTINUE)

    async def _call(self, request: HttpRequest) -> HttpResponse:
        try:
            return await self._site.handler(request)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("unhandled error serving %s %s", request.method, request.path)
            return HttpResponse.of(500, b"{}", [("Content-Type", "application/json")])

    # -- stopping
    def _stop(self) -> None:
        """Read nothing more from this client (its last request is queued, or it failed)."""
        self._stop_reading = True
        self._cancel_timer()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.pause_reading()

    def _fail(self, rejected: Rejected) -> None:
        """Answer ``rejected.status`` after the responses already due, then close."""
        self._stop()
        self._rejection = None
        self._enqueue(rejected)

    def _close(self) -> None:
        self._stop_reading = True
        self._cancel_timer()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def _maybe_resume(self) -> None:
        if self._paused and len(self._queue) < self._limits.max_pipeline // 2 and not self._stop_reading:
            self._paused = False
            if self._transport is not None:
                self._transport.resume_reading()

    def drain(self) -> None:
        """The server is shutting down: close now if idle, else after the response in progress."""
        if self._idle() and not self._in_message:
            self._close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # -- deadlines
    def _arm(self, kind: str, seconds: float | None) -> None:
        if seconds is None or self._closed:
            self._deadline = 0.0
            self._timer_kind = ""
        else:
            self._deadline = self._loop.time() + seconds
            self._timer_kind = kind

    def _cancel_timer(self) -> None:
        self._deadline = 0.0
        self._timer_kind = ""

    def sweep(self, now: float) -> None:
        """Called by the server's sweeper: expire this connection's deadline if it has passed, and
        abort it if its unsent bytes have not moved for ``send_timeout``."""
        if self._deadline and self._deadline <= now:
            self._expired(self._timer_kind)
        transport = self._transport
        limit = self._limits.send_timeout
        if transport is None or limit is None:
            return
        size = transport.get_write_buffer_size()
        if not size or size < self._unsent:
            self._stalled_since = 0.0 if not size else now
        elif not self._stalled_since:
            self._stalled_since = now
        self._unsent = size
        if self._stalled_since and now - self._stalled_since > limit:
            log.info("aborting a connection whose client reads nothing")
            transport.abort()

    def _expired(self, kind: str) -> None:
        self._cancel_timer()
        started = self._in_message or self._head_bytes > 0
        if kind == "linger":
            self._close()
            return
        if kind == "idle" or (kind == "head" and not started):
            if self._idle():
                self._close()
            return
        self._fail(Rejected(408, f"the request {kind} was not received in time"))


class HttpServer:
    """Serves one handler on a host and port, or on a listening socket it is given.

    ``limits`` bounds sizes and times (``DEFAULT_LIMITS`` for internal listeners, ``EDGE_LIMITS``
    for the public front); ``max_body``, when given, overrides ``limits.max_body``.
    ``error_response(status)`` builds the response for a refused request (default:
    :func:`default_error`), so the gateway can render its own gateway responses.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        max_body: int | None = None,
        limits: ServerLimits = DEFAULT_LIMITS,
        error_response: ErrorResponse = default_error,
    ) -> None:
        if max_body is not None:
            limits = replace(limits, max_body=max_body)
        self._handler = handler
        self.limits = limits
        self._error_response = error_response
        self._server: asyncio.Server | None = None
        self._site: _Site | None = None

    async def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None
    ) -> None:
        """Start listening (returns once bound). ``port=0`` picks a free port; see ``address``."""
        loop = asyncio.get_running_loop()
        site = _Site(self._handler, self.limits, self._error_response)

        def factory() -> _Connection:
            return _Connection(site)

        if sock is not None:
            self._server = await loop.create_server(factory, sock=sock)
        else:
            self._server = await loop.create_server(factory, host, port, reuse_address=True)
        self._site = site
        site.start_sweeper()

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("server is not listening")
        name = self._server.sockets[0].getsockname()
        return str(name[0]), int(name[1])

    @property
    def connections(self) -> int:
        """Open client connections."""
        return len(self._site.connections) if self._site is not None else 0

    async def close(self) -> None:
        """Stop accepting and close the listening sockets (open connections are left to finish)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._site is not None:
            self._site.closed = True

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Graceful stop: stop accepting; close idle connections now; let requests in flight (and
        requests already received on their connection) be answered, with ``Connection: close``;
        after ``timeout`` seconds abort whatever is still open."""
        await self.close()
        site = self._site
        if site is None:
            return
        site.draining = True
        for connection in list(site.connections):
            connection.drain()
        try:
            await asyncio.wait_for(site.all_closed.wait(), timeout)
        except TimeoutError:
            log.warning("%d connections still open at shutdown: aborted", len(site.connections))
            for connection in list(site.connections):
                connection.abort()
            await asyncio.sleep(0)
        site.stop_sweeper()
