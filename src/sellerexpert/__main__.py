from sellerexpert.cli import cli

cli(prog_name="sellerexpert")
