"""Resource policies: conditions, and AWS's authorization flow tables with every kind of authorization."""

from __future__ import annotations

from typing import Any

import pytest

from vpcgate.gateway.authorizers.arn import method_arn
from vpcgate.gateway.authorizers.conditions import RequestFacts, parse_conditions
from vpcgate.gateway.authorizers.flow import AuthKind, decide, pre_authorize
from vpcgate.gateway.authorizers.policy import Caller, Decision, Policy, evaluate, parse_policy
from vpcgate.gateway.errors import AccessDeniedError

ARN = method_arn(
    region="us-east-1",
    account_id="123456789012",
    api_id="abc123",
    stage="prod",
    http_method="get",
    path="/pets/1",
)
ANON = Caller()
HERE = RequestFacts(source_ip="192.0.2.10")


def policy(effect: str, condition: dict[str, Any] | None = None) -> Policy:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/*",
    }
    if condition is not None:
        statement["Condition"] = condition
    return parse_policy({"Version": "2012-10-17", "Statement": [statement]})


def test_method_arn_forms() -> None:
    assert str(ARN) == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/1"
    assert ARN.masked == "arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets/1"
    root = method_arn(region="r", account_id="1", api_id="a", stage="s", http_method="POST", path="/")
    assert str(root) == "arn:aws:execute-api:r:1:a/s/POST/"


@pytest.mark.parametrize(
    ("condition", "ip", "expected"),
    [
        ({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}, "192.0.2.10", True),
        ({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}, "203.0.113.1", False),
        ({"IpAddress": {"aws:SourceIp": "192.0.2.10"}}, "192.0.2.10", True),
        ({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, "192.0.2.10", False),
        ({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, "10.1.1.1", True),
        ({"IpAddress": {"aws:sourceip": "2001:db8::/32"}}, "2001:db8::1", True),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, "192.0.2.10", False),
    ],
)
def test_ip_conditions(condition: dict[str, Any], ip: str, expected: bool) -> None:
    assert parse_conditions(condition).holds(RequestFacts(source_ip=ip)) is expected


def test_vpc_conditions_and_missing_keys() -> None:
    equals = parse_conditions({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    not_equals = parse_conditions({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    through = RequestFacts(source_ip="10.0.0.5", source_vpce="vpce-1a2b3c4d")
    public = RequestFacts(source_ip="10.0.0.5")
    assert equals.holds(through) and not equals.holds(public)
    assert not not_equals.holds(through) and not_equals.holds(public)  # a missing key satisfies "Not"
    like = parse_conditions({"StringLike": {"aws:SourceVpc": "vpc-2f*"}})
    assert like.holds(RequestFacts(source_ip="x", source_vpc="vpc-2f09a348"))
    assert not like.holds(RequestFacts(source_ip="x", source_vpc="vpc-3"))
    if_exists = parse_conditions({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}})
    assert if_exists.holds(public)
    assert not if_exists.holds(RequestFacts(source_ip="x", source_vpc="vpc-2"))


def test_every_operator_and_key_must_hold() -> None:
    both = parse_conditions(
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEqualsIgnoreCase": {"aws:SourceVpc": "VPC-1"}}
    )
    assert both.holds(RequestFacts(source_ip="10.1.2.3", source_vpc="vpc-1"))
    assert not both.holds(RequestFacts(source_ip="11.1.2.3", source_vpc="vpc-1"))
    assert not both.holds(RequestFacts(source_ip="10.1.2.3", source_vpc="vpc-2"))


@pytest.mark.parametrize(
    "condition",
    [{"NumericEquals": {"x": "1"}}, {"IpAddress": {"aws:SourceIp": "not-an-ip"}}, {"IpAddress": []}, []],
)
def test_unsupported_conditions_are_refused(condition: Any) -> None:
    with pytest.raises(ValueError):
        parse_conditions(condition)


def test_resource_policy_only() -> None:
    allow_office = policy("Allow", {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})
    decide(
        AuthKind.NONE,
        Decision.NEITHER,
        allow_office,
        ARN,
        caller=ANON,
        facts=HERE,
        api_account_id="123456789012",
    )
    with pytest.raises(AccessDeniedError) as caught:
        decide(
            AuthKind.NONE,
            Decision.NEITHER,
            allow_office,
            ARN,
            caller=ANON,
            facts=RequestFacts(source_ip="203.0.113.9"),
            api_account_id="123456789012",
        )
    assert caught.value.status == 403
    assert caught.value.message == (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        "arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets/1"
    )
    with pytest.raises(AccessDeniedError) as explicit:
        decide(
            AuthKind.NONE, Decision.NEITHER, policy("Deny"), ARN, caller=ANON, facts=HERE, api_account_id="1"
        )
    assert explicit.value.message is not None and explicit.value.message.endswith(" with an explicit deny")


def test_no_resource_policy_no_authorizer_passes() -> None:
    decide(AuthKind.NONE, Decision.NEITHER, None, ARN, caller=ANON, facts=HERE, api_account_id="1")


def test_lambda_authorizer_without_resource_policy() -> None:
    decide(AuthKind.LAMBDA, Decision.ALLOW, None, ARN, caller=ANON, facts=HERE, api_account_id="1")
    with pytest.raises(AccessDeniedError) as deny:
        decide(AuthKind.LAMBDA, Decision.DENY, None, ARN, caller=ANON, facts=HERE, api_account_id="1")
    assert deny.value.message == "User is not authorized to access this resource with an explicit deny"
    with pytest.raises(AccessDeniedError) as neither:
        decide(AuthKind.LAMBDA, Decision.NEITHER, None, ARN, caller=ANON, facts=HERE, api_account_id="1")
    assert neither.value.message == "User is not authorized to access this resource"


RESOURCE = {
    "Allow": policy("Allow"),
    "Neither": policy("Allow", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    "Deny": policy("Deny"),
}
TABLE_A = [
    ("ALLOW", "Allow", True),
    ("ALLOW", "Neither", True),
    ("ALLOW", "Deny", False),
    ("NEITHER", "Allow", True),
    ("NEITHER", "Neither", False),
    ("NEITHER", "Deny", False),
    ("DENY", "Allow", False),
    ("DENY", "Neither", False),
    ("DENY", "Deny", False),
]


@pytest.mark.parametrize(("authorizer", "resource", "allowed"), TABLE_A)
def test_table_a_lambda_authorizer_and_resource_policy(authorizer: str, resource: str, allowed: bool) -> None:
    assert evaluate(RESOURCE[resource], str(ARN), facts=HERE).value == resource
    outcome = _outcome(AuthKind.LAMBDA, Decision[authorizer], RESOURCE[resource], ANON)
    assert outcome is allowed


@pytest.mark.parametrize(("authorizer", "resource", "allowed"), TABLE_A)
def test_table_a_same_account_iam(authorizer: str, resource: str, allowed: bool) -> None:
    me = Caller("123456789012", "arn:aws:iam::123456789012:user/me")
    assert _outcome(AuthKind.IAM, Decision[authorizer], RESOURCE[resource], me) is allowed


@pytest.mark.parametrize(("resource", "allowed"), [("Allow", True), ("Neither", False), ("Deny", False)])
def test_table_b_cross_account_iam_needs_both(resource: str, allowed: bool) -> None:
    other = Caller("999988887777", "arn:aws:iam::999988887777:user/them")
    assert _outcome(AuthKind.IAM, Decision.ALLOW, RESOURCE[resource], other) is allowed


@pytest.mark.parametrize(("resource", "allowed"), [("Allow", True), ("Neither", False), ("Deny", False)])
def test_cognito_needs_an_explicit_allow(resource: str, allowed: bool) -> None:
    assert _outcome(AuthKind.COGNITO, Decision.ALLOW, RESOURCE[resource], ANON) is allowed


def test_iam_caller_is_named_in_the_message() -> None:
    me = Caller("123456789012", "arn:aws:iam::123456789012:user/me")
    with pytest.raises(AccessDeniedError) as caught:
        decide(
            AuthKind.IAM,
            Decision.ALLOW,
            RESOURCE["Deny"],
            ARN,
            caller=me,
            facts=HERE,
            api_account_id="123456789012",
        )
    assert caught.value.message is not None
    assert caught.value.message.startswith("User: arn:aws:iam::123456789012:user/me is not authorized")


def test_pre_authorize_stops_only_explicit_denies() -> None:
    pre_authorize(None, ARN, caller=ANON, facts=HERE)
    pre_authorize(RESOURCE["Neither"], ARN, caller=ANON, facts=HERE)
    pre_authorize(RESOURCE["Allow"], ARN, caller=ANON, facts=HERE)
    vpce_only = policy("Deny", {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    with pytest.raises(AccessDeniedError):
        pre_authorize(vpce_only, ARN, caller=ANON, facts=HERE)
    pre_authorize(
        vpce_only, ARN, caller=ANON, facts=RequestFacts(source_ip="10.0.0.1", source_vpce="vpce-1a2b3c4d")
    )


def _outcome(kind: AuthKind, authorizer: Decision, resource: Policy, caller: Caller) -> bool:
    try:
        decide(kind, authorizer, resource, ARN, caller=caller, facts=HERE, api_account_id="123456789012")
    except AccessDeniedError:
        return False
    return True
