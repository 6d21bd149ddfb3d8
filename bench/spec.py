"""API model: OpenAPI import (with every regex and template checked) and API assembly times.

Importing is pure CPU (no processes, no files after the first read); medians of repeated rounds.
The import time includes compiling each selection pattern (vpcgate.javaregex) and parsing each
mapping template (vpcgate.vtl), which is where most of it goes for the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._load import median_seconds
from vpcgate.deploy.stacks import deploy_stacks
from vpcgate.deploy.template import parse_text
from vpcgate.spec.assemble import assemble_apis, routes
from vpcgate.spec.openapi import ImportOptions, import_api

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "spec"


def _median_ms(call: Callable[[], object], rounds: int = 30) -> float:
    return median_seconds(call, rounds) * 1000


def _body(name: str) -> Any:
    path = FIXTURES / name
    return parse_text(path.read_text(encoding="utf-8"), path.name)


def _ignore(message: str, path: tuple[str | int, ...]) -> None:
    del message, path


def run() -> list[tuple[str, str]]:
    swagger, oas3 = _body("petstore-swagger2.yaml"), _body("petstore-oas3.yaml")
    options = ImportOptions("abcdefghij")
    (stack,) = deploy_stacks([FIXTURES / "explicit-form" / "api.yaml"], [])
    records = list(stack.resources.values())
    (api,) = assemble_apis(records)
    return [
        (
            "import petstore Swagger 2.0 (5 methods)",
            f"{_median_ms(lambda: import_api(swagger, options, _ignore)):.3f} ms",
        ),
        (
            "import petstore OpenAPI 3.0 (5 methods)",
            f"{_median_ms(lambda: import_api(oas3, options, _ignore)):.3f} ms",
        ),
        (
            "deploy explicit-form stack (11 ApiGateway resources)",
            f"{_median_ms(lambda: deploy_stacks([FIXTURES / 'explicit-form' / 'api.yaml'], [])):.3f} ms",
        ),
        ("assemble_apis over that stack", f"{_median_ms(lambda: assemble_apis(records)):.3f} ms"),
        ("routes(api)", f"{_median_ms(lambda: routes(api)) * 1000:.1f} µs"),
    ]
