"""One stack: resource conditions, DependsOn, order, cycles, references, outputs, ids, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcgate.errors import TemplateError

from .helpers import ROLE, deploy, with_role


def role(**extra: Any) -> dict[str, Any]:
    return {**ROLE, **extra}


def refs_role(target: str, **extra: Any) -> dict[str, Any]:
    """A role whose RoleName refers to ``target`` (so it depends on it)."""
    props = {**ROLE["Properties"], "RoleName": {"Fn::Sub": "${" + target + "}-x"}}
    return {"Type": "AWS::IAM::Role", "Properties": props, **extra}


def failing(tmp_path: Path, body: dict[str, Any], *overrides: str, **kwargs: Any) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        deploy(tmp_path, body, list(overrides), **kwargs)
    assert info.value.file == str(tmp_path / "app.json")
    assert str(tmp_path / "app.json") in str(info.value)
    return info.value


def test_order_is_topological_and_stable(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "C": refs_role("B"),
            "A": role(),
            "B": refs_role("A"),
            "D": role(DependsOn=["C"]),
            "E": role(),
        }
    }
    assert list(deploy(tmp_path, body).resources) == ["A", "B", "C", "D", "E"]


def test_depends_on_string_and_unknown(tmp_path: Path) -> None:
    body = {"Resources": {"A": role(DependsOn="B"), "B": role()}}
    assert list(deploy(tmp_path, body).resources) == ["B", "A"]
    error = failing(tmp_path, {"Resources": {"A": role(DependsOn=["B", "Nope"]), "B": role()}})
    assert error.logical_id == "A"
    assert error.pointer == "/Resources/A/DependsOn/1"
    assert "Unresolved resource dependencies [Nope]" in str(error)


def test_cycle_names_the_logical_ids(tmp_path: Path) -> None:
    body = {"Resources": {"Free": role(), "A": refs_role("C"), "B": refs_role("A"), "C": role(DependsOn="B")}}
    error = failing(tmp_path, body)
    assert "Circular dependency between resources: [A, C, B]" in str(error)


def test_self_reference_is_a_cycle(tmp_path: Path) -> None:
    error = failing(tmp_path, {"Resources": {"A": refs_role("A.Arn")}})
    assert "Circular dependency between resources: [A]" in str(error)


def test_unknown_ref_names_target_and_pointer(tmp_path: Path) -> None:
    props = {**ROLE["Properties"], "Path": {"Fn::Join": ["", ["/", {"Ref": "Ghost"}, "/"]]}}
    error = failing(tmp_path, {"Resources": {"Fn": {"Type": "AWS::IAM::Role", "Properties": props}}})
    assert "Unresolved resource dependencies [Ghost]" in str(error)
    assert error.logical_id == "Fn"
    assert error.pointer == "/Resources/Fn/Properties/Path/Fn::Join/1/1/Ref"
    assert "Fn at /Resources/Fn/Properties/Path/Fn::Join/1/1/Ref" in str(error)


def test_getatt_of_parameter_and_unknown_attribute(tmp_path: Path) -> None:
    body = with_role(
        Parameters={"P": {"Type": "String", "Default": "x"}},
        Resources={"B": refs_role("P.Arn")},
    )
    assert "references undefined resource P" in str(failing(tmp_path, body))
    error = failing(tmp_path, with_role(Resources={"B": refs_role("Role.Nope")}))
    assert "does not support attribute 'Nope'; it has: Arn, RoleId" in str(error)
    assert error.logical_id == "B"


def test_resource_condition_skips_and_ref_to_skipped_is_an_error(tmp_path: Path) -> None:
    conditions = {"On": {"Fn::Equals": [{"Ref": "Flag"}, "on"]}}
    params = {"Flag": {"Type": "String"}}
    body: dict[str, Any] = {
        "Parameters": params,
        "Conditions": conditions,
        "Resources": {
            "Maybe": role(Condition="On"),
            "Guarded": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    **ROLE["Properties"],
                    "RoleName": {"Fn::If": ["On", {"Ref": "Maybe"}, {"Ref": "AWS::NoValue"}]},
                },
            },
        },
    }
    off = deploy(tmp_path, body, ["Flag=off"])
    assert list(off.resources) == ["Guarded"]
    on = deploy(tmp_path, body, ["Flag=on"])
    assert on.resources["Guarded"].physical_id == on.resources["Maybe"].physical_id
    body["Resources"]["Bad"] = refs_role("Maybe")
    error = failing(tmp_path, body, "Flag=off")
    assert "Maybe is not created (its Condition On is false)" in str(error)
    assert error.logical_id == "Bad"


def test_depends_on_a_skipped_resource_is_an_error(tmp_path: Path) -> None:
    body = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {"Maybe": role(Condition="Never"), "A": role(DependsOn="Maybe")},
    }
    assert "DependsOn Maybe, which is not created" in str(failing(tmp_path, body))


def test_outputs_condition_and_export(tmp_path: Path) -> None:
    body = with_role(
        Conditions={"No": {"Fn::Equals": [1, 2]}},
        Outputs={
            "Arn": {
                "Value": {"Fn::GetAtt": ["Role", "Arn"]},
                "Description": "d",
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-arn"}},
            },
            "Hidden": {"Value": "x", "Condition": "No"},
            "Zones": {"Value": {"Fn::GetAZs": ""}},
        },
    )
    stack = deploy(tmp_path, body)
    assert set(stack.outputs) == {"Arn", "Zones"}
    assert stack.outputs["Arn"].export_name == "app-arn"
    assert stack.outputs["Arn"].description == "d"
    assert stack.outputs["Arn"].value == stack.resources["Role"].attributes["Arn"]
    assert stack.outputs["Zones"].value.startswith("us-east-1a,us-east-1b")


def test_output_errors(tmp_path: Path) -> None:
    error = failing(tmp_path, with_role(Outputs={"O": {"Description": "no value"}}))
    assert error.pointer == "/Outputs/O"
    error = failing(tmp_path, with_role(Outputs={"O": {"Value": {"Ref": "Ghost"}}}))
    assert error.pointer == "/Outputs/O/Value/Ref"


def test_unknown_type_lists_supported_types(tmp_path: Path) -> None:
    error = failing(tmp_path, with_role(Resources={"Q": {"Type": "AWS::SQS::Queue"}}))
    assert "unsupported resource type AWS::SQS::Queue" in str(error)
    assert "AWS::Lambda::Function" in str(error)
    assert error.pointer == "/Resources/Q/Type"


def test_skipped_types_warn_and_strict_refuses(tmp_path: Path) -> None:
    body = with_role(
        Resources={
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
            "User": refs_role("Logs.Arn"),
        }
    )
    stack = deploy(tmp_path, body)
    assert stack.warnings == ("Logs: AWS::Logs::LogGroup does nothing locally; skipped",)
    assert stack.resources["Logs"].model is None
    assert stack.resources["User"].physical_id == stack.resources["Logs"].physical_id + ".Arn-x"
    error = failing(tmp_path, body, strict=True)
    assert "strict" in str(error)
    assert error.logical_id == "Logs"


def test_provider_error_carries_file_logical_id_and_pointer(tmp_path: Path) -> None:
    body = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"Path": "x"}}}}
    error = failing(tmp_path, body)
    assert error.logical_id == "Role"
    assert error.pointer == "/Resources/Role/Properties/AssumeRolePolicyDocument"


def test_ids_are_stable_across_runs_and_differ_by_stack(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Role": ROLE,
        }
    }
    first = deploy(tmp_path, body)
    second = deploy(tmp_path, body)
    other = deploy(tmp_path, body, name="other.json")
    assert first.stack_id == second.stack_id
    assert first.resources["Vpc"].physical_id == second.resources["Vpc"].physical_id
    assert first.resources["Role"].physical_id == second.resources["Role"].physical_id
    assert other.resources["Vpc"].physical_id != first.resources["Vpc"].physical_id
    assert first.resources["Role"].physical_id.startswith("app-Role-")


def test_region_and_account_flow_into_arns(tmp_path: Path) -> None:
    stack = deploy(tmp_path, with_role(), region="cn-north-1", account_id="123456789012")
    assert stack.resources["Role"].attributes["Arn"].startswith("arn:aws-cn:iam::123456789012:role/")
    assert stack.stack_id.startswith("arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/app/")


def test_rules_are_reported_as_not_evaluated(tmp_path: Path) -> None:
    body = with_role(Rules={"R": {"Assertions": [{"Assert": {"Fn::Equals": ["a", "a"]}}]}})
    assert deploy(tmp_path, body).warnings == (
        "Rules are not evaluated locally (their assertions are not checked)",
    )
