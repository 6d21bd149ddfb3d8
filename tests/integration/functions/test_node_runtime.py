"""The built-in Node.js runtime: handler styles, context, error shapes, ES modules, legacy agent."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.service import FunctionService

CONTEXT = """
exports.handler = async (event, context) => ({
  event,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  remaining: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop,
  clientContext: context.clientContext,
  keepAlive: require('http').globalAgent.keepAlive,
  env: process.env.AWS_EXECUTION_ENV,
});
"""


async def invoke_json(
    service: FunctionService, name: str, payload: bytes = b"{}"
) -> tuple[object, str | None]:
    result = await service.invoke(name, payload)
    return json.loads(result.payload), result.function_error


async def test_async_handler_gets_event_and_context(service: FunctionService) -> None:
    service.deploy(make_spec("ctx", "nodejs20.x", CONTEXT))
    result = await service.invoke("ctx", b'{"x": 1}', client_context='{"custom": {"a": 1}}')
    body = json.loads(result.payload)
    assert body["event"] == {"x": 1}
    assert body["functionName"] == "ctx"
    assert body["functionVersion"] == "$LATEST"
    assert body["invokedFunctionArn"].endswith(":function:ctx")
    assert body["memoryLimitInMB"] == "128"
    assert body["awsRequestId"] == result.request_id
    assert body["logGroupName"] == "/aws/lambda/ctx"
    assert 2000 < body["remaining"] <= 3000
    assert body["waits"] is True
    assert body["clientContext"] == {"custom": {"a": 1}}
    assert body["keepAlive"] is True
    assert body["env"] == "AWS_Lambda_nodejs20.x"


async def test_legacy_runtime_ids_keep_the_agent_without_keepalive(service: FunctionService) -> None:
    for runtime in ("nodejs4.3", "nodejs12.x", "nodejs18.x"):
        service.deploy(make_spec("old", runtime, CONTEXT))
        body, _ = await invoke_json(service, "old")
        assert isinstance(body, dict) and body["keepAlive"] is False, runtime


async def test_error_shapes(service: FunctionService) -> None:
    cases = {
        "callback(new Error('boom'))": ("Error", "boom"),
        "callback('a string')": ("string", "a string"),
        "context.fail('a string')": ("string", "a string"),
        "context.fail()": ("string", "handled"),
        "context.done(new TypeError('bad'))": ("TypeError", "bad"),
        "throw new RangeError('thrown')": ("RangeError", "thrown"),
    }
    for i, (statement, (error_type, message)) in enumerate(cases.items()):
        source = f"exports.handler = function (event, context, callback) {{ {statement}; }};"
        service.deploy(make_spec(f"e{i}", "nodejs20.x", source))
        error, function_error = await invoke_json(service, f"e{i}")
        assert function_error == "Unhandled"
        assert isinstance(error, dict)
        assert error["errorType"] == error_type, statement
        assert error["errorMessage"] == message, statement
        if error_type == "string":
            assert error["trace"] == []
        else:
            assert error["trace"][0] == f"{error_type}: {message}"


async def test_rejected_promise_is_the_error(service: FunctionService) -> None:
    service.deploy(
        make_spec("rej", "nodejs20.x", "exports.handler = async () => { throw new Error('nope'); };")
    )
    error, _ = await invoke_json(service, "rej")
    assert isinstance(error, dict) and (error["errorType"], error["errorMessage"]) == ("Error", "nope")


async def test_succeed_and_callback_results(service: FunctionService) -> None:
    service.deploy(
        make_spec("s", "nodejs20.x", "exports.handler = (e, context) => { context.succeed({ok: e}); };")
    )
    assert await invoke_json(service, "s", b"[1]") == ({"ok": [1]}, None)
    service.deploy(make_spec("c", "nodejs20.x", "exports.handler = (e, c, callback) => callback(null, 'x');"))
    assert await invoke_json(service, "c") == ("x", None)
    service.deploy(make_spec("u", "nodejs20.x", "exports.handler = async () => undefined;"))
    assert await invoke_json(service, "u") == (None, None)


async def test_callback_waits_for_an_empty_event_loop_unless_told_not_to(service: FunctionService) -> None:
    waits = "exports.handler = (e, c, cb) => { setTimeout(() => {}, 400); cb(null, 'w'); };"
    service.deploy(make_spec("waits", "nodejs20.x", waits))
    await service.invoke("waits", b"{}")  # cold start out of the way
    result = await service.invoke("waits", b"{}")
    assert result.payload == b'"w"'
    assert _duration_ms(result.log) >= 380
    no_wait = (
        "exports.handler = (e, c, cb) => { c.callbackWaitsForEmptyEventLoop = false;"
        " setTimeout(() => {}, 400); cb(null, 'n'); };"
    )
    service.deploy(make_spec("nowait", "nodejs20.x", no_wait))
    await service.invoke("nowait", b"{}")
    result = await service.invoke("nowait", b"{}")
    assert result.payload == b'"n"'
    assert _duration_ms(result.log) < 300


def _duration_ms(log: str) -> float:
    report = next(line for line in log.splitlines() if line.startswith("REPORT"))
    return float(report.split("Duration: ")[1].split(" ms")[0])


async def test_es_module_handler(service: FunctionService, tmp_path: Path) -> None:
    (tmp_path / "app.mjs").write_text("export const handler = async (event) => ({ esm: event.n * 2 });\n")
    service.deploy(make_spec("esm", "nodejs20.x", handler="app.handler", directory=tmp_path))
    assert await invoke_json(service, "esm", b'{"n": 21}') == ({"esm": 42}, None)


async def test_init_errors(service: FunctionService, tmp_path: Path) -> None:
    service.deploy(make_spec("nomod", "nodejs20.x", handler="missing.handler", directory=tmp_path))
    error, _ = await invoke_json(service, "nomod")
    assert isinstance(error, dict) and error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"].startswith("Error: Cannot find module 'missing'")
    service.deploy(make_spec("nofn", "nodejs20.x", "exports.other = 1;"))
    error, _ = await invoke_json(service, "nofn")
    assert isinstance(error, dict) and error["errorType"] == "Runtime.HandlerNotFound"
    assert error["errorMessage"] == "index.handler is undefined or not exported"
    service.deploy(make_spec("syntax", "nodejs20.x", "exports.handler = ("))
    error, _ = await invoke_json(service, "syntax")
    assert isinstance(error, dict) and error["errorType"] == "Runtime.UserCodeSyntaxError"


async def test_console_lines_carry_time_request_id_and_level(service: FunctionService) -> None:
    source = "exports.handler = async () => { console.log('a\\nb'); console.error('bad'); return 1; };"
    service.deploy(make_spec("log", "nodejs20.x", source))
    result = await service.invoke("log", b"{}")
    lines = [
        line.split("\t") for line in result.log.split("\n") if "\t" in line and not line.startswith("REPORT")
    ]
    assert [(parts[1], parts[2], parts[3]) for parts in lines] == [
        (result.request_id, "INFO", "a\rb"),
        (result.request_id, "ERROR", "bad"),
    ]
    assert lines[0][0].endswith("Z")


async def test_uncaught_exception_fails_the_invocation_and_replaces_the_worker(
    service: FunctionService,
) -> None:
    source = (
        "exports.handler = (e, c, cb) => {"
        " if (e.crash) setTimeout(() => { throw new Error('async boom'); }, 1);"
        " else cb(null, process.pid); };"
    )
    service.deploy(make_spec("crash", "nodejs20.x", source))
    first, _ = await invoke_json(service, "crash")
    error, function_error = await invoke_json(service, "crash", b'{"crash": true}')
    assert function_error == "Unhandled"
    assert isinstance(error, dict) and (error["errorType"], error["errorMessage"]) == ("Error", "async boom")
    second, function_error = await invoke_json(service, "crash")
    assert function_error is None and second != first


async def test_a_handler_that_never_calls_back_answers_null_when_the_loop_is_empty(
    service: FunctionService,
) -> None:
    service.deploy(
        make_spec("silent", "nodejs20.x", "exports.handler = (e, c, cb) => { setTimeout(() => {}, 50); };")
    )
    assert await invoke_json(service, "silent") == (None, None)
    assert await invoke_json(service, "silent") == (None, None)


async def test_process_exit_in_a_handler_is_an_exit_error(service: FunctionService) -> None:
    service.deploy(make_spec("bye", "nodejs20.x", "exports.handler = (e) => process.exit(e.code);"))
    clean = await service.invoke("bye", b'{"code": 0}')
    assert json.loads(clean.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {clean.request_id} Error: Runtime exited without providing a reason",
    }
    failed, _ = await invoke_json(service, "bye", b'{"code": 2}')
    assert isinstance(failed, dict) and failed["errorMessage"].endswith(
        "Runtime exited with error: exit status 2"
    )
