"""How vpcgate talks to one worker: the Channel protocol, and the pipe channel of the built-in runtimes.

A channel carries invocations to a worker's runtime and its answers back, and says when the runtime
is ready (initialised) or failed to initialise. Two implementations:

- ``PipeChannel`` (here): two inherited pipes with length-prefixed frames, for vpcgate's own Python and
  Node bootstraps. Pipes cross network namespaces and need no port: a worker inside a VPC subnet's
  namespace reaches vpcgate the same way as one on the host.
- ``RuntimeApiChannel`` (``runtime_api.py``): the Lambda Runtime API over HTTP, for ``provided*``.

Frame: ``>II`` (meta length, body length), then meta JSON, then the body bytes. vpcgate sends
``{"id", "deadline", "arn", "trace", "cc", "ci"}`` + the event; the runtime answers
``{"k": "ready" | "ok" | "err" | "init_err", "exit"?}`` + a JSON document.

Errors::

    WorkerGone          the worker went away while a reply was awaited (set on pending futures)
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
from contextlib import suppress
from json.encoder import encode_basestring_ascii as _escape
from typing import Protocol, TypeVar

from vpcgate.functions.invocation import InvocationRequest, Reply, ReplyKind

_HEAD = struct.Struct(">II")
T = TypeVar("T")


class WorkerGone(Exception):
    """The worker's channel closed or its process exited before it answered."""


class Channel(Protocol):
    """One worker's connection to vpcgate."""

    def pass_fds(self) -> tuple[int, ...]:
        """File descriptors the worker must inherit."""
        ...

    def env(self) -> dict[str, str]:
        """Environment variables the worker needs to reach this channel."""
        ...

    async def attach(self) -> None:
        """Called once the worker process exists (close the child's ends, start reading)."""
        ...

    def ready(self) -> asyncio.Future[Reply | None]:
        """Resolves with None when the runtime is ready, or an INIT_ERROR reply."""
        ...

    def invoke(self, request: InvocationRequest) -> asyncio.Future[Reply]:
        """Send one invocation; the future resolves with the runtime's reply."""
        ...

    def abort(self, error: BaseException) -> None:
        """Fail whatever is pending (the worker is gone)."""
        ...

    async def close(self) -> None: ...


def encode_request(request: InvocationRequest) -> bytes:
    """One invocation frame. The meta JSON is assembled by hand: it is on every invocation's path and
    this is several times cheaper than ``json.dumps`` of a dict (strings still go through json's
    escaper)."""
    meta = (
        f'{{"id":{_text(request.request_id)},"deadline":{int(request.deadline_ms)},'
        f'"arn":{_text(request.invoked_arn)},"trace":{_text(request.trace_id)},'
        f'"cc":{_text(request.client_context)},"ci":{_text(request.identity)}}}'
    ).encode()
    return _HEAD.pack(len(meta), len(request.payload)) + meta + request.payload


def _text(value: str | None) -> str:
    return "null" if value is None else _escape(value)


class _FrameReader(asyncio.Protocol):
    def __init__(self, channel: PipeChannel) -> None:
        self._channel = channel
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        if not buffer and len(data) >= _HEAD.size:  # the usual case: exactly one whole frame
            meta_len, body_len = _HEAD.unpack_from(data)
            if len(data) == _HEAD.size + meta_len + body_len:
                meta = json.loads(data[_HEAD.size : _HEAD.size + meta_len].decode())
                self._channel.frame(meta, data[_HEAD.size + meta_len :])
                return
        buffer += data
        while len(buffer) >= _HEAD.size:
            meta_len, body_len = _HEAD.unpack_from(buffer)
            end = _HEAD.size + meta_len + body_len
            if len(buffer) < end:
                return
            meta = json.loads(buffer[_HEAD.size : _HEAD.size + meta_len].decode())
            body = bytes(buffer[_HEAD.size + meta_len : end])
            del buffer[:end]
            self._channel.frame(meta, body)

    def eof_received(self) -> bool | None:
        self._channel.abort(WorkerGone("the worker closed its channel"))
        return None


class PipeChannel:
    """vpcgate's end of a built-in runtime's two pipes."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._to_child_r, self._to_child_w = os.pipe()
        self._from_child_r, self._from_child_w = os.pipe()
        self._ready: asyncio.Future[Reply | None] = self._loop.create_future()
        self._pending: asyncio.Future[Reply] | None = None
        self._writer: asyncio.WriteTransport | None = None
        self._reader: asyncio.ReadTransport | None = None

    @property
    def child_fds(self) -> tuple[int, int]:
        """(read, write) descriptors as the worker sees them."""
        return self._to_child_r, self._from_child_w

    def pass_fds(self) -> tuple[int, ...]:
        return self.child_fds

    def env(self) -> dict[str, str]:
        return {}

    async def attach(self) -> None:
        os.close(self._to_child_r)
        os.close(self._from_child_w)
        read_pipe = os.fdopen(self._from_child_r, "rb", buffering=0)
        write_pipe = os.fdopen(self._to_child_w, "wb", buffering=0)
        self._reader, _ = await self._loop.connect_read_pipe(lambda: _FrameReader(self), read_pipe)
        self._writer, _ = await self._loop.connect_write_pipe(asyncio.BaseProtocol, write_pipe)

    def ready(self) -> asyncio.Future[Reply | None]:
        return self._ready

    def invoke(self, request: InvocationRequest) -> asyncio.Future[Reply]:
        future: asyncio.Future[Reply] = self._loop.create_future()
        if self._writer is None or self._writer.is_closing():
            future.set_exception(WorkerGone("the worker's channel is closed"))
            return future
        self._pending = future
        self._writer.write(encode_request(request))
        return future

    def frame(self, meta: dict[str, object], body: bytes) -> None:
        kind = meta.get("k")
        if kind == "ready":
            settle(self._ready, None)
        elif kind == "init_err":
            settle(self._ready, Reply(ReplyKind.INIT_ERROR, body))
        elif kind in ("ok", "err") and self._pending is not None:
            rss = meta.get("rss")
            reply = Reply(
                ReplyKind.OK if kind == "ok" else ReplyKind.ERROR,
                body,
                exits=bool(meta.get("exit")),
                peak_rss_kb=rss if isinstance(rss, int) else None,
            )
            future, self._pending = self._pending, None
            settle(future, reply)

    def abort(self, error: BaseException) -> None:
        if not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()  # mark retrieved: nobody may be waiting
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(error)
        self._pending = None

    async def close(self) -> None:
        for transport in (self._writer, self._reader):
            if transport is not None:
                transport.close()
        if self._writer is None:  # never attached
            for fd in (self._to_child_r, self._to_child_w, self._from_child_r, self._from_child_w):
                with suppress(OSError):
                    os.close(fd)


def settle(future: asyncio.Future[T], value: T) -> None:
    """Resolve ``future`` unless it already is (a late reply after a timeout is dropped)."""
    if not future.done():
        future.set_result(value)
