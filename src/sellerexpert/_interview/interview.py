"""The interview: ask a seller only the questions whose answer can still change the advice.

Like the classic consultation systems, the interview asks one question at a
time and can say *why* it asks. :class:`Interview` holds its state: what is
known, what was skipped, how many questions were asked, and (from the
reasoner, :mod:`sellerexpert._interview.reasoner`) which models each platform
could still get and which open questions can change that. A platform whose
possible models have narrowed to one is *settled*; once every platform is, the
interview stops. A question is asked only when some answer to it can change
the model of an unsettled platform.

The rooms of the interview (none imports a room above it):

* :mod:`sellerexpert._interview.answers`: the answer words and Chinese answers read as values;
* :mod:`sellerexpert._interview.reasoner`: which answers can still change the advice;
* :mod:`sellerexpert._interview.questions`: the question and "why" records and their wording;
* this module: the state and the public :class:`Interview`;
* :mod:`sellerexpert._interview.dialogue`: :func:`~sellerexpert._interview.dialogue.conduct`,
  the question-and-answer loop over two callables.

May import: the three rooms above it, the advisor, the rules' conditions and rule book, the profile,
the result and the errors; never the dialogue (which imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .._advisor import Advisor
from .._errors import ProfileError
from .._i18n import _, current, shown
from .._profile.conditions import describe, evaluate3, facts_used
from .._profile.profile import FIELDS, FIELDS_BY_NAME, MODELS, PLATFORMS, FieldSpec, SellerProfile, normalise_value
from .._results.result import ConsultationResult
from .._rulebook.routes import ROUTE_MODELS, SellerTerms, market_routes
from .._rulebook.templates import render
from .answers import classify, not_a_market, read_answer
from .questions import Question, RuleNeed, Why, semicolons
from .reasoner import Reasoner

ASKED: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.name != "name")
_ROUTE_RULES = (("fully-managed", "full_route_closed"), ("semi-managed", "semi_route_closed"), ("own-store", "own_route_unsure"))
"""Each route model and the eligibility rule that decides it in a market (rules/eligibility.toml)."""
_ROUTE_FIELDS: dict[str, tuple[str, ...]] = {
    "company_base": ("company_base",),
    "stock_in_market": ("local_warehouse", "stock_markets"),
    "local_entity": ("local_entity",),
    "vat_in": ("vat_markets",),
    "invitation": ("invited",),
    "marketplace_history": ("marketplace_history",),
    "max_weight": ("bulky_goods", "weight_class"),
}
"""The profile fields that answer each route requirement, the shorthand first (``local_warehouse`` for stock)."""
"""The fields an interview may ask about, in the order it asks them (``name`` never changes advice)."""


@dataclass(frozen=True)
class _Analysis:
    possible: dict[str, tuple[str, ...]]
    relevant: dict[str, tuple[str, ...]]


class Interview:
    """The state of one interview: what is known, what was skipped, and what is still worth asking.

    :param advisor: the advisor whose rule book decides what matters, and which gives the final advice.
    :param known: answers known before the interview starts (from a profile file or command-line options).
        A :class:`SellerProfile` counts every field it holds as answered (``platforms`` included);
        a mapping counts only the fields it names.
    :raises ProfileError: when ``known`` holds an invalid value.
    """

    ASKED: ClassVar[tuple[str, ...]] = ASKED
    """The fields an interview asks about, in the order it asks (every profile field but ``name``)."""

    @staticmethod
    def classify_reply(reply: str) -> str | None:
        """What a reply says about the question rather than answering it: ``why``, ``unknown`` ("I don't know"),
        ``quit`` or ``help``, in English or Chinese (为什么, 不知道...); ``None`` for an answer."""
        return classify(reply)

    @staticmethod
    def read_reply(field: str, reply: str) -> str:
        """A reply to ``field`` as the profile reads it, as the interview reads it: 美国、德国 is ``US,DE``,
        1.2万 is ``12000``, 是 is ``yes``; anything else unchanged (the command line's options read values so)."""
        return read_reply(field, reply)

    def __init__(self, advisor: Advisor, known: SellerProfile | Mapping[str, Any] | None = None) -> None:
        self._advisor = advisor
        self._reasoner = Reasoner(advisor.rules, advisor.evaluator)
        if isinstance(known, SellerProfile):
            given = known.to_dict()
        else:
            checked = SellerProfile.from_dict(known or {})
            given = {k: v for k, v in checked.to_dict().items() if k in (known or {})}
        self._values: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value for name, value in given.items()
        }
        self._unknown: set[str] = set()
        self._asked = 0
        self._analysis: _Analysis | None = None

    @property
    def profile(self) -> SellerProfile:
        """The profile as answered so far (skipped fields are unknown)."""
        return SellerProfile(**self._values)

    @property
    def skipped(self) -> tuple[str, ...]:
        """Fields the seller answered ``unknown``, in table order."""
        return tuple(name for name in ASKED if name in self._unknown)

    def unasked(self) -> tuple[str, ...]:
        """Fields neither given nor asked yet, in the order they would be asked."""
        return tuple(name for name in ASKED if name not in self._values and name not in self._unknown)

    def _platforms(self) -> tuple[str, ...]:
        return tuple(self._values.get("platforms", PLATFORMS))

    def _reasoned(self, *, leaving_out: str | None = None) -> dict[str, Any]:
        """The answers the rules reason over: all but ``name`` and ``platforms`` (and ``leaving_out``)."""
        return {k: v for k, v in self._values.items() if k not in ("name", "platforms", leaving_out)}

    def _analyse(self) -> _Analysis:
        if self._analysis is None:
            reasoned = self._reasoned()
            open_fields = frozenset(self.unasked()) - {"platforms"}
            possible: dict[str, tuple[str, ...]] = {}
            relevant: dict[str, tuple[str, ...]] = {}
            routed = self._route_questions(open_fields)
            runs = self._market_runs(reasoned)
            for platform in self._platforms():
                per_market = [
                    self._reasoner.outlook(platform, known, frozenset(self._unknown), open_fields, overrides.get(platform))
                    for known, overrides in runs
                ]
                models = tuple(m for m in MODELS if any(m in found for found, _fields in per_market))
                fields = tuple(dict.fromkeys(f for found, wanted in per_market if len(found) > 1 for f in wanted))
                if len(per_market) > 1 and all(len(found) == 1 for found, _fields in per_market):
                    # Every market is settled: the platform's model is its lead market's, as a consultation gives it.
                    models = (self._advisor._decisions(SellerProfile.from_dict(self._values), (platform,))[platform]["model"],)
                if routed.get(platform):
                    # An open answer a route hangs on can close the model it names: either model stays possible.
                    models = MODELS
                possible[platform] = models
                relevant[platform] = tuple(dict.fromkeys(fields + routed.get(platform, ())))
            self._analysis = _Analysis(possible, relevant)
        return self._analysis

    def _market_runs(self, reasoned: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
        """The answers each market's run of the rules sees, with that market's route facts (one run without markets)."""
        markets = self._values.get("target_markets")
        if not markets:
            return [(reasoned, {})]
        try:
            profile = SellerProfile.from_dict(self._values)
        except ProfileError:
            return [(reasoned, {})]
        out = []
        for plan in self._advisor._plans(profile, None):
            out.append(({**reasoned, "target_markets": plan.market and (plan.market,)}, dict(plan.overrides or {})))
        return out

    def _route_questions(self, open_fields: frozenset[str]) -> dict[str, tuple[str, ...]]:
        """Per platform, the open fields a route in one of the seller's markets hangs on.

        A route's eligibility is read from the answers (:mod:`sellerexpert._rulebook.routes`), not from a rule's
        condition, so the reasoner does not see it: an answer that would open or close the route named
        for a market changes that market's advice, and is asked.
        """
        rules = self._advisor.rules
        markets = self._values.get("target_markets")
        if not rules.routes or not markets:
            return {}
        try:
            profile = SellerProfile.from_dict(self._values)
        except ProfileError:
            return {}
        terms = SellerTerms.of(profile)
        out: dict[str, tuple[str, ...]] = {}
        for platform in self._platforms():
            wanted: list[str] = []
            for market in markets:
                routes = self._advisor._routes_and_facts(platform, market, terms)[0]  # remembered by the advisor
                for model in ROUTE_MODELS:
                    check = routes.best(model)
                    if check is None or check.status == "closed":
                        continue
                    terms_of_route = check.route.requirements(market)
                    keys = [k for k in terms_of_route if check.status == "unknown" or k == "max_weight"]
                    for key in keys:
                        if key == "max_weight" and terms.weight_class is not None:
                            continue  # goods are taken for parcels until the seller says otherwise
                        # The shorthand first (a warehouse in the markets; bulky goods), then the precise field.
                        field = next((f for f in _ROUTE_FIELDS.get(key, ()) if f in open_fields), None)
                        if field is not None and field not in wanted:
                            wanted.append(field)
            out[platform] = tuple(wanted)
        return out

    def outlook(self) -> dict[str, tuple[str, ...]]:
        """Each platform's models still possible over every way the open questions could be answered."""
        return dict(self._analyse().possible)

    def settled(self) -> bool:
        """Whether every platform's model is settled, whatever the remaining answers."""
        return all(len(models) == 1 for models in self._analyse().possible.values())

    def relevant(self) -> tuple[str, ...]:
        """Open fields whose answer can still change some platform's recommended model, in asking order."""
        if "platforms" in self.unasked():
            wanted: set[str] = {"platforms"}
        else:
            wanted = set()
        for fields in self._analyse().relevant.values():
            wanted.update(fields)
        return tuple(name for name in self.unasked() if name in wanted)

    def next_question(self) -> Question | None:
        """The next question worth asking, or ``None`` when no answer could change the advice."""
        relevant = self.relevant()
        if not relevant:
            return None
        spec = FIELDS_BY_NAME[relevant[0]]
        return Question(
            field=spec.name,
            text=spec.question_text,
            meaning=spec.meaning_text,
            allowed=spec.allowed,
            allowed_text=spec.allowed_text,
            number=self._asked + 1,
        )

    def _check_open(self, field: str) -> FieldSpec:
        spec = FIELDS_BY_NAME.get(field)
        if spec is None or field not in ASKED:
            raise ProfileError(_("unknown field '{field}'").format(field=field), field=field, allowed=ASKED)
        return spec

    def answer(self, field: str, text: str | Any) -> None:
        """Record an answer (text as a person types it, or a value), replacing any earlier one.

        :raises ProfileError: naming the field and what it allows; the interview is unchanged.
        """
        spec = self._check_open(field)
        if spec.name == "target_markets" and isinstance(text, str) and not_a_market(text):
            # Put as a question, "no" is an answer, not Norway (NO or Norway still are).
            raise ProfileError(
                _(
                    "'{reply}' is not a market: name the countries your buyers live in (for Norway type NO or Norway)"
                ).format(reply=text.strip()),
                field=field,
                allowed=spec.allowed_text,
            )
        if isinstance(text, str):
            text = read_answer(spec, text)
        if spec.kind == "platforms" and isinstance(text, str) and text.strip().lower() in ("all", "every", "any"):
            text = list(PLATFORMS)
        value = normalise_value(spec, text)
        if spec.name == "target_markets" and not value:  # "none" is a real answer for VAT registrations
            raise ProfileError(_("needs at least one market code"), field=field, allowed=spec.allowed_text)
        # An answer that contradicts an earlier one is refused, naming both (the earlier answer stands).
        SellerProfile.from_dict({**self._values, field: value})
        self._values[field] = value
        self._unknown.discard(field)
        self._asked += 1
        self._analysis = None

    def skip(self, field: str) -> str:
        """Record that the seller does not know ``field``, and say what the engine will do about it."""
        self._check_open(field)
        note = self._if_unknown(field)
        self._values.pop(field, None)
        self._unknown.add(field)
        self._asked += 1
        self._analysis = None
        return note

    def _if_unknown(self, field: str) -> str:
        if field == "platforms":
            return _("I will advise on all three platforms.")
        reasoned = self._reasoned(leaving_out=field)
        open_fields = frozenset(self.unasked()) - {"platforms", field}
        notes = []
        for rule in self._reasoner.assume_rules:
            if rule.then.fact != field:
                continue
            status = evaluate3(rule.when, reasoned, open_fields)
            value = shown(rule.then.value)
            statement = rule.text("statement", current())
            if current() != "en":
                # A Chinese seller reads the assumption's own sentence, not a field id and a rule id.
                if status is True:
                    notes.append(_("I will assume: {statement}").format(statement=statement))
                elif status is None:
                    notes.append(_("depending on your other answers, I may assume: {statement}").format(statement=statement))
            elif status is True:
                notes.append(
                    _("I will assume {field} = {value} (rule {rule}: {statement})").format(
                        field=field, value=value, rule=rule.id, statement=statement
                    )
                )
            elif status is None:
                notes.append(
                    _("depending on your other answers I may assume {field} = {value} (rule {rule}: {statement})").format(
                        field=field, value=value, rule=rule.id, statement=statement
                    )
                )
        if notes:
            return semicolons(notes)
        return _("the rules that need it will be left out, and the confidence will be a little lower.")

    def why(self, field: str) -> Why:
        """Why the interview asks about ``field``: which rules need the answer and what they would conclude."""
        spec = self._check_open(field)
        analysis = self._analyse()
        lang = current()
        names = {p: self._advisor.rules.platforms[p].name_in(lang) for p in self._platforms()}
        unsettled = tuple((names[p], models) for p, models in analysis.possible.items() if len(models) > 1)
        reasoned = self._reasoned(leaving_out=field)
        open_fields = frozenset(self.unasked()) | {field}
        needs = []
        for rule in self._reasoner.weigh_rules:
            used = facts_used(rule.when)
            via = None
            if field not in used:
                via = next(
                    (a.then.fact for a in self._reasoner.assume_rules if a.then.fact in used and field in facts_used(a.when)),
                    None,
                )
                if via is None:
                    continue
            platform_ids = [
                p
                for p, models in analysis.possible.items()
                if len(models) > 1
                and evaluate3(rule.when, {**reasoned, **self._reasoner.platform_facts[p]}, open_fields) is None
            ]
            platforms = tuple(names[p] for p in platform_ids)
            if platforms:
                needs.append(
                    RuleNeed(
                        rule=rule.id,
                        # Quoted with the first platform it concerns, as the advice would word it.
                        statement=render(
                            rule.text("statement", lang),
                            {**reasoned, **self._advisor.rules.platforms[platform_ids[0]].fact_values(lang)},
                            lang=lang,
                        ),
                        condition=describe(rule.when),
                        conclusion=rule.then.describe(),
                        platforms=platforms,
                        via=via,
                    )
                )
        needs.extend(self._route_needs(field, lang))
        return Why(
            field=field, meaning=spec.meaning_text, unsettled=unsettled, needs=tuple(needs), if_unknown=self._if_unknown(field)
        )

    def _route_needs(self, field: str, lang: str) -> list[RuleNeed]:
        """The routes in the seller's markets that hang on ``field``, as the eligibility rule that would decide each."""
        rules = self._advisor.rules
        markets = self._values.get("target_markets")
        if not rules.routes or not markets:
            return []
        try:
            terms = SellerTerms.of(SellerProfile.from_dict(self._reasoned(leaving_out=field)))
        except ProfileError:
            return []
        out: list[RuleNeed] = []
        for platform in self._platforms():
            name = rules.platforms[platform].name_in(lang)
            for market in markets:
                routes = market_routes(rules.routes, rules.presence, rules.markets, platform, name, market, terms, lang)
                for model, rule in _ROUTE_RULES:
                    check = routes.best(model)  # type: ignore[arg-type]
                    if check is None or check.status != "unknown":
                        continue
                    keys = [k for k in check.route.requirements(market) if field in _ROUTE_FIELDS.get(k, ())]
                    if not keys:
                        continue
                    out.append(
                        RuleNeed(
                            rule=rule,
                            statement=_("{platform} in {market}: {route}").format(
                                platform=name, market=routes.market_name, route=check.route.name_in(lang)
                            ),
                            condition=_("your answer does not meet its terms ({needs})").format(needs=_("; ").join(check.needs)),
                            conclusion=_("closes this route there (an answer that meets them opens it)"),
                            platforms=(name,),
                            route=True,
                        )
                    )
        return out

    def result(self) -> ConsultationResult:
        """Consult the advisor on the answers so far."""
        return self._advisor.consult(self.profile)


def numbers_could_change_advice(advisor: Advisor, profile: SellerProfile) -> bool:
    """Whether the seller's own numbers are worth asking for: fees matter to them, they gave none yet, and a
    landed-cost comparison could change the advice on some platform.

    The test is the strongest the numbers could say, either way: one model leaving all the money with no
    number still needed. If neither moves any platform's advice, the answer would change nothing, and the
    interview does not ask.
    """
    if profile.economics is not None or profile.fee_sensitivity not in ("medium", "high"):
        return False
    now = advisor._decisions(profile)
    for leader in MODELS:
        facts = {
            p: {"margin_leader": leader, "margin_gap_pct": 100, "margin_gap_per_month": 1, "margin_open": 0, "margin_summary": ""}
            for p in profile.platforms
        }
        moved = advisor._decisions(profile, platform_overrides=facts)
        if any(moved[p]["model"] != now[p]["model"] for p in profile.platforms):
            return True
    return False


def read_reply(field: str, reply: str) -> str:
    """A reply to ``field`` as the profile reads it, as the interview reads it: 美国、德国 is ``US,DE``,
    1.2万 is ``12000``, 是 is ``yes``; anything else unchanged (the command line's options read values so)."""
    spec = FIELDS_BY_NAME.get(field)
    return read_answer(spec, reply) if spec is not None else reply
