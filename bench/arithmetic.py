"""Landed-cost arithmetic benchmark: the CPU of one evaluation of the month, its lines and its slopes, A/B.

Run from the repository root after installing the package:

    python bench/arithmetic.py --against /tmp/old/src                 # 2,000 products, 5 repeats, 2 rounds
    python bench/arithmetic.py --products 500 --against /tmp/old/src  # quicker

The products are the catalogue benchmark's (bench/catalogue.py: distinct, seeded). In a fresh process per
tree, every landed-cost evaluation a brief catalogue comparison of them makes is recorded (the plan, the values
and the units of each call of ``_month_parts`` and of the slopes), then replayed alone, timed in CPU: the lines
(``_month_parts``, as a comparison works a model out), the month alone (as a tipping value's search does), the
slopes, and ``cents`` over every value. The trees run in turn, round after round, and each figure's median over
the rounds is shown with the ratio of this tree's to the other's: the only comparison that holds on a shared
machine. A digest of every result shows that both trees give the same exact rationals. Nothing is written to
bench/RESULTS.md: this is a microbenchmark of one module's arithmetic (no consultation runs, so no advice cache
is read); whole-process figures are bench/catalogue.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "catalogue-ningbo-home.yaml"
FIGURES = ("month_parts", "month_only", "slopes", "cents")

# Runs in a fresh process with one tree's src/ first on the path: records the calls, replays them timed.
_CHILD = """
import hashlib, json, statistics, sys, time
from pathlib import Path
import sellerexpert
from sellerexpert._economics import margins as M
from sellerexpert._economics.catalogue_input import ProductReader
from sellerexpert._profile.rows import RowReader

products, profile, repeats = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
parts, slopes = [], []
month_parts, slopes_of = M._month_parts, M._slopes

def record_parts(plan, values, units, *, month_only=False):
    parts.append((plan, dict(values), units, month_only))
    return month_parts(plan, values, units, month_only=month_only)

# The tipping values read the slopes as integer pairs where a tree has them (_slope_pairs), else as Fractions:
# the calls are recorded where they are made, and replayed through _slopes (Fractions) in both trees alike.
slope_name = "_slope_pairs" if hasattr(M, "_slope_pairs") else "_slopes"
slope_call = getattr(M, slope_name)

def record_slopes(plan, values, units):
    slopes.append((plan, dict(values), units))
    return slope_call(plan, values, units)

M._month_parts = record_parts
setattr(M, slope_name, record_slopes)
advisor = sellerexpert.Advisor()
company = sellerexpert.SellerProfile.from_file(profile)
items = list(ProductReader.of(RowReader.open(products, any_columns=True)).products(company))
for item in items:
    for market in item.profile.target_markets:
        advisor._landed(item.profile.in_market(market), "en", brief=True)
M._month_parts = month_parts
setattr(M, slope_name, slope_call)
full = [(p, v, u) for p, v, u, only in parts if not only]
alone = [(p, v, u) for p, v, u, only in parts if only]
digest = hashlib.sha256()
for plan, values, units, only in parts:
    digest.update(repr(month_parts(plan, values, units, month_only=only)).encode())
for plan, values, units in slopes:
    digest.update(repr(slopes_of(plan, values, units)).encode())
amounts = [value for _plan, values, _units in full for value in values.values()]

def timed(run):
    spent = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        spent.append(time.process_time() - start)
    return statistics.median(spent)

figures = {
    "month_parts": timed(lambda: [month_parts(p, v, u) for p, v, u in full]),
    "month_only": timed(lambda: [month_parts(p, v, u, month_only=True) for p, v, u in alone]),
    "slopes": timed(lambda: [slopes_of(p, v, u) for p, v, u in slopes]),
    "cents": timed(lambda: [M.cents(a) for a in amounts]),
}
calls = {"month_parts": len(full), "month_only": len(alone), "slopes": len(slopes), "cents": len(amounts)}
print(json.dumps({"figures": figures, "calls": calls, "digest": digest.hexdigest(), "products": len(items)}))
"""


def run_tree(src: Path, products: Path, repeats: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(products), str(PROFILE), str(repeats)],
        capture_output=True, text=True, env=env, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the run from {src} failed:\n{done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2_000, help="distinct products whose evaluations are replayed")
    parser.add_argument("--repeats", type=int, default=5, help="replays per process (their median is its figure)")
    parser.add_argument("--rounds", type=int, default=2, help="processes per tree, in turn with the other's")
    parser.add_argument("--against", type=Path, required=True, help="another checkout's src/ folder")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from catalogue import write_products

    trees = {"this": ROOT / "src", "against": args.against}
    with tempfile.TemporaryDirectory() as folder:
        products = Path(folder) / "products.csv"
        distinct = write_products(products, args.products)
        runs: dict[str, list[dict[str, object]]] = {name: [] for name in trees}
        for _round in range(args.rounds):
            for name, src in trees.items():
                runs[name].append(run_tree(src, products, args.repeats))
    print(f"Machine: {platform.system()} {platform.release()} | {platform.processor() or platform.machine()} | "
          f"{os.cpu_count()} CPUs | Python {platform.python_version()} | load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{args.products:,} products ({distinct:,} distinct signatures; no advice cache is read), "
          f"{args.repeats} replays x {args.rounds} rounds per tree; this tree against {args.against}")
    first = runs["this"][0]
    calls: dict[str, int] = first["calls"]  # type: ignore[assignment]
    print(f"{'replayed':<12} {'calls':>8} {'this ms':>9} {'other ms':>9} {'ratio':>6}  (CPU, median over rounds)")
    for figure in FIGURES:
        mine = statistics.median(float(r["figures"][figure]) for r in runs["this"])  # type: ignore[index]
        theirs = statistics.median(float(r["figures"][figure]) for r in runs["against"])  # type: ignore[index]
        print(f"{figure:<12} {calls[figure]:>8,} {mine * 1000:>9.1f} {theirs * 1000:>9.1f} {mine / theirs:>6.2f}")
    digests = {str(r["digest"]) for results in runs.values() for r in results}
    print("same rationals out in both trees: " + ("yes" if len(digests) == 1 else f"NO ({len(digests)} digests)"))
    if len(digests) != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
