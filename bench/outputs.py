"""Every output sellerexpert gives, written into one folder, so two checkouts can be compared byte for byte.

A move of code (issue 22: modules into packages) must change no output. Run this on the checkout
before and on the one after, each with its own installed package, and compare the folders:

    python bench/outputs.py /tmp/outputs-before          # on the earlier checkout
    python bench/outputs.py /tmp/outputs-after           # on this one
    diff -r /tmp/outputs-before /tmp/outputs-after && echo identical

What is written (each command's stdout, stderr and exit code, and every file it writes):

* every shipped example profile: ``consult`` in text, markdown and JSON, in English and Chinese, with
  its trace, with ``--details`` and ``--explain``; ``explain`` of that trace (text, markdown, JSON, DOT, with
  the why-not search) and ``audit``;
* ``margin`` on the margin examples (text, markdown, JSON, both languages, SVG chart) and ``catalogue``
  on the catalogue example (text, markdown, JSON, CSV, .xlsx, SVG chart and traces, both languages);
* ``batch`` of the example sellers and of a few hundred generated sellers (every field a rule reads
  drawn at random, seeded), to CSV and JSON Lines, in both languages, with every row's trace, with two
  workers and on the reference engine (Experta), and
  ``audit`` of those traces (text and JSON); ``explain`` of the first traces;
* ``rules`` list, show, lint, review and coverage; ``schema``; ``examples``; bad input;
* ``--help`` of every command and subcommand, in both languages.

The generated sellers are bench/population.py's (seed 22), the population every benchmark draws from;
everything else goes through the installed ``sellerexpert`` command, so each side is measured as a user
runs it. Two runs on one checkout give identical folders (run it twice to see).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import population  # bench/population.py: every field a rule reads drawn at random, seeded

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
BIN = Path(sys.executable).parent / "sellerexpert"
PROFILES = ("no-data.json", "one-person-shop.yaml", "sea-freight-factory.toml", "tiktok-creator-brand.yaml",
            "us-brand-with-warehouse.json", "catalogue-ningbo-home.yaml", "margin-home-goods.toml", "margin-starter.toml")
LANGS = ("en", "zh")


def commands(work: Path, count: int) -> list[tuple[str, list[str]]]:
    """(name, arguments) of every command run; names are the output files' stems."""
    runs: list[tuple[str, list[str]]] = []
    for lang in LANGS:
        runs.append((f"help.{lang}", ["--lang", lang, "--help"]))
        for command in ("consult", "explain", "audit", "margin", "catalogue", "batch", "rules", "schema",
                        "examples", "serve", "rules list", "rules show", "rules lint", "rules review",
                        "rules coverage"):
            runs.append((f"help.{command.replace(' ', '-')}.{lang}", ["--lang", lang, *command.split(), "--help"]))
    for name in PROFILES:
        stem = name.rsplit(".", 1)[0]
        profile = str(EXAMPLES / name)
        for lang in LANGS:
            for fmt in ("text", "markdown", "json"):
                runs.append((f"consult.{stem}.{lang}.{fmt}", ["--lang", lang, "consult", "-p", profile, "-f", fmt]))
        runs.append((f"consult.{stem}.trace", ["consult", "-p", profile, "-f", "json", "--trace",
                                               str(work / f"trace-{stem}.json")]))
        for flag in ("--details", "--explain"):
            runs.append((f"consult.{stem}{flag[1:]}", ["consult", "-p", profile, flag]))
            runs.append((f"consult.{stem}{flag[1:]}.zh", ["--lang", "zh", "consult", "-p", profile, flag]))
    runs.append(("consult.options", ["consult", "--operational-capacity", "low", "--platform", "temu",
                                     "--no-local-warehouse", "-f", "json"]))
    runs.append(("consult.bad-field", ["consult", "--operational-capacity", "huge"]))
    runs.append(("consult.bad-file", ["consult", "-p", str(EXAMPLES / "sellers.csv")]))
    for name in ("margin-home-goods.toml", "margin-starter.toml"):
        stem = name.rsplit(".", 1)[0]
        for lang in LANGS:
            for fmt in ("text", "markdown", "json"):
                runs.append((f"margin.{stem}.{lang}.{fmt}", ["--lang", lang, "margin", "-p", str(EXAMPLES / name),
                                                             "-f", fmt]))
        runs.append((f"margin.{stem}.chart", ["margin", "-p", str(EXAMPLES / name), "--chart",
                                              str(work / f"files/margin-{stem}.svg")]))
    for lang in LANGS:
        for fmt in ("text", "markdown", "json", "csv"):
            runs.append((f"catalogue.{lang}.{fmt}", ["--lang", lang, "catalogue", str(EXAMPLES / "catalogue-ningbo-home.csv"),
                                                     "-p", str(EXAMPLES / "catalogue-ningbo-home.yaml"), "-f", fmt]))
        runs.append((f"catalogue.{lang}.files", ["--lang", lang, "catalogue", str(EXAMPLES / "catalogue-ningbo-home.csv"),
                                                 "-p", str(EXAMPLES / "catalogue-ningbo-home.yaml"), "-f", "xlsx", "-o",
                                                 str(work / f"files/catalogue-{lang}.xlsx"), "--chart",
                                                 str(work / f"files/catalogue-{lang}.svg"), "--trace",
                                                 str(work / f"files/catalogue-traces-{lang}")]))
    for source, stem in ((EXAMPLES / "sellers.csv", "sellers"), (work / "generated.csv", "generated")):
        for lang in LANGS:
            for fmt in ("csv", "jsonl"):
                runs.append((f"batch.{stem}.{lang}.{fmt}", ["--lang", lang, "batch", str(source), "-f", fmt, "--no-progress"]))
        runs.append((f"batch.{stem}.traces", ["batch", str(source), "-f", "jsonl", "--no-progress", "--trace",
                                              str(work / f"files/traces-{stem}")]))
        runs.append((f"batch.{stem}.jobs2", ["batch", str(source), "-f", "csv", "--no-progress", "--jobs", "2"]))
        runs.append((f"batch.{stem}.experta", ["batch", str(source), "-f", "jsonl", "--no-progress", "--engine", "experta"]))
    runs += [
        ("rules.list", ["rules", "list"]), ("rules.list.zh", ["--lang", "zh", "rules", "list"]),
        ("rules.lint", ["rules", "lint"]), ("rules.review", ["rules", "review"]),
        ("rules.coverage", ["rules", "coverage"]), ("rules.coverage.json", ["rules", "coverage", "-f", "json"]),
        ("schema.trace", ["schema", "trace"]), ("schema.profile", ["schema", "profile"]),
        ("schema.rulefile", ["schema", "rulefile"]), ("examples", ["examples"]), ("version", ["--version"]),
    ]
    return runs


def later_commands(work: Path) -> list[tuple[str, list[str]]]:
    """Commands that read what the first round wrote: explain and audit of the traces, rules show."""
    runs: list[tuple[str, list[str]]] = []
    for name in PROFILES:
        stem = name.rsplit(".", 1)[0]
        trace = str(work / f"trace-{stem}.json")
        for lang in LANGS:
            for fmt in ("text", "markdown", "json"):
                runs.append((f"explain.{stem}.{lang}.{fmt}", ["--lang", lang, "explain", trace, "-f", fmt]))
        runs.append((f"explain.{stem}.dot", ["explain", trace, "--no-why-not", "--dot", str(work / f"files/{stem}.dot")]))
        runs.append((f"audit.{stem}", ["audit", trace]))
    for stem in ("sellers", "generated"):
        folder = work / f"files/traces-{stem}"
        for lang in LANGS:
            runs.append((f"audit.{stem}.{lang}", ["--lang", lang, "audit", str(folder)]))
        runs.append((f"audit.{stem}.json", ["audit", str(folder), "-f", "json"]))
        for trace in sorted(folder.glob("*.json"))[:12]:
            runs.append((f"explain.{stem}.{trace.stem}", ["explain", str(trace), "-f", "json"]))
    runs.append(("audit.catalogue", ["audit", str(work / "files/catalogue-traces-en")]))
    for rule in rule_ids(work)[:40]:
        runs.append((f"rules.show.{rule}", ["rules", "show", rule]))
    return runs


def rule_ids(work: Path) -> list[str]:
    """Every rule's id, from the shipped rule book (public API)."""
    from sellerexpert import load_rulebook

    return sorted(rule.id for rule in load_rulebook().rules)


def run(out: Path, name: str, args: list[str], work: Path) -> None:
    env = {**os.environ, "COLUMNS": "100", "SELLEREXPERT_LANG": "en", "NO_COLOR": "1"}
    if env.get("PYTHONPATH"):
        # The commands run in a scratch folder: a relative entry (PYTHONPATH=src, to compare a checkout) would find
        # nothing there and silently run the installed package instead.
        env["PYTHONPATH"] = os.pathsep.join(str(Path(entry).resolve()) for entry in env["PYTHONPATH"].split(os.pathsep))
    done = subprocess.run([str(BIN), *args], capture_output=True, cwd=work, env=env, check=False)
    text = b"".join((b"$ sellerexpert " + " ".join(args).replace(str(work), "WORK").replace(str(REPO), "REPO").encode(),
                     b"\n--- exit ", str(done.returncode).encode(), b"\n--- stdout\n", done.stdout, b"\n--- stderr\n",
                     done.stderr))
    (out / f"{name}.out").write_bytes(text.replace(str(work).encode(), b"WORK").replace(str(REPO).encode(), b"REPO"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (emptied first)")
    parser.add_argument("--sellers", type=int, default=300, help="generated sellers (default 300)")
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()
    out: Path = options.out
    shutil.rmtree(out, ignore_errors=True)
    work = out / "work"
    (work / "files").mkdir(parents=True)
    population.write_csv(work / "generated.csv", options.sellers, seed=22)
    with ThreadPoolExecutor(options.jobs) as pool:
        for round_ in (commands(work, options.sellers), later_commands):
            runs = round_ if isinstance(round_, list) else round_(work)
            list(pool.map(lambda job: run(out, job[0], job[1], work), runs))
    print(f"{len(list(out.glob('*.out')))} outputs and {sum(1 for _ in (work / 'files').rglob('*'))} files in {out}")


if __name__ == "__main__":
    main()
