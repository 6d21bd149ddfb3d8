"""``$util`` for mapping templates, as the AWS reference documents it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#util-template-reference

- ``escapeJavaScript(s)``: JavaScript string rules (Apache Commons Lang ``escapeJavaScript``):
  ``"`` → ``\\"``, ``'`` → ``\\'`` (the reference warns this ``\\'`` is not valid JSON and
  suggests ``.replaceAll("\\\\'","'")``), ``\\`` → ``\\\\``, ``/`` → ``\\/``, ``\\b \\t \\n \\f \\r``,
  other control characters and everything above U+007E as ``\\uXXXX`` (upper-case hex; characters
  beyond the BMP as two escaped UTF-16 surrogates).
- ``parseJson(s)``: "stringified" JSON → Map/List/value; bad JSON fails the render (AWS's 500).
- ``urlEncode``/``urlDecode``: ``application/x-www-form-urlencoded`` as Java's URLEncoder/
  URLDecoder do it (UTF-8; space ↔ ``+``; ``*-._`` and alphanumerics kept).
- ``base64Encode``/``base64Decode``: standard alphabet, with padding, over UTF-8.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from urllib.parse import quote_plus, unquote_plus

from vpcgate.vtl import VtlObject, VtlRenderError
from vpcgate.vtl.values import NoMatch, from_json, java_str

__all__ = ["UTIL", "Util", "escape_javascript", "parse_json"]

_ESCAPES = {'"': '\\"', "'": "\\'", "\\": "\\\\", "/": "\\/", "\b": "\\b", "\t": "\\t"}
_ESCAPES |= {"\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r"[\"'\\/\x00-\x1f\x7f-\U0010ffff]")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x7F:
        return f"\\u{code:04X}"
    if code == 0x7F:
        return char
    if code > 0xFFFF:
        offset = code - 0x10000
        return f"\\u{0xD800 + (offset >> 10):04X}\\u{0xDC00 + (offset & 0x3FF):04X}"
    return f"\\u{code:04X}"


def escape_javascript(text: str) -> str:
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def parse_json(text: str) -> object:
    try:
        return from_json(json.loads(text))
    except (ValueError, RecursionError) as exc:
        raise VtlRenderError(f"$util.parseJson: invalid JSON: {exc}") from None


_BAD_PERCENT = re.compile(r"%(?![0-9a-fA-F]{2})")


def url_decode(text: str) -> str:
    if _BAD_PERCENT.search(text):
        raise VtlRenderError("java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters")
    return unquote_plus(text, encoding="utf-8", errors="replace")


def base64_decode(text: str) -> str:
    stripped = text.rstrip("=")
    try:
        raw = base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise VtlRenderError("java.lang.IllegalArgumentException: Illegal base64 character") from None
    return raw.decode("utf-8", "replace")


def _text(value: object) -> str:
    if value is None:
        raise NoMatch
    return value if isinstance(value, str) else java_str(value)


def _url_encode(text: str) -> str:
    return quote_plus(text, safe="*", encoding="utf-8").replace("~", "%7E")


def _base64_encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_FUNCTIONS: dict[str, Callable[[str], object]] = {
    "escapeJavaScript": escape_javascript,
    "parseJson": parse_json,
    "urlEncode": _url_encode,
    "urlDecode": url_decode,
    "base64Encode": _base64_encode,
    "base64Decode": base64_decode,
}


class Util(VtlObject):
    """``$util``: each function takes one String; null in gives null out."""

    __slots__ = ()

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        function = _FUNCTIONS.get(name)
        if function is None or len(args) != 1:
            raise NoMatch
        value = args[0]
        if value is None:
            return None
        return function(value if isinstance(value, str) else _text(value))

    def vtl_str(self) -> str:
        return "$util"


UTIL = Util()
