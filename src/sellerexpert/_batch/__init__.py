"""Many sellers at once: scoring a table of profiles to CSV or JSON Lines, in input order, in worker
processes (:mod:`sellerexpert._workers`), resumable, with a trace per row.

May import :mod:`sellerexpert._advisor` and the layers below it.
"""
