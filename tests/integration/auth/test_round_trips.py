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

            for api in ("header-keys", "authorizer-keys"):
                token = f"token-{api}"
                # node a, nobody has the answer: read (miss), the function, then the answer's write
                # rides in the limits decision's pipeline — two round trips, one more cannot be had
                with redis_server.monitor() as seen, reads.counting() as trips:
                    assert await _get(a, api, "/authz", token) == 200
                assert (_sent(seen), trips) == (["get", "set", "evalsha"], [2])
                # node a again: its own copy, the decision alone
                with redis_server.monitor() as seen, reads.counting() as trips:
                    assert await _get(a, api, "/authz", token) == 200
                assert (_sent(seen), trips) == (["evalsha"], [1])
                # node b, first time: a's answer read from Redis (no function call), then the decision
                with redis_server.monitor() as seen, reads.counting() as trips:
                    assert await _get(b, api, "/authz", token) == 200
                assert (_sent(seen), trips) == (["get", "evalsha"], [2])
                # node b again: its copy now
                with redis_server.monitor() as seen, reads.counting() as trips:
                    assert await _get(b, api, "/authz", token) == 200
                assert (_sent(seen), trips) == (["evalsha"], [1])
    finally:
        reads.close()


async def test_refused_by_the_authorizer_takes_nothing(redis_server: RedisServer, tmp_path: Path) -> None:
    """AWS evaluates the authorizer before the key and the throttle: a refused request is not sent
    to the limits script at all (no token, no quota), cached refusal or not."""
    async with two_nodes(redis_server, tmp_path) as (a, b):
        assert await _get(a, "header-keys", "/keyed", None) == 200  # warm up
        with redis_server.monitor() as seen:
            assert await _get(a, "header-keys", "/authz", "deny-me") == 403
            assert await _get(a, "header-keys", "/authz", "deny-me") == 403  # a's copy: no command
            assert await _get(b, "header-keys", "/authz", "deny-me") == 403  # read from Redis
            assert await _get(b, "authorizer-keys", "/authz", "deny-you", key=None) == 403
            for node in (a, b):  # a write no decision took along is sent once the request waits
                assert node.app.state is not None
                await node.app.state.authorizer_cache.flush()
        assert "evalsha" not in _sent(seen)
        assert _sent(seen).count("set") == 2  # the two refusing answers were cached for every node
