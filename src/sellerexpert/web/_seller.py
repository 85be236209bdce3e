"""What the page shows a seller: the advice shaped to read in 30 seconds, with the auditor's view kept apart.

Everything here is read off the library's own results: the report the CLI
prints (:func:`sellerexpert.build_report`: the best platform in one
line, three reasons per platform, each shared reason and each caveat once,
what was assumed), the per-market routes of each recommendation, the why-not
search (:func:`sellerexpert.explain`, one answer at most) and the rule
book's sources and routes. This module only chooses what the default view
shows, in the seller's words, and what stays behind "Details": rule ids,
field names, weights and confidence decimals never reach the default view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import (
    FIELDS_BY_NAME,
    Advisor,
    ConsultationResult,
    Interview,
    Recommendation,
    Report,
    build_report,
    confidence_words,
    explain,
)
from .._i18n import N_, _, model_words, shown

ABROAD = ("company_base", "local_entity")
"""Answers that mean registering a company abroad: never offered as "what would change the advice"
unless the seller asks for such changes (a one-person shop cannot act on them)."""

UNKNOWN_WORDS = N_("I don't know")


@dataclass(frozen=True)
class Link:
    """A link a seller can follow: its words, where it goes, and (for a source) the date it was published."""

    text: str
    href: str
    when: str = ""


@dataclass(frozen=True)
class Cell:
    """One platform in one market: the route, and the model it belongs to (a CSS class; ``own`` for none)."""

    text: str
    model: str


@dataclass(frozen=True)
class Row:
    """One platform's line of the table: its overall advice, how sure, a note, and a cell per market."""

    platform: str
    name: str
    verdict: str
    model: str
    sure: str
    note: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class ReasonView:
    """One reason in plain words; ``assumed`` links the questions behind what it assumed (never said as a fact)."""

    text: str
    assumed: tuple[Link, ...] = ()


@dataclass(frozen=True)
class PlatformReasons:
    """A platform's strongest reasons, in plain words (the shared ones are listed once, apart)."""

    platform: str
    name: str
    verdict: str
    outcome: str
    reasons: tuple[ReasonView, ...]


@dataclass(frozen=True)
class Assumed:
    """Something the advice assumed or left out, with the question that would settle it."""

    text: str
    ask: Link


@dataclass(frozen=True)
class Step:
    """A next step on one route: sign up where the sources say, for these markets."""

    title: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class ResultView:
    """The result page's content (see the module docstring)."""

    best: str
    markets: tuple[str, ...]
    rows: tuple[Row, ...]
    shared: tuple[tuple[str, ReasonView], ...]
    platforms: tuple[PlatformReasons, ...]
    caveats: tuple[str, ...]
    more_caveats: int
    assumed: tuple[Assumed, ...]
    changes: tuple[tuple[str, str, Link | None], ...]
    steps: tuple[Step, ...]
    sources: tuple[Link, ...]
    details: Report
    not_asked: tuple[Link, ...]
    could_matter: tuple[Link, ...]


Urls = Callable[..., str]
"""Builds a link to the consultation with the answers so far and the given extra parameters."""


def public_links(labels: Iterable[str], advisor: Advisor, lang: str) -> list[Link]:
    """The cited sources a seller can open (those with an address), with their title and date, each once.

    Results cite a source by its label (``¶2`` for the brief, else its id). The brief's paragraphs are
    internal: they stay in the details and the trace.
    """
    rules = advisor.rules
    index = {source.label: source for source in rules.sources.values()}
    seen: dict[str, Link] = {}
    for label in labels:
        source = index.get(label) or rules.sources.get(label)
        if source is None or not source.url or source.url in seen:
            continue
        seen[source.url] = Link(source.text("title", lang), source.url, source.published or "")
    return list(seen.values())


def value_words(field: str, value: Any, advisor: Advisor, lang: str) -> str:
    """An answer as the seller reads it: platform and market names, yes or no, a level's word."""
    rules = advisor.rules
    if value is None:
        return _(UNKNOWN_WORDS)
    if field == "platforms":
        return _list([rules.platforms[p].name_in(lang) if p in rules.platforms else str(p) for p in value])
    if FIELDS_BY_NAME[field].kind == "markets":
        if not value:
            return _("none")
        return _list([rules.markets[m].name_in(lang) if m in rules.markets else str(m) for m in value])
    return shown(value)


def _list(items: Sequence[str]) -> str:
    text = items[0] if items else ""
    for item in items[1:]:
        text = _("{earlier}, {later}").format(earlier=text, later=item)
    return text


def _rows(result: ConsultationResult, report: Report) -> tuple[tuple[str, ...], tuple[Row, ...]]:
    markets: list[tuple[str, str]] = []
    for rec in result.recommendations:
        for advice in rec.markets:
            if (advice.market, advice.market_name) not in markets:
                markets.append((advice.market, advice.market_name))
    rows = []
    for rec, (_name, verdict, _sure, note) in zip(result.recommendations, report.rows, strict=True):
        by_market = {advice.market: advice for advice in rec.markets}
        cells = []
        for code, _market_name in markets:
            entry = by_market.get(code)
            if entry is None:
                cells.append(Cell("", "own"))
            elif entry.outcome == "unknown-market":
                cells.append(Cell(_("no facts on this market: not advised"), "own"))
            elif entry.model is None:
                text = entry.route_name or _("no route open to you")
                cells.append(Cell(text, "own"))
            else:
                text = entry.route_name or model_words(entry.model)
                if entry.outcome == "run-both":
                    text = _("{route}, or run both").format(route=text)
                cells.append(Cell(text, entry.model))
        rows.append(
            Row(rec.platform, rec.platform_name, verdict, rec.model, confidence_words(rec.confidence), note, tuple(cells))
        )
    return tuple(name for _code, name in markets), tuple(rows)


def _reason(text: str, result: ConsultationResult, urls: Urls) -> ReasonView:
    """A reason line of the report, with the report's "see below" note turned into links to the questions assumed."""
    note = _(" (this rests on an assumption: see below)")
    plain = text.removesuffix(note)
    if plain == text:
        return ReasonView(text)
    fields: list[str] = []
    for rec in result.recommendations:
        for reason in rec.reasons:
            if reason.assumed and plain.startswith(reason.text):
                fields += [f for f in reason.assumed if f not in fields and f in FIELDS_BY_NAME]
    links = tuple(
        Link(_("Tell us: {question}").format(question=FIELDS_BY_NAME[f].question_text), urls(edit=f))
        for f in fields
    )
    return ReasonView(plain, links)


def _change_text(rec: Recommendation, why_not: Any, advisor: Advisor, lang: str, urls: Urls) -> tuple[str, Link | None]:
    # why_not: the platform's WhyNot from explain() (None when the search was not made).
    alternative = model_words(why_not.alternative) if why_not else ""
    if why_not is None or why_not.counterfactual is None:
        return (
            _("No single answer you could change would make {platform} {model}.").format(
                platform=rec.platform_name, model=alternative or _("the other model")
            ),
            None,
        )
    change = why_not.counterfactual.changes[0]
    spec = FIELDS_BY_NAME[change.field]
    text = _("{platform} would be {model} if you answered “{value}” to “{question}”.").format(
        platform=rec.platform_name,
        model=alternative,
        value=value_words(change.field, change.after, advisor, lang),
        question=spec.question_text,
    )
    return text, Link(_("Change this answer"), urls(edit=change.field))


def _assumed(
    result: ConsultationResult, interview: Interview, answered: Sequence[str], urls: Urls
) -> tuple[tuple[Assumed, ...], tuple[Link, ...], tuple[Link, ...]]:
    """What was assumed, and the questions not asked: those that could still change the advice, and the rest."""
    first = result.recommendations[0] if result.recommendations else None
    out: list[Assumed] = []
    left_out: list[Assumed] = []
    for assumption in first.assumptions if first else ():
        spec = FIELDS_BY_NAME.get(assumption.field)
        if spec is None:
            continue
        ask = Link(_("Tell us"), urls(edit=assumption.field))
        if assumption.rule is not None:
            out.append(Assumed(assumption.text, ask))
        elif assumption.field in answered:
            left_out.append(
                Assumed(_("You answered “I don't know”: {meaning}. This was left out of the weighing.").format(
                    meaning=spec.meaning_text
                ), ask)
            )
    matter = set(interview.relevant())
    unasked = [name for name in interview.unasked() if name in FIELDS_BY_NAME]
    could = tuple(Link(FIELDS_BY_NAME[name].meaning_text, urls(edit=name)) for name in unasked if name in matter)
    cannot = tuple(Link(FIELDS_BY_NAME[name].meaning_text, urls(edit=name)) for name in unasked if name not in matter)
    return tuple(out + left_out), could, cannot


def _steps(result: ConsultationResult, advisor: Advisor, lang: str) -> tuple[Step, ...]:
    routes = {route.id: route for route in advisor.rules.routes}
    grouped: dict[tuple[str, str], list[str]] = {}
    names: dict[tuple[str, str], str] = {}
    for rec in result.recommendations:
        for entry in rec.markets:
            if entry.route is None or entry.route not in routes:
                continue
            key = (rec.platform, entry.route)
            grouped.setdefault(key, []).append(entry.market_name)
            names[key] = _("{platform}: {route}").format(platform=rec.platform_name, route=entry.route_name)
    steps = []
    for key, markets in grouped.items():
        route = routes[key[1]]
        links = public_links(route.sources, advisor, lang)
        # A seller-centre page first: that is where one signs up.
        links.sort(key=lambda link: "seller." not in link.href)
        title = _("{route} ({markets})").format(route=names[key], markets=_list(markets))
        steps.append(Step(title, tuple(links)))
    return tuple(steps)


def seller_view(
    result: ConsultationResult,
    advisor: Advisor,
    interview: Interview,
    answered: Sequence[str],
    urls: Urls,
    *,
    lang: str,
    abroad: bool = False,
    today: date | None = None,
) -> ResultView:
    """The result page's content for ``result`` (consulted in ``lang``, the language in force).

    :param answered: the fields the seller answered (``I don't know`` included), in order.
    :param urls: builds links back into the consultation (``urls(edit=field)``).
    :param abroad: also offer changes that mean registering a company abroad.
    """
    report = build_report(result, today=today, lang=lang)
    details = build_report(result, today=today, details=True, lang=lang)
    markets, rows = _rows(result, report)
    # One-field changes only: the two-field search (`sellerexpert explain`) can take seconds, too long for a page.
    explained = explain(result.trace, advisor, max_fields=1, lang=lang, exclude=() if abroad else ABROAD)
    why_not = {p.platform: p.why_not for p in explained.platforms}
    changes = tuple(
        (rec.platform_name, *_change_text(rec, why_not.get(rec.platform), advisor, lang, urls))
        for rec in result.recommendations
    )
    labels: list[str] = []
    for rec in result.recommendations:
        for reason in [r for r in rec.reasons if r.favours == rec.model][:3]:
            labels.extend(reason.sources)
        for caveat in rec.caveats:
            labels.extend(caveat.sources)
    assumed, could_matter, not_asked = _assumed(result, interview, answered, urls)
    return ResultView(
        best=report.best,
        markets=markets,
        rows=rows,
        shared=tuple((names, _reason(line.text, result, urls)) for names, line in report.shared),
        platforms=tuple(
            PlatformReasons(
                s.rec.platform,
                s.rec.platform_name,
                s.verdict,
                s.rec.outcome_text,
                tuple(_reason(x.text, result, urls) for x in s.reasons),
            )
            for s in report.platforms
        ),
        caveats=tuple(line.text for line in report.caveats),
        more_caveats=report.more + report.hidden,
        assumed=assumed,
        changes=changes,
        steps=_steps(result, advisor, lang),
        sources=tuple(public_links(labels, advisor, lang)),
        details=details,
        not_asked=not_asked,
        could_matter=could_matter,
    )


def rulebook_version(advisor: Advisor) -> str:
    """The rule book's version as the page prints it: the date of its latest review and its fingerprint's start."""
    rules = advisor.rules
    reviewed = max((header.reviewed for header in rules.headers.values()), default="")
    return f"{reviewed} · {rules.fingerprint[:12]}" if reviewed else rules.fingerprint[:12]
