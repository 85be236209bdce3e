"""Records benchmark: each record's generated ``to_dict`` against the hand-written one it replaced, in one run.

Run from the repository root after installing the package:

    python bench/records.py                  # 500 diverse sellers, 31 alternating rounds; writes bench/RESULTS.md
    python bench/records.py --before main    # the hand-written methods of another commit
    python bench/records.py --quick --no-write

The records' helper (``sellerexpert._records``) builds each record class's ``to_dict`` once, from the
declaration of its JSON keys. Here the hand-written ``to_dict`` of each class is read from the commit
before the helper (``--before``, default: where this branch left main), compiled in its module's namespace,
and put on the class for the "before" rounds; the generated one is put back for the "after" rounds.
Rounds alternate (before, after, before, ...) on the same objects in one process, so the machine's other
work falls on both; the ratio after/before is the figure to read. Every object's dict is also compared:
before and after must be equal, keys in the same order, and the same JSON.

The objects: the results and traces of diverse sellers (bench/population.py, seed 22: every field a rule
reads drawn at random), the catalogue example's products and the margin example's comparison. Results of
sellers the rules cannot tell apart share their records (the advisor's advice cache), so the distinct
objects of each class are counted and timed once each.
"""

from __future__ import annotations
import __future__

import argparse
import ast
import dis
import gc
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

import population
import sellerexpert
from run import machine, write_section
from sellerexpert import Advisor, SellerProfile

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- records:start -->", "<!-- records:end -->"

TIMED: tuple[tuple[str, str], ...] = (
    ("Reason", "_results/result.py"),
    ("Caveat", "_results/result.py"),
    ("PlatformFactUsed", "_results/result.py"),
    ("Assumption", "_results/result.py"),
    ("MarketAdvice", "_results/result.py"),
    ("Recommendation", "_results/result.py"),
    ("Best", "_results/result.py"),
    ("ConsultationResult", "_results/result.py"),
    ("SellerProfile", "_profile/profile.py"),
    ("SellerRecord", "_results/trace.py"),
    ("PlatformRecord", "_results/trace.py"),
    ("EvidenceRecord", "_results/trace.py"),
    ("ExclusionRecord", "_results/trace.py"),
    ("CaveatRecord", "_results/trace.py"),
    ("DecisionRecord", "_results/trace.py"),
    ("Firing", "_results/trace.py"),
    ("ProductAdvice", "_economics/catalogue.py"),
    ("Provenance", "_economics/margins.py"),
    ("ModelMargin", "_economics/margins.py"),
)
"""(class, module under src/sellerexpert/) of the records timed: those written per seller, firing or product."""


def hand_written(rev: str, name: str, module_path: str, namespace: dict[str, Any]) -> FunctionType:
    """The ``to_dict`` class ``name`` had at ``rev``, compiled in ``namespace`` (a copy of its module's globals)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:src/sellerexpert/{module_path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "to_dict":
                    text = textwrap.dedent(ast.get_source_segment(source, item) or "")
                    code = compile(text, f"<{rev}:{module_path}:{name}.to_dict>", "exec",
                                   flags=__future__.annotations.compiler_flag, dont_inherit=True)
                    exec(code, namespace)  # noqa: S102 - the project's own source at a commit
                    function: FunctionType = namespace.pop("to_dict")
                    return function
    raise SystemExit(f"{rev}: no hand-written {name}.to_dict in src/sellerexpert/{module_path}")


def walk(value: Any, found: dict[str, dict[int, Any]], names: set[str]) -> None:
    """Every record of a timed class reachable from ``value`` (fields, tuples, lists, dicts), each object once."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, str | int | float | bool | type(None)):
            continue
        seen.add(id(item))
        kind = type(item).__name__
        if kind in names:
            found.setdefault(kind, {})[id(item)] = item
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, field) for field in item.__dataclass_fields__)


def same_instructions(old: Callable[..., Any], new: Callable[..., Any]) -> bool:
    """Whether two functions run the same bytecode instructions (names aside: ``_via4`` for ``dict``, ``item`` for ``r``)."""
    return [i.opname for i in dis.get_instructions(old)] == [i.opname for i in dis.get_instructions(new)]


def per_call(objects: list[Any], repeat: int = 1) -> float:
    """Seconds per ``to_dict`` call over ``objects``, passed over ``repeat`` times."""
    start = time.perf_counter()
    for _ in range(repeat):
        for item in objects:
            item.to_dict()
    return (time.perf_counter() - start) / (len(objects) * repeat)


def repeats(objects: list[Any]) -> int:
    """Passes over ``objects`` that take about 10 ms: a sample long enough for the clock, short enough to alternate."""
    once = max(per_call(objects) * len(objects), 1e-7)
    return max(1, round(0.01 / once))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=500, help="diverse sellers consulted (default 500)")
    parser.add_argument("--rounds", type=int, default=31, help="rounds of each side, alternating (default 31)")
    parser.add_argument("--before", default=None, help="the commit whose hand-written to_dict methods are 'before'")
    parser.add_argument("--quick", action="store_true", help="100 sellers, 7 rounds: a smoke run, not figures")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    sellers, rounds = (100, 7) if args.quick else (args.sellers, args.rounds)
    rev = args.before or subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    load_start = os.getloadavg()[0]

    advisor = Advisor()
    profiles = population.profiles(sellers, seed=22)
    count, distinct, hits = population.cache_pass(advisor, profiles)
    results = [advisor.consult(profile) for profile in profiles]
    roots: list[Any] = [*results, *(result.trace for result in results)]
    company = SellerProfile.from_file(REPO / "examples" / "catalogue-ningbo-home.yaml")
    roots.append(advisor.catalogue(company, REPO / "examples" / "catalogue-ningbo-home.csv"))
    roots.append(advisor.compare_margins(SellerProfile.from_file(REPO / "examples" / "margin-home-goods.toml")))

    names = {name for name, _module in TIMED}
    found: dict[str, dict[int, Any]] = {}
    for root in roots:
        walk(root, found, names)

    classes = {name: getattr(sys.modules[_module_name(module)], name) for name, module in TIMED}
    after = {name: cls.__dict__["to_dict"] for name, cls in classes.items()}
    before = {
        name: hand_written(rev, name, module, dict(vars(sys.modules[_module_name(module)]))) for name, module in TIMED
    }

    def use(side: dict[str, Callable[..., Any]]) -> None:
        for name, cls in classes.items():
            setattr(cls, "to_dict", side[name])  # noqa: B010 - a method swapped for the round

    # The same dicts, keys in the same order, the same JSON: the generated methods change no byte.
    checked = 0
    for name, objects in found.items():
        for item in objects.values():
            use(before)
            old = item.to_dict()
            use(after)
            new = item.to_dict()
            if old != new or list(old) != list(new) or json.dumps(old) != json.dumps(new):
                raise SystemExit(f"{name}: the generated to_dict differs from the hand-written one on {item!r}")
            checked += 1

    samples: dict[str, dict[str, list[float]]] = {name: {"before": [], "after": []} for name in found}
    whole: dict[str, list[float]] = {"before": [], "after": []}
    lists = {name: list(objects.values()) for name, objects in found.items()}
    passes = {name: repeats(objects) for name, objects in lists.items()}
    # The collector off while timing: both sides build the same dicts, and a collection landing in one
    # side's sample would be noise, not the method's cost.
    gc.collect()
    gc.disable()
    for _round in range(rounds):
        for side, methods in (("before", before), ("after", after)):
            use(methods)
            for name, objects in lists.items():
                samples[name][side].append(per_call(objects, passes[name]))
            start = time.perf_counter()
            for result in results:
                result.to_dict()
                result.trace.to_dict()
            whole[side].append((time.perf_counter() - start) / len(results))
        gc.collect()
    gc.enable()
    use(after)

    rows = []
    for name, _module in TIMED:
        if name not in samples:
            continue
        old, new = statistics.median(samples[name]["before"]), statistics.median(samples[name]["after"])
        same = "yes" if same_instructions(before[name], after[name]) else "no"
        rows.append(
            f"| `{name}.to_dict` | {len(found[name]):,} | {same} | {old * 1e6:.2f} us | {new * 1e6:.2f} us | {new / old:.2f}x |"
        )
    old, new = statistics.median(whole["before"]), statistics.median(whole["after"])
    rows.append(
        f"| a seller's `result.to_dict()` + `trace.to_dict()` | {len(results):,} |  | {old * 1e6:.1f} us | {new * 1e6:.1f} us | "
        f"{new / old:.2f}x |"
    )
    command = "python bench/records.py" + (" --quick" if args.quick else "") + (f" --before {args.before}" if args.before else "")
    text = "\n".join([
        START,
        "## Records: generated `to_dict` against the hand-written ones (`bench/records.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        f"Load average (1 min) at the start and the end: {load_start:.1f} / {os.getloadavg()[0]:.1f}  ",
        f"Before: the hand-written methods at {rev[:12]}; after: sellerexpert {sellerexpert.__version__} as installed.",
        "",
        f"{count:,} diverse sellers (seed 22), {distinct:,} distinct to the rules, advice-cache hit rate "
        f"{hits / count:.1%}: records the rules share are one object, counted and timed once. Plus the catalogue "
        "example's products and the margin example's comparison. Medians of "
        f"{rounds} rounds per side, the sides alternating in one process; every object's dict was compared first "
        f"({checked:,} objects: equal, keys in the same order, the same JSON). \"Same instructions\": the generated "
        "method runs the hand-written one's bytecode, instruction for instruction (names aside), so any gap in its "
        "row is the machine's noise; where it differs, the row says what the declaration costs or saves.",
        "",
        "| record | distinct objects | same instructions | before (hand-written) | after (generated) | after / before |",
        "|---|---:|:---:|---:|---:|---:|",
        *rows,
        "",
        END,
    ])
    print(text)
    if not args.no_write:
        write_section(text, START, END)


def _module_name(path: str) -> str:
    return "sellerexpert." + path.removesuffix(".py").replace("/", ".")


if __name__ == "__main__":
    main()
