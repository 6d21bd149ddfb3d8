"""Errors the Lambda service itself answers with (not a function's own errors, which are payloads).

Each carries the HTTP status, the ``x-amzn-ErrorType`` name and the JSON body fields that the Invoke API
returns for it, as listed under "Errors" in https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
(the body is ``{"Type": "User", "message": ...}`` plus any extra fields, e.g. TooManyRequestsException's
``Reason``).

::

    VpcgateError
    └── LambdaServiceError                 status, error_type, body fields
        ├── ResourceNotFoundException      404 no such function, version or alias
        ├── InvalidRequestContentException 400 the payload is not JSON
        ├── RequestTooLargeException       413 payload over 6 MB (AWS names it RequestEntityTooLargeException)
        ├── TooManyRequestsException       429 concurrency limit reached (Reason says which)
        ├── InvalidParameterValueException 400 a bad header or parameter
        └── ServiceException               500 vpcgate could not start the function at all
"""

from __future__ import annotations

from typing import Any

from vpcgate.errors import VpcgateError


class LambdaServiceError(VpcgateError):
    """An error of the Lambda service: ``status``, ``error_type`` and the response body fields."""

    status = 500
    error_type = "ServiceException"
    error_kind = "Service"

    def __init__(self, message: str, **extra: Any) -> None:
        self.message = message
        self.extra = extra
        super().__init__(f"{self.error_type}: {message}")

    def body(self) -> dict[str, Any]:
        """The JSON error document Lambda returns."""
        return {"Type": self.error_kind, "message": self.message, **self.extra}


class ResourceNotFoundException(LambdaServiceError):
    status = 404
    error_type = "ResourceNotFoundException"
    error_kind = "User"


class InvalidRequestContentException(LambdaServiceError):
    status = 400
    error_type = "InvalidRequestContentException"
    error_kind = "User"


class RequestTooLargeException(LambdaServiceError):
    status = 413
    error_type = "RequestEntityTooLargeException"
    error_kind = "User"


class TooManyRequestsException(LambdaServiceError):
    status = 429
    error_type = "TooManyRequestsException"
    error_kind = "User"


class InvalidParameterValueException(LambdaServiceError):
    status = 400
    error_type = "InvalidParameterValueException"
    error_kind = "User"


class ServiceException(LambdaServiceError):
    status = 500
    error_type = "ServiceException"
    error_kind = "Service"
