"""AWS::Lambda::Permission as the gateway checks it: action, principal, function, SourceArn glob,
SourceAccount."""

from __future__ import annotations

import pytest

from vpcgate.functions.model import PermissionSpec
from vpcgate.gateway.integrations.base import MethodPlace
from vpcgate.gateway.integrations.permissions import Permissions, function_name

FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"


def place(method: str = "GET", path: str = "/pets/{id}", stage: str = "prod") -> MethodPlace:
    return MethodPlace("us-east-1", "000000000000", "abc123", stage, method, path, {})


def permission(source_arn: str | None = None, **fields: str) -> PermissionSpec:
    values = {
        "function_name": FN_ARN,
        "action": "lambda:InvokeFunction",
        "principal": "apigateway.amazonaws.com",
    }
    values.update(fields)
    return PermissionSpec(logical_id="P", source_arn=source_arn, **values)


def test_the_method_arn_is_awss() -> None:
    assert place().source_arn == "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/pets/{id}"
    assert place(path="/").source_arn.endswith("abc123/prod/GET/")


@pytest.mark.parametrize(
    ("source_arn", "allowed"),
    [
        (None, True),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/*", True),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/pets/*", True),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/*", False),
        ("arn:aws:execute-api:us-east-1:000000000000:other/*", False),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/pro?/GET/*", True),
    ],
)
def test_source_arn_globs(source_arn: str | None, allowed: bool) -> None:
    assert Permissions([permission(source_arn)])(place(), "fn") is allowed


def test_function_action_principal_and_account_must_match() -> None:
    assert not Permissions([])(place(), "fn")
    assert not Permissions([permission(function_name="other")])(place(), "fn")
    assert not Permissions([permission(action="lambda:GetFunction")])(place(), "fn")
    assert not Permissions([permission(principal="s3.amazonaws.com")])(place(), "fn")
    assert Permissions([permission(action="lambda:*", principal="*")])(place(), "fn")
    assert not Permissions([permission(source_account="111111111111")])(place(), "fn")
    assert Permissions([permission(function_name="fn:live")])(place(), "fn")


@pytest.mark.parametrize("reference", ["fn", "fn:live", "000000000000:function:fn", FN_ARN, FN_ARN + ":3"])
def test_function_names(reference: str) -> None:
    assert function_name(reference) == "fn"
