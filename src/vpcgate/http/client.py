"""The outbound HTTP client: pooled keep-alive connections, one deadline per request.

The gateway's HTTP and HTTP_PROXY integrations call endpoints through :class:`HttpClient`; it is the
only module that imports aiohttp (measured fastest on this machine under concurrency, DESIGN.md).
Requests and responses are our own :class:`~vpcgate.http.message.HttpRequest`-like values: the
caller never sees an aiohttp type or exception.

Nothing is decoded or decompressed: the body goes out and comes back as bytes (API Gateway hands
the endpoint's bytes on); redirects are not followed (API Gateway returns a 3xx to the client).

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
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import aiohttp

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


# Headers aiohttp would otherwise add on its own; API Gateway sends none of them by default.
_SKIP_AUTO = frozenset({"User-Agent", "Accept", "Accept-Encoding", "Content-Type"})


class HttpClient:
    """One pool of keep-alive connections for every outbound request of a process."""

    def __init__(self, *, limit: int = 256, socket_factory: SocketFactory | None = None) -> None:
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._socket_factory = socket_factory

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            factory = self._socket_factory
            connector = aiohttp.TCPConnector(
                limit=self._limit,
                ttl_dns_cache=60,
                socket_factory=None if factory is None else (lambda info: factory(int(info[0]))),
            )
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=_SKIP_AUTO
            )
        return self._session

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
        session = self._open()
        try:
            async with asyncio.timeout(timeout):
                async with session.request(
                    method,
                    url,
                    headers=list(headers),
                    data=body or None,
                    allow_redirects=False,
                ) as response:
                    data = await response.read()
                    pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers]
                    return ClientResponse(response.status, Headers(pairs), data)
        except TimeoutError:
            raise ClientTimeout(f"{method} {url}: no response within {timeout:g} s") from None
        except aiohttp.ClientConnectorError as error:
            raise ClientUnreachable(f"{method} {url}: {error}") from None
        except (aiohttp.ClientError, ValueError, OSError) as error:
            raise ClientConnectError(f"{method} {url}: {error}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
