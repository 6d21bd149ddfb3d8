"""A deployed stage → :class:`CompiledStage`: router, per-method step lists, compiled templates,
parameter expressions and gateway responses. Built once, immutable, run many times.

A method's steps depend only on its integration (DESIGN.md, "built once, run many"):

::

    MOCK, HTTP, AWS    integration request → invoke → integration response
    HTTP_PROXY         integration request (forward) → invoke → proxy response
    AWS_PROXY          invoke → proxy response

Authorize, api key and throttle come before them when ``guards`` are given
(:mod:`vpcgate.gateway.steps.guards`; a method without an authorizer has no authorize step, one
without apiKeyRequired no api key step). Identical template sources are compiled once.
A redeploy builds new stages and swaps them in (:mod:`vpcgate.gateway.stage_registry`).

Errors::

    TemplateError    a template that does not parse, a parameter expression AWS refuses, a
                     selection pattern or status code that is not valid (names the method)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from vpcgate.errors import TemplateError
from vpcgate.gateway.integrations.base import IntegrationDeps, MethodPlace
from vpcgate.gateway.integrations.registry import build_integration
from vpcgate.gateway.mapping import ContextBase
from vpcgate.gateway.parameters import compile_request_parameters, compile_response_parameters
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.gateway.routing import Router
from vpcgate.gateway.steps import Step
from vpcgate.gateway.steps.guards import Guards
from vpcgate.gateway.steps.integration_request import IntegrationRequestStep
from vpcgate.gateway.steps.integration_response import (
    CompiledResponse,
    IntegrationResponseStep,
    ProxyResponseStep,
)
from vpcgate.gateway.steps.invoke import InvokeStep
from vpcgate.gateway.steps.validate import build_validate_step
from vpcgate.gateway.validation.compiled import Checker
from vpcgate.spec.assemble import DeployedApi
from vpcgate.spec.model import Integration, IntegrationResponse, IntegrationType, Method, Resource, Stage
from vpcgate.vtl import Template, VtlSyntaxError, parse_template

__all__ = ["CompiledMethod", "CompiledStage", "compile_api", "compile_stage"]

_PROXIES = (IntegrationType.HTTP_PROXY, IntegrationType.AWS_PROXY)


@dataclass(frozen=True)
class CompiledMethod:
    resource: Resource
    method: Method
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class CompiledStage:
    api_id: str
    api_name: str
    name: str
    deployment_id: str
    account_id: str
    region: str
    variables: Mapping[str, str]
    router: Router[CompiledMethod]
    responses: GatewayResponses
    binary_media_types: tuple[str, ...] = ()
    methods: tuple[CompiledMethod, ...] = field(default=(), repr=False)

    @cached_property
    def context_base(self) -> ContextBase:
        """The ``$context`` values this stage fixes, built on first use: each request copies it."""
        return ContextBase(
            {
                "accountId": self.account_id,
                "apiId": self.api_id,
                "deploymentId": self.deployment_id,
                "stage": self.name,
            }
        )


class _Templates:
    """Compiles each distinct template source once."""

    def __init__(self) -> None:
        self._cache: dict[str, Template] = {}
        self.checkers: dict[str, Checker] = {}  # model schemas compiled once per stage

    def compile(self, source: str, where: str) -> Template:
        template = self._cache.get(source)
        if template is None:
            try:
                template = self._cache[source] = parse_template(source)
            except VtlSyntaxError as error:
                raise TemplateError(f"{where}: mapping template does not parse: {error}") from None
        return template

    def compile_all(self, templates: Mapping[str, str], where: str) -> dict[str, Template]:
        return {media: self.compile(source, f"{where} ({media})") for media, source in templates.items()}


def compile_api(
    api: DeployedApi,
    deps: IntegrationDeps,
    *,
    region: str,
    account_id: str,
    guards: Guards | None = None,
) -> list[CompiledStage]:
    """Every stage of one deployed API."""
    return [
        compile_stage(api, stage, deps, region=region, account_id=account_id, guards=guards)
        for stage in api.stages
    ]


def compile_stage(
    api: DeployedApi,
    stage: Stage,
    deps: IntegrationDeps,
    *,
    region: str,
    account_id: str,
    guards: Guards | None = None,
) -> CompiledStage:
    templates = _Templates()
    stage_guards = guards.for_stage(api.api, stage) if guards is not None else None
    variables = dict(stage.variables)
    routes: dict[str, dict[str, CompiledMethod]] = {}
    methods = []
    for resource in api.api.resources:
        for name, method in resource.methods.items():
            place = MethodPlace(region, account_id, api.id, stage.name, name, resource.path, variables)
            steps = _steps(method, place, deps, templates, api)
            if stage_guards is not None:
                steps = stage_guards.steps(resource, method) + steps
            compiled = CompiledMethod(resource, method, steps)
            routes.setdefault(resource.path, {})[name] = compiled
            methods.append(compiled)
    return CompiledStage(
        api_id=api.id,
        api_name=api.name,
        name=stage.name,
        deployment_id=stage.deployment_id,
        account_id=account_id,
        region=region,
        variables=variables,
        router=Router(routes),
        responses=GatewayResponses(api.api.gateway_responses),
        binary_media_types=api.api.binary_media_types,
        methods=tuple(methods),
    )


def _steps(
    method: Method, place: MethodPlace, deps: IntegrationDeps, templates: _Templates, api: DeployedApi
) -> tuple[Step, ...]:
    where = f"{api.logical_id} {place.http_method} {place.resource_path}"
    integration = method.integration
    if integration is None:
        raise TemplateError(f"{where}: no integration defined for method")
    binary = api.api.binary_media_types
    invoke = InvokeStep(build_integration(integration, place, deps, binary))
    validate = _validate_step(method, api, where, templates)
    if validate is not None:
        return (validate, *_integration_steps(method, integration, invoke, templates, where, binary))
    return _integration_steps(method, integration, invoke, templates, where, binary)


def _validate_step(method: Method, api: DeployedApi, where: str, templates: _Templates) -> Step | None:
    """Request validation (issue 6 item 7): the method's validator, else the API's default."""
    validator_id = method.request_validator_id or api.api.default_request_validator_id
    validator = next((v for v in api.api.request_validators if v.id == validator_id), None)
    models = {m.name: m for m in api.api.models}
    return build_validate_step(method, validator, models, where, templates.checkers)


def _integration_steps(
    method: Method,
    integration: Integration,
    invoke: InvokeStep,
    templates: _Templates,
    where: str,
    binary: tuple[str, ...],
) -> tuple[Step, ...]:
    if integration.type is IntegrationType.AWS_PROXY:
        return (invoke, ProxyResponseStep(binary))
    request = _request_step(integration, templates, where, binary)
    if integration.type is IntegrationType.HTTP_PROXY:
        return (request, invoke, ProxyResponseStep(binary))
    responses = tuple(_response(r, templates, where) for r in integration.responses)
    by_error = integration.type is IntegrationType.AWS
    return (
        request,
        invoke,
        IntegrationResponseStep(responses, by_error_message=by_error, binary_types=binary),
    )


def _request_step(
    integration: Integration, templates: _Templates, where: str, binary: tuple[str, ...]
) -> IntegrationRequestStep:
    forward = integration.type is IntegrationType.HTTP_PROXY
    return IntegrationRequestStep(
        compile_request_parameters(integration.request_parameters),
        {} if forward else templates.compile_all(integration.request_templates, f"{where} request template"),
        integration.passthrough_behavior,
        forward=forward,
        binary_types=binary,
        content_handling=integration.content_handling,
    )


def _response(response: IntegrationResponse, templates: _Templates, where: str) -> CompiledResponse:
    code = response.status_code
    if not (len(code) == 3 and code.isdigit() and code[0] in "12345"):
        raise TemplateError(f"{where}: integration response status code {code!r} is not [1-5]\\d\\d")
    return CompiledResponse(
        response,
        int(code),
        compile_response_parameters(response.response_parameters),
        templates.compile_all(response.response_templates, f"{where} response {code} template"),
    )
