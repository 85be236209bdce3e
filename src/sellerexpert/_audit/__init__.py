"""Auditing stored traces: replaying each on today's rules, verifying its signature, comparing what changed,
and reporting per trace, for one file or a folder of thousands.

May import :mod:`sellerexpert._advisor` and the layers below it (worker processes: :mod:`sellerexpert._workers`).
"""
