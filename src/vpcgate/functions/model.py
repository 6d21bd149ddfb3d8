"""The typed model of a Lambda function, as the AWS::Lambda::* providers build it.

The functions service runs these; the deployer only builds them. Field meanings and defaults follow
the AWS::Lambda::Function reference (Timeout 3 s, MemorySize 128 MB).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class CodeKind(Enum):
    INLINE = "inline"  # Code.ZipFile: the source text (index.js / index.py)
    DIRECTORY = "directory"  # a local folder, relative to the template
    ZIP = "zip"  # a local .zip file, relative to the template


@dataclass(frozen=True)
class FunctionCode:
    kind: CodeKind
    inline_source: str | None = None
    path: Path | None = None


@dataclass(frozen=True)
class VpcConfig:
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    runtime: str | None  # None only for container images, which vpcgate does not run
    handler: str | None
    code: FunctionCode
    timeout_seconds: int = 3
    memory_mb: int = 128
    environment: Mapping[str, str] = field(default_factory=dict)
    vpc_config: VpcConfig | None = None
    reserved_concurrency: int | None = None
    role_arn: str | None = None
    architectures: tuple[str, ...] = ("x86_64",)
    template_dir: Path | None = None
    ephemeral_storage_mb: int = 512  # each execution environment's /tmp (EphemeralStorage.Size)


@dataclass(frozen=True)
class PermissionSpec:
    """AWS::Lambda::Permission: who may invoke which function."""

    logical_id: str
    function_name: str  # as written: name, ARN or partial ARN (resolved)
    action: str
    principal: str
    source_arn: str | None = None
    source_account: str | None = None


@dataclass(frozen=True)
class VersionSpec:
    logical_id: str
    function_name: str
    version: str
    arn: str


@dataclass(frozen=True)
class AliasSpec:
    logical_id: str
    function_name: str
    name: str
    function_version: str
    arn: str


@dataclass(frozen=True)
class EventInvokeConfig:
    """AWS::Lambda::EventInvokeConfig: how Event invocations of one function qualifier are retried and
    where their records go. Defaults are Lambda's own (two retries, six hours in the queue).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html
    """

    logical_id: str
    function_name: str  # the function's name (ARNs are reduced to it)
    qualifier: str  # "$LATEST", a version number or an alias name
    maximum_retry_attempts: int = 2  # 0-2: retries after a function error
    maximum_event_age_seconds: int = 21600  # 60-21600: how long an event may wait in the queue
    on_success: str | None = None  # a destination ARN
    on_failure: str | None = None  # a destination ARN
