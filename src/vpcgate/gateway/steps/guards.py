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

Errors::

    TemplateError   an authorizer that cannot work (AWS refuses it at creation; names the method)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vpcgate.errors import TemplateError
from vpcgate.gateway.authorizers.lambda_authorizer import AuthorizerSetupError
from vpcgate.gateway.authorizers.method import StageAuthorizers
from vpcgate.gateway.steps import Step
from vpcgate.gateway.steps.api_key import ApiKeyStep
from vpcgate.gateway.steps.authorize import AuthorizeStep
from vpcgate.gateway.steps.throttle import ThrottleStep
from vpcgate.limits.guard import GuardedStore
from vpcgate.limits.model import Rate
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.rules import ACCOUNT_DEFAULT, MethodLimits
from vpcgate.spec.model import Method, Resource, RestApi, Stage

__all__ = ["Guards", "StageGuards"]


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
        if authorizer is not None:
            steps.append(AuthorizeStep(authorizer))
        if method.api_key_required:
            steps.append(ApiKeyStep(self.guards.plans, self.api.api_key_source, self.api.id, self.stage.name))
        limits = MethodLimits(
            self.api.id, self.stage, resource.path, method.http_method, account=self.guards.account
        )
        if method.api_key_required or limits.check(None).buckets:
            steps.append(ThrottleStep(limits, self.guards.store))
        return tuple(steps)
