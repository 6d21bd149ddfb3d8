"""The provider seam: one provider per CloudFormation resource type.

The deployer resolves a resource's properties (intrinsics evaluated, ``AWS::NoValue`` removed) and
hands them to the provider for its type. The provider validates them, builds a typed model and
returns a :class:`Deployed` record: what ``Ref`` gives (``physical_id``), what ``Fn::GetAtt`` gives
(``attributes``) and the model. Providers never start processes: running things is later layers' job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vpcgate.errors import TemplateError


@dataclass(frozen=True)
class Deployed:
    """A resource after deployment: its Ref value, its GetAtt attributes and its typed model."""

    logical_id: str
    resource_type: str
    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    model: object | None = None


@dataclass(frozen=True)
class ResourceInput:
    """What a provider is given: resolved properties and where they were written."""

    logical_id: str
    resource_type: str
    properties: Mapping[str, Any]
    pointer: str  # "/Resources/<logical id>"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def error(self, message: str, *prop_path: str | int) -> TemplateError:
        """A TemplateError located at ``/Resources/<id>/Properties/<prop_path...>``."""
        pointer = self.pointer + "/Properties"
        for part in prop_path:
            pointer += "/" + str(part).replace("~", "~0").replace("/", "~1")
        return TemplateError(message, logical_id=self.logical_id, pointer=pointer)


class DeployContext(Protocol):
    """What a provider may ask of the stack being deployed."""

    @property
    def stack_name(self) -> str: ...
    @property
    def stack_id(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def partition(self) -> str: ...
    @property
    def url_suffix(self) -> str: ...
    @property
    def template_path(self) -> Path: ...

    def deployed(self, logical_id: str) -> Deployed | None:
        """An earlier resource of this stack by logical id (None if absent)."""

    def find_by_physical_id(self, physical_id: str) -> Deployed | None:
        """A resource of this stack or an earlier stack of the same run by its physical id."""

    def warn(self, message: str) -> None:
        """Report a non-fatal problem (shown by ``validate`` and ``up``)."""


class Provider(Protocol):
    """Turns one resource type's properties into a Deployed record."""

    resource_type: str

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed: ...
