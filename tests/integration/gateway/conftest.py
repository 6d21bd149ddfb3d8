"""Real vpcgate apps on 127.0.0.1 (free port), called over real HTTP with vpcgate's own client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from vpcgate.app import App, AppConfig
from vpcgate.http.client import ClientResponse, HttpClient

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Caller:
    """Calls one running app."""

    app: App
    client: HttpClient

    @property
    def base(self) -> str:
        host, port = self.app.address
        return f"http://{host}:{port}"

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
        timeout: float = 20.0,
    ) -> ClientResponse:
        return await self.client.request(
            method, self.base + path, headers=headers, body=body, timeout=timeout
        )


@contextlib.asynccontextmanager
async def running(
    templates: Sequence[Path],
    tmp_path: Path,
    overrides: Sequence[str] = (),
    *,
    network_mode: str = "host",
    state_dir: Path | None = None,
) -> AsyncIterator[Caller]:
    config = AppConfig(
        templates=tuple(templates),
        overrides=tuple(overrides),
        port=0,
        state_dir=state_dir or tmp_path / "state",
        network_mode=network_mode,
    )
    async with serving_app(config) as caller:
        yield caller


@contextlib.asynccontextmanager
async def serving_app(config: AppConfig) -> AsyncIterator[Caller]:
    """The app deployed from ``config``, started, with a client; stopped afterwards."""
    app = App.deploy(config)
    client = HttpClient()
    await app.start()
    try:
        yield Caller(app, client)
    finally:
        await client.close()
        await app.stop()
