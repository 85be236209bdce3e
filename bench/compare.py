"""Before and after: the compiled path for new sellers on an earlier commit and on this checkout, in turn, in one run.

Run from the repository root after installing the package:

    python bench/compare.py --before c4508d4           # 3 rounds
    python bench/compare.py --before main --rounds 5

The earlier commit's ``src`` and ``rules`` are taken with ``git archive`` into a temporary folder;
each round runs one fresh process per side (before, then after), each measuring in CPU time
(steadier than wall time on a shared machine), best of its repeats:

* ``us-brand``: ``consult(...).to_dict()`` of examples/us-brand-with-warehouse.json, the advice
  cache emptied before each call;
* ``us-brand + trace``: the same with ``result.trace.to_dict()``;
* ``diverse``: per seller, a pass over N diverse sellers (bench/population.py), the advice cache
  emptied before each pass; the distinct-signature count and hit rate are printed beside it;
* ``diverse rows``: per row, what a batch to CSV does with N other diverse sellers given as text
  cells: the profile read from the row, the consultation (on a checkout that has it, the brief a CSV row
  is made from without the words: ``Advisor._brief``), the CSV row's cells;
* ``diverse + trace``: ``diverse`` with each result's ``trace.to_dict()`` (bench/run.py's trace row);
* ``diverse + trace JSON``: ``diverse`` with the result's and its trace's compact JSON, what the web
  API writes for ``POST /api/v1/consult?trace=true``.

The medians of the rounds and their ratio (after / before) are printed; read the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

_CHILD = r"""
import json, sys, time
sys.path.insert(0, BENCH)
from population import describe, forget, profiles, rows
import sellerexpert
from sellerexpert import Advisor, SellerProfile
from sellerexpert._batch.batch import result_cells
assert sellerexpert.__file__.startswith(SRC), sellerexpert.__file__
advisor = Advisor()
full = SellerProfile.from_file(EXAMPLE)
sellers = profiles(COUNT, seed=3)
cells = [{k: v for k, v in row.items() if v != ""} for row in rows(COUNT, seed=4)]

def best(action, inner, repeats=5):
    action()
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(inner):
            action()
        samples.append((time.process_time() - start) / inner)
    return min(samples)

def cold():
    forget(advisor)
    advisor.consult(full, engine="compiled").to_dict()

def cold_trace():
    forget(advisor)
    result = advisor.consult(full, engine="compiled")
    result.to_dict()
    result.trace.to_dict()

def diverse():
    forget(advisor)
    for profile in sellers:
        advisor.consult(profile, engine="compiled").to_dict()

def diverse_trace():
    forget(advisor)
    for profile in sellers:
        result = advisor.consult(profile, engine="compiled")
        result.to_dict()
        result.trace.to_dict()

def diverse_answer():
    # What the web API writes for ?trace=true: the result's and the trace's compact JSON.
    forget(advisor)
    for profile in sellers:
        result = advisor.consult(profile, engine="compiled")
        result.to_json(indent=None)
        result.trace.to_json(indent=None)

def diverse_rows():
    forget(advisor)
    if hasattr(advisor, "_brief"):  # a checkout whose CSV rows are made without the words
        from sellerexpert._batch.batch import brief_cells
        for number, row in enumerate(cells, start=1):
            profile = SellerProfile.from_dict(row)
            brief_cells(number, profile.name, advisor._brief(profile))
        return
    for number, row in enumerate(cells, start=1):
        result_cells(number, advisor.consult(SellerProfile.from_dict(row), engine="compiled"))

print(json.dumps({
    "us-brand": best(cold, 100) * 1e6,
    "us-brand + trace": best(cold_trace, 20) * 1e6,
    "diverse": best(diverse, 1, 3) / len(sellers) * 1e6,
    "diverse rows": best(diverse_rows, 1, 3) / len(cells) * 1e6,
    "diverse + trace": best(diverse_trace, 1, 3) / len(sellers) * 1e6,
    "diverse + trace JSON": best(diverse_answer, 1, 3) / len(sellers) * 1e6,
    "population": describe(advisor, sellers),
}))
"""


def _extract(commit: str, folder: Path) -> Path:
    data = subprocess.run(["git", "archive", commit, "src", "rules"], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(folder, filter="data")
    return folder / "src"


def _measure(src: Path, count: int) -> dict[str, Any]:
    code = (
        _CHILD.replace("BENCH", repr(str(HERE)))
        .replace("SRC", repr(str(src)))
        .replace("EXAMPLE", repr(str(REPO / "examples" / "us-brand-with-warehouse.json")))
        .replace("COUNT", str(count))
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(), check=True, capture_output=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier commit (any git revision)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of before-then-after processes (default 3)")
    parser.add_argument("--sellers", type=int, default=400, help="diverse sellers per pass (default 400)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        before_src = _extract(args.before, Path(folder))
        after_src = REPO / "src"
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            runs["before"].append(_measure(before_src, args.sellers))
            runs["after"].append(_measure(after_src, args.sellers))
    print(f"before: {args.before}; after: this checkout; {args.rounds} rounds; CPU time, best of each process's repeats")
    print(f"load average (1 min) at the start and the end: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
    print(f"diverse sellers: {runs['after'][0]['population']}")
    for name in ("us-brand", "us-brand + trace", "diverse", "diverse rows", "diverse + trace", "diverse + trace JSON"):
        before = statistics.median(r[name] for r in runs["before"])
        after = statistics.median(r[name] for r in runs["after"])
        print(f"- {name}: {before:,.1f} us -> {after:,.1f} us per seller (after/before {after / before:.2f})")


if __name__ == "__main__":
    main()
