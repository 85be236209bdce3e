"""The seller's profile: its fields and their types, the conditions rules test on them, the economics
section (the seller's own numbers, read and checked), reading a profile from a file, stdin, options or a
table row.

May import: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._errors` and :mod:`sellerexpert._files`.
"""
