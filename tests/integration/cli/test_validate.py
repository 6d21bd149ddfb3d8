"""`vpcgate validate` as a user runs it: a real subprocess, real templates, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SEED_OVERRIDES = [
    "--parameter-overrides",
    "BackendHost=10.0.1.10",
    "SecurityGroupId=sg-0123456789abcdef0",
    "SubnetId=subnet-0123456789abcdef0",
]


def vpcgate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vpcgate", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_validate_seed_prints_function_and_routes(seed_template: Path) -> None:
    result = vpcgate("validate", seed_template, *SEED_OVERRIDES)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "nodejs4.3" in text
    assert "index.myHandler" in text
    assert "subnet-0123456789abcdef0" in text
    assert "sg-0123456789abcdef0" in text
    for method in ("GET", "POST"):
        assert any(
            method in line and "prod" in line and "AWS" in line and "ProxyFunction" in line
            for line in text.splitlines()
        ), text


def test_validate_seed_json_has_routes_pointing_at_the_function(seed_template: Path) -> None:
    result = vpcgate("validate", seed_template, *SEED_OVERRIDES, "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    (function,) = info["functions"]
    assert function["runtime"] == "nodejs4.3"
    assert function["handler"] == "index.myHandler"
    assert function["vpc_config"] == {
        "subnet_ids": ["subnet-0123456789abcdef0"],
        "security_group_ids": ["sg-0123456789abcdef0"],
    }
    (api,) = info["apis"]
    got = {(r["stage"], r["method"], r["path"], r["integration"]) for r in api["routes"]}
    assert got == {("prod", "GET", "/", "AWS"), ("prod", "POST", "/", "AWS")}
    assert all(r["target"] == function["arn"] for r in api["routes"])


def test_validate_seed_without_parameters_names_the_missing_ones(seed_template: Path) -> None:
    result = vpcgate("validate", seed_template)
    assert result.returncode == 1
    for name in ("BackendHost", "SecurityGroupId", "SubnetId"):
        assert name in result.stderr
    assert "BackendPort" not in result.stderr  # it has a Default
    assert "Traceback" not in result.stderr


def test_overrides_in_cloudformation_form(seed_template: Path) -> None:
    result = vpcgate(
        "validate",
        seed_template,
        "--parameter-overrides",
        "ParameterKey=BackendHost,ParameterValue=10.0.1.10",
        "ParameterKey=SecurityGroupId,ParameterValue=sg-0123456789abcdef0",
        "ParameterKey=SubnetId,ParameterValue=subnet-0123456789abcdef0",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stacks"][0]["parameters"]["BackendHost"] == "10.0.1.10"


def test_outputs_of_an_earlier_stack_fill_the_seeds_parameters(seed_template: Path) -> None:
    network = ROOT / "examples" / "seed-network" / "template.yaml"
    result = vpcgate("validate", network, seed_template, "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    net_stack, seed_stack = info["stacks"]
    outputs = net_stack["outputs"]
    assert seed_stack["parameters"]["BackendHost"] == outputs["BackendHost"]["value"] == "10.0.1.10"
    assert seed_stack["parameters"]["SubnetId"] == outputs["SubnetId"]["value"]
    assert outputs["SubnetId"]["value"].startswith("subnet-")
    (function,) = info["functions"]
    assert function["vpc_config"]["security_group_ids"] == [outputs["SecurityGroupId"]["value"]]


def test_bad_template_names_file_logical_id_and_pointer(tmp_path: Path) -> None:
    template = tmp_path / "bad.json"
    template.write_text(
        json.dumps(
            {
                "Resources": {
                    "Fn": {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Runtime": "python3.11",
                            "Handler": "app.handler",
                            "Code": {"ZipFile": "def handler(e, c): return 1"},
                            "Timeout": 9000,
                        },
                    }
                }
            }
        )
    )
    result = vpcgate("validate", template)
    assert result.returncode == 1
    assert "bad.json" in result.stderr
    assert "Fn" in result.stderr
    assert "/Resources/Fn/Properties/Timeout" in result.stderr
    assert "Traceback" not in result.stderr


def test_version() -> None:
    result = vpcgate("--version")
    assert result.returncode == 0
    assert "vpcgate" in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="auto picks a namespace network only as root")
def test_up_with_a_subnet_no_stack_defines_is_a_clear_error(seed_template: Path) -> None:
    result = vpcgate("up", seed_template, *SEED_OVERRIDES, "--port", "0")
    assert result.returncode == 1, result.stderr
    assert "ProxyFunction" in result.stderr
    assert "subnet-0123456789abcdef0 is not deployed in this run" in result.stderr
    assert "Traceback" not in result.stderr
