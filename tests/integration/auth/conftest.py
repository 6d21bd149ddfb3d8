"""Real vpcgate apps with authorization, API keys and limits configured (issue 7), on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from tests.integration.gateway.conftest import Caller, serving_app
from vpcgate.app import AppConfig
from vpcgate.gateway.guard_setup import GuardSettings
from vpcgate.http.client import ClientResponse

FIXTURES = Path(__file__).parent / "fixtures"


@contextlib.asynccontextmanager
async def guarded(
    template: Path, tmp_path: Path, guards: GuardSettings, overrides: Sequence[str] = ()
) -> AsyncIterator[Caller]:
    config = AppConfig(
        templates=(template,),
        overrides=tuple(overrides),
        port=0,
        state_dir=tmp_path / "state",
        guards=guards,
    )
    async with serving_app(config) as caller:
        yield caller


def body(response: ClientResponse) -> Any:
    return json.loads(response.body)
