"""``vpcgate invoke NAME``: run one function once and print what it returned.

Two ways to reach the function:

- ``--endpoint URL``: a running vpcgate (or anything serving the Lambda Invoke API), over HTTP;
- ``TEMPLATE... [--parameter-overrides K=V ...]``: deploy the templates in this process, start the
  function's worker, invoke it, stop. NAME is the function's name or its logical id.

The payload is printed to stdout as returned; with ``--log-type Tail`` the log goes to stderr. As
``aws lambda invoke`` does, a function error still exits 0 (it is reported on stderr as
``FunctionError: Unhandled``); service errors (no such function, throttled, bad payload) exit 1.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import click

from vpcgate.errors import VpcgateError
from vpcgate.functions.invocation import InvocationType, InvokeResult
from vpcgate.functions.model import AliasSpec, EventInvokeConfig, FunctionSpec, VersionSpec
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.settings import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

_TYPES = [t.value for t in InvocationType]


def read_payload(value: str) -> bytes:
    """``@path`` reads a file; anything else is the JSON text itself. Must be JSON."""
    if value.startswith("@"):
        try:
            data = Path(value[1:]).read_bytes()
        except OSError as error:
            raise click.BadParameter(
                f"cannot read {value[1:]}: {error.strerror}", param_hint="--payload"
            ) from None
    else:
        data = value.encode()
    try:
        json.loads(data)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint="--payload") from None
    return data


@click.command("invoke")
@click.argument("name")
@click.argument("templates", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--payload", default="{}", show_default=True, help="The event: JSON text, or @file.")
@click.option("--endpoint", help="Invoke through a running Invoke API, e.g. http://127.0.0.1:3000.")
@click.option(
    "--parameter-overrides", "overrides", multiple=True, metavar="KEY=VALUE...", help="Stack parameters."
)
@click.option("--qualifier", help="A version or alias.")
@click.option("--invocation-type", type=click.Choice(_TYPES), default="RequestResponse", show_default=True)
@click.option("--log-type", type=click.Choice(["None", "Tail"]), default="None", show_default=True)
@click.option("--region", default=DEFAULT_REGION, show_default=True)
def invoke_command(
    name: str,
    templates: tuple[Path, ...],
    payload: str,
    endpoint: str | None,
    overrides: tuple[str, ...],
    qualifier: str | None,
    invocation_type: str,
    log_type: str,
    region: str,
) -> None:
    """Invoke function NAME once, from TEMPLATES or through --endpoint."""
    data = read_payload(payload)
    if bool(endpoint) == bool(templates):
        raise click.UsageError("give either --endpoint or at least one TEMPLATE")
    try:
        if endpoint:
            result = invoke_endpoint(endpoint, name, data, qualifier, invocation_type, log_type == "Tail")
        else:
            result = asyncio.run(
                invoke_templates(
                    templates, overrides, name, data, qualifier, InvocationType(invocation_type), region
                )
            )
    except VpcgateError as error:
        raise click.ClickException(str(error)) from None
    _print(result, tail=log_type == "Tail")


def _print(result: InvokeResult, *, tail: bool) -> None:
    if tail and result.log:
        click.echo(result.log, err=True, nl=False)
    if result.function_error:
        click.echo(f"FunctionError: {result.function_error}", err=True)
    if result.payload:
        sys.stdout.buffer.write(result.payload + b"\n")
        sys.stdout.flush()
    elif result.status != 200:
        click.echo(f"StatusCode: {result.status}", err=True)


def invoke_endpoint(
    endpoint: str, name: str, payload: bytes, qualifier: str | None, invocation_type: str, tail: bool
) -> InvokeResult:
    """POST to the Invoke API at ``endpoint`` (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html)."""
    url = f"{endpoint.rstrip('/')}/2015-03-31/functions/{quote(name, safe='')}/invocations"
    if qualifier:
        url += f"?Qualifier={quote(qualifier, safe='')}"
    headers = {"Content-Type": "application/json", "X-Amz-Invocation-Type": invocation_type}
    if tail:
        headers["X-Amz-Log-Type"] = "Tail"
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=960) as response:
            body = response.read()
            status = response.status
            got = response.headers
    except urllib.error.HTTPError as error:
        raise click.ClickException(_service_error(error)) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise click.ClickException(f"cannot reach {endpoint}: {reason}") from None
    log = base64.b64decode(got.get("X-Amz-Log-Result", "")).decode("utf-8", "replace")
    return InvokeResult(
        status=status,
        payload=body,
        request_id=got.get("x-amzn-RequestId", ""),
        executed_version=got.get("X-Amz-Executed-Version", "$LATEST"),
        function_error=got.get("X-Amz-Function-Error"),
        log=log,
    )


def _service_error(error: urllib.error.HTTPError) -> str:
    kind = error.headers.get("x-amzn-ErrorType", f"HTTP {error.code}")
    try:
        message = json.loads(error.read()).get("message", "")
    except (ValueError, AttributeError):
        message = ""
    return f"{kind}: {message}" if message else kind


async def invoke_templates(
    templates: Sequence[Path],
    overrides: Sequence[str],
    name: str,
    payload: bytes,
    qualifier: str | None,
    invocation_type: InvocationType,
    region: str,
) -> InvokeResult:
    """Deploy ``templates`` here, invoke ``name`` (a function name or logical id) once, stop."""
    from vpcgate.deploy.stacks import deploy_stacks

    stacks = deploy_stacks(list(templates), list(overrides), region=region, account_id=DEFAULT_ACCOUNT_ID)
    models = [d.model for stack in stacks for d in stack.resources.values()]
    functions = [m for m in models if isinstance(m, FunctionSpec)]
    by_logical_id = {f.logical_id: f.name for f in functions}
    with tempfile.TemporaryDirectory(prefix="vpcgate-invoke-") as work:
        service = FunctionService(
            ServiceConfig(work_dir=Path(work), region=region, account_id=DEFAULT_ACCOUNT_ID), log_sink=None
        )
        try:
            for spec in functions:
                service.deploy(spec)
            for model in models:
                if isinstance(model, VersionSpec):
                    service.add_version(model)
                elif isinstance(model, AliasSpec):
                    service.add_alias(model)
            service.set_event_invoke_configs(m for m in models if isinstance(m, EventInvokeConfig))
            target = by_logical_id.get(name, name)
            result = await service.invoke(
                target, payload, qualifier=qualifier, invocation_type=invocation_type
            )
            if invocation_type is InvocationType.EVENT:
                click.echo(
                    "Event accepted; running it here as Lambda would: a function error is retried "
                    "(by default twice, 1 then 2 minutes apart; the function's EventInvokeConfig "
                    "changes that). Ctrl-C stops.",
                    err=True,
                )
            await service.wait_for_events()
            return result
        finally:
            await service.shutdown()
