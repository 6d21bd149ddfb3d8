"""``vpcgate invoke``: from templates in-process, and through a running Invoke API."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import serving
from tests.integration.functions.conftest import make_spec
from vpcgate.cli_invoke import invoke_command
from vpcgate.functions.invoke_api import InvokeApi
from vpcgate.functions.service import FunctionService

TEMPLATE = {
    "Parameters": {"Greeting": {"Type": "String"}},
    "Resources": {
        "Hello": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.11",
                "Handler": "index.handler",
                "Role": "arn:aws:iam::000000000000:role/r",
                "Environment": {"Variables": {"GREETING": {"Ref": "Greeting"}}},
                "Code": {
                    "ZipFile": "import os\ndef handler(event, context):\n"
                    "    print('log line')\n"
                    "    return {'greeting': os.environ['GREETING'], 'event': event}\n"
                },
            },
        }
    },
}


def test_invoke_from_templates(tmp_path: Path) -> None:
    template = tmp_path / "hello.template.json"
    template.write_text(json.dumps(TEMPLATE))
    payload = tmp_path / "event.json"
    payload.write_text('{"n": 7}')
    result = CliRunner().invoke(
        invoke_command,
        [
            "Hello",
            str(template),
            "--payload",
            f"@{payload}",
            "--parameter-overrides",
            "Greeting=hey",
            "--log-type",
            "Tail",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"greeting": "hey", "event": {"n": 7}}
    assert "log line" in result.stderr and "REPORT RequestId:" in result.stderr


def test_bad_payload_and_missing_target_are_usage_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        invoke_command, ["f", "--payload", "{nope", "--endpoint", "http://127.0.0.1:1"]
    )
    assert result.exit_code == 2 and "not JSON" in result.output
    result = CliRunner().invoke(invoke_command, ["f"])
    assert result.exit_code == 2 and "--endpoint" in result.output


async def _run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from vpcgate.cli_invoke import invoke_command; invoke_command()",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_invoke_through_an_endpoint(service: FunctionService) -> None:
    service.deploy(make_spec("fn", "python3.11", "def handler(e, c):\n    return e['x'] * 2\n"))
    async with serving(InvokeApi(service).handle) as endpoint:
        code, out, err = await _run_cli("fn", "--endpoint", endpoint, "--payload", '{"x": 21}')
        assert (code, out) == (0, "42\n"), err
        code, out, err = await _run_cli("fn", "--endpoint", endpoint, "--payload", '{"y": 1}')
        assert code == 0 and "FunctionError: Unhandled" in err and json.loads(out)["errorType"] == "KeyError"
        code, out, err = await _run_cli("nope", "--endpoint", endpoint)
        assert code == 1 and "ResourceNotFoundException: Function not found" in err


def test_an_event_from_templates_follows_the_templates_event_invoke_config(tmp_path: Path) -> None:
    """With MaximumRetryAttempts 0 a failing Event runs once and the command ends, instead of waiting
    1 and 2 minutes for Lambda's default retries."""
    failing = {
        "Resources": {
            "Fails": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.11",
                    "Handler": "index.handler",
                    "Role": "arn:aws:iam::000000000000:role/r",
                    "Code": {"ZipFile": "def handler(event, context):\n    raise ValueError('no')\n"},
                },
            },
            "NoRetries": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "Fails"},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 0,
                },
            },
        }
    }
    template = tmp_path / "fails.template.json"
    template.write_text(json.dumps(failing))
    started = time.monotonic()
    result = CliRunner().invoke(invoke_command, ["Fails", str(template), "--invocation-type", "Event"])
    assert time.monotonic() - started < 50  # Lambda's first retry would come 60 s after the failure
    assert result.exit_code == 0, result.output
    assert "StatusCode: 202" in result.stderr
    assert "Event accepted" in result.stderr
