"""AWS::ApiGateway::Deployment: a deployment of a RestApi, and the stage it creates when it has a
``StageName``.

Ref gives the deployment id (6 lowercase alphanumerics); GetAtt ``DeploymentId`` gives it too.
``StageDescription`` carries the new stage's settings; its stage-wide throttling, caching, logging
and metrics fields become the stage's ``*/*`` method setting, as AWS applies them.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-deployment.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-deployment-stagedescription.html
"""

from __future__ import annotations

import dataclasses

from vpcgate.deploy.ids import alnum_id
from vpcgate.deploy.providers.apigateway import common, stage_settings
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import Deployment, Stage, frozen
from vpcgate.spec.props import Props

_STAGE_WIDE = (
    "ThrottlingRateLimit",
    "ThrottlingBurstLimit",
    "CachingEnabled",
    "CacheTtlInSeconds",
    "CacheDataEncrypted",
    "DataTraceEnabled",
    "LoggingLevel",
    "MetricsEnabled",
)


# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "DeploymentCanarySettings",
        "Description",
        "RestApiId",
        "StageDescription",
        "StageName",
    }
)


class DeploymentProvider:
    resource_type = "AWS::ApiGateway::Deployment"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        deployment_id = alnum_id(6, "deployment", ctx.stack_name, res.logical_id)
        common.unsupported(props, ("DeploymentCanarySettings",), common.warner(res, ctx))
        description = props.child("StageDescription")
        if description is not None and "StageName" not in props:
            raise props.fail("StageDescription needs a StageName", "StageDescription")
        stage = None
        if "StageName" in props:
            name = stage_settings.stage_name(props, "StageName")
            stage = _stage(description, name, api.id, deployment_id, res.logical_id)
        model = Deployment(
            id=deployment_id,
            rest_api_id=api.id,
            stage_name=None if stage is None else stage.name,
            description=props.text("Description"),
            stage=stage,
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=deployment_id,
            attributes={"DeploymentId": deployment_id},
            model=model,
        )


def _stage(description: Props | None, name: str, api_id: str, deployment_id: str, logical_id: str) -> Stage:
    if description is None:
        return Stage(name=name, rest_api_id=api_id, deployment_id=deployment_id, logical_id=logical_id)
    stage = stage_settings.stage(
        description, name=name, rest_api_id=api_id, deployment_id=deployment_id, logical_id=logical_id
    )
    if not any(key in description for key in _STAGE_WIDE):
        return stage
    wide = stage_settings.method_setting(description, "*", "*")
    settings = {wide.key: wide, **stage.method_settings}  # explicit MethodSettings win
    return dataclasses.replace(stage, method_settings=frozen(settings))
