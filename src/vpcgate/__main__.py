"""``python -m vpcgate`` runs the command line."""

from vpcgate.cli import entry

entry()
