"""Before and after: `sellerexpert batch` on one diverse file, this checkout against another source tree, in turn.

Run from the repository root after installing the package:

    python bench/batch_ab.py --against /path/to/other/checkout/src            # 100,000 rows, --jobs 2, CSV
    python bench/batch_ab.py --against ../old/src --rows 1000000 --rounds 1  # memory at 1M rows
    python bench/batch_ab.py --rows 1000000 --rounds 1                       # this checkout alone

The other side is a checkout: its ``rules`` folder beside its ``src`` (e.g. made with
``git archive REV src rules | tar -x -C /tmp/old``).

The file is bench/population.py's diverse sellers (written once into a temporary folder; the population
line beside the figures gives the distinct-signature count and the advice-cache hit rate over it). Each
round runs one whole `sellerexpert batch FILE --jobs N -f FORMAT` process per side, the other side's first
(``PYTHONPATH`` set to its ``src``), output to /dev/null, measured by bench/batch.py's ``measure``: wall and
CPU seconds, peak memory of all processes together. Medians of the rounds and the ratios (this / other) are
printed with the machine's load: on a shared machine read the ratios, not the absolute figures. Each side's
output is also written once and compared byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from batch import measure, population_line  # noqa: E402
from population import write_csv  # noqa: E402
from run import machine  # noqa: E402
from sellerexpert import Advisor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="the other side's src folder (without it: this checkout alone)")
    parser.add_argument("--rows", type=int, default=100_000, help="diverse sellers in the file (default 100,000)")
    parser.add_argument("--jobs", default="2", help="batch --jobs (default 2)")
    parser.add_argument("--format", default="csv", choices=("csv", "jsonl"), help="batch -f (default csv)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    other = args.against.resolve() if args.against else None
    if other is not None and not (other / "sellerexpert" / "__init__.py").is_file():
        parser.error(f"--against {other}: no sellerexpert package there (give a checkout's src folder)")
    print(f"Machine: {machine()}; load {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as folder:
        data = write_csv(Path(folder) / "sellers.csv", args.rows)
        print(f"{args.rows:,} rows ({population_line(data, Advisor())})")
        sides = {"other": other, "this": here} if other is not None else {"this": here}
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for name, src in sides.items() if other is not None else ():  # each side's output once, to compare
            env = {**os.environ, "PYTHONPATH": str(src)}
            done = subprocess.run(
                [sys.executable, "-m", "sellerexpert", "batch", str(data), "--no-progress", "--jobs", args.jobs,
                 "-f", args.format, "-o", str(Path(folder) / f"{name}.out")],
                env=env, check=False, capture_output=True, text=True,
            )
            if done.returncode not in (0, 1):  # 1: some rows were bad, the others written
                sys.exit(f"{name} side ({src}): batch exited {done.returncode}: {done.stderr.strip()[-2000:]}")
        if other is not None:
            same = filecmp.cmp(Path(folder) / "other.out", Path(folder) / "this.out", shallow=False)
            print(f"outputs byte-identical: {same}")
        for number in range(args.rounds):
            for name, src in sides.items():
                os.environ["PYTHONPATH"] = str(src)
                run = measure([sys.executable, "-m", "sellerexpert", "batch", str(data), "--no-progress",
                               "--jobs", args.jobs, "-f", args.format])
                figures[name].append(run)
                print(f"round {number + 1} {name}: {args.rows / run['wall']:,.0f} rows/s wall, "
                      f"{args.rows / run['cpu']:,.0f} rows per CPU-second, peak {run['total_rss'] / 2**20:.1f} MiB "
                      f"(parent {run['parent_rss'] / 2**20:.1f}, largest worker {run['worker_rss'] / 2**20:.1f}; "
                      f"exit {run['code']:.0f}; load {os.getloadavg()[0]:.1f})", flush=True)
        os.environ.pop("PYTHONPATH", None)
    median = {name: {key: statistics.median(run[key] for run in runs) for key in ("wall", "cpu", "total_rss")}
              for name, runs in figures.items()}
    for name in sides:
        m = median[name]
        print(f"median {name}: {args.rows / m['wall']:,.0f} rows/s wall, {args.rows / m['cpu']:,.0f} rows per "
              f"CPU-second, peak {m['total_rss'] / 2**20:.1f} MiB")
    if other is None:
        return
    this, before = median["this"], median["other"]
    print(f"ratio this/other: wall {this['wall'] / before['wall']:.2f}x, CPU {this['cpu'] / before['cpu']:.2f}x, "
          f"peak memory {this['total_rss'] / before['total_rss']:.2f}x; load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
