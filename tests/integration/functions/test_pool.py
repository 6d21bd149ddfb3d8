"""Pools: timeouts, crashes, concurrency limits, idle reaping, redeploys, memory and payload limits."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.errors import (
    RequestTooLargeException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from vpcgate.functions.invocation import InvocationType
from vpcgate.functions.model import AliasSpec, VersionSpec
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.functions.worker import WorkerState

SLEEPY = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return os.getpid()
"""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_timeout_stops_the_invocation_and_the_worker_is_replaced(service: FunctionService) -> None:
    service.deploy(make_spec("slow", "python3.11", SLEEPY, timeout_seconds=1))
    first_pid = json.loads((await service.invoke("slow", b"{}")).payload)
    result = await service.invoke("slow", b'{"sleep": 30}')
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert f"{result.request_id} Task timed out after 1.00 seconds" in result.log
    assert "Status: timeout" in result.log
    assert not _pid_alive(first_pid)
    again = await service.invoke("slow", b"{}")
    assert again.function_error is None and json.loads(again.payload) != first_pid


async def test_worker_killed_mid_invocation_is_an_exit_error(service: FunctionService) -> None:
    service.deploy(make_spec("victim", "python3.11", SLEEPY, timeout_seconds=20))
    await service.invoke("victim", b"{}")
    task = asyncio.create_task(service.invoke("victim", b'{"sleep": 20}'))
    while not any(w.state is WorkerState.BUSY for w in service.pool("victim").workers):
        await asyncio.sleep(0.01)
    (worker,) = service.pool("victim").workers
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    result = await asyncio.wait_for(task, 5)
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed",
    }
    assert (await service.invoke("victim", b"{}")).function_error is None


async def test_a_handler_that_exits_is_an_exit_error_with_its_status(service: FunctionService) -> None:
    service.deploy(make_spec("quitter", "python3.11", "import os\ndef handler(e, c):\n    os._exit(3)\n"))
    error = json.loads((await service.invoke("quitter", b"{}")).payload)
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Runtime exited with error: exit status 3")


async def test_reserved_concurrency_throttles_beyond_it(service: FunctionService) -> None:
    service.deploy(make_spec("two", "python3.11", SLEEPY, reserved_concurrency=2))
    slow = [asyncio.create_task(service.invoke("two", b'{"sleep": 0.5}')) for _ in range(2)]
    while service.pool("two").in_flight < 2:
        await asyncio.sleep(0.01)
    with pytest.raises(TooManyRequestsException) as caught:
        await service.invoke("two", b"{}")
    assert caught.value.body() == {
        "Type": "User",
        "message": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
    }
    pids = {json.loads(r.payload) for r in await asyncio.gather(*slow)}
    assert len(pids) == 2  # two workers, one invocation each
    assert (await service.invoke("two", b"{}")).function_error is None


async def test_zero_reserved_concurrency_always_throttles(service: FunctionService) -> None:
    service.deploy(make_spec("off", "python3.11", SLEEPY, reserved_concurrency=0))
    with pytest.raises(TooManyRequestsException):
        await service.invoke("off", b"{}")


async def test_account_limit_is_shared_by_all_functions(tmp_path: Path) -> None:
    svc = FunctionService(ServiceConfig(work_dir=tmp_path, concurrency_limit=1), log_sink=None)
    try:
        svc.deploy(make_spec("a", "python3.11", SLEEPY))
        svc.deploy(make_spec("b", "python3.11", SLEEPY))
        busy = asyncio.create_task(svc.invoke("a", b'{"sleep": 0.5}'))
        while svc.pool("a").in_flight < 1:
            await asyncio.sleep(0.01)
        with pytest.raises(TooManyRequestsException) as caught:
            await svc.invoke("b", b"{}")
        assert caught.value.extra["Reason"] == "ConcurrentInvocationLimitExceeded"
        await busy
        assert (await svc.invoke("b", b"{}")).function_error is None
    finally:
        await svc.shutdown()


async def test_idle_workers_are_reaped_by_the_injected_clock(tmp_path: Path) -> None:
    now = [1000.0]
    svc = FunctionService(
        ServiceConfig(work_dir=tmp_path, idle_timeout=60.0), clock=lambda: now[0], log_sink=None
    )
    try:
        svc.deploy(make_spec("idle", "python3.11", SLEEPY))
        results = await asyncio.gather(*(svc.invoke("idle", b'{"sleep": 0.2}') for _ in range(3)))
        pids = {json.loads(r.payload) for r in results}
        assert len(pids) == 3
        now[0] += 59.0
        assert svc.reap_idle() == 0
        now[0] += 1.0
        assert svc.reap_idle() == 3
        for worker in list(svc.pool("idle").workers):
            await worker.wait_closed()
        assert not any(_pid_alive(pid) for pid in pids)
        assert (await svc.invoke("idle", b"{}")).function_error is None  # a cold start again
    finally:
        await svc.shutdown()


async def test_redeploy_runs_new_code_and_drains_old_workers(service: FunctionService) -> None:
    v1 = "import os\ndef handler(e, c):\n    return ['v1', os.getpid()]\n"
    v2 = "import os\ndef handler(e, c):\n    return ['v2', os.getpid()]\n"
    service.deploy(make_spec("app", "python3.11", v1))
    version, old_pid = json.loads((await service.invoke("app", b"{}")).payload)
    assert version == "v1"
    service.deploy(make_spec("app", "python3.11", v2))
    version, new_pid = json.loads((await service.invoke("app", b"{}")).payload)
    assert version == "v2" and new_pid != old_pid
    for _ in range(100):
        if not _pid_alive(old_pid):
            break
        await asyncio.sleep(0.01)
    assert not _pid_alive(old_pid)


async def test_memory_size_limits_the_worker(service: FunctionService) -> None:
    source = "def handler(event, context):\n    return len(bytearray(event['mb'] * 1024 * 1024))\n"
    service.deploy(make_spec("mem", "python3.11", source, memory_mb=128))
    assert (await service.invoke("mem", b'{"mb": 32}')).function_error is None
    error = json.loads((await service.invoke("mem", b'{"mb": 256}')).payload)
    assert error["errorType"] == "MemoryError"


async def test_payload_limits(service: FunctionService) -> None:
    service.deploy(make_spec("big", "python3.11", "def handler(e, c):\n    return 'x' * e['n']\n"))
    with pytest.raises(RequestTooLargeException):
        await service.invoke("big", b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    result = await service.invoke("big", json.dumps({"n": 6 * 1024 * 1024 + 10}).encode())
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"] == "Function.ResponseSizeTooLarge"
    assert (await service.invoke("big", b'{"n": 5}')).payload == b'"xxxxx"'


async def test_event_and_dry_run_invocations(service: FunctionService, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"def handler(e, c):\n    open({str(marker)!r}, 'w').write(c.aws_request_id)\n"
    service.deploy(make_spec("ev", "python3.11", source))
    dry = await service.invoke("ev", b"{}", invocation_type=InvocationType.DRY_RUN)
    assert (dry.status, dry.payload) == (204, b"")
    event = await service.invoke("ev", b"{}", invocation_type=InvocationType.EVENT)
    assert (event.status, event.payload) == (202, b"")
    for _ in range(300):
        if marker.exists() and marker.read_text():
            break
        await asyncio.sleep(0.01)
    assert marker.read_text() == event.request_id


async def test_names_versions_and_aliases(service: FunctionService) -> None:
    service.deploy(make_spec("fn", "python3.11", SLEEPY))
    service.add_version(VersionSpec("V1", "fn", "1", "arn:aws:lambda:us-east-1:000000000000:function:fn:1"))
    service.add_alias(
        AliasSpec("Live", "fn", "live", "1", "arn:aws:lambda:us-east-1:000000000000:function:fn:live")
    )
    assert (await service.invoke("fn", b"{}", qualifier="live")).executed_version == "1"
    assert (await service.invoke("fn:1", b"{}")).executed_version == "1"
    assert (await service.invoke("fn", b"{}")).executed_version == "$LATEST"
    with pytest.raises(ResourceNotFoundException) as caught:
        await service.invoke("fn", b"{}", qualifier="nope")
    assert (
        caught.value.message == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn:nope"
    )
    with pytest.raises(ResourceNotFoundException):
        await service.invoke("other", b"{}")


async def test_deploying_the_same_inline_spec_keeps_the_warm_worker(service: FunctionService) -> None:
    service.deploy(make_spec("same", "python3.11", SLEEPY))
    first = json.loads((await service.invoke("same", b"{}")).payload)
    service.deploy(make_spec("same", "python3.11", SLEEPY))
    assert json.loads((await service.invoke("same", b"{}")).payload) == first
    assert [r.payload for r in service.recent("same")] == [str(first).encode()] * 2


async def test_memory_size_limits_a_node_worker_too(service: FunctionService) -> None:
    source = "exports.handler = async (e) => Buffer.alloc(e.mb * 1024 * 1024, 1).length;"
    service.deploy(make_spec("nodemem", "nodejs20.x", source, memory_mb=128))
    assert (await service.invoke("nodemem", b'{"mb": 16}')).function_error is None
    failed = await service.invoke("nodemem", b'{"mb": 512}')
    assert failed.function_error == "Unhandled"
    assert json.loads(failed.payload)["errorType"] in ("RangeError", "Runtime.ExitError")


async def test_remove_stops_the_workers(service: FunctionService) -> None:
    service.deploy(make_spec("gone", "python3.11", SLEEPY))
    pid = json.loads((await service.invoke("gone", b"{}")).payload)
    await service.remove("gone")
    assert not _pid_alive(pid)
    with pytest.raises(ResourceNotFoundException):
        await service.invoke("gone", b"{}")


async def test_what_a_dying_worker_printed_is_in_the_log(service: FunctionService) -> None:
    source = "import os, sys\ndef handler(e, c):\n    print('last words', flush=True)\n    os._exit(5)\n"
    service.deploy(make_spec("dying", "python3.11", source))
    result = await service.invoke("dying", b"{}")
    assert "last words" in result.log
    assert "Runtime exited with error: exit status 5\nRuntime.ExitError" in result.log
    service.deploy(
        make_spec("initdeath", "python3.11", "import os\nprint('init words', flush=True)\nos._exit(4)\n")
    )
    result = await service.invoke("initdeath", b"{}")
    assert "init words" in result.log
    assert json.loads(result.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 4",
    }


async def test_resolved_names_follow_later_deployments(service: FunctionService) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:later"
    service.deploy(make_spec("later", "python3.11", SLEEPY))
    assert service.resolve("later") == ("later", "$LATEST", arn)
    with pytest.raises(ResourceNotFoundException):
        service.resolve("later", "live")
    service.add_version(VersionSpec("V1", "later", "1", f"{arn}:1"))
    service.add_alias(AliasSpec("Live", "later", "live", "1", f"{arn}:live"))
    assert service.resolve("later", "live") == ("later", "1", f"{arn}:live")
    assert service.resolve(f"{arn}:1") == ("later", "1", f"{arn}:1")
    await service.remove("later")
    with pytest.raises(ResourceNotFoundException):
        service.resolve("later")


async def test_a_caller_that_stops_waiting_leaves_the_invocation_running(service: FunctionService) -> None:
    """API Gateway's integration timeout (29 s by default) answers 504 while the function runs on:
    the invocation keeps its worker and its concurrency until it ends, then the worker is warm again.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (integration timeout) and
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html (concurrency is held while
    a request is being processed)."""
    service.deploy(make_spec("busy", "python3.11", SLEEPY, timeout_seconds=10, reserved_concurrency=1))
    pid = json.loads((await service.invoke("busy", b"{}")).payload)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(service.invoke("busy", b'{"sleep": 0.5}'), 0.05)
    (worker,) = service.pool("busy").workers
    assert worker.state is WorkerState.BUSY
    with pytest.raises(TooManyRequestsException):  # the abandoned invocation still holds the one slot
        await service.invoke("busy", b"{}")
    while worker.state is WorkerState.BUSY:
        await asyncio.sleep(0.02)
    again = await service.invoke("busy", b"{}")
    assert again.function_error is None and json.loads(again.payload) == pid
    assert len(service.pool("busy").workers) == 1
