"""AWS::ApiGateway::VpcLink: a private connection for HTTP/HTTP_PROXY integrations.

Ref gives the link id (6 lowercase alphanumerics); GetAtt ``VpcLinkId`` gives it too. Locally the
target load balancer ARNs are recorded; the integration's URI names the host it reaches.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-vpclink.html
"""

from __future__ import annotations

from vpcgate.deploy.ids import alnum_id
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import VpcLink
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "Description",
        "Name",
        "Tags",
        "TargetArns",
    }
)


class VpcLinkProvider:
    resource_type = "AWS::ApiGateway::VpcLink"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        link_id = alnum_id(6, "vpclink", ctx.stack_name, res.logical_id)
        targets = props.texts("TargetArns")
        if not targets:
            raise props.fail("TargetArns needs at least one load balancer ARN", "TargetArns")
        link = VpcLink(
            id=link_id,
            name=props.required_text("Name"),
            target_arns=targets,
            description=props.text("Description"),
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=link_id,
            attributes={"VpcLinkId": link_id},
            model=link,
        )
