"""Small builders shared by the deploy tests: write a template, deploy it, evaluate an expression."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vpcgate.deploy.conditions import Conditions
from vpcgate.deploy.intrinsics import Evaluator, Scope
from vpcgate.deploy.pseudo import pseudo_values, stack_id_for
from vpcgate.deploy.stacks import Stack, deploy_stacks

ROLE: dict[str, Any] = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
}


def write(tmp_path: Path, body: Mapping[str, Any], name: str = "app.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def deploy(
    tmp_path: Path,
    body: Mapping[str, Any],
    overrides: Sequence[str] | Mapping[str, str] = (),
    *,
    name: str = "app.json",
    **kwargs: Any,
) -> Stack:
    (stack,) = deploy_stacks([write(tmp_path, body, name)], overrides, **kwargs)
    return stack


def with_role(**sections: Any) -> dict[str, Any]:
    """A template with one role resource plus ``sections``."""
    body: dict[str, Any] = {"Resources": {"Role": ROLE}}
    for key, value in sections.items():
        if key == "Resources":
            body["Resources"] = {**body["Resources"], **value}
        else:
            body[key] = value
    return body


def evaluator(
    names: Mapping[str, Any] | None = None,
    *,
    mappings: Mapping[str, Any] | None = None,
    conditions: Mapping[str, Any] | None = None,
    exports: Mapping[str, str] | None = None,
    region: str = "us-east-1",
) -> Evaluator:
    """An evaluator over parameters ``names`` (no resources), as in a template's Conditions."""
    all_names = pseudo_values(
        stack_name="s",
        stack_id=stack_id_for("s", region, "000000000000"),
        region=region,
        account_id="000000000000",
    )
    all_names.update(names or {})
    table = Conditions(conditions or {})
    scope = Scope(region, all_names, mappings or {}, exports or {}, table, None)
    result = Evaluator(scope)
    table.bind(result)
    return result
