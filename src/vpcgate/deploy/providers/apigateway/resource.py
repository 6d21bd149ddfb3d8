"""AWS::ApiGateway::Resource: one path part under a parent resource of a RestApi.

Ref gives the resource id (10 lowercase alphanumerics), derived from the API and the full path, so
the same path written in a Swagger body gets the same id; GetAtt ``ResourceId`` gives it too.
A greedy part (``{proxy+}``) can have no children; a parent holds at most one parameter child
(checked when the API is assembled, since siblings are separate resources).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-resource.html
"""

from __future__ import annotations

from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec import paths
from vpcgate.spec.ids import resource_id
from vpcgate.spec.model import Resource, ResourcePart
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "ParentId",
        "PathPart",
        "RestApiId",
    }
)


class ResourceProvider:
    resource_type = "AWS::ApiGateway::Resource"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        parent = common.required_resource(props, api, "ParentId", ctx)
        if parent.path != "/" and paths.split_path(parent.path)[-1].endswith("+}"):
            raise props.fail(f"the greedy resource {parent.path} cannot have children", "ParentId")
        part = props.required_text("PathPart")
        problem = paths.path_part_problem(part, last=True)
        if problem:
            raise props.fail(problem, "PathPart")
        path = paths.join_path(parent.path, part)
        resource = Resource(id=resource_id(api.id, path), parent_id=parent.id, path_part=part, path=path)
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=resource.id,
            attributes={"ResourceId": resource.id},
            model=ResourcePart(rest_api_id=api.id, resource=resource),
        )
