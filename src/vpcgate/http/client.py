"""The outbound HTTP client: pooled keep-alive connections, one deadline per request.

The gateway's HTTP and HTTP_PROXY integrations call endpoints through :class:`HttpClient`. It is
vpcgate's own HTTP/1.1 client on asyncio (the wire work is in
:mod:`vpcgate.http.client_connection`): measured against aiohttp's client on the HTTP_PROXY path,
aiohttp cost ~100 µs of CPU a request, about two thirds of the gateway's share; this one pays for
what an integration needs and nothing else (no cookie jar, no URL requoting, no auto headers).
Requests and responses are our own values: the caller never sees an asyncio or socket type.

What is sent: ``METHOD target HTTP/1.1``, ``Host`` first (the URL's host, with the port unless it
is the scheme's default; a ``Host`` the caller passes takes its value), the caller's headers in
their order and case, and ``Content-Length`` when there is a body (``0`` for an empty POST, PUT,
PATCH or DELETE). The target is the URL's path and query as given, with only what may not
appear in a request line percent-encoded (spaces, non-ASCII, controls); a header name or value
with CR, LF or NUL is refused (ClientConnectError), never sent. Nothing is decoded or
decompressed: the body goes out and comes back as bytes (API Gateway hands the endpoint's bytes on);
redirects are not followed (API Gateway returns a 3xx to the client).

Connections are kept per origin (scheme, host, port) and reused newest first; at most ``limit`` are
open at once (more requests wait for one). A kept connection the server closed between requests is
dropped when it reports so; if one fails before any byte of the answer arrives, an idempotent
request is sent once more on a new connection. Host names are resolved with the loop's resolver and
remembered for 60 s; https uses the system's trust store and checks the host name.

A client made with ``socket_factory`` opens every connection on a socket that factory makes: a VPC
link's client makes its sockets inside the load balancer's network namespace, so its connections
start from inside the VPC and obey its security groups (``vpcgate.gateway.integrations.vpc_link``).

Errors::

    ClientError               the endpoint could not be used
    ├── ClientTimeout         no complete response before the deadline
    └── ClientConnectError    connection refused, reset, DNS failure, malformed response
        └── ClientUnreachable no connection could be opened (nothing was sent: safe to try elsewhere)
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from vpcgate.http.client_connection import ConnectionLost, OutboundConnection, ResponseError
from vpcgate.http.message import Headers

__all__ = [
    "ClientConnectError",
    "ClientError",
    "ClientResponse",
    "ClientTimeout",
    "ClientUnreachable",
    "HttpClient",
    "SocketFactory",
]


class ClientError(Exception):
    """An outbound request failed (the message says how; never shown to a client)."""


class ClientTimeout(ClientError):
    """The endpoint did not answer in time."""


class ClientConnectError(ClientError):
    """The endpoint could not be reached, or answered something that is not HTTP."""


class ClientUnreachable(ClientConnectError):
    """No connection could be opened (refused, unreachable): the request was not sent."""


# Makes an unconnected TCP socket of the given address family (the client connects it).
SocketFactory = Callable[[int], socket.socket]


@dataclass(frozen=True, slots=True)
class ClientResponse:
    status: int
    headers: Headers
    body: bytes


DNS_TTL = 60.0
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_EMPTY_LENGTH = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # an empty body still says Content-Length: 0
_DEFAULT_PORT = {"http": 80, "https": 443}
# Left as they are in the request target; anything else (space, non-ASCII, control) is percent-encoded.
_TARGET_SAFE = "/%?=&;:@!$'()*+,~-._[]"
_FORBIDDEN = re.compile(r"[\r\n\0]")  # header injection: refused, never sent
Origin = tuple[str, str, int]  # scheme, host, port


@dataclass(frozen=True, slots=True)
class _Target:
    origin: Origin
    host_header: str
    path: str


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORT or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or _DEFAULT_PORT[scheme]
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    if parts.port is not None and parts.port != _DEFAULT_PORT[scheme]:
        shown += f":{parts.port}"
    path = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return _Target((scheme, host, port), shown, path)


def _encode(method: str, target: _Target, headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    host = target.host_header
    lines = []
    for name, value in headers:
        if _FORBIDDEN.search(name) or _FORBIDDEN.search(value):
            raise ValueError(f"a line break or NUL in header {name!r}")
        if name.lower() == "host":
            host = value
        else:
            lines.append(f"{name}: {value}\r\n")
    if body or method in _EMPTY_LENGTH:
        lines.append(f"Content-Length: {len(body)}\r\n")
    head = f"{method} {target.path} HTTP/1.1\r\nHost: {host}\r\n{''.join(lines)}\r\n"
    return head.encode("latin-1") + body


class HttpClient:
    """One pool of keep-alive connections for every outbound request of a process."""

    def __init__(self, *, limit: int = 256, socket_factory: SocketFactory | None = None) -> None:
        self._limit = limit
        self._socket_factory = socket_factory
        self._idle: dict[Origin, list[OutboundConnection]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._addresses: dict[tuple[str, int], tuple[float, list[tuple[int, tuple[str, int]]]]] = {}
        self._tls: ssl.SSLContext | None = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        timeout: float,
    ) -> ClientResponse:
        """Send one request; the whole exchange (connect to last body byte) gets ``timeout`` seconds."""
        try:
            target = _target(url)
            data = _encode(method, target, headers, body)
        except (ValueError, UnicodeError) as error:
            raise ClientConnectError(f"{method} {url}: {error}") from None
        try:
            async with asyncio.timeout(timeout):
                status, pairs, payload = await self._send(method, target, data)
        except TimeoutError:
            raise ClientTimeout(f"{method} {url}: no response within {timeout:g} s") from None
        except _Unreachable as error:
            raise ClientUnreachable(f"{method} {url}: {error}") from None
        except (ConnectionLost, ResponseError, OSError) as error:
            raise ClientConnectError(f"{method} {url}: {error}") from None
        return ClientResponse(status, Headers(pairs), payload)

    async def _send(
        self, method: str, target: _Target, data: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._limit)
        async with self._slots:
            connection, reused = self._take(target.origin), True
            if connection is None:
                connection, reused = await self._connect(target.origin), False
            try:
                answer = await connection.exchange(data, head_only=method == "HEAD")
            except ConnectionLost as lost:
                self._drop(connection)
                if not (reused and not lost.received and method in _IDEMPOTENT):
                    raise
                connection = await self._connect(target.origin)
                answer = await self._exchange_once(connection, data, method)
            except BaseException:
                self._drop(connection)
                raise
            self._give_back(target.origin, connection)
            return answer

    async def _exchange_once(
        self, connection: OutboundConnection, data: bytes, method: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        try:
            return await connection.exchange(data, head_only=method == "HEAD")
        except BaseException:
            self._drop(connection)
            raise

    # -- the pool
    def _take(self, origin: Origin) -> OutboundConnection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    def _give_back(self, origin: Origin, connection: OutboundConnection) -> None:
        if connection.reusable:
            self._idle.setdefault(origin, []).append(connection)
        else:
            self._drop(connection)

    @staticmethod
    def _drop(connection: OutboundConnection) -> None:
        connection.close()

    async def _connect(self, origin: Origin) -> OutboundConnection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self._tls_context() if scheme == "https" else None
        last: Exception | None = None
        for family, address in await self._resolve(host, port):
            try:
                if self._socket_factory is None:
                    _, connection = await loop.create_connection(
                        OutboundConnection,
                        address[0],
                        address[1],
                        ssl=tls,
                        server_hostname=host if tls else None,
                    )
                else:
                    connection = await self._connect_made(family, address, tls, host)
            except OSError as error:
                last = error
                continue
            return connection
        raise _Unreachable(str(last) if last else f"no address for {host}")

    async def _connect_made(
        self, family: int, address: tuple[str, int], tls: ssl.SSLContext | None, host: str
    ) -> OutboundConnection:
        assert self._socket_factory is not None
        loop = asyncio.get_running_loop()
        sock = self._socket_factory(family)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
            _, connection = await loop.create_connection(
                OutboundConnection, sock=sock, ssl=tls, server_hostname=host if tls else None
            )
        except BaseException:
            sock.close()
            raise
        return connection

    async def _resolve(self, host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        key = (host, port)
        now = time.monotonic()
        cached = self._addresses.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        literal = _literal(host, port)
        if literal is not None:
            self._addresses[key] = (float("inf"), literal)
            return literal
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise _Unreachable(f"cannot resolve {host}: {error}") from None
        found = [(int(info[0]), (str(info[4][0]), int(info[4][1]))) for info in infos]
        self._addresses[key] = (now + DNS_TTL, found)
        return found

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    async def close(self) -> None:
        """Close every kept connection (a closed client opens new ones if used again)."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports finish closing


class _Unreachable(Exception):
    """No connection could be opened."""


def _literal(host: str, port: int) -> list[tuple[int, tuple[str, int]]] | None:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return [(family, (host, port))]
    return None
