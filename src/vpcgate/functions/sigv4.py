"""Checking AWS Signature Version 4 on Invoke API requests (only when vpcgate is given credentials).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

The canonical request is method, canonical URI, canonical query, canonical headers, signed header
names and the payload hash; its SHA-256 goes into the string to sign with the timestamp and the
credential scope; the key is HMAC-chained from ``"AWS4" + secret`` through date, region, service and
``aws4_request``. For every service but S3 the canonical URI is the request path URI-encoded once
more, which is why the raw (still encoded) path is quoted again here.

Errors (all 403, as AWS answers them)::

    SignatureError
    ├── MissingAuthenticationTokenException   no Authorization header
    ├── IncompleteSignatureException          an Authorization header that is not SigV4
    ├── UnrecognizedClientException           an access key vpcgate does not know
    └── InvalidSignatureException             the signature does not match
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote

from vpcgate.functions.errors import LambdaServiceError
from vpcgate.http.message import HttpRequest

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<scope>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_SPACES = re.compile(r"\s+")


class SignatureError(LambdaServiceError):
    status = 403
    error_kind = "User"


class MissingAuthenticationTokenException(SignatureError):
    error_type = "MissingAuthenticationTokenException"


class IncompleteSignatureException(SignatureError):
    error_type = "IncompleteSignatureException"


class UnrecognizedClientException(SignatureError):
    error_type = "UnrecognizedClientException"


class InvalidSignatureException(SignatureError):
    error_type = "InvalidSignatureException"


def check_signature(request: HttpRequest, secrets: Mapping[str, str]) -> None:
    """Raise a SignatureError unless ``request`` is signed by one of ``secrets`` (access key → secret)."""
    authorization = request.headers.get("Authorization")
    if not authorization:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    match = _AUTH.match(authorization.strip())
    if match is None:
        raise IncompleteSignatureException(
            f"Authorization header requires SigV4 fields: {authorization[:40]}"
        )
    secret = secrets.get(match["key"])
    if secret is None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    expected = signature(request, secret, match["scope"], match["headers"].split(";"))
    if not hmac.compare_digest(expected, match["signature"]):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )


def signature(request: HttpRequest, secret: str, scope: str, signed_headers: list[str]) -> str:
    """The hex SigV4 signature of ``request`` for ``scope`` (``date/region/service/aws4_request``)."""
    amz_date = request.headers.get("X-Amz-Date") or ""
    payload_hash = request.headers.get("X-Amz-Content-Sha256") or hashlib.sha256(request.body).hexdigest()
    canonical = "\n".join(
        [
            request.method,
            quote(request.path or "/", safe="/~"),
            _canonical_query(request.query),
            "".join(f"{name}:{_header_value(request, name)}\n" for name in signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _canonical_query(query: str) -> str:
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(query, keep_blank_values=True)
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


def _header_value(request: HttpRequest, name: str) -> str:
    return ",".join(_SPACES.sub(" ", value.strip()) for value in request.headers.get_all(name))
