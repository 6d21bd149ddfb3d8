"""One outbound HTTP/1.1 connection: write a request, read its response, say whether it can be reused.

Owned by :mod:`vpcgate.http.client` (its pool hands these out one exchange at a time). The response
is parsed here, incrementally, as bytes arrive (``data_received``), because that is cheaper in
Python than a parser library's per-header callbacks for the small answers an integration gets, and
because httptools belongs to the server module (one module per third-party library).

What is read (RFC 9112): a status line ``HTTP/1.x SSS reason``; header lines up to an empty line
(obs-fold continuation lines are refused); 1xx interim answers are skipped; the body is empty for
HEAD, 1xx, 204 and 304, de-chunked when the last transfer coding is ``chunked`` (trailers are read
and dropped), ``Content-Length`` bytes when given, else everything until the server closes. The
headers are handed on exactly as received (names in their case, ``Transfer-Encoding`` included).

A connection is reused only when the answer was HTTP/1.1, its body was delimited (length or
chunks) and neither side said ``Connection: close``.

Errors::

    ResponseError       the bytes are not an HTTP/1.x response (set on the pending future)
    ConnectionLost      the server closed or reset before the response was complete
"""

from __future__ import annotations

import asyncio
import re
from typing import cast

__all__ = ["ConnectionLost", "OutboundConnection", "RawResponse", "ResponseError"]

MAX_HEAD = 256 * 1024  # a response head larger than this is refused
_STATUS = re.compile(rb"HTTP/1\.([01]) (\d{3})(?: [^\r\n]*)?")
_NO_BODY = frozenset({204, 304})


class ResponseError(Exception):
    """The server's bytes are not an HTTP/1.x response."""


class ConnectionLost(Exception):
    """The connection ended before the response was complete (``received``: whether any byte came)."""

    def __init__(self, message: str, *, received: bool) -> None:
        super().__init__(message)
        self.received = received


RawResponse = tuple[int, list[tuple[str, str]], bytes]

_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE, _IDLE = range(7)


class OutboundConnection(asyncio.Protocol):
    """The protocol of one pooled connection; ``exchange`` runs one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self._buffer = bytearray()
        self._state = _IDLE
        self._waiter: asyncio.Future[RawResponse] | None = None
        self._head_only = False
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._body = bytearray()
        self._left = 0
        self._keep = False
        self._received = False

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self._state == _IDLE:  # bytes nobody asked for: the connection cannot be trusted
            self.close()
            return
        self._received = True
        self._buffer += data
        try:
            self._advance()
        except ResponseError as error:
            self._fail(error)

    def eof_received(self) -> bool | None:
        if self._state == _UNTIL_CLOSE:
            self._keep = False
            self._finish()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        if self._state == _UNTIL_CLOSE:
            self._keep = False
            self._finish()
            return
        why = f"connection lost: {exc}" if exc else "the server closed the connection"
        self._fail(ConnectionLost(why, received=self._received))

    # -- one exchange
    def exchange(self, request: bytes, *, head_only: bool) -> asyncio.Future[RawResponse]:
        """Send ``request`` (already encoded); the future resolves with (status, headers, body)."""
        assert self.transport is not None and self._state == _IDLE
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        self._head_only = head_only
        self._received = False
        self.reusable = False
        self._buffer.clear()
        self._state = _HEAD
        self.transport.write(request)
        return self._waiter

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    # -- parsing
    def _advance(self) -> None:
        while True:
            state = self._state
            if state == _HEAD:
                if not self._read_head():
                    return
            elif state == _LENGTH:
                if len(self._buffer) < self._left:
                    return
                self._body += self._buffer[: self._left]
                del self._buffer[: self._left]
                self._finish()
                return
            elif state == _CHUNK_SIZE:
                if not self._read_chunk_size():
                    return
            elif state == _CHUNK_DATA:
                if len(self._buffer) < self._left + 2:
                    return
                if self._buffer[self._left : self._left + 2] != b"\r\n":
                    raise ResponseError("a chunk does not end with CRLF")
                self._body += self._buffer[: self._left]
                del self._buffer[: self._left + 2]
                self._state = _CHUNK_SIZE
            elif state == _TRAILER:
                end = self._buffer.find(b"\r\n")
                if end < 0:
                    return
                del self._buffer[: end + 2]
                if end == 0:
                    self._finish()
                    return
            elif state == _UNTIL_CLOSE:
                self._body += self._buffer
                self._buffer.clear()
                return
            else:  # _IDLE: the response is complete
                return

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ResponseError("the response head is too large")
            return False
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        del self._buffer[: end + 4]
        match = _STATUS.fullmatch(lines[0])
        if match is None:
            raise ResponseError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        status = int(match.group(2))
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip() or line[:1] in (b" ", b"\t"):
                raise ResponseError(f"malformed header line: {line[:80]!r}")
            headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        if 100 <= status < 200 and status != 101:
            return True  # an interim answer: the real one follows
        self._start_body(status, headers, http11=match.group(1) == b"1")
        return True

    def _start_body(self, status: int, headers: list[tuple[str, str]], *, http11: bool) -> None:
        self._status, self._headers = status, headers
        self._body = bytearray()
        length: str | None = None
        coding: str | None = None
        close = False
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                if length is not None and value != length:
                    raise ResponseError("conflicting Content-Length headers")
                length = value
            elif lower == "transfer-encoding":
                coding = value
            elif lower == "connection":
                close = close or "close" in value.lower()
        self._keep = http11 and not close
        if self._head_only or status in _NO_BODY or status < 200:
            self._finish()
        elif coding is not None:
            if coding.rsplit(",", 1)[-1].strip().lower() != "chunked":
                self._keep = False
                self._state = _UNTIL_CLOSE
            else:
                self._state = _CHUNK_SIZE
        elif length is not None:
            if not length.isdigit():
                raise ResponseError(f"malformed Content-Length: {length[:40]!r}")
            self._left = int(length)
            self._state = _LENGTH
        else:
            self._keep = False
            self._state = _UNTIL_CLOSE

    def _read_chunk_size(self) -> bool:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ResponseError("a chunk size line is too long")
            return False
        text = bytes(self._buffer[:end]).split(b";", 1)[0].strip(b" \t")
        del self._buffer[: end + 2]
        try:
            size = int(text, 16)
        except ValueError:
            raise ResponseError(f"malformed chunk size: {text[:40]!r}") from None
        if size < 0 or not text.isalnum():
            raise ResponseError(f"malformed chunk size: {text[:40]!r}")
        self._left = size
        self._state = _CHUNK_DATA if size else _TRAILER
        return True

    def _finish(self) -> None:
        self._state = _IDLE
        self.reusable = self._keep and not self._buffer and not self.closed
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self._status, self._headers, bytes(self._body)))

    def _fail(self, error: Exception) -> None:
        self._state = _IDLE
        waiter, self._waiter = self._waiter, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
