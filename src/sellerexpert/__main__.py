from sellerexpert._cli import cli

cli(prog_name="sellerexpert")
