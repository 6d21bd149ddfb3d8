"""The functions the benchmarks deploy: an inline-code FunctionSpec, the trivial echo handler per
runtime, and the pattern that reads a cold start's ``Init Duration`` from an invocation's log. Not a
benchmark itself (``make bench`` skips modules starting with _)."""

from __future__ import annotations

import re
from typing import Any

from vpcgate.functions.model import CodeKind, FunctionCode, FunctionSpec

__all__ = ["ECHO", "INIT_DURATION", "inline_spec"]

ECHO = {
    "python3.11": "def handler(event, context):\n    return event\n",
    "nodejs20.x": "exports.handler = async (event) => event;\n",
}
INIT_DURATION = re.compile(r"Init Duration: ([0-9.]+) ms")


def inline_spec(name: str, runtime: str, source: str, **fields: Any) -> FunctionSpec:
    """A function named ``name`` whose ``index.handler`` is ``source``; ``fields`` set the rest."""
    return FunctionSpec(
        logical_id=name,
        name=name,
        arn=f"arn:aws:lambda:us-east-1:000000000000:function:{name}",
        runtime=runtime,
        handler="index.handler",
        code=FunctionCode(CodeKind.INLINE, inline_source=source),
        **fields,
    )
