"""EDGE_LIMITS at AWS's numbers (REST API quotas): a 10240-character URL, 10240 bytes of header
values, a 10 MB payload; one past each is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.http.conftest import echo, exchange
from vpcgate.http.limits import EDGE_LIMITS
from vpcgate.http.server import HttpServer


@pytest.fixture
async def edge() -> AsyncIterator[tuple[str, int]]:
    server = HttpServer(echo, limits=EDGE_LIMITS)
    await server.serve("127.0.0.1", 0)
    yield server.address
    await server.shutdown(1)


def request(target: bytes, values: int) -> bytes:
    # Host "h" (1 byte) + X-Fill: together ``values`` bytes of header values
    return (
        b"GET "
        + target
        + b" HTTP/1.1\r\nHost: h\r\nX-Fill: "
        + b"v" * (values - 1)
        + b"\r\nConnection: close\r\n\r\n"
    )


async def test_aws_url_length(edge: tuple[str, int]) -> None:
    at_limit = b"/" + b"a" * 10239
    assert (await exchange(edge, request(at_limit, 10))).startswith(b"HTTP/1.1 200 OK")
    assert (await exchange(edge, request(at_limit + b"a", 10))).startswith(b"HTTP/1.1 414 ")


async def test_aws_header_values_size(edge: tuple[str, int]) -> None:
    # "close" (5 bytes) of the Connection header counts too
    assert (await exchange(edge, request(b"/", 10240 - 5))).startswith(b"HTTP/1.1 200 OK")
    assert (await exchange(edge, request(b"/", 10240 - 4))).startswith(b"HTTP/1.1 431 ")


async def test_aws_payload_size(edge: tuple[str, int]) -> None:
    raw = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % (10 * 1024 * 1024 + 1)
    data = await exchange(edge, raw)
    assert data.startswith(b"HTTP/1.1 413 ") and data.endswith(b'{"message":"Request Too Long"}')
