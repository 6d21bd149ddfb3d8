"""Shared by the spec tests: read fixtures, import a body, deploy a template and assemble its APIs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vpcgate.deploy.stacks import Stack, deploy_stacks
from vpcgate.deploy.template import parse_text
from vpcgate.spec.assemble import DeployedApi, assemble_apis
from vpcgate.spec.model import RestApi
from vpcgate.spec.openapi import BasePathMode, ImportOptions, import_api
from vpcgate.spec.props import Path as PropPath
from vpcgate.spec.props import SpecError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "spec"
API_ID = "abcdefghij"


def fixture(name: str) -> Any:
    path = FIXTURES / name
    return parse_text(path.read_text(encoding="utf-8"), path.name)


class Warnings(list[tuple[str, PropPath]]):
    """A warning sink that remembers (message, path) pairs."""

    def __call__(self, message: str, path: PropPath) -> None:
        self.append((message, path))

    def messages(self) -> list[str]:
        return [m for m, _ in self]


def imported(
    body: Mapping[str, Any], basepath: BasePathMode = BasePathMode.IGNORE, warnings: Warnings | None = None
) -> RestApi:
    return import_api(body, ImportOptions(API_ID, basepath), warnings if warnings is not None else Warnings())


def deploy(
    tmp_path: Path, template: Mapping[str, Any], overrides: Sequence[str] = (), name: str = "api.json"
) -> Stack:
    path = tmp_path / name
    path.write_text(json.dumps(template), encoding="utf-8")
    (stack,) = deploy_stacks([path], overrides)
    return stack


def apis(stack: Stack) -> tuple[DeployedApi, ...]:
    return assemble_apis(stack.resources.values())


def single_api(stack: Stack) -> DeployedApi:
    (api,) = apis(stack)
    return api


def template(resources: Mapping[str, Any]) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": dict(resources)}


def api_error(body: Mapping[str, Any]) -> SpecError:
    """The SpecError importing ``body`` raises."""
    try:
        imported(body)
    except SpecError as exc:
        return exc
    raise AssertionError("the body imported without an error")
