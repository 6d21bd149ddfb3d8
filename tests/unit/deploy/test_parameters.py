"""Parameters: overrides as SAM writes them, types, every constraint, NoEcho masking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcgate.deploy.parameters import ParameterValue, parse_overrides
from vpcgate.errors import ParameterError

from .helpers import deploy, with_role


def params(tmp_path: Path, spec: dict[str, Any], *overrides: str) -> dict[str, str]:
    body = with_role(Parameters={"P": spec})
    return dict(deploy(tmp_path, body, list(overrides)).parameters)


def rejected(tmp_path: Path, spec: dict[str, Any], value: str) -> ParameterError:
    body = with_role(Parameters={"P": spec})
    with pytest.raises(ParameterError) as info:
        deploy(tmp_path, body, [f"P={value}"])
    assert info.value.pointer == "/Parameters/P"
    assert str(tmp_path / "app.json") in str(info.value)
    return info.value


# ------------------------------------------------------------------------------------ overrides


def test_overrides_both_forms_values_keep_equals_and_commas() -> None:
    tokens = ["A=1", "B=x=y,z", "ParameterKey=C,ParameterValue=p,q=r", "D="]
    assert parse_overrides(tokens) == {"A": "1", "B": "x=y,z", "C": "p,q=r", "D": ""}


def test_overrides_last_one_wins() -> None:
    assert parse_overrides(["A=1", "A=2"]) == {"A": "2"}


@pytest.mark.parametrize("token", ["novalue", "=1", "ParameterKey=A", "ParameterKey=A,Value=1"])
def test_bad_override_tokens(token: str) -> None:
    with pytest.raises(ParameterError, match="bad parameter override"):
        parse_overrides([token])


def test_unknown_override_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"Parameters: \[Nope\] do not exist"):
        deploy(tmp_path, with_role(), ["Nope=1"])


def test_all_missing_parameters_are_named(tmp_path: Path) -> None:
    body = with_role(
        Parameters={"A": {"Type": "String"}, "B": {"Type": "Number"}, "C": {"Type": "String", "Default": "c"}}
    )
    with pytest.raises(ParameterError, match=r"Parameters: \[A, B\] must have values") as info:
        deploy(tmp_path, body)
    assert info.value.file == str(tmp_path / "app.json")


# ------------------------------------------------------------------------------------ types


def test_string_default_and_override(tmp_path: Path) -> None:
    assert params(tmp_path, {"Type": "String", "Default": "d"}) == {"P": "d"}
    assert params(tmp_path, {"Type": "String", "Default": "d"}, "P=") == {"P": ""}


def test_number_refs_as_string(tmp_path: Path) -> None:
    body = with_role(
        Parameters={"P": {"Type": "Number", "Default": 8080}}, Outputs={"O": {"Value": {"Ref": "P"}}}
    )
    assert deploy(tmp_path, body).outputs["O"].value == "8080"
    assert params(tmp_path, {"Type": "Number"}, "P=-1.5") == {"P": "-1.5"}
    assert "must be a number" in str(rejected(tmp_path, {"Type": "Number"}, "ten"))
    assert "finite" in str(rejected(tmp_path, {"Type": "Number"}, "nan"))


def test_list_types_ref_as_lists(tmp_path: Path) -> None:
    body = with_role(
        Parameters={
            "Names": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
            "Ports": {"Type": "List<Number>", "Default": "80, 443"},
            "Groups": {
                "Type": "List<AWS::EC2::SecurityGroup::Id>",
                "Default": "sg-0123abcd, sg-0123456789abcdef0",
            },
        },
        Outputs={
            "Second": {"Value": {"Fn::Select": [1, {"Ref": "Names"}]}},
            "Ports": {"Value": {"Fn::Join": ["|", {"Ref": "Ports"}]}},
            "Groups": {"Value": {"Fn::Join": ["|", {"Ref": "Groups"}]}},
        },
    )
    stack = deploy(tmp_path, body)
    assert stack.outputs["Second"].value == " b"  # CommaDelimitedList items are kept as written
    assert stack.outputs["Ports"].value == "80|443"
    assert stack.outputs["Groups"].value == "sg-0123abcd|sg-0123456789abcdef0"
    assert stack.parameters["Ports"] == "80,443"
    assert "must be a number" in str(rejected(tmp_path, {"Type": "List<Number>"}, "1,x"))


@pytest.mark.parametrize(
    ("ptype", "good", "bad"),
    [
        ("AWS::EC2::SecurityGroup::Id", "sg-0123456789abcdef0", "sg-xyz"),
        ("AWS::EC2::Subnet::Id", "subnet-0123abcd", "sg-0123abcd"),
        ("AWS::EC2::VPC::Id", "vpc-0123456789abcdef0", "vpc-0123"),
        ("AWS::EC2::Instance::Id", "i-0123456789abcdef0", "i-"),
        ("AWS::EC2::Image::Id", "ami-0123abcd", "ami-0123abcdx"),
        ("AWS::EC2::KeyPair::KeyName", "my-key", ""),
        ("List<AWS::EC2::Subnet::Id>", "subnet-0123abcd,subnet-0123abce", "subnet-0123abcd,subnet-1"),
    ],
)
def test_aws_specific_types_check_their_shape(tmp_path: Path, ptype: str, good: str, bad: str) -> None:
    assert params(tmp_path, {"Type": ptype}, f"P={good}") == {"P": good}
    rejected(tmp_path, {"Type": ptype}, bad)


def test_unknown_type_lists_supported(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="supported: CommaDelimitedList") as info:
        deploy(tmp_path, with_role(Parameters={"P": {"Type": "Strin"}}), ["P=1"])
    assert info.value.pointer == "/Parameters/P/Type"


def test_ssm_types_are_refused(tmp_path: Path) -> None:
    spec = {"Type": "AWS::SSM::Parameter::Value<String>"}
    with pytest.raises(ParameterError, match="Systems Manager"):
        deploy(tmp_path, with_role(Parameters={"P": spec}), ["P=x"])


# ------------------------------------------------------------------------------------ constraints


def test_allowed_values(tmp_path: Path) -> None:
    spec = {"Type": "String", "AllowedValues": ["dev", "prod"]}
    assert params(tmp_path, spec, "P=dev") == {"P": "dev"}
    assert "must be one of ['dev', 'prod']" in str(rejected(tmp_path, spec, "test"))


def test_allowed_values_on_numbers_written_as_numbers(tmp_path: Path) -> None:
    spec = {"Type": "Number", "AllowedValues": [1, 2]}
    assert params(tmp_path, spec, "P=2") == {"P": "2"}
    rejected(tmp_path, spec, "3")


def test_allowed_pattern_matches_whole_value(tmp_path: Path) -> None:
    spec = {"Type": "String", "AllowedPattern": "[a-z]+"}
    assert params(tmp_path, spec, "P=abc") == {"P": "abc"}
    assert "must match pattern [a-z]+" in str(rejected(tmp_path, spec, "abc1"))
    rejected(tmp_path, spec, "1abc")


def test_allowed_pattern_applies_to_each_list_item(tmp_path: Path) -> None:
    spec = {"Type": "CommaDelimitedList", "AllowedPattern": "[a-z]+"}
    assert params(tmp_path, spec, "P=a,b") == {"P": "a,b"}
    rejected(tmp_path, spec, "a,B")


def test_lengths(tmp_path: Path) -> None:
    spec = {"Type": "String", "MinLength": 2, "MaxLength": "3"}
    assert params(tmp_path, spec, "P=abc") == {"P": "abc"}
    assert "at least 2" in str(rejected(tmp_path, spec, "a"))
    assert "at most 3" in str(rejected(tmp_path, spec, "abcd"))


def test_values(tmp_path: Path) -> None:
    spec = {"Type": "Number", "MinValue": 1, "MaxValue": 10.5}
    assert params(tmp_path, spec, "P=10.5") == {"P": "10.5"}
    assert "not less than 1" in str(rejected(tmp_path, spec, "0"))
    assert "not greater than 10.5" in str(rejected(tmp_path, spec, "11"))
    rejected(tmp_path, {"Type": "List<Number>", "MaxValue": 5}, "1,6")


def test_constraint_description_is_the_message(tmp_path: Path) -> None:
    spec = {"Type": "String", "AllowedPattern": "[0-9]+", "ConstraintDescription": "digits only"}
    error = rejected(tmp_path, spec, "abc")
    assert "Parameter 'P' failed to satisfy constraint: digits only" in str(error)


def test_default_is_checked_too(tmp_path: Path) -> None:
    body = with_role(Parameters={"P": {"Type": "String", "Default": "x", "AllowedValues": ["a"]}})
    with pytest.raises(ParameterError, match="must be one of"):
        deploy(tmp_path, body)


def test_bad_spec_property(tmp_path: Path) -> None:
    body = with_role(Parameters={"P": {"Type": "String", "MinLenght": 1}})
    with pytest.raises(ParameterError, match="MinLenght") as info:
        deploy(tmp_path, body, ["P=x"])
    assert info.value.pointer == "/Parameters/P/MinLenght"


# ------------------------------------------------------------------------------------ NoEcho


def test_no_echo_is_masked_everywhere_printed(tmp_path: Path) -> None:
    body = with_role(Parameters={"Secret": {"Type": "String", "NoEcho": True}})
    stack = deploy(tmp_path, body, ["Secret=hunter2"])
    assert stack.parameters["Secret"] == "hunter2"
    assert stack.no_echo == frozenset({"Secret"})
    assert stack.masked_parameters() == {"Secret": "****"}
    assert "hunter2" not in repr(stack)
    value = ParameterValue("hunter2", no_echo=True)
    assert "hunter2" not in str(value) + repr(value)


def test_no_echo_value_not_in_constraint_errors(tmp_path: Path) -> None:
    spec = {"Type": "String", "NoEcho": "true", "AllowedValues": ["a"]}
    error = rejected(tmp_path, spec, "hunter2")
    assert "hunter2" not in str(error)
    assert "****" in str(error)
