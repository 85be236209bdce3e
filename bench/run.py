"""Benchmarks: medians (with min and max) of repeated runs, printed with the machine and written to bench/RESULTS.md.

Run from the repository root after installing the package:

    python bench/run.py            # a few minutes
    python bench/run.py --quick    # fewer repeats, smaller batches

It writes its own section of bench/RESULTS.md (between ``<!-- core:start -->`` and
``<!-- core:end -->``), then runs bench/batch.py, bench/audit.py and bench/web_load.py (when the
web extra is installed), which write theirs: one command for every figure. ``--core-only``
skips those three.

Sellers come from bench/population.py: beside each figure is how many sellers the rules can
tell apart and the advice cache's hit rate, so no figure comes from the cache unnoticed.

Machines here are shared and noisy (2 cores): compare the ratios printed in one
run, not absolute times across runs. Every in-process figure is also given as a
ratio to a plain Experta engine over the same rules with no trace
(``bench/plain_experta.py``), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLES = REPO / "examples"
RESULTS = HERE / "RESULTS.md"
sys.path.insert(0, str(HERE))

from population import describe, forget, profiles  # noqa: E402
from sellerexpert import Advisor, SellerProfile, __version__, load_rulebook  # noqa: E402
from sellerexpert._engine.evaluator import fact_values  # noqa: E402


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


@dataclass(frozen=True)
class Timing:
    median: float
    low: float
    high: float
    runs: int


def timing(action: Callable[[], object], repeats: int, *, inner: int = 1) -> Timing:
    """Seconds per call of ``action``: median, min and max over ``repeats`` samples of ``inner`` calls (after a warm-up)."""
    action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            action()
        samples.append((time.perf_counter() - start) / inner)
    return Timing(statistics.median(samples), min(samples), max(samples), repeats)


@dataclass
class Section:
    title: str
    rows: list[tuple[str, Timing, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, t: Timing, note: str = "") -> Timing:
        self.rows.append((name, t, note))
        return t


def _unit(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _target(value: float, limit: float, *, below: bool = True) -> str:
    ok = value <= limit if below else value >= limit
    if ok:
        return "meets target"
    ratio = value / limit if below else limit / value
    return f"misses target by {ratio:.1f}x"


def core(quick: bool) -> Section:
    """In-process figures: loading, the compiled evaluator, Experta with its trace, the plain Experta yardstick."""
    from plain_experta import plain_engine, route_facts, run_plain

    section = Section("In process (one profile, 3 platforms unless said)")
    repeats = 7 if quick else 21
    advisor = Advisor()
    full = SellerProfile.from_file(EXAMPLES / "us-brand-with-warehouse.json")
    facts = fact_values(full)
    section.add("load + validate the rule book", timing(load_rulebook, repeats))
    section.add("Advisor() (load, compile the evaluator)", timing(Advisor, repeats))

    plain = plain_engine(advisor.rules)
    routes = route_facts(advisor.consult(full).trace)  # the same facts as the consultation (one market), route facts too
    reference = section.add(
        "plain Experta engine, same rules and facts, no trace (yardstick)",
        timing(lambda: run_plain(plain, advisor.rules, facts, full.platforms, routes), repeats, inner=5),
        "1.00x",
    )
    experta = timing(lambda: advisor.consult(full), repeats, inner=5)
    section.add(
        "consult on Experta with its full trace (warm)",
        experta,
        f"{experta.median / reference.median:.2f}x yardstick; target <= 3 ms and <= 2x: "
        f"{_target(experta.median, 3e-3)}, {_target(experta.median / reference.median, 2)}; "
        "advice cache not used (Experta runs every time)",
    )
    decisions = timing(lambda: advisor.evaluator.decisions(facts, full.platforms), repeats, inner=200)
    section.add(
        "compiled evaluator: the decisions",
        decisions,
        f"{decisions.median / reference.median:.3f}x yardstick; no advice cache on this path",
    )
    def cold() -> object:
        forget(advisor)  # a seller unlike any before: nothing to reuse
        return advisor.consult(full, engine="compiled").to_dict()

    fresh = timing(cold, repeats, inner=50)
    section.add(
        "compiled evaluator: whole result as a dict, a seller unlike any before",
        fresh,
        f"{fresh.median / reference.median:.3f}x yardstick; target <= 150 us: {_target(fresh.median, 150e-6)}; "
        "advice-cache hit rate 0% (emptied before each call)",
    )
    def cold_zh() -> object:
        forget(advisor)
        return advisor.consult(full, engine="compiled", lang="zh").to_dict()

    fresh_zh = timing(cold_zh, repeats, inner=50)
    section.add(
        "compiled evaluator: whole result as a dict in Chinese, a seller unlike any before",
        fresh_zh,
        f"{fresh_zh.median / reference.median:.3f}x yardstick; {fresh_zh.median / fresh.median:.2f}x the English result; "
        "advice-cache hit rate 0%",
    )
    as_dict = timing(lambda: advisor.consult(full, engine="compiled").to_dict(), repeats, inner=50)
    section.add(
        "compiled evaluator: whole result as a dict, a seller the rules cannot tell from an earlier one",
        as_dict,
        f"{as_dict.median / reference.median:.3f}x yardstick; advice-cache hit rate 100%: this row measures the cache",
    )

    # A population where every seller differs in what the rules read: the figures a new seller gets.
    count = 200 if quick else 2_000
    sellers = profiles(count)
    seen = describe(advisor, sellers)

    def diverse(with_trace: bool) -> Callable[[], object]:
        def one_pass() -> object:
            forget(advisor)
            for profile in sellers:
                result = advisor.consult(profile, engine="compiled")
                result.to_dict()
                if with_trace:
                    result.trace.to_dict()
            return None

        return one_pass

    def first_pass() -> float:
        # A fresh advisor: no cache of any kind (advice, route checks, platform views, worded reasons) has seen
        # these sellers; the advisor's own start is not counted.
        fresh = Advisor()
        start = time.perf_counter()
        for profile in sellers:
            fresh.consult(profile, engine="compiled").to_dict()
        return (time.perf_counter() - start) / count

    firsts = [first_pass() for _ in range(3)]
    first = Timing(statistics.median(firsts), min(firsts), max(firsts), len(firsts))
    section.add(
        "compiled evaluator: result as a dict, per seller, diverse sellers, first pass on a fresh advisor",
        first,
        f"{first.median / reference.median:.3f}x yardstick; target <= 150 us: {_target(first.median, 150e-6)}; "
        f"{seen}; every cache empty at the start (the rows below reuse what earlier passes worded and checked, "
        "never a cached result)",
    )

    for with_trace, target in ((False, 150e-6), (True, 400e-6)):
        raw = timing(diverse(with_trace), max(3, repeats // 4))
        per = Timing(raw.median / count, raw.low / count, raw.high / count, raw.runs)
        section.add(
            f"compiled evaluator: result{' and its trace' if with_trace else ''} as a dict, per seller, diverse sellers",
            per,
            f"{per.median / reference.median:.3f}x yardstick; target <= {target * 1e6:.0f} us: {_target(per.median, target)}; "
            f"{seen} (cache emptied before each pass)",
        )

    # The interview: from an answer to the next question, over scripted interviews.
    from sellerexpert._interview.interview import Interview

    rng = random.Random(5)
    steps: list[float] = []
    for _ in range(3 if quick else 10):
        interview = Interview(advisor)
        while (question := interview.next_question()) is not None:
            start = time.perf_counter()
            if question.field == "platforms":
                interview.answer("platforms", "all")
            elif question.allowed and rng.random() < 0.8:
                interview.answer(question.field, rng.choice(question.allowed))
            elif question.field == "target_markets":
                interview.answer(question.field, rng.choice(["US", "DE, FR", "BR", "US, UK"]))
            elif question.field == "monthly_orders":
                interview.answer(question.field, str(rng.choice([20, 200, 2000])))
            else:
                interview.skip(question.field)
            interview.next_question()
            steps.append(time.perf_counter() - start)
    step = Timing(statistics.median(steps), min(steps), max(steps), len(steps))
    section.add("interview: an answer to the next question", step, f"target <= 50 ms: {_target(step.high, 50e-3)} (worst step)")

    from sellerexpert import explain

    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix not in (".json", ".yaml", ".toml") or "margin" in path.name:
            continue
        trace = advisor.consult(SellerProfile.from_file(path)).trace
        t = timing(lambda trace=trace: explain(trace, advisor=advisor), max(3, repeats // 3))
        section.add(f"explain with why-not, in process: {path.name}", t)
    return section


def _process(args: list[str], repeats: int) -> Timing:
    def run() -> None:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return timing(run, repeats)


def processes(quick: bool) -> Section:
    """Whole processes, as a user starts them."""
    section = Section("Whole processes (the installed `sellerexpert` command)")
    repeats = 5 if quick else 11
    exe = str(Path(sys.executable).with_name("sellerexpert"))
    bare = _process([sys.executable, "-c", "pass"], repeats)
    section.add("python -c pass (interpreter start, for scale)", bare)
    help_t = _process([exe, "--help"], repeats)
    section.add("sellerexpert --help", help_t, f"target <= 150 ms: {_target(help_t.median, 0.15)}")
    section.add("sellerexpert --version", _process([exe, "--version"], repeats))
    example = EXAMPLES / "one-person-shop.yaml"
    consult = _process([exe, "consult", "-p", str(example), "--format", "json"], repeats)
    section.add(
        "sellerexpert consult --format json (one-person-shop)", consult, f"target <= 300 ms: {_target(consult.median, 0.3)}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for path in sorted(EXAMPLES.iterdir()):
            if path.suffix not in (".json", ".yaml", ".toml") or "margin" in path.name:
                continue
            trace = Path(folder) / (path.stem + ".json")
            subprocess.run([exe, "consult", "-p", str(path), "--trace", str(trace)], check=True, stdout=subprocess.DEVNULL)
            t = _process([exe, "explain", str(trace)], repeats)
            section.add(f"sellerexpert explain (why-not): {path.name}", t, f"target <= 0.5 s: {_target(t.median, 0.5)}")
    return section


START, END = "<!-- core:start -->", "<!-- core:end -->"


def render(sections: list[Section], command: str, load: tuple[float, float] | None = None) -> str:
    """The section's text; ``load``: the 1-minute load average at the start and at the end (read it beside the figures)."""
    lines = [
        START,
        "## Engine, CLI and interview (`bench/run.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        *([f"Load average (1 min) at the start and the end: {load[0]:.1f} / {load[1]:.1f}  "] if load else []),
        f"Date: {time.strftime('%Y-%m-%d')}",
        "",
        "Medians with min and max; shared 2-core machines are noisy, so read the ratios measured in the same run.",
    ]
    for section in sections:
        lines += [
            "",
            f"### {section.title}",
            "",
            "| measure | median | min | max | runs | note |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for name, t, note in section.rows:
            lines.append(f"| {name} | {_unit(t.median)} | {_unit(t.low)} | {_unit(t.high)} | {t.runs} | {note} |")
        lines += ["", *section.notes] if section.notes else []
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(text: str, start: str = START, end: str = END) -> None:
    """Replace this benchmark's section of bench/RESULTS.md (between its markers), keeping the others'."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1]
        updated = before + text.rstrip("\n") + after
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated if updated.endswith("\n") else updated + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument(
        "--core-only",
        action="store_true",
        help="only this script's section: skip the batch and audit benchmarks and the web load test",
    )
    args = parser.parse_args()
    start_load = os.getloadavg()[0]
    sections = [core(args.quick), processes(args.quick)]
    command = "python bench/run.py" + (" --quick" if args.quick else "")
    text = render(sections, command, (start_load, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        write_section(text)
    if args.core_only or args.no_write:
        return
    # The other benchmarks write their own sections of RESULTS.md; one command runs them all.
    others = [[sys.executable, str(HERE / name), *(["--quick"] if args.quick else [])] for name in ("batch.py", "audit.py")]
    try:
        import starlette  # noqa: F401  (the web extra)
        import uvicorn  # noqa: F401
    except ImportError:
        print("bench/run.py: the web extra is not installed (pip install '.[web]'): skipping the web load test", file=sys.stderr)
    else:
        others.append([sys.executable, str(HERE / "web_load.py"), *(["--total", "2000", "--rounds", "1"] if args.quick else [])])
    for command_line in others:
        print("$ " + " ".join(command_line[1:]), flush=True)
        subprocess.run(command_line, check=True, cwd=REPO)


if __name__ == "__main__":
    main()
