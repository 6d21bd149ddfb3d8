"""Every gateway response type: AWS's default status, message, x-amzn-ErrorType and body bytes."""

from __future__ import annotations

import pytest

from vpcgate.gateway import errors as e
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.spec.model import GATEWAY_RESPONSE_TYPES

# type, class, status, x-amzn-ErrorType, body bytes as AWS sends them when nothing is configured
TABLE: list[tuple[str, type[e.GatewayError], int, str, bytes]] = [
    (
        "ACCESS_DENIED",
        e.AccessDeniedError,
        403,
        "AccessDeniedException",
        b'{"Message":"User is not authorized to access this resource"}',
    ),
    (
        "API_CONFIGURATION_ERROR",
        e.ApiConfigurationError,
        500,
        "InternalServerErrorException",
        b'{"message": "Internal server error"}',
    ),
    (
        "AUTHORIZER_CONFIGURATION_ERROR",
        e.AuthorizerConfigurationError,
        500,
        "AuthorizerConfigurationException",
        b'{"message": null}',
    ),
    (
        "AUTHORIZER_FAILURE",
        e.AuthorizerFailureError,
        500,
        "AuthorizerConfigurationException",
        b'{"message": null}',
    ),
    (
        "BAD_REQUEST_PARAMETERS",
        e.BadRequestParametersError,
        400,
        "BadRequestException",
        b'{"message": "Missing required request parameters: []"}',  # request validation: spaced
    ),
    (
        "BAD_REQUEST_BODY",
        e.BadRequestBodyError,
        400,
        "BadRequestException",
        b'{"message": "Invalid request body"}',  # request validation: spaced
    ),
    (
        "EXPIRED_TOKEN",
        e.ExpiredTokenError,
        403,
        "ExpiredTokenException",
        b'{"message":"The security token included in the request is expired"}',
    ),
    (
        "INTEGRATION_FAILURE",
        e.IntegrationFailureError,
        504,
        "InternalServerErrorException",
        b'{"message": "Network error communicating with endpoint"}',
    ),
    (
        "INTEGRATION_TIMEOUT",
        e.IntegrationTimeoutError,
        504,
        "InternalServerErrorException",
        b'{"message": "Endpoint request timed out"}',
    ),
    ("INVALID_API_KEY", e.InvalidApiKeyError, 403, "ForbiddenException", b'{"message":"Forbidden"}'),
    (
        "INVALID_SIGNATURE",
        e.InvalidSignatureError,
        403,
        "InvalidSignatureException",
        b'{"message":"The request signature we calculated does not match the signature you provided. '
        b"Check your AWS Secret Access Key and signing method. "
        b'Consult the service documentation for details."}',
    ),
    (
        "MISSING_AUTHENTICATION_TOKEN",
        e.MissingAuthenticationTokenError,
        403,
        "MissingAuthenticationTokenException",
        b'{"message":"Missing Authentication Token"}',
    ),
    ("QUOTA_EXCEEDED", e.QuotaExceededError, 429, "LimitExceededException", b'{"message":"Limit Exceeded"}'),
    (
        "REQUEST_TOO_LARGE",
        e.RequestTooLargeError,
        413,
        "RequestTooLongException",
        b'{"message":"Request Too Long"}',
    ),
    (
        "RESOURCE_NOT_FOUND",
        e.ResourceNotFoundError,
        404,
        "ResourceNotFoundException",
        b'{"message":"Not Found"}',
    ),
    ("THROTTLED", e.ThrottledError, 429, "TooManyRequestsException", b'{"message":"Too Many Requests"}'),
    ("UNAUTHORIZED", e.UnauthorizedError, 401, "UnauthorizedException", b'{"message":"Unauthorized"}'),
    (
        "UNSUPPORTED_MEDIA_TYPE",
        e.UnsupportedMediaTypeError,
        415,
        "BadRequestException",
        b'{"message":"Unsupported Media Type"}',
    ),
    ("WAF_FILTERED", e.WafFilteredError, 403, "ForbiddenException", b'{"message":"Forbidden"}'),
    ("DEFAULT_4XX", e.Default4xxError, 400, "BadRequestException", b'{"message":"Bad Request"}'),
    (
        "DEFAULT_5XX",
        e.Default5xxError,
        500,
        "InternalServerErrorException",
        b'{"message": "Internal server error"}',
    ),
]


def test_the_table_covers_every_type_aws_defines() -> None:
    assert {row[0] for row in TABLE} == set(GATEWAY_RESPONSE_TYPES)


@pytest.mark.parametrize(("response_type", "cls", "status", "error_type", "body"), TABLE)
def test_default_rendering(
    response_type: str, cls: type[e.GatewayError], status: int, error_type: str, body: bytes
) -> None:
    error = cls()
    assert error.response_type == response_type
    assert e.error_class(response_type) is cls
    rendered = GatewayResponses().render(error)
    assert rendered.status == status
    assert rendered.body == body
    assert rendered.headers == (("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type))


def test_missing_authentication_token_is_42_bytes_as_aws_sends_it() -> None:
    assert len(GatewayResponses().render(e.MissingAuthenticationTokenError()).body) == 42


@pytest.mark.parametrize(
    ("response_type", "family"),
    [
        ("THROTTLED", "DEFAULT_4XX"),
        ("INTEGRATION_TIMEOUT", "DEFAULT_5XX"),
        ("UNAUTHORIZED", "DEFAULT_4XX"),
        ("API_CONFIGURATION_ERROR", "DEFAULT_5XX"),
    ],
)
def test_family_follows_the_default_status(response_type: str, family: str) -> None:
    assert e.error_class(response_type)().family == family


def test_family_is_the_type_not_the_instance_status() -> None:
    assert e.BadGatewayError().family == "DEFAULT_5XX"
    assert e.InvalidApiKeyError(status=499).family == "DEFAULT_4XX"


def test_class_tree_mirrors_the_families() -> None:
    assert issubclass(e.ThrottledError, e.Default4xxError)
    assert issubclass(e.IntegrationTimeoutError, e.Default5xxError)
    assert issubclass(e.BadGatewayError, e.Default5xxError)


def test_bad_request_parameters_names_them_as_aws_does() -> None:
    error = e.BadRequestParametersError.missing(["q", "x-id"])
    assert error.message == "Missing required request parameters: [q, x-id]"
    assert error.validation_error == error.message
    assert (
        GatewayResponses().render(error).body
        == b'{"message": "Missing required request parameters: [q, x-id]"}'
    )


def test_bad_gateway_is_502_with_the_spaced_body() -> None:
    rendered = GatewayResponses().render(e.BadGatewayError())
    assert (rendered.status, rendered.body) == (502, b'{"message": "Internal server error"}')


def test_explicit_deny_message_and_capital_m() -> None:
    rendered = GatewayResponses().render(e.AccessDeniedError(e.AccessDeniedError.EXPLICIT_DENY))
    assert (
        rendered.body == b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )


def test_message_is_json_escaped() -> None:
    rendered = GatewayResponses().render(e.BadRequestBodyError('bad "quote"\n'))
    assert rendered.body == b'{"message": "bad \\"quote\\"\\n"}'


def test_unknown_type_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        e.error_class("NOPE")
