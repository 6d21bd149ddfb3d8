"""Several ``vpcgate up`` nodes enforce one usage plan together through one real redis-server; the
fail policy while Redis is gone (open: pass with a warning; closed: AWS's 500) and the recovery when
it is back. Real processes, real HTTP, the real clock (a quota of 200 a day, so time does not matter
unless the test straddles midnight UTC)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from subprocess import Popen

from tests.integration.limits_gateway.conftest import Node, RedisServer, start_nodes
from vpcgate.app import App, AppConfig
from vpcgate.http.client import HttpClient

TEMPLATE = Path(__file__).parent / "fixtures" / "cluster.yaml"


def _keys(banner: str) -> dict[str, tuple[str, str]]:
    """``api key NAME (ID): VALUE`` lines of the banner → name: (id, value)."""
    return {m[0]: (m[1], m[2]) for m in re.findall(r"api key (\S+) \((\w+)\): (\S+)", banner)}


async def _hammer(client: HttpClient, urls: list[str], key: str, total: int, width: int = 16) -> Counter[int]:
    """``total`` GETs spread over ``urls`` round robin, ``width`` at a time; status counts."""
    counts: Counter[int] = Counter()
    queue = list(range(total))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            response = await client.request(
                "GET", urls[i % len(urls)] + "/prod/keyed", headers=[("x-api-key", key)], timeout=10
            )
            counts[response.status] += 1

    await asyncio.gather(*(worker() for _ in range(width)))
    return counts


async def _status(client: HttpClient, node: Node, key: str) -> tuple[int, bytes]:
    response = await client.request("GET", node.url + "/prod/keyed", headers=[("x-api-key", key)], timeout=10)
    return response.status, response.body


async def _until(client: HttpClient, node: Node, key: str, status: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while (await _status(client, node, key))[0] != status:
        assert time.monotonic() < deadline, f"{node.url} never answered {status}"
        await asyncio.sleep(0.1)


async def test_two_nodes_share_a_quota_and_survive_a_redis_outage(
    redis_server: RedisServer, tmp_path: Path, nodes: list[Popen[str]]
) -> None:
    state = ["--state", redis_server.url]
    one, two, closed = start_nodes(
        nodes, TEMPLATE, tmp_path, [state, state, [*state, "--state-fail", "closed"]]
    )
    keys = _keys(one.banner)
    assert set(keys) == {"big", "small"} and all(len(v) == 40 for _, v in keys.values())
    big, small = keys["big"][1], keys["small"][1]
    client = HttpClient()
    try:
        # one quota of 200 a day, enforced by both nodes together: exactly 200 pass
        counts = await _hammer(client, [one.url, two.url], big, 260)
        assert counts == Counter({200: 200, 429: 60}), counts

        # the usage report, from either node (the counters are in Redis)
        plans = {p.name: p.id for p in App.deploy(AppConfig(templates=(TEMPLATE,))).apis[0].usage_plans}
        today = datetime.now(UTC).date().isoformat()
        usage = _usage_cli(two, plans["big"], today)
        assert usage["items"] == {keys["big"][0]: [[200, 0]]}

        # Redis goes away mid-load: fail open passes (and warns once), fail closed answers AWS's 500
        load = asyncio.ensure_future(_hammer(client, [one.url, two.url], big, 400, width=4))
        await asyncio.sleep(0.05)
        redis_server.kill()
        during = await load
        assert during[429] > 0 and during[200] > 0, during  # enforced, then passed unchecked
        assert await _status(client, one, big) == (200, b'{"ok":true}')
        assert await _status(client, closed, big) == (500, b'{"message": "Internal server error"}')
        assert "limit store unreachable" in one.log() and "fail open" in one.log()
        assert "fail closed" in closed.log()
        assert one.log().count("limit store unreachable") == 1  # once per outage, not per request

        # Redis is back (empty: no persistence): enforcement resumes on every node; the small key's
        # 3 a day are spent across the nodes, then every node refuses it
        redis_server.start()
        for node in (closed, one, two):
            await _until(client, node, small, 429)
        for node in (closed, one, two):
            assert await _status(client, node, small) == (429, b'{"message":"Limit Exceeded"}')
        assert "limit store is back" in one.log() and "limit store is back" in closed.log()
        assert _usage_cli(one, plans["small"], today)["items"] == {keys["small"][0]: [[3, 0]]}
    finally:
        await client.close()


def _usage_cli(node: Node, plan_id: str, day: str) -> dict[str, object]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "vpcgate",
            "usage",
            plan_id,
            "--start",
            day,
            "--end",
            day,
            "--endpoint",
            node.url,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result
