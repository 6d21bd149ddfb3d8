"""Event invocations retried, aged out and sent to destinations as Lambda does, with real workers.

Time is a ManualTimers the tests advance: Lambda's one- and two-minute retry delays take no time here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import serving
from tests.integration.functions.conftest import lambda_client, make_spec
from vpcgate.functions.events import ManualTimers
from vpcgate.functions.invocation import InvocationType
from vpcgate.functions.invoke_api import InvokeApi
from vpcgate.functions.model import AliasSpec, EventInvokeConfig
from vpcgate.functions.service import FunctionService, ServiceConfig

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def flaky(runs: Path, failures: int) -> str:
    """A handler that appends its request id to ``runs`` and fails its first ``failures`` runs."""
    return (
        "def handler(event, context):\n"
        f"    with open({str(runs)!r}, 'a') as f:\n"
        "        f.write(context.aws_request_id + '\\n')\n"
        f"    if len(open({str(runs)!r}).read().split()) <= {failures}:\n"
        "        raise RuntimeError('not yet')\n"
        "    return {'done': event}\n"
    )


def recorder(out: Path) -> str:
    """A destination handler that appends each event it gets to ``out`` as one JSON line."""
    return (
        "import json\n"
        "def handler(event, context):\n"
        f"    with open({str(out)!r}, 'a') as f:\n"
        "        f.write(json.dumps(event) + '\\n')\n"
    )


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def timers() -> ManualTimers:
    return ManualTimers()


@pytest.fixture
async def events(tmp_path: Path, timers: ManualTimers) -> AsyncIterator[FunctionService]:
    svc = FunctionService(ServiceConfig(work_dir=tmp_path / "state"), log_sink=None, timers=timers)
    yield svc
    await svc.shutdown()


def config(name: str, **fields: Any) -> EventInvokeConfig:
    return EventInvokeConfig(logical_id="Cfg", function_name=name, qualifier="$LATEST", **fields)


async def test_a_failing_event_is_retried_after_one_then_two_minutes_with_one_request_id(
    events: FunctionService, timers: ManualTimers, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    events.deploy(make_spec("flaky", "python3.11", flaky(runs, failures=2)))
    accepted = await events.invoke("flaky", b'{"n": 1}', invocation_type=InvocationType.EVENT)
    assert (accepted.status, accepted.payload) == (202, b"")
    await timers.until_sleeping()
    assert (lines(runs), timers.requested) == ([accepted.request_id], [60.0])
    timers.advance(59)
    await asyncio.sleep(0.05)
    assert len(lines(runs)) == 1  # not before the minute is up
    timers.advance(1)
    await timers.until_sleeping()
    assert (len(lines(runs)), timers.requested) == (2, [60.0, 120.0])
    timers.advance(120)
    await events.wait_for_events()
    assert lines(runs) == [accepted.request_id] * 3
    recent = events.recent("flaky")
    assert [r.request_id for r in recent] == [accepted.request_id] * 3
    assert [r.function_error for r in recent] == ["Unhandled", "Unhandled", None]
    assert all(f"START RequestId: {accepted.request_id}" in r.log for r in recent)


async def test_no_retries_runs_once_and_the_failure_destination_gets_the_record(
    events: FunctionService, timers: ManualTimers, tmp_path: Path
) -> None:
    runs, out = tmp_path / "runs", tmp_path / "records"
    events.deploy(make_spec("fails", "python3.11", flaky(runs, failures=5)))
    events.deploy(make_spec("sink", "python3.11", recorder(out)))
    events.set_event_invoke_configs(
        [config("fails", maximum_retry_attempts=0, on_failure=ARN + "sink", on_success=ARN + "nowhere")]
    )
    accepted = await events.invoke("fails", b'{"order": 7}', invocation_type=InvocationType.EVENT)
    await events.wait_for_events()  # no retry: nothing waits on the timers
    assert lines(runs) == [accepted.request_id] and timers.requested == []
    (record,) = records(out)
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": accepted.request_id,
        "functionArn": ARN + "fails:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "not yet"
    assert record["responsePayload"]["errorType"] == "RuntimeError"


async def test_success_destination_and_an_alias_config(events: FunctionService, tmp_path: Path) -> None:
    runs, out = tmp_path / "runs", tmp_path / "records"
    events.deploy(make_spec("ok", "python3.11", flaky(runs, failures=0)))
    events.deploy(make_spec("sink", "python3.11", recorder(out)))
    events.add_alias(AliasSpec("Live", "ok", "live", "$LATEST", ARN + "ok:live"))
    live = EventInvokeConfig("Cfg", "ok", "live", on_success=ARN + "sink")
    events.set_event_invoke_configs([live])
    await events.invoke("ok", b"{}", invocation_type=InvocationType.EVENT)  # $LATEST: no config
    await events.wait_for_events()
    assert records(out) == []
    accepted = await events.invoke("ok:live", b'{"x": 1}', invocation_type=InvocationType.EVENT)
    await events.wait_for_events()
    (record,) = records(out)
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["requestId"] == accepted.request_id
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"done": {"x": 1}}


async def test_an_event_older_than_its_maximum_age_is_dropped(
    events: FunctionService, timers: ManualTimers, tmp_path: Path
) -> None:
    runs, out = tmp_path / "runs", tmp_path / "records"
    events.deploy(make_spec("fails", "python3.11", flaky(runs, failures=5)))
    events.deploy(make_spec("sink", "python3.11", recorder(out)))
    events.set_event_invoke_configs([config("fails", maximum_event_age_seconds=90, on_failure=ARN + "sink")])
    await events.invoke("fails", b"{}", invocation_type=InvocationType.EVENT)
    await timers.until_sleeping()
    timers.advance(60)  # the first retry runs at 60 s
    await timers.until_sleeping()
    assert timers.requested == [60.0, 30.0]  # the second would be at 180 s: the event dies at 90 s
    timers.advance(30)
    await events.wait_for_events()
    assert len(lines(runs)) == 2
    (record,) = records(out)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2


async def test_a_throttled_event_is_retried_with_backoff(
    events: FunctionService, timers: ManualTimers, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    source = flaky(runs, failures=0).replace(
        "    return {'done': event}\n", "    __import__('time').sleep(event.get('sleep', 0))\n    return 1\n"
    )
    events.deploy(make_spec("one", "python3.11", source, reserved_concurrency=1))
    busy = asyncio.create_task(events.invoke("one", b'{"sleep": 0.3}'))
    while events.pool("one").in_flight < 1:
        await asyncio.sleep(0.005)
    accepted = await events.invoke("one", b"{}", invocation_type=InvocationType.EVENT)
    await timers.until_sleeping()
    assert timers.requested == [1.0]  # throttled: back in the queue for a second
    await busy
    timers.advance(1)
    await events.wait_for_events()
    assert lines(runs)[-1] == accepted.request_id and len(lines(runs)) == 2


async def test_a_function_that_is_always_throttled_ages_out_without_running(
    events: FunctionService, timers: ManualTimers, tmp_path: Path
) -> None:
    out = tmp_path / "records"
    events.deploy(
        make_spec("never", "python3.11", "def handler(e, c):\n    return 1\n", reserved_concurrency=0)
    )
    events.deploy(make_spec("sink", "python3.11", recorder(out)))
    events.set_event_invoke_configs([config("never", maximum_event_age_seconds=60, on_failure=ARN + "sink")])
    await events.invoke("never", b'{"k": "v"}', invocation_type=InvocationType.EVENT)
    done = asyncio.create_task(events.wait_for_events())
    while not done.done():  # each time the event sleeps, let its whole delay pass
        if timers.sleeping:
            timers.advance(timers.requested[-1])
        await asyncio.sleep(0.002)
    assert timers.requested == [1.0, 2.0, 4.0, 8.0, 16.0, 29.0]  # doubling, cut off at 60 s of age
    (record,) = records(out)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"k": "v"} and "responseContext" not in record


async def test_destinations_that_cannot_run_here_are_logged(
    events: FunctionService, caplog: pytest.LogCaptureFixture
) -> None:
    events.deploy(make_spec("ok", "python3.11", "def handler(e, c):\n    return 1\n"))
    queue = "arn:aws:sqs:us-east-1:000000000000:done"
    events.set_event_invoke_configs([config("ok", on_success=queue)])
    with caplog.at_level(logging.WARNING, logger="vpcgate.functions.events"):
        await events.invoke("ok", b"{}", invocation_type=InvocationType.EVENT)
        await events.wait_for_events()
    assert f"destination {queue} cannot be reached locally" in caplog.text
    assert '"condition":"Success"' in caplog.text


async def test_boto3_event_invocations_answer_202_and_are_retried(
    events: FunctionService, timers: ManualTimers, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    events.deploy(make_spec("flaky", "python3.11", flaky(runs, failures=1)))
    async with serving(InvokeApi(events).handle) as url:
        client = lambda_client(url)
        response = await asyncio.to_thread(
            client.invoke, FunctionName="flaky", InvocationType="Event", Payload=b'{"a": 1}'
        )
    assert response["StatusCode"] == 202 and response["Payload"].read() == b""
    request_id = response["ResponseMetadata"]["RequestId"]
    await timers.until_sleeping()
    timers.advance(60)
    await events.wait_for_events()
    assert lines(runs) == [request_id, request_id]


async def test_throttle_backoff_stops_growing_at_five_minutes_and_lasts_six_hours(
    events: FunctionService, timers: ManualTimers
) -> None:
    events.deploy(
        make_spec("never", "python3.11", "def handler(e, c):\n    return 1\n", reserved_concurrency=0)
    )
    await events.invoke("never", b"{}", invocation_type=InvocationType.EVENT)  # Lambda's default config
    done = asyncio.create_task(events.wait_for_events())
    while not done.done():
        if timers.sleeping:
            timers.advance(timers.requested[-1])
        await asyncio.sleep(0.001)
    assert timers.requested[:10] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 300.0]
    assert max(timers.requested) == 300.0 and sum(timers.requested) == 6 * 3600


async def test_stopping_with_an_event_waiting_for_its_retry_says_so(
    events: FunctionService, timers: ManualTimers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events.deploy(make_spec("flaky", "python3.11", flaky(tmp_path / "runs", failures=2)))
    await events.invoke("flaky", b"{}", invocation_type=InvocationType.EVENT)
    await timers.until_sleeping()
    with caplog.at_level(logging.WARNING, logger="vpcgate.functions"):
        await events.shutdown()
    assert "stopping with 1 invocations still running or waiting for a retry" in caplog.text
