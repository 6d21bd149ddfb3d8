"""The chain's error boundary, step order and the atomic stage swap, with real steps and stages."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from vpcgate.gateway.build import CompiledMethod, CompiledStage
from vpcgate.gateway.chain import run_chain
from vpcgate.gateway.context import Invocation, Reply
from vpcgate.gateway.errors import ThrottledError
from vpcgate.gateway.front import Gateway, new_ids
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.gateway.routing import Router
from vpcgate.gateway.stage_registry import StageRegistry
from vpcgate.gateway.steps import Step
from vpcgate.http.message import Headers, HttpRequest
from vpcgate.spec.model import GatewayResponse, Method, Resource


class Boom:
    async def __call__(self, inv: Invocation) -> None:
        raise KeyError("secret-internal-detail")


class Throttle:
    async def __call__(self, inv: Invocation) -> None:
        raise ThrottledError()


class Echo:
    """Replies with what the earlier steps wrote into the invocation."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate

    async def __call__(self, inv: Invocation) -> None:
        if self.gate is not None:
            await self.gate.wait()
        assert inv.route is not None
        seen = {
            "deployment": inv.stage.deployment_id,
            "resourcePath": inv.context["resourcePath"],
            "params": dict(inv.path_parameters),
            "query": inv.query,
        }
        inv.reply = Reply(200, [("x-echo", "1")], json.dumps(seen).encode())


def stage(
    steps: tuple[Step, ...], *, deployment: str = "d1", responses: GatewayResponses | None = None
) -> CompiledStage:
    resource = Resource(id="r1", parent_id="root", path_part="{id}", path="/items/{id}")
    method = CompiledMethod(resource, Method("GET"), steps)
    return CompiledStage(
        api_id="api1",
        api_name="api",
        name="prod",
        deployment_id=deployment,
        account_id="000000000000",
        region="us-east-1",
        variables={},
        router=Router({"/items/{id}": {"GET": method}}),
        responses=responses or GatewayResponses(),
    )


def invocation(compiled: CompiledStage, path: str = "/items/a%20b", query: str = "") -> Invocation:
    request = HttpRequest(
        "GET", "/prod" + path, query, Headers([("Host", "localhost")]), client=("127.0.0.1", 1)
    )
    return Invocation(request, compiled, path, new_ids())


async def test_steps_run_in_order_and_every_response_gets_aws_headers() -> None:
    inv = invocation(stage((Echo(),)), query="q=1&q=2")
    response = await run_chain(inv)
    assert response.status == 200
    assert json.loads(response.body) == {
        "deployment": "d1",
        "resourcePath": "/items/{id}",
        "params": {"id": "a b"},
        "query": {"q": ["1", "2"]},
    }
    assert response.headers.get("x-amzn-RequestId") == inv.ids.request_id
    assert response.headers.get("x-amz-apigw-id") == inv.ids.extended_request_id
    assert response.headers.get("content-type") == "application/json"


async def test_unexpected_error_is_the_generic_500_and_the_traceback_goes_to_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="vpcgate.gateway"):
        response = await run_chain(invocation(stage((Boom(),))))
    assert (response.status, response.body) == (500, b'{"message": "Internal server error"}')
    assert response.headers.get("x-amzn-ErrorType") == "InternalServerErrorException"
    assert b"secret" not in response.body
    assert any("secret-internal-detail" in (r.exc_text or "") for r in caplog.records)


async def test_gateway_errors_render_through_the_apis_gateway_responses() -> None:
    configured = GatewayResponses(
        [
            GatewayResponse(
                "DEFAULT_4XX",
                "418",
                response_templates={"application/json": '{"oops":"$context.error.responseType"}'},
            )
        ]
    )
    response = await run_chain(invocation(stage((Throttle(),), responses=configured)))
    assert (response.status, response.body) == (418, b'{"oops":"THROTTLED"}')
    assert response.headers.get("x-amzn-RequestId")
    missing = await run_chain(invocation(stage((Echo(),)), path="/nothing"))
    assert (missing.status, missing.body) == (403, b'{"message":"Missing Authentication Token"}')


async def test_a_redeploy_swaps_stages_atomically_and_requests_in_flight_finish_on_the_old_one() -> None:
    gate = asyncio.Event()
    registry = StageRegistry([stage((Echo(gate),), deployment="old")])
    gateway = Gateway(registry)
    request = HttpRequest("GET", "/prod/items/x", headers=Headers([("Host", "localhost")]))
    in_flight = asyncio.create_task(gateway(request))
    await asyncio.sleep(0)
    registry.swap([stage((Echo(),), deployment="new")])
    after = await gateway(HttpRequest("GET", "/prod/items/y", headers=Headers([("Host", "localhost")])))
    gate.set()
    before = await in_flight
    assert json.loads(before.body)["deployment"] == "old"
    assert json.loads(after.body)["deployment"] == "new"


async def test_a_payload_over_10_mb_is_413() -> None:
    compiled = stage((Echo(),))
    request = HttpRequest("POST", "/prod/items/x", body=b"x" * (10 * 1024 * 1024 + 1))
    response = await run_chain(Invocation(request, compiled, "/items/x", new_ids()))
    assert response.status == 413
    assert response.headers.get("x-amzn-ErrorType") == "RequestTooLongException"
    at_limit = HttpRequest("GET", "/prod/items/x", body=b"x" * (10 * 1024 * 1024))
    assert (await run_chain(Invocation(at_limit, compiled, "/items/x", new_ids()))).status == 200
