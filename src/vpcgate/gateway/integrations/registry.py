"""The integrations by type: a method's Integration model → the object that runs it, built once.

::

    MOCK          MockIntegration
    HTTP          HttpEndpoint (VpcLinkEndpoint when connectionType is VPC_LINK: vpc_link.py)
    HTTP_PROXY    HttpEndpoint(proxy=True) (idem)
    AWS           LambdaCustom for a Lambda invocation URI (DeniedLambda without permission)
    AWS_PROXY     LambdaProxy (idem)

AWS integrations with other services' URIs (``arn:aws:apigateway:{region}:s3:path/...``) are not
built: such a method answers the generic 500 and logs why.

Errors::

    TemplateError    an HTTP integration without a URI, an AWS_PROXY one without a Lambda URI
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from vpcgate.errors import TemplateError
from vpcgate.gateway.context import IntegrationResult, Invocation
from vpcgate.gateway.errors import Default5xxError
from vpcgate.gateway.integrations.aws_lambda import DeniedLambda, LambdaCustom, LambdaProxy
from vpcgate.gateway.integrations.base import Integration, IntegrationDeps, MethodPlace
from vpcgate.gateway.integrations.http_endpoint import HttpEndpoint
from vpcgate.gateway.integrations.mock import MockIntegration
from vpcgate.gateway.integrations.vpc_link import UnknownVpcLink, VpcLinkEndpoint
from vpcgate.spec import model
from vpcgate.spec.lambda_uri import lambda_target

__all__ = ["build_integration", "stage_variables_in"]

log = logging.getLogger("vpcgate.gateway")

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.:/?#&=,-]+)\}")


def stage_variables_in(text: str, variables: Mapping[str, str]) -> str:
    """``${stageVariables.name}`` replaced by the stage's value (empty when undefined)."""
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


class UnsupportedAwsService:
    def __init__(self, uri: str) -> None:
        self._uri = uri

    async def __call__(self, inv: Invocation) -> IntegrationResult:
        log.warning("%s: AWS service integration %s is not supported", inv.ids.request_id, self._uri)
        raise Default5xxError()


Factory = Callable[[model.Integration, MethodPlace, IntegrationDeps, tuple[str, ...]], Integration]


def _mock(
    spec: model.Integration, place: MethodPlace, deps: IntegrationDeps, binary: tuple[str, ...]
) -> Integration:
    return MockIntegration()


def _http(proxy: bool) -> Factory:
    def build(
        spec: model.Integration, place: MethodPlace, deps: IntegrationDeps, binary: tuple[str, ...]
    ) -> Integration:
        if not spec.uri:
            raise TemplateError(f"{place.http_method} {place.resource_path}: an HTTP integration needs a uri")
        uri = stage_variables_in(spec.uri, place.stage_variables)
        method = spec.http_method or "ANY"
        if spec.connection_type is model.ConnectionType.VPC_LINK:
            link_id = stage_variables_in(spec.connection_id or "", place.stage_variables)
            balancer = deps.vpc_links.balancer(link_id) if deps.vpc_links is not None else None
            if balancer is None:
                return UnknownVpcLink(link_id)
            return VpcLinkEndpoint(
                balancer, uri=uri, http_method=method, timeout_ms=spec.timeout_ms, proxy=proxy
            )
        return HttpEndpoint(deps.http, uri=uri, http_method=method, timeout_ms=spec.timeout_ms, proxy=proxy)

    return build


def _lambda(proxy: bool) -> Factory:
    def build(
        spec: model.Integration, place: MethodPlace, deps: IntegrationDeps, binary: tuple[str, ...]
    ) -> Integration:
        uri = stage_variables_in(spec.uri or "", place.stage_variables)
        target = lambda_target(uri)
        if target is None:
            if proxy:
                raise TemplateError(
                    f"{place.http_method} {place.resource_path}: AWS_PROXY needs a Lambda uri"
                )
            return UnsupportedAwsService(uri)
        if spec.credentials is None and not deps.may_invoke(place, target.function_name):
            return DeniedLambda(target.function, place.source_arn)
        timeout = spec.timeout_ms
        if proxy:
            return LambdaProxy(
                deps.functions, target.function_name, target.qualifier, timeout, binary_types=binary
            )
        return LambdaCustom(deps.functions, target.function_name, target.qualifier, timeout)

    return build


REGISTRY: Mapping[model.IntegrationType, Factory] = {
    model.IntegrationType.MOCK: _mock,
    model.IntegrationType.HTTP: _http(proxy=False),
    model.IntegrationType.HTTP_PROXY: _http(proxy=True),
    model.IntegrationType.AWS: _lambda(proxy=False),
    model.IntegrationType.AWS_PROXY: _lambda(proxy=True),
}


def build_integration(
    spec: model.Integration, place: MethodPlace, deps: IntegrationDeps, binary_types: tuple[str, ...] = ()
) -> Integration:
    return REGISTRY[spec.type](spec, place, deps, binary_types)
