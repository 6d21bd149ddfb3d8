"""Conformance: template cases with exact expected output, each citing its source.

The cases live in the YAML files next to this module (Velocity 1.7 User Guide, AWS mapping
template reference and examples, Java semantics, the seed's templates). Each case renders with
plain variables (``vars``) or as API Gateway does (``request`` → MappingInput), and checks the exact
output, the output as JSON (``expected_json``), the overrides, or the error kind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import seed_templates
from vpcgate.deploy.yaml_tags import load_yaml
from vpcgate.gateway.mapping import MappingInput, context_map, render_request, render_response
from vpcgate.gateway.mapping.render import template_variables
from vpcgate.vtl import Template, VtlRenderError, VtlSyntaxError, parse_template

HERE = Path(__file__).parent
SEED = Path(os.environ.get("VPCGATE_SEED", str(HERE.parents[2].parent / "shared" / "seed")))


def _cases() -> list[Any]:
    cases = []
    for path in sorted(HERE.glob("*.yaml")):
        for case in load_yaml(path.read_text()):
            cases.append(pytest.param(case, id=f"{path.stem}:{case['id']}"))
    return cases


CASES = _cases()


def _mapping_input(request: dict[str, Any]) -> MappingInput:
    return MappingInput(
        body=request.get("body", ""),
        path_params=request.get("path", {}),
        query=request.get("query", {}),
        headers=request.get("headers", {}),
        context=context_map(request.get("context", {})),
        stage_variables=request.get("stage", {}),
    )


def _render(case: dict[str, Any]) -> tuple[str, Any]:
    source = seed_templates(SEED)[case["seed"]] if "seed" in case else case["template"]
    template: Template = parse_template(source)
    if "request" in case:
        data = _mapping_input(case["request"])
        render = render_response if case.get("kind") == "response" else render_request
        result = render(template, data)
        return result.body, result
    if "vars_input" in case:
        variables = template_variables(MappingInput()) | case["vars_input"]
        return template.render(variables), None
    return template.render(case.get("vars") or {}), None


def _contains(actual: Any, expected: Any) -> None:
    if isinstance(expected, dict):
        for key, value in expected.items():
            _contains(actual[key], value)
    else:
        assert actual == expected


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    assert case.get("source"), "every case cites its source"
    error = case.get("error")
    if error == "syntax":
        with pytest.raises(VtlSyntaxError):
            _render(case)
        return
    if error == "render":
        with pytest.raises(VtlRenderError):
            _render(case)
        return
    body, result = _render(case)
    if "expected" in case:
        assert body == case["expected"]
    if "expected_json" in case:
        assert json.loads(body) == case["expected_json"]
    if "expected_json_at" in case:
        _contains(json.loads(body), case["expected_json_at"])
    if "request_override" in case:
        override = result.request_override
        expected = case["request_override"]
        assert (override.header, override.path, override.querystring) == (
            expected["header"],
            expected["path"],
            expected["querystring"],
        )
    if "response_override" in case:
        override = result.response_override
        expected = case["response_override"]
        assert (override.status, override.header) == (expected["status"], expected["header"])
