"""The optional "your numbers" step: the seller's few figures in, the margin comparison and its chart out.

Kept in one place on purpose (this module and ``templates/numbers.html``): the page reads only the
public margin result, :meth:`Advisor.compare_margins`'s :class:`~sellerexpert._economics.margins.MarginComparison`
through its ``to_dict()``, and the chart :func:`sellerexpert._economics.margin_report.chart` draws, so a change
to the margin calculation (landed cost per market and route) needs changes here only.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import money_text
from .._i18n import N_, _, model_words, number

INPUTS: tuple[tuple[str, str, str, str], ...] = (
    # (parameter, economics path, label, example)
    ("n_currency", "currency", N_("Currency of your figures"), "USD"),
    ("n_units", "monthly_units", N_("Units you expect to sell a month on each platform"), "600"),
    ("n_cost", "unit_cost", N_("Your cost per unit (ex-factory)"), "3.10"),
    ("n_full_price", "fully-managed.price", N_("Fully-managed: the supply price the platform pays you per unit"), "7.20"),
    ("n_full_freight", "fully-managed.freight_per_unit", N_("Fully-managed: freight per unit to the platform"), "0.35"),
    ("n_semi_price", "semi-managed.price", N_("Semi-managed: your retail price per unit"), "13.99"),
    ("n_semi_freight", "semi-managed.freight_per_unit", N_("Semi-managed: freight per unit to your warehouse or buyer"), "1.05"),
    ("n_last_mile", "semi-managed.last_mile_per_order", N_("Semi-managed: delivery to the buyer per order"), "3.40"),
    ("n_duty", "duty_rate", N_("Your product's duty rate, where you clear customs"), "7.5%"),
    ("n_fixed", "semi-managed.fixed_per_month", N_("Semi-managed: fixed costs a month (warehouse, staff)"), "450"),
    ("n_eur", "exchange_rates.EUR", N_("One euro in your currency (the EU's customs fees are in euros)"), "1.08"),
    ("n_gbp", "exchange_rates.GBP", N_("One pound in your currency (the UK's thresholds are in pounds)"), "1.27"),
)
"""The few figures that decide the comparison; the rest are estimated from the dated tables (duty, fees,
payouts) or shown as still needed, never counted as 0 unseen."""

PARAMS = tuple(name for name, *_rest in INPUTS)


_DRAWING = threading.Lock()
"""matplotlib's pyplot and rcParams are global: the server's threads draw one chart at a time."""


def draw_chart(comparison: Any) -> bytes:
    """The comparison's chart as SVG (:func:`sellerexpert.margin_chart`), one drawing at a time.

    :raises ModuleNotFoundError: without the ``chart`` extra (matplotlib).
    """
    from .. import margin_chart as chart

    with _DRAWING:
        return chart(comparison, "svg")


def economics_from(params: Mapping[str, str]) -> dict[str, Any] | None:
    """The profile's ``economics`` section from the form's values, or ``None`` when none was given."""
    given = {name: params[name].strip() for name in PARAMS if params.get(name, "").strip()}
    if not given:
        return None
    section: dict[str, Any] = {}
    for name, path, _label, _example in INPUTS:
        if name not in given:
            continue
        *parents, key = path.split(".")
        target = section
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = given[name]
    return section


def figure_error(field: str | None) -> str:
    """What to fix, in the page's words: the figure at fault (the margin's own messages are English data)."""
    if field == "economics.currency":
        return _("Enter the currency of your figures (such as USD or CNY): the tables' duties and fees are in a currency.")
    for _name, path, label, example in INPUTS:
        if field == f"economics.{path}":
            return _("Check “{label}”: enter a number such as {example}.").format(label=_(label), example=example)
    if field is not None and field.startswith("economics.exchange_rates"):
        return _(
            "The customs tables for your markets charge in another currency (EUR, GBP or USD): "
            "give what one euro or pound is in your currency, or enter your figures in that currency."
        )
    if field is not None and field.endswith("duty_rate"):
        return _("We have no customs table for one of your markets: enter your product's duty rate there (0 if none).")
    return _("Check your figures: enter numbers such as 3.10.")


@dataclass(frozen=True)
class MarginRow:
    """One platform in one market as the page shows it."""

    name: str
    full: str
    semi: str
    verdict: str
    break_even: str


def money(value: float, currency: str) -> str:
    """An amount with its currency, as the language writes it (``USD 2,147.66``; ``2,147.66 美元``)."""
    return money_text(currency, Decimal(str(value)))


def margin_rows(comparison: Mapping[str, Any]) -> list[MarginRow]:
    """The rows of the comparison table, one per platform and market, from ``MarginComparison.to_dict()``."""
    currency = str(comparison.get("currency") or "")
    rows = []
    for item in comparison.get("markets") or comparison["platforms"]:
        months = {
            model: next(line["value"] for line in data["per_month"] if line["key"] == "contribution_per_month")
            for model, data in item["models"].items()
        }
        name = item["platform_name"]
        if item.get("market_name"):
            name = _("{platform} in {market}").format(platform=name, market=item["market_name"])
        if len(months) < 2:
            only = next(iter(months), None)
            verdict = (
                _("Only {model} is open for you here.").format(model=model_words(only)).capitalize()
                if only
                else _("No route is open for you here.")
            )
            break_even = ""
        elif item["leader"] == "even":
            verdict = _("Both leave the same.")
        else:
            verdict = _("{model} leaves {amount} more a month.").format(
                model=model_words(item["leader"]).capitalize(), amount=money(item["gap_per_month"], currency)
            )
        if len(months) == 2:
            units = item.get("break_even_units")
            if units is None:
                break_even = _("No break-even: the same model leads at every volume.")
            else:
                break_even = _("Above {units} units a month, {model} leaves more.").format(
                    units=number(float(Decimal(str(units))), digits=0), model=model_words(str(item["above_break_even"]))
                )
            tips = [need for need in item.get("needed", []) if need.get("can_tip")]
            if tips:
                break_even += " " + _("{count} figures still missing could turn it (see the command line's margin).").format(
                    count=len(tips)
                )
        rows.append(
            MarginRow(
                name,
                money(months["fully-managed"], currency) if "fully-managed" in months else "—",
                money(months["semi-managed"], currency) if "semi-managed" in months else "—",
                verdict,
                break_even,
            )
        )
    return rows
