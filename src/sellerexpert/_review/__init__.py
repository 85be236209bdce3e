"""Keeping the rule book honest: lint (schema, duplicates, dead rules, facts past review), coverage (how often
each rule fires over every profile) and the rules as listed and shown to people.

May import :mod:`sellerexpert._advisor` and the layers below it.
"""
