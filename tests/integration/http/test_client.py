"""The outbound client against raw TCP servers on loopback that answer exactly the bytes a test
gives them: what goes on the wire, how each framing is read, reuse, and every error."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.helpers import free_port
from vpcgate.http.client import ClientConnectError, ClientTimeout, ClientUnreachable, HttpClient

Answer = Callable[[bytes], bytes | None]  # the request head + body seen so far → bytes to send, None: wait


class Backend:
    """Records each connection's bytes and answers each request with ``answer``."""

    def __init__(self, answer: Answer, *, close_after: bool = False) -> None:
        self.answer = answer
        self.close_after = close_after
        self.received: list[bytes] = []
        self.connections = 0
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        seen = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                seen += data
                reply = self.answer(seen)
                if reply is None:
                    continue
                self.received.append(seen)
                seen = b""
                writer.write(reply)
                await writer.drain()
                if self.close_after:
                    return
        finally:
            writer.close()


@asynccontextmanager
async def backend(answer: Answer, *, close_after: bool = False) -> AsyncIterator[Backend]:
    server_state = Backend(answer, close_after=close_after)
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    server_state.port = server.sockets[0].getsockname()[1]
    try:
        yield server_state
    finally:
        server.close()


def fixed(reply: bytes) -> Answer:
    return lambda seen: reply if b"\r\n\r\n" in seen else None


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Thing: a\r\n\r\nhi"


async def test_request_bytes_host_first_caller_headers_as_given_and_length() -> None:
    client = HttpClient()
    async with backend(fixed(OK)) as server:
        url = f"http://127.0.0.1:{server.port}/a%20b/c?x=1&y=%2F"
        response = await client.request(
            "POST", url, headers=[("X-Amz-Thing", "v"), ("x-two", "a"), ("x-two", "b")], body=b"{}", timeout=5
        )
        await client.close()
    assert response.status == 200
    assert response.body == b"hi"
    assert response.headers.items() == [("Content-Length", "2"), ("X-Thing", "a")]
    assert server.received == [
        f"POST /a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "X-Amz-Thing: v\r\nx-two: a\r\nx-two: b\r\nContent-Length: 2\r\n\r\n{}".encode()
    ]


async def test_callers_host_wins_and_get_has_no_length_but_empty_post_does() -> None:
    client = HttpClient()
    async with backend(fixed(OK)) as server:
        base = f"http://127.0.0.1:{server.port}"
        await client.request("GET", base, headers=[("host", "example.com")], timeout=5)
        await client.request("POST", base + "/p", timeout=5)
        await client.close()
    assert server.received[0] == b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    assert (
        server.received[1]
        == f"POST /p HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 0\r\n\r\n".encode()
    )


async def test_keep_alive_reuses_one_connection() -> None:
    client = HttpClient()
    async with backend(fixed(OK)) as server:
        for _ in range(5):
            assert (await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=5)).body == b"hi"
        await client.close()
    assert server.connections == 1


async def test_connection_close_answer_is_not_reused() -> None:
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"
    client = HttpClient()
    async with backend(fixed(reply), close_after=True) as server:
        for _ in range(3):
            assert (await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=5)).body == b"hi"
        await client.close()
    assert server.connections == 3


async def test_server_closing_a_kept_connection_gets_a_new_one() -> None:
    client = HttpClient()
    async with backend(fixed(OK), close_after=True) as server:
        for _ in range(3):  # the server closes after each answer that said nothing of closing
            assert (await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=5)).status == 200
            await asyncio.sleep(0.02)
        await client.close()
    assert server.connections == 3


@pytest.mark.parametrize(
    ("reply", "body"),
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n",
            b"hello!",
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc", b"abc"),
        (b"HTTP/1.0 200 OK\r\n\r\nuntil the end", b"until the end"),
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", b""),
    ],
)
async def test_body_framings(reply: bytes, body: bytes) -> None:
    client = HttpClient()
    async with backend(fixed(reply), close_after=True) as server:
        response = await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=5)
        await client.close()
    assert response.body == body


async def test_head_answer_has_no_body_and_the_connection_stays_usable() -> None:
    client = HttpClient()
    async with backend(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")) as server:
        response = await client.request("HEAD", f"http://127.0.0.1:{server.port}/", timeout=5)
        again = await client.request("HEAD", f"http://127.0.0.1:{server.port}/", timeout=5)
        await client.close()
    assert (response.body, again.body, response.headers.get("content-length")) == (b"", b"", "10")
    assert server.connections == 1


async def test_slow_endpoint_is_a_timeout() -> None:
    client = HttpClient()
    async with backend(lambda seen: None) as server:
        with pytest.raises(ClientTimeout):
            await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=0.2)
        await client.close()


async def test_refused_is_unreachable() -> None:
    port = free_port()
    client = HttpClient()
    with pytest.raises(ClientUnreachable):
        await client.request("GET", f"http://127.0.0.1:{port}/", timeout=5)


@pytest.mark.parametrize(
    "reply",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n Folded: x\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    ],
)
async def test_not_http_or_cut_short_is_a_connect_error(reply: bytes) -> None:
    client = HttpClient()
    async with backend(fixed(reply), close_after=True) as server:
        with pytest.raises(ClientConnectError) as caught:
            await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=5)
        await client.close()
    assert not isinstance(caught.value, ClientUnreachable)


async def test_not_an_http_url_is_a_connect_error() -> None:
    with pytest.raises(ClientConnectError):
        await HttpClient().request("GET", "ftp://127.0.0.1/x", timeout=5)


async def test_socket_factory_makes_every_socket() -> None:
    made: list[int] = []

    def factory(family: int) -> socket.socket:
        made.append(family)
        return socket.socket(family, socket.SOCK_STREAM)

    client = HttpClient(socket_factory=factory)
    async with backend(fixed(OK)) as server:
        assert (await client.request("GET", f"http://127.0.0.1:{server.port}/", timeout=5)).body == b"hi"
        await client.close()
    assert made == [socket.AF_INET]


async def test_concurrent_requests_each_get_their_answer() -> None:
    def echo_path(seen: bytes) -> bytes | None:
        if b"\r\n\r\n" not in seen:
            return None
        path = seen.split(b" ", 2)[1]
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(path), path)

    client = HttpClient(limit=4)
    async with backend(echo_path) as server:
        paths = [f"/{i}" for i in range(40)]
        answers = await asyncio.gather(
            *(client.request("GET", f"http://127.0.0.1:{server.port}{p}", timeout=5) for p in paths)
        )
        await client.close()
    assert [a.body.decode() for a in answers] == paths
    assert server.connections <= 4


async def test_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    client = HttpClient()
    async with backend(fixed(OK)) as server:
        with pytest.raises(ClientConnectError):
            await client.request(
                "GET", f"http://127.0.0.1:{server.port}/", headers=[("X-A", "v\r\nX-Evil: 1")], timeout=5
            )
        await client.close()
    assert server.received == []


async def test_target_keeps_escapes_and_encodes_what_a_request_line_cannot_carry() -> None:
    client = HttpClient()
    async with backend(fixed(OK)) as server:
        await client.request("GET", f"http://127.0.0.1:{server.port}/a b/%2F/é?q=x y", timeout=5)
        await client.close()
    assert server.received[0].split(b"\r\n")[0] == b"GET /a%20b/%2F/%C3%A9?q=x%20y HTTP/1.1"
