"""Every intrinsic function, against the behaviour the AWS intrinsic function reference documents."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpcgate.deploy.intrinsics import NO_VALUE
from vpcgate.errors import TemplateError

from .helpers import evaluator


def ev(expr: Any, names: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return evaluator(names, **kwargs).resolve(expr, "/X")


def fails(expr: Any, names: dict[str, Any] | None = None, **kwargs: Any) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        ev(expr, names, **kwargs)
    return info.value


# ------------------------------------------------------------------------------------ Ref, pseudo


def test_pseudo_parameters() -> None:
    assert ev({"Ref": "AWS::Region"}) == "us-east-1"
    assert ev({"Ref": "AWS::AccountId"}) == "000000000000"
    assert ev({"Ref": "AWS::StackName"}) == "s"
    assert ev({"Ref": "AWS::Partition"}) == "aws"
    assert ev({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert ev({"Ref": "AWS::NotificationARNs"}) == []
    stack_id = ev({"Ref": "AWS::StackId"})
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:000000000000:stack/s/")
    assert stack_id == ev({"Ref": "AWS::StackId"})


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [("cn-north-1", "aws-cn", "amazonaws.com.cn"), ("us-gov-west-1", "aws-us-gov", "amazonaws.com")],
)
def test_partitions(region: str, partition: str, suffix: str) -> None:
    assert ev({"Ref": "AWS::Partition"}, region=region) == partition
    assert ev({"Ref": "AWS::URLSuffix"}, region=region) == suffix
    assert ev({"Ref": "AWS::StackId"}, region=region).startswith(f"arn:{partition}:cloudformation:{region}:")


def test_no_value_removes_keys_and_items() -> None:
    expr = {"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}, 2], "c": "x"}
    assert ev(expr) == {"b": [1, 2], "c": "x"}
    assert ev({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_ref_of_parameter_outside_resources_scope() -> None:
    assert ev({"Ref": "P"}, {"P": "v"}) == "v"
    assert "only parameters" in str(fails({"Ref": "Missing"}))
    assert fails({"Ref": ["P"]}).pointer == "/X/Ref"


# ------------------------------------------------------------------------------------ Join, Split, Select


def test_join() -> None:
    assert ev({"Fn::Join": ["-", ["a", 1, True, {"Ref": "P"}]]}, {"P": "p"}) == "a-1-true-p"
    assert ev({"Fn::Join": [",", {"Ref": "L"}]}, {"L": ["x", "y"]}) == "x,y"
    assert ev({"Fn::Join": ["", []]}) == ""
    assert fails({"Fn::Join": ["-", [["nested"]]]}).pointer == "/X/Fn::Join/1/0"
    assert "requires" in str(fails({"Fn::Join": "abc"}))


def test_split_and_select() -> None:
    assert ev({"Fn::Split": ["|", "a|b||c"]}) == ["a", "b", "", "c"]
    assert ev({"Fn::Select": ["1", {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert ev({"Fn::Select": [0, {"Fn::GetAZs": ""}]}) == "us-east-1a"
    assert "out of bounds" in str(fails({"Fn::Select": [3, ["a", "b", "c"]]}))
    assert "out of bounds" in str(fails({"Fn::Select": [-1, ["a"]]}))
    assert "empty" in str(fails({"Fn::Split": ["", "abc"]}))
    assert "must be an integer" in str(fails({"Fn::Select": ["one", ["a"]]}))


_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
_delimiter = st.text(alphabet="-,|:;/ ab", min_size=1, max_size=3)


@given(_delimiter, st.lists(_text, max_size=8))
def test_split_of_join_round_trips(delimiter: str, parts: list[str]) -> None:
    joined = ev({"Fn::Join": [delimiter, parts]})
    assert joined == delimiter.join(parts)
    assert ev({"Fn::Join": [delimiter, {"Fn::Split": [delimiter, joined]}]}) == joined


@given(_delimiter, _text)
def test_split_matches_python(delimiter: str, source: str) -> None:
    assert ev({"Fn::Split": [delimiter, source]}) == source.split(delimiter)


@given(st.lists(_text, max_size=8), st.integers(min_value=-10, max_value=20))
def test_select_picks_what_python_indexing_picks(values: list[str], index: int) -> None:
    if 0 <= index < len(values):
        assert ev({"Fn::Select": [index, values]}) == values[index]
        assert ev({"Fn::Select": [str(index), values]}) == values[index]
    else:
        with pytest.raises(TemplateError, match="out of bounds"):
            ev({"Fn::Select": [index, values]})


# ------------------------------------------------------------------------------------ Sub


def test_sub_forms() -> None:
    names = {"P": "p"}
    assert ev({"Fn::Sub": "${AWS::Region}-${P}"}, names) == "us-east-1-p"
    assert ev({"Fn::Sub": ["${a}/${P}", {"a": {"Fn::Join": ["", ["x", "y"]]}}]}, names) == "xy/p"
    assert ev({"Fn::Sub": "${!Literal} and ${!AWS::Region}"}) == "${Literal} and ${AWS::Region}"
    assert ev({"Fn::Sub": "cost $5 {x} $ {y}"}) == "cost $5 {x} $ {y}"
    assert ev({"Fn::Sub": ["${P}", {"P": "shadowed"}]}, names) == "shadowed"


def test_sub_errors() -> None:
    assert "literally" in str(fails({"Fn::Sub": {"Ref": "P"}}, {"P": "x"}))
    assert "must be a string" in str(fails({"Fn::Sub": "${L}"}, {"L": ["a"]}))
    assert "empty variable" in str(fails({"Fn::Sub": "${}"}))
    assert "requires" in str(fails({"Fn::Sub": ["a", "b"]}))


_plain = st.text(alphabet=st.characters(blacklist_characters="$", blacklist_categories=["Cs"]), max_size=40)


@given(_plain)
def test_sub_without_variables_is_identity(text: str) -> None:
    assert ev({"Fn::Sub": text}) == text


@given(
    st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}", fullmatch=True), _plain, max_size=4), _plain
)
def test_sub_substitutes_each_variable(variables: dict[str, str], glue: str) -> None:
    source = glue.join("${" + name + "}" for name in variables)
    assert ev({"Fn::Sub": [source, variables]}) == glue.join(variables.values())


# ------------------------------------------------------------------------------------ conditions


CONDITIONS = {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
    "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["1", 1]}]},
    "Either": {"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": ["a", "b"]}]},
}


@pytest.mark.parametrize(("env", "prod"), [("prod", True), ("dev", False)])
def test_condition_functions(env: str, prod: bool) -> None:
    e = evaluator({"Env": env}, conditions=CONDITIONS)
    assert e.scope.condition("IsProd", "") is prod
    assert e.scope.condition("IsDev", "") is not prod
    assert e.scope.condition("Both", "") is prod
    assert e.scope.condition("Either", "") is not prod
    assert e.resolve({"Fn::If": ["IsProd", "big", "small"]}, "") == ("big" if prod else "small")


def test_if_evaluates_only_the_chosen_branch() -> None:
    expr = {"Fn::If": ["IsProd", {"Ref": "NotAResource"}, "fallback"]}
    assert ev(expr, {"Env": "dev"}, conditions=CONDITIONS) == "fallback"
    assert (
        ev({"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]}, {"Env": "dev"}, conditions=CONDITIONS)
        is NO_VALUE
    )


def test_equals_compares_lists_and_text() -> None:
    assert ev({"Fn::Equals": [["a", 1], ["a", "1"]]}) is True
    assert ev({"Fn::Equals": [True, "true"]}) is True
    assert ev({"Fn::Equals": ["a", "A"]}) is False


def test_and_or_take_two_to_ten() -> None:
    assert "2 to 10" in str(fails({"Fn::And": [{"Fn::Equals": [1, 1]}]}))
    assert "2 to 10" in str(fails({"Fn::Or": [{"Fn::Equals": [1, 1]}] * 11}))
    assert ev({"Fn::Or": [{"Fn::Equals": [1, 2]}] * 9 + [{"Fn::Equals": [1, 1]}]}) is True
    assert "exactly one" in str(fails({"Fn::Not": [{"Fn::Equals": [1, 1]}] * 2}))


def test_condition_errors() -> None:
    assert "not defined" in str(fails({"Fn::If": ["Nope", 1, 2]}))
    circular = {"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::Not": [{"Condition": "A"}]}}
    assert "Circular condition dependency: A -> B -> A" in str(
        fails({"Fn::If": ["A", 1, 2]}, conditions=circular)
    )
    assert "condition function" in str(fails({"Fn::And": ["x", "y"]}))


# ------------------------------------------------------------------------------------ lookups and the rest


MAPPINGS = {"Region": {"us-east-1": {"Ami": "ami-1", "Zones": ["a", "b"]}, "2": {"Key": "two"}}}


def test_find_in_map() -> None:
    assert ev({"Fn::FindInMap": ["Region", {"Ref": "AWS::Region"}, "Ami"]}, mappings=MAPPINGS) == "ami-1"
    assert ev({"Fn::FindInMap": ["Region", "us-east-1", "Zones"]}, mappings=MAPPINGS) == ["a", "b"]
    assert "not present" in str(fails({"Fn::FindInMap": ["Nope", "a", "b"]}, mappings=MAPPINGS))
    assert (
        fails({"Fn::FindInMap": ["Region", "eu", "Ami"]}, mappings=MAPPINGS).pointer == "/X/Fn::FindInMap/1"
    )
    assert (
        fails({"Fn::FindInMap": ["Region", "us-east-1", "X"]}, mappings=MAPPINGS).pointer
        == "/X/Fn::FindInMap/2"
    )


def test_base64() -> None:
    assert (
        ev({"Fn::Base64": {"Fn::Sub": "#!/bin/sh\necho ${AWS::Region}"}})
        == base64.b64encode(b"#!/bin/sh\necho us-east-1").decode()
    )


def test_get_azs() -> None:
    assert ev({"Fn::GetAZs": ""}) == [f"us-east-1{c}" for c in "abcdef"]
    assert ev({"Fn::GetAZs": {"Ref": "AWS::Region"}}) == ev({"Fn::GetAZs": ""})
    assert ev({"Fn::GetAZs": "eu-west-1"}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_cidr_matches_aws_examples() -> None:
    assert ev({"Fn::Cidr": ["192.168.0.0/24", "6", "5"]}) == [
        "192.168.0.0/27",
        "192.168.0.32/27",
        "192.168.0.64/27",
        "192.168.0.96/27",
        "192.168.0.128/27",
        "192.168.0.160/27",
    ]
    assert ev({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert ev({"Fn::Cidr": ["2001:db8::/56", 2, 64]}) == ["2001:db8::/64", "2001:db8:0:1::/64"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["10.0.0.0/24", 0, 4], "between 1 and 256"),
        (["10.0.0.0/24", 257, 1], "between 1 and 256"),
        (["10.0.0.0/24", 1, 9], "larger than"),
        (["10.0.0.0/24", 17, 4], "holds only 16"),
        (["nonsense", 1, 4], "not a CIDR"),
    ],
)
def test_cidr_errors(args: list[Any], message: str) -> None:
    assert message in str(fails({"Fn::Cidr": args}))


def test_import_value() -> None:
    assert ev({"Fn::ImportValue": {"Fn::Sub": "${AWS::Region}-x"}}, exports={"us-east-1-x": "v"}) == "v"
    assert "No export named y found" in str(fails({"Fn::ImportValue": "y"}))


@pytest.mark.parametrize("name", ["Fn::Transform", "Fn::Length", "Fn::ToJsonString"])
def test_unsupported_functions(name: str) -> None:
    error = fails({"a": {name: {"Name": "x"}}})
    assert "not supported" in str(error)
    assert error.pointer == f"/X/a/{name}"
