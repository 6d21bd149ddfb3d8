"""vpcgate.http.framing: the head rules on their own, and encode_response's refusal to split."""

from __future__ import annotations

import pytest

from vpcgate.http.framing import Rejected, inspect_head
from vpcgate.http.message import HttpResponse
from vpcgate.http.server import UnsafeResponse, default_error, encode_response

HOST = [("Host", "h")]


def test_origin_form_is_split_into_path_and_query() -> None:
    head = inspect_head("GET", "/a/b?x=1&y", "1.1", HOST)
    assert (head.path, head.query, head.host, head.expect_continue) == ("/a/b", "x=1&y", None, False)


def test_absolute_form_gives_its_authority() -> None:
    head = inspect_head("GET", "HTTPS://Api.Example:443?q", "1.1", HOST)
    assert (head.path, head.query, head.host) == ("/", "q", "Api.Example:443")


def test_framing_fields_are_reported() -> None:
    head = inspect_head("POST", "/", "1.1", [*HOST, ("Content-Length", "12"), ("Expect", "100-Continue")])
    assert (head.content_length, head.chunked, head.expect_continue) == (12, False, True)
    head = inspect_head("POST", "/", "1.1", [*HOST, ("transfer-encoding", " Chunked ")])
    assert (head.content_length, head.chunked) == (None, True)


def test_http10_needs_no_host_and_gets_no_100_continue() -> None:
    head = inspect_head("POST", "/", "1.0", [("Expect", "100-continue")])
    assert head.expect_continue is False


@pytest.mark.parametrize(
    ("method", "target", "version", "headers", "status"),
    [
        ("GET", "/", "1.1", [], 400),
        ("GET", "/", "1.1", [*HOST, ("HOST", "h")], 400),
        ("GET", "/", "1.0", [("Host", "a"), ("Host", "b")], 400),
        ("GET", "/", "1.1", [("Host", "a b")], 400),
        ("POST", "/", "1.1", [*HOST, ("Transfer-Encoding", "chunked, chunked")], 400),
        ("POST", "/", "1.1", [*HOST, ("Transfer-Encoding", "identity")], 400),
        ("POST", "/", "1.0", [("Transfer-Encoding", "chunked")], 400),
        ("GET", "/", "0.9", [], 400),
        ("GET", "/", "2.0", HOST, 505),
        ("GET", "/", "1.1", [*HOST, ("Expect", "100-continue, x")], 417),
        ("GET", "*", "1.1", HOST, 400),
        ("GET", "host:80", "1.1", HOST, 400),
        ("GET", "//x/y", "1.1", HOST, 200),
        ("GET", "/a#f", "1.1", HOST, 400),
        ("GET", "http://", "1.1", HOST, 400),
        ("GET", "http://a@b/", "1.1", HOST, 400),
        ("GET", "ws://a/", "1.1", HOST, 400),
    ],
)
def test_refusals(
    method: str, target: str, version: str, headers: list[tuple[str, str]], status: int
) -> None:
    if status == 200:
        inspect_head(method, target, version, headers)
        return
    with pytest.raises(Rejected) as caught:
        inspect_head(method, target, version, headers)
    assert caught.value.status == status


def test_encode_response_adds_framing_and_drops_the_handlers_connection_header() -> None:
    response = HttpResponse.of(201, b"hi", [("Connection", "keep-alive"), ("X-A", "1"), ("X-A", "2")])
    data = encode_response(response, keep_alive=False)
    assert data.startswith(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nDate: ")
    assert data.endswith(b"Connection: close\r\nX-A: 1\r\nX-A: 2\r\n\r\nhi")
    assert b"keep-alive" not in data
    assert b"Connection: keep-alive" in encode_response(
        HttpResponse.of(200), keep_alive=True, http_version="1.0"
    )
    assert encode_response(HttpResponse.of(200, b"body"), keep_alive=True, head=True).endswith(b"\r\n\r\n")


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\0b"])
def test_encode_response_refuses_to_split(value: str) -> None:
    with pytest.raises(UnsafeResponse):
        encode_response(HttpResponse.of(200, b"", [("X", value)]), keep_alive=True)
    with pytest.raises(UnsafeResponse):
        encode_response(HttpResponse.of(200, b"", [(value, "v")]), keep_alive=True)


def test_default_error_bodies() -> None:
    assert default_error(413).body == b'{"message":"Request Too Long"}'
    assert default_error(431).body == b'{"message":"Request Header Fields Too Large"}'
