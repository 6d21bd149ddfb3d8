"""The deployed stages, swapped in whole: a redeploy builds a new table and replaces the old one in
one assignment. A request takes the table once, when it arrives, so a request in flight finishes
on the stage it started on (DESIGN.md, "built once, run many").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vpcgate.gateway.build import CompiledStage

__all__ = ["StageRegistry", "StageTable"]


@dataclass(frozen=True)
class StageTable:
    stages: Mapping[tuple[str, str], CompiledStage] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def api_ids(self) -> frozenset[str]:
        return frozenset(api_id for api_id, _ in self.stages)

    def get(self, api_id: str, stage: str) -> CompiledStage | None:
        return self.stages.get((api_id, stage))

    @property
    def single_api(self) -> str | None:
        """The API id when exactly one API is deployed (then ``/{stage}/{path}`` addresses it)."""
        ids = self.api_ids
        return next(iter(ids)) if len(ids) == 1 else None


class StageRegistry:
    def __init__(self, stages: Iterable[CompiledStage] = ()) -> None:
        self._table = StageTable()
        self.swap(stages)

    @property
    def table(self) -> StageTable:
        return self._table

    def swap(self, stages: Iterable[CompiledStage]) -> None:
        """Replace every stage at once."""
        self._table = StageTable(MappingProxyType({(s.api_id, s.name): s for s in stages}))
