"""AWS_IAM authorization: a request's Signature Version 4 verified against credentials vpcgate knows.

The signing process is AWS's (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html); vpcgate recomputes the
signature the client should have sent and compares:

- canonical request = method, canonical URI, canonical query, canonical headers, signed headers,
  payload hash, one per line;
- canonical URI: the path as received (percent-encoded, stage included), dot segments and empty
  segments removed, then URI-encoded once more ("each path segment must be URI-encoded twice", S3
  aside); ``/`` when empty;
- canonical query: every ``name=value`` decoded and re-encoded with AWS's rules (``A-Za-z0-9-_.~``
  kept, everything else ``%XX`` upper case, space ``%20``), sorted by name then value;
- canonical headers: the ``SignedHeaders`` only, names lower case, values trimmed with inner runs of
  spaces collapsed, repeated headers joined with ``,``; a signed header the request lacks fails;
  ``host`` must be signed;
- payload hash: SHA-256 of the body as received. API Gateway computes it rather than trusting
  ``x-amz-content-sha256`` (a captured execute-api error shows the header and a different computed
  hash side by side), so a wrong header value fails the signature;
- string to sign = ``AWS4-HMAC-SHA256``, the request time, the scope, the canonical request's hash;
  the key is HMAC-chained from ``AWS4{secret}`` over date, region, service, ``aws4_request``.

Outcomes and AWS's messages (403 each; captured responses where marked, otherwise unverified):

- no ``Authorization`` header: MISSING_AUTHENTICATION_TOKEN ``Missing Authentication Token``;
- an ``Authorization`` header that is not SigV4 key=value pairs: IncompleteSignatureException,
  ``'TOKEN' not a valid key=value pair (missing equal-sign) in Authorization header: 'HEADER'.``
  (captured, amazon-archives/aws-cognito-angular-quickstart#50), or AWS's list of the missing
  ``Credential`` / ``Signature`` / ``SignedHeaders`` / date parts;
- unknown access key or session token: ``The security token included in the request is invalid.``
  (UnrecognizedClientException; captured, kndt84/aws-api-gateway-client#31);
- expired temporary credentials: EXPIRED_TOKEN ``The security token included in the request is expired``;
- a request time more than 5 minutes off: InvalidSignatureException ``Signature expired: {t} is now
  earlier than {min} ({now} - 5 min.)`` or ``Signature not yet current: {t} is still later than
  {max} ({now} + 5 min.)`` (captured, the first);
- a scope for another date, region or service, or a signature that does not match:
  InvalidSignatureException ``The request signature we calculated does not match the signature you
  provided. ...`` followed by the canonical string and the string to sign vpcgate computed
  (captured from execute-api).

Query-string signatures (presigned URLs: ``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``,
``X-Amz-Expires``, ``X-Amz-SignedHeaders``, ``X-Amz-Signature``, optional ``X-Amz-Security-Token``)
are verified the same way, the canonical query leaving out ``X-Amz-Signature``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request);
such a URL is good until ``X-Amz-Date`` + ``X-Amz-Expires`` seconds (message unverified).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import quote, unquote

from vpcgate.gateway.authorizers.policy import Caller
from vpcgate.gateway.errors import (
    ExpiredTokenError,
    InvalidSignatureError,
    MissingAuthenticationTokenError,
)

__all__ = [
    "IamCredentials",
    "IamIdentity",
    "IncompleteSignatureError",
    "SigV4Verifier",
    "SignedRequest",
    "UnrecognizedClientError",
]

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 300
_UNRESERVED = "-_.~"


class IncompleteSignatureError(InvalidSignatureError):
    """The Authorization header is not a complete SigV4 header (x-amzn-ErrorType unverified)."""

    error_type: ClassVar[str] = "IncompleteSignatureException"


class UnrecognizedClientError(InvalidSignatureError):
    """The access key (or session token) is not one vpcgate knows."""

    error_type: ClassVar[str] = "UnrecognizedClientException"
    default_message = "The security token included in the request is invalid."


@dataclass(frozen=True, slots=True)
class IamCredentials:
    """A key pair vpcgate accepts, and who it belongs to (for ``$context.identity`` and policies)."""

    access_key_id: str
    secret_access_key: str
    account_id: str
    user_arn: str
    user_id: str | None = None  # $context.identity.caller / user (AIDA...), else the access key
    session_token: str | None = None
    expires_at: float | None = None  # epoch seconds, for temporary credentials


@dataclass(frozen=True, slots=True)
class SignedRequest:
    method: str
    raw_path: str  # as received, stage included, still percent-encoded: "/prod/pets/a%20b"
    raw_query: str  # as received, without "?"
    headers: Sequence[tuple[str, str]]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class IamIdentity:
    """Who signed: ``$context.identity.accessKey``, ``accountId``, ``caller``, ``user``, ``userArn``."""

    access_key: str
    account_id: str
    caller: str
    user: str
    user_arn: str

    @property
    def principal(self) -> Caller:
        return Caller(self.account_id, self.user_arn)


@dataclass(frozen=True, slots=True)
class _Authorization:
    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


class SigV4Verifier:
    def __init__(
        self,
        credentials: Iterable[IamCredentials],
        *,
        region: str,
        service: str = "execute-api",
        clock: Callable[[], float] = time.time,
        max_skew_seconds: float = MAX_SKEW_SECONDS,
    ) -> None:
        self._credentials = {c.access_key_id: c for c in credentials}
        self.region = region
        self.service = service
        self._clock = clock
        self._skew = max_skew_seconds

    def verify(self, request: SignedRequest) -> IamIdentity:
        """The signer's identity, or a 403 GatewayError saying what is wrong (see the module docstring)."""
        presented = _from_header(request) or _from_query(request)
        if presented is None:
            raise MissingAuthenticationTokenError()
        auth, amz_date, token, expires = presented
        credentials = self._credentials.get(auth.access_key)
        if credentials is None or credentials.session_token != token:
            raise UnrecognizedClientError()
        now = self._clock()
        if credentials.expires_at is not None and now >= credentials.expires_at:
            raise ExpiredTokenError()
        request_time = _parse_time(amz_date).timestamp()
        self._check_time(request_time, now, expires)
        if expires is not None:  # a presigned URL: its own signature is not part of what was signed
            request = replace(request, raw_query=_without_signature(request.raw_query))
        canonical = canonical_request(request, auth.signed_headers)
        to_sign = string_to_sign(amz_date, auth, canonical)
        self._check_scope(auth, amz_date, canonical, to_sign)
        expected = signature(credentials.secret_access_key, auth, to_sign)
        if not hmac.compare_digest(expected, auth.signature):
            raise _mismatch(canonical, to_sign)
        user = credentials.user_id or credentials.access_key_id
        return IamIdentity(
            credentials.access_key_id, credentials.account_id, user, user, credentials.user_arn
        )

    def _check_time(self, stamp: float, now: float, expires: int | None) -> None:
        if expires is not None and now > stamp + expires:
            raise InvalidSignatureError(
                f"Signature expired: {_amz(stamp)} + {expires} s is earlier than {_amz(now)}"
            )
        if expires is None and stamp < now - self._skew:
            raise InvalidSignatureError(
                f"Signature expired: {_amz(stamp)} is now earlier than {_amz(now - self._skew)} "
                f"({_amz(now)} - {self._skew / 60:g} min.)"
            )
        if stamp > now + self._skew:
            raise InvalidSignatureError(
                f"Signature not yet current: {_amz(stamp)} is still later than {_amz(now + self._skew)} "
                f"({_amz(now)} + {self._skew / 60:g} min.)"
            )

    def _check_scope(self, auth: _Authorization, amz_date: str, canonical: str, to_sign: str) -> None:
        if auth.date != amz_date[:8]:
            raise InvalidSignatureError(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{auth.date}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        if auth.service != self.service:
            raise InvalidSignatureError(f"Credential should be scoped to correct service: '{self.service}'. ")
        if auth.region != self.region or auth.terminator != "aws4_request":
            raise _mismatch(canonical, to_sign)


def _mismatch(canonical: str, to_sign: str) -> InvalidSignatureError:
    return InvalidSignatureError(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
        f"\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
        f"The String-to-Sign should have been\n'{to_sign}'\n"
    )


_Presented = tuple[_Authorization, str, str | None, int | None]  # auth, date, token, X-Amz-Expires


def _from_header(request: SignedRequest) -> _Presented | None:
    header = _last(request.headers, "authorization")
    if header is None:
        return None
    amz_date = _last(request.headers, "x-amz-date") or _last(request.headers, "date")
    auth = _parse_authorization(header, has_date=amz_date is not None)
    assert amz_date is not None
    return auth, amz_date, _last(request.headers, "x-amz-security-token"), None


def _from_query(request: SignedRequest) -> _Presented | None:
    params: dict[str, str] = {}
    for item in request.raw_query.split("&"):
        name, _, value = item.partition("=")
        if name.startswith("X-Amz-"):
            params[unquote(name)] = unquote(value)
    if "X-Amz-Signature" not in params or params.get("X-Amz-Algorithm") != ALGORITHM:
        return None
    missing = [
        n
        for n in ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires")
        if n not in params
    ]
    if missing or not params["X-Amz-Expires"].isdigit():
        raise IncompleteSignatureError(
            f"AWS query-string parameters must include {', '.join(missing) or 'a valid X-Amz-Expires'}."
        )
    header = (
        f"{ALGORITHM} Credential={params['X-Amz-Credential']}, "
        f"SignedHeaders={params['X-Amz-SignedHeaders']}, Signature={params['X-Amz-Signature']}"
    )
    auth = _parse_authorization(header, has_date=True)
    return auth, params["X-Amz-Date"], params.get("X-Amz-Security-Token"), int(params["X-Amz-Expires"])


def _without_signature(raw_query: str) -> str:
    return "&".join(item for item in raw_query.split("&") if not item.startswith("X-Amz-Signature="))


def _last(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    found = None
    for key, value in headers:
        if key.lower() == name:
            found = value
    return found


def _parse_authorization(header: str, *, has_date: bool) -> _Authorization:
    scheme, _, rest = header.strip().partition(" ")
    fields: dict[str, str] = {}
    for raw in rest.split(","):
        part = raw.strip()
        if not part:
            continue
        key, equals, value = part.partition("=")
        if not equals:
            raise IncompleteSignatureError(
                f"'{part}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{header}'."
            )
        fields[key.strip()] = value.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in fields
    ]
    if not has_date:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if scheme != ALGORITHM or missing:
        raise IncompleteSignatureError(" ".join([*missing, f"Authorization={header}"]))
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise IncompleteSignatureError(
            f"Credential should have exactly 5 slash-delimited elements: {fields['Credential']}"
        )
    access_key, date, region, service, terminator = scope
    signed = tuple(fields["SignedHeaders"].split(";"))
    if "host" not in signed:
        raise IncompleteSignatureError(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    return _Authorization(access_key, date, region, service, terminator, signed, fields["Signature"])


def _parse_time(text: str) -> datetime:
    for layout in ("%Y%m%dT%H%M%SZ", "%a, %d %b %Y %H:%M:%S GMT"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise IncompleteSignatureError(f"Date must be in ISO-8601 'basic format'. Got '{text}'.")


def _amz(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y%m%dT%H%M%SZ")


def canonical_request(request: SignedRequest, signed_headers: Sequence[str]) -> str:
    """AWS's canonical request for ``request`` over ``signed_headers`` (lower-case names)."""
    return "\n".join(
        (
            request.method.upper(),
            canonical_uri(request.raw_path),
            canonical_query(request.raw_query),
            canonical_headers(request.headers, signed_headers),
            ";".join(signed_headers),
            hashlib.sha256(request.body).hexdigest(),
        )
    )


def canonical_uri(raw_path: str) -> str:
    segments = [s for s in raw_path.split("/") if s and s != "."]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        else:
            kept.append(segment)
    path = "/" + "/".join(kept)
    if raw_path.endswith("/") and kept:
        path += "/"
    return quote(path, safe="/~")


def canonical_query(raw_query: str) -> str:
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((_encode(unquote(name)), _encode(unquote(value))))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(text: str) -> str:
    return quote(text, safe=_UNRESERVED)


def canonical_headers(headers: Sequence[tuple[str, str]], signed_headers: Sequence[str]) -> str:
    lines = []
    for name in signed_headers:
        values = [" ".join(v.split()) for k, v in headers if k.lower() == name]
        if not values:
            values = [""]
        lines.append(f"{name}:{','.join(values)}\n")
    return "".join(lines)


def string_to_sign(amz_date: str, auth: _Authorization, canonical: str) -> str:
    scope = f"{auth.date}/{auth.region}/{auth.service}/{auth.terminator}"
    return "\n".join((ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()))


def signature(secret: str, auth: _Authorization, to_sign: str) -> str:
    key = f"AWS4{secret}".encode()
    for part in (auth.date, auth.region, auth.service, auth.terminator):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
