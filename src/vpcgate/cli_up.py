"""``vpcgate up TEMPLATE...``: deploy the templates, serve them until Ctrl-C.

When everything listens it prints each API's invoke URLs (per stage) and the stack outputs, then
serves: the gateway and the Lambda Invoke API (``/2015-03-31/functions/...``) on one port.
Ctrl-C (SIGINT) or SIGTERM stops it in order (see :mod:`vpcgate.app`). ``--watch`` polls the
templates and function code once a second and redeploys on a change (:meth:`App.reload`: new
stages swapped in at once, requests in flight finish on the old ones; a template with an error is
reported and the running deployment kept).

Exit statuses as ``vpcgate``'s: a VpcgateError (bad template, missing parameter, network refused)
propagates to ``cli.run``, which prints it and exits 1.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import click

from vpcgate.app import HOST_MODE, NAMESPACES_MODE, App, AppConfig
from vpcgate.errors import VpcgateError
from vpcgate.settings import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

__all__ = ["up"]


@click.command("up")
@click.argument("templates", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--parameter-overrides",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE...",
    help="Stack parameters, as SAM writes them: Key=Value or ParameterKey=K,ParameterValue=V.",
)
@click.option("--region", default=DEFAULT_REGION, show_default=True, help="AWS::Region.")
@click.option("--strict", is_flag=True, help="Unsupported resource types are errors.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the gateway listens on.")
@click.option(
    "--port", default=3000, show_default=True, type=int, help="Port the gateway listens on (0: any)."
)
@click.option(
    "--network-mode",
    type=click.Choice([HOST_MODE, NAMESPACES_MODE]),
    default=HOST_MODE,
    show_default=True,
    help="host: no VPC isolation, instances not started; namespaces (root): VPCs as network namespaces.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".vpcgate"),
    show_default=True,
    help="Where function code is unpacked.",
)
@click.option("--watch", is_flag=True, help="Redeploy when a template or function code changes.")
@click.option("--quiet", is_flag=True, help="Warnings only: no function logs (they cost ~1 ms a request).")
def up(
    templates: tuple[Path, ...],
    overrides: tuple[str, ...],
    region: str,
    strict: bool,
    host: str,
    port: int,
    network_mode: str,
    state_dir: Path,
    watch: bool,
    quiet: bool,
) -> None:
    """Deploy the templates and serve them until Ctrl-C."""
    config = AppConfig(
        templates=templates,
        overrides=overrides,
        region=region,
        account_id=DEFAULT_ACCOUNT_ID,
        strict=strict,
        host=host,
        port=port,
        state_dir=state_dir,
        network_mode=network_mode,
    )
    app = App.deploy(config)
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")
    # Not uvloop yet: vpcgate.http.server asserts asyncio.Transport, which uvloop's transports are not.
    asyncio.run(serve(app, watch=watch))


async def serve(app: App, *, watch: bool = False) -> None:
    """Start, print the ready banner, (watch,) wait for SIGINT/SIGTERM, stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher: asyncio.Task[None] | None = None
    try:
        await app.start()
        print_ready(app)
        if watch:
            watcher = loop.create_task(watch_and_reload(app))
        await stop.wait()
        click.echo("stopping...", err=True)
    finally:
        if watcher is not None:
            watcher.cancel()
        await app.stop()


def snapshot(paths: list[Path], limit: int = 10_000) -> dict[Path, float]:
    """The modification time of each path and of the files under each directory (bounded)."""
    times: dict[Path, float] = {}
    for path in paths:
        for item in [path, *(path.rglob("*") if path.is_dir() else ())][:limit]:
            try:
                times[item] = item.stat().st_mtime
            except OSError:
                times[item] = -1.0
    return times


async def watch_and_reload(app: App, interval: float = 1.0) -> None:
    """Poll the watched paths; on a change, redeploy (a wrong template keeps the running one)."""
    seen = snapshot(app.watched_paths())
    while True:
        await asyncio.sleep(interval)
        now = snapshot(app.watched_paths())
        if now == seen:
            continue
        seen = now
        try:
            await app.reload()
        except VpcgateError as error:
            click.echo(f"not redeployed: {error}", err=True)
            continue
        click.echo("redeployed", err=True)


def print_ready(app: App) -> None:
    for url in app.invoke_urls():
        click.echo(f"api {url.api_name} ({url.api_id}) stage {url.stage}:")
        for address in url.urls:
            click.echo(f"  {address}")
    for stack, name, value in app.outputs():
        click.echo(f"output {stack}.{name} = {value}")
    host, port = app.address
    click.echo(f"Lambda Invoke API: http://{host}:{port}/2015-03-31/functions/{{name}}/invocations")
    click.echo(f"vpcgate is serving on http://{host}:{port} (Ctrl-C to stop)")
