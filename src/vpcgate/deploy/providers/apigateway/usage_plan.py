"""AWS::ApiGateway::UsagePlan: throttling and quota for API keys on API stages.

Ref gives the plan id (6 lowercase alphanumerics); GetAtt ``Id`` gives it too. ``ApiStages`` name
the stages (``ApiId``, ``Stage``), each with optional per-method throttles keyed
``"/{resource path}/{METHOD}"``; ``Quota`` (Limit, Offset, Period DAY | WEEK | MONTH) and
``Throttle`` (BurstLimit, RateLimit) apply per key across the plan.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-usageplan.html
"""

from __future__ import annotations

from vpcgate.deploy.ids import alnum_id, generated_name
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import Quota, QuotaPeriod, Throttle, UsagePlan, UsagePlanStage, frozen
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "ApiStages",
        "Description",
        "Quota",
        "Tags",
        "Throttle",
        "UsagePlanName",
    }
)


class UsagePlanProvider:
    resource_type = "AWS::ApiGateway::UsagePlan"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        plan_id = alnum_id(6, "usageplan", ctx.stack_name, res.logical_id)
        quota = props.child("Quota")
        throttle = props.child("Throttle")
        plan = UsagePlan(
            id=plan_id,
            name=props.text("UsagePlanName") or generated_name(ctx.stack_name, res.logical_id),
            description=props.text("Description"),
            api_stages=tuple(_api_stage(entry) for entry in props.children("ApiStages")),
            quota=None if quota is None else _quota(quota),
            throttle=None if throttle is None else read_throttle(throttle),
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=plan_id,
            attributes={"Id": plan_id},
            model=plan,
        )


def _api_stage(entry: Props) -> UsagePlanStage:
    throttles = {}
    for key, value in entry.objects("Throttle"):
        method = key.rsplit("/", 1)
        if len(method) != 2 or not key.startswith("/") or not method[1]:
            raise entry.fail(
                f"a method throttle key is /{{resource path}}/{{METHOD}}, got {key!r}", "Throttle", key
            )
        throttles[key] = read_throttle(value)
    return UsagePlanStage(
        rest_api_id=entry.required_text("ApiId"),
        stage=entry.required_text("Stage"),
        throttle=frozen(throttles),
    )


def _quota(props: Props) -> Quota:
    limit = props.integer("Limit", 0)
    if limit is None:
        raise props.fail("Limit is required", "Limit")
    period = props.choice("Period", QuotaPeriod)
    if period is None:
        raise props.fail("Period is required (DAY, WEEK or MONTH)", "Period")
    return Quota(limit=limit, period=period, offset=props.integer("Offset", 0) or 0)


def read_throttle(props: Props) -> Throttle:
    return Throttle(rate_limit=props.number("RateLimit", 0), burst_limit=props.integer("BurstLimit", 0))
