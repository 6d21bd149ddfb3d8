"""Request smuggling and malformed framing over raw sockets: each is refused with the exact status,
and the server closes the connection after it (``exchange`` fails unless the server closes)."""

from __future__ import annotations

import pytest

from tests.integration.http.conftest import LIMITS, Served, echo, exchange
from vpcgate.http.message import HttpResponse
from vpcgate.http.server import HttpServer

H = b"Host: h\r\n"
CHUNKED = b"Transfer-Encoding: chunked\r\n"


def post(headers: bytes, body: bytes = b"") -> bytes:
    return b"POST / HTTP/1.1\r\n" + H + headers + b"\r\n" + body


REFUSED_400 = {
    # Content-Length and Transfer-Encoding
    "cl-then-te": post(b"Content-Length: 3\r\n" + CHUNKED, b"0\r\n\r\n"),
    "te-then-cl": post(CHUNKED + b"Content-Length: 3\r\n", b"0\r\n\r\n"),
    "duplicate-cl-same": post(b"Content-Length: 3\r\nContent-Length: 3\r\n", b"abc"),
    "duplicate-cl-differ": post(b"Content-Length: 3\r\nContent-Length: 4\r\n", b"abcd"),
    "cl-list": post(b"Content-Length: 3, 3\r\n", b"abc"),
    "cl-plus-sign": post(b"Content-Length: +3\r\n", b"abc"),
    "cl-negative": post(b"Content-Length: -3\r\n", b"abc"),
    "cl-hex": post(b"Content-Length: 0x3\r\n", b"abc"),
    "cl-inner-space": post(b"Content-Length: 1 2\r\n", b"abc"),
    "cl-empty": post(b"Content-Length: \r\n"),
    "cl-overflow": post(b"Content-Length: 99999999999999999999999\r\n"),
    # Transfer-Encoding other than exactly chunked
    "te-chunked-identity": post(b"Transfer-Encoding: chunked, identity\r\n", b"0\r\n\r\n"),
    "te-identity-chunked": post(b"Transfer-Encoding: identity, chunked\r\n", b"0\r\n\r\n"),
    "te-gzip-chunked": post(b"Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"),
    "te-xchunked": post(b"Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n"),
    "te-gzip": post(b"Transfer-Encoding: gzip\r\n"),
    "te-twice": post(CHUNKED + CHUNKED, b"0\r\n\r\n"),
    "te-obs-fold": post(b"Transfer-Encoding: \r\n chunked\r\n", b"0\r\n\r\n"),
    "te-tab-fold": post(b"Transfer-Encoding:\r\n\tchunked\r\n", b"0\r\n\r\n"),
    "te-chunked-then-identity": post(CHUNKED + b"Transfer-Encoding: identity\r\n", b"0\r\n\r\n"),
    "cl-with-te-identity": post(b"Content-Length: 3\r\nTransfer-Encoding: identity\r\n", b"abc"),
    "te-space-before-colon": post(b"Transfer-Encoding : chunked\r\n", b"0\r\n\r\n"),
    "te-http10": b"POST / HTTP/1.0\r\n" + CHUNKED + b"\r\n0\r\n\r\n",
    # chunk framing
    "chunk-bad-hex": post(CHUNKED, b"zz\r\nab\r\n0\r\n\r\n"),
    "chunk-0x-size": post(CHUNKED, b"0x2\r\nab\r\n0\r\n\r\n"),
    "chunk-size-overflow": post(CHUNKED, b"ffffffffffffffffff\r\nab\r\n"),
    "chunk-space-after-size": post(CHUNKED, b"2 \r\nab\r\n0\r\n\r\n"),
    "chunk-extension-ctl": post(CHUNKED, b"2;\x01\r\nab\r\n0\r\n\r\n"),
    "chunk-extension-bare-lf": post(CHUNKED, b"2;a\nb\r\nab\r\n0\r\n\r\n"),
    "chunk-missing-crlf": post(CHUNKED, b"2\r\nabXX0\r\n\r\n"),
    "chunk-bare-lf": post(CHUNKED, b"2\nab\n0\n\n"),
    # line endings, obs-fold, field syntax
    "bare-lf-request-line": b"GET / HTTP/1.1\nHost: h\n\n",
    "bare-lf-header": b"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
    "bare-cr-header": b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
    "obs-fold": b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n b\r\n\r\n",
    "space-before-colon": b"GET / HTTP/1.1\r\n" + H + b"X-A : a\r\n\r\n",
    "leading-space-field": b"GET / HTTP/1.1\r\n" + H + b" X-A: a\r\n\r\n",
    "nul-in-value": b"GET / HTTP/1.1\r\n" + H + b"X: a\x00b\r\n\r\n",
    "ctl-in-value": b"GET / HTTP/1.1\r\n" + H + b"X: a\x01b\r\n\r\n",
    "del-in-value": b"GET / HTTP/1.1\r\n" + H + b"X: a\x7fb\r\n\r\n",
    "bad-name-char": b"GET / HTTP/1.1\r\n" + H + b"X(y): a\r\n\r\n",
    "nul-in-name": b"GET / HTTP/1.1\r\n" + H + b"X\x00Y: a\r\n\r\n",
    "empty-name": b"GET / HTTP/1.1\r\n" + H + b": a\r\n\r\n",
    "trailing-space-after-version": b"GET / HTTP/1.1 \r\n" + H + b"\r\n",
    # request line and target
    "nul-in-target": b"GET /a\x00b HTTP/1.1\r\n" + H + b"\r\n",
    "space-in-target": b"GET /a b HTTP/1.1\r\n" + H + b"\r\n",
    "tab-in-target": b"GET /a\tb HTTP/1.1\r\n" + H + b"\r\n",
    "fragment-in-target": b"GET /a#b HTTP/1.1\r\n" + H + b"\r\n",
    "relative-target": b"GET a/b HTTP/1.1\r\n" + H + b"\r\n",
    "asterisk-not-options": b"GET * HTTP/1.1\r\n" + H + b"\r\n",
    "authority-form-connect": b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n",
    "absolute-ftp": b"GET ftp://x/y HTTP/1.1\r\n" + H + b"\r\n",
    "absolute-userinfo": b"GET http://u@x/y HTTP/1.1\r\n" + H + b"\r\n",
    "lowercase-method": b"get / HTTP/1.1\r\n" + H + b"\r\n",
    "unknown-method": b"FOO / HTTP/1.1\r\n" + H + b"\r\n",
    "http-0.9": b"GET /\r\n\r\n",
    "http-1.2": b"GET / HTTP/1.2\r\n" + H + b"\r\n",
    "not-http": b"NONSENSE\r\n\r\n",
    # Host
    "http11-without-host": b"GET / HTTP/1.1\r\n\r\n",
    "two-hosts": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "host-with-slash": b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
}


@pytest.mark.parametrize("raw", list(REFUSED_400.values()), ids=list(REFUSED_400))
async def test_refused_with_400_and_closed(served: Served, raw: bytes) -> None:
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data
    assert b"Connection: close\r\n" in data
    assert data.count(b"HTTP/1.1 ") == 1  # nothing after the refusal was served


async def test_other_major_versions_get_505(served: Served) -> None:
    data = await exchange(served.address, b"GET / HTTP/2.0\r\n" + H + b"\r\n")
    assert data.startswith(b"HTTP/1.1 505 HTTP Version Not Supported\r\n")


async def test_unknown_expectation_gets_417(served: Served) -> None:
    data = await exchange(served.address, post(b"Expect: magic\r\nContent-Length: 1\r\n", b"x"))
    assert data.startswith(b"HTTP/1.1 417 Expectation Failed\r\n")


async def test_smuggled_request_behind_a_refusal_is_never_served(served: Served) -> None:
    inner = b"GET /smuggled HTTP/1.1\r\n" + H + b"\r\n"
    raw = post(b"Content-Length: 4\r\n" + CHUNKED, b"0\r\n\r\n" + inner)
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 400") and b"smuggled" not in data


async def test_a_pipelined_request_before_the_bad_one_is_answered_first(served: Served) -> None:
    raw = b"GET /first HTTP/1.1\r\n" + H + b"\r\n" + b"GET / HTTP/1.1\r\n" + H + b"X-A : a\r\n\r\n"
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 200 OK") and b"GET /first?" in data
    assert data.index(b"GET /first?") < data.index(b"HTTP/1.1 400 Bad Request")


async def test_absolute_form_becomes_origin_form_and_its_authority_the_host(served: Served) -> None:
    raw = b"GET http://api.example:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n"
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"GET /p/q?x=1 v1.1 host=['api.example:8080']" in data


async def test_options_asterisk_is_served(served: Served) -> None:
    data = await exchange(served.address, b"OPTIONS * HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK") and b"OPTIONS *?" in data


async def test_chunked_body_with_extension_and_trailer_is_decoded_and_trailer_dropped(served: Served) -> None:
    raw = post(
        CHUNKED + b"Connection: close\r\n", b"2;name=value\r\nab\r\n1\r\nc\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"b'abc'" in data and b"X-Trailer" not in data


async def test_upgrade_is_answered_as_a_plain_request_then_closed(served: Served) -> None:
    raw = (
        b"GET / HTTP/1.1\r\n"
        + H
        + b"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\n\r\n"
    )
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 200 OK") and b"Connection: close\r\n" in data
    assert data.count(b"HTTP/1.1 ") == 1


async def test_response_splitting_is_refused(served: Served) -> None:
    data = await exchange(served.address, b"GET /split HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 500 Internal Server Error") and b"X-Evil" not in data


async def test_error_response_hook_renders_refusals() -> None:
    def render(status: int) -> HttpResponse:
        return HttpResponse.of(status, b"rendered %d" % status, [("x-amzn-ErrorType", "Custom")])

    server = HttpServer(echo, limits=LIMITS, error_response=render)
    await server.serve("127.0.0.1", 0)
    try:
        data = await exchange(server.address, post(b"Content-Length: 3\r\n" + CHUNKED, b"0\r\n\r\n"))
    finally:
        await server.shutdown(1)
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"x-amzn-ErrorType: Custom\r\n" in data and data.endswith(b"rendered 400")


async def test_whitespace_around_a_value_is_not_part_of_it(served: Served) -> None:
    raw = b"GET / HTTP/1.1\r\nHost: h \t\r\nX-Show: \t a \t b \t \r\nConnection: close\r\n\r\n"
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 200 OK") and b"host=['h'] show='a \\t b'" in data
