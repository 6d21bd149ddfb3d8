"""AWS::Lambda::Permission as API Gateway meets it: may this API invoke this function?

API Gateway calls a Lambda function (AWS and AWS_PROXY integrations without ``credentials``) with
the function's resource-based policy deciding; without a statement allowing it the client gets
500 ``{"message": "Internal server error"}`` and the execution log says "Execution failed due to
configuration error: Invalid permissions on Lambda function"
(https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations). A statement allows
the call when:

- its Action is ``lambda:InvokeFunction`` (or ``lambda:*``, ``*``);
- its Principal is ``apigateway.amazonaws.com`` (or ``*``);
- its FunctionName (name, partial or full ARN) names the function;
- its SourceArn, if any, matches the method's ARN
  ``arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{METHOD}/{resource path}``, where ``*``
  matches any run of characters and ``?`` one character
  (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html#apigateway-permissions);
- its SourceAccount, if any, is the API's account.

An integration with ``credentials`` (a role ARN) is the role's business: vpcgate does not evaluate
IAM policies, so such a call is allowed (documented simplification). Qualified function names
(``fn:alias``) are compared by function name only.
"""

from __future__ import annotations

from collections.abc import Iterable

from vpcgate.functions.model import PermissionSpec
from vpcgate.gateway.integrations.base import MethodPlace
from vpcgate.gateway.wildcard import wildcard

__all__ = ["Permissions", "function_name"]

_ACTIONS = frozenset({"lambda:invokefunction", "lambda:*", "*"})
_PRINCIPALS = frozenset({"apigateway.amazonaws.com", "*"})


def function_name(reference: str) -> str:
    """The bare function name of ``name``, ``name:qualifier``, ``account:function:name`` or an ARN."""
    parts = reference.split(":")
    if reference.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0]


class Permissions:
    """The deployed permission statements, checked once per method when a stage is built."""

    def __init__(self, statements: Iterable[PermissionSpec]) -> None:
        self._statements = [
            (function_name(s.function_name), s, wildcard(s.source_arn) if s.source_arn else None)
            for s in statements
            if s.action.lower() in _ACTIONS and s.principal in _PRINCIPALS
        ]

    def __call__(self, place: MethodPlace, function: str) -> bool:
        name = function_name(function)
        arn = place.source_arn
        for target, statement, source in self._statements:
            if target != name:
                continue
            if statement.source_account and statement.source_account != place.account_id:
                continue
            if source is None or source.fullmatch(arn):
                return True
        return False
