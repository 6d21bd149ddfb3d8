"""Redis round trips per request with ``--state redis://`` (issue 7, item 5: "at most one round trip
per request"), counted on a real redis-server: the commands every client sent (MONITOR) and the read
events Redis processed (``INFO stats`` ``total_reads_processed``: one per round trip, a pipeline
being one write), across two gateway nodes sharing the database.

The rule proven here is the one :mod:`vpcgate.limits.redis_store` documents: one round trip for a
request whose authorizer answer this node holds (or that has no Lambda authorizer), two when the
answer must be read from Redis first — once per node and identity per TTL."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tests.integration.auth.conftest import FIXTURES, body, guarded
from tests.integration.gateway.conftest import Caller
from tests.integration.limits.conftest import RedisServer, redis_server
from vpcgate.gateway.guard_setup import GuardSettings
from vpcgate.limits.state import StateConfig

__all__ = ["redis_server"]

TEMPLATE = FIXTURES / "round_trips.yaml"
KEY = "round-trip-key-0123456789"


class Reads:
    """``total_reads_processed`` on one connection of our own (RESP over a socket), so that asking
    costs exactly one read event: ``after - before - 1`` is what everyone else made Redis read."""

    def __init__(self, port: int) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port))

    def now(self) -> int:
        self._sock.sendall(b"INFO stats\r\n")
        data = b""
        while b"total_reads_processed:" not in data or not data.endswith(b"\r\n"):
            data += self._sock.recv(65536)
        line = data.split(b"total_reads_processed:", 1)[1].split(b"\r\n", 1)[0]
        return int(line)

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[int]]:
        counted: list[int] = []
        before = self.now()
        yield counted
        counted.append(self.now() - before - 1)

    def close(self) -> None:
        self._sock.close()


@contextlib.asynccontextmanager
async def two_nodes(server: RedisServer, tmp_path: Path) -> AsyncIterator[tuple[Caller, Caller]]:
    settings = GuardSettings(state=StateConfig(server.url))
    async with (
        guarded(TEMPLATE, tmp_path / "a", settings) as a,
        guarded(TEMPLATE, tmp_path / "b", settings) as b,
    ):
        yield a, b


def _url(node: Caller, api: str, path: str) -> str:
    api_id = next(a.id for a in node.app.apis if a.name == api)
    return f"/restapis/{api_id}/dev/_user_request_{path}"


async def _get(node: Caller, api: str, path: str, token: str | None, key: str | None = KEY) -> int:
    headers = [("x-api-key", key)] if key else []
    if token is not None:
        headers.append(("Authorization", token))
    response = await node.call("GET", _url(node, api, path), headers=headers)
    if response.status == 200 and token is not None:
        assert body(response) == {"principal": f"p-{token}"}
    return response.status


def _sent(lines: list[str]) -> list[str]:
    """Commands the gateways sent, lower case (not those a script runs, marked ``[0 lua]``, nor our
    own INFO)."""
    sent = [line.split('"')[1].lower() for line in lines if "lua]" not in line]
    return [command for command in sent if command != "info"]


async def test_round_trips_per_request(redis_server: RedisServer, tmp_path: Path) -> None:
    reads = Reads(redis_server.port)
    try:
        async with two_nodes(redis_server, tmp_path) as (a, b):
            # warm up: connections opened and the decision script loaded on both nodes
            for node in (a, b):
                assert await _get(node, "header-keys", "/keyed", None) == 200

            # no authorizer, key from the header: the limits decision alone
            for node in (a, b):
                with redis_server.monitor() as seen, reads.counting() as trips:
                    assert await _get(node, "header-keys", "/keyed", None) == 200
                assert (_sent(seen), trips) == (["evalsha"], [1])

            async def one(node: Caller, api: str, token: str) -> tuple[list[str], int]:
                """What one request sends, its deferred write included (flushed before counting)."""
                with redis_server.monitor() as seen, reads.counting() as trips:
                    assert await _get(node, api, "/authz", token) == 200
                    for each in (a, b):
                        assert each.app.state is not None
                        await each.app.state.authorizer_cache.flush()
                return _sent(seen), trips[0]

            # Key from the header: the decision goes ahead, in the authorizer-cache read's pipeline.
            token = "token-header"
            # node a, nobody has the answer: [decision, read] · the function · the answer's write
            assert await one(a, "header-keys", token) == (["evalsha", "get", "set"], 2)
            assert await one(a, "header-keys", token) == (["evalsha"], 1)  # a's own copy
            assert await one(b, "header-keys", token) == (["evalsha", "get"], 1)  # a's answer, read
            assert await one(b, "header-keys", token) == (["evalsha"], 1)  # b's copy now
            # Key from the authorizer: the decision can only follow the authorizer's answer.
            token = "token-authorizer"
            assert await one(a, "authorizer-keys", token) == (["get", "set", "evalsha"], 2)
            assert await one(a, "authorizer-keys", token) == (["evalsha"], 1)
            assert await one(b, "authorizer-keys", token) == (["get", "evalsha"], 2)
            assert await one(b, "authorizer-keys", token) == (["evalsha"], 1)
    finally:
        reads.close()


async def test_refused_by_the_authorizer_takes_nothing(redis_server: RedisServer, tmp_path: Path) -> None:
    """AWS evaluates the authorizer before the key and the throttle: a request it refuses takes no
    token and no quota. A decision sent ahead is withdrawn when still queued (the refusal came from
    this node's copy, no Redis call at all), else given back (REFUND, by EVAL) once known."""
    async with two_nodes(redis_server, tmp_path) as (a, b):
        for node in (a, b):  # warm up (connections, the script): counts 2
            assert await _get(node, "header-keys", "/keyed", None) == 200

        async def refused(node: Caller, api: str, token: str, key: str | None = KEY) -> list[str]:
            with redis_server.monitor() as seen:
                assert await _get(node, api, "/authz", token, key) == 403
                for each in (a, b):
                    assert each.app.state is not None
                    await each.app.state.authorizer_cache.flush()
            return _sent(seen)

        # node a, a miss: [decision ahead, read] · the function: Deny · the answer's write, the refund
        assert sorted(await refused(a, "header-keys", "deny-me")) == ["eval", "evalsha", "get", "set"]
        assert await refused(a, "header-keys", "deny-me") == []  # a's copy refuses: withdrawn
        assert sorted(await refused(b, "header-keys", "deny-me")) == ["eval", "evalsha", "get"]
        assert await refused(b, "header-keys", "deny-me") == []
        # a key unknown to the plans: the key step refuses after the authorizer, nothing is sent ahead
        assert await refused(a, "header-keys", "token-x", key="not-a-key-0123456789") == ["get", "set"]
        # key from the authorizer: no decision before its answer
        assert await refused(b, "authorizer-keys", "deny-you", key=None) == ["get", "set"]

        api = next(api for api in a.app.apis if api.name == "header-keys")
        plan, key = api.usage_plans[0], api.api_keys[0]
        assert a.app.state is not None
        today = datetime.now(UTC).date()
        assert await a.app.state.limits.daily_usage(plan.id, key.id, [today]) == [2]
        bucket = redis_server.cli("HGET", f"vpcgate:p|{plan.id}|{key.id}", "t")
        assert float(bucket) >= 998  # burst 1000, two requests taken (and refilling)
