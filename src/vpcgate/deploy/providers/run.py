"""What some providers need beyond :class:`DeployContext`: every resource deployed so far in the run.

Subnets check their CIDR against the other subnets of their VPC, instances pick the next free
address, versions count earlier versions. The deployer's context offers ``all_deployed()``; this
module reads it without widening the shared :class:`DeployContext` protocol (a context without it,
such as a test double, simply sees no earlier resources).
"""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

from vpcgate.deploy.providers.base import DeployContext, Deployed

M = TypeVar("M")


@runtime_checkable
class ListsResources(Protocol):
    def all_deployed(self) -> tuple[Deployed, ...]: ...


def models_of(ctx: DeployContext, kind: type[M]) -> list[M]:
    """The models of type ``kind`` deployed so far in this run (earlier stacks first)."""
    if not isinstance(ctx, ListsResources):
        return []
    return [d.model for d in ctx.all_deployed() if isinstance(d.model, kind)]
