"""IAM policy documents as API Gateway evaluates them: a Lambda authorizer's answer and an API's Policy.

A document is parsed once into :class:`Policy` (statements with compiled wildcard patterns) and then
evaluated per request with :func:`evaluate`, which answers ALLOW, DENY or NEITHER for one action on one
resource ARN, the way IAM combines statements: any matching Deny wins, else any matching Allow, else
neither (an implicit deny). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

What a document may say (the IAM JSON policy grammar,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):

- ``Statement``: one object or a list of them; ``Version`` is not checked.
- ``Effect``: exactly ``Allow`` or ``Deny`` (IAM's spelling; anything else is refused).
- ``Action`` / ``NotAction``: a string or a list; matched case-insensitively with ``*`` and ``?``
  (``execute-api:Invoke``, ``execute-api:*``, ``*``). A statement with neither is refused.
- ``Resource`` / ``NotResource``: a string or a list of ARNs with ``*`` (any run of characters,
  ``/`` and ``:`` included) and ``?`` (one character), matched case-sensitively against the method
  ARN ``arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}``. A statement with
  neither is refused.
- ``Principal`` (resource policies): ``"*"``, ``{"AWS": "*"}`` or ``{"AWS": [account ids or ARNs]}``;
  an anonymous caller matches only ``*``. A statement without one applies to everyone (AWS refuses to
  store such a resource policy; vpcgate is lenient and says so here).
- ``Condition``: see :mod:`vpcgate.gateway.authorizers.conditions`.

Errors::

    ValueError
    └── PolicyError      the document does not follow the grammar (the caller decides what it means:
                         a 500 for an authorizer's answer, a template error for an API's Policy)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from vpcgate.gateway.authorizers.conditions import ConditionBlock, RequestFacts, parse_conditions
from vpcgate.gateway.wildcard import wildcard

__all__ = [
    "INVOKE",
    "Caller",
    "Decision",
    "Policy",
    "PolicyError",
    "Statement",
    "evaluate",
    "parse_policy",
]

INVOKE = "execute-api:Invoke"


class PolicyError(ValueError):
    """A policy document that does not follow the IAM grammar."""


class Decision(Enum):
    ALLOW = "Allow"
    DENY = "Deny"
    NEITHER = "Neither"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls, as a resource policy's ``Principal`` sees it: anonymous unless SigV4 said otherwise."""

    account_id: str | None = None
    arn: str | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    allow: bool
    actions: tuple[re.Pattern[str], ...]
    negate_actions: bool
    resources: tuple[re.Pattern[str], ...]
    negate_resources: bool
    principals: tuple[str, ...] | None  # None: everyone; ("*",) too
    conditions: ConditionBlock | None

    def applies(self, action: str, resource: str, caller: Caller, facts: RequestFacts | None) -> bool:
        if _any(self.actions, action) == self.negate_actions:
            return False
        if _any(self.resources, resource) == self.negate_resources:
            return False
        if not _principal_matches(self.principals, caller):
            return False
        return self.conditions is None or self.conditions.holds(facts)


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]


def evaluate(
    policy: Policy,
    resource: str,
    *,
    action: str = INVOKE,
    caller: Caller | None = None,
    facts: RequestFacts | None = None,
) -> Decision:
    """ALLOW, DENY or NEITHER for ``action`` on ``resource``: an explicit Deny wins over any Allow."""
    who = caller if caller is not None else Caller()
    allowed = False
    for statement in policy.statements:
        if statement.applies(action, resource, who, facts):
            if not statement.allow:
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.NEITHER


def parse_policy(document: Any, *, allow_conditions: bool = True) -> Policy:
    """Parse a policy document (a JSON object, or its text). Raises :class:`PolicyError`."""
    if isinstance(document, str | bytes):
        document = _json(document)
    if not isinstance(document, Mapping):
        raise PolicyError("the policy document is not a JSON object")
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not raw:
        raise PolicyError("the policy document has no Statement")
    return Policy(tuple(_statement(s, allow_conditions) for s in raw))


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise PolicyError(f"the policy document is not JSON: {exc}") from None


def _statement(raw: Any, allow_conditions: bool) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError("a Statement is not a JSON object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}")
    actions, negate_actions = _either(raw, "Action", "NotAction", ignore_case=True)
    resources, negate_resources = _either(raw, "Resource", "NotResource", ignore_case=False)
    conditions = raw.get("Condition")
    if conditions is not None and not allow_conditions:
        raise PolicyError("Condition is not supported here")
    return Statement(
        allow=effect == "Allow",
        actions=actions,
        negate_actions=negate_actions,
        resources=resources,
        negate_resources=negate_resources,
        principals=_principals(raw.get("Principal")),
        conditions=_conditions(conditions),
    )


def _conditions(raw: Any) -> ConditionBlock | None:
    if raw is None:
        return None
    try:
        return parse_conditions(raw)
    except ValueError as exc:
        raise PolicyError(str(exc)) from None


def _either(
    raw: Mapping[str, Any], key: str, negated: str, *, ignore_case: bool
) -> tuple[tuple[re.Pattern[str], ...], bool]:
    if key in raw and negated in raw:
        raise PolicyError(f"a Statement has both {key} and {negated}")
    name = key if key in raw else negated
    if name not in raw:
        raise PolicyError(f"a Statement has no {key}")
    values = _strings(raw[name], name)
    return tuple(wildcard(v, ignore_case=ignore_case) for v in values), name == negated


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{name} must be a string or a non-empty list of strings")


def _principals(raw: Any) -> tuple[str, ...] | None:
    if raw is None or raw in ("", "*"):
        return None
    if isinstance(raw, Mapping) and set(raw) <= {"AWS"}:
        values = _strings(raw.get("AWS", "*"), "Principal.AWS")
        return None if "*" in values else values
    raise PolicyError('Principal must be "*" or {"AWS": ...}')


def _principal_matches(principals: tuple[str, ...] | None, caller: Caller) -> bool:
    if principals is None:
        return True
    for principal in principals:
        if caller.arn is not None and principal == caller.arn:
            return True
        if caller.account_id is not None and principal in (
            caller.account_id,
            f"arn:aws:iam::{caller.account_id}:root",
        ):
            return True
    return False


def _any(patterns: tuple[re.Pattern[str], ...], value: str) -> bool:
    return any(p.fullmatch(value) is not None for p in patterns)
