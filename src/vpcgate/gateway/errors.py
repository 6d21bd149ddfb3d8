"""Gateway errors: one class per API Gateway gateway response type, raised by any step, rendered once.

A :class:`GatewayError` is data, not a failure of vpcgate: it is what API Gateway answers a client
when it refuses or fails a request without (or after) the integration. :mod:`vpcgate.gateway.responses`
turns it into status, headers and body through the API's gateway responses. The types, their default
status codes and their DEFAULT_4XX / DEFAULT_5XX families are AWS's:
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html

::

    Exception
    └── GatewayError                  response_type, status, message, x-amzn-ErrorType, headers
        ├── Default4xxError           DEFAULT_4XX: a 4xx with no type of its own (400 BadRequestException)
        │   ├── AccessDeniedError             ACCESS_DENIED 403 AccessDeniedException  {"Message":...}
        │   ├── BadRequestParametersError     BAD_REQUEST_PARAMETERS 400 BadRequestException
        │   ├── BadRequestBodyError           BAD_REQUEST_BODY 400 BadRequestException
        │   ├── ExpiredTokenError             EXPIRED_TOKEN 403 ExpiredTokenException
        │   ├── InvalidApiKeyError            INVALID_API_KEY 403 ForbiddenException
        │   ├── InvalidSignatureError         INVALID_SIGNATURE 403 InvalidSignatureException
        │   ├── MissingAuthenticationTokenError
        │   │                             MISSING_AUTHENTICATION_TOKEN 403 MissingAuthenticationTokenException
        │   ├── QuotaExceededError            QUOTA_EXCEEDED 429 LimitExceededException
        │   ├── RequestTooLargeError          REQUEST_TOO_LARGE 413 RequestTooLongException
        │   ├── ResourceNotFoundError         RESOURCE_NOT_FOUND 404 ResourceNotFoundException
        │   ├── ThrottledError                THROTTLED 429 TooManyRequestsException
        │   ├── UnauthorizedError             UNAUTHORIZED 401 UnauthorizedException
        │   ├── UnsupportedMediaTypeError     UNSUPPORTED_MEDIA_TYPE 415 BadRequestException
        │   └── WafFilteredError              WAF_FILTERED 403 ForbiddenException
        └── Default5xxError           DEFAULT_5XX: a 5xx with no type of its own (500, InternalServerError...)
            ├── BadGatewayError               502: a Lambda proxy function failed or answered malformed output
            ├── ApiConfigurationError         API_CONFIGURATION_ERROR 500 InternalServerErrorException
            ├── AuthorizerConfigurationError  AUTHORIZER_CONFIGURATION_ERROR 500 AuthorizerConfiguration...
            ├── AuthorizerFailureError        AUTHORIZER_FAILURE 500 AuthorizerConfigurationException
            ├── IntegrationFailureError       INTEGRATION_FAILURE 504 InternalServerErrorException
            └── IntegrationTimeoutError       INTEGRATION_TIMEOUT 504 InternalServerErrorException

The family (DEFAULT_4XX or DEFAULT_5XX) a type falls back to is the one of its *default* status code,
whatever status an instance carries; the class tree mirrors it so ``except Default4xxError`` works.

Where each fact comes from (AWS documents the types and status codes, not the messages or headers):

- the body ``{"message":"Missing Authentication Token"}`` (Content-Length 42, so no spaces) and
  ``x-amzn-ErrorType: MissingAuthenticationTokenException``: responses quoted in aws/chalice#12 and
  brain-power/Brain-Power-Amazon-Fidgetology#29;
- ``{"message":"Forbidden"}`` for a missing or unknown API key (serverless-screenshot#10, chalice#1835);
- ``{"message":"Unauthorized"}`` 401 ``UnauthorizedException`` and ``{"Message":"User is not authorized
  to access this resource with an explicit deny"}`` 403 ``AccessDeniedException`` from a Lambda
  authorizer: responses quoted in public write-ups (note the capital ``M`` of ``Message``);
- ``TooManyRequestsException``/"Too Many Requests" (THROTTLED), ``LimitExceededException``/"Limit
  Exceeded" (QUOTA_EXCEEDED), ``BadRequestException`` (request validation, unsupported media type),
  ``InternalServerErrorException`` (integration timeout): LocalStack's AWS-validated parity tests;
- ``{"message": "Internal server error"}`` and ``{"message": "Endpoint request timed out"}`` carry a
  space after the colon when API Gateway itself answers an integration failure (responses quoted in
  many issues, e.g. apollographql/apollo-server#333); gateway-response bodies rendered from the
  default template ``{"message":$context.error.messageString}`` have none.
- ``{"message": null}`` with ``AuthorizerConfigurationException`` when a Lambda authorizer fails.

Not verified against AWS (AWS is silent; marked ``# unverified`` below): the messages of
EXPIRED_TOKEN, INVALID_SIGNATURE, REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, WAF_FILTERED,
INTEGRATION_FAILURE and the x-amzn-ErrorType of EXPIRED_TOKEN, INVALID_SIGNATURE, REQUEST_TOO_LARGE,
RESOURCE_NOT_FOUND, WAF_FILTERED, AUTHORIZER_FAILURE, INTEGRATION_FAILURE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

__all__ = [
    "ACCESS_DENIED_TEMPLATE",
    "DEFAULT_TEMPLATE",
    "SPACED_TEMPLATE",
    "AccessDeniedError",
    "ApiConfigurationError",
    "AuthorizerConfigurationError",
    "AuthorizerFailureError",
    "BadGatewayError",
    "BadRequestBodyError",
    "BadRequestParametersError",
    "Default4xxError",
    "Default5xxError",
    "ExpiredTokenError",
    "GatewayError",
    "IntegrationFailureError",
    "IntegrationTimeoutError",
    "InvalidApiKeyError",
    "InvalidSignatureError",
    "MissingAuthenticationTokenError",
    "QuotaExceededError",
    "RequestTooLargeError",
    "ResourceNotFoundError",
    "ThrottledError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "WafFilteredError",
    "error_class",
]

# The body template of every default gateway response (GetGatewayResponses shows it for each type).
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
# API Gateway's own answer to an integration failure: the same shape with a space after the colon.
SPACED_TEMPLATE = '{"message": $context.error.messageString}'
# A Lambda/Cognito authorizer's deny: AWS writes the key with a capital M.
ACCESS_DENIED_TEMPLATE = '{"Message":$context.error.messageString}'


class GatewayError(Exception):
    """A response API Gateway generates itself. Subclasses fix the type; instances may vary the rest.

    ``status`` defaults to the type's default status code; ``message`` to the type's default message
    (``None`` renders as JSON ``null`` in ``$context.error.messageString``). ``headers`` are extra
    response headers the raiser wants sent (for example a ``Retry-After``). ``validation_error`` is
    ``$context.error.validationErrorString`` (request validation failures).
    """

    response_type: ClassVar[str] = "DEFAULT_4XX"
    default_status: ClassVar[int] = 400
    default_message: ClassVar[str | None] = "Bad Request"
    error_type: ClassVar[str] = "BadRequestException"
    builtin_template: ClassVar[str] = DEFAULT_TEMPLATE

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        headers: Iterable[tuple[str, str]] = (),
        validation_error: str | None = None,
    ) -> None:
        self.message: str | None = self.default_message if message is None else message
        self.status: int = self.default_status if status is None else status
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)
        self.validation_error = validation_error
        super().__init__(f"{self.response_type} {self.status}: {self.message}")

    @property
    def family(self) -> str:
        """``DEFAULT_4XX`` or ``DEFAULT_5XX``: the fallback gateway response of this type."""
        return "DEFAULT_5XX" if self.default_status >= 500 else "DEFAULT_4XX"


class Default4xxError(GatewayError):
    """A 4xx API Gateway answers with no response type of its own (DEFAULT_4XX applies)."""


class Default5xxError(GatewayError):
    """A 5xx with no type of its own: AWS's generic ``500 {"message": "Internal server error"}``.

    Also what anything unexpected inside vpcgate becomes (the traceback goes to the log only).
    """

    response_type = "DEFAULT_5XX"
    default_status = 500
    default_message: ClassVar[str | None] = "Internal server error"
    error_type = "InternalServerErrorException"
    builtin_template = SPACED_TEMPLATE


class BadGatewayError(Default5xxError):
    """502 ``{"message": "Internal server error"}``: a Lambda proxy function raised, or its output is
    not the documented shape ("Execution failed due to configuration error: Malformed Lambda proxy
    response"). https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
    """

    default_status = 502


class AccessDeniedError(Default4xxError):
    """ACCESS_DENIED: an authorizer's policy denies the call (or does not allow it)."""

    response_type = "ACCESS_DENIED"
    default_status = 403
    default_message = "User is not authorized to access this resource"
    error_type = "AccessDeniedException"
    builtin_template = ACCESS_DENIED_TEMPLATE

    EXPLICIT_DENY: ClassVar[str] = "User is not authorized to access this resource with an explicit deny"


class ApiConfigurationError(Default5xxError):
    """API_CONFIGURATION_ERROR: no integration response matched and none is the default, a base64
    body failed to decode, the API may not invoke the function (AWS::Lambda::Permission)..."""

    response_type = "API_CONFIGURATION_ERROR"


class AuthorizerConfigurationError(Default5xxError):
    """AUTHORIZER_CONFIGURATION_ERROR: the authorizer could not be called or answered nonsense."""

    response_type = "AUTHORIZER_CONFIGURATION_ERROR"
    default_message = None
    error_type = "AuthorizerConfigurationException"


class AuthorizerFailureError(Default5xxError):
    """AUTHORIZER_FAILURE: the authorizer failed to authenticate the caller (a 5xx, per AWS)."""

    response_type = "AUTHORIZER_FAILURE"
    default_message = None
    error_type = "AuthorizerConfigurationException"  # unverified


class BadRequestParametersError(Default4xxError):
    """BAD_REQUEST_PARAMETERS: a required request parameter is missing (request validator)."""

    response_type = "BAD_REQUEST_PARAMETERS"
    default_message = "Missing required request parameters: []"
    builtin_template = SPACED_TEMPLATE  # request validation answers with a space (see BadRequestBodyError)

    @classmethod
    def missing(cls, names: Sequence[str]) -> BadRequestParametersError:
        """AWS's message: ``Missing required request parameters: [a, b]``."""
        text = f"Missing required request parameters: [{', '.join(names)}]"
        return cls(text, validation_error=text)


class BadRequestBodyError(Default4xxError):
    """BAD_REQUEST_BODY: the body fails the method's model (``validation_error`` says why)."""

    response_type = "BAD_REQUEST_BODY"
    default_message = "Invalid request body"
    # A curl against execute-api quoted in a public course repository prints
    # ``{"message": "Invalid request body"}`` (a space after the colon), so the request validator's
    # answers use the spaced template.
    builtin_template = SPACED_TEMPLATE


class ExpiredTokenError(Default4xxError):
    """EXPIRED_TOKEN: an AWS SigV4 security token has expired."""

    response_type = "EXPIRED_TOKEN"
    default_status = 403
    default_message = "The security token included in the request is expired"  # unverified
    error_type = "ExpiredTokenException"  # unverified


class IntegrationFailureError(Default5xxError):
    """INTEGRATION_FAILURE: the endpoint could not be reached (connection refused, reset, DNS)."""

    response_type = "INTEGRATION_FAILURE"
    default_status = 504
    default_message = "Network error communicating with endpoint"  # unverified


class IntegrationTimeoutError(Default5xxError):
    """INTEGRATION_TIMEOUT: ``timeoutInMillis`` (default 29,000) passed: 504
    ``{"message": "Endpoint request timed out"}``."""

    response_type = "INTEGRATION_TIMEOUT"
    default_status = 504
    default_message = "Endpoint request timed out"


class InvalidApiKeyError(Default4xxError):
    """INVALID_API_KEY: the method requires an API key and none (or an unknown one) was sent."""

    response_type = "INVALID_API_KEY"
    default_status = 403
    default_message = "Forbidden"
    error_type = "ForbiddenException"


class InvalidSignatureError(Default4xxError):
    """INVALID_SIGNATURE: the SigV4 signature does not match."""

    response_type = "INVALID_SIGNATURE"
    default_status = 403
    default_message = (  # unverified
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )
    error_type = "InvalidSignatureException"  # unverified


class MissingAuthenticationTokenError(Default4xxError):
    """MISSING_AUTHENTICATION_TOKEN: also AWS's answer to an unknown path or method (no 404)."""

    response_type = "MISSING_AUTHENTICATION_TOKEN"
    default_status = 403
    default_message = "Missing Authentication Token"
    error_type = "MissingAuthenticationTokenException"


class QuotaExceededError(Default4xxError):
    """QUOTA_EXCEEDED: the usage plan's quota for this API key is used up."""

    response_type = "QUOTA_EXCEEDED"
    default_status = 429
    default_message = "Limit Exceeded"
    error_type = "LimitExceededException"


class RequestTooLargeError(Default4xxError):
    """REQUEST_TOO_LARGE: the payload is over 10 MB."""

    response_type = "REQUEST_TOO_LARGE"
    default_status = 413
    default_message = "Request Too Long"  # unverified
    error_type = "RequestTooLongException"  # unverified


class ResourceNotFoundError(Default4xxError):
    """RESOURCE_NOT_FOUND: the resource vanished after authorization (rare)."""

    response_type = "RESOURCE_NOT_FOUND"
    default_status = 404
    default_message = "Not Found"  # unverified
    error_type = "ResourceNotFoundException"  # unverified


class ThrottledError(Default4xxError):
    """THROTTLED: a usage plan, method, stage or account rate limit was exceeded."""

    response_type = "THROTTLED"
    default_status = 429
    default_message = "Too Many Requests"
    error_type = "TooManyRequestsException"


class UnauthorizedError(Default4xxError):
    """UNAUTHORIZED: no identity source, or the authorizer answered ``Unauthorized``."""

    response_type = "UNAUTHORIZED"
    default_status = 401
    default_message = "Unauthorized"
    error_type = "UnauthorizedException"


class UnsupportedMediaTypeError(Default4xxError):
    """UNSUPPORTED_MEDIA_TYPE: passthroughBehavior NEVER (or WHEN_NO_TEMPLATES) and no template."""

    response_type = "UNSUPPORTED_MEDIA_TYPE"
    default_status = 415
    default_message = "Unsupported Media Type"


class WafFilteredError(Default4xxError):
    """WAF_FILTERED: a web ACL blocked the request."""

    response_type = "WAF_FILTERED"
    default_status = 403
    default_message = "Forbidden"  # unverified
    error_type = "ForbiddenException"  # unverified


_BY_TYPE: Mapping[str, type[GatewayError]] = {
    cls.response_type: cls
    for cls in (
        Default4xxError,
        Default5xxError,
        AccessDeniedError,
        ApiConfigurationError,
        AuthorizerConfigurationError,
        AuthorizerFailureError,
        BadRequestBodyError,
        BadRequestParametersError,
        ExpiredTokenError,
        IntegrationFailureError,
        IntegrationTimeoutError,
        InvalidApiKeyError,
        InvalidSignatureError,
        MissingAuthenticationTokenError,
        QuotaExceededError,
        RequestTooLargeError,
        ResourceNotFoundError,
        ThrottledError,
        UnauthorizedError,
        UnsupportedMediaTypeError,
        WafFilteredError,
    )
}


def error_class(response_type: str) -> type[GatewayError]:
    """The class of a gateway response type (``KeyError`` for a name AWS does not define)."""
    return _BY_TYPE[response_type]
