"""An explanation as text (a tree per platform) and as Markdown (nested bullets), in the language in force.

May import: :mod:`sellerexpert._explain.how` (the records it renders),
:mod:`sellerexpert._explain.words`, i18n.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._i18n import _, model_words
from .how import HowNode, PlatformExplanation
from .words import headline


def text(platforms: Sequence[PlatformExplanation], notes: Sequence[str]) -> str:
    """A text tree per platform, then its caveats and the why-not answer; the notes last."""
    blocks = []
    for p in platforms:
        lines = [_("How:"), *("  " + line for line in p.how.lines())]
        if p.caveats:
            lines.append(_("Also note:"))
            lines.extend(f"  - {c}" for c in p.caveats)
        if p.why_not is not None:
            lines.append(_("Why not {model}?").format(model=model_words(p.why_not.alternative)))
            lines.append(f"  {p.why_not.statement}")
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    if notes:
        text += "\n\n" + "\n".join(_("Note: {note}").format(note=n) for n in notes)
    return text


def markdown(platforms: Sequence[PlatformExplanation], notes: Sequence[str]) -> str:
    """A section per platform: the derivation as nested bullets, caveats, and why not the other model."""
    out: list[str] = []
    for p in platforms:
        out.append("## " + headline(p.platform_name, p.model, p.confidence))
        out.append("")
        out.extend(_bullets(p.how.children, 0))
        if p.caveats:
            out.append("")
            out.append("**" + _("Also note") + "**")
            out.append("")
            out.extend(f"- {c}" for c in p.caveats)
        if p.why_not is not None:
            out.append("")
            why_not = _("Why not {model}?").format(model=model_words(p.why_not.alternative))
            out.append(f"**{why_not}** {p.why_not.statement}")
        out.append("")
    for note in notes:
        out.append("> " + _("Note: {note}").format(note=note))
    return "\n".join(out).rstrip() + "\n"


def _bullets(nodes: Sequence[HowNode], depth: int) -> list[str]:
    out = []
    for node in nodes:
        out.append(f"{'  ' * depth}- {node.label}")
        out.extend(_bullets(node.children, depth + 1))
    return out
