"""The stage settings AWS::ApiGateway::Stage and a Deployment's ``StageDescription`` share.

- Stage names: letters, digits, ``-`` and ``_``, at most 128 characters.
- Variables: names of letters, digits and ``_``; values matching ``[A-Za-z0-9-._~:/?#&=,]+``;
  at most 64 and 512 characters.
  https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDeployment.html
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
- MethodSettings: ``ResourcePath`` is written JSON-pointer style (``/~1pets~1{id}`` for
  ``/pets/{id}``, ``/`` for the root, ``/*`` with ``HttpMethod: "*"`` for every method); each
  setting is keyed ``"{path}/{METHOD}"`` (``"*/*"`` for all), as the Stage's methodSettings map is.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-stage-methodsetting.html
"""

from __future__ import annotations

import re

from vpcgate.spec.model import AccessLogSetting, MethodSetting, Stage, frozen
from vpcgate.spec.props import Props

_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]{1,512}$")
_LOGGING_LEVELS = ("OFF", "ERROR", "INFO")
_METHODS = ("*", "ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")


def stage_name(props: Props, key: str) -> str:
    name = props.required_text(key)
    if not _STAGE_NAME.match(name):
        raise props.fail(f"stage name {name!r} may hold only letters, digits, '-' and '_' (1-128)", key)
    return name


def variables(props: Props, key: str = "Variables") -> dict[str, str]:
    values = props.text_map(key)
    for name, value in values.items():
        if not _VARIABLE_NAME.match(name):
            raise props.fail(
                f"stage variable name {name!r} may hold only letters, digits and '_' (1-64)", key, name
            )
        if not _VARIABLE_VALUE.match(value):
            raise props.fail(
                f"stage variable {name} value {value!r} may hold only letters, digits "
                "and -._~:/?#&=, (1-512)",
                key,
                name,
            )
    return values


def method_settings(props: Props, key: str = "MethodSettings") -> dict[str, MethodSetting]:
    out: dict[str, MethodSetting] = {}
    for entry in props.children(key):
        setting = method_setting(entry, decode_resource_path(entry), _http_method(entry))
        out[setting.key] = setting
    return out


def method_setting(props: Props, resource_path: str, http_method: str) -> MethodSetting:
    """One method setting; also the stage-wide ``*/*`` one a StageDescription writes inline."""
    rate = props.number("ThrottlingRateLimit", 0)
    burst = props.integer("ThrottlingBurstLimit", 0)
    ttl = props.integer("CacheTtlInSeconds", 0, 3600)
    level = (props.text("LoggingLevel") or "OFF").upper()
    if level not in _LOGGING_LEVELS:
        raise props.fail(f"LoggingLevel must be OFF, ERROR or INFO, got {level!r}", "LoggingLevel")
    return MethodSetting(
        resource_path=resource_path,
        http_method=http_method,
        throttling_rate_limit=rate,
        throttling_burst_limit=burst,
        caching_enabled=props.flag("CachingEnabled"),
        cache_ttl_seconds=300 if ttl is None else ttl,
        cache_data_encrypted=props.flag("CacheDataEncrypted"),
        data_trace_enabled=props.flag("DataTraceEnabled"),
        logging_level=level,
        metrics_enabled=props.flag("MetricsEnabled"),
    )


def decode_resource_path(props: Props) -> str:
    raw = props.text("ResourcePath") or "/*"
    if raw == "/*":
        return "*"
    if not raw.startswith("/"):
        raise props.fail(
            f"ResourcePath must start with '/', e.g. /~1pets for /pets; got {raw!r}", "ResourcePath"
        )
    if raw == "/":
        return "/"
    return raw[1:].replace("~1", "/").replace("~0", "~")


def _http_method(props: Props) -> str:
    method = (props.text("HttpMethod") or "*").upper()
    if method not in _METHODS:
        raise props.fail(f"HttpMethod must be one of {', '.join(_METHODS)}, got {method!r}", "HttpMethod")
    return method


def stage(props: Props, *, name: str, rest_api_id: str, deployment_id: str, logical_id: str) -> Stage:
    """A Stage from Stage properties or a StageDescription (they share these names)."""
    access = props.child("AccessLogSetting")
    size = props.text("CacheClusterSize")
    if size is not None and size not in _CACHE_SIZES:
        raise props.fail(f"CacheClusterSize must be one of {', '.join(_CACHE_SIZES)}", "CacheClusterSize")
    return Stage(
        name=name,
        rest_api_id=rest_api_id,
        deployment_id=deployment_id,
        description=props.text("Description"),
        variables=frozen(variables(props)),
        method_settings=frozen(method_settings(props)),
        tracing_enabled=props.flag("TracingEnabled"),
        access_log=None
        if access is None
        else AccessLogSetting(access.text("DestinationArn"), access.text("Format")),
        cache_cluster_enabled=props.flag("CacheClusterEnabled"),
        cache_cluster_size=size,
        logical_id=logical_id,
    )
