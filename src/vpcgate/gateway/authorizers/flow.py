"""The last word on a request: an authorizer's decision combined with the API's resource policy.

AWS's authorization flow for REST APIs
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html):

- **resource policy only** (authorization NONE): an explicit Allow is needed; no match is an implicit
  deny, a Deny an explicit one;
- **Lambda authorizer**: before the function is called the resource policy is checked for an explicit
  Deny (:func:`pre_authorize`); afterwards the function's policy and the resource policy combine by
  Table A ("Account A calls API owned by account A"): an explicit Deny anywhere denies, an Allow in
  either allows, neither is an implicit deny;
- **IAM (SigV4)**: vpcgate has no IAM user policies, so a caller whose signature verifies is taken as
  allowed by its own policy; Table A applies when the caller's account is the API's, Table B (both
  must explicitly allow) when it is another account;
- **Cognito user pools**: "If authentication is successful, the resource policy is evaluated
  independently, and an explicit allow is required. A deny or neither allow or deny results in a
  deny." (the page's Cognito section; its Table A row "Allow / Neither → Allow" contradicts this, and
  vpcgate follows the section written for Cognito).

Without a resource policy, a Lambda authorizer's own answer decides: Allow passes, a matching Deny is
403 ``{"Message":"User is not authorized to access this resource with an explicit deny"}`` and no
matching statement 403 ``{"Message":"User is not authorized to access this resource"}`` (both bodies
as captured from AWS, see :mod:`vpcgate.gateway.errors`).

A resource policy's refusal is 403 ACCESS_DENIED with the message AWS writes,
``User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN, account masked}``
followed by `` with an explicit deny`` for a Deny (captured responses; an IAM caller is named by its
ARN instead of ``anonymous``).

Errors::

    AccessDeniedError     403: denied, explicitly or implicitly, by the authorizer or the resource policy
"""

from __future__ import annotations

from enum import Enum

from vpcgate.gateway.authorizers.arn import MethodArn
from vpcgate.gateway.authorizers.conditions import RequestFacts
from vpcgate.gateway.authorizers.policy import Caller, Decision, Policy, evaluate
from vpcgate.gateway.errors import AccessDeniedError

__all__ = ["AuthKind", "decide", "pre_authorize"]


class AuthKind(Enum):
    NONE = "NONE"
    LAMBDA = "LAMBDA"
    IAM = "IAM"
    COGNITO = "COGNITO"


def pre_authorize(
    resource_policy: Policy | None, arn: MethodArn, *, caller: Caller, facts: RequestFacts
) -> None:
    """The check before a Lambda authorizer is called: an explicit Deny stops the request here."""
    if resource_policy is None:
        return
    if evaluate(resource_policy, str(arn), caller=caller, facts=facts) is Decision.DENY:
        raise resource_denied(arn, caller, explicit=True)


def decide(
    kind: AuthKind,
    authorizer: Decision,
    resource_policy: Policy | None,
    arn: MethodArn,
    *,
    caller: Caller,
    facts: RequestFacts,
    api_account_id: str,
) -> None:
    """Pass, or raise AccessDeniedError. ``authorizer`` is the Lambda policy's decision (ALLOW for a
    verified SigV4 or Cognito caller, NEITHER when the method has no authorization)."""
    if resource_policy is None:
        _authorizer_only(kind, authorizer)
        return
    if authorizer is Decision.DENY:
        raise AccessDeniedError(AccessDeniedError.EXPLICIT_DENY)
    resource = evaluate(resource_policy, str(arn), caller=caller, facts=facts)
    if resource is Decision.DENY:
        raise resource_denied(arn, caller, explicit=True)
    both_needed = kind is AuthKind.COGNITO or (
        kind is AuthKind.IAM and caller.account_id is not None and caller.account_id != api_account_id
    )
    allowed = (
        (authorizer is Decision.ALLOW and resource is Decision.ALLOW)
        if both_needed
        else Decision.ALLOW in (authorizer, resource)
    )
    if allowed:
        return
    if resource is Decision.NEITHER:
        raise resource_denied(arn, caller, explicit=False)
    raise AccessDeniedError()


def _authorizer_only(kind: AuthKind, authorizer: Decision) -> None:
    if kind is AuthKind.NONE or authorizer is Decision.ALLOW:
        return
    if authorizer is Decision.DENY:
        raise AccessDeniedError(AccessDeniedError.EXPLICIT_DENY)
    raise AccessDeniedError()


def resource_denied(arn: MethodArn, caller: Caller, *, explicit: bool) -> AccessDeniedError:
    """AWS's message for a resource policy's refusal."""
    who = caller.arn or "anonymous"
    text = f"User: {who} is not authorized to perform: execute-api:Invoke on resource: {arn.masked}"
    return AccessDeniedError(text + (" with an explicit deny" if explicit else ""))
