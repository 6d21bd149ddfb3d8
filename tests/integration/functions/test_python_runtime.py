"""The built-in Python runtime: handler, context object, error documents, init errors, logging."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.service import FunctionService

CONTEXT = """
import os
def handler(event, context):
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "identity_id": context.identity.cognito_identity_id,
        "custom": context.client_context.custom if context.client_context else None,
        "env": {k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "_HANDLER",
                "LAMBDA_TASK_ROOT", "TZ", "AWS_EXECUTION_ENV",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "GREETING")},
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
    }
"""


async def test_handler_gets_event_and_context(service: FunctionService) -> None:
    service.deploy(make_spec("ctx", "python3.12", CONTEXT, memory_mb=256, environment={"GREETING": "hi"}))
    result = await service.invoke(
        "ctx",
        b'{"a": [1, 2]}',
        client_context='{"custom": {"k": "v"}}',
        identity='{"cognitoIdentityId": "id-1"}',
    )
    assert result.status == 200 and result.function_error is None
    body = json.loads(result.payload)
    assert body["event"] == {"a": [1, 2]}
    assert body["function_name"] == "ctx"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    assert body["memory_limit_in_mb"] == "256"
    assert body["aws_request_id"] == result.request_id
    assert body["log_group_name"] == "/aws/lambda/ctx"
    assert "[$LATEST]" in body["log_stream_name"]
    assert 2000 < body["remaining"] <= 3000
    assert body["identity_id"] == "id-1"
    assert body["custom"] == {"k": "v"}
    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "ctx"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "index.handler"
    assert env["TZ"] == ":UTC"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["GREETING"] == "hi"
    assert body["trace"].startswith("Root=1-")


async def test_qualified_invocation_reports_the_qualified_arn(service: FunctionService) -> None:
    service.deploy(make_spec("ctx", "python3.11", CONTEXT))
    result = await service.invoke("arn:aws:lambda:us-east-1:000000000000:function:ctx:$LATEST", b"{}")
    assert json.loads(result.payload)["invoked_function_arn"].endswith(":function:ctx:$LATEST")


async def test_an_exception_becomes_the_python_error_document(service: FunctionService) -> None:
    source = "def handler(event, context):\n    raise ValueError('boom')\n"
    service.deploy(make_spec("err", "python3.11", source))
    result = await service.invoke("err", b"{}")
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert set(error) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert error["errorMessage"] == "boom"
    assert error["errorType"] == "ValueError"
    assert error["requestId"] == result.request_id
    assert len(error["stackTrace"]) == 1
    assert 'index.py", line 2, in handler' in error["stackTrace"][0]
    assert "[ERROR] ValueError: boom" in result.log


async def test_missing_module_is_an_import_module_error(service: FunctionService) -> None:
    service.deploy(make_spec("imp", "python3.11", "import no_such_module_xyz\n"))
    result = await service.invoke("imp", b"{}")
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": "Unable to import module 'index': No module named 'no_such_module_xyz'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert service.pool("imp").workers == frozenset() or all(not w.alive for w in service.pool("imp").workers)


async def test_missing_handler_and_bad_syntax(service: FunctionService) -> None:
    service.deploy(make_spec("nf", "python3.11", "x = 1\n", handler="index.nope"))
    error = json.loads((await service.invoke("nf", b"{}")).payload)
    assert error["errorType"] == "Runtime.HandlerNotFound"
    assert error["errorMessage"] == "Handler 'nope' missing on module 'index'"
    service.deploy(make_spec("syn", "python3.11", "def handler(:\n"))
    error = json.loads((await service.invoke("syn", b"{}")).payload)
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'index'")
    service.deploy(make_spec("bad", "python3.11", "x = 1\n", handler="index"))
    error = json.loads((await service.invoke("bad", b"{}")).payload)
    assert error["errorType"] == "Runtime.MalformedHandlerName"


async def test_unserialisable_result_is_a_marshal_error(service: FunctionService) -> None:
    service.deploy(make_spec("m", "python3.11", "def handler(e, c):\n    return {1, 2}\n"))
    error = json.loads((await service.invoke("m", b"{}")).payload)
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


async def test_warm_worker_keeps_module_state_and_logs_are_per_invocation(service: FunctionService) -> None:
    source = (
        "import logging\ncount = 0\n"
        "def handler(event, context):\n"
        "    global count\n    count += 1\n"
        "    print('call', count)\n"
        "    logging.getLogger().warning('warned %s', count)\n"
        "    return count\n"
    )
    service.deploy(make_spec("warm", "python3.11", source))
    first = await service.invoke("warm", b"{}")
    second = await service.invoke("warm", b"{}")
    assert (first.payload, second.payload) == (b"1", b"2")
    assert "call 1" in first.log and "call 2" not in first.log
    assert "call 2" in second.log and "call 1" not in second.log
    assert "[WARNING]\t" in second.log and f"\t{second.request_id}\twarned 2" in second.log
    lines = second.log.splitlines()
    assert lines[0] == f"START RequestId: {second.request_id} Version: $LATEST"
    assert lines[-2] == f"END RequestId: {second.request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {second.request_id}\tDuration: ")
    assert "Memory Size: 128 MB\tMax Memory Used: " in lines[-1]
    assert "Init Duration" in first.log and "Init Duration" not in second.log
    tail = base64.b64decode(second.log_result).decode()
    assert tail == second.log


async def test_pythonpath_from_the_function_environment_is_honoured(
    service: FunctionService, tmp_path: Path
) -> None:
    lib = tmp_path / "layer"
    lib.mkdir()
    (lib / "helper.py").write_text("VALUE = 'from the layer'\n")
    source = "import helper\ndef handler(e, c):\n    return helper.VALUE\n"
    service.deploy(make_spec("pp", "python3.11", source, environment={"PYTHONPATH": str(lib)}))
    assert (await service.invoke("pp", b"{}")).payload == b'"from the layer"'
