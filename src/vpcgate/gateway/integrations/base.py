"""The integration seam: one protocol for MOCK, HTTP, HTTP_PROXY, AWS (Lambda) and AWS_PROXY.

An integration is built once per method (:func:`vpcgate.gateway.integrations.registry.build_integration`)
with what it needs passed in (:class:`IntegrationDeps`); per request it reads the invocation (the
endpoint request the integration request step prepared, or the whole request for proxies) and
returns an :class:`~vpcgate.gateway.context.IntegrationResult`, or raises a GatewayError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.context import IntegrationResult, Invocation
from vpcgate.gateway.integrations.vpc_link import VpcLinks
from vpcgate.http.client import HttpClient

__all__ = ["FunctionInvoker", "Integration", "IntegrationDeps", "MethodPlace"]


class Integration(Protocol):
    async def __call__(self, inv: Invocation) -> IntegrationResult: ...


class FunctionInvoker(Protocol):
    """What the Lambda integrations need of the functions service (FunctionService fits)."""

    async def invoke(
        self, function_name: str, payload: bytes, *, qualifier: str | None = None
    ) -> InvokeResult: ...


@dataclass(frozen=True, slots=True)
class MethodPlace:
    """Where a method sits: what its source ARN and its permissions depend on."""

    region: str
    account_id: str
    api_id: str
    stage: str
    http_method: str
    resource_path: str
    stage_variables: dict[str, str]

    @property
    def source_arn(self) -> str:
        """``arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`` (a Lambda
        permission's SourceArn is matched against it)."""
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/"
            f"{self.http_method}{self.resource_path}"
        )


# May the API at this place invoke this function? (AWS::Lambda::Permission, see permissions.py)
PermissionCheck = Callable[[MethodPlace, str], bool]


@dataclass(frozen=True)
class IntegrationDeps:
    functions: FunctionInvoker
    http: HttpClient
    may_invoke: PermissionCheck
    vpc_links: VpcLinks | None = None  # connectionType VPC_LINK (none: every such method answers 500)
