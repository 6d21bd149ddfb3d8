"""Templates in JSON and YAML (short tags), and the errors a bad file gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcgate.deploy.stacks import deploy_stacks
from vpcgate.deploy.template import load_template, parse_text
from vpcgate.errors import TemplateError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "deploy"


def test_yaml_short_tags_become_long_forms() -> None:
    body = parse_text(
        "\n".join(
            [
                "A: !Ref P",
                "B: !Sub 'x-${P}'",
                "C: !Sub ['${a}', {a: !Ref P}]",
                "D: !GetAtt Res.Endpoint.Address",
                "E: !GetAtt [Res, Arn]",
                "F: !Join ['', [a, b]]",
                "G: !Select [0, !Split [',', 'a,b']]",
                "H: !If [Cond, !Equals [a, b], !Not [!Condition Other]]",
                "I: !And [!Or [!Condition A, !Condition B], !Condition C]",
                "J: !FindInMap [M, k1, k2]",
                "K: !Base64 text",
                "L: !GetAZs ''",
                "M: !Cidr [10.0.0.0/16, 2, 8]",
                "N: !ImportValue Exported",
                "O: !Transform {Name: AWS::Include}",
            ]
        ),
        "t.yaml",
    )
    assert body == {
        "A": {"Ref": "P"},
        "B": {"Fn::Sub": "x-${P}"},
        "C": {"Fn::Sub": ["${a}", {"a": {"Ref": "P"}}]},
        "D": {"Fn::GetAtt": ["Res", "Endpoint.Address"]},
        "E": {"Fn::GetAtt": ["Res", "Arn"]},
        "F": {"Fn::Join": ["", ["a", "b"]]},
        "G": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
        "H": {"Fn::If": ["Cond", {"Fn::Equals": ["a", "b"]}, {"Fn::Not": [{"Condition": "Other"}]}]},
        "I": {"Fn::And": [{"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}, {"Condition": "C"}]},
        "J": {"Fn::FindInMap": ["M", "k1", "k2"]},
        "K": {"Fn::Base64": "text"},
        "L": {"Fn::GetAZs": ""},
        "M": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
        "N": {"Fn::ImportValue": "Exported"},
        "O": {"Fn::Transform": {"Name": "AWS::Include"}},
    }


def test_yaml_dates_stay_text() -> None:
    assert parse_text("AWSTemplateFormatVersion: 2010-09-09\n", "t.yml") == {
        "AWSTemplateFormatVersion": "2010-09-09"
    }


def test_yaml_fixture_deploys_like_its_json_twin() -> None:
    overrides = {"Env": "prod"}
    (from_yaml,) = deploy_stacks([FIXTURES / "network.yaml"], overrides)
    (from_json,) = deploy_stacks([FIXTURES / "network.json"], overrides)
    assert from_yaml.outputs == from_json.outputs
    assert {k: d.attributes for k, d in from_yaml.resources.items()} == {
        k: d.attributes for k, d in from_json.resources.items()
    }
    assert from_yaml.outputs["FunctionArn"].value == (
        "arn:aws:lambda:us-east-1:000000000000:function:network-prod-fn"
    )


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.json", '{"Resources": {\n  "A": [1,,]}}', "line 2"),
        ("bad.yaml", "Resources:\n  A: [1,\n  B: 2\n", "line 4"),
        ("dup.json", '{"Resources": {}, "Resources": {}}', "duplicate key 'Resources'"),
        ("dup.yaml", "Resources:\n  A: 1\n  A: 2\n", "line 3: duplicate key 'A'"),
    ],
)
def test_unparsable_file_names_file_and_line(tmp_path: Path, name: str, text: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert str(path) in str(info.value)
    assert where in str(info.value)


def test_getatt_short_form_needs_a_dot(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  A:\n    Type: X\n    Properties: {V: !GetAtt Nodot}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="line 4"):
        load_template(path)


def test_missing_file_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read template"):
        load_template(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("text", "message", "pointer"),
    [
        ("[]", "must be a JSON or YAML object", ""),
        ('{"Resources": {}}', "At least one Resources member", "/Resources"),
        ('{"Resources": {"A": {"Type": "X"}}, "Bogus": 1}', "Invalid template property", "/Bogus"),
        ('{"Resources": {"A-b": {"Type": "X"}}}', "alphanumeric", "/Resources/A-b"),
        ('{"Resources": {"A": {"Properties": {}}}}', "no Type", "/Resources/A"),
        ('{"Resources": {"A": {"Type": "X", "Propertes": {}}}}', "Propertes", "/Resources/A/Propertes"),
        (
            '{"Parameters": {"A": {"Type": "String"}}, "Resources": {"A": {"Type": "X"}}}',
            "both",
            "/Resources/A",
        ),
        (
            '{"Transform": "AWS::Serverless-2016-10-31", "Resources": {"A": {"Type": "X"}}}',
            "not supported",
            "/Transform",
        ),
    ],
)
def test_structure_errors(tmp_path: Path, text: str, message: str, pointer: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert message in str(info.value)
    assert info.value.file == str(path)
    assert info.value.pointer == pointer


def test_serverless_transform_says_sam_is_not_supported(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  A: {Type: X}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"AWS::Serverless \(SAM\) transform"):
        load_template(path)


def test_sniffs_format_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "template"
    path.write_text("Resources:\n  A:\n    Type: X\n", encoding="utf-8")
    assert load_template(path).resources == {"A": {"Type": "X"}}


def test_fn_transform_anywhere_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match="Fn::Transform is not supported") as info:
        load_template(path)
    assert info.value.pointer == "/Resources/A/Properties/Fn::Transform"
