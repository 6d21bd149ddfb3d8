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


async def test_url_and_header_quotas(tmp_path: Path) -> None:
    """ "Length, in characters, of the URL for a regional API: 10240" and "Total combined size of all
    header values: 10240 Bytes" (same page): over either, the request never reaches the API."""
    async with running([FIXTURES / "mock.yaml"], tmp_path) as gw:
        fits = await gw.call("GET", "/dev/hello?pad=" + "a" * 9000)
        assert fits.status == 200
        long_url = await gw.call("GET", "/dev/hello?pad=" + "a" * 10300)
        assert long_url.status == 414
        headers = [(f"x-h{i}", "v" * 1000) for i in range(11)]
        big_headers = await gw.call("GET", "/dev/hello", headers=headers)
        assert big_headers.status == 431
        assert (await gw.call("GET", "/dev/hello", headers=headers[:9])).status == 200
