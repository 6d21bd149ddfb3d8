"""AWS::Lambda::Function → :class:`vpcgate.functions.model.FunctionSpec`.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html

- Code: ``ZipFile`` is the source itself (AWS writes it to ``index.js`` / ``index.py``, so the handler
  module must be ``index``; Node.js and Python runtimes only). A plain string, as
  ``aws cloudformation package`` / SAM users write it before packaging, is a local directory or
  ``.zip`` file relative to the template. ``S3Bucket``/``S3Key`` and ``ImageUri`` are refused:
  only local code runs here.
- Timeout 1..900 (default 3), MemorySize 128..10240 (default 128), EphemeralStorage.Size 512..10240
  (default 512), Environment.Variables values as text, VpcConfig (SubnetIds, SecurityGroupIds),
  ReservedConcurrentExecutions >= 0, Architectures.
- Role is required by AWS; locally a missing Role is only a warning (IAM is not evaluated).
- FunctionName: 1..64 of ``[a-zA-Z0-9-_]``; generated as ``{stack}-{logicalId}-{SUFFIX}`` otherwise.
- Ref = the name; GetAtt Arn = ``arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME``.
- Environment keys follow the Lambda API (``[a-zA-Z]([a-zA-Z0-9_])+``) and may not be the runtime's
  reserved keys (``AWS_REGION``, ``_HANDLER``, ...):
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
"""

from __future__ import annotations

import re
from pathlib import Path

from vpcgate.deploy.ids import generated_name
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.props import Props, scalar_text
from vpcgate.functions.model import CodeKind, FunctionCode, FunctionSpec, VpcConfig

RUNTIMES = frozenset(
    {
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
        "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
        "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11",
        "python3.12", "python3.13", "python3.14",
        "java8", "java8.al2", "java11", "java17", "java21", "java25",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10",
        "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4",
        "provided", "provided.al2", "provided.al2023",
    }
)  # fmt: skip
RESERVED_ENV = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_ENV_KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")


def function_arn(ctx: DeployContext, name: str) -> str:
    return f"arn:{ctx.partition}:lambda:{ctx.region}:{ctx.account_id}:function:{name}"


def function_name_of(reference: str) -> str:
    """A function's name from a name, a full ARN or a partial ARN (``ACCOUNT:function:NAME``)."""
    parts = reference.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return reference


class FunctionProvider:
    resource_type = "AWS::Lambda::Function"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        if (props.text("PackageType") or "Zip") != "Zip":
            raise props.error(
                "container image functions (PackageType Image) are not supported", "PackageType"
            )
        name = props.text("FunctionName") or generated_name(ctx.stack_name, res.logical_id, 64)
        if not _NAME.fullmatch(name):
            raise props.error(
                f"FunctionName {name!r} must be 1-64 of a-z, A-Z, 0-9, '-' and '_'", "FunctionName"
            )
        runtime = props.required_text("Runtime")
        if runtime not in RUNTIMES:
            raise props.error(
                f"Runtime {runtime!r} is not a Lambda runtime; known: {', '.join(sorted(RUNTIMES))}",
                "Runtime",
            )
        handler = props.text("Handler")
        if handler is None and not runtime.startswith("provided"):
            raise props.error(f"Property Handler is required for the {runtime} runtime", "Handler")
        code = _code(props, ctx.template_path, runtime)
        if code.kind is CodeKind.INLINE and handler is not None and not handler.startswith("index."):
            ctx.warn(f"{res.logical_id}: inline code is written to index.*, but Handler is {handler!r}")
        if not props.has("Role"):
            ctx.warn(f"{res.logical_id}: no Role (AWS requires one; locally it is not needed)")
        arn = function_arn(ctx, name)
        spec = FunctionSpec(
            logical_id=res.logical_id,
            name=name,
            arn=arn,
            runtime=runtime,
            handler=handler,
            code=code,
            timeout_seconds=props.integer("Timeout", low=1, high=900) or 3,
            memory_mb=props.integer("MemorySize", low=128, high=10240) or 128,
            environment=_environment(props),
            vpc_config=_vpc_config(props),
            reserved_concurrency=props.integer("ReservedConcurrentExecutions", low=0),
            role_arn=props.text("Role"),
            architectures=_architectures(props),
            template_dir=ctx.template_path.parent.resolve(),
            ephemeral_storage_mb=_ephemeral_storage(props),
        )
        return Deployed(res.logical_id, res.resource_type, name, {"Arn": arn}, spec)


def _code(props: Props, template_path: Path, runtime: str) -> FunctionCode:
    code = props.required("Code")
    if isinstance(code, str):
        return _local_code(props, template_path, code)
    if not isinstance(code, dict):
        raise props.error("Property Code must be an object or a local path", "Code")
    if "ZipFile" in code:
        source = scalar_text(code["ZipFile"])
        if source is None:
            raise props.error("Code.ZipFile must be the function's source text", "Code", "ZipFile")
        if not runtime.startswith(("nodejs", "python")):
            raise props.error(
                f"Code.ZipFile works only with Node.js and Python runtimes, not {runtime}", "Code", "ZipFile"
            )
        return FunctionCode(kind=CodeKind.INLINE, inline_source=source)
    if "S3Bucket" in code or "S3Key" in code:
        raise props.error(
            "code in S3 (Code.S3Bucket/S3Key) is not supported: only local code is; write Code as a "
            "directory or .zip path relative to the template, or Code.ZipFile",
            "Code",
        )
    if "ImageUri" in code:
        raise props.error("container images (Code.ImageUri) are not supported: only local code is", "Code")
    raise props.error("Code needs ZipFile, or Code may be a local directory or .zip path", "Code")


def _local_code(props: Props, template_path: Path, written: str) -> FunctionCode:
    path = (template_path.parent / written).resolve()
    if path.is_dir():
        return FunctionCode(kind=CodeKind.DIRECTORY, path=path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return FunctionCode(kind=CodeKind.ZIP, path=path)
    if path.exists():
        raise props.error(f"Code {written!r} must be a directory or a .zip file", "Code")
    raise props.error(f"Code {written!r} does not exist (looked for {path})", "Code")


def _environment(props: Props) -> dict[str, str]:
    environment = props.mapping("Environment")
    variables = environment.get("Variables", {})
    if not isinstance(variables, dict):
        raise props.error("Environment.Variables must be an object", "Environment", "Variables")
    result = {}
    for key, value in variables.items():
        if not _ENV_KEY.fullmatch(str(key)):
            raise props.error(
                f"environment variable name {key!r} must match [a-zA-Z][a-zA-Z0-9_]+",
                "Environment",
                "Variables",
                key,
            )
        if key in RESERVED_ENV:
            raise props.error(
                f"environment variable {key} is reserved by the Lambda runtime",
                "Environment",
                "Variables",
                key,
            )
        text = scalar_text(value)
        if text is None:
            raise props.error(f"environment variable {key} must be a string", "Environment", "Variables", key)
        result[str(key)] = text
    return result


def _vpc_config(props: Props) -> VpcConfig | None:
    if not props.has("VpcConfig"):
        return None
    config = props.mapping("VpcConfig")
    lists = {}
    for key in ("SubnetIds", "SecurityGroupIds"):
        value = config.get(key, [])
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise props.error(f"VpcConfig.{key} must be a list of ids", "VpcConfig", key)
        lists[key] = tuple(value)
    if not lists["SubnetIds"] and not lists["SecurityGroupIds"]:
        return None  # AWS: empty lists mean "not connected to a VPC"
    return VpcConfig(subnet_ids=lists["SubnetIds"], security_group_ids=lists["SecurityGroupIds"])


def _ephemeral_storage(props: Props) -> int:
    """EphemeralStorage.Size in MB, 512..10,240 (512 when absent): each execution environment's /tmp.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-ephemeralstorage.html
    """
    if not props.has("EphemeralStorage"):
        return 512
    size = props.mapping("EphemeralStorage").get("Size")
    text = scalar_text(size)
    if text is None or not text.isdigit():
        raise props.error("EphemeralStorage.Size must be an integer (MB)", "EphemeralStorage", "Size")
    if not 512 <= int(text) <= 10240:
        raise props.error(
            f"EphemeralStorage.Size must be between 512 and 10240, not {text}", "EphemeralStorage", "Size"
        )
    return int(text)


def _architectures(props: Props) -> tuple[str, ...]:
    architectures = props.text_list("Architectures") or ("x86_64",)
    if len(architectures) != 1 or architectures[0] not in ("x86_64", "arm64"):
        raise props.error("Architectures must be [x86_64] or [arm64]", "Architectures")
    return architectures


PROVIDERS = (FunctionProvider(),)
