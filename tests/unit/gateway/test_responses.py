"""Gateway responses: the type's own, else DEFAULT_4XX/5XX (status override), else the built-in."""

from __future__ import annotations

import pytest

from vpcgate.errors import TemplateError
from vpcgate.gateway import errors as e
from vpcgate.gateway.responses import (
    ErrorRequest,
    GatewayResponses,
    TemplateVariables,
    substitute,
)
from vpcgate.spec.model import GatewayResponse

CORS = {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}


def headers(rendered: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(rendered)


def test_nothing_configured_is_the_builtin() -> None:
    rendered = GatewayResponses().render(e.MissingAuthenticationTokenError())
    assert (rendered.status, rendered.body) == (403, b'{"message":"Missing Authentication Token"}')


def test_default_4xx_status_overrides_every_unconfigured_4xx() -> None:
    responses = GatewayResponses([GatewayResponse("DEFAULT_4XX", status_code="400")])
    assert responses.render(e.MissingAuthenticationTokenError()).status == 400
    assert responses.render(e.ThrottledError()).status == 400
    assert responses.render(e.IntegrationTimeoutError()).status == 504  # a 5xx: untouched


def test_default_5xx_status_overrides_the_502() -> None:
    responses = GatewayResponses([GatewayResponse("DEFAULT_5XX", status_code="503")])
    assert responses.render(e.BadGatewayError()).status == 503
    assert responses.render(e.UnauthorizedError()).status == 401


def test_family_without_status_keeps_each_types_status() -> None:
    responses = GatewayResponses([GatewayResponse("DEFAULT_4XX", response_parameters=CORS)])
    rendered = responses.render(e.UnauthorizedError())
    assert rendered.status == 401
    assert headers(rendered.headers)["Access-Control-Allow-Origin"] == "*"
    assert rendered.body == b'{"message":"Unauthorized"}'  # no templates: the built-in body


def test_own_type_wins_over_family() -> None:
    responses = GatewayResponses(
        [
            GatewayResponse("DEFAULT_4XX", status_code="400", response_parameters=CORS),
            GatewayResponse(
                "MISSING_AUTHENTICATION_TOKEN",
                status_code="404",
                response_templates={
                    "application/json": '{"error":"no route","type":"$context.error.responseType"}'
                },
            ),
        ]
    )
    rendered = responses.render(e.MissingAuthenticationTokenError())
    assert rendered.status == 404
    assert rendered.body == b'{"error":"no route","type":"MISSING_AUTHENTICATION_TOKEN"}'
    assert "Access-Control-Allow-Origin" not in headers(rendered.headers)  # no inheritance
    assert headers(rendered.headers)["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_own_type_without_status_takes_the_family_status() -> None:
    responses = GatewayResponses(
        [
            GatewayResponse("DEFAULT_4XX", status_code="418"),
            GatewayResponse("THROTTLED", response_parameters=CORS),
        ]
    )
    assert responses.render(e.ThrottledError()).status == 418


def test_family_templates_apply_with_the_error_message() -> None:
    template = '{"error":{"message":$context.error.messageString},"requestId":"$context.requestId"}'
    responses = GatewayResponses(
        [GatewayResponse("DEFAULT_5XX", response_templates={"application/json": template})]
    )
    request = ErrorRequest(context={"requestId": "r-1"})
    rendered = responses.render(e.IntegrationTimeoutError(), request)
    assert rendered.body == b'{"error":{"message":"Endpoint request timed out"},"requestId":"r-1"}'


def test_response_parameters_read_the_request() -> None:
    responses = GatewayResponses(
        [
            GatewayResponse(
                "UNAUTHORIZED",
                response_parameters={
                    "gatewayresponse.header.WWW-Authenticate": "'Bearer realm=\"x\"'",
                    "gatewayresponse.header.X-From-Header": "method.request.header.X-Trace",
                    "gatewayresponse.header.X-From-Query": "method.request.querystring.q",
                    "gatewayresponse.header.X-From-Path": "method.request.path.id",
                    "gatewayresponse.header.X-Stage": "stageVariables.env",
                    "gatewayresponse.header.X-Context": "context.requestId",
                    "gatewayresponse.header.X-Absent": "method.request.header.Nope",
                },
            )
        ]
    )
    request = ErrorRequest(
        headers=[("x-trace", "t1"), ("Accept", "*/*")],
        query=[("q", "one"), ("q", "two")],
        path_parameters={"id": "42"},
        stage_variables={"env": "prod"},
        context={"requestId": "r-9"},
    )
    got = headers(responses.render(e.UnauthorizedError(), request).headers)
    assert got["WWW-Authenticate"] == 'Bearer realm="x"'
    assert got["X-From-Header"] == "t1"
    assert got["X-From-Query"] == "two"
    assert got["X-From-Path"] == "42"
    assert got["X-Stage"] == "prod"
    assert got["X-Context"] == "r-9"
    assert "X-Absent" not in got


def test_a_parameter_may_replace_content_type() -> None:
    responses = GatewayResponses(
        [
            GatewayResponse(
                "DEFAULT_4XX", response_parameters={"gatewayresponse.header.Content-Type": "'text/plain'"}
            )
        ]
    )
    got = responses.render(e.InvalidApiKeyError()).headers
    assert [v for k, v in got if k.lower() == "content-type"] == ["text/plain"]


def test_template_chosen_by_accept() -> None:
    responses = GatewayResponses(
        [
            GatewayResponse(
                "DEFAULT_4XX",
                response_templates={
                    "application/json": '{"m":$context.error.messageString}',
                    "text/xml": "<m>$context.error.message</m>",
                },
            )
        ]
    )
    xml = responses.render(
        e.ThrottledError(), ErrorRequest(headers=[("Accept", "text/html, text/xml;q=0.9")])
    )
    assert (xml.body, headers(xml.headers)["Content-Type"]) == (b"<m>Too Many Requests</m>", "text/xml")
    other = responses.render(e.ThrottledError(), ErrorRequest(headers=[("Accept", "image/png")]))
    assert (other.body, headers(other.headers)["Content-Type"]) == (
        b'{"m":"Too Many Requests"}',
        "application/json",
    )


def test_error_headers_are_sent() -> None:
    rendered = GatewayResponses().render(e.ThrottledError(headers=[("Retry-After", "1")]))
    assert headers(rendered.headers)["Retry-After"] == "1"


@pytest.mark.parametrize(
    "expression", ["method.request.body.x", "method.request.header", "integration.response.header.x", "x"]
)
def test_bad_parameter_expressions_are_refused_at_build(expression: str) -> None:
    with pytest.raises(TemplateError):
        GatewayResponses(
            [GatewayResponse("DEFAULT_4XX", response_parameters={"gatewayresponse.header.X": expression})]
        )


def test_substitute_forms() -> None:
    variables = TemplateVariables(
        context={
            "error": {"message": "m", "messageString": '"m"'},
            "identity": {"sourceIp": "127.0.0.1"},
            "flag": True,
        },
        stage_variables={"env": "prod"},
    )
    assert (
        substitute(
            "$context.error.message|${context.identity.sourceIp}|$stageVariables.env|$context.flag", variables
        )
        == "m|127.0.0.1|prod|true"
    )
    assert substitute("[$context.nothing.here][$stageVariables.none]", variables) == "[][]"
    assert substitute("$input.body $util.x cost $5", variables) == "$input.body $util.x cost $5"


def test_a_custom_renderer_is_used() -> None:
    seen: list[str] = []

    def renderer(template: str, variables: TemplateVariables) -> str:
        seen.append(template)
        return "custom"

    rendered = GatewayResponses(renderer=renderer).render(e.UnauthorizedError())
    assert rendered.body == b"custom"
    assert seen == ['{"message":$context.error.messageString}']


@pytest.mark.parametrize("code", ["600", "20", "abc", "4xx"])
def test_bad_status_codes_are_refused_at_build(code: str) -> None:
    with pytest.raises(TemplateError, match="status code"):
        GatewayResponses([GatewayResponse("DEFAULT_4XX", status_code=code)])
