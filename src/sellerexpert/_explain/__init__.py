"""Explaining a trace: how each recommendation was derived, in words, markdown, JSON or a Graphviz graph,
and why not the other model (the smallest profile change that would turn it, checked by consulting).

May import :mod:`sellerexpert._advisor` and the layers below it.
"""
