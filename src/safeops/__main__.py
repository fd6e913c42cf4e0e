"""`python -m safeops` runs the CLI."""

from safeops.cli.app import run

run()
