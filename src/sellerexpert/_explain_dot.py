"""The derivation as a Graphviz DOT digraph: facts, rules, conclusions, decisions and recommendations.

The graph stays English: it is input for Graphviz, whose default fonts have no
Chinese glyphs, and its labels are ids and numbers. Node ids come from fact
ids and firing numbers, so the output is deterministic.

May import: the trace and :mod:`sellerexpert._explain_words` (fact labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._explain_words import fact_label
from ._trace import Trace


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(trace: Trace) -> str:
    """The trace's derivation as DOT; node ids come from fact ids and firing numbers, so output is deterministic."""
    lines = [
        "digraph sellerexpert {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    facts: dict[int, Mapping[str, Any]] = {f["id"]: f for f in trace.facts}
    for firing in trace.firings:
        for f in firing.asserted:
            facts[f["id"]] = f
    for firing in trace.firings:
        for f in firing.matched:
            # A fact no input or firing records (an edited trace, which audit reports): drawn as matched.
            facts.setdefault(f["id"], f)
    used: set[int] = set()
    for firing in trace.firings:
        used.update(f["id"] for f in firing.matched if not (f.get("kind") == "platform" and f.get("field") == "id"))
        used.update(f["id"] for f in firing.asserted)
    for fact_id in sorted(used):
        record = facts[fact_id]
        kind = record.get("kind")
        if kind in ("seller", "platform"):
            style = ', style="dashed"' if record.get("assumed") else ""
            lines.append(f"  f{fact_id} [shape=ellipse{style}, label={_quote(fact_label(record, {}))}];")
        elif kind == "decision":
            label = f"{record.get('platform')}: {record.get('model')}\nconfidence {record.get('confidence')}"
            lines.append(f"  f{fact_id} [shape=doubleoctagon, style=bold, label={_quote(label)}];")
        else:
            if kind == "evidence":
                label = f"+{record.get('weight')} {record.get('model')}"
            elif kind == "exclusion":
                label = f"rules out {record.get('model')}"
            else:
                label = "caveat"
            text = f"{label} ({record.get('platform')})"
            lines.append(f"  f{fact_id} [shape=note, label={_quote(text)}];")
    for firing in trace.firings:
        node = f"r{firing.seq}"
        shape = "diamond" if firing.rule == "decide" else "box"
        where = f"\n@{firing.platform}" if firing.platform else ""
        lines.append(f"  {node} [shape={shape}, label={_quote(f'#{firing.seq} {firing.rule}{where}')}];")
        for record in firing.matched:
            if record.get("kind") == "platform" and record.get("field") == "id":
                continue
            lines.append(f"  f{record['id']} -> {node};")
        for name in firing.absent:
            unknown = f"u_{name}"
            lines.append(f"  {unknown} [shape=ellipse, style=dotted, label={_quote(name + ' unknown')}];")
            lines.append(f"  {unknown} -> {node};")
        for record in firing.asserted:
            lines.append(f"  {node} -> f{record['id']};")
    lines.append("}")
    # A field may be unknown to several rules: declare its node once.
    seen: set[str] = set()
    out = []
    for line in lines:
        if line.startswith("  u_") and "[" in line:
            if line in seen:
                continue
            seen.add(line)
        out.append(line)
    return "\n".join(out) + "\n"
