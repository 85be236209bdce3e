"""The rule book: the rule files' schema, their loading and checks, the rule texts' templates, the routes
each platform offers per market, and the dated landed-cost tables (customs, route terms, fees); also the
JSON Schemas of the documents sellerexpert reads and writes (profiles, rule files, traces).

Knowledge only, no inference. May import: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._errors`,
:mod:`sellerexpert._files` and :mod:`sellerexpert._profile`.
"""
