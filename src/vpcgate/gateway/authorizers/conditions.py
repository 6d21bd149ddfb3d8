"""The ``Condition`` block of a resource policy: the operators API Gateway resource policies use.

API Gateway documents resource policies that limit callers by source IP (``IpAddress`` /
``NotIpAddress`` on ``aws:SourceIp``) and by the VPC or VPC endpoint a private API is called through
(``StringEquals`` / ``StringNotEquals`` on ``aws:SourceVpc`` / ``aws:SourceVpce``):
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
The operators follow the IAM condition reference
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

- every operator of a block must hold, and every key under an operator; a key holds when the request's
  value matches ANY of the listed values (for a negated operator: matches NONE of them);
- a key the request does not have makes a positive operator false and a negated one true;
  ``...IfExists`` makes a missing key true for both;
- ``IpAddress`` values are CIDRs (a bare address is a /32 or /128), parsed once;
- ``StringLike`` uses ``*`` and ``?``; condition keys are case-insensitive, values case-sensitive
  except for the ``IgnoreCase`` operators.

Keys vpcgate knows (anything else is simply absent from the request): ``aws:SourceIp`` (the client's
address), ``aws:SourceVpc`` and ``aws:SourceVpce`` (only when the request came through a VPC the
network layer names), plus whatever the caller puts in :attr:`RequestFacts.extra`.

An operator vpcgate does not implement is refused when the policy is parsed (``ValueError``) rather
than silently evaluated wrong.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcgate.gateway.wildcard import wildcard

__all__ = ["ConditionBlock", "RequestFacts", "parse_conditions"]

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What conditions may ask about a request."""

    source_ip: str
    source_vpc: str | None = None
    source_vpce: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def value(self, key: str) -> str | None:
        lower = key.lower()
        if lower == "aws:sourceip":
            return self.source_ip
        if lower == "aws:sourcevpc":
            return self.source_vpc
        if lower == "aws:sourcevpce":
            return self.source_vpce
        return next((v for k, v in self.extra.items() if k.lower() == lower), None)


Matcher = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class _Test:
    key: str
    matchers: tuple[Matcher, ...]
    negated: bool
    if_exists: bool

    def holds(self, facts: RequestFacts | None) -> bool:
        value = facts.value(self.key) if facts is not None else None
        if value is None:
            return self.if_exists or self.negated
        hit = any(m(value) for m in self.matchers)
        return hit != self.negated


@dataclass(frozen=True, slots=True)
class ConditionBlock:
    tests: tuple[_Test, ...]

    def holds(self, facts: RequestFacts | None) -> bool:
        return all(t.holds(facts) for t in self.tests)


def _ip_matcher(value: str) -> Matcher:
    try:
        network: IpNetwork = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"not an IP address or CIDR: {value!r}") from None

    def match(address: str) -> bool:
        try:
            return ipaddress.ip_address(address) in network
        except ValueError:
            return False

    return match


def _equals(value: str) -> Matcher:
    return lambda s: s == value


def _equals_ignore_case(value: str) -> Matcher:
    folded = value.casefold()
    return lambda s: s.casefold() == folded


def _like(value: str) -> Matcher:
    pattern = wildcard(value)
    return lambda s: pattern.fullmatch(s) is not None


# operator name → (value matcher factory, negated)
_OPERATORS: dict[str, tuple[Callable[[str], Matcher], bool]] = {
    "IpAddress": (_ip_matcher, False),
    "NotIpAddress": (_ip_matcher, True),
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringEqualsIgnoreCase": (_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_equals_ignore_case, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
}


def parse_conditions(raw: Any) -> ConditionBlock:
    """Parse a ``Condition`` object. Raises ``ValueError`` for what vpcgate cannot evaluate."""
    if not isinstance(raw, Mapping):
        raise ValueError("Condition must be a JSON object")
    tests: list[_Test] = []
    for operator, keys in raw.items():
        name, if_exists = (operator[:-8], True) if operator.endswith("IfExists") else (operator, False)
        if name not in _OPERATORS:
            raise ValueError(f"condition operator {operator!r} is not supported")
        if not isinstance(keys, Mapping):
            raise ValueError(f"Condition.{operator} must be a JSON object")
        factory, negated = _OPERATORS[name]
        for key, values in keys.items():
            listed = [values] if isinstance(values, str) else values
            if not isinstance(listed, list | tuple) or not all(isinstance(v, str) for v in listed):
                raise ValueError(f"Condition.{operator}.{key} must be a string or a list of strings")
            tests.append(_Test(str(key), tuple(factory(v) for v in listed), negated, if_exists))
    return ConditionBlock(tuple(tests))
