"""The REST API payload quota over real HTTP: "Payload size: 10 MB"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html):
exactly 10 MB goes through, one byte more is 413 (REQUEST_TOO_LARGE)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.gateway.conftest import FIXTURES, running

TEN_MB = 10 * 1024 * 1024


async def test_payload_quota(tmp_path: Path) -> None:
    async with running([FIXTURES / "mock.yaml"], tmp_path) as gw:
        json_type = [("Content-Type", "application/json")]
        fits = await gw.call("POST", "/dev/never", body=b" " * TEN_MB, headers=json_type)
        assert fits.status == 200
        over = await gw.call("POST", "/dev/never", body=b" " * (TEN_MB + 1), headers=json_type)
        assert over.status == 413
        after = await gw.call("GET", "/dev/hello")
        assert after.status == 200
