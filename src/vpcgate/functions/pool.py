"""The warm workers of one function version: acquire, release, scale, reap, drain.

Lambda's model (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html): one execution
environment runs one invocation at a time; a new one starts when all are busy, up to the function's
reserved concurrency, else up to the account's concurrency limit; beyond that a synchronous invocation
is throttled at once with TooManyRequestsException (``Reason`` ReservedFunctionConcurrentInvocation-
LimitExceeded or ConcurrentInvocationLimitExceeded). Idle environments are reaped after a while. The
most recently used idle worker is reused first (it is the warmest).

A redeploy with new code builds a new pool; the old one is drained: idle workers stop now, busy ones
when their invocation ends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vpcgate.functions.channel import Channel, PipeChannel, WorkerGone
from vpcgate.functions.environment import lambda_environment
from vpcgate.functions.errors import ServiceException, TooManyRequestsException
from vpcgate.functions.invocation import InvocationRequest, InvokeResult, Reply, ReplyKind
from vpcgate.functions.launch import Launcher
from vpcgate.functions.logs import end_line, report_line, start_line, timestamp
from vpcgate.functions.model import FunctionSpec
from vpcgate.functions.runtime_api import RuntimeApiChannel
from vpcgate.functions.runtimes import Family, RuntimeInfo, builtin_argv
from vpcgate.functions.worker import Ending, Outcome, Worker, WorkerPlan, WorkerState

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: 6 MB each way (synchronous).
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit for the Init phase of on-demand functions


class AccountConcurrency:
    """The account-wide count of invocations in flight, against the account's limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0

    def try_acquire(self) -> bool:
        if self.in_use >= self.limit:
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        self.in_use -= 1


@dataclass(frozen=True)
class FunctionVersion:
    """What a pool runs: a function's spec, its runtime and its code directory."""

    spec: FunctionSpec
    runtime: RuntimeInfo
    code_dir: Path
    region: str
    version: str = "$LATEST"
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class _Started:
    worker: Worker | None
    cold_output: str = ""
    failure: bytes | None = None  # an error document when the worker could not be started


class Pool:
    """Warm workers of one function version."""

    def __init__(
        self,
        fn: FunctionVersion,
        *,
        account: AccountConcurrency,
        launcher: Launcher,
        clock: Callable[[], float],
        idle_timeout: float,
    ) -> None:
        self.fn = fn
        self._account = account
        self._launcher = launcher
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()
        self.in_flight = 0
        self.draining = False

    @property
    def workers(self) -> frozenset[Worker]:
        return frozenset(self._workers)

    # -- concurrency
    def _reserve(self) -> None:
        reserved = self.fn.spec.reserved_concurrency
        if reserved is not None and self.in_flight >= reserved:
            raise TooManyRequestsException(
                "Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded"
            )
        if not self._account.try_acquire():
            raise TooManyRequestsException("Rate Exceeded.", Reason="ConcurrentInvocationLimitExceeded")
        self.in_flight += 1

    def _unreserve(self) -> None:
        self.in_flight -= 1
        self._account.release()

    # -- invocations
    async def invoke(self, request: InvocationRequest) -> InvokeResult:
        """Run ``request`` on a warm worker, starting one if none is idle; throttles beyond the limit."""
        self._reserve()
        try:
            worker = self._idle_worker()
            cold = ""
            if worker is None:  # a cold start
                started = await self._start_worker(request.request_id)
                if started.worker is None:
                    return self._failed_start(request, started)
                worker, cold = started.worker, started.cold_output
            outcome = await worker.invoke(request, float(self.fn.spec.timeout_seconds))
            self._release(worker)
            return self._result(request, worker, outcome, cold)
        finally:
            self._unreserve()

    def _idle_worker(self) -> Worker | None:
        """The most recently used idle worker, if any (no coroutine when one is warm)."""
        while self._idle:
            worker = self._idle.pop()
            if worker.state is WorkerState.IDLE:
                return worker
        return None

    def _release(self, worker: Worker) -> None:
        if worker.state is not WorkerState.IDLE:
            return
        if self.draining:
            worker.kill()
            return
        worker.last_used = self._clock()
        self._idle.append(worker)

    async def _start_worker(self, request_id: str) -> _Started:
        worker = self._new_worker()
        self._workers.add(worker)
        try:
            init_error, output = await worker.start(INIT_TIMEOUT_SECONDS)
        except WorkerGone as gone:
            how, output = gone.args[0], gone.args[1] if len(gone.args) > 1 else ""
            return _Started(None, output, _exit_document(request_id, how))
        except OSError as error:  # never spawned: no exit will come to forget it
            self._workers.discard(worker)
            return _Started(None, "", _entrypoint_document(self.fn, request_id, error))
        if init_error is not None:
            return _Started(None, output, init_error.body)
        return _Started(worker, output)

    def _new_worker(self) -> Worker:
        fn = self.fn
        channel: Channel
        if fn.runtime.family is Family.PROVIDED:
            channel = RuntimeApiChannel(self._launcher)
            argv = [str(fn.code_dir / "bootstrap")]
        else:
            pipe = PipeChannel()
            channel = pipe
            argv = builtin_argv(fn.runtime, *pipe.child_fds)
        env = lambda_environment(fn.spec, fn.runtime, fn.code_dir, region=fn.region, version=fn.version)
        env.update(fn.env)
        plan = WorkerPlan(argv=argv, env=env, cwd=fn.code_dir, memory_mb=fn.spec.memory_mb)
        return Worker(plan, channel, self._launcher, on_exit=self._forget)

    def _forget(self, worker: Worker) -> None:
        self._workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)

    # -- results
    def _failed_start(self, request: InvocationRequest, started: _Started) -> InvokeResult:
        body = started.failure or b"{}"
        log = (
            started.cold_output
            + start_line(request.request_id, self.fn.version)
            + end_line(request.request_id)
            + report_line(
                request.request_id,
                duration_ms=0.0,
                memory_mb=self.fn.spec.memory_mb,
                max_used_mb=0,
                status="error",
            )
        )
        return InvokeResult(200, body, request.request_id, self.fn.version, "Unhandled", log)

    def _result(
        self, request: InvocationRequest, worker: Worker, outcome: Outcome, cold: str
    ) -> InvokeResult:
        rid = request.request_id
        payload, function_error, extra_log, status = _interpret(
            request, outcome, self.fn.spec.timeout_seconds
        )
        init_ms = None
        if cold or worker.init_ms is not None:
            init_ms, worker.init_ms = worker.init_ms, None
        report = report_line(
            rid,
            duration_ms=outcome.duration_ms,
            memory_mb=self.fn.spec.memory_mb,
            max_used_mb=outcome.max_memory_mb,
            init_ms=init_ms,
            status=status,
        )
        log = f"{cold}{start_line(rid, self.fn.version)}{outcome.output}{extra_log}{end_line(rid)}{report}"
        return InvokeResult(200, payload, rid, self.fn.version, function_error, log)

    # -- housekeeping
    def reap(self, now: float) -> int:
        """Stop idle workers unused for ``idle_timeout``; returns how many were stopped."""
        expired = [w for w in self._idle if now - w.last_used >= self._idle_timeout]
        for worker in expired:
            self._idle.remove(worker)
            worker.kill()
        return len(expired)

    def drain(self) -> None:
        """Stop idle workers now and busy ones when their invocation ends (a redeploy)."""
        self.draining = True
        for worker in self._idle:
            worker.kill()
        self._idle.clear()

    async def close(self) -> None:
        """Kill every worker and wait for them to be gone."""
        self.drain()
        workers = list(self._workers)
        for worker in workers:
            worker.kill()
        await asyncio.gather(*(w.wait_closed() for w in workers), return_exceptions=True)


def _interpret(
    request: InvocationRequest, outcome: Outcome, timeout: int
) -> tuple[bytes, str | None, str, str | None]:
    """(payload, function error, extra log text, REPORT status) for an outcome."""
    rid = request.request_id
    if outcome.ending is Ending.TIMEOUT:
        message = f"Task timed out after {timeout:.2f} seconds"
        document = {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {rid} Error: {message}"}
        return _dump(document), "Unhandled", f"{timestamp()} {rid} {message}\n", "timeout"
    if outcome.ending is Ending.EXIT or outcome.reply is None:
        document = json.loads(_exit_document(rid, outcome.exit_description))
        line = f"{document['errorMessage']}\nRuntime.ExitError\n"
        return _dump(document), "Unhandled", line, "error"
    reply: Reply = outcome.reply
    if reply.kind is ReplyKind.OK:
        if len(reply.body) > MAX_RESPONSE_BYTES:
            return _too_large(), "Unhandled", "", None
        return reply.body, None, "", None
    return reply.body, "Unhandled", "", None


def _too_large() -> bytes:
    # https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
    return _dump(
        {
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    )


def _exit_document(request_id: str, how: str) -> bytes:
    prefix = f"RequestId: {request_id} " if request_id else ""
    if how == "timeout":
        return _dump(
            {"errorType": "Sandbox.Timedout", "errorMessage": f"{prefix}Error: Init phase timed out"}
        )
    # A runtime that exits cleanly mid-invocation gave no reason; Lambda words that case apart.
    what = (
        "Runtime exited without providing a reason"
        if how == "exit status 0"
        else f"Runtime exited with error: {how}"
    )
    return _dump({"errorType": "Runtime.ExitError", "errorMessage": f"{prefix}Error: {what}"})


def _entrypoint_document(fn: FunctionVersion, request_id: str, error: OSError) -> bytes:
    if fn.runtime.family is Family.PROVIDED:
        message = (
            f"RequestId: {request_id} Error: Couldn't find valid bootstrap(s): [{fn.code_dir / 'bootstrap'}]"
        )
        return _dump({"errorType": "Runtime.InvalidEntrypoint", "errorMessage": message})
    raise ServiceException(f"cannot start a {fn.runtime.id} worker: {error.strerror or error}")


def _dump(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


__all__ = ["AccountConcurrency", "FunctionVersion", "Pool"]
