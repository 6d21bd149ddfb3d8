"""Several templates in one run, stack names, and the seed fixture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcgate.deploy.stacks import deploy_stacks, stack_name_for
from vpcgate.errors import ParameterError, TemplateError
from vpcgate.functions.model import CodeKind, FunctionSpec, VpcConfig

from .helpers import ROLE, write

SEED_OVERRIDES = [
    "BackendHost=10.0.1.10",
    "SecurityGroupId=sg-0123456789abcdef0",
    "SubnetId=subnet-0123456789abcdef0",
]

NETWORK: dict[str, Any] = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
        },
    },
    "Outputs": {
        "SubnetId": {"Value": {"Ref": "Subnet"}},
        "VpcCidr": {"Value": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}, "Export": {"Name": "net-cidr"}},
    },
}
APP: dict[str, Any] = {
    "Parameters": {"SubnetId": {"Type": "AWS::EC2::Subnet::Id"}, "Size": {"Type": "Number", "Default": 1}},
    "Resources": {
        "Backend": {"Type": "AWS::EC2::Instance", "Properties": {"SubnetId": {"Ref": "SubnetId"}}},
        "Role": ROLE,
    },
    "Outputs": {
        "Cidr": {"Value": {"Fn::ImportValue": "net-cidr"}},
        "Ip": {"Value": {"Fn::GetAtt": ["Backend", "PrivateIp"]}},
    },
}


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("vpc-proxy.template.json", "vpc-proxy"),
        ("app.yaml", "app"),
        ("app.YML", "app"),
        ("my_app.v2.json", "my-app-v2"),
        ("1st.json", "stack-1st"),
        ("plain", "plain"),
    ],
)
def test_stack_names(file: str, name: str) -> None:
    assert stack_name_for(Path(file)) == name


def test_outputs_fill_later_parameters_and_exports_are_imported(tmp_path: Path) -> None:
    net, app = deploy_stacks([write(tmp_path, NETWORK, "net.json"), write(tmp_path, APP, "app.json")], [])
    assert app.parameters["SubnetId"] == net.outputs["SubnetId"].value
    assert app.outputs["Cidr"].value == "10.0.0.0/16"
    assert app.outputs["Ip"].value == "10.0.1.4"  # the subnet of the earlier stack is known
    assert [s.name for s in (net, app)] == ["net", "app"]


def test_override_beats_an_earlier_output(tmp_path: Path) -> None:
    echo = {
        "Parameters": {"SubnetId": {"Type": "String"}},
        "Resources": {"Role": ROLE},
        "Outputs": {"S": {"Value": {"Ref": "SubnetId"}}},
    }
    paths = [write(tmp_path, NETWORK, "net.json"), write(tmp_path, echo, "echo.json")]
    _, passed = deploy_stacks(paths, [])
    assert passed.outputs["S"].value.startswith("subnet-")
    _, overridden = deploy_stacks(paths, {"SubnetId": "subnet-0123abcd"})
    assert overridden.outputs["S"].value == "subnet-0123abcd"


def test_missing_import_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="No export named net-cidr found") as info:
        deploy_stacks(
            [
                write(
                    tmp_path,
                    {
                        "Resources": {"Role": ROLE},
                        "Outputs": {"Cidr": {"Value": {"Fn::ImportValue": "net-cidr"}}},
                    },
                    "app.json",
                )
            ],
            [],
        )
    assert info.value.pointer == "/Outputs/Cidr/Value/Fn::ImportValue"


def test_duplicate_export_is_an_error(tmp_path: Path) -> None:
    paths = [write(tmp_path, NETWORK, "net.json"), write(tmp_path, NETWORK, "net2.json")]
    with pytest.raises(TemplateError, match="'net-cidr' is already exported by stack net") as info:
        deploy_stacks(paths, [])
    assert info.value.file == str(paths[1])


def test_same_stack_name_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    paths = [write(tmp_path, NETWORK, "net.json"), write(tmp_path / "a", NETWORK, "net.yaml")]
    with pytest.raises(TemplateError, match="the stack name 'net'"):
        deploy_stacks(paths, [])


def test_an_error_in_a_later_template_returns_nothing(tmp_path: Path) -> None:
    paths = [write(tmp_path, NETWORK, "net.json"), tmp_path / "missing.json"]
    with pytest.raises(TemplateError, match="cannot read"):
        deploy_stacks(paths, [])


def test_override_key_known_to_any_template_is_accepted(tmp_path: Path) -> None:
    paths = [write(tmp_path, NETWORK, "net.json"), write(tmp_path, APP, "app.json")]
    with pytest.raises(ParameterError, match=r"\[Typo\] do not exist"):
        deploy_stacks(paths, ["Size=2", "Typo=1"])
    _, app = deploy_stacks(paths, ["Size=2"])
    assert app.parameters["Size"] == "2"


# ------------------------------------------------------------------------------------ the seed


def test_seed_deploys_the_proxy_function(seed_template: Path) -> None:
    (stack,) = deploy_stacks([seed_template], SEED_OVERRIDES)
    assert stack.name == "vpc-proxy"
    function = stack.resources["ProxyFunction"].model
    assert isinstance(function, FunctionSpec)
    assert (function.runtime, function.handler) == ("nodejs4.3", "index.myHandler")
    assert function.vpc_config == VpcConfig(
        subnet_ids=("subnet-0123456789abcdef0",), security_group_ids=("sg-0123456789abcdef0",)
    )
    assert function.code.kind is CodeKind.INLINE
    assert function.code.inline_source is not None and "exports.myHandler" in function.code.inline_source
    assert (function.timeout_seconds, function.memory_mb) == (10, 128)
    assert function.role_arn == stack.resources["ProxyFunctionRole"].attributes["Arn"]
    assert stack.parameters["BackendPort"] == "8080"
    assert stack.warnings == ()
    assert set(stack.resources) == {
        "ProxyFunctionRole", "ProxyFunction", "ProxyApi", "ProxyApiDeployment", "ProxyFunctionPermission"
    }  # fmt: skip
    api_id = stack.resources["ProxyApi"].physical_id
    assert stack.outputs["ApiUrl"].value == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/prod/"


def test_seed_without_parameters_names_all_missing(seed_template: Path) -> None:
    with pytest.raises(ParameterError) as info:
        deploy_stacks([seed_template], [])
    assert "Parameters: [BackendHost, SecurityGroupId, SubnetId] must have values" in str(info.value)
    assert info.value.file == str(seed_template)


def test_seed_is_stable_across_runs(seed_template: Path) -> None:
    (first,) = deploy_stacks([seed_template], SEED_OVERRIDES)
    (second,) = deploy_stacks([seed_template], SEED_OVERRIDES)
    assert {k: d.physical_id for k, d in first.resources.items()} == {
        k: d.physical_id for k, d in second.resources.items()
    }


def test_a_single_override_string_is_one_token(tmp_path: Path) -> None:
    body = {"Parameters": {"P": {"Type": "String"}}, "Resources": {"Role": ROLE}}
    (stack,) = deploy_stacks([write(tmp_path, body, "one.json")], "P=a=b")
    assert stack.parameters["P"] == "a=b"
