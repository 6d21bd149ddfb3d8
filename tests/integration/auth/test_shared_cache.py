"""The Lambda authorizer cache kept in Redis (--state redis://) is shared by gateway nodes: a token
authorized on one node is not sent to the other node's authorizer function. And Cognito keys
fetched from a URL (--jwks ISSUER=URL) instead of a file."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.integration.auth.conftest import FIXTURES, body, guarded
from tests.integration.auth.test_cognito_iam import ISSUER, _claims
from tests.integration.limits.conftest import RedisServer, redis_server
from tests.unit.authorizers.tokens import SigningKey, jwks
from vpcgate.gateway.guard_setup import GuardSettings
from vpcgate.limits.state import StateConfig

__all__ = ["redis_server"]

TEMPLATE = FIXTURES / "auth.yaml"


async def test_two_nodes_share_authorizer_results_through_redis(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    settings = GuardSettings(state=StateConfig(redis_server.url))
    async with (
        guarded(TEMPLATE, tmp_path / "a", settings) as a,
        guarded(TEMPLATE, tmp_path / "b", settings) as b,
    ):
        first = await a.call("GET", "/dev/token/proxy", headers=[("Authorization", "Bearer shared")])
        filled = body(first)["authorizer"]
        assert filled["calls"] == "1"  # a called its function
        # node b has its own function workers; the answer comes from the cache node a filled
        second = await b.call("GET", "/dev/token/proxy", headers=[("Authorization", "Bearer shared")])
        assert second.status == 200, second.body
        cached = body(second)["authorizer"]
        assert cached["integrationLatency"] == 0  # served from the cache
        assert (cached["worker"], cached["calls"]) == (filled["worker"], "1")  # a's worker answered it
        other = await b.call("GET", "/dev/token/proxy", headers=[("Authorization", "Bearer fresh")])
        assert body(other)["authorizer"]["worker"] != filled["worker"]  # b's own function
        assert redis_server.cli("DBSIZE") != "0"


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """A static file server on 127.0.0.1 (the issuer's URL, locally)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_cognito_keys_fetched_from_a_url(tmp_path: Path) -> None:
    key = SigningKey.rsa("url-key")
    (tmp_path / "jwks.json").write_bytes(jwks(key))
    with serving(tmp_path) as base:
        settings = GuardSettings(jwks=((ISSUER, f"{base}/jwks.json"),))
        async with guarded(TEMPLATE, tmp_path, settings) as gw:
            token = key.sign(_claims(time.time()))
            ok = await gw.call("GET", "/dev/cognito", headers=[("Authorization", token)])
            assert (ok.status, body(ok)["sub"]) == (200, "5f0c-user")
            unknown = SigningKey.rsa("other-kid").sign(_claims(time.time()))
            refused = await gw.call("GET", "/dev/cognito", headers=[("Authorization", unknown)])
            assert refused.status == 401
