"""The ``vpcgate`` command: argument parsing and human output, nothing else."""

from __future__ import annotations

import click

from vpcgate import __version__


@click.group()
@click.version_option(__version__, prog_name="vpcgate")
def main() -> None:
    """Run API Gateway, Lambda and private VPCs from CloudFormation templates, locally."""
