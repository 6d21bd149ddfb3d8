"""MOCK: API Gateway answers by itself; the request template chooses the status code.

"For a mock integration ... the request template returns ``{"statusCode": 200}``" and the integration
response is selected by that status code (its selectionPattern is matched against it); the
integration response's template makes the body, the integration itself has none.
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html

A body that is not a JSON object with an integer-like ``statusCode`` gives 200 (AWS is silent; a
method with no request template answers 200, which is what a user expects). A statusCode outside
100-599 is treated the same way.
"""

from __future__ import annotations

import json
from typing import Any

from vpcgate.gateway.context import IntegrationResult, Invocation

__all__ = ["MockIntegration", "mock_status"]


def mock_status(body: bytes) -> int:
    try:
        document: Any = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return 200
    code = document.get("statusCode") if isinstance(document, dict) else None
    if isinstance(code, bool) or not isinstance(code, int | str):
        return 200
    try:
        status = int(code)
    except ValueError:
        return 200
    return status if 100 <= status <= 599 else 200


class MockIntegration:
    async def __call__(self, inv: Invocation) -> IntegrationResult:
        assert inv.endpoint is not None
        return IntegrationResult(mock_status(inv.endpoint.body), b"")
