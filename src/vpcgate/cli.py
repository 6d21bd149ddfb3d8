"""The ``vpcgate`` command: argument parsing and human output, nothing else.

Exit statuses: 0 success; 1 an error meant for a person (any VpcgateError: a bad template, a
missing parameter); 2 a bug (the traceback is printed: please report it).
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from vpcgate import __version__
from vpcgate.describe import describe
from vpcgate.errors import VpcgateError
from vpcgate.settings import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

OVERRIDES_FLAG = "--parameter-overrides"

# Piped output (scripts, tests) is not cut to 80 columns: ARNs and ids must stay whole.
_PIPED_WIDTH = 240
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else _PIPED_WIDTH)
err = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else _PIPED_WIDTH
)


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Let ``--parameter-overrides A=1 B=2`` take several values, as SAM's flag does.

    Every ``Key=Value`` (or ``ParameterKey=K,ParameterValue=V``) token after the flag belongs to it,
    up to the first token without ``=``; a quoted ``"A=1 B=2"`` is split as a shell would.
    """
    result: list[str] = []
    taking = False
    for token in argv:
        if token == OVERRIDES_FLAG:
            taking = True
            continue
        if taking and "=" in token and not token.startswith("-"):
            for piece in shlex.split(token):
                result += [OVERRIDES_FLAG, piece]
            continue
        taking = False
        result.append(token)
    return result


def _deploy(templates: Sequence[Path], overrides: Sequence[str], region: str, strict: bool) -> Any:
    from vpcgate.deploy.stacks import deploy_stacks

    return deploy_stacks(
        list(templates), list(overrides), region=region, account_id=DEFAULT_ACCOUNT_ID, strict=strict
    )


templates_arg = click.argument(
    "templates", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
overrides_opt = click.option(
    OVERRIDES_FLAG,
    "overrides",
    multiple=True,
    metavar="KEY=VALUE...",
    help="Stack parameters, as SAM writes them: Key=Value or ParameterKey=K,ParameterValue=V.",
)
region_opt = click.option("--region", default=DEFAULT_REGION, show_default=True, help="AWS::Region.")
strict_opt = click.option("--strict", is_flag=True, help="Unsupported resource types are errors.")


@click.group()
@click.version_option(__version__, prog_name="vpcgate")
def main() -> None:
    """Run API Gateway, Lambda and private VPCs from CloudFormation templates, locally."""


@main.command()
@templates_arg
@overrides_opt
@region_opt
@strict_opt
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
def validate(
    templates: tuple[Path, ...], overrides: tuple[str, ...], region: str, strict: bool, as_json: bool
) -> None:
    """Check templates without running anything; print stacks, resources, functions and routes."""
    stacks = _deploy(templates, overrides, region, strict)
    info = describe(stacks)
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        print_description(info)


@main.command()
@click.option("--seed", type=click.Path(path_type=Path, file_okay=False), default=Path("../shared/seed"))
@click.option(
    "--network-mode",
    "mode",
    type=click.Choice(["auto", "namespaces", "host"]),
    default="auto",
    show_default=True,
    help="auto: namespaces when root, else host (announced).",
)
@click.option("--no-serve", is_flag=True, help="Stop after the checks instead of serving the example.")
@click.option(
    "--port", default=3000, show_default=True, help="Port the example is served on after the checks."
)
def demo(seed: Path, mode: str, no_serve: bool, port: int) -> None:
    """Run the seed architecture end to end and compare every answer with the seed's README; then
    the project's own example (examples/private-notes), checked, then served until Ctrl-C."""
    import asyncio

    from vpcgate.demo import run_demo, run_example, serve_example

    say = out.print
    if not asyncio.run(run_demo(seed, say, mode)):
        raise click.exceptions.Exit(1)
    say("[green]The seed works end to end: every answer is the one its README promises.[/green]")
    say("examples/private-notes (Python backend, Python proxy function, the API):")
    if not asyncio.run(run_example(say, mode)):
        raise click.exceptions.Exit(1)
    say("[green]The project's own example works end to end.[/green]")
    if not no_serve:
        asyncio.run(serve_example(say, mode, port))


def _register_commands() -> None:
    """Commands that live in their own modules (they pull in heavier imports)."""
    from vpcgate.cli_invoke import invoke_command
    from vpcgate.cli_up import up
    from vpcgate.cli_usage import usage_command

    main.add_command(invoke_command)
    main.add_command(up)
    main.add_command(usage_command)


_register_commands()


def print_description(info: dict[str, Any]) -> None:
    """Human output of :func:`vpcgate.describe.describe`."""
    for stack in info["stacks"]:
        out.print(f"[bold]stack[/bold] {stack['name']}  ({stack['template']})")
        for key, value in stack["parameters"].items():
            out.print(f"  parameter {key} = {value}")
        table = Table("logical id", "type", "physical id", box=None, pad_edge=False)
        for res in stack["resources"]:
            table.add_row(res["logical_id"], res["type"], res["physical_id"])
        out.print(table)
        for name, output in stack["outputs"].items():
            export = f"  (export {output['export']})" if output["export"] else ""
            out.print(f"  output {name} = {output['value']}{export}")
        for warning in stack["warnings"]:
            err.print(f"  [yellow]warning:[/yellow] {warning}")
    for fn in info["functions"]:
        out.print(
            f"[bold]function[/bold] {fn['name']}  {fn['runtime']}  {fn['handler']}  "
            f"timeout {fn['timeout']} s  memory {fn['memory_mb']} MB"
        )
        if fn["vpc_config"]:
            vpc = fn["vpc_config"]
            out.print(
                f"  VpcConfig subnets {', '.join(vpc['subnet_ids'])}  "
                f"security groups {', '.join(vpc['security_group_ids'])}"
            )
    for net in info["networks"]:
        out.print(
            f"[bold]{net['kind']}[/bold] " + "  ".join(f"{k} {v}" for k, v in net.items() if k != "kind")
        )
    for api in info["apis"]:
        out.print(f"[bold]api[/bold] {api['name']} ({api['id']})")
        table = Table("stage", "method", "path", "integration", "target", box=None, pad_edge=False)
        for r in api["routes"]:
            table.add_row(r["stage"], r["method"], r["path"], r["integration"], r["target"])
        out.print(table)


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point: translate errors meant for people into exit status 1, bugs into 2."""
    args = normalize_argv(sys.argv[1:] if argv is None else argv)
    try:
        main.main(args=args, prog_name="vpcgate", standalone_mode=False)
    except VpcgateError as exc:
        err.print("error:", style="red", end=" ")
        err.print(str(exc), markup=False)
        return 1
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 130
    return 0


def entry() -> None:
    """The console script."""
    raise SystemExit(run())
