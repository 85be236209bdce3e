"""Benchmarks: medians of repeated runs, printed with the machine they ran on.

Run from the repository root after installing the package:

    python bench/run.py            # about half a minute
    python bench/run.py --quick    # fewer repeats

Machines here are shared and noisy: compare the ratios printed in one run,
not absolute times across runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sellerexpert import Advisor, SellerProfile, __version__
from sellerexpert.rulebook import load_rulebook

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def machine() -> str:
    """One line naming the machine, so a figure is never read without it."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()} | {cpu} | {os.cpu_count()} CPUs | "
        f"Python {platform.python_version()} | sellerexpert {__version__}"
    )


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls (after one warm-up call)."""
    action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _batch_file(rows: int) -> Path:
    """A CSV of varied profiles, written to a temporary file."""
    import csv
    import itertools
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="")
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["operational_capacity", "fee_sensitivity", "local_warehouse", "target_markets", "monthly_orders"])
        combos = itertools.cycle(itertools.product(("low", "medium", "high"), ("low", "high"), ("yes", "no"), ("US", "DE;FR")))
        for index, (capacity, fee, warehouse, markets) in zip(range(rows), combos):
            writer.writerow([capacity, fee, warehouse, markets, index * 37])
    return Path(handle.name)


def _run_batch(advisor: Advisor, path: Path, jobs: int) -> None:
    import io

    from sellerexpert.batch import JsonLinesWriter, RowReader, run

    with RowReader.open(path) as reader:
        run(reader, JsonLinesWriter(io.StringIO()), advisor=advisor, jobs=jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 5 if args.quick else 21

    advisor = Advisor()
    empty = SellerProfile()
    full = SellerProfile.from_file(EXAMPLES / "us-brand-with-warehouse.json")
    batch = [SellerProfile.from_file(p) for p in sorted(EXAMPLES.iterdir())] * 8

    rows: list[tuple[str, float, str]] = []
    load = median_seconds(load_rulebook, repeats)
    rows.append(("load + validate rule book", load, ""))
    build = median_seconds(Advisor, repeats)
    rows.append(("Advisor() (load + compile to Experta)", build, ""))
    one_empty = median_seconds(lambda: advisor.consult(empty), repeats)
    rows.append(("consult: empty profile, 3 platforms", one_empty, "1.00x (reference)"))
    one_full = median_seconds(lambda: advisor.consult(full), repeats)
    rows.append(("consult: full profile, 3 platforms", one_full, f"{one_full / one_empty:.2f}x reference"))
    to_json = median_seconds(lambda: advisor.consult(full).trace.to_json(), repeats)
    rows.append(("consult + trace to JSON", to_json, f"{to_json / one_full:.2f}x full consult"))

    serial = median_seconds(lambda: [advisor.consult(p) for p in batch], max(3, repeats // 4))
    rows.append((f"{len(batch)} consultations, serial", serial, f"{serial / len(batch) * 1000:.1f} ms each"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = median_seconds(lambda: list(pool.map(advisor.consult, batch)), max(3, repeats // 4))
    rows.append((f"{len(batch)} consultations, 4 threads", threaded, f"{threaded / serial:.2f}x serial (runs are serialised)"))

    batch_rows = 48 if args.quick else 160
    data = _batch_file(batch_rows)
    one_job = median_seconds(lambda: _run_batch(advisor, data, 1), 3)
    rows.append((f"batch of {batch_rows} CSV rows, --jobs 1", one_job, f"{batch_rows / one_job:.0f} rows/s"))
    two_jobs = median_seconds(lambda: _run_batch(advisor, data, 2), 3)
    rows.append((f"batch of {batch_rows} CSV rows, --jobs 2", two_jobs, f"{two_jobs / one_job:.2f}x --jobs 1"))
    data.unlink()

    print(f"machine: {machine()}")
    print(f"repeats: {repeats} (median)")
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.2f} ms  {note}")


if __name__ == "__main__":
    main()
