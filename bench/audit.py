"""Audit benchmark: `sellerexpert audit DIR` over the traces a diverse batch wrote, --jobs 1 and 2, time and peak memory.

Run from the repository root after installing the package:

    python bench/audit.py            # 2,000 traces (issue 21's target: <= 10 s, flat memory)
    python bench/audit.py --quick    # 200 traces: a smoke run, not figures
    python bench/audit.py --no-write # print the section only (a run on a loaded machine, a check)

The traces come from `sellerexpert batch --trace DIR` on diverse sellers (bench/population.py),
so every replay is of a seller the rules tell apart from the others: the line above the
figures gives the count and the advice cache's hit rate over the folder. Memory is each
process's high-water mark (VmHWM); "flat" means it does not grow with the number of traces,
so a folder of a tenth of the traces is measured too. The results replace the "Audit"
section of bench/RESULTS.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch import measure, population_line, sellers
from run import machine, write_section
from sellerexpert import Advisor

START, END = "<!-- audit:start -->", "<!-- audit:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 traces (a smoke run)")
    parser.add_argument("--traces", type=int, default=None, help="how many traces (default 2,000)")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing bench/RESULTS.md")
    args = parser.parse_args()
    count = args.traces or (200 if args.quick else 2_000)
    command = "python bench/audit.py" + (" --quick" if args.quick else "") + (f" --traces {args.traces}" if args.traces else "")
    lines = [
        "## Audit (`bench/audit.py`)",
        "",
        f"Command: `{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at start "
        f"{os.getloadavg()[0]:.1f})",
        "",
        f"Machine: {machine()}",
        "",
    ]
    with tempfile.TemporaryDirectory() as folder:
        data = sellers(Path(folder) / "sellers.csv", count)
        traces = Path(folder) / "traces"
        subprocess.run([sys.executable, "-m", "sellerexpert", "batch", str(data), "--trace", str(traces), "--jobs", "2",
                        "--no-progress"], check=True, stdout=subprocess.DEVNULL)
        size = sum(p.stat().st_size for p in traces.iterdir()) / 2**20
        lines += [f"{count:,} traces written by `batch --trace` ({size:,.0f} MB; {population_line(data, Advisor())}):", ""]
        tenth = Path(folder) / "tenth"
        tenth.mkdir()
        for path in sorted(traces.iterdir())[: count // 10]:
            os.link(path, tenth / path.name)
        results = {}
        for jobs in ("1", "2"):
            for where, n in ((tenth, count // 10), (traces, count)):
                run = measure([sys.executable, "-m", "sellerexpert", "audit", str(where), "--jobs", jobs])
                if run["code"] != 0:
                    raise SystemExit(f"audit of {where} exited {run['code']}")
                results[(jobs, n)] = run
                lines.append(
                    f"- `audit DIR --jobs {jobs}`, {n:,} traces: {run['wall']:.1f} s wall ({n / run['wall']:,.0f} traces/s), "
                    f"{run['cpu']:.1f} CPU-s; peak memory: parent {run['parent_rss'] / 2**20:.0f} MB, largest worker "
                    f"{run['worker_rss'] / 2**20:.0f} MB"
                )
    best = min(results[(jobs, count)]["wall"] for jobs in ("1", "2"))
    small, big = results[("2", count // 10)], results[("2", count)]
    flat = big["total_rss"] <= 1.2 * small["total_rss"]
    lines += [
        "",
        "Against the target of issue 21:",
        "",
        f"- `audit DIR`, {count:,} batch traces, <= 10 s: {best:.1f} s "
        + ("(met)" if best <= 10 else f"(missed by {best / 10 - 1:.0%}, load {os.getloadavg()[0]:.1f} at the end)"),
        f"- flat memory: all processes together {small['total_rss'] / 2**20:.0f} MB for {count // 10:,} traces, "
        f"{big['total_rss'] / 2**20:.0f} MB for {count:,} " + ("(met)" if flat else "(missed)"),
    ]
    text = "\n".join([START, *lines, END]) + "\n"
    print(text)
    if not args.no_write:
        write_section(text, START, END)


if __name__ == "__main__":
    main()
