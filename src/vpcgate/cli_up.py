"""``vpcgate up TEMPLATE...``: deploy the templates, serve them until Ctrl-C.

When everything listens it prints each API's invoke URLs (per stage) and the stack outputs, then
serves: the gateway and the Lambda Invoke API (``/2015-03-31/functions/...``) on one port.
Ctrl-C (SIGINT) or SIGTERM stops it in order (see :mod:`vpcgate.app`). ``--watch`` polls the
templates and function code once a second and redeploys on a change (:meth:`App.reload`: new
stages swapped in at once, requests in flight finish on the old ones; a template with an error is
reported and the running deployment kept). ``--workers N`` serves the port from N processes
(SO_REUSEPORT; host network mode only): this process reserves the port, prints the URLs and
supervises; each worker runs its own gateway and function pools, so warm workers are per process.

Network (issue 5): ``--network-mode auto|namespace|userns|guard|host`` (default auto: the strongest
this host allows; ``namespaces`` is accepted for namespace); ``up`` prints the mode and why before
serving, and enters userns mode's user namespace before any thread starts. ``--network-reject``
answers refused connections with a reset instead of AWS's drop (:mod:`vpcgate.network.running`).

Limits and authorization (issue 7): ``--state redis://HOST:PORT/DB`` keeps token buckets, quotas
and the authorizer cache in Redis, shared by every node pointed at it (default ``memory``: this
process only; with ``--workers N`` and memory state each worker has its own buckets);
``--state-fail open|closed`` is what requests get while Redis is unreachable (open: pass, with a
logged warning; closed: AWS's 500). ``--account-rate``/``--account-burst`` set the account-level
bucket (0 and 0: none). ``--jwks ISSUER=PATH|URL`` gives a Cognito user pool's keys;
``--iam-credentials ACCESS_KEY:SECRET[:USER_ARN]`` the key pairs AWS_IAM methods accept. The
banner lists every API key (id, value, name), generated values included.

Exit statuses as ``vpcgate``'s: a VpcgateError (bad template, missing parameter, network refused)
propagates to ``cli.run``, which prints it and exits 1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import click

from vpcgate.app import HOST_MODE, App, AppConfig, shared_listener
from vpcgate.errors import ConfigError, VpcgateError
from vpcgate.gateway.guard_setup import (
    GuardSettings,
    account_rate,
    parse_iam_credentials,
    parse_jwks_option,
)
from vpcgate.http.workers import run as run_loop
from vpcgate.limits.guard import FailMode
from vpcgate.limits.rules import ACCOUNT_DEFAULT
from vpcgate.limits.state import StateConfig
from vpcgate.network.running import CHOICES as NETWORK_CHOICES
from vpcgate.network.running import enter_for
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
    type=click.Choice(NETWORK_CHOICES),
    default="auto",
    show_default=True,
    help="auto: the strongest this host allows (printed, with why); namespace (root): VPCs as network"
    " namespaces; userns: the same for a non-root user; guard: weaker, loopback aliases and a connect"
    " check in the built-in runtimes; host: no VPC isolation, instances not started.",
)
@click.option(
    "--network-reject",
    is_flag=True,
    help="Refuse what security groups do not allow with a reset (fails fast) instead of AWS's drop.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".vpcgate"),
    show_default=True,
    help="Where function code is unpacked (and the usage plans' creation time is kept, for quota offsets).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving the port (host network mode); each has its own function workers.",
)
@click.option("--watch", is_flag=True, help="Redeploy when a template or function code changes.")
@click.option("--trace", is_flag=True, help="Print each request's execution trace (the console's Test view).")
@click.option(
    "--access-log",
    metavar="FILE|-",
    default=None,
    help="Write access log lines (a Stage's AccessLogSetting format, else CLF) to FILE, or - for stderr.",
)
@click.option("--quiet", is_flag=True, help="Warnings only: no function logs (they cost ~1 ms a request).")
@click.option(
    "--state",
    default="memory",
    show_default=True,
    metavar="memory|redis://HOST:PORT/DB",
    help="Where token buckets, quotas and the authorizer cache live (Redis: shared by several nodes).",
)
@click.option(
    "--state-fail",
    type=click.Choice([m.value for m in FailMode]),
    default=FailMode.OPEN.value,
    show_default=True,
    help="While the state store is unreachable: open (pass, warn) or closed (500).",
)
@click.option(
    "--account-rate",
    type=click.FloatRange(0),
    default=ACCOUNT_DEFAULT.rate,
    show_default=True,
    help="Account-level throttle: requests per second.",
)
@click.option(
    "--account-burst",
    type=click.IntRange(0),
    default=ACCOUNT_DEFAULT.burst,
    show_default=True,
    help="Account-level throttle: bucket size (rate 0 and burst 0: no account bucket).",
)
@click.option(
    "--jwks",
    multiple=True,
    metavar="ISSUER=PATH|URL",
    help="A Cognito user pool's keys (issuer https://cognito-idp.REGION.amazonaws.com/POOL_ID).",
)
@click.option(
    "--iam-credentials",
    "iam_credentials",
    multiple=True,
    metavar="ACCESS_KEY:SECRET[:USER_ARN]",
    help="A key pair AWS_IAM methods accept (SigV4).",
)
def up(
    templates: tuple[Path, ...],
    overrides: tuple[str, ...],
    region: str,
    strict: bool,
    host: str,
    port: int,
    network_mode: str,
    network_reject: bool,
    state_dir: Path,
    workers: int,
    watch: bool,
    trace: bool,
    access_log: str | None,
    quiet: bool,
    state: str,
    state_fail: str,
    account_rate: float,
    account_burst: int,
    jwks: tuple[str, ...],
    iam_credentials: tuple[str, ...],
) -> None:
    """Deploy the templates and serve them until Ctrl-C."""
    guard_options = {
        "state": state,
        "state_fail": state_fail,
        "account_rate": account_rate,
        "account_burst": account_burst,
        "jwks": list(jwks),
        "iam_credentials": list(iam_credentials),
    }
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
        network_reject=network_reject,
        guards=guard_settings(guard_options, DEFAULT_ACCOUNT_ID),
        trace=trace,
        access_log=access_log,
    )
    app = App.deploy(config)
    mode, reason = app.choose_network()
    click.echo(f"network mode: {mode} ({reason})")
    enter_for(mode)  # userns: before any thread starts
    _logging(quiet)
    if workers > 1:
        run_workers(app, workers, watch=watch, quiet=quiet, guard_options=guard_options)
        return
    run_loop(serve(app, watch=watch))  # uvloop (vpcgate.http.workers owns it)


def guard_settings(options: dict[str, Any], account_id: str) -> GuardSettings:
    """The issue-7 options (a JSON-able dict, so ``--workers`` can hand them on) → GuardSettings."""
    return GuardSettings(
        state=StateConfig(options["state"], FailMode.parse(options["state_fail"])),
        account=account_rate(options["account_rate"], options["account_burst"]),
        jwks=tuple(parse_jwks_option(text) for text in options["jwks"]),
        iam_credentials=tuple(parse_iam_credentials(text, account_id) for text in options["iam_credentials"]),
    )


def _logging(quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")


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


def print_ready(app: App, address: tuple[str, int] | None = None) -> None:
    for url in app.invoke_urls(address):
        click.echo(f"api {url.api_name} ({url.api_id}) stage {url.stage}:")
        for invoke_url in url.urls:
            click.echo(f"  {invoke_url}")
    for stack, name, value in app.outputs():
        click.echo(f"output {stack}.{name} = {value}")
    for key in app.api_keys():
        state = "" if key.enabled else " (disabled)"
        click.echo(f"api key {key.name} ({key.id}): {key.value}{state}")
    host, port = address or app.address
    click.echo(f"Lambda Invoke API: http://{host}:{port}/2015-03-31/functions/{{name}}/invocations")
    click.echo(f"vpcgate is serving on http://{host}:{port} (Ctrl-C to stop)")


# -- several processes on one port ---------------------------------------------------------------

_WORKER = "from vpcgate.cli_up import worker_main; worker_main()"
READY = "worker ready"


def run_workers(
    app: App, workers: int, *, watch: bool, quiet: bool, guard_options: dict[str, Any] | None = None
) -> None:
    """Serve the port from ``workers`` processes (SO_REUSEPORT); stop them all on SIGINT/SIGTERM,
    or when one of them dies. This process only reserves the port, prints and supervises."""
    config = app.config
    if app.choose_network()[0] != HOST_MODE:
        raise ConfigError("--workers N needs --network-mode host (namespaces are built by one process)")
    try:
        reserved = shared_listener(config.host, config.port, listen=False)
    except OSError as error:
        raise ConfigError(
            f"cannot listen on {config.host}:{config.port}: {error.strerror or error}"
        ) from None
    port = int(reserved.getsockname()[1])
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    children: list[subprocess.Popen[str]] = []
    try:
        for index in range(workers):
            children.append(_spawn(config, port, index, watch=watch, quiet=quiet, guards=guard_options))
        for child in children:
            _wait_ready(child)
        print_ready(app, (config.host, port))
        while not stop.wait(0.2):
            if any(child.poll() is not None for child in children):
                raise ConfigError("a worker process exited; stopping the others")
        click.echo("stopping...", err=True)
    finally:
        _stop_all(children)
        reserved.close()


def _spawn(
    config: AppConfig,
    port: int,
    index: int,
    *,
    watch: bool,
    quiet: bool,
    guards: dict[str, Any] | None = None,
) -> subprocess.Popen[str]:
    settings = {
        "templates": [str(p) for p in config.templates],
        "overrides": list(config.overrides),
        "region": config.region,
        "account_id": config.account_id,
        "strict": config.strict,
        "host": config.host,
        "port": port,
        "state_dir": str(config.state_dir / f"worker-{index}"),
        "watch": watch,
        "quiet": quiet,
        "guards": guards,
        "trace": config.trace,
        "access_log": config.access_log,
    }
    argv = [sys.executable, "-c", _WORKER, json.dumps(settings)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def _wait_ready(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != READY:
        raise ConfigError("a worker process failed to start (see its error above)")


def _stop_all(children: list[subprocess.Popen[str]], grace: float = 15.0) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def worker_main() -> None:
    """One worker process of ``up --workers N`` (started by :func:`run_workers`)."""
    settings = json.loads(sys.argv[1])
    _logging(settings["quiet"])
    config = AppConfig(
        templates=tuple(Path(p) for p in settings["templates"]),
        overrides=tuple(settings["overrides"]),
        region=settings["region"],
        account_id=settings["account_id"],
        strict=settings["strict"],
        host=settings["host"],
        port=settings["port"],
        state_dir=Path(settings["state_dir"]),
        reuse_port=True,
        trace=bool(settings.get("trace")),
        access_log=settings.get("access_log"),
        guards=(
            guard_settings(settings["guards"], settings["account_id"])
            if settings.get("guards")
            else GuardSettings()
        ),
    )
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when workers stop
    try:
        app = App.deploy(config)
        run_loop(_serve_worker(app, watch=settings["watch"]))
    except VpcgateError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None


async def _serve_worker(app: App, *, watch: bool) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    watcher: asyncio.Task[None] | None = None
    try:
        await app.start()
        print(READY, flush=True)
        if watch:
            watcher = asyncio.get_running_loop().create_task(watch_and_reload(app))
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await app.stop()
