"""The deployer's side of the provider seam: one :class:`StackContext` per stack, one RunState per run.

A run deploys several stacks in order; later stacks see earlier stacks' resources (for
``find_by_physical_id`` and :func:`vpcgate.deploy.providers.run.models_of`) and their exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vpcgate.deploy.providers.base import Deployed
from vpcgate.deploy.pseudo import partition_for, url_suffix_for


@dataclass
class RunState:
    """What the stacks of one ``deploy_stacks`` call share."""

    region: str
    account_id: str
    strict: bool = False
    deployed: list[Deployed] = field(default_factory=list)  # every stack's resources, in order
    exports: dict[str, str] = field(default_factory=dict)  # export name → value
    exporters: dict[str, str] = field(default_factory=dict)  # export name → stack name


class StackContext:
    """A :class:`vpcgate.deploy.providers.base.DeployContext` for one stack being deployed."""

    def __init__(self, run: RunState, *, stack_name: str, stack_id: str, template_path: Path) -> None:
        self._run = run
        self._stack_name = stack_name
        self._stack_id = stack_id
        self._template_path = template_path
        self.resources: dict[str, Deployed] = {}
        self.warnings: list[str] = []

    @property
    def stack_name(self) -> str:
        return self._stack_name

    @property
    def stack_id(self) -> str:
        return self._stack_id

    @property
    def region(self) -> str:
        return self._run.region

    @property
    def account_id(self) -> str:
        return self._run.account_id

    @property
    def partition(self) -> str:
        return partition_for(self._run.region)

    @property
    def url_suffix(self) -> str:
        return url_suffix_for(self._run.region)

    @property
    def template_path(self) -> Path:
        return self._template_path

    def deployed(self, logical_id: str) -> Deployed | None:
        return self.resources.get(logical_id)

    def find_by_physical_id(self, physical_id: str) -> Deployed | None:
        for deployed in reversed(self.all_deployed()):
            if deployed.physical_id == physical_id:
                return deployed
        return None

    def all_deployed(self) -> tuple[Deployed, ...]:
        """Earlier stacks' resources, then this stack's so far."""
        return (*self._run.deployed, *self.resources.values())

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def add(self, deployed: Deployed) -> None:
        self.resources[deployed.logical_id] = deployed
