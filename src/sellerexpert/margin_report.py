"""Render a margin comparison for people: aligned text, a Markdown table, and a chart.

The JSON form is :meth:`MarginComparison.to_json`; these renderings show the
same rounded numbers and add nothing the comparison does not hold.

The chart (contribution per month against monthly volume, both models, the
break-even point marked) needs matplotlib, an optional extra:
``pip install 'sellerexpert[chart]'``. It is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from .economics import FULL, SEMI, MarginLine, MarginComparison, ModelMargin, PlatformMargin, whole_units
from .profile import MODELS

MARGIN_FORMATS: tuple[str, ...] = ("text", "json", "markdown")
CHART_SUFFIXES: tuple[str, ...] = (".svg", ".png")


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _sections(full: ModelMargin, semi: ModelMargin, units: int) -> list[tuple[str, list[tuple[MarginLine, MarginLine]]]]:
    return [
        ("Per unit", list(zip(full.per_unit, semi.per_unit))),
        (f"Per month at {units} units", list(zip(full.per_month, semi.per_month))),
        ("Cash tied up at that volume", list(zip(full.cash, semi.cash))),
    ]


def _headline(comparison: MarginComparison, item: PlatformMargin) -> str:
    label = f" {comparison.currency}" if comparison.currency else ""
    if item.leader in MODELS:
        return f"{item.platform_name}: {item.leader} leaves{label} {_amount(item.gap_per_month)} more a month"
    return f"{item.platform_name}: both models leave the same a month"


def _break_even_text(item: PlatformMargin) -> str:
    if item.break_even_exact is None or item.above_break_even is None:
        leads = "the same money at every volume" if item.leader == "even" and _parallel(item) else None
        if leads:
            return f"Break-even: none; both models leave {leads}."
        return "Break-even: none above 0 units; the lines do not cross, so the same model leads at every volume."
    below = SEMI if item.above_break_even == FULL else FULL
    return (
        f"Break-even: {item.break_even_units:,} units a month = {item.break_even_formula}; "
        f"below it {below} leaves more, above it {item.above_break_even}."
    )


def _parallel(item: PlatformMargin) -> bool:
    full, semi = item.models
    return full.contribution_per_unit == semi.contribution_per_unit and full.fixed_per_month == semi.fixed_per_month


def _not_given(item: PlatformMargin) -> list[str]:
    return [f"{m.model}: {', '.join(m.not_given)}" for m in item.models if m.not_given]


def render_text(comparison: MarginComparison) -> str:
    """Aligned columns per platform: each line's value under both models and its formula in words."""
    out: list[str] = []
    currency = f" ({comparison.currency})" if comparison.currency else ""
    out.append(
        f"Margin comparison{currency} at {comparison.monthly_units} units a month, "
        f"cost of capital {_percent(comparison.cost_of_capital)} a year"
    )
    out.append("Amounts are rounded to the cent; totals are worked out before rounding.")
    for item in comparison.platforms:
        full, semi = item.models
        out.append("")
        out.append(_headline(comparison, item))
        out.append(f"  {'':38} {FULL:>14} {SEMI:>14}  formula")
        for title, rows in _sections(full, semi, comparison.monthly_units):
            out.append(f"  {title}")
            for left, right in rows:
                out.append(f"    {left.label:36} {_amount(left.value):>14} {_amount(right.value):>14}  {left.formula}")
        out.append(f"  {_break_even_text(item)}")
        missing = _not_given(item)
        if missing:
            out.append(f"  Not given, counted as 0: {'; '.join(missing)}.")
    return "\n".join(out) + "\n"


def render_markdown(comparison: MarginComparison) -> str:
    """One Markdown table per platform, with the formula of each line."""
    currency = f" ({comparison.currency})" if comparison.currency else ""
    out = [
        f"# Margin comparison{currency}",
        "",
        f"At {comparison.monthly_units} units a month, cost of capital {_percent(comparison.cost_of_capital)} a year. "
        "Amounts are rounded to the cent; totals are worked out before rounding.",
    ]
    for item in comparison.platforms:
        full, semi = item.models
        out += ["", f"## {_headline(comparison, item)}", "", f"| Line | {FULL} | {SEMI} | Formula |", "| --- | ---: | ---: | --- |"]
        for title, rows in _sections(full, semi, comparison.monthly_units):
            out.append(f"| **{title}** | | | |")
            for left, right in rows:
                out.append(f"| {left.label} | {_amount(left.value)} | {_amount(right.value)} | {left.formula} |")
        out += ["", _break_even_text(item)]
        missing = _not_given(item)
        if missing:
            out += ["", f"Not given, counted as 0: {'; '.join(missing)}."]
    return "\n".join(out) + "\n"


def render(comparison: MarginComparison, format: str) -> str:
    """The comparison as ``text``, ``json`` or ``markdown``.

    :raises ValueError: for another format.
    """
    if format == "json":
        return comparison.to_json() + "\n"
    if format == "markdown":
        return render_markdown(comparison)
    if format == "text":
        return render_text(comparison)
    raise ValueError(f"unknown format '{format}' (allowed: {', '.join(MARGIN_FORMATS)})")


def chart_range(item: PlatformMargin, units: int) -> int:
    """The largest monthly volume the chart shows: twice the seller's volume, or past the break-even point."""
    top = 2 * units
    if item.break_even_exact is not None:
        top = max(top, whole_units(item.break_even_exact * Fraction(3, 2)))
    return max(top, 10)


def chart(comparison: MarginComparison, format: str = "svg") -> bytes:
    """Draw contribution per month against monthly volume, one panel per platform, break-even marked.

    The output is deterministic for the same comparison (no dates, fixed SVG ids).

    :param format: ``svg`` or ``png``.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: draw to a file
        from matplotlib import pyplot
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "drawing a chart needs matplotlib: pip install 'sellerexpert[chart]'", name="matplotlib"
        ) from exc
    count = len(comparison.platforms)
    with matplotlib.rc_context({"svg.hashsalt": "sellerexpert", "svg.fonttype": "none", "font.size": 9}):
        figure, axes = pyplot.subplots(1, count, figsize=(4.2 * count, 3.6), squeeze=False)
        try:
            for axis, item in zip(axes[0], comparison.platforms):
                _panel(axis, item, comparison)
            figure.tight_layout()
            buffer = io.BytesIO()
            metadata = {"Date": None} if format == "svg" else {"Software": None}
            figure.savefig(buffer, format=format, metadata=metadata)
        finally:
            pyplot.close(figure)
    return buffer.getvalue()


def _panel(axis: object, item: PlatformMargin, comparison: MarginComparison) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    top = chart_range(item, comparison.monthly_units)
    for margin, style in zip(item.models, ("-", "--")):
        ends = [float(margin.at(0)), float(margin.at(top))]
        axis.plot([0, top], ends, style, label=margin.model)
    if item.break_even_exact is not None:
        x = item.break_even_exact
        y = item.models[0].at(x)
        axis.plot([float(x)], [float(y)], "o", color="black")
        # Label on the side with room, so it stays inside the panel.
        right = x < top * Fraction(3, 5)
        axis.annotate(
            f"break-even {float(item.break_even_units or 0):,.0f}",
            (float(x), float(y)),
            textcoords="offset points",
            xytext=(6 if right else -6, -12),
            horizontalalignment="left" if right else "right",
        )
    axis.axvline(comparison.monthly_units, color="grey", linewidth=0.8, linestyle=":", label=f"your {comparison.monthly_units:,} units")
    axis.axhline(0, color="grey", linewidth=0.6)
    axis.set_title(item.platform_name)
    axis.set_xlabel("units a month")
    axis.set_ylabel(f"contribution a month{' (' + comparison.currency + ')' if comparison.currency else ''}")
    axis.legend(loc="upper left", frameon=False)


def write_chart(comparison: MarginComparison, path: str | Path) -> None:
    """Write the chart to ``path`` (``.svg`` or ``.png``, by suffix).

    :raises ValueError: for another suffix.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    :raises OSError: when the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise ValueError(f"{path}: a chart is written as {' or '.join(CHART_SUFFIXES)}, not '{suffix or 'no suffix'}'")
    path.write_bytes(chart(comparison, suffix[1:]))
