"""requestParameters / responseParameters expressions: what AWS accepts compiles, the rest is a
TemplateError at build time."""

from __future__ import annotations

import pytest

from vpcgate.errors import TemplateError
from vpcgate.gateway.parameters import compile_request_parameters, compile_response_parameters


def test_accepted_request_expressions_compile() -> None:
    targets = compile_request_parameters(
        {
            "integration.request.header.a": "method.request.header.x",
            "integration.request.header.b": "method.request.multivalueheader.x",
            "integration.request.querystring.c": "method.request.querystring.q",
            "integration.request.querystring.d": "method.request.multivaluequerystring.q",
            "integration.request.path.e": "method.request.path.id",
            "integration.request.header.f": "method.request.body",
            "integration.request.header.g": "method.request.body.a.b",
            "integration.request.header.h": "context.requestId",
            "integration.request.header.i": "stageVariables.v",
            "integration.request.header.j": "'static'",
        }
    )
    assert [(t.where, t.name) for t in targets][:5] == [
        ("header", "a"),
        ("header", "b"),
        ("querystring", "c"),
        ("querystring", "d"),
        ("path", "e"),
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("integration.request.body.x", "method.request.header.x"),
        ("method.request.header.x", "method.request.header.x"),
        ("integration.request.header.x", "method.request.cookie.x"),
        ("integration.request.header.x", "integration.response.header.x"),
        ("integration.request.header.x", "method.request.header"),
        ("integration.request.header.x", "method.request.body.[[["),
    ],
)
def test_refused_request_expressions(key: str, value: str) -> None:
    with pytest.raises(TemplateError):
        compile_request_parameters({key: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("method.response.body.x", "integration.response.header.x"),
        ("method.response.header.x", "method.request.header.x"),
        ("method.response.header.x", "integration.response.cookie.x"),
    ],
)
def test_refused_response_expressions(key: str, value: str) -> None:
    with pytest.raises(TemplateError):
        compile_response_parameters({key: value})
