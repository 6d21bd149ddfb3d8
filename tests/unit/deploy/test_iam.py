"""AWS::IAM::* are recorded with AWS-shaped names and ARNs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcgate.errors import TemplateError

from .helpers import ROLE, deploy

DOC = {"Version": "2012-10-17", "Statement": []}


def test_iam_family(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {**ROLE["Properties"], "RoleName": "r", "Path": "/svc/"},
            },
            "Inline": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"PolicyName": "p", "PolicyDocument": DOC, "Roles": [{"Ref": "Role"}]},
            },
            "Managed": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": DOC, "ManagedPolicyName": "m"},
            },
            "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}},
        }
    }
    stack = deploy(tmp_path, body)
    role = stack.resources["Role"]
    assert role.physical_id == "r"
    assert role.attributes["Arn"] == "arn:aws:iam::000000000000:role/svc/r"
    assert str(role.attributes["RoleId"]).startswith("AROA") and len(role.attributes["RoleId"]) == 21
    assert stack.resources["Managed"].physical_id == "arn:aws:iam::000000000000:policy/m"
    assert str(stack.resources["Profile"].attributes["Arn"]).startswith(
        "arn:aws:iam::000000000000:instance-profile/app-Profile-"
    )


def test_role_path_must_be_slashed(tmp_path: Path) -> None:
    body = {
        "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {**ROLE["Properties"], "Path": "svc"}}}
    }
    with pytest.raises(TemplateError, match="begin and end with '/'") as info:
        deploy(tmp_path, body)
    assert info.value.pointer == "/Resources/Role/Properties/Path"
