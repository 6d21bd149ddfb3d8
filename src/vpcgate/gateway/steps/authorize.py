"""Authorize: the method's authorizer (Lambda TOKEN/REQUEST, Cognito, AWS_IAM) and the API's resource
policy decide; the outcome goes where later phases read it.

The decision itself is :mod:`vpcgate.gateway.authorizers` (built once per stage; a method with
authorization NONE and no resource policy has no authorize step at all). This step only translates:

- the request → :class:`~vpcgate.gateway.authorizers.method.AuthorizationRequest` (a REQUEST
  authorizer's event is the proxy event's request part, built only when such an authorizer runs);
- the outcome → ``inv.auth``; ``$context.authorizer.*`` (a Lambda authorizer's context values
  stringified and its ``principalId``; Cognito's ``claims``) and, for a SigV4 caller,
  ``$context.identity.accountId``, ``caller``, ``user`` and ``userArn``
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference).
  The AWS_PROXY event's ``requestContext.authorizer`` and ``identity`` are read from ``inv.auth``
  by :func:`vpcgate.gateway.integrations.aws_lambda.proxy_request`.

Errors (raised by the authorizers, rendered by the chain)::

    UnauthorizedError              401 {"message":"Unauthorized"}
    AccessDeniedError              403 (explicit or implicit deny, resource policy)
    MissingAuthenticationTokenError, InvalidSignatureError, ExpiredTokenError   403 (AWS_IAM)
    AuthorizerConfigurationError   500 (the authorizer failed or answered nonsense)
"""

from __future__ import annotations

from typing import Any

from vpcgate.gateway.authorizers.method import AuthorizationRequest, MethodAuthorizer
from vpcgate.gateway.context import Invocation
from vpcgate.gateway.integrations.aws_lambda import proxy_request

__all__ = ["AuthorizeStep"]


class AuthorizeStep:
    def __init__(self, authorizer: MethodAuthorizer) -> None:
        self.authorizer = authorizer

    async def __call__(self, inv: Invocation) -> None:
        request = inv.request
        outcome = await self.authorizer.authorize(
            AuthorizationRequest(
                http_method=request.method,
                path=inv.path,
                stage=inv.stage.name,
                source_ip=request.client[0] if request.client else "127.0.0.1",
                headers=request.headers.items(),
                query=request.query_params(),
                stage_variables=inv.stage.variables,
                context=inv.context,
                raw_path=request.path,
                raw_query=request.query,
                body=request.body,
                proxy=lambda: proxy_request(inv, binary=False),
            )
        )
        inv.auth = outcome
        if outcome.authorizer:
            tree: dict[str, Any] = {"claims": None, "principalId": None}
            tree.update(outcome.authorizer)
            inv.context["authorizer"] = tree
        if outcome.iam is not None:
            identity = inv.context["identity"]
            identity["accountId"] = outcome.iam.account_id
            identity["caller"] = outcome.iam.caller
            identity["user"] = outcome.iam.user
            identity["userArn"] = outcome.iam.user_arn
