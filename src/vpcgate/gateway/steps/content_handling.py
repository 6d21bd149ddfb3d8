"""Binary payloads: binaryMediaTypes, contentHandling and the conversions between them.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html

Request (the Content-Type header against binaryMediaTypes; the integration's contentHandling):
a payload is binary when binaryMediaTypes match its Content-Type. CONVERT_TO_TEXT base64-encodes a
binary payload; CONVERT_TO_BINARY base64-decodes a text one; unset passes either unchanged. A
payload that is still binary skips the request template (templates see text).

Response (the *first* media type of the Accept header against binaryMediaTypes; the integration
response's contentHandling): the wanted form is binary for CONVERT_TO_BINARY, text for
CONVERT_TO_TEXT, and, when unset, binary if the Accept type is a binary media type (text when the
API has no binaryMediaTypes). Text → binary base64-decodes, binary → text base64-encodes. An
integration payload is binary when its Content-Type is one of binaryMediaTypes (Lambda and MOCK
answers are text). These rules reproduce every row of both tables of the page above.

Media ranges: a binaryMediaTypes entry may be ``*/*`` or ``type/*`` (``image/*``).

Errors::

    ApiConfigurationError    a payload to base64-decode is not base64 (500)
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from vpcgate.gateway.errors import ApiConfigurationError
from vpcgate.spec.model import ContentHandling

__all__ = ["convert", "first_media_type", "is_binary_type", "wants_binary"]


def first_media_type(header: str | None) -> str:
    """The first media type of an Accept or Content-Type header, lower case, without parameters."""
    if not header:
        return ""
    return header.split(",", 1)[0].split(";", 1)[0].strip().lower()


def is_binary_type(media: str, binary_types: Sequence[str]) -> bool:
    if not media:
        return False
    for written in binary_types:
        pattern = written.lower()
        if pattern in ("*/*", media) or (pattern.endswith("/*") and media.startswith(pattern[:-1])):
            return True
    return False


def wants_binary(handling: ContentHandling | None, accept_binary: bool, binary_types: Sequence[str]) -> bool:
    """The form the method response payload takes (response table)."""
    if handling is ContentHandling.CONVERT_TO_BINARY:
        return True
    if handling is ContentHandling.CONVERT_TO_TEXT:
        return False
    return bool(binary_types) and accept_binary


def convert(body: bytes, *, binary: bool, to_binary: bool) -> bytes:
    """Base64-decode text that must become binary, base64-encode binary that must become text."""
    if binary == to_binary:
        return body
    if binary:
        return base64.b64encode(body)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ApiConfigurationError() from None


def request_to_binary(handling: ContentHandling | None, binary: bool) -> bool:
    """The form the integration request payload takes (request table)."""
    if handling is ContentHandling.CONVERT_TO_BINARY:
        return True
    if handling is ContentHandling.CONVERT_TO_TEXT:
        return False
    return binary
