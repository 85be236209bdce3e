"""The command line: a thin layer over the public API (placeholder until the CLI lands)."""

import click


@click.group()
def cli() -> None:
    """Advise a seller on fully-managed vs semi-managed selling."""
