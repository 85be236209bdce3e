"""The derivation as a Graphviz DOT digraph: facts, rules, conclusions, decisions and recommendations.

The graph stays English: it is input for Graphviz, whose default fonts have no
Chinese glyphs, and its labels are ids and numbers. Node ids come from fact
ids and firing numbers, so the output is deterministic.

May import: the trace and :mod:`sellerexpert._explain.words` (fact labels).
"""

from __future__ import annotations

from typing import Any

from .._results.trace import (
    DecisionRecord,
    EvidenceRecord,
    ExclusionRecord,
    FactRecord,
    OtherRecord,
    PlatformRecord,
    SellerRecord,
    Trace,
)
from .words import fact_label, written


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
    facts: dict[Any, FactRecord] = {f.id: f for f in trace.facts}
    for firing in trace.firings:
        for f in firing.asserted:
            facts[f.id] = f
    for firing in trace.firings:
        for f in firing.matched:
            # A fact no input or firing records (an edited trace, which audit reports): drawn as matched.
            facts.setdefault(f.id, f)
    used: set[int] = set()
    for firing in trace.firings:
        used.update(f.id for f in firing.matched if not (isinstance(f, PlatformRecord) and f.field == "id"))
        used.update(f.id for f in firing.asserted)
    for fact_id in sorted(used):
        record = facts[fact_id]
        if isinstance(record, (SellerRecord, PlatformRecord)):
            style = ', style="dashed"' if isinstance(record, SellerRecord) and record.assumed else ""
            lines.append(f"  f{fact_id} [shape=ellipse{style}, label={_quote(fact_label(record, {}))}];")
        elif isinstance(record, DecisionRecord):
            label = f"{record.platform}: {record.model}\nconfidence {record.confidence}"
            lines.append(f"  f{fact_id} [shape=doubleoctagon, style=bold, label={_quote(label)}];")
        else:
            if isinstance(record, EvidenceRecord):
                label = f"+{record.weight} {record.model}"
            elif isinstance(record, ExclusionRecord):
                label = f"rules out {record.model}"
            else:
                label = "caveat"
            platform = written(record, "platform") if isinstance(record, OtherRecord) else record.platform
            text = f"{label} ({platform})"
            lines.append(f"  f{fact_id} [shape=note, label={_quote(text)}];")
    for firing in trace.firings:
        node = f"r{firing.seq}"
        shape = "diamond" if firing.rule == "decide" else "box"
        where = f"\n@{firing.platform}" if firing.platform else ""
        lines.append(f"  {node} [shape={shape}, label={_quote(f'#{firing.seq} {firing.rule}{where}')}];")
        for record in firing.matched:
            if isinstance(record, PlatformRecord) and record.field == "id":
                continue
            lines.append(f"  f{record.id} -> {node};")
        for name in firing.absent:
            unknown = f"u_{name}"
            lines.append(f"  {unknown} [shape=ellipse, style=dotted, label={_quote(name + ' unknown')}];")
            lines.append(f"  {unknown} -> {node};")
        for record in firing.asserted:
            lines.append(f"  {node} -> f{record.id};")
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
