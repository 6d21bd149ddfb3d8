"""Pure pieces of the functions package: runtime ids, names, exit wording, log lines, state machine."""

from __future__ import annotations

import asyncio
import signal
import struct
from pathlib import Path

import pytest

from vpcgate.errors import ConfigError
from vpcgate.functions.channel import PipeChannel, _FrameReader
from vpcgate.functions.invocation import InvokeResult
from vpcgate.functions.launch import HostLauncher
from vpcgate.functions.logs import report_line
from vpcgate.functions.runtimes import Family, resolve_runtime
from vpcgate.functions.service import _split_name
from vpcgate.functions.worker import InvalidTransition, Worker, WorkerPlan, WorkerState, describe_exit
from vpcgate.http.message import Headers


@pytest.mark.parametrize(
    ("runtime", "family", "legacy"),
    [
        ("python3.8", Family.PYTHON, False),
        ("python3.13", Family.PYTHON, False),
        ("nodejs4.3", Family.NODE, True),
        ("nodejs8.10", Family.NODE, True),
        ("nodejs18.x", Family.NODE, True),
        ("nodejs20.x", Family.NODE, False),
        ("nodejs22.x", Family.NODE, False),
        ("provided", Family.PROVIDED, False),
        ("provided.al2023", Family.PROVIDED, False),
    ],
)
def test_runtime_ids(runtime: str, family: Family, legacy: bool) -> None:
    info = resolve_runtime(runtime)
    assert (info.family, info.legacy_http_agent) == (family, legacy)


@pytest.mark.parametrize("runtime", ["java17", "ruby3.2", "go1.x", None])
def test_unsupported_runtimes_are_config_errors(runtime: str | None) -> None:
    with pytest.raises(ConfigError):
        resolve_runtime(runtime)


@pytest.mark.parametrize(
    ("given", "qualifier", "expected"),
    [
        ("fn", None, ("fn", None)),
        ("fn:live", None, ("fn", "live")),
        ("arn:aws:lambda:us-east-1:123456789012:function:fn", None, ("fn", None)),
        ("arn:aws:lambda:us-east-1:123456789012:function:fn:3", None, ("fn", "3")),
        ("123456789012:function:fn:$LATEST", None, ("fn", "$LATEST")),
        ("fn", "1", ("fn", "1")),
    ],
)
def test_function_name_forms(given: str, qualifier: str | None, expected: tuple[str, str | None]) -> None:
    assert _split_name(given, qualifier) == expected


def test_exit_wording_matches_lambda() -> None:
    assert describe_exit(-signal.SIGKILL) == "signal: killed"
    assert describe_exit(-signal.SIGSEGV) == "signal: segmentation fault"
    assert describe_exit(1) == "exit status 1"
    assert describe_exit(0) == "exit status 0"


def test_report_line_fields() -> None:
    line = report_line("r1", duration_ms=1.234, memory_mb=128, max_used_mb=40, init_ms=25.5)
    assert line == (
        "REPORT RequestId: r1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 40 MB\tInit Duration: 25.50 ms\t\n"
    )


def test_log_result_is_the_base64_of_the_last_4kb() -> None:
    import base64

    result = InvokeResult(200, b"", "r", log="a" * 5000 + "END")
    tail = base64.b64decode(result.log_result)
    assert len(tail) == 4096 and tail.endswith(b"END")


def test_headers_are_multi_valued_and_case_insensitive() -> None:
    headers = Headers([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-One", "1")])
    assert headers.get("SET-COOKIE") == "a=1"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    headers.set("x-one", "2")
    assert headers.get_all("X-One") == ["2"]
    assert "x-ONE" in headers and "missing" not in headers


async def test_worker_state_machine_is_default_deny(tmp_path: Path) -> None:
    plan = WorkerPlan(argv=["true"], env={}, cwd=tmp_path, memory_mb=128)
    channel = PipeChannel()
    worker = Worker(plan, channel, HostLauncher())
    assert worker.state is WorkerState.STARTING
    with pytest.raises(InvalidTransition):
        worker._transition(WorkerState.BUSY)  # a starting worker cannot take an invocation
    worker._transition(WorkerState.IDLE)
    worker._transition(WorkerState.BUSY)
    worker._transition(WorkerState.IDLE)
    worker.kill()
    assert not worker.alive
    for target in WorkerState:
        with pytest.raises(InvalidTransition):
            worker._transition(target)
    await channel.close()
    await asyncio.sleep(0)


class _Recorder(PipeChannel):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[dict[str, object], bytes]] = []

    def frame(self, meta: dict[str, object], body: bytes) -> None:
        self.frames.append((meta, body))


def _frame(meta: bytes, body: bytes) -> bytes:
    return struct.pack(">II", len(meta), len(body)) + meta + body


async def test_frames_are_read_whole_split_or_several_at_once() -> None:
    one, two = _frame(b'{"k":"ok","rss":1}', b'{"a":1}'), _frame(b'{"k":"err"}', b"")
    expected = [({"k": "ok", "rss": 1}, b'{"a":1}'), ({"k": "err"}, b"")]
    for chunks in (
        [one, two],
        [one + two],
        [bytes([b]) for b in one + two],
        [one[:5], one[5:] + two[:9], two[9:]],
    ):
        channel = _Recorder()
        reader = _FrameReader(channel)
        for chunk in chunks:
            reader.data_received(chunk)
        assert channel.frames == expected
        await channel.close()
