from ._cli.cli import cli

cli(prog_name="sellerexpert")
