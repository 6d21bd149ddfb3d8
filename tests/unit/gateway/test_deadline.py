"""The Lambda integrations' per-call deadline behaves as ``asyncio.timeout`` does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from vpcgate.gateway.integrations.aws_lambda import _Deadline


async def _bounded(call: Awaitable[str], seconds: float) -> str:
    deadline = _Deadline(seconds)
    try:
        result = await call
    except BaseException as error:
        deadline.settle(error)
        raise
    deadline.settle(None)
    return result


async def _answer(value: str, after: float) -> str:
    await asyncio.sleep(after)
    return value


async def test_in_time_returns_and_leaves_no_cancellation() -> None:
    assert await _bounded(_answer("ok", 0), 5) == "ok"
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_late_raises_timeout_and_takes_the_cancellation_back() -> None:
    with pytest.raises(TimeoutError):
        await _bounded(_answer("late", 5), 0.02)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_a_cancellation_from_outside_stays_a_cancellation() -> None:
    task = asyncio.create_task(_bounded(_answer("never", 5), 5))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_other_errors_pass_through() -> None:
    async def fail() -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await _bounded(fail(), 5)
