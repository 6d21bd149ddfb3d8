"""Asynchronous (Event) invocations after they are accepted: retries, age-out and destinations.

AWS's rules, from https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
and https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html:

- A function error (an error document, a timeout, a runtime exit) is retried ``MaximumRetryAttempts``
  times (0-2, default 2): one minute before the first retry, two minutes before the second.
- A throttle (429, TooManyRequestsException) or a system error (500-series, ServiceException) puts the
  event back in the queue: retried with a delay growing exponentially from 1 second to 5 minutes,
  for as long as the event is younger than ``MaximumEventAgeInSeconds`` (60-21600, default 6 hours).
- An event older than that is discarded (condition ``EventAgeExceeded``); one whose attempts all
  failed is discarded too (``RetriesExhausted``). Either way its invocation record goes to the
  ``OnFailure`` destination if one is configured; a success's goes to ``OnSuccess``.
- Every attempt runs with the event's one request id (what ``context.aws_request_id`` and the log's
  ``START RequestId:`` lines show), so retries are found in the log under the id the caller got.

The invocation record is the JSON document of
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html: ``version`` "1.0",
``timestamp``, ``requestContext`` {requestId, functionArn (with the executed version), condition,
approximateInvokeCount}, ``requestPayload``, and, when the function ran, ``responseContext``
{statusCode, executedVersion, functionError} and ``responsePayload``. AWS's documentation shows only
records of events that ran; an event that aged out without ever running gets neither response field
here (there is no response to describe).

Destinations: a Lambda function is invoked asynchronously with the record (so its own retries apply).
SQS, SNS, EventBridge and S3 destinations cannot run locally: the record is logged with a warning.

Waiting is done through :class:`Timers`, so tests advance a :class:`ManualTimers` instead of waiting
minutes; :class:`AsyncioTimers` is the real clock.

Errors: none escape. The attempt callable raises the service's own errors, sorted here as::

    LambdaServiceError
    ├── TooManyRequestsException   retried with backoff until the event ages out
    ├── ServiceException           retried with backoff until the event ages out
    └── any other (e.g. ResourceNotFoundException: the function was removed)   discarded, logged
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from vpcgate.functions.errors import LambdaServiceError, ServiceException, TooManyRequestsException
from vpcgate.functions.invocation import InvokeResult
from vpcgate.functions.model import EventInvokeConfig

log = logging.getLogger("vpcgate.functions.events")

FIRST_RETRY_DELAY = 60.0  # seconds before the first retry of a function error; the second waits 2x
THROTTLE_FIRST_DELAY = 1.0
THROTTLE_MAX_DELAY = 300.0

SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"
_DISCARDED = "Discarded"  # vpcgate's own: the function went away; no record is sent


class Timers(Protocol):
    """The time an event queue waits on: a monotonic ``now()`` in seconds and ``sleep``."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class AsyncioTimers:
    """Real time: ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualTimers:
    """Time that moves only when ``advance`` is called (tests): sleepers wake when their time comes."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self.requested: list[float] = []  # every sleep asked for, in order
        self._arrived: asyncio.Event | None = None  # set when a sleeper arrives

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        self.requested.append(seconds)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), waiter))
        if self._arrived is not None:
            self._arrived.set()
        await waiter

    @property
    def sleeping(self) -> int:
        """How many sleepers are waiting (cancelled ones are not counted)."""
        return sum(1 for _, _, waiter in self._sleepers if not waiter.done())

    def advance(self, seconds: float) -> None:
        """Move time on and wake every sleeper whose time has come."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, waiter = heapq.heappop(self._sleepers)
            if not waiter.done():
                waiter.set_result(None)

    async def until_sleeping(self, count: int = 1, timeout: float = 30.0) -> None:
        """Wait (in real time) until ``count`` sleepers are waiting."""
        async with asyncio.timeout(timeout):
            while self.sleeping < count:
                self._arrived = asyncio.Event()
                await self._arrived.wait()


DEFAULT_CONFIG = EventInvokeConfig(logical_id="", function_name="", qualifier="$LATEST")


@dataclass(frozen=True)
class Settled:
    """How an event ended: its condition, how many times the function ran, and its last result."""

    condition: str
    invoke_count: int
    result: InvokeResult | None


Attempt = Callable[[], Awaitable[InvokeResult]]


async def run_event(
    attempt: Attempt, config: EventInvokeConfig, timers: Timers, accepted_at: float
) -> Settled:
    """Run an accepted event until it succeeds, exhausts its retries or ages out."""
    runs = throttles = 0
    last: InvokeResult | None = None
    while True:
        if timers.now() - accepted_at >= config.maximum_event_age_seconds:
            return Settled(EVENT_AGE_EXCEEDED, runs, last)
        try:
            last = await attempt()
        except (TooManyRequestsException, ServiceException) as error:
            throttles += 1
            log.info("event requeued after %s (attempt %d)", error.error_type, throttles)
            await _sleep_within(timers, _throttle_delay(throttles), config, accepted_at)
            continue
        except LambdaServiceError as error:
            log.warning("event discarded: %s", error)
            return Settled(_DISCARDED, runs, last)
        runs += 1
        if last.function_error is None:
            return Settled(SUCCESS, runs, last)
        if runs > config.maximum_retry_attempts:
            return Settled(RETRIES_EXHAUSTED, runs, last)
        await _sleep_within(timers, FIRST_RETRY_DELAY * runs, config, accepted_at)


def _throttle_delay(throttles: int) -> float:
    return min(THROTTLE_FIRST_DELAY * 2.0 ** (throttles - 1), THROTTLE_MAX_DELAY)


async def _sleep_within(timers: Timers, delay: float, config: EventInvokeConfig, accepted_at: float) -> None:
    """Sleep ``delay``, but no longer than the event has left to live (it is discarded on time)."""
    left = accepted_at + config.maximum_event_age_seconds - timers.now()
    await timers.sleep(max(0.0, min(delay, left)))


def destination_of(config: EventInvokeConfig, settled: Settled) -> str | None:
    """The ARN the event's record goes to, if any."""
    if settled.condition == SUCCESS:
        return config.on_success
    if settled.condition in (RETRIES_EXHAUSTED, EVENT_AGE_EXCEEDED):
        return config.on_failure
    return None


def invocation_record(
    settled: Settled, *, request_id: str, function_arn: str, version: str, payload: bytes
) -> bytes:
    """The invocation record sent to a destination (see the module docstring)."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:{version}",
            "condition": settled.condition,
            "approximateInvokeCount": settled.invoke_count,
        },
        "requestPayload": _json_or_text(payload),
    }
    result = settled.result
    if result is not None:
        response: dict[str, Any] = {"statusCode": result.status, "executedVersion": result.executed_version}
        if result.function_error:
            response["functionError"] = result.function_error
        record["responseContext"] = response
        record["responsePayload"] = _json_or_text(result.payload)
    return json.dumps(record, separators=(",", ":")).encode()


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return payload.decode("utf-8", "replace")


def is_lambda_arn(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function"


async def send_record(
    destination: str, record: bytes, invoke_event: Callable[[str, bytes], Awaitable[object]]
) -> None:
    """Deliver a record: a Lambda destination is invoked as an Event; other kinds are only logged."""
    if not is_lambda_arn(destination):
        log.warning(
            "destination %s cannot be reached locally (only Lambda functions can); record: %s",
            destination,
            record.decode(),
        )
        return
    try:
        await invoke_event(destination, record)
    except LambdaServiceError as error:  # AWS counts a DestinationDeliveryFailures metric; we log it
        log.warning("could not deliver the invocation record to %s: %s", destination, error)
