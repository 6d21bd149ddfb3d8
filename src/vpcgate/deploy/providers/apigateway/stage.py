"""AWS::ApiGateway::Stage: a named stage of a RestApi pointing at a Deployment.

Ref gives the stage name. Settings are read by :mod:`.stage_settings`; canary settings, client
certificates and documentation versions have no local effect and are warned about.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-stage.html
"""

from __future__ import annotations

from vpcgate.deploy.providers.apigateway import common, stage_settings
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import Deployment
from vpcgate.spec.props import Props

_NO_LOCAL_EFFECT = ("CanarySetting", "ClientCertificateId")


# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "AccessLogSetting",
        "CacheClusterEnabled",
        "CacheClusterSize",
        "CanarySetting",
        "ClientCertificateId",
        "DeploymentId",
        "Description",
        "DocumentationVersion",
        "MethodSettings",
        "RestApiId",
        "StageName",
        "Tags",
        "TracingEnabled",
        "Variables",
    }
)


class StageProvider:
    resource_type = "AWS::ApiGateway::Stage"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        deployment_id = props.required_text("DeploymentId")
        found = ctx.find_by_physical_id(deployment_id)
        if found is None or not isinstance(found.model, Deployment) or found.model.rest_api_id != api.id:
            raise props.fail(
                f"DeploymentId {deployment_id!r} is not a deployment of RestApi {api.id}", "DeploymentId"
            )
        common.unsupported(props, _NO_LOCAL_EFFECT, common.warner(res, ctx))
        name = stage_settings.stage_name(props, "StageName")
        model = stage_settings.stage(
            props, name=name, rest_api_id=api.id, deployment_id=deployment_id, logical_id=res.logical_id
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=name,
            attributes={},
            model=model,
        )
