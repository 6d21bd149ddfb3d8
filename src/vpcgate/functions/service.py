"""The functions service: ``invoke(name, payload)`` is the only way anything runs a function.

It owns the deployed functions (by name, with their versions and aliases), one warm pool per function,
the account-wide concurrency limit, invocation types and payload limits, idle reaping and shutdown.
Callers: the gateway's Lambda integrations, the Invoke API (``invoke_api.py``) and ``vpcgate invoke``.

Behaviour follows https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html:
RequestResponse runs and returns the payload; Event queues (202, empty body) and runs in the
background; DryRun only checks the function exists (204). Requests over 6 MB (1 MB for Event) are
refused with RequestEntityTooLargeException; ClientContext reaches the function on synchronous
invocations only. An accepted Event is retried, aged out and sent to its destinations as AWS does
(``events.py``), by the event invoke config of the function and qualifier invoked (``$LATEST`` for an
unqualified call) or Lambda's defaults; its waits go through the injected ``timers``.
Versions and aliases resolve to their version number for ``X-Amz-Executed-Version``; vpcgate runs
the function's current code for every version.

Errors raised (see ``errors.py``): ResourceNotFoundException, RequestTooLargeException,
TooManyRequestsException, ServiceException.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import getrandbits as _random_bits

from vpcgate.functions.code import prepare_code
from vpcgate.functions.errors import RequestTooLargeException, ResourceNotFoundException
from vpcgate.functions.events import (
    DEFAULT_CONFIG,
    AsyncioTimers,
    Timers,
    destination_of,
    invocation_record,
    run_event,
    send_record,
)
from vpcgate.functions.invocation import InvocationRequest, InvocationType, InvokeResult
from vpcgate.functions.launch import HostLauncher, Launcher
from vpcgate.functions.model import AliasSpec, CodeKind, EventInvokeConfig, FunctionSpec, VersionSpec
from vpcgate.functions.pool import AccountConcurrency, FunctionVersion, Pool
from vpcgate.functions.runtimes import resolve_runtime

log = logging.getLogger("vpcgate.functions")

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD = 1024 * 1024
LATEST = "$LATEST"
RECENT_LOGS = 100  # invocations kept per function, with their logs
RESOLVED_KEPT = 1024  # names as callers spell them (ARNs, aliases): the cache stays bounded

LogSink = Callable[[str, InvokeResult], None]


@dataclass(frozen=True)
class ServiceConfig:
    """How the functions service runs."""

    work_dir: Path  # inline and zipped code is written under here
    region: str = "us-east-1"
    account_id: str = "000000000000"
    concurrency_limit: int = 1000  # the account's concurrent executions
    idle_timeout: float = 600.0  # seconds an idle worker is kept warm
    reap_interval: float = 30.0


def _default_sink(name: str, result: InvokeResult) -> None:
    """One log record per invocation (its START … REPORT lines, each prefixed with the function's
    name): one format and one write instead of one per line, and nothing at all below INFO."""
    if not log.isEnabledFor(logging.INFO):
        return
    prefix = f"[{name}] "
    log.info("%s", prefix + result.log.rstrip("\n").replace("\n", "\n" + prefix))


@dataclass(frozen=True)
class _Event:
    """An accepted Event invocation: what every attempt reuses."""

    name: str
    version: str
    request: InvocationRequest
    accepted_at: float  # by the service's timers


@dataclass
class _Function:
    pool: Pool
    versions: dict[str, str] = field(default_factory=dict)  # version → version
    aliases: dict[str, str] = field(default_factory=dict)  # alias → version


class FunctionService:
    """Deployed functions and their warm pools."""

    def __init__(
        self,
        config: ServiceConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        launcher_for: Callable[[FunctionSpec], Launcher] | None = None,
        log_sink: LogSink | None = _default_sink,
        timers: Timers | None = None,
    ) -> None:
        """``timers`` is what Event retries wait on (real time by default; tests pass ManualTimers)."""
        self.config = config
        self._clock = clock
        self._timers: Timers = timers or AsyncioTimers()
        self._event_configs: dict[tuple[str, str], EventInvokeConfig] = {}
        self._launcher_for = launcher_for or (lambda _spec: HostLauncher())
        self._log_sink = log_sink
        self._account = AccountConcurrency(config.concurrency_limit)
        self._functions: dict[str, _Function] = {}
        self._old_pools: set[Pool] = set()
        self._background: set[asyncio.Task[object]] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._recent: dict[str, deque[InvokeResult]] = {}
        # resolve() answers by the name and qualifier as given; cleared whenever a deployment changes
        self._resolved: dict[tuple[str, str | None], tuple[str, str, str]] = {}

    # -- deployment
    def deploy(self, spec: FunctionSpec, *, env: dict[str, str] | None = None) -> None:
        """Add a function, or replace its code and configuration (old workers are drained).

        Deploying an identical spec with inline code again keeps the warm workers (the code is the
        same by construction); code from a directory or zip may have changed on disk, so it always
        gets new workers.
        """
        old = self._functions.get(spec.name)
        if old is not None and _unchanged(old.pool.fn, spec, env or {}):
            return
        self._resolved.clear()
        runtime = resolve_runtime(spec.runtime)
        code_dir = prepare_code(spec, runtime, self.config.work_dir)
        version = FunctionVersion(spec, runtime, code_dir, self.config.region, LATEST, dict(env or {}))
        pool = Pool(
            version,
            account=self._account,
            launcher=self._launcher_for(spec),
            clock=self._clock,
            idle_timeout=self.config.idle_timeout,
        )
        if old is not None:
            old.pool.drain()
            self._old_pools.add(old.pool)
            self._functions[spec.name] = _Function(pool, old.versions, old.aliases)
        else:
            self._functions[spec.name] = _Function(pool)

    async def remove(self, name: str) -> None:
        """Remove a function: stop its workers (in-flight invocations end as Runtime.ExitError)."""
        fn = self._functions.pop(name, None)
        self._resolved.clear()
        if fn is not None:
            await fn.pool.close()

    def add_version(self, spec: VersionSpec) -> None:
        """Register a published version (it runs the function's current code)."""
        self._resolved.clear()
        self._function(_split_name(spec.function_name, None)[0]).versions[spec.version] = spec.version

    def add_alias(self, spec: AliasSpec) -> None:
        """Register an alias pointing at a version."""
        self._resolved.clear()
        self._function(_split_name(spec.function_name, None)[0]).aliases[spec.name] = spec.function_version

    def set_event_invoke_configs(self, configs: Iterable[EventInvokeConfig]) -> None:
        """Replace every AWS::Lambda::EventInvokeConfig (keyed by function name and qualifier)."""
        self._event_configs = {(c.function_name, c.qualifier): c for c in configs}

    def event_invoke_config(self, name: str, qualifier: str | None) -> EventInvokeConfig:
        """The config Event invocations of ``name`` (as invoked: alias, version or $LATEST) follow."""
        found = self._event_configs.get((name, qualifier or LATEST))
        return found if found is not None else DEFAULT_CONFIG

    def names(self) -> list[str]:
        return sorted(self._functions)

    def pool(self, name: str) -> Pool:
        """The current pool of a function (for tests, the console and benchmarks)."""
        return self._function(name).pool

    def _function(self, name: str) -> _Function:
        fn = self._functions.get(name)
        if fn is None:
            raise ResourceNotFoundException(f"Function not found: {self._arn(name)}")
        return fn

    def _arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.config.region}:{self.config.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def resolve(self, function_name: str, qualifier: str | None = None) -> tuple[str, str, str]:
        """(name, executed version, invoked ARN) for a name, ``name:qualifier``, or (partial) ARN."""
        key = (function_name, qualifier)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolve(function_name, qualifier)
            if len(self._resolved) < RESOLVED_KEPT:
                self._resolved[key] = found
        return found

    def _resolve(self, function_name: str, qualifier: str | None) -> tuple[str, str, str]:
        name, qualifier = _split_name(function_name, qualifier)
        fn = self._functions.get(name)
        version = _qualified_version(fn, qualifier) if fn is not None else None
        if fn is None or version is None:
            raise ResourceNotFoundException(f"Function not found: {self._arn(name, qualifier)}")
        return name, version, self._arn(name, qualifier)

    # -- invocation
    async def invoke(
        self,
        function_name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        invocation_type: InvocationType = InvocationType.REQUEST_RESPONSE,
        client_context: str | None = None,
        identity: str | None = None,
    ) -> InvokeResult:
        """Invoke a function. Raises LambdaServiceError subclasses for what Lambda itself refuses."""
        name, version, arn = self.resolve(function_name, qualifier)
        limit = MAX_EVENT_PAYLOAD if invocation_type is InvocationType.EVENT else MAX_SYNC_PAYLOAD
        if len(payload) > limit:
            raise RequestTooLargeException(
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
            )
        request_id = _request_id()
        if invocation_type is InvocationType.DRY_RUN:
            return InvokeResult(204, b"", request_id, version)
        pool = self._functions[name].pool
        request = self._request(request_id, payload, arn, pool, client_context, identity)
        if invocation_type is InvocationType.EVENT:
            qualifier = _split_name(function_name, qualifier)[1]
            event = _Event(name, version, replace(request, client_context=None), self._timers.now())
            task: asyncio.Task[object] = asyncio.get_running_loop().create_task(
                self._run_event(event, self.event_invoke_config(name, qualifier))
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return InvokeResult(202, b"", request_id, version)
        run = asyncio.ensure_future(self._run_sync(name, version, pool, request))
        try:
            return await asyncio.shield(run)
        except asyncio.CancelledError:
            self._keep(run)
            raise

    async def _run_sync(
        self, name: str, version: str, pool: Pool, request: InvocationRequest
    ) -> InvokeResult:
        """One RequestResponse invocation to its end, shielded from its caller: a caller that stops
        waiting (API Gateway's integration timeout answers 504, a client hangs up) does not stop the
        function, which on AWS runs on, holding its execution environment and its concurrency, and
        logs as usual (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html,
        https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html)."""
        result = await pool.invoke(request)
        if version != LATEST:
            result = _with_version(result, version)
        self._record(name, result)
        return result

    def _keep(self, task: asyncio.Task[InvokeResult]) -> None:
        """Let an invocation nobody waits for any more run on; its outcome has no reader."""
        self._background.add(task)
        task.add_done_callback(_forget_background(self._background))

    def _record(self, name: str, result: InvokeResult) -> None:
        recent = self._recent.get(name)
        if recent is None:
            recent = self._recent[name] = deque(maxlen=RECENT_LOGS)
        recent.append(result)
        if self._log_sink is not None:
            self._log_sink(name, result)

    def recent(self, name: str) -> list[InvokeResult]:
        """The last invocations of a function (newest last), with their logs: for the console and CLI."""
        return list(self._recent.get(name, ()))

    def _request(
        self,
        request_id: str,
        payload: bytes,
        arn: str,
        pool: Pool,
        client_context: str | None,
        identity: str | None,
    ) -> InvocationRequest:
        now_ms = int(time.time() * 1000)
        return InvocationRequest(
            request_id=request_id,
            payload=payload,
            invoked_arn=arn,
            deadline_ms=now_ms + pool.fn.spec.timeout_seconds * 1000,
            trace_id=_trace_id(now_ms),
            client_context=client_context,
            identity=identity,
        )

    async def _run_event(self, event: _Event, config: EventInvokeConfig) -> object:
        """An accepted Event to its end: every attempt, then its record to a destination."""
        try:
            settled = await run_event(lambda: self._attempt(event), config, self._timers, event.accepted_at)
        except Exception:  # a bug: an Event has no caller to tell, so its traceback goes to the log
            log.exception("event %s of %s failed", event.request.request_id, event.name)
            return None
        destination = destination_of(config, settled)
        if destination is not None:
            record = invocation_record(
                settled,
                request_id=event.request.request_id,
                function_arn=self._arn(event.name),
                version=event.version,
                payload=event.request.payload,
            )
            await send_record(destination, record, self._invoke_event)
        return None

    async def _attempt(self, event: _Event) -> InvokeResult:
        """One run of an Event on the function's current pool, with the event's request id and a
        deadline of its own; raises ResourceNotFoundException if the function was removed since."""
        pool = self._function(event.name).pool
        deadline_ms = int(time.time() * 1000) + pool.fn.spec.timeout_seconds * 1000
        result = await pool.invoke(replace(event.request, deadline_ms=deadline_ms))
        if event.version != LATEST:
            result = _with_version(result, event.version)
        self._record(event.name, result)
        return result

    async def _invoke_event(self, function_name: str, payload: bytes) -> object:
        return await self.invoke(function_name, payload, invocation_type=InvocationType.EVENT)

    # -- housekeeping
    def reap_idle(self) -> int:
        """Stop workers idle for longer than ``idle_timeout`` (by the injected clock); returns how many."""
        now = self._clock()
        self._old_pools = {pool for pool in self._old_pools if pool.workers}  # drained ones are done
        return sum(fn.pool.reap(now) for fn in self._functions.values())

    def start_reaper(self) -> None:
        """Reap idle workers every ``reap_interval`` seconds until shutdown."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(self.config.reap_interval)
                self.reap_idle()

        self._reaper = asyncio.get_running_loop().create_task(loop())

    async def wait_for_events(self) -> None:
        """Wait until every Event invocation accepted so far has ended: its retries, and the Event
        invocations of its Lambda destinations, included (with real timers a failing event takes
        minutes: Lambda's retry delays)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def shutdown(self) -> None:
        """Stop every worker (in-flight invocations end as Runtime.ExitError) and wait for them."""
        if self._reaper is not None:
            self._reaper.cancel()
        if self._background:  # Lambda would keep them; a local service going away cannot
            log.warning(
                "stopping with %d invocations still running or waiting for a retry", len(self._background)
            )
        for task in list(self._background):
            task.cancel()
        pools = [fn.pool for fn in self._functions.values()] + list(self._old_pools)
        await asyncio.gather(*(pool.close() for pool in pools), return_exceptions=True)
        await asyncio.gather(*self._background, return_exceptions=True)


def _forget_background(tasks: set[asyncio.Task[object]]) -> Callable[[asyncio.Task[object]], None]:
    def forget(task: asyncio.Task[object]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("an invocation whose caller had stopped waiting failed: %s", task.exception())

    return forget


def _split_name(function_name: str, qualifier: str | None) -> tuple[str, str | None]:
    """Accepts ``name``, ``name:qualifier``, ``123456789012:function:name[:q]`` and full ARNs."""
    parts = function_name.split(":")
    if function_name.startswith("arn:") and len(parts) >= 7:
        name, rest = parts[6], parts[7:]
    elif len(parts) >= 3 and parts[1] == "function":
        name, rest = parts[2], parts[3:]
    else:
        name, rest = parts[0], parts[1:]
    embedded = rest[0] if rest else None
    return name, qualifier or embedded


def _qualified_version(fn: _Function, qualifier: str | None) -> str | None:
    if qualifier is None or qualifier == LATEST:
        return LATEST
    if qualifier in fn.versions:
        return fn.versions[qualifier]
    return fn.aliases.get(qualifier)


def _with_version(result: InvokeResult, version: str) -> InvokeResult:
    return InvokeResult(
        result.status, result.payload, result.request_id, version, result.function_error, result.log
    )


def _request_id() -> str:
    """A random (version 4) UUID as text. Ids need to be unique, not secret: ``random`` is enough and,
    unlike ``uuid.uuid4()``, costs no system call."""
    h = f"{_random_bits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _trace_id(now_ms: int) -> str:
    """An X-Ray trace header value: ``Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0``."""
    h = f"{_random_bits(160):040x}"
    return f"Root=1-{now_ms // 1000:08x}-{h[:24]};Parent={h[24:]};Sampled=0"


def _unchanged(current: FunctionVersion, spec: FunctionSpec, env: dict[str, str]) -> bool:
    return current.spec == spec and spec.code.kind is CodeKind.INLINE and current.env == env
