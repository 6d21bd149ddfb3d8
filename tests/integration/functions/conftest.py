"""Fixtures for the functions tests: a real FunctionService with real worker processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from vpcgate.functions.model import CodeKind, FunctionCode, FunctionSpec
from vpcgate.functions.service import FunctionService, ServiceConfig


def make_spec(
    name: str,
    runtime: str,
    source: str | None = None,
    *,
    handler: str = "index.handler",
    directory: Path | None = None,
    **fields: Any,
) -> FunctionSpec:
    """A FunctionSpec with inline ``source`` or code in ``directory``."""
    if directory is not None:
        code = FunctionCode(CodeKind.DIRECTORY, path=directory)
    else:
        code = FunctionCode(CodeKind.INLINE, inline_source=source)
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    return FunctionSpec(
        logical_id=name, name=name, arn=arn, runtime=runtime, handler=handler, code=code, **fields
    )


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[FunctionService]:
    svc = FunctionService(ServiceConfig(work_dir=tmp_path / "state"), log_sink=None)
    yield svc
    await svc.shutdown()


def lambda_client(
    endpoint: str, *, key: str = "test", secret: str = "test", region: str = "us-east-1"
) -> Any:
    """boto3's Lambda client for vpcgate's Invoke API at ``endpoint``, with botocore's retries off."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
