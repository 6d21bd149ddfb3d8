"""Invoke: the method's integration runs; its answer goes into ``inv.integration``."""

from __future__ import annotations

from vpcgate.gateway.context import Invocation
from vpcgate.gateway.integrations.base import Integration

__all__ = ["InvokeStep"]


class InvokeStep:
    def __init__(self, integration: Integration) -> None:
        self.integration = integration

    async def __call__(self, inv: Invocation) -> None:
        inv.integration = await self.integration(inv)
