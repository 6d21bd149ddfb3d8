"""API key: a method with ``apiKeyRequired`` admits only a key that is enabled and in a usage plan
bound to this API and stage; anything else is 403 ``{"message":"Forbidden"}`` (INVALID_API_KEY).

Where the key comes from is the API's ``apiKeySource``
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html):
``HEADER`` reads the ``x-api-key`` request header; ``AUTHORIZER`` takes the ``usageIdentifierKey``
the method's Lambda authorizer returned (no authorizer, or none returned: 403). The grant goes to
``inv.grant`` (the throttle step holds the request to its usage plan) and the key to
``$context.identity.apiKey`` / ``apiKeyId`` (and so to the AWS_PROXY event's identity).

A method without ``apiKeyRequired`` has no api key step: a key sent to it is ignored, as AWS does.

Errors::

    InvalidApiKeyError   403 {"message":"Forbidden"}: no key, an unknown or disabled key, or a key
                         whose usage plans do not cover this API stage
"""

from __future__ import annotations

from vpcgate.gateway.context import Invocation
from vpcgate.gateway.errors import InvalidApiKeyError
from vpcgate.limits.plans import PlanIndex
from vpcgate.spec.model import ApiKeySource

__all__ = ["API_KEY_HEADER", "ApiKeyStep"]

API_KEY_HEADER = "x-api-key"


class ApiKeyStep:
    def __init__(self, plans: PlanIndex, source: ApiKeySource, api_id: str, stage: str) -> None:
        self.plans = plans
        self.source = source
        self.api_id = api_id
        self.stage = stage

    async def __call__(self, inv: Invocation) -> None:
        if self.source is ApiKeySource.HEADER:
            value = inv.header(API_KEY_HEADER)
        else:
            value = inv.auth.usage_identifier_key if inv.auth is not None else None
        grant = self.plans.grant(value, self.api_id, self.stage)
        if grant is None:
            raise InvalidApiKeyError()
        inv.grant = grant
        identity = inv.context["identity"]
        identity["apiKey"] = grant.key.value
        identity["apiKeyId"] = grant.key.id
