"""AWS::Lambda::Function, ::Permission, ::Version, ::Alias → the functions model."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from vpcgate.errors import TemplateError
from vpcgate.functions.model import AliasSpec, CodeKind, FunctionSpec, PermissionSpec, VersionSpec

from .helpers import deploy

BASE: dict[str, Any] = {
    "Runtime": "python3.12",
    "Handler": "index.handler",
    "Role": "arn:aws:iam::000000000000:role/r",
    "Code": {"ZipFile": "def handler(e, c):\n    return e\n"},
}


def function(tmp_path: Path, **props: Any) -> FunctionSpec:
    body = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {**BASE, **props}}}}
    model = deploy(tmp_path, body).resources["Fn"].model
    assert isinstance(model, FunctionSpec)
    return model


def function_error(tmp_path: Path, **props: Any) -> TemplateError:
    body = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {**BASE, **props}}}}
    with pytest.raises(TemplateError) as info:
        deploy(tmp_path, body)
    assert info.value.logical_id == "Fn"
    assert info.value.file == str(tmp_path / "app.json")
    return info.value


def test_defaults_and_generated_name(tmp_path: Path) -> None:
    spec = function(tmp_path)
    assert spec.name.startswith("app-Fn-") and len(spec.name) <= 64
    assert spec.arn == f"arn:aws:lambda:us-east-1:000000000000:function:{spec.name}"
    assert (spec.timeout_seconds, spec.memory_mb, spec.vpc_config, spec.environment) == (3, 128, None, {})
    assert spec.ephemeral_storage_mb == 512
    assert spec.code.kind is CodeKind.INLINE
    assert spec.code.inline_source == BASE["Code"]["ZipFile"]
    assert spec.template_dir == tmp_path.resolve()


def test_all_properties(tmp_path: Path) -> None:
    spec = function(
        tmp_path,
        FunctionName="my-fn",
        Timeout="900",
        MemorySize=10240,
        Environment={"Variables": {"AA": "1", "B_2": 2, "Cc": True}},
        VpcConfig={"SubnetIds": ["subnet-0123abcd"], "SecurityGroupIds": ["sg-0123abcd"]},
        ReservedConcurrentExecutions=5,
        Architectures=["arm64"],
        EphemeralStorage={"Size": "10240"},
    )
    assert spec.name == "my-fn"
    assert (spec.timeout_seconds, spec.memory_mb, spec.reserved_concurrency) == (900, 10240, 5)
    assert spec.environment == {"AA": "1", "B_2": "2", "Cc": "true"}
    assert spec.vpc_config is not None
    assert spec.vpc_config.subnet_ids == ("subnet-0123abcd",)
    assert spec.architectures == ("arm64",)
    assert spec.ephemeral_storage_mb == 10240
    assert spec.role_arn == BASE["Role"]


def test_local_code_directory_zip_and_plain_string(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.py").write_text("def handler(e, c): return e\n")
    with zipfile.ZipFile(tmp_path / "fn.zip", "w") as archive:
        archive.writestr("index.py", "def handler(e, c): return e\n")
    as_dir = function(tmp_path, Code="src")
    assert (as_dir.code.kind, as_dir.code.path) == (CodeKind.DIRECTORY, (tmp_path / "src").resolve())
    as_zip = function(tmp_path, Code="fn.zip")
    assert (as_zip.code.kind, as_zip.code.path) == (CodeKind.ZIP, (tmp_path / "fn.zip").resolve())


@pytest.mark.parametrize(
    ("props", "pointer", "message"),
    [
        ({"Code": {"S3Bucket": "b", "S3Key": "k"}}, "Code", "only local code"),
        ({"Code": {"ImageUri": "x"}}, "Code", "only local code"),
        ({"Code": "missing-dir"}, "Code", "does not exist"),
        ({"Code": "app.json"}, "Code", "directory or a .zip"),
        ({"Runtime": "nodejs99"}, "Runtime", "not a Lambda runtime"),
        ({"Runtime": "java21"}, "Code/ZipFile", "Node.js and Python"),
        ({"Timeout": 0}, "Timeout", "between 1 and 900"),
        ({"Timeout": 901}, "Timeout", "between 1 and 900"),
        ({"MemorySize": 127}, "MemorySize", "between 128 and 10240"),
        ({"MemorySize": "lots"}, "MemorySize", "must be an integer"),
        ({"FunctionName": "bad name"}, "FunctionName", "1-64"),
        ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "Environment/Variables/AWS_REGION", "reserved"),
        ({"Environment": {"Variables": {"1A": "x"}}}, "Environment/Variables/1A", "must match"),
        ({"Architectures": ["mips"]}, "Architectures", "x86_64"),
        ({"EphemeralStorage": {"Size": 511}}, "EphemeralStorage/Size", "between 512 and 10240"),
        ({"EphemeralStorage": {}}, "EphemeralStorage/Size", "must be an integer"),
    ],
)
def test_property_errors_point_at_the_property(
    tmp_path: Path, props: dict[str, Any], pointer: str, message: str
) -> None:
    error = function_error(tmp_path, **props)
    assert error.pointer == f"/Resources/Fn/Properties/{pointer}"
    assert message in str(error)


def test_missing_runtime_points_at_runtime(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "index.h", "Code": {"ZipFile": "x"}},
            }
        }
    }
    with pytest.raises(TemplateError) as info:
        deploy(tmp_path, body)
    assert info.value.pointer == "/Resources/Fn/Properties/Runtime"
    assert f"{tmp_path / 'app.json'}: Fn at /Resources/Fn/Properties/Runtime:" in str(info.value)


def test_permission_version_alias(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {**BASE, "FunctionName": "f"}},
            "Perm": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/*",
                },
            },
            "V1": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
            "V2": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}},
                "DependsOn": "V1",
            },
            "Live": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "FunctionVersion": {"Fn::GetAtt": ["V2", "Version"]},
                    "Name": "live",
                },
            },
        },
        "Outputs": {"V2": {"Value": {"Ref": "V2"}}, "Alias": {"Value": {"Ref": "Live"}}},
    }
    stack = deploy(tmp_path, body)
    perm = stack.resources["Perm"].model
    assert isinstance(perm, PermissionSpec)
    assert (perm.function_name, perm.principal) == (
        "arn:aws:lambda:us-east-1:000000000000:function:f",
        "apigateway.amazonaws.com",
    )
    v1, v2 = stack.resources["V1"].model, stack.resources["V2"].model
    assert isinstance(v1, VersionSpec) and isinstance(v2, VersionSpec)
    assert (v1.version, v2.version) == ("1", "2")
    assert stack.outputs["V2"].value == "arn:aws:lambda:us-east-1:000000000000:function:f:2"
    alias = stack.resources["Live"].model
    assert isinstance(alias, AliasSpec)
    assert (alias.function_version, alias.name) == ("2", "live")
    assert stack.outputs["Alias"].value == "arn:aws:lambda:us-east-1:000000000000:function:f:live"


def test_version_of_unknown_function_and_bad_alias(tmp_path: Path) -> None:
    body: dict[str, Any] = {
        "Resources": {"V": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": "ghost"}}}
    }
    with pytest.raises(TemplateError, match="'ghost' is not deployed"):
        deploy(tmp_path, body)
    body = {
        "Resources": {
            "A": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": "f", "FunctionVersion": "1", "Name": "123"},
            }
        }
    }
    with pytest.raises(TemplateError, match="not all digits") as info:
        deploy(tmp_path, body)
    assert info.value.pointer == "/Resources/A/Properties/Name"


def test_missing_role_is_a_warning(tmp_path: Path) -> None:
    props = {k: v for k, v in BASE.items() if k != "Role"}
    body = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": props}}}
    stack = deploy(tmp_path, body)
    assert stack.warnings == ("Fn: no Role (AWS requires one; locally it is not needed)",)
    assert isinstance(stack.resources["Fn"].model, FunctionSpec)


def test_unknown_property_is_a_warning(tmp_path: Path) -> None:
    body = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {**BASE, "Timout": 10}}}}
    stack = deploy(tmp_path, body)
    assert stack.warnings == (
        "Fn: Timout is not a property of AWS::Lambda::Function (ignored; AWS rejects it)",
    )
