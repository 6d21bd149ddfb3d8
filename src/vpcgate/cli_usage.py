"""``vpcgate usage PLAN_ID --start YYYY-MM-DD --end YYYY-MM-DD [--key KEY_ID] [--endpoint URL]``:
a usage plan's usage as ``aws apigateway get-usage`` prints it (``items``: per API key id, one
``[used, remaining]`` pair per day; https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html).

It asks a running gateway (``vpcgate up``) at ``--endpoint`` (default ``http://127.0.0.1:3000``),
``GET /.vpcgate/usage`` (:mod:`vpcgate.gateway.guard_setup`), so it reads whatever state that node
keeps: its memory, or the Redis every node shares. Only loopback-style URLs the user gives are
contacted.

Errors (printed, exit 1, never a traceback)::

    VpcgateError
    └── ConfigError   the gateway cannot be reached, or refused the question (unknown plan or key,
                      bad dates, its state store unreachable)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, datetime
from urllib.parse import urlencode

import click

from vpcgate.errors import ConfigError

__all__ = ["usage_command"]

USAGE_PATH = "/.vpcgate/usage"


@click.command("usage")
@click.argument("plan_id")
@click.option("--key", "key_id", default=None, help="Only this API key id.")
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC), included.")
@click.option(
    "--endpoint",
    default="http://127.0.0.1:3000",
    show_default=True,
    help="The running gateway (vpcgate up) to ask.",
)
def usage_command(plan_id: str, key_id: str | None, start: datetime, end: datetime, endpoint: str) -> None:
    """Print a usage plan's usage per API key and day, as GetUsage reports it."""
    report = fetch_usage(endpoint, plan_id, start.date(), end.date(), key_id)
    click.echo(json.dumps(report, indent=4))


def fetch_usage(endpoint: str, plan_id: str, start: date, end: date, key_id: str | None = None) -> object:
    """GetUsage from a running gateway, shaped as the SDKs show it (``items``)."""
    query = {"plan": plan_id, "start": start.isoformat(), "end": end.isoformat()}
    if key_id is not None:
        query["key"] = key_id
    url = f"{endpoint.rstrip('/')}{USAGE_PATH}?{urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise ConfigError(f"usage: {_message(error.read())}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ConfigError(f"usage: cannot reach the gateway at {endpoint}: {error}") from None
    except ValueError:
        raise ConfigError(f"usage: {endpoint} did not answer a usage report") from None
    if not isinstance(body, dict) or "values" not in body:
        raise ConfigError(f"usage: {endpoint} did not answer a usage report")
    body["items"] = body.pop("values")
    return body


def _message(raw: bytes) -> str:
    try:
        return str(json.loads(raw)["message"])
    except (ValueError, KeyError, TypeError):
        return raw.decode("utf-8", "replace")
