"""AWS_IAM: requests signed by real botocore verify; tampered, stale, unknown or malformed ones fail."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcgate.gateway.authorizers.sigv4 import (
    IamCredentials,
    IncompleteSignatureError,
    SignedRequest,
    SigV4Verifier,
    UnrecognizedClientError,
    canonical_query,
    canonical_uri,
)
from vpcgate.gateway.errors import (
    ExpiredTokenError,
    InvalidSignatureError,
    MissingAuthenticationTokenError,
)

ALICE = IamCredentials(
    access_key_id="AKIAIOSFODNN7EXAMPLE",
    secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    account_id="123456789012",
    user_arn="arn:aws:iam::123456789012:user/alice",
    user_id="AIDAEXAMPLEALICE",
)
TEMP = IamCredentials(
    access_key_id="ASIATEMPORARYEXAMPLE",
    secret_access_key="temporary/secret",
    account_id="123456789012",
    user_arn="arn:aws:sts::123456789012:assumed-role/r/s",
    session_token="FwoGZXIvYXdzEXAMPLETOKEN",
    expires_at=time.time() + 3600,
)
URL = "http://127.0.0.1:4010/prod/pets/a%20b/./c?b=2&a=1&a=0&empty=&sp=x%20y"


def sign(
    method: str = "POST",
    url: str = URL,
    body: bytes = b'{"name": "rex"}',
    *,
    headers: dict[str, str] | None = None,
    creds: IamCredentials = ALICE,
    region: str = "us-east-1",
    service: str = "execute-api",
) -> SignedRequest:
    request = AWSRequest(
        method=method, url=url, data=body, headers=headers or {"Content-Type": "application/json"}
    )
    SigV4Auth(
        Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token), service, region
    ).add_auth(request)
    parts = urlsplit(url)
    sent = [("Host", parts.netloc), *request.headers.items()]
    return SignedRequest(method, parts.path, parts.query, sent, body)


def _shifted(request: SignedRequest) -> str:
    """The request's X-Amz-Date one second later (same day unless the test runs at midnight)."""
    stamp = next(v for k, v in request.headers if k.lower() == "x-amz-date")
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) - timedelta(seconds=1)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def verifier(clock_offset: float = 0.0, region: str = "us-east-1") -> SigV4Verifier:
    return SigV4Verifier([ALICE, TEMP], region=region, clock=lambda: time.time() + clock_offset)


def with_header(request: SignedRequest, name: str, value: str) -> SignedRequest:
    kept = [(k, v) for k, v in request.headers if k.lower() != name.lower()]
    return SignedRequest(
        request.method, request.raw_path, request.raw_query, [*kept, (name, value)], request.body
    )


def test_botocore_signed_request_verifies() -> None:
    identity = verifier().verify(sign())
    assert identity.access_key == "AKIAIOSFODNN7EXAMPLE"
    assert identity.account_id == "123456789012"
    assert identity.user_arn == "arn:aws:iam::123456789012:user/alice"
    assert identity.caller == identity.user == "AIDAEXAMPLEALICE"
    assert identity.principal.arn == identity.user_arn


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "http://127.0.0.1:4010/prod/", b""),
        ("GET", "http://127.0.0.1:4010/prod", b""),
        ("DELETE", "http://api1.execute-api.localhost:4010/prod/pets/%E2%82%AC?x=%2F&y=~-_.", b""),
        ("PUT", "http://127.0.0.1:4010/prod//double//slash/", b"\x00\x01binary"),
        ("GET", "http://127.0.0.1/prod/pets?flag", b""),
    ],
)
def test_various_shapes_verify(method: str, url: str, body: bytes) -> None:
    verifier().verify(sign(method, url, body))


def test_session_token_credentials() -> None:
    request = sign(creds=TEMP)
    identity = verifier().verify(request)
    assert identity.caller == "ASIATEMPORARYEXAMPLE"
    with pytest.raises(UnrecognizedClientError):
        verifier().verify(with_header(request, "X-Amz-Security-Token", "other"))
    expired = SigV4Verifier([TEMP], region="us-east-1", clock=lambda: TEMP.expires_at or 0.0)
    with pytest.raises(ExpiredTokenError) as caught:
        expired.verify(sign(creds=TEMP, headers={}))
    assert caught.value.status == 403


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: SignedRequest(r.method, r.raw_path, r.raw_query, r.headers, r.body + b" "),
        lambda r: SignedRequest("PUT", r.raw_path, r.raw_query, r.headers, r.body),
        lambda r: SignedRequest(r.method, r.raw_path + "x", r.raw_query, r.headers, r.body),
        lambda r: SignedRequest(r.method, r.raw_path, r.raw_query + "&c=3", r.headers, r.body),
        lambda r: SignedRequest(r.method, r.raw_path, r.raw_query.replace("b=2", "b=3"), r.headers, r.body),
        lambda r: with_header(r, "Content-Type", "text/plain"),
        lambda r: with_header(r, "Host", "evil.example"),
        lambda r: with_header(r, "X-Amz-Date", _shifted(r)),
    ],
)
def test_tampered_requests_fail_with_the_canonical_string(
    tamper: Callable[[SignedRequest], SignedRequest],
) -> None:
    request = sign()
    with pytest.raises(InvalidSignatureError) as caught:
        verifier().verify(tamper(request))
    message = caught.value.message or ""
    assert caught.value.status == 403 and caught.value.error_type == "InvalidSignatureException"
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert "\n\nThe Canonical String for this request should have been\n'" in message
    assert "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in message


def test_wrong_secret_fails() -> None:
    thief = IamCredentials(ALICE.access_key_id, "not-the-secret", ALICE.account_id, ALICE.user_arn)
    with pytest.raises(InvalidSignatureError):
        verifier().verify(sign(creds=thief))


def test_payload_hash_header_is_recomputed_not_trusted() -> None:
    body = b"payload"
    import hashlib

    honest = sign(body=body, headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    verifier().verify(honest)
    lying = sign(body=body, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    with pytest.raises(InvalidSignatureError):
        verifier().verify(lying)


def test_missing_authorization_is_missing_authentication_token() -> None:
    with pytest.raises(MissingAuthenticationTokenError) as caught:
        verifier().verify(SignedRequest("GET", "/prod/", "", [("Host", "h")]))
    assert caught.value.message == "Missing Authentication Token" and caught.value.status == 403


def test_unknown_access_key() -> None:
    stranger = IamCredentials("AKIASTRANGER", "s", "999988887777", "arn:aws:iam::999988887777:user/x")
    with pytest.raises(UnrecognizedClientError) as caught:
        verifier().verify(sign(creds=stranger))
    assert caught.value.message == "The security token included in the request is invalid."
    assert caught.value.error_type == "UnrecognizedClientException"


def test_request_time_more_than_five_minutes_off() -> None:
    request = sign()
    verifier(clock_offset=290).verify(request)
    with pytest.raises(InvalidSignatureError) as late:
        verifier(clock_offset=301).verify(request)
    assert (late.value.message or "").startswith("Signature expired: ")
    assert (late.value.message or "").endswith(" - 5 min.)")
    with pytest.raises(InvalidSignatureError) as early:
        verifier(clock_offset=-301).verify(request)
    assert (early.value.message or "").startswith("Signature not yet current: ")


def test_scope_for_another_region_or_service() -> None:
    with pytest.raises(InvalidSignatureError):
        verifier().verify(sign(region="eu-west-1"))
    with pytest.raises(InvalidSignatureError) as caught:
        verifier().verify(sign(service="lambda"))
    assert caught.value.message == "Credential should be scoped to correct service: 'execute-api'. "


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (
            "Bearer abc.def",
            "'abc.def' not a valid key=value pair (missing equal-sign) "
            "in Authorization header: 'Bearer abc.def'.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/execute-api/aws4_request",
            "Authorization header requires 'Signature' parameter.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00",
            "Credential should have exactly 5 slash-delimited elements",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=x-amz-date, Signature=00",
            "'Host' or ':authority' must be a 'SignedHeader'",
        ),
    ],
)
def test_malformed_authorization_headers(authorization: str, expected: str) -> None:
    request = SignedRequest(
        "GET",
        "/prod/",
        "",
        [("Host", "h"), ("X-Amz-Date", "20260101T000000Z"), ("Authorization", authorization)],
    )
    with pytest.raises(IncompleteSignatureError) as caught:
        verifier().verify(request)
    assert expected in (caught.value.message or "")
    assert caught.value.status == 403


def test_missing_date_is_reported() -> None:
    request = SignedRequest(
        "GET",
        "/prod/",
        "",
        [
            ("Host", "h"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00"),
        ],
    )
    with pytest.raises(IncompleteSignatureError) as caught:
        verifier().verify(request)
    assert "requires existence of either a 'X-Amz-Date' or a 'Date' header" in (caught.value.message or "")


def test_canonical_pieces() -> None:
    assert canonical_uri("") == "/"
    assert canonical_uri("/a/./b/../c//d/") == "/a/c/d/"
    assert canonical_uri("/a%20b/~x") == "/a%2520b/~x"
    assert canonical_query("b=2&a=1&a=0&flag&sp=x+y&e=%7E") == "a=0&a=1&b=2&e=~&flag=&sp=x%2By"


def presign(url: str, *, expires: int = 60, creds: IamCredentials = ALICE) -> SignedRequest:
    request = AWSRequest(method="GET", url=url)
    token = creds.session_token
    SigV4QueryAuth(
        Credentials(creds.access_key_id, creds.secret_access_key, token), "execute-api", "us-east-1", expires
    ).add_auth(request)
    parts = urlsplit(request.url)
    return SignedRequest("GET", parts.path, parts.query, [("Host", parts.netloc)], b"")


def test_presigned_urls_verify() -> None:
    identity = verifier().verify(presign("http://127.0.0.1:4010/prod/pets?name=a%20b&z=1"))
    assert identity.user_arn == ALICE.user_arn
    assert verifier().verify(presign("http://127.0.0.1:4010/prod/", creds=TEMP)).caller == TEMP.access_key_id


def test_presigned_url_tampered_or_expired() -> None:
    signed = presign("http://127.0.0.1:4010/prod/pets?name=rex", expires=60)
    with pytest.raises(InvalidSignatureError):
        verifier().verify(
            SignedRequest("GET", signed.raw_path, signed.raw_query.replace("rex", "max"), signed.headers)
        )
    verifier(clock_offset=59).verify(signed)
    with pytest.raises(InvalidSignatureError) as caught:
        verifier(clock_offset=61).verify(signed)
    assert (caught.value.message or "").startswith("Signature expired: ")
    broken = SignedRequest(
        "GET", "/prod/", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00", [("Host", "h")]
    )
    with pytest.raises(IncompleteSignatureError):
        verifier().verify(broken)


SEGMENT = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=8)
PAIR = st.tuples(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=6),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
)


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    segments=st.lists(SEGMENT, max_size=4),
    pairs=st.lists(PAIR, max_size=4),
    body=st.binary(max_size=64),
)
def test_any_botocore_signed_request_verifies(
    method: str, segments: list[str], pairs: list[tuple[str, str]], body: bytes
) -> None:
    path = "/prod/" + "/".join(quote(s, safe="") for s in segments)
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    url = f"http://127.0.0.1:4010{path}" + (f"?{query}" if query else "")
    verifier().verify(sign(method, url, body))
