"""The chain's steps, one module each; a step is ``async def __call__(self, inv: Invocation) -> None``.

Order (DESIGN.md): parse → route → [authorize → api key → throttle (issue 7, built per method by
:mod:`.guards`) → validate; a method without them has no such step] → integration request → invoke
→ integration response.
The method response (the headers every response gets) is the chain's own last step, which runs
for errors too.
"""

from __future__ import annotations

from typing import Protocol

from vpcgate.gateway.context import Invocation

__all__ = ["Step"]


class Step(Protocol):
    async def __call__(self, inv: Invocation) -> None: ...
