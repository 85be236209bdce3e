"""Render a margin comparison for people: aligned text, a Markdown table, and a chart.

The JSON form is :meth:`MarginComparison.to_json`; these renderings show the
same rounded numbers and add nothing the comparison does not hold.

The chart (contribution per month against monthly volume, both models, the
break-even point marked) needs matplotlib, an optional extra:
``pip install 'sellerexpert[chart]'``. It is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import _i18n, _language
from .._i18n import N_, _, model_words
from .._profile.economics import FULL, SEMI
from .._profile.profile import MODELS
from .margins import (
    MarginComparison,
    MarginLine,
    ModelMargin,
    PlatformMargin,
    amount_text,
    money_text,
    number_text,
    number_words,
    whole_units,
)

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


def _sections(models: tuple[ModelMargin, ...], units: int) -> list[tuple[str, list[tuple[MarginLine, ...]]]]:
    return [
        (_("Per unit"), list(zip(*(m.per_unit for m in models), strict=True))),
        (_("Per month at {units} units").format(units=units), list(zip(*(m.per_month for m in models), strict=True))),
        (_("Cash tied up at that volume"), list(zip(*(m.cash for m in models), strict=True))),
    ]


def _where(item: PlatformMargin) -> str:
    """``Temu`` or ``Temu in the US``."""
    if item.market is None:
        return item.platform_name
    return _("{platform} in {market}").format(platform=item.platform_name, market=item.market_name or item.market)


def _headline(comparison: MarginComparison, item: PlatformMargin) -> str:
    where = _where(item)
    if not item.models:
        return _("{platform}: no route of either model is open for you here").format(platform=where)
    if not item.compared:
        return _("{platform}: only {model} is open for you here, nothing to compare").format(
            platform=where, model=model_words(item.models[0].model)
        )
    if item.leader in MODELS:
        amount = money_text(comparison.currency, item.gap_per_month)
        text = _("{platform}: {model} leaves {amount} more a month").format(
            platform=where, model=model_words(item.leader), amount=amount
        )
    else:
        text = _("{platform}: both models leave the same a month").format(platform=where)
    if any(m.needed for m in item.models):
        text = _("{headline} (on the lines known; numbers still needed below)").format(headline=text)
    return text


def _routes_line(item: PlatformMargin) -> str:
    names = [m.route_name for m in item.models if m.route_name]
    if not names:
        return ""
    text = names[0]
    for name in names[1:]:
        text = _("{earlier}; {later}").format(earlier=text, later=name)
    return _("Routes compared: {routes}").format(routes=text)


def _cell(line: MarginLine) -> str:
    """A value as a column shows it: ``-0.31~`` an estimate, ``needed``, ``—`` a cost the platform bears."""
    basis = line.origin.basis
    if basis == "needed":
        return _("needed")
    if basis == "route" and line.exact == 0:
        return "—"
    return _amount(line.value) + ("~" if basis == "estimate" else "") + ("+" if line.origin.needs else "")


LEGEND = N_(
    "~ estimated from the dated tables (see Estimates); + a number it also needs is missing (more to add); "
    "— none of your costs on this route; needed: a number neither you nor the tables give, not counted"
)


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


def _estimates(item: PlatformMargin, titles: Mapping[str, str], notes: Mapping[str, str]) -> list[str]:
    """One line per table entry the comparison used: what it says, its sources, its date and reliability."""
    seen: dict[tuple[str, ...], list[str]] = {}
    origins = {}
    for margin in item.models:
        for line in (*margin.per_unit, *margin.per_month, *margin.cash):
            if not line.origin.entries or line.origin.basis == "route":
                continue
            key = line.origin.entries
            seen.setdefault(key, [])
            label = _("{line} ({model})").format(line=line.label_text(), model=model_words(margin.model))
            if label not in seen[key]:
                seen[key].append(label)
            origins[key] = line.origin
    out = []
    for key, labels in seen.items():
        origin = origins[key]
        sources = _listed([titles.get(s, s) for s in origin.sources])
        text = _("{lines}: {what} Source: {sources}; as of {as_of}, {reliability}.").format(
            lines=_listed(labels),
            what=_sentences([notes[e] for e in origin.entries]) if all(e in notes for e in origin.entries) else origin.note,
            sources=sources,
            as_of=_i18n.day(origin.as_of) if origin.as_of else "",
            reliability=_(RELIABILITY_WORDS.get(origin.reliability or "", origin.reliability or "")),
        )
        if origin.stale and origin.until is not None and origin.until < (origin.review_by or "9999"):
            late = _("Past its end date ({date}) unless renewed: check it against its sources.").format(
                date=_i18n.day(origin.until)
            )
            text = _then(text, late)
        elif origin.stale:
            late = _("Past its review date ({date}): check it against its sources.").format(
                date=_i18n.day(origin.review_by or "")
            )
            text = _then(text, late)
        out.append(text)
    return out


RELIABILITY_WORDS = {
    "official": N_("official"),
    "press": N_("trade press"),
    "explainer": N_("explainer sites, a claim to verify"),
}


def _listed(items: list[str]) -> str:
    """``a, b, c`` in the language in force (``a、b、c`` in Chinese)."""
    text = items[0] if items else ""
    for item in items[1:]:
        text = _("{earlier}, {later}").format(earlier=text, later=item)
    return text


def _needed(comparison: MarginComparison, item: PlatformMargin) -> list[str]:
    """The numbers still needed: each that could turn the comparison with its value, the rest grouped per model."""
    out = []
    for need in item.needed:
        if need.model == item.leader and need.can_tip and need.tips_at is not None:
            out.append(
                _("{name} ({model}): {model} stays ahead unless it passes {value}.").format(
                    name=number_words(need.name),
                    model=model_words(need.model),
                    value=number_text(need.name, need.tips_at, comparison.currency),
                )
            )
    for margin in item.models:
        mine = [n for n in item.needed if n.model == margin.model and not (n.can_tip and n.tips_at is not None)]
        if not mine:
            continue
        names = _listed([number_words(n.name) for n in mine])
        if margin.model != item.leader:
            text = _("{model}: {names}; as costs of the model that leaves less, they can only widen the gap.")
        else:
            text = _("{model}: {names}; none of them alone can turn the comparison around.")
        out.append(text.format(model=model_words(margin.model), names=names))
    return out


_CASES = {"base": N_("base"), "optimistic": N_("optimistic"), "conservative": N_("conservative")}


def _scenario_rows(comparison: MarginComparison, item: PlatformMargin) -> list[tuple[str, ...]]:
    return [
        (
            _(_CASES[s.name]),
            *(_amount(v) for v in s.contributions),
            model_words(s.leader) if s.leader in MODELS else _("even"),
        )
        for s in item.scenarios
    ]


def _break_even_rows(comparison: MarginComparison, item: PlatformMargin) -> list[tuple[str, str]]:
    found = item.break_evens
    currency = comparison.currency

    def money(value: Decimal | None, name: str) -> str:
        if value is not None:
            return money_text(currency, value)
        return _(found.note(name)) if found.note(name) else "—"

    share = (
        f"{(found.max_affiliate_commission * 100).normalize():f}%"
        if found.max_affiliate_commission is not None
        else (_(found.note("affiliate_commission")) or "—")
    )
    return [
        (
            _("Lowest declared price at which fully-managed still leaves more (price-review floor)"),
            money(found.price_floor, "price_floor"),
        ),
        (_("Most ad spend per unit at which semi-managed still leaves more"), money(found.max_ads_per_unit, "ads_per_unit")),
        (_("Highest affiliate commission at which semi-managed still leaves more"), share),
    ]


def _title(comparison: MarginComparison) -> str:
    if comparison.currency:
        return _("Landed cost and margin ({currency})").format(currency=comparison.currency)
    return _("Landed cost and margin")


def _at(comparison: MarginComparison) -> str:
    if comparison.cost_of_capital is None:
        return _("at {units} units a month (cost of capital not given: needed)").format(units=comparison.monthly_units)
    return _("at {units} units a month, cost of capital {rate} a year").format(
        units=comparison.monthly_units, rate=_percent(comparison.cost_of_capital)
    )


def _sentences(parts: list[str]) -> str:
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = _then(text, part)
    return text


def _then(first: str, second: str) -> str:
    """Two sentences one after the other (a Chinese full stop needs no space after it)."""
    return first + ("" if first.endswith("。") else " ") + second


def _items(comparison: MarginComparison) -> tuple[PlatformMargin, ...]:
    return comparison.markets or comparison.platforms


def render_text(
    comparison: MarginComparison,
    *,
    lang: str | None = None,
    titles: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> str:
    """Aligned columns per platform and market: each line's value under both routes and its formula in words,
    then the estimates with their sources and dates, the numbers still needed, the scenarios and the break-evens.

    :param lang: the language of the words (default: the language in force); columns are
        measured in display columns, so Chinese labels line up too.
    :param titles: source titles by id, to name the sources of the estimates (ids without).
    :param notes: what each table entry says (``customs.eu_item_duty``...), in the language; English without.
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _language.use(lang):
        return _render_text(comparison, titles or {}, notes or {})


def _render_text(comparison: MarginComparison, titles: Mapping[str, str], notes: Mapping[str, str]) -> str:
    out: list[str] = []
    out.append(_("{title} {at}").format(title=_title(comparison), at=_at(comparison)))
    out.append(_("Amounts are rounded to the cent; totals are worked out before rounding."))
    out.append(_(LEGEND))
    for item in _items(comparison):
        out.append("")
        out.append(_headline(comparison, item))
        if not item.models:
            continue
        routes = _routes_line(item)
        if routes:
            out.append(f"  {routes}")
        formula = _("formula")
        heads = " ".join(_rjust(model_words(m.model), 14) for m in item.models)
        out.append(f"  {'':38} {heads}  {formula}")
        for title, rows in _sections(item.models, comparison.monthly_units):
            out.append(f"  {title}")
            for row in rows:
                label = _i18n.ljust(row[0].label_text(), 36)
                cells = " ".join(_rjust(_cell(line), 14) for line in row)
                out.append(f"    {label} {cells}  {row[0].formula_text()}")
        if not item.compared:
            continue
        out.append(f"  {_break_even_text(item)}")
        estimates = _estimates(item, titles, notes)
        if estimates:
            out.append("  " + _("Estimates (from the dated tables; your own number replaces any of them):"))
            out += [f"    - {line}" for line in estimates]
        needed = _needed(comparison, item)
        if needed:
            out.append("  " + _("Numbers still needed (not counted above):"))
            out += [f"    - {line}" for line in needed]
        out.append("  " + _("Scenarios (contribution a month; needed numbers not counted):"))
        heads = " ".join(_rjust(model_words(m.model), 14) for m in item.models)
        out.append(f"    {'':14} {heads}  {_('leads')}")
        for case, *values, leader in _scenario_rows(comparison, item):
            cells = " ".join(_rjust(v, 14) for v in values)
            out.append(f"    {_i18n.ljust(case, 14)} {cells}  {leader}")
        out.append("  " + _("Break-evens (the other route at its base case):"))
        for label, value in _break_even_rows(comparison, item):
            out.append("    - " + _("{label}: {value}").format(label=label, value=value))
    return "\n".join(out) + "\n"


def render_markdown(
    comparison: MarginComparison,
    *,
    lang: str | None = None,
    titles: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> str:
    """One Markdown table per platform and market, with the formula of each line, then estimates, needed numbers,
    scenarios and break-evens.

    :param lang: the language of the words (default: the language in force).
    :param titles: source titles by id.
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _language.use(lang):
        return _render_markdown(comparison, titles or {}, notes or {})


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _render_markdown(comparison: MarginComparison, titles: Mapping[str, str], notes: Mapping[str, str]) -> str:
    at = _at(comparison)
    out = [
        f"# {_title(comparison)}",
        "",
        _then(
            _("{at}.").format(at=at[:1].upper() + at[1:]),
            _("Amounts are rounded to the cent; totals are worked out before rounding."),
        ),
        "",
        _(LEGEND),
    ]
    for item in _items(comparison):
        out += ["", f"## {_headline(comparison, item)}"]
        if not item.models:
            continue
        routes = _routes_line(item)
        if routes:
            out += ["", routes]
        head = (_("Line"), *(model_words(m.model) for m in item.models), _("Formula"))
        out += ["", "| " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(item.models) + " --- |"]
        for title, rows in _sections(item.models, comparison.monthly_units):
            out.append(f"| **{title}** |" + " |" * len(item.models) + " |")
            for row in rows:
                cells = " | ".join(_md(_cell(line)) for line in row)
                out.append(f"| {row[0].label_text()} | {cells} | {_md(row[0].formula_text())} |")
        if not item.compared:
            continue
        out += ["", _break_even_text(item)]
        estimates = _estimates(item, titles, notes)
        if estimates:
            out += ["", "**" + _("Estimates (from the dated tables; your own number replaces any of them):") + "**", ""]
            out += [f"- {line}" for line in estimates]
        needed = _needed(comparison, item)
        if needed:
            out += ["", "**" + _("Numbers still needed (not counted above):") + "**", ""]
            out += [f"- {line}" for line in needed]
        out += ["", "**" + _("Scenarios (contribution a month; needed numbers not counted):") + "**", ""]
        out.append("| " + " | ".join((_("case"), *(model_words(m.model) for m in item.models), _("leads"))) + " |")
        out.append("| --- |" + " ---: |" * len(item.models) + " --- |")
        out += ["| " + " | ".join(row) + " |" for row in _scenario_rows(comparison, item)]
        out += ["", "**" + _("Break-evens (the other route at its base case):") + "**", ""]
        evens = _break_even_rows(comparison, item)
        out += ["- " + _("{label}: {value}").format(label=label, value=value) for label, value in evens]
    return "\n".join(out) + "\n"


def render(
    comparison: MarginComparison,
    format: str,
    *,
    lang: str | None = None,
    titles: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> str:
    """The comparison as ``text``, ``json`` or ``markdown``.

    :param lang: text and markdown: the language of the words (default: the language in force);
        the JSON keeps its keys, labels and formulas in English (they are data).
    :param titles: source titles by id, for the estimates' sources in text and markdown.
    :raises ValueError: for another format.
    :raises LanguageError: for a language the advisor does not speak.
    """
    if format == "json":
        return comparison.to_json() + "\n"
    if format == "markdown":
        return render_markdown(comparison, lang=lang, titles=titles, notes=notes)
    if format == "text":
        return render_text(comparison, lang=lang, titles=titles, notes=notes)
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


def drawn(format: str, draw: Callable[[Any], Any]) -> bytes:
    """A figure as SVG or PNG bytes: the one place every chart is drawn (margin's and catalogue's).

    ``draw(pyplot)`` makes the figure and returns it. Here: matplotlib's import (an optional extra), the
    labels' language (Chinese only with a font that has its glyphs, else English rather than empty boxes;
    we add no system font dependency), and output that is the same bytes for the same figure (fixed SVG
    ids, no dates).

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
    font = cjk_font() if _i18n.current() != "en" else None
    labels_lang = _i18n.current() if font is not None else "en"
    family = [font, "DejaVu Sans"] if font is not None else matplotlib.rcParams["font.family"]
    with (
        matplotlib.rc_context({"svg.hashsalt": "sellerexpert", "svg.fonttype": "none", "font.size": 9, "font.family": family}),
        _language.use(labels_lang),
    ):
        before = set(pyplot.get_fignums())
        try:
            figure = draw(pyplot)
            figure.tight_layout()
            buffer = io.BytesIO()
            metadata = {"Date": None} if format == "svg" else {"Software": None}
            figure.savefig(buffer, format=format, metadata=metadata)
        finally:
            for number in set(pyplot.get_fignums()) - before:
                pyplot.close(number)
    return buffer.getvalue()


def written(path: str | Path, render: Callable[[str], bytes]) -> None:
    """Write a chart to ``path``, as ``render(format)`` draws it in the format its suffix names (.svg or .png).

    :raises ValueError: for another suffix.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    :raises OSError: when the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise ValueError(f"{path}: a chart is written as {' or '.join(CHART_SUFFIXES)}, not '{suffix or 'no suffix'}'")
    path.write_bytes(render(suffix[1:]))


def chart(comparison: MarginComparison, format: str = "svg") -> bytes:
    """Draw contribution per month against monthly volume, one panel per platform and market, break-even marked.

    The output is deterministic for the same comparison (no dates, fixed SVG ids). Labels are in
    the language in force when that is English, or when a font with Chinese glyphs
    (:func:`cjk_font`) is installed; otherwise English.

    :param format: ``svg`` or ``png``.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    """
    panels = [item for item in _items(comparison) if item.models]
    count = max(len(panels), 1)

    def draw(pyplot: Any) -> Any:
        columns = min(count, 3)
        rows = -(-count // columns)
        figure, axes = pyplot.subplots(rows, columns, figsize=(4.2 * columns, 3.6 * rows), squeeze=False)
        cells = [axis for row in axes for axis in row]
        for axis, item in zip(cells, panels, strict=False):
            _panel(axis, item, comparison)
        for axis in cells[len(panels) :]:
            axis.set_visible(False)
        return figure

    return drawn(format, draw)


def _panel(axis: object, item: PlatformMargin, comparison: MarginComparison) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    top = chart_range(item, comparison.monthly_units)
    for margin, style in zip(item.models, ("-", "--"), strict=False):
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
    if len(item.scenarios) == 3 and item.compared:
        # The scenarios at the seller's volume: from the conservative to the optimistic case, per model.
        _base, optimistic, conservative = item.scenarios
        for index in range(len(item.models)):
            low, high = float(conservative.contributions[index]), float(optimistic.contributions[index])
            axis.plot(
                [comparison.monthly_units] * 2, [low, high], linewidth=4, alpha=0.35, solid_capstyle="butt",
                label=_("scenarios: conservative to optimistic") if index == len(item.models) - 1 else None,
                color=f"C{index}",
            )
    units = _i18n.number(comparison.monthly_units)
    axis.axvline(
        comparison.monthly_units, color="grey", linewidth=0.8, linestyle=":", label=_("your {units} units").format(units=units)
    )
    axis.axhline(0, color="grey", linewidth=0.6)
    title = _where(item)
    if _i18n.current() == "en" and any(_i18n.width(ch) == 2 for ch in title):
        # English labels because no font with Chinese glyphs was found: a Chinese platform or market name
        # would print as empty boxes, so the panel is titled by the ids the JSON uses.
        title = item.platform if item.market is None else f"{item.platform} ({item.market})"
    axis.set_title(title)
    axis.set_xlabel(_("units a month"))
    if comparison.currency:
        axis.set_ylabel(_("contribution a month ({currency})").format(currency=comparison.currency))
    else:
        axis.set_ylabel(_("contribution a month"))
    axis.legend(loc="upper left", frameon=False, fontsize=7)


def write_chart(comparison: MarginComparison, path: str | Path) -> None:
    """Write the chart to ``path`` (``.svg`` or ``.png``, by suffix).

    :raises ValueError: for another suffix.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    :raises OSError: when the file cannot be written.
    """
    written(path, lambda format: chart(comparison, format))
