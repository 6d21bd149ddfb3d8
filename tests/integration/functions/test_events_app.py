"""A template with AWS::Lambda::EventInvokeConfig, deployed and run by the whole app; boto3 calls
its Invoke API with InvocationType Event and the OnFailure destination gets the record."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.integration.functions.conftest import lambda_client
from vpcgate.app import App, AppConfig


def template(out: Path) -> dict[str, Any]:
    role = "arn:aws:iam::000000000000:role/r"
    sink = f"import json\ndef handler(e, c):\n    open({str(out)!r}, 'a').write(json.dumps(e) + '\\n')\n"
    fails = "def handler(e, c):\n    raise ValueError('bad order')\n"

    def function(name: str, source: str) -> dict[str, Any]:
        props = {"FunctionName": name, "Runtime": "python3.11", "Handler": "index.handler"}
        return {
            "Type": "AWS::Lambda::Function",
            "Properties": {**props, "Role": role, "Code": {"ZipFile": source}},
        }

    config = {
        "FunctionName": {"Ref": "Orders"},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Sink", "Arn"]}}},
    }
    return {
        "Resources": {
            "Orders": function("orders", fails),
            "Sink": function("sink", sink),
            "OrdersAsync": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": config},
        }
    }


async def test_event_invoke_config_from_a_template_reaches_the_service(tmp_path: Path) -> None:
    out = tmp_path / "records"
    path = tmp_path / "app.json"
    path.write_text(json.dumps(template(out)))
    app = App.deploy(AppConfig(templates=(path,), port=0, state_dir=tmp_path / "state"))
    await app.start()
    try:
        host, port = app.address
        client = lambda_client(f"http://{host}:{port}")
        response = await asyncio.to_thread(
            client.invoke, FunctionName="orders", InvocationType="Event", Payload=b'{"id": 3}'
        )
        assert response["StatusCode"] == 202
        assert app.functions is not None
        await app.functions.wait_for_events()  # no retries configured: nothing waits a minute
    finally:
        await app.stop()
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["requestContext"]["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"id": 3}
    assert record["responsePayload"]["errorMessage"] == "bad order"
