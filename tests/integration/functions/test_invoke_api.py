"""The Invoke API over real HTTP, driven by boto3's Lambda client."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import serving
from tests.integration.functions.conftest import lambda_client, make_spec
from vpcgate.functions.invoke_api import InvokeApi
from vpcgate.functions.model import AliasSpec
from vpcgate.functions.service import FunctionService

HANDLER = """
import time
def handler(event, context):
    print("processing", event)
    if event.get("fail"):
        raise RuntimeError("it failed")
    time.sleep(event.get("sleep", 0))
    return {"echo": event, "custom": context.client_context.custom if context.client_context else None}
"""


@pytest.fixture
async def endpoint(service: FunctionService) -> AsyncIterator[str]:
    async with serving(InvokeApi(service).handle) as url:
        yield url


async def test_boto3_invoke_with_tail_logs(service: FunctionService, endpoint: str) -> None:
    service.deploy(make_spec("echo", "python3.11", HANDLER))
    client = lambda_client(endpoint)
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    response = await asyncio.to_thread(
        client.invoke, FunctionName="echo", Payload=b'{"a": 1}', LogType="Tail", ClientContext=context
    )
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert json.loads(response["Payload"].read()) == {"echo": {"a": 1}, "custom": {"k": "v"}}
    log = base64.b64decode(response["LogResult"]).decode()
    request_id = response["ResponseMetadata"]["RequestId"]
    assert log.startswith(f"START RequestId: {request_id} Version: $LATEST\n")
    assert "processing {'a': 1}" in log
    assert f"END RequestId: {request_id}\n" in log
    assert f"REPORT RequestId: {request_id}\tDuration:" in log


async def test_function_error_and_service_errors(service: FunctionService, endpoint: str) -> None:
    service.deploy(make_spec("echo", "python3.11", HANDLER, reserved_concurrency=1))
    client = lambda_client(endpoint)
    failed = await asyncio.to_thread(client.invoke, FunctionName="echo", Payload=b'{"fail": true}')
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "it failed"
    with pytest.raises(ClientError) as missing:
        await asyncio.to_thread(client.invoke, FunctionName="nope", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope" in str(missing.value)
    with pytest.raises(ClientError) as bad:
        await asyncio.to_thread(client.invoke, FunctionName="echo", Payload=b"{not json")
    assert bad.value.response["Error"]["Code"] == "InvalidRequestContentException"
    busy = asyncio.create_task(service.invoke("echo", b'{"sleep": 2}'))
    while service.pool("echo").in_flight < 1:
        await asyncio.sleep(0.01)
    with pytest.raises(ClientError) as throttled:
        await asyncio.to_thread(client.invoke, FunctionName="echo", Payload=b"{}")
    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert throttled.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    await busy


async def test_invocation_types_and_qualifiers(service: FunctionService, endpoint: str) -> None:
    service.deploy(make_spec("echo", "python3.11", HANDLER))
    service.add_alias(AliasSpec("Live", "echo", "live", "$LATEST", "arn"))
    client = lambda_client(endpoint)
    event = await asyncio.to_thread(client.invoke, FunctionName="echo", InvocationType="Event", Payload=b"{}")
    assert event["StatusCode"] == 202 and event["Payload"].read() == b""
    dry = await asyncio.to_thread(client.invoke, FunctionName="echo", InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    arn = "arn:aws:lambda:us-east-1:000000000000:function:echo"
    by_arn = await asyncio.to_thread(client.invoke, FunctionName=arn, Qualifier="live", Payload=b'{"q": 1}')
    assert json.loads(by_arn["Payload"].read())["echo"] == {"q": 1}
    with pytest.raises(ClientError) as missing:
        await asyncio.to_thread(client.invoke, FunctionName="echo", Qualifier="7", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_signature_checking_when_credentials_are_configured(service: FunctionService) -> None:
    service.deploy(make_spec("echo", "python3.11", HANDLER))
    async with serving(InvokeApi(service, credentials={"AKIDLOCAL": "s3cret"}).handle) as url:

        def client(key: str, secret: str) -> Any:
            return lambda_client(url, key=key, secret=secret, region="eu-west-1")

        good = client("AKIDLOCAL", "s3cret")
        arn = "arn:aws:lambda:us-east-1:000000000000:function:echo"
        for name in ("echo", arn):
            response = await asyncio.to_thread(
                good.invoke, FunctionName=name, Qualifier="$LATEST", Payload=b'{"s": 1}'
            )
            assert json.loads(response["Payload"].read())["echo"] == {"s": 1}
        for key, secret, code in (
            ("AKIDLOCAL", "wrong", "InvalidSignatureException"),
            ("AKIDOTHER", "s3cret", "UnrecognizedClientException"),
        ):
            with pytest.raises(ClientError) as refused:
                await asyncio.to_thread(client(key, secret).invoke, FunctionName="echo", Payload=b"{}")
            assert refused.value.response["Error"]["Code"] == code
            assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
