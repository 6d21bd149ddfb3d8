"""The Conditions section: each condition evaluated once, on demand, with cycles reported.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
A condition may use Fn::Equals/And/Or/Not/If, Ref to parameters and pseudo parameters, Fn::FindInMap
and ``{"Condition": other}``; it may not refer to resources (the evaluator it is given has no
resources). Its value must be a boolean.

Errors::

    TemplateError
    ├── unknown condition name (at the place it is used)
    ├── a condition that does not evaluate to true/false
    └── conditions that refer to each other in a circle
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vpcgate.deploy.pointer import child
from vpcgate.errors import TemplateError

if TYPE_CHECKING:
    from vpcgate.deploy.intrinsics import Evaluator


class Conditions:
    """Condition name → bool, memoised. ``bind`` the evaluator after building the scope."""

    def __init__(self, section: Mapping[str, Any]) -> None:
        self._section = section
        self._values: dict[str, bool] = {}
        self._evaluating: list[str] = []
        self._evaluator: Evaluator | None = None

    def bind(self, evaluator: Evaluator) -> None:
        self._evaluator = evaluator

    def names(self) -> list[str]:
        return [str(name) for name in self._section]

    def __call__(self, name: str, pointer: str) -> bool:
        if name in self._values:
            return self._values[name]
        if name not in self._section:
            raise TemplateError(
                f"Condition {name!r} is not defined in the Conditions section", pointer=pointer
            )
        if name in self._evaluating:
            circle = [*self._evaluating[self._evaluating.index(name) :], name]
            raise TemplateError(
                f"Circular condition dependency: {' -> '.join(circle)}", pointer=child("/Conditions", name)
            )
        assert self._evaluator is not None  # bound by the deployer before use
        self._evaluating.append(name)
        try:
            value = self._evaluator.condition_value(self._section[name], child("/Conditions", name))
        finally:
            self._evaluating.pop()
        self._values[name] = value
        return value

    def evaluate_all(self) -> dict[str, bool]:
        """Every condition (so an error in an unused one is still reported, as AWS does)."""
        return {name: self(name, child("/Conditions", name)) for name in self.names()}
