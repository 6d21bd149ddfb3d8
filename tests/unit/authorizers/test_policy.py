"""Policy documents: grammar, wildcards, Allow/Deny/neither, principals."""

from __future__ import annotations

from typing import Any

import pytest

from vpcgate.gateway.authorizers.policy import (
    Caller,
    Decision,
    PolicyError,
    evaluate,
    parse_policy,
)
from vpcgate.gateway.wildcard import wildcard

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/1"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def stmt(effect: str = "Allow", resource: Any = ARN, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


def decide(document: Any, arn: str = ARN) -> Decision:
    return evaluate(parse_policy(document), arn)


def test_exact_allow_and_no_match() -> None:
    assert decide(doc(stmt())) is Decision.ALLOW
    assert decide(doc(stmt()), ARN.replace("GET", "POST")) is Decision.NEITHER


def test_statement_may_be_a_single_object_and_resource_a_list() -> None:
    single = {"Version": "2012-10-17", "Statement": stmt(resource=["arn:x", ARN])}
    assert decide(single) is Decision.ALLOW


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/*",
        "arn:aws:execute-api:*:*:abc123/*/GET/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/pets/?",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/*",
    ],
)
def test_wildcards_match(resource: str) -> None:
    assert decide(doc(stmt(resource=resource))) is Decision.ALLOW


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/??",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
        "arn:aws:execute-api:us-east-1:123456789012:ABC123/*",  # ARNs are case-sensitive
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*",
    ],
)
def test_wildcards_do_not_overmatch(resource: str) -> None:
    assert decide(doc(stmt(resource=resource))) is Decision.NEITHER


@pytest.mark.parametrize(
    "action", ["execute-api:Invoke", "execute-api:*", "*", "EXECUTE-API:invoke", ["s3:*", "execute-api:Inv*"]]
)
def test_actions_that_cover_invoke(action: Any) -> None:
    assert decide(doc(stmt(action=action))) is Decision.ALLOW


def test_other_actions_do_not_cover_invoke() -> None:
    assert decide(doc(stmt(action="execute-api:ManageConnections"))) is Decision.NEITHER


def test_explicit_deny_wins_in_any_order() -> None:
    allow, deny = stmt(resource="*"), stmt("Deny", resource="arn:aws:execute-api:*:*:abc123/*/GET/*")
    assert decide(doc(allow, deny)) is Decision.DENY
    assert decide(doc(deny, allow)) is Decision.DENY
    assert decide(doc(deny, allow), ARN.replace("GET", "PUT")) is Decision.ALLOW


def test_not_action_and_not_resource() -> None:
    not_resource = {"Effect": "Deny", "Action": "*", "NotResource": "arn:*:abc123/prod/GET/public"}
    document = doc(stmt(resource="*"), not_resource)
    assert decide(document) is Decision.DENY
    assert decide(document, "arn:aws:execute-api:r:a:abc123/prod/GET/public") is Decision.ALLOW
    not_action = {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}
    assert decide(doc(not_action)) is Decision.ALLOW


def test_json_text_is_accepted() -> None:
    text = '{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}'
    assert decide(text) is Decision.ALLOW


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "not json",
        {"Version": "2012-10-17"},
        {"Statement": []},
        doc({"Effect": "allow", "Action": "*", "Resource": "*"}),
        doc({"Effect": "Allow", "Resource": "*"}),
        doc({"Effect": "Allow", "Action": "*"}),
        doc({"Effect": "Allow", "Action": "*", "Resource": []}),
        doc({"Effect": "Allow", "Action": "*", "Resource": 5}),
        doc({"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}),
        doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bogus": {}}}),
        doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": {"Service": "x"}}),
        {"Statement": ["nope"]},
    ],
)
def test_malformed_documents_are_refused(document: Any) -> None:
    with pytest.raises(PolicyError):
        parse_policy(document)


def test_conditions_can_be_refused() -> None:
    with_condition = doc({**stmt(), "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})
    with pytest.raises(PolicyError):
        parse_policy(with_condition, allow_conditions=False)


def test_principals() -> None:
    document = doc(
        {**stmt(resource="*"), "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:user/bob"]}}
    )
    policy = parse_policy(document)
    assert evaluate(policy, ARN) is Decision.NEITHER  # anonymous
    assert (
        evaluate(policy, ARN, caller=Caller("111122223333", "arn:aws:iam::111122223333:user/x"))
        is Decision.ALLOW
    )
    assert (
        evaluate(policy, ARN, caller=Caller("444455556666", "arn:aws:iam::444455556666:user/bob"))
        is Decision.ALLOW
    )
    assert (
        evaluate(policy, ARN, caller=Caller("444455556666", "arn:aws:iam::444455556666:user/eve"))
        is Decision.NEITHER
    )
    root = parse_policy(doc({**stmt(resource="*"), "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}))
    assert evaluate(root, ARN, caller=Caller("111122223333")) is Decision.ALLOW
    for everyone in ("*", {"AWS": "*"}):
        assert (
            evaluate(parse_policy(doc({**stmt(resource="*"), "Principal": everyone})), ARN) is Decision.ALLOW
        )


def test_wildcard_escapes_regex_characters() -> None:
    assert wildcard("a.b+c").fullmatch("a.b+c")
    assert not wildcard("a.b").fullmatch("axb")
