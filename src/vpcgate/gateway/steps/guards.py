"""The steps before the integration request, built once per stage: authorize → api key → throttle
(request validation follows them, issue 6). A method gets only the steps it needs:

::

    authorize    the method has an authorizer (CUSTOM, COGNITO_USER_POOLS, AWS_IAM) or the API a
                 resource policy
    api key      the method has apiKeyRequired
    throttle     any bucket applies (the account limit, unless disabled; a stage method setting) or
                 the method takes an API key (its usage plan's throttle and quota)

:class:`Guards` is what the application passes to :func:`vpcgate.gateway.build.compile_stage`: the
usage plans, the limit store and the account limit, and how to build a stage's authorizers.

With a store whose calls cost a round trip (``--state redis://``), a method that has both an
authorize step and a throttle step whose check is known before authorization (no API key, or the key
from the ``x-api-key`` header) gets the three as one step, :class:`AheadGuards`: the limits decision
is queued *ahead* of the authorizer and goes in the same pipeline as its cache read, so the request
makes one Redis round trip where it would make two (:mod:`vpcgate.limits.redis_store` has the
whole rule). AWS's order and outcomes are kept: the authorizer still answers first (its 401/403/500
wins over a 429), and a request it — or the key check — refuses takes nothing: the decision is
withdrawn when not yet sent, else what it took is given back. AWS documents no count for refused
requests; it documents usage-plan throttles and quotas as best-effort targets
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html:
"Usage plan throttling and quotas are not hard limits, and are applied on a best-effort basis"), and
the order authorizer → key → throttle this step keeps.

Errors::

    TemplateError   an authorizer that cannot work (AWS refuses it at creation; names the method)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vpcgate.errors import TemplateError
from vpcgate.gateway.authorizers.lambda_authorizer import AuthorizerSetupError
from vpcgate.gateway.authorizers.method import StageAuthorizers
from vpcgate.gateway.context import Invocation
from vpcgate.gateway.steps import Step
from vpcgate.gateway.steps.api_key import API_KEY_HEADER, ApiKeyStep
from vpcgate.gateway.steps.authorize import AuthorizeStep
from vpcgate.gateway.steps.throttle import ThrottleStep
from vpcgate.limits.guard import GuardedStore
from vpcgate.limits.model import Rate
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.rules import ACCOUNT_DEFAULT, MethodLimits
from vpcgate.spec.model import ApiKeySource, Method, Resource, RestApi, Stage

__all__ = ["AheadGuards", "Guards", "StageGuards"]


@dataclass(frozen=True)
class Guards:
    """Built once per deployment by the application. ``authorizers(api)``: a fresh
    :class:`StageAuthorizers` for one stage of ``api`` (with the functions, cache store, user pool
    keys and IAM credentials bound in). ``account``: the account-level bucket, ``None`` for none."""

    plans: PlanIndex
    store: GuardedStore
    authorizers: Callable[[RestApi], StageAuthorizers]
    account: Rate | None = ACCOUNT_DEFAULT

    def for_stage(self, api: RestApi, stage: Stage) -> StageGuards:
        try:
            authorizers = self.authorizers(api)
        except AuthorizerSetupError as error:
            raise TemplateError(f"API {api.name} stage {stage.name}: {error}") from None
        return StageGuards(self, api, stage, authorizers)


@dataclass(frozen=True)
class StageGuards:
    guards: Guards
    api: RestApi
    stage: Stage
    authorizers: StageAuthorizers

    def steps(self, resource: Resource, method: Method) -> tuple[Step, ...]:
        steps: list[Step] = []
        try:
            authorizer = self.authorizers.for_method(method)
        except AuthorizerSetupError as error:
            where = f"API {self.api.name} {method.http_method} {resource.path}"
            raise TemplateError(f"{where}: {error}") from None
        authorize = AuthorizeStep(authorizer) if authorizer is not None else None
        api_key = None
        if method.api_key_required:
            api_key = ApiKeyStep(self.guards.plans, self.api.api_key_source, self.api.id, self.stage.name)
        limits = MethodLimits(
            self.api.id, self.stage, resource.path, method.http_method, account=self.guards.account
        )
        throttled = method.api_key_required or bool(limits.check(None).buckets)
        known_before = api_key is None or api_key.source is ApiKeySource.HEADER
        if authorize is not None and throttled and known_before and self.guards.store.can_go_ahead:
            return (AheadGuards(authorize, api_key, limits, self.guards.store),)
        steps.extend(step for step in (authorize, api_key) if step is not None)
        if throttled:
            steps.append(ThrottleStep(limits, self.guards.store))
        return tuple(steps)


class AheadGuards:
    """authorize → api key → throttle as one step, the limits decision sent ahead of the authorizer."""

    def __init__(
        self, authorize: AuthorizeStep, api_key: ApiKeyStep | None, limits: MethodLimits, store: GuardedStore
    ) -> None:
        self.authorize = authorize
        self.api_key = api_key
        self.limits = limits
        self.store = store

    async def __call__(self, inv: Invocation) -> None:
        grant = None
        if self.api_key is not None:
            key = self.api_key
            grant = key.plans.grant(inv.header(API_KEY_HEADER), key.api_id, key.stage)
            if grant is None:  # the key step refuses it, after the authorizer: nothing to decide
                await self.authorize(inv)
                await key(inv)
                return
        check = self.limits.check(grant)
        pending = self.store.ahead(check)
        try:
            await self.authorize(inv)
            if self.api_key is not None:
                await self.api_key(inv)
        except BaseException:
            if pending is not None:
                pending.cancel()
            raise
        decision = await pending.result() if pending is not None else await self.store.decide(check)
        error = decision.error()
        if error is not None:
            raise error
