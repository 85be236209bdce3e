"""Every output a speed change must leave byte-identical, written to a folder: run it before and after, then diff.

Run from the repository root after installing the package:

    python bench/outputs.py /tmp/before              # on the earlier commit
    python bench/outputs.py /tmp/after               # on this checkout
    diff -r /tmp/before /tmp/after && echo identical

It writes, one file each: ``consult`` of every shipped example profile in text, JSON and
markdown, in English and Chinese, with ``--details`` and with ``--explain``; the trace it
writes, ``explain`` of that trace (text, markdown, JSON) and ``audit`` of it; the result and
the trace as JSON of a few hundred diverse sellers (bench/population.py) on the compiled
engine, in both languages, each consulted twice (a new seller, then one the advice cache
holds); and ``batch`` of the same sellers to CSV and JSON Lines, with one and two workers and,
for the first rows, on the reference engine. A speed change that alters a byte shows in the diff.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from population import profiles, write_csv  # noqa: E402
from sellerexpert import Advisor  # noqa: E402
from sellerexpert._cli import cli  # noqa: E402

PROFILES = (
    "no-data.json",
    "one-person-shop.yaml",
    "sea-freight-factory.toml",
    "tiktok-creator-brand.yaml",
    "us-brand-with-warehouse.json",
    "catalogue-ningbo-home.yaml",
)


def _run(out: Path, name: str, args: list[str]) -> None:
    """Run the CLI in process and write its exit code, stdout and stderr to ``out/name``."""
    result = CliRunner().invoke(cli, args)
    text = f"exit {result.exit_code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    # The folder's own name is not an output: two runs into two folders compare equal.
    (out / name).write_text(text.replace(str(out), "OUT"), encoding="utf-8")


def _examples(out: Path) -> None:
    for example in PROFILES:
        path = str(REPO / "examples" / example)
        for lang in ("en", "zh"):
            for form in ("text", "json", "markdown"):
                _run(out, f"consult-{example}-{lang}.{form}", ["--lang", lang, "consult", "-p", path, "-f", form])
            _run(out, f"consult-{example}-{lang}-details.text", ["--lang", lang, "consult", "-p", path, "--details"])
            _run(out, f"consult-{example}-{lang}-explain.text", ["--lang", lang, "consult", "-p", path, "--explain"])
            trace = out / f"trace-{example}-{lang}.json"
            _run(out, f"consult-{example}-{lang}-trace.text", ["--lang", lang, "consult", "-p", path, "--trace", str(trace)])
            for form in ("text", "markdown", "json"):
                _run(out, f"explain-{example}-{lang}.{form}", ["--lang", lang, "explain", str(trace), "-f", form])
            _run(out, f"audit-{example}-{lang}.text", ["--lang", lang, "audit", str(trace)])


def _population(out: Path, count: int) -> None:
    advisor = Advisor()
    sellers = profiles(count, seed=5)
    for lang in ("en", "zh"):
        with (out / f"population-{lang}.jsonl").open("w", encoding="utf-8") as stream:
            for index, profile in enumerate(sellers):
                for _ in range(2):  # a new seller, then the same one again (the advice cache's answer)
                    result = advisor.consult(profile, engine="compiled", lang=lang)
                    stream.write(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
                if index % 3 == 0:
                    stream.write(json.dumps(result.trace.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")


def _batch(out: Path, count: int) -> None:
    sellers = write_csv(out / "sellers.csv", count, seed=7)
    for form in ("csv", "jsonl"):
        for jobs in ("1", "2"):
            for lang in ("en", "zh"):
                _run(out, f"batch-{form}-{jobs}-{lang}", ["--lang", lang, "batch", str(sellers), "-f", form, "--jobs", jobs])
    few = write_csv(out / "sellers-few.csv", min(count, 60), seed=7)
    for engine in ("compiled", "experta"):
        _run(out, f"batch-few-{engine}.jsonl", ["batch", str(few), "-f", "jsonl", "--engine", engine])
        _run(out, f"batch-few-{engine}.csv", ["batch", str(few), "-f", "csv", "--engine", engine])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the outputs (created; must be empty)")
    parser.add_argument("--sellers", type=int, default=300, help="diverse sellers consulted and batched (default 300)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=False)
    _examples(args.folder)
    _population(args.folder, args.sellers)
    _batch(args.folder, args.sellers)
    print(f"wrote {sum(1 for _ in args.folder.iterdir())} files to {args.folder}")


if __name__ == "__main__":
    main()
