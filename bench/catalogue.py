"""Catalogue benchmark: products/s and peak memory of `sellerexpert catalogue`, distinct products, 3 platforms, 2 markets.

Run from the repository root after installing the package:

    python bench/catalogue.py               # 100 and 1,000 products
    python bench/catalogue.py --sizes 300   # other sizes

Every product differs (unit cost, prices, weight, category and volume drawn at random, seeded), so
no two share a consultation: the figures measure the engine and the landed-cost arithmetic, not the
cache. Each figure is a whole `sellerexpert catalogue` process, as a user runs it, its output sent to
/dev/null; peak memory is the process's high-water mark (ru_maxrss of the child). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "catalogue-ningbo-home.yaml"
CATEGORIES = ("home", "electronics", "toys", "apparel", "beauty")


def write_products(path: Path, count: int, seed: int = 19) -> None:
    """``count`` distinct products in the example's columns."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["sku", "unit_cost", "full_price", "semi_price", "temu.semi-managed.price", "weight_kg", "category",
                      "monthly_units", "semi-managed.freight_per_unit"])
        for index in range(count):
            cost = rng.randint(80, 6000) / 100
            weight = rng.choice((rng.randint(1, 50) / 10, rng.randint(1, 50) / 10, rng.randint(10, 90)))
            out.writerow([
                f"B-{index:06d}", f"{cost:.2f}", f"{cost * rng.uniform(1.4, 2.2):.2f}", f"{cost * rng.uniform(2.2, 4.5):.2f}",
                f"{cost * rng.uniform(1.6, 2.8):.2f}", weight, rng.choice(CATEGORIES), rng.randint(10, 2000),
                f"{weight * rng.uniform(0.3, 0.6):.2f}",
            ])


def run(products: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak memory (MiB) of one `catalogue` run."""
    script = Path(sys.executable).parent / "sellerexpert"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(script), "catalogue", str(products), "-p", str(PROFILE), "-f", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    print("| products | wall s | CPU s | products / CPU s | peak MiB |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = Path(folder) / f"products-{size}.csv"
            write_products(path, size)
            wall, cpu, peak = run(path)
            print(f"| {size:,} | {wall:.1f} | {cpu:.1f} | {size / cpu:.0f} | {peak} |")


if __name__ == "__main__":
    main()
