"""Files in and out: reading a profile, rule or trace document with its line numbers, writing a file whole
or not at all, spreadsheets (.xlsx), and the example files shipped with the package.

Owns no advice: it knows bytes, formats and limits. May import: :mod:`sellerexpert._i18n` and
:mod:`sellerexpert._errors`.
"""
