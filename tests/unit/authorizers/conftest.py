"""Fixtures: a real authorizer function in a real worker process (AWS's blueprint idea, in Python).

Its token (or a REQUEST's ``auth`` header) says what to answer; it counts its calls so tests can see
the result cache at work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vpcgate.functions.invocation import InvokeResult
from vpcgate.functions.model import CodeKind, FunctionCode, FunctionSpec
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.gateway.authorizers.lambda_authorizer import InvokeFunction

SOURCE = """
import json
CALLS = 0

def policy(effect, resource):
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}

def handler(event, context):
    global CALLS
    CALLS += 1
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = event["headers"]["auth"]
    arn = event["methodArn"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "fail":
        raise ValueError("database down")
    if token == "nonsense":
        return {"hello": "world"}
    if token == "echo":
        return {"principalId": "echo", "policyDocument": policy("Allow", arn),
                "context": {"event": json.dumps(event)}}
    effect = {"deny": "Deny"}.get(token, "Allow")
    resource = arn if token == "this-method-only" else arn.rsplit("/", 2)[0] + "/*"
    if token == "elsewhere":
        resource = "arn:aws:execute-api:*:*:otherapi/*"
    return {"principalId": "user-" + token, "policyDocument": policy(effect, resource),
            "context": {"calls": CALLS, "admin": token == "admin"}, "usageIdentifierKey": "key-" + token}
"""


@pytest.fixture
async def invoke(tmp_path: Path) -> AsyncIterator[InvokeFunction]:
    service = FunctionService(ServiceConfig(work_dir=tmp_path / "state"), log_sink=None)
    code = FunctionCode(CodeKind.INLINE, inline_source=SOURCE)
    service.deploy(
        FunctionSpec(
            logical_id="Auth",
            name="auth",
            arn="arn:aws:lambda:us-east-1:123456789012:function:auth",
            runtime="python3.11",
            handler="index.handler",
            code=code,
        )
    )

    async def call(payload: bytes) -> InvokeResult:
        return await service.invoke("auth", payload)

    yield call
    await service.shutdown()
