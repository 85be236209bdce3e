"""Seller populations for the benchmarks: rows that differ in what the rules read, so no figure measures the advice cache.

A population that cycles through a few combinations measures the cache (issue 21): after
the first rows every seller is one the rules cannot tell from an earlier one. Here every
field a rule may read gets a random value (or is left unknown), and :func:`signatures`
counts how many sellers the rules can tell apart, which each benchmark prints beside its
figure together with the advice cache's hit rate (:func:`hit_rate`).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import sellerexpert._advisor as advisor_module
from sellerexpert import FIELDS, Advisor, FieldSpec, ProfileError, SellerProfile
from sellerexpert._engine.evaluator import fact_values

MARKETS = ("US", "UK", "DE", "FR", "ES", "IT", "PL", "NL", "BR", "MX", "JP", "KR", "AU", "CA", "SA", "AE")
COLUMNS = tuple(spec.name for spec in FIELDS)
"""Every profile field, in the order of the field table (the CSV header)."""


def _value(rng: random.Random, spec: FieldSpec) -> str:
    """A random cell for one field, as text (empty for unknown), from the field's own type."""
    if spec.name == "name" or rng.random() < 0.2:
        return ""
    if spec.kind == "markets":
        return ";".join(rng.sample(MARKETS, rng.randint(1, 3)))
    if spec.kind == "count":
        return str(int(10 ** rng.uniform(0, 5)))  # five orders of magnitude: every band the rules compare against
    if spec.kind == "platforms":
        return ";".join(rng.sample(spec.allowed, rng.randint(1, len(spec.allowed))))
    if spec.allowed:
        return rng.choice(spec.allowed)
    return ""


def rows(count: int, *, seed: int = 21) -> Iterator[dict[str, str]]:
    """``count`` CSV rows (text cells, empty for unknown) with a random value, or none, in every field.

    Fields and values come from the field table, so a new field is varied too. A row the profile
    refuses (answers that contradict each other) is drawn again: every row consults.
    """
    rng = random.Random(seed)
    for index in range(count):
        while True:
            row = {spec.name: _value(rng, spec) for spec in FIELDS}
            row["name"] = f"seller-{index}"
            try:
                profile = SellerProfile.from_dict({k: v for k, v in row.items() if v != ""})
                # The advisor consults each target market on its own: each of those profiles must hold too.
                for market in profile.target_markets or ():
                    profile.with_changes(target_markets=(market,))
            except ProfileError:
                continue
            yield row
            break


def write_csv(path: Path, count: int, *, seed: int = 21) -> Path:
    """A CSV of ``count`` diverse sellers at ``path``."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.DictWriter(stream, fieldnames=COLUMNS)
        out.writeheader()
        out.writerows(rows(count, seed=seed))
    return path


def write_jsonl(path: Path, count: int, *, seed: int = 21) -> Path:
    """The same sellers as :func:`write_csv`, one JSON object a line (unknown fields left out)."""
    with path.open("w", encoding="utf-8") as stream:
        for row in rows(count, seed=seed):
            stream.write(json.dumps({k: v for k, v in row.items() if v != ""}) + "\n")
    return path


def profiles(count: int, *, seed: int = 21) -> list[SellerProfile]:
    """The first ``count`` sellers of the population, as profiles."""
    return [SellerProfile.from_dict({k: v for k, v in row.items() if v != ""}) for row in rows(count, seed=seed)]


def advice_key(advisor: Advisor, profile: SellerProfile) -> Any:
    """The key the advisor's advice cache files a seller under (sellers with one key get the same advice)."""
    plans, key = getattr(advisor, "_plans", None), getattr(advisor, "_advice_key", None)
    if plans is not None and key is not None:
        return key(plans(profile, None), "en")
    return advisor.evaluator.signature(fact_values(profile), profile.platforms)


def json_bodies(count: int, *, seed: int = 21) -> list[bytes]:
    """The population as JSON profile bodies (canonical values), as a web client sends them."""
    return [json.dumps(profile.to_dict(), ensure_ascii=False).encode() for profile in profiles(count, seed=seed)]


def hit_rates(advisor: Advisor, passes: Iterable[Iterable[SellerProfile | Mapping[str, Any]]]) -> list[tuple[int, int, int]]:
    """:func:`cache_pass` for several passes through one cache (a server's rounds): sellers, distinct, hits per pass."""
    cache = AdviceCache()
    out = []
    for sellers in passes:
        out.append(cache_pass(advisor, sellers, cache=cache))
    return out


RESULTS_HELD: int = getattr(advisor_module, "_RESULTS_HELD", 4096)
"""The advice cache's size (an earlier checkout, measured against this one, counted 4,096 results)."""


def advice_weight(profile: SellerProfile) -> int:
    """What a seller's advice weighs in the advice cache (1 in an earlier checkout, which counted results)."""
    weigh = getattr(advisor_module, "advice_weight", None)
    return weigh(profile) if weigh is not None else 1


class AdviceCache:
    """The keys of a copy of the advice cache's policy: what it holds is weighed (``advice_weight``) and it is
    emptied when the next seller would take it past ``_RESULTS_HELD``."""

    def __init__(self) -> None:
        self.keys: set[Any] = set()
        self.held = 0

    def add(self, key: Any, weight: int) -> None:
        if self.held + weight > RESULTS_HELD:
            self.keys.clear()
            self.held = 0
        self.held += weight
        self.keys.add(key)


def cache_pass(
    advisor: Advisor, sellers: Iterable[SellerProfile | Mapping[str, Any]], *, cache: AdviceCache | None = None
) -> tuple[int, int, int]:
    """Sellers, how many the rules can tell apart, and the advice cache's hits over one pass in one process.

    The hits are counted on a copy of the cache's own policy (:class:`AdviceCache`); a seller with
    economics is never cached. With several workers each has its own cache, so the hit rate is at most this.
    """
    seen: set[Any] = set()
    cache = AdviceCache() if cache is None else cache
    count = hits = 0
    for seller in sellers:
        profile = seller if isinstance(seller, SellerProfile) else SellerProfile.from_dict(seller)
        count += 1
        key = None if profile.economics is not None else advice_key(advisor, profile)
        seen.add(key if key is not None else ("uncached", count))
        if key is None:
            continue
        if key in cache.keys:
            hits += 1
            continue
        cache.add(key, advice_weight(profile))
    return count, len(seen), hits


def forget(advisor: Advisor) -> None:
    """Empty the advisor's advice cache, so the next figure is for sellers it has not seen."""
    cache = getattr(advisor, "_results", None)
    if cache is not None:
        cache.clear()
        advisor._results_held = 0  # type: ignore[attr-defined]
    briefs = getattr(advisor, "_briefs", None)  # what a batch's CSV rows keep instead, on checkouts that have them
    if briefs is not None:
        briefs.clear()
        advisor._briefs_held = 0  # type: ignore[attr-defined]


def describe(advisor: Advisor, sellers: Iterable[SellerProfile | Mapping[str, Any]]) -> str:
    """``N sellers, D distinct to the rules, advice-cache hit rate H%``: printed beside every figure."""
    count, distinct, hits = cache_pass(advisor, sellers)
    return f"{count:,} sellers, {distinct:,} distinct to the rules, advice-cache hit rate {hits / max(count, 1):.1%}"
