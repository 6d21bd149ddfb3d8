"""Request validation over real HTTP: required parameters, bodies against models (Swagger definitions
and AWS::ApiGateway::Model referencing another model by URL), AWS's status, headers and bytes, and
``$context.error.validationErrorString`` through a custom gateway response."""

from __future__ import annotations

from pathlib import Path

from tests.integration.gateway.conftest import FIXTURES, running

JSON = [("Content-Type", "application/json")]
GOOD_PET = b'{"name": "Rex", "age": 3, "tags": [{"label": "good"}]}'


async def test_required_parameters_then_body(tmp_path: Path) -> None:
    async with running([FIXTURES / "validation.yaml"], tmp_path) as gw:
        ok = await gw.call(
            "POST", "/dev/pets?shelter=north", body=GOOD_PET, headers=[*JSON, ("X-Owner", "a")]
        )
        assert (ok.status, ok.body) == (200, b'{"ok":true}')

        both = await gw.call("POST", "/dev/pets", body=b"not json", headers=JSON)
        assert both.status == 400
        assert both.body == b'{"message": "Missing required request parameters: [x-owner, shelter]"}'
        assert both.headers.get("x-amzn-ErrorType") == "BadRequestException"
        assert both.headers.get("content-type") == "application/json"
        assert both.headers.get("x-amzn-RequestId")

        one = await gw.call("POST", "/dev/pets?note=x", body=GOOD_PET, headers=[*JSON, ("x-owner", "a")])
        assert one.body == b'{"message": "Missing required request parameters: [shelter]"}'

        for bad in (
            b"not json",
            b'{"name": "R", "age": 3}',
            b'{"name": "Rex"}',
            b'{"name":"Rex","age":1,"tags":[{}]}',
        ):
            refused = await gw.call(
                "POST", "/dev/pets?shelter=n", body=bad, headers=[*JSON, ("x-owner", "a")]
            )
            assert (refused.status, refused.body) == (400, b'{"message": "Invalid request body"}'), bad
            assert refused.headers.get("x-amzn-ErrorType") == "BadRequestException"

        # a media type without a model is not checked
        other = await gw.call(
            "POST",
            "/dev/pets?shelter=n",
            body=b"<pet/>",
            headers=[("Content-Type", "application/xml"), ("x-owner", "a")],
        )
        assert other.status == 200


async def test_validator_choices(tmp_path: Path) -> None:
    async with running([FIXTURES / "validation.yaml"], tmp_path) as gw:
        # params-only: the body is not checked
        loose = await gw.call("POST", "/dev/plain?id=1", body=b'{"nothing": true}', headers=JSON)
        assert loose.status == 200
        missing = await gw.call("POST", "/dev/plain", body=GOOD_PET, headers=JSON)
        assert missing.body == b'{"message": "Missing required request parameters: [id]"}'

        # body-only (a CloudFormation RequestValidator): the required header is not checked;
        # Order's items reference the Line model by https://apigateway.amazonaws.com/restapis/...
        order = await gw.call(
            "POST", "/dev/orders", body=b'{"lines": [{"sku": "a", "qty": 2}]}', headers=JSON
        )
        assert (order.status, order.body) == (200, b'{"order":"accepted"}')
        for bad in (
            b'{"lines": []}',
            b'{"lines": [{"qty": 2}]}',
            b'{"lines": [{"sku": "a", "qty": 11}]}',
            b"",
        ):
            refused = await gw.call("POST", "/dev/orders", body=bad, headers=JSON)
            assert (refused.status, refused.body) == (400, b'{"message": "Invalid request body"}'), bad


async def test_validation_error_string(tmp_path: Path) -> None:
    source = (FIXTURES / "validation.yaml").read_text()
    custom = source.replace(
        "        x-amazon-apigateway-request-validator: all\n",
        "        x-amazon-apigateway-request-validator: all\n"
        "        x-amazon-apigateway-gateway-responses:\n"
        "          BAD_REQUEST_BODY:\n"
        "            statusCode: 422\n"
        "            responseTemplates:\n"
        "              application/json: "
        "'$context.error.responseType $context.error.validationErrorString'\n",
    )
    template = tmp_path / "custom.yaml"
    template.write_text(custom)
    async with running([template], tmp_path) as gw:
        headers = [*JSON, ("x-owner", "a")]
        missing = await gw.call("POST", "/dev/pets?shelter=n", body=b'{"name": "Rex"}', headers=headers)
        assert missing.status == 422
        assert missing.body == b'BAD_REQUEST_BODY [object has missing required properties (["age"])]'
        typed = await gw.call(
            "POST", "/dev/pets?shelter=n", body=b'{"name": "Rex", "age": "3"}', headers=headers
        )
        assert typed.body == (
            b"BAD_REQUEST_BODY [instance type (string) does not match any allowed primitive type "
            b'(allowed: ["integer"])]'
        )
        # parameters are not BAD_REQUEST_BODY: the built-in response still applies
        params = await gw.call("POST", "/dev/pets", body=b"{}", headers=JSON)
        assert params.status == 400
