"""The package version: the one place it is written (pyproject.toml reads it from here).

A literal, not a metadata lookup: importing ``importlib.metadata`` costs more
than the rest of ``sellerexpert --version``.
"""

__version__ = "0.1.0"
