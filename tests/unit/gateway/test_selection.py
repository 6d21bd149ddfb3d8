"""Integration response selection, with the seed's own selection patterns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vpcgate.gateway.selection import default_response, select_for_lambda, select_for_status
from vpcgate.javaregex import compile_java
from vpcgate.spec.model import IntegrationResponse, SelectionPattern


def response(status: str, pattern: str | None) -> IntegrationResponse:
    selection = None if pattern is None else SelectionPattern(pattern, compile_java(pattern))
    return IntegrationResponse(status_code=status, selection_pattern=selection)


@pytest.fixture(scope="module")
def seed_responses(seed_template: Path) -> list[IntegrationResponse]:
    template: dict[str, Any] = json.loads(seed_template.read_text())
    body = template["Resources"]["ProxyApi"]["Properties"]["Body"]
    written = body["paths"]["/"]["get"]["x-amazon-apigateway-integration"]["responses"]
    return [response(spec["statusCode"], None if key == "default" else key) for key, spec in written.items()]


def error_message(status: int) -> str:
    """What the seed's function passes to context.fail for a non-200 backend answer."""
    return json.dumps(
        {
            "status": status,
            "bodyJson": json.dumps({"error": "Random error"}),
            "headers": {"x-powered-by": "Express", "content-type": "application/json; charset=utf-8"},
        },
        separators=(",", ":"),
    )


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_seed_error_selects_its_status(seed_responses: list[IntegrationResponse], status: int) -> None:
    chosen = select_for_lambda(seed_responses, error_message(status), failed=True)
    assert chosen is not None
    assert chosen.status_code == str(status)


def test_seed_success_selects_the_default(seed_responses: list[IntegrationResponse]) -> None:
    chosen = select_for_lambda(seed_responses, None, failed=False)
    assert chosen is not None
    assert (chosen.status_code, chosen.selection_pattern) == ("200", None)


def test_seed_unmatched_error_falls_to_the_default(seed_responses: list[IntegrationResponse]) -> None:
    chosen = select_for_lambda(seed_responses, error_message(418), failed=True)
    assert chosen is not None
    assert chosen.status_code == "200"
    chosen = select_for_lambda(seed_responses, "socket hang up", failed=True)
    assert chosen is not None
    assert chosen.status_code == "200"


def test_the_whole_message_must_match() -> None:
    responses = [response("200", None), response("400", "Bad.*"), response("404", "Not found")]
    assert select_for_lambda(responses, "Bad input", failed=True) == responses[1]
    assert select_for_lambda(responses, "Very Bad input", failed=True) == responses[0]
    assert select_for_lambda(responses, "Not found here", failed=True) == responses[0]


def test_success_never_reaches_a_pattern_even_dot_star() -> None:
    responses = [response("500", ".*"), response("200", None)]
    assert select_for_lambda(responses, "", failed=False) == responses[1]
    assert select_for_lambda(responses, "boom", failed=True) == responses[0]
    assert select_for_lambda(responses, None, failed=True) == responses[0]  # no message: ""


def test_dot_does_not_cross_line_ends_as_in_java() -> None:
    responses = [response("200", None), response("500", "Error.*")]
    assert select_for_lambda(responses, "Error: a\nstack", failed=True) == responses[0]
    multiline = [response("200", None), response("500", "Error(.|\\n)*")]
    assert select_for_lambda(multiline, "Error: a\nstack", failed=True) == multiline[1]


def test_http_status_selection() -> None:
    responses = [response("200", None), response("404", "404"), response("500", "5\\d{2}")]
    assert select_for_status(responses, 404) == responses[1]
    assert select_for_status(responses, 503) == responses[2]
    assert select_for_status(responses, 201) == responses[0]
    assert select_for_status(responses, 4040) == responses[0]


def test_first_declared_match_wins_and_empty_pattern_is_default() -> None:
    responses = [response("401", "4\\d\\d"), response("400", "40\\d"), response("200", "")]
    assert select_for_status(responses, 400) == responses[0]
    assert default_response(responses) == responses[2]
    assert select_for_status(responses, 200) == responses[2]


def test_no_default_and_no_match_is_none() -> None:
    responses = [response("400", "4\\d\\d")]
    assert select_for_status(responses, 200) is None
    assert select_for_lambda(responses, None, failed=False) is None
