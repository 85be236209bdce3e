"""Catalogue benchmark: products/s and peak memory of `sellerexpert catalogue`, distinct products, 3 platforms, 2 markets.

Run from the repository root after installing the package:

    python bench/catalogue.py                       # 1,000, 10,000 and 100,000 products, --jobs 1 and 2
    python bench/catalogue.py --sizes 1000 10000    # other sizes
    python bench/catalogue.py --sizes 1000 10000 --against /tmp/old/src --write   # as in bench/RESULTS.md
    python bench/catalogue.py --sizes 1000 --jobs 1 --lang zh --against /tmp/old/src   # in Chinese

Every product differs (unit cost, prices, weight, category and volume drawn at random, seeded), so
no two share a consultation: the figures measure the engine and the landed-cost arithmetic, not the
cache (the distinct signatures and the advice-cache hit rate are printed). Each figure is a whole
`sellerexpert catalogue FILE -f json` process, as a user runs it, its output sent to /dev/null; peak
memory is the largest single process's high-water mark (the parent or a worker), measured in a fresh
process per run. Both trees' bytecode is compiled first (`compileall`), as `pip install` compiles an
installed package's: a source tree run with PYTHONDONTWRITEBYTECODE set would otherwise compile every module
again in the parent (and in each worker, where workers are spawned rather than forked: about 0.3 CPU-s a
process here). With --against, on the first
size, the same command runs from that source tree (`python -m sellerexpert` with it first on the path), in turn
with this one, and the ratio of their times is printed: the only comparison that holds on a shared machine.
With --write the figures replace the catalogue section of
bench/RESULTS.md (between its marker comments).
"""

from __future__ import annotations

import argparse
import compileall
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "catalogue-ningbo-home.yaml"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
CATEGORIES = ("home", "electronics", "toys", "apparel", "beauty")
TARGET_PRODUCTS, TARGET_SECONDS = 10_000, 10.0
"""Issue 19: 10,000 distinct products, 3 platforms and 2 markets, in at most 10 s with --jobs 2."""

# Runs one command in a fresh process and reports its wall time, the CPU time of it and its workers,
# and the largest single process's peak memory (ru_maxrss of the waited-for children, in KiB on Linux).
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
wall = time.perf_counter() - start
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": use.ru_utime + use.ru_stime, "peak_kib": use.ru_maxrss,
                  "code": done.returncode, "stderr": done.stderr.decode("utf-8", "replace")[-2000:]}))
"""


def write_products(path: Path, count: int, seed: int = 19) -> int:
    """``count`` distinct products in the example's columns; returns how many distinct signatures they have
    (the product's columns but its SKU: what the advice can tell apart)."""
    rng = random.Random(seed)
    signatures: set[tuple[str, ...]] = set()
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["sku", "unit_cost", "full_price", "semi_price", "temu.semi-managed.price", "weight_kg", "category",
                      "monthly_units", "semi-managed.freight_per_unit"])
        for index in range(count):
            cost = rng.randint(80, 6000) / 100
            weight = rng.choice((rng.randint(1, 50) / 10, rng.randint(1, 50) / 10, rng.randint(10, 90)))
            row = [
                f"{cost:.2f}", f"{cost * rng.uniform(1.4, 2.2):.2f}", f"{cost * rng.uniform(2.2, 4.5):.2f}",
                f"{cost * rng.uniform(1.6, 2.8):.2f}", str(weight), rng.choice(CATEGORIES), str(rng.randint(10, 2000)),
                f"{weight * rng.uniform(0.3, 0.6):.2f}",
            ]
            signatures.add(tuple(row))
            out.writerow([f"B-{index:06d}", *row])
    return len(signatures)


def measure(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """One run of ``command`` in a fresh measuring process."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True, env=env)
    figures: dict[str, object] = json.loads(done.stdout)
    if figures["code"] not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{figures['stderr']}")
    return {"wall": float(figures["wall"]), "cpu": float(figures["cpu"]),  # type: ignore[arg-type]
            "peak": float(figures["peak_kib"]) / 1024}  # type: ignore[arg-type]


def catalogue_command(products: Path, jobs: int | None, lang: str = "en") -> list[str]:
    command = [sys.executable, "-m", "sellerexpert", "--lang", lang, "catalogue", str(products), "-p", str(PROFILE), "-f", "json"]
    return command + (["--jobs", str(jobs)] if jobs is not None else [])


def compile_bytecode(source: Path | None = None) -> None:
    """Compile the package's modules (this checkout's, or those under ``source``) as an installed package has them."""
    if source is None:
        import sellerexpert

        source = Path(sellerexpert.__file__).resolve().parent
    compileall.compile_dir(str(source), quiet=1)


def load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def median_run(command: list[str], runs: int, env: dict[str, str] | None = None) -> dict[str, float]:
    results = [measure(command, env) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in ("wall", "cpu", "peak")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="products per file")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker processes to measure")
    parser.add_argument("--runs", type=int, default=1, help="runs per figure (the median is shown)")
    parser.add_argument("--against", type=Path, help="another checkout's src/ folder, measured in turn with this one")
    parser.add_argument("--lang", default="en", help="the output's language (zh words every reason a second time)")
    parser.add_argument("--write", action="store_true", help="write the figures into bench/RESULTS.md")
    args = parser.parse_args()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Command: `python {' '.join(['bench/catalogue.py', *sys.argv[1:]])}` ({when}; load average at start {load()})",
        "",
        f"Machine: {platform.system()} {platform.release()} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} CPUs | Python {platform.python_version()}",
        "",
        "Every product distinct (seeded random unit cost, prices, weight, category, volume), the example company",
        f"(`examples/catalogue-ningbo-home.yaml`: 3 platforms, 2 markets), `-f json` in {args.lang} to /dev/null,",
        f"whole processes, median of {args.runs} run(s); peak memory is the largest single process (the parent or a worker).",
        "",
        "| products | distinct signatures | advice-cache hit rate | jobs | wall s | CPU s | products / s | "
        "products / CPU s | peak MiB | load after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    print("\n".join(lines), flush=True)
    compile_bytecode()
    if args.against is not None:
        compile_bytecode(args.against)
    target: float | None = None
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = Path(folder) / f"products-{size}.csv"
            distinct = write_products(path, size)
            hit = 1 - distinct / size if size else 0.0
            for jobs in args.jobs:
                got = median_run(catalogue_command(path, jobs, args.lang), args.runs)
                if size == TARGET_PRODUCTS and jobs == 2:
                    target = got["wall"]
                line = (f"| {size:,} | {distinct:,} | {hit:.0%} | {jobs} | {got['wall']:.1f} | {got['cpu']:.1f} | "
                        f"{size / got['wall']:.0f} | {size / got['cpu']:.0f} | {got['peak']:.0f} | {load()} |")
                lines.append(line)
                print(line, flush=True)
            if args.against is not None and size == args.sizes[0]:
                comparison = against(path, size, args.against, args.runs, args.lang)
                print("\n".join(comparison), flush=True)
                notes.extend(comparison)
    lines += ["", *notes]
    if target is not None:
        verdict = "met" if target <= TARGET_SECONDS else f"missed: {target / TARGET_SECONDS:.1f} times the target"
        lines.append(f"Against issue 19 (10,000 products in at most 10 s with `--jobs 2`): {target:.1f} s wall, {verdict}.")
    else:
        lines.append("Against issue 19: not measured in this run (it needs the 10,000-product size with --jobs 2).")
    print(lines[-1])
    if args.write:
        text = RESULTS.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        _old, tail = rest.split(END, 1)
        section = "\n".join([START, "## Catalogue (`bench/catalogue.py`)", "", *lines, END])
        RESULTS.write_text(head + section + tail, encoding="utf-8")


def against(path: Path, size: int, source: Path, runs: int, lang: str = "en") -> list[str]:
    """This checkout and ``source`` in turn on one file, one process each (--jobs 1): their times and ratio."""
    env = {**os.environ, "PYTHONPATH": str(source.resolve())}
    mine: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for _ in range(runs):
        mine.append(measure(catalogue_command(path, None, lang)))
        theirs.append(measure(catalogue_command(path, None, lang), env))
    ratios = [m["cpu"] / t["cpu"] for m, t in zip(mine, theirs, strict=True)]
    walls = [m["wall"] / t["wall"] for m, t in zip(mine, theirs, strict=True)]
    return [
        f"A/B on {size:,} products, one process each, in turn: this checkout {statistics.median(m['cpu'] for m in mine):.1f}"
        f" CPU s, {source} {statistics.median(t['cpu'] for t in theirs):.1f} CPU s: ratio {statistics.median(ratios):.2f}"
        f" CPU, {statistics.median(walls):.2f} wall (load after {load()}).",
    ]


if __name__ == "__main__":
    main()
