"""One memory budget per process: what the long-lived stores may hold together, and each store's share of it.

A batch worker, a server process or an audit keeps what it has worked out (route checks, platform views, advice,
worded pieces, converted cells) to reuse it for the next seller the rules cannot tell apart. A diverse population
brings new entries to every store for hundreds of thousands of rows, so a bound per store, each set on its own,
let the stores together grow a batch worker past 160 MiB at 1,000,000 rows. Here the process has one budget, and
each store a share of it in bytes: the store weighs what it adds by what it holds (its entries' bytes as
``sys.getsizeof`` counts everything they keep alive, measured on bench/population.py's diverse sellers, per entry
or per cell beside each store), and lets go of everything when the next entry would take it past its share. The
shares add up to :data:`BUDGET` (a test holds them to it), so however long a run, what the stores hold stays
within the budget, and a worker's memory is flat once they are full.

Stores of a few dozen small entries (layouts, landed-cost comparisons, a catalogue's shared runs) keep their counts.
Letting go never changes an answer: every store holds values it can make again, the same byte for byte.
"""

from __future__ import annotations

MIB = 2**20

SHARES: dict[str, int] = {
    # _advisor.Advisor: route checks filed by what they read of the answers, with their route facts (and the
    # texts and checks those entries share); the second filing by whole answers shares them and weighs its keys.
    "route checks": 17 * MIB + MIB // 2,
    "route keys": MIB + MIB // 2,
    # _engine.evaluator.Evaluator: the platform views (facts, the conclusions their programs fold in, trace
    # records per numbering base) and the bindings views share.
    "platform views": 17 * MIB,
    "shared bindings": MIB + MIB // 2,
    # _advisor.Advisor: advice by what the rules read, the worded pieces, assumptions, outcomes, dated facts,
    # route checks in another language.
    "advice": 3 * MIB,
    "pieces": MIB,
    "assumptions": 3 * MIB,
    "outcomes": MIB,
    "rests on": MIB // 2,
    "worded routes": MIB,
    # _profile.profile: text cells already converted.
    "converted cells": MIB,
}
"""Each store's share, in bytes."""

BUDGET = 48 * MIB
"""What the long-lived stores of one process may hold together: the sum of :data:`SHARES`."""


def allowance(store: str, unit: int) -> int:
    """How many units of ``unit`` bytes (an entry's or a cell's weight) the store named ``store`` may hold.

    :raises KeyError: for a store with no share.
    """
    return SHARES[store] // unit
