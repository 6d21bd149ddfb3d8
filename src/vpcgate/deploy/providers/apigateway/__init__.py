"""Providers for the AWS::ApiGateway::* resource types (the registry imports ``PROVIDERS``).

Each provider validates its resolved properties and returns a :class:`Deployed` record whose model is
a frozen part of :mod:`vpcgate.spec.model`; :func:`vpcgate.spec.assemble.assemble_apis` joins them.
One module per type; ``common`` holds what they share, ``body`` where a RestApi's body comes from,
``stage_settings`` what a Stage and a Deployment's StageDescription share.
"""

from __future__ import annotations

from vpcgate.deploy.providers.apigateway.api_key import ApiKeyProvider
from vpcgate.deploy.providers.apigateway.authorizer import AuthorizerProvider
from vpcgate.deploy.providers.apigateway.deployment import DeploymentProvider
from vpcgate.deploy.providers.apigateway.gateway_response import GatewayResponseProvider
from vpcgate.deploy.providers.apigateway.method import MethodProvider
from vpcgate.deploy.providers.apigateway.model import ModelProvider
from vpcgate.deploy.providers.apigateway.request_validator import RequestValidatorProvider
from vpcgate.deploy.providers.apigateway.resource import ResourceProvider
from vpcgate.deploy.providers.apigateway.rest_api import RestApiProvider
from vpcgate.deploy.providers.apigateway.stage import StageProvider
from vpcgate.deploy.providers.apigateway.usage_plan import UsagePlanProvider
from vpcgate.deploy.providers.apigateway.usage_plan_key import UsagePlanKeyProvider
from vpcgate.deploy.providers.apigateway.vpc_link import VpcLinkProvider
from vpcgate.deploy.providers.base import Provider

PROVIDERS: tuple[Provider, ...] = (
    RestApiProvider(),
    ResourceProvider(),
    MethodProvider(),
    DeploymentProvider(),
    StageProvider(),
    ApiKeyProvider(),
    UsagePlanProvider(),
    UsagePlanKeyProvider(),
    AuthorizerProvider(),
    GatewayResponseProvider(),
    ModelProvider(),
    RequestValidatorProvider(),
    VpcLinkProvider(),
)
