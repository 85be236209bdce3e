"""The command line: click commands over the public API, their parameter types, help pages and exit codes
(2 for bad input or usage, 1 for a check that failed).

Click lives here only. May import every layer below, and :mod:`sellerexpert.web` for ``serve``.
"""
