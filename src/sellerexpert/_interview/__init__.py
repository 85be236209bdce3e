"""The interview: the next question worth asking (the one whose answer could still change the advice),
reading answers as people write them (English or Chinese), the questions for the seller's own numbers, and
the dialogue at a terminal.

May import :mod:`sellerexpert._advisor` and the layers below it.
"""
