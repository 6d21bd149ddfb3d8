"""Which Lambda function an AWS / AWS_PROXY integration (or a Lambda authorizer) calls.

The URI has the form
``arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations``;
the function ARN may carry a qualifier (``:alias``) and stage variables (``${stageVariables.fn}``).
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INVOCATION_URI = re.compile(
    r"^arn:(?P<partition>[\w-]+):apigateway:(?P<region>[^:]*):lambda:path/"
    r"(?P<version>[0-9-]+)/functions/(?P<function>.+)/invocations$"
)
_FUNCTION_ARN = re.compile(
    r"^arn:[\w-]+:lambda:(?P<region>[^:]*):(?P<account>[^:]*):function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$"
)


@dataclass(frozen=True)
class LambdaTarget:
    function: str  # as written in the URI: an ARN, a partial ARN or a name
    function_name: str
    qualifier: str | None = None
    region: str | None = None


def lambda_target(uri: str | None) -> LambdaTarget | None:
    """The function a Lambda invocation URI targets, or None if ``uri`` is not one."""
    match = _INVOCATION_URI.match(uri or "")
    if match is None:
        return None
    function = match.group("function")
    arn = _FUNCTION_ARN.match(function)
    if arn is None:
        name, _, qualifier = function.partition(":")
        return LambdaTarget(function, name, qualifier or None, match.group("region") or None)
    return LambdaTarget(function, arn.group("name"), arn.group("qualifier"), arn.group("region") or None)
