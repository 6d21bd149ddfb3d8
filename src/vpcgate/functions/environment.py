"""The environment variables a worker starts with, as Lambda sets them.

https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime

Order, as on AWS: unreserved defaults (``PATH``, ``LANG``, ``TZ``, ...), then the function's own
``Environment.Variables`` (which may override those), then the reserved variables (which nothing
overrides). vpcgate passes no AWS credentials to functions (the ``AWS_ACCESS_KEY_ID`` family is left
unset); ``_X_AMZN_TRACE_ID`` is set per invocation by the runtime.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from vpcgate.functions.model import FunctionSpec
from vpcgate.functions.runtimes import HERE, Family, RuntimeInfo, node_executable, python_executable

_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


def log_stream_name(version: str = "$LATEST") -> str:
    """A log stream name shaped like Lambda's: ``2026/11/26/[$LATEST]<32 hex>``."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{secrets.token_hex(16)}"


def _path(runtime: RuntimeInfo) -> str:
    first = node_executable() if runtime.family is Family.NODE else python_executable()
    dirs = [os.path.dirname(first), *_SYSTEM_PATH]
    return ":".join(dict.fromkeys(dirs))


def lambda_environment(
    spec: FunctionSpec,
    runtime: RuntimeInfo,
    code_dir: Path,
    *,
    region: str,
    version: str = "$LATEST",
    runtime_api: str | None = None,
) -> dict[str, str]:
    """The full environment of a worker of ``spec``."""
    env = {
        "PATH": _path(runtime),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(spec.environment)
    env.update(
        {
            "_HANDLER": spec.handler or "",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(version),
            "LAMBDA_TASK_ROOT": str(code_dir),
            "LAMBDA_RUNTIME_DIR": str(HERE),
        }
    )
    if runtime.family is not Family.PROVIDED:
        env["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{runtime.id}"
    if runtime_api is not None:
        env["AWS_LAMBDA_RUNTIME_API"] = runtime_api
    return env
