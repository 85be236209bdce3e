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

from . import _i18n
from ._economics import FULL, SEMI, MarginComparison, MarginLine, ModelMargin, PlatformMargin, amount_text, whole_units
from ._i18n import _, model_words
from ._profile import MODELS

MARGIN_FORMATS: tuple[str, ...] = ("text", "json", "markdown")
CHART_SUFFIXES: tuple[str, ...] = (".svg", ".png")

# Fonts with Chinese glyphs matplotlib may find on a system; the chart speaks Chinese only with one.
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)


def _amount(value: Decimal) -> str:
    return amount_text(value)


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _rjust(text: str, columns: int) -> str:
    return " " * max(columns - _i18n.width(text), 0) + text


def _sections(full: ModelMargin, semi: ModelMargin, units: int) -> list[tuple[str, list[tuple[MarginLine, MarginLine]]]]:
    return [
        (_("Per unit"), list(zip(full.per_unit, semi.per_unit, strict=True))),
        (_("Per month at {units} units").format(units=units), list(zip(full.per_month, semi.per_month, strict=True))),
        (_("Cash tied up at that volume"), list(zip(full.cash, semi.cash, strict=True))),
    ]


def _headline(comparison: MarginComparison, item: PlatformMargin) -> str:
    if item.leader in MODELS:
        amount = f"{comparison.currency} {_amount(item.gap_per_month)}" if comparison.currency else _amount(item.gap_per_month)
        return _("{platform}: {model} leaves {amount} more a month").format(
            platform=item.platform_name, model=model_words(item.leader), amount=amount
        )
    return _("{platform}: both models leave the same a month").format(platform=item.platform_name)


def _break_even_text(item: PlatformMargin) -> str:
    if item.break_even_exact is None or item.above_break_even is None:
        if item.leader == "even" and _parallel(item):
            return _("Break-even: none; both models leave the same money at every volume.")
        return _("Break-even: none above 0 units; the lines do not cross, so the same model leads at every volume.")
    below = SEMI if item.above_break_even == FULL else FULL
    return _("Break-even: {units} units a month = {formula}; below it {below} leaves more, above it {above}.").format(
        units=f"{item.break_even_units:,}",
        formula=_(item.break_even_formula),
        below=model_words(below),
        above=model_words(item.above_break_even),
    )


def _parallel(item: PlatformMargin) -> bool:
    full, semi = item.models
    return full.contribution_per_unit == semi.contribution_per_unit and full.fixed_per_month == semi.fixed_per_month


def _not_given(item: PlatformMargin) -> str:
    """``Not given, counted as 0: ...`` naming the numbers left out per model (as the file's field names), or ''."""
    parts = [
        _("{model}: {fields}").format(model=model_words(m.model), fields=", ".join(m.not_given))
        for m in item.models
        if m.not_given
    ]
    if not parts:
        return ""
    text = parts[0]
    for part in parts[1:]:
        text = _("{earlier}; {later}").format(earlier=text, later=part)
    return _("Not given, counted as 0: {numbers}.").format(numbers=text)


def _title(comparison: MarginComparison) -> str:
    if comparison.currency:
        return _("Margin comparison ({currency})").format(currency=comparison.currency)
    return _("Margin comparison")


def _at(comparison: MarginComparison) -> str:
    return _("at {units} units a month, cost of capital {rate} a year").format(
        units=comparison.monthly_units, rate=_percent(comparison.cost_of_capital)
    )


def _then(first: str, second: str) -> str:
    """Two sentences one after the other (a Chinese full stop needs no space after it)."""
    return first + ("" if first.endswith("。") else " ") + second


def render_text(comparison: MarginComparison, *, lang: str | None = None) -> str:
    """Aligned columns per platform: each line's value under both models and its formula in words.

    :param lang: the language of the words (default: the language in force); columns are
        measured in display columns, so Chinese labels line up too.
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _i18n.use(lang):
        return _render_text(comparison)


def _render_text(comparison: MarginComparison) -> str:
    out: list[str] = []
    out.append(_("{title} {at}").format(title=_title(comparison), at=_at(comparison)))
    out.append(_("Amounts are rounded to the cent; totals are worked out before rounding."))
    for item in comparison.platforms:
        full, semi = item.models
        out.append("")
        out.append(_headline(comparison, item))
        formula = _("formula")
        out.append(f"  {'':38} {_rjust(model_words(FULL), 14)} {_rjust(model_words(SEMI), 14)}  {formula}")
        for title, rows in _sections(full, semi, comparison.monthly_units):
            out.append(f"  {title}")
            for left, right in rows:
                label = _i18n.ljust(left.label_text(), 36)
                out.append(
                    f"    {label} {_rjust(_amount(left.value), 14)} {_rjust(_amount(right.value), 14)}  {left.formula_text()}"
                )
        out.append(f"  {_break_even_text(item)}")
        missing = _not_given(item)
        if missing:
            out.append(f"  {missing}")
    return "\n".join(out) + "\n"


def render_markdown(comparison: MarginComparison, *, lang: str | None = None) -> str:
    """One Markdown table per platform, with the formula of each line.

    :param lang: the language of the words (default: the language in force).
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _i18n.use(lang):
        return _render_markdown(comparison)


def _render_markdown(comparison: MarginComparison) -> str:
    at = _at(comparison)
    out = [
        f"# {_title(comparison)}",
        "",
        _then(
            _("{at}.").format(at=at[:1].upper() + at[1:]),
            _("Amounts are rounded to the cent; totals are worked out before rounding."),
        ),
    ]
    for item in comparison.platforms:
        full, semi = item.models
        head = (_("Line"), model_words(FULL), model_words(SEMI), _("Formula"))
        out += ["", f"## {_headline(comparison, item)}", "", "| " + " | ".join(head) + " |", "| --- | ---: | ---: | --- |"]
        for title, rows in _sections(full, semi, comparison.monthly_units):
            out.append(f"| **{title}** | | | |")
            for left, right in rows:
                out.append(f"| {left.label_text()} | {_amount(left.value)} | {_amount(right.value)} | {left.formula_text()} |")
        out += ["", _break_even_text(item)]
        missing = _not_given(item)
        if missing:
            out += ["", missing]
    return "\n".join(out) + "\n"


def render(comparison: MarginComparison, format: str, *, lang: str | None = None) -> str:
    """The comparison as ``text``, ``json`` or ``markdown``.

    :param lang: text and markdown: the language of the words (default: the language in force);
        the JSON keeps its keys, labels and formulas in English (they are data).
    :raises ValueError: for another format.
    :raises LanguageError: for a language the advisor does not speak.
    """
    if format == "json":
        return comparison.to_json() + "\n"
    if format == "markdown":
        return render_markdown(comparison, lang=lang)
    if format == "text":
        return render_text(comparison, lang=lang)
    raise ValueError(f"unknown format '{format}' (allowed: {', '.join(MARGIN_FORMATS)})")


def chart_range(item: PlatformMargin, units: int) -> int:
    """The largest monthly volume the chart shows: twice the seller's volume, or past the break-even point."""
    top = 2 * units
    if item.break_even_exact is not None:
        top = max(top, whole_units(item.break_even_exact * Fraction(3, 2)))
    return max(top, 10)


def cjk_font() -> str | None:
    """The first font of :data:`CJK_FONTS` matplotlib can use on this system, or ``None``."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def chart(comparison: MarginComparison, format: str = "svg") -> bytes:
    """Draw contribution per month against monthly volume, one panel per platform, break-even marked.

    The output is deterministic for the same comparison (no dates, fixed SVG ids). Labels are in
    the language in force when that is English, or when a font with Chinese glyphs
    (:func:`cjk_font`) is installed; otherwise English.

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
    # Chinese labels only with a font that has the glyphs (we add no system font dependency);
    # without one the chart keeps its English labels rather than drawing empty boxes.
    font = cjk_font() if _i18n.current() != "en" else None
    labels_lang = _i18n.current() if font is not None else "en"
    family = [font, "DejaVu Sans"] if font is not None else matplotlib.rcParams["font.family"]
    with (
        matplotlib.rc_context({"svg.hashsalt": "sellerexpert", "svg.fonttype": "none", "font.size": 9, "font.family": family}),
        _i18n.use(labels_lang),
    ):
        figure, axes = pyplot.subplots(1, count, figsize=(4.2 * count, 3.6), squeeze=False)
        try:
            for axis, item in zip(axes[0], comparison.platforms, strict=True):
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
    for margin, style in zip(item.models, ("-", "--"), strict=True):
        ends = [float(margin.at(0)), float(margin.at(top))]
        axis.plot([0, top], ends, style, label=model_words(margin.model))
    if item.break_even_exact is not None:
        x = item.break_even_exact
        y = item.models[0].at(x)
        axis.plot([float(x)], [float(y)], "o", color="black")
        # Label on the side with room, so it stays inside the panel.
        right = x < top * Fraction(3, 5)
        axis.annotate(
            _("break-even {units}").format(units=_i18n.number(float(item.break_even_units or 0))),
            (float(x), float(y)),
            textcoords="offset points",
            xytext=(6 if right else -6, -12),
            horizontalalignment="left" if right else "right",
        )
    units = _i18n.number(comparison.monthly_units)
    axis.axvline(
        comparison.monthly_units, color="grey", linewidth=0.8, linestyle=":", label=_("your {units} units").format(units=units)
    )
    axis.axhline(0, color="grey", linewidth=0.6)
    axis.set_title(item.platform_name)
    axis.set_xlabel(_("units a month"))
    if comparison.currency:
        axis.set_ylabel(_("contribution a month ({currency})").format(currency=comparison.currency))
    else:
        axis.set_ylabel(_("contribution a month"))
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
