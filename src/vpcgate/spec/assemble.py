"""Join the deployed AWS::ApiGateway::* records of all stacks into complete APIs with their stages.

A RestApi record holds what its body declared; AWS::ApiGateway::Resource, ::Method, ::Authorizer,
::Model, ::RequestValidator and ::GatewayResponse records add to it; stages come from a
Deployment's ``StageName`` and from AWS::ApiGateway::Stage; usage plans, their keys and API keys are
attached to the APIs whose stages they name. The rules AWS applies when these parts are created
or deployed are checked here, where all the parts are known:

- two resources with the same path, two parameter children of one parent, a method declared twice
  ("Method already exists for this resource"), a part of an API that does not exist;
- a method naming a request validator, a model or an authorizer the API does not have;
- a stage whose API has a method without an integration (CreateDeployment: "No integration
  defined for method"); two stages of the same name; a usage plan naming a stage that does not
  exist. https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDeployment.html

Errors are TemplateErrors naming the logical id (and property) of the record at fault.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vpcgate.deploy.providers.base import Deployed
from vpcgate.errors import TemplateError
from vpcgate.spec import paths
from vpcgate.spec.lambda_uri import lambda_target
from vpcgate.spec.model import (
    ApiKey,
    AuthorizerPart,
    Deployment,
    GatewayResponsePart,
    Integration,
    IntegrationType,
    Method,
    MethodPart,
    ModelPart,
    RequestValidatorPart,
    Resource,
    ResourcePart,
    RestApi,
    Stage,
    UsagePlan,
    UsagePlanKey,
    VpcLink,
    frozen,
)
from vpcgate.spec.props import pointer


@dataclass(frozen=True)
class DeployedApi:
    """A complete REST API, its stages, and the usage plans and keys that apply to it."""

    api: RestApi
    logical_id: str
    stages: tuple[Stage, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    usage_plan_keys: tuple[UsagePlanKey, ...] = ()
    api_keys: tuple[ApiKey, ...] = ()
    vpc_links: tuple[VpcLink, ...] = ()

    @property
    def id(self) -> str:
        return self.api.id

    @property
    def name(self) -> str:
        return self.api.name

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)


@dataclass(frozen=True)
class Route:
    """One method of one stage, as ``vpcgate validate`` lists it."""

    stage: str
    method: str
    path: str
    integration_type: str  # IntegrationType value, or "NONE"
    target: str  # Lambda function ARN/name, HTTP URI, "MOCK", or the AWS service URI


def assemble_apis(resources: Iterable[Deployed]) -> tuple[DeployedApi, ...]:
    """Every RestApi among ``resources`` (all stacks of a run), completed with its parts."""
    records = list(resources)
    apis = []
    for record in records:
        if isinstance(record.model, RestApi):
            apis.append(_assemble(record.model, record.logical_id, records))
    return tuple(apis)


def routes(api: DeployedApi) -> list[Route]:
    """The routes of every stage, sorted by stage, path and method. An API without a stage has
    none: API Gateway serves deployed stages only."""
    out = []
    for stage in sorted(api.stages, key=lambda s: s.name):
        for resource in sorted(api.api.resources, key=lambda r: r.path):
            for http_method in sorted(resource.methods):
                integration = resource.methods[http_method].integration
                kind = "NONE" if integration is None else integration.type.value
                out.append(Route(stage.name, http_method, resource.path, kind, target_of(integration)))
    return out


def target_of(integration: Integration | None) -> str:
    """What an integration calls: a Lambda function, a URI, or MOCK."""
    if integration is None:
        return ""
    if integration.type is IntegrationType.MOCK:
        return "MOCK"
    if integration.type in (IntegrationType.AWS, IntegrationType.AWS_PROXY):
        target = lambda_target(integration.uri)
        if target is not None:
            return target.function
    return integration.uri or ""


def _error(logical_id: str, message: str, *prop: str) -> TemplateError:
    where = pointer(("Resources", logical_id, "Properties", *prop) if prop else ("Resources", logical_id))
    return TemplateError(message, logical_id=logical_id, pointer=where)


def _parts(records: list[Deployed], kind: type, api_id: str) -> list[tuple[Deployed, Any]]:
    return [
        (r, r.model)
        for r in records
        if isinstance(r.model, kind) and getattr(r.model, "rest_api_id", None) == api_id
    ]


def _assemble(api: RestApi, logical_id: str, records: list[Deployed]) -> DeployedApi:
    api = _with_resources(api, records)
    api = _with_named_parts(api, records)
    _check_method_references(api, logical_id, records)
    stages = _stages(api, records)
    plans = tuple(
        r.model
        for r in records
        if isinstance(r.model, UsagePlan) and any(s.rest_api_id == api.id for s in r.model.api_stages)
    )
    _check_plans(api, stages, records)
    plan_ids = {p.id for p in plans}
    plan_keys = tuple(
        r.model for r in records if isinstance(r.model, UsagePlanKey) and r.model.usage_plan_id in plan_ids
    )
    key_ids = {k.key_id for k in plan_keys}
    keys = tuple(
        r.model
        for r in records
        if isinstance(r.model, ApiKey)
        and (r.model.id in key_ids or any(s.rest_api_id == api.id for s in r.model.stage_keys))
    )
    links = tuple(r.model for r in records if isinstance(r.model, VpcLink))
    return DeployedApi(api, logical_id, stages, plans, plan_keys, keys, links)


def _with_resources(api: RestApi, records: list[Deployed]) -> RestApi:
    by_id: dict[str, Resource] = {r.id: r for r in api.resources}
    by_path = {r.path: r.id for r in api.resources}
    for record, part in _parts(records, ResourcePart, api.id):
        resource: Resource = part.resource
        if resource.path in by_path:
            raise _error(
                record.logical_id, f"RestApi {api.id} already has a resource {resource.path}", "PathPart"
            )
        by_id[resource.id] = resource
        by_path[resource.path] = resource.id
    conflict = paths.sibling_conflict(by_path)
    if conflict:
        owner = _owner(records, by_path[conflict[1]]) or ""
        message = f"{conflict[0]} and {conflict[1]}: a resource may have only one parameter child"
        raise _error(owner, message, "PathPart") if owner else TemplateError(message)
    methods: dict[str, dict[str, Method]] = {rid: dict(r.methods) for rid, r in by_id.items()}
    for record, part in _parts(records, MethodPart, api.id):
        found = methods.get(part.resource_id)
        if found is None:
            raise _error(
                record.logical_id, f"no resource {part.resource_id} in RestApi {api.id}", "ResourceId"
            )
        verb = part.method.http_method
        if verb in found:
            path = by_id[part.resource_id].path
            raise _error(record.logical_id, f"method {verb} {path} is already defined", "HttpMethod")
        found[verb] = part.method
    resources = tuple(
        dataclasses.replace(r, methods=frozen(methods[r.id]))
        for r in sorted(by_id.values(), key=lambda r: r.path)
    )
    return dataclasses.replace(api, resources=resources)


def _owner(records: list[Deployed], physical_id: str) -> str | None:
    return next((r.logical_id for r in records if r.physical_id == physical_id), None)


def _with_named_parts(api: RestApi, records: list[Deployed]) -> RestApi:
    authorizers = {a.name: a for a in api.authorizers}
    for record, part in _parts(records, AuthorizerPart, api.id):
        _unique(authorizers, part.authorizer.name, record, "authorizer", "Name")
        authorizers[part.authorizer.name] = part.authorizer
    models = {m.name: m for m in api.models}
    for record, part in _parts(records, ModelPart, api.id):
        _unique(models, part.model.name, record, "model", "Name")
        models[part.model.name] = part.model
    validators = {v.name: v for v in api.request_validators}
    for record, part in _parts(records, RequestValidatorPart, api.id):
        _unique(validators, part.validator.name, record, "request validator", "Name")
        validators[part.validator.name] = part.validator
    responses = {g.type: g for g in api.gateway_responses}
    for _, part in _parts(records, GatewayResponsePart, api.id):
        responses[part.response.type] = part.response  # PutGatewayResponse replaces
    return dataclasses.replace(
        api,
        authorizers=tuple(authorizers.values()),
        models=tuple(models.values()),
        request_validators=tuple(validators.values()),
        gateway_responses=tuple(responses.values()),
    )


def _unique(existing: Mapping[str, object], name: str, record: Deployed, what: str, prop: str) -> None:
    if name in existing:
        raise _error(record.logical_id, f"the API already has a {what} named {name!r}", prop)


def _check_method_references(api: RestApi, logical_id: str, records: list[Deployed]) -> None:
    validators = {v.id for v in api.request_validators}
    models = {m.name for m in api.models}
    authorizers = {a.id for a in api.authorizers}
    owners = {
        (p.resource_id, p.method.http_method): r.logical_id for r, p in _parts(records, MethodPart, api.id)
    }
    for resource in api.resources:
        for verb, method in resource.methods.items():
            owner = owners.get((resource.id, verb), logical_id)
            where = f"{verb} {resource.path}"
            if method.request_validator_id and method.request_validator_id not in validators:
                message = f"{where}: no request validator {method.request_validator_id!r} in the API"
                raise _error(owner, message, "RequestValidatorId")
            for content_type, model in method.request_models.items():
                if model not in models and model not in ("Empty", "Error"):
                    raise _error(
                        owner, f"{where}: no model {model!r} in the API", "RequestModels", content_type
                    )
            if method.authorizer_id and method.authorizer_id not in authorizers:
                raise _error(
                    owner, f"{where}: no authorizer {method.authorizer_id!r} in the API", "AuthorizerId"
                )


def _stages(api: RestApi, records: list[Deployed]) -> tuple[Stage, ...]:
    found: dict[str, Stage] = {}
    for record in records:
        model = record.model
        stage = model.stage if isinstance(model, Deployment) else model
        if not isinstance(stage, Stage) or stage.rest_api_id != api.id:
            continue
        if stage.name in found:
            prop = "StageName"
            raise _error(
                record.logical_id, f"RestApi {api.id} already has a stage named {stage.name!r}", prop
            )
        _check_deployable(api, record)
        found[stage.name] = stage
    return tuple(found.values())


def _check_deployable(api: RestApi, record: Deployed) -> None:
    for resource in api.resources:
        for verb, method in resource.methods.items():
            if method.integration is None:
                raise _error(
                    record.logical_id,
                    f"No integration defined for method {verb} {resource.path} of RestApi {api.id}",
                )


def _check_plans(api: RestApi, stages: tuple[Stage, ...], records: list[Deployed]) -> None:
    names = {s.name for s in stages}
    for record in records:
        if not isinstance(record.model, UsagePlan):
            continue
        for i, entry in enumerate(record.model.api_stages):
            if entry.rest_api_id == api.id and entry.stage not in names:
                message = f"RestApi {api.id} has no stage {entry.stage!r} (deploy the stage first: DependsOn)"
                raise _error(record.logical_id, message, "ApiStages", str(i), "Stage")
