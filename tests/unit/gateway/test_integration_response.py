"""The integration response body is parsed once for responseParameters and the template's $input,
and each still reads odd payloads its own way (a UTF-8 BOM, UTF-16, bytes that are not UTF-8)."""

from __future__ import annotations

import asyncio

import pytest

from tests.unit.gateway.test_chain import stage
from vpcgate.gateway.context import IntegrationResult, Invocation
from vpcgate.gateway.front import new_ids
from vpcgate.gateway.parameters import compile_response_parameters
from vpcgate.gateway.steps.integration_response import CompiledResponse, IntegrationResponseStep
from vpcgate.gateway.steps.parse import ParseStep
from vpcgate.http.message import Headers, HttpRequest
from vpcgate.spec.model import IntegrationResponse
from vpcgate.vtl import parse_template

PARAMETERS = {
    "method.response.header.etag": "integration.response.body.headers.etag",
    "method.response.header.all": "integration.response.body",
}


def _answer(body: bytes, template: str) -> tuple[list[tuple[str, str]], bytes]:
    compiled = CompiledResponse(
        IntegrationResponse(status_code="200"),
        200,
        compile_response_parameters(PARAMETERS),
        {"application/json": parse_template(template)},
    )
    step = IntegrationResponseStep((compiled,), by_error_message=True)
    request = HttpRequest("GET", "/prod/items/x", "", Headers([("Host", "h")]), client=("127.0.0.1", 1))
    inv = Invocation(request, stage(()), "/items/x", new_ids())

    async def run() -> None:
        await ParseStep()(inv)
        inv.integration = IntegrationResult(200, body)
        await step(inv)

    asyncio.run(run())
    assert inv.reply is not None
    return inv.reply.headers, inv.reply.body


ETAG = "$input.path('$.headers').etag"


def test_json_body_feeds_both_readers() -> None:
    headers, body = _answer(b'{"headers":{"etag":"e1","n":[1,2]}}', ETAG + "|$input.json('$.headers.n')")
    assert headers[:2] == [("etag", "e1"), ("all", '{"headers":{"etag":"e1","n":[1,2]}}')]
    assert body == b"e1|[1,2]"


@pytest.mark.parametrize(
    ("payload", "etag_header", "template_etag"),
    [
        (b'\xef\xbb\xbf{"headers":{"etag":"bom"}}', "bom", b""),  # json skips the BOM; $input does not
        ('{"headers":{"etag":"u16"}}'.encode("utf-16"), "u16", b""),  # json reads UTF-16; $input UTF-8
        (b'{"headers":{"etag":"\xff"}}', None, "\ufffd".encode()),  # not UTF-8: text for json
    ],
)
def test_odd_payloads_are_read_by_each_reader_its_own_way(
    payload: bytes, etag_header: str | None, template_etag: bytes
) -> None:
    headers, body = _answer(payload, ETAG)
    assert dict(headers).get("etag") == etag_header
    assert body == template_etag


def test_a_body_that_is_not_json_is_text_for_both() -> None:
    headers, body = _answer(b"not json", "$input.path('$')|$input.body")
    assert ("all", "not json") in headers and "etag" not in dict(headers)
    assert body == b"not json|not json"
