"""The request-head rules an edge enforces on top of llhttp: what the parser lets through but a
front door must refuse, because a server behind it (or a cache, or a second parser) could read
the same bytes differently.

llhttp in strict mode (its lenient flags are never turned on; see ``vpcgate.http.server``) already
refuses, with 400: Content-Length together with Transfer-Encoding, repeated or malformed
Content-Length, a Transfer-Encoding whose last coding is not ``chunked`` when the body would need
one, bad chunk sizes and extensions, a missing CRLF after chunk data, bare LF or CR line endings,
obs-fold continuation lines, whitespace before a header's colon, invalid characters in names,
values and the target, unknown methods and HTTP/1.2. It accepts, and this module refuses:

- a Transfer-Encoding other than exactly ``chunked`` (``identity, chunked``, ``gzip, chunked``), or
  repeated, or sent with HTTP/1.0 (RFC 9112 §6.1: framing to be treated as faulty) → 400;
- HTTP/0.9 (no version at all) → 400; a major version other than 1 (``HTTP/2.0``) → 505;
- an HTTP/1.1 request without a Host, or with more than one (RFC 9112 §3.2) → 400;
- a request target that is not origin-form (``/path?q``), absolute-form with an http(s) scheme
  and no userinfo, or ``*`` for OPTIONS: authority-form (CONNECT), relative paths, fragments → 400;
- an Expect other than ``100-continue`` → 417 (RFC 9110 §10.1.1).

An absolute-form target becomes origin-form and its authority replaces the Host header, as RFC 9112
§3.2.2 tells an origin server to do. AWS documents none of this (its front ends refuse malformed
requests before API Gateway sees them); where it is silent, the RFCs decide.

Errors::

    Rejected(status)      the request cannot be served; answered with ``status`` and the connection closed
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Head", "Rejected", "inspect_head"]

# RFC 3986 reg-name / IP-literal characters and an optional port; no whitespace, '/', '@', '?', '#'.
_HOST = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:\[\]%-]*")


class Rejected(Exception):
    """A request the server refuses: ``status`` is what the client gets before the connection closes."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Head:
    """What the checked head tells the server: the target split, and whether to send 100 Continue."""

    method: str
    version: str
    path: str
    query: str
    host: str | None  # the authority of an absolute-form target (replaces Host), else None
    expect_continue: bool
    content_length: int | None  # llhttp has checked its digits
    chunked: bool


def inspect_head(method: str, target: str, version: str, headers: list[tuple[str, str]]) -> Head:
    """Check a parsed head (``target`` as received, ``headers`` in order); raise Rejected."""
    _check_version(version)
    fields = _check_fields(version, headers)
    if fields.hosts > 1 or (version == "1.1" and fields.hosts == 0):
        raise Rejected(400, "a request has one Host header (HTTP/1.1 must have it)")
    path, query, host = _split_target(method, target)
    return Head(
        method, version, path, query, host, fields.expect_continue, fields.content_length, fields.chunked
    )


@dataclass(slots=True)
class _Fields:
    hosts: int = 0
    chunked: bool = False
    expect_continue: bool = False
    content_length: int | None = None


def _check_version(version: str) -> None:
    if version in ("1.1", "1.0"):
        return
    if version == "0.9":
        raise Rejected(400, "HTTP/0.9 is not served")
    raise Rejected(505, f"HTTP/{version} is not supported")


def _check_fields(version: str, headers: list[tuple[str, str]]) -> _Fields:
    fields = _Fields()
    for name, value in headers:
        lower = name.lower()
        if lower == "host":
            fields.hosts += 1
            if _HOST.fullmatch(value) is None:
                raise Rejected(400, "invalid Host header")
        elif lower == "content-length":
            fields.content_length = int(value)
        elif lower == "transfer-encoding":
            if fields.chunked or value.strip().lower() != "chunked" or version == "1.0":
                raise Rejected(400, "Transfer-Encoding must be exactly chunked, once, in HTTP/1.1")
            fields.chunked = True
        elif lower == "expect":
            if value.strip().lower() != "100-continue":
                raise Rejected(417, "only Expect: 100-continue is supported")
            fields.expect_continue = version == "1.1"
    return fields


def _split_target(method: str, target: str) -> tuple[str, str, str | None]:
    """(path, query, authority of an absolute-form target or None)."""
    if "#" in target:
        raise Rejected(400, "a request target has no fragment")
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return path, query, None
    if target == "*":
        if method != "OPTIONS":
            raise Rejected(400, "'*' is only a target for OPTIONS")
        return "*", "", None
    return _absolute(target)


def _absolute(target: str) -> tuple[str, str, str]:
    scheme, sep, rest = target.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise Rejected(400, "the request target must be origin-form or an http(s) absolute URI")
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if not authority or "@" in authority or _HOST.fullmatch(authority) is None:
        raise Rejected(400, "invalid authority in the request target")
    path, _, query = tail.partition("?")
    return path or "/", query, authority
