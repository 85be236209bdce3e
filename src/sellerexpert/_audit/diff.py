"""The audit's diff text: what differs between a trace and its replay, and between two rule books.

Each line is a :class:`~sellerexpert._i18n.messages.Msg`: English in the JSON report,
said in the language in force by the text renderers. Values are quoted as JSON
(:func:`show`), so a string and a number, or an empty list and a missing value,
never read alike in a diff.

May import: the conditions (to say a rule's ``when``), the rule book's types,
the trace's records, i18n and the messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from .._i18n import N_, model_words, shown
from .._i18n.messages import Msg, Said, platform_words, say
from .._profile.conditions import describe
from .._results.trace import FactRecord, Firing, OtherRecord, PlatformRecord, SellerRecord
from .._rulebook.rulebook import RuleBook

MAX_DETAILS = 12
"""The most diff lines one finding lists (a replay finding: twice this)."""


def show(value: Any) -> str:
    """A value as an audit quotes it (:func:`sellerexpert._i18n.shown`'s ``exact`` style): an audit compares a
    record with its replay, so its quotes tell ``"1"`` from ``1`` and ``[]`` from ``null``, in every language."""
    return shown(value, "exact")


_KEY_WORDS = {
    "model": N_("recommendation"), "confidence": N_("confidence"), "basis": N_("basis"), "scores": N_("scores"),
    "excluded": N_("ruled out"), "reasons": N_("reasons"), "caveats": N_("caveats"), "assumptions": N_("assumptions"),
}


def key_words(key: str) -> Any:
    """A result key as an audit line names it: the key in English, its word in Chinese (置信度)."""
    return Said(key, _KEY_WORDS[key]) if key in _KEY_WORDS else key


def value_words(key: str, value: Any) -> Any:
    """A recorded value as an audit line quotes it: JSON, except a model, which Chinese says as 全托管 or 半托管."""
    if key == "model" and value in ("fully-managed", "semi-managed"):
        return Said(show(value), value)
    return show(value)


def _best_words(best: Any) -> Any:
    """The best overall as an audit quotes it: JSON in English, "TikTok Shop 全托管（0.807）" in Chinese."""
    if not isinstance(best, Mapping) or not {"platform", "model", "confidence"} <= set(best):
        return show(best)
    if not all(isinstance(best[key], str) for key in ("platform", "model")):
        return show(best)  # an edited trace: quoted as it is
    platform = say(platform_words(best["platform"]))
    words = f"{platform} {model_words(best['model'])}（{best['confidence']}）"
    return Said(show(best), words)


def fact_diff(recorded: Sequence[FactRecord], today: Sequence[FactRecord]) -> list[str]:
    """The input facts that differ between the trace and its replay, by platform and field."""
    details: list[str] = []
    if list(today) == list(recorded):
        return details
    now = {_input_key(f): f for f in today}
    then = {_input_key(f): f for f in recorded}
    for key in sorted(set(now) | set(then), key=lambda k: (str(k[0]), str(k[1]))):
        if now.get(key) != then.get(key):
            fact = f"{key[0] or 'seller'}.{key[1]}"
            details.append(
                Msg(
                    N_("input fact {fact}: recorded {recorded}, today {today}"),
                    fact=fact, recorded=show(_input_value(then[key])), today=show(_input_value(now[key])),
                )
                if key in now and key in then
                else Msg(N_("input fact {fact}: only recorded"), fact=fact)
                if key in then
                else Msg(N_("input fact {fact}: only today"), fact=fact)
            )
            if len(details) >= MAX_DETAILS:
                break
    return details


def data_changes(old: RuleBook, new: RuleBook) -> list[str]:
    """The platform data and the decision policy that differ between two rule books."""
    out: list[str] = []
    for platform in sorted(set(old.platforms) | set(new.platforms)):
        before = old.platforms[platform].fact_values() if platform in old.platforms else {}
        after = new.platforms[platform].fact_values() if platform in new.platforms else {}
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                shown_before = list(before[name]) if isinstance(before.get(name), tuple) else before.get(name)
                shown_after = list(after[name]) if isinstance(after.get(name), tuple) else after.get(name)
                out.append(
                    Msg(
                        N_("platform data {platform} {name}: {before}  ->  {after}"),
                        platform=platform_words(platform), name=name, before=show(shown_before), after=show(shown_after),
                    )
                )
    if old.policy != new.policy:
        out.append(Msg(N_("decision policy changed")))
    return out


def rule_details(old: RuleBook | None, new: RuleBook, rule_id: str) -> tuple[str, ...]:
    """What changed in one rule between the old rule pack and today's (nothing without the old pack)."""
    if old is None:
        return ()
    before = next((r for r in old.rules if r.id == rule_id), None)
    after = next((r for r in new.rules if r.id == rule_id), None)
    if before is None and after is not None:
        return (f"when {describe(after.when)} then {after.then.describe()} ({after.path})",)
    if after is None and before is not None:
        return (f"was: when {describe(before.when)} then {before.then.describe()} ({before.path})",)
    if before is None or after is None:
        return ()
    out = []
    a, b = before.to_data(), after.to_data()
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if key == "when":
            out.append(f"when: {describe(before.when)}  ->  {describe(after.when)}")
        elif key == "then":
            out.append(f"then: {before.then.describe()}  ->  {after.then.describe()}")
        elif key == "examples":
            out.append(Msg(N_("examples changed")))
        else:
            out.append(f"{key}: {show(a.get(key))}  ->  {show(b.get(key))}")
    return tuple(out)


def _model(model: Any) -> Any:
    # A model id in running text: the id itself in English, 全托管/半托管 when said in Chinese.
    return Msg(model) if model in ("fully-managed", "semi-managed") else model


def _input_key(fact: FactRecord) -> tuple[Any, Any]:
    """Which input a starting fact is: (platform, field), platform ``None`` for the seller's."""
    if isinstance(fact, PlatformRecord):
        return (fact.platform, fact.field)
    if isinstance(fact, SellerRecord):
        return (None, fact.field)
    data = fact.data if isinstance(fact, OtherRecord) and isinstance(fact.data, Mapping) else {}
    return (data.get("platform"), data.get("field"))


def _input_value(fact: FactRecord) -> Any:
    if isinstance(fact, (PlatformRecord, SellerRecord)):
        return fact.value
    return fact.data.get("value") if isinstance(fact, OtherRecord) and isinstance(fact.data, Mapping) else None


def _firing_key(firing: Firing) -> str:
    return f"{firing.rule}@{firing.platform}" if firing.platform else firing.rule


def firing_diff(recorded: Sequence[Firing], today: Sequence[Firing]) -> list[str]:
    """Firings dropped, new or reordered today; or, in the same order, the parts of a firing that differ."""
    then_keys = [_firing_key(f) for f in recorded]
    now_keys = [_firing_key(f) for f in today]
    out: list[str] = []
    if then_keys != now_keys:
        if sorted(then_keys) == sorted(now_keys):
            moved = [(n, a, b) for n, (a, b) in enumerate(zip(then_keys, now_keys, strict=False), start=1) if a != b]
            out.extend(
                Msg(N_("reordered: firing #{number} is {recorded} in the trace, {today} today"), number=n, recorded=a, today=b)
                for n, a, b in moved[:4]
            )
            return out
        matcher = difflib.SequenceMatcher(a=then_keys, b=now_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("delete", "replace"):
                out.extend(
                    Msg(N_("dropped: #{number} {firing} (recorded, not reproduced)"), number=recorded[i].seq, firing=then_keys[i])
                    for i in range(i1, i2)
                )
            if tag in ("insert", "replace"):
                out.extend(Msg(N_("new: {firing} (fires today, not recorded)"), firing=now_keys[j]) for j in range(j1, j2))
    else:
        for before, after in zip(recorded, today, strict=False):
            for part in ("matched", "asserted", "retracted", "absent", "salience"):
                if getattr(before, part) != getattr(after, part):
                    out.append(
                        Msg(N_("#{number} {firing}: {part} differs"), number=before.seq, firing=_firing_key(before), part=part)
                    )
    return out[:MAX_DETAILS]


def result_diff(recorded: Mapping[str, Any], today: Mapping[str, Any]) -> list[str]:
    """Per platform, what the recorded result says that today's does not; then the best overall."""
    out: list[str] = []
    then_recs = {r.get("platform"): r for r in recorded.get("recommendations", [])}
    now_recs = {r.get("platform"): r for r in today.get("recommendations", [])}
    for platform in dict.fromkeys([*then_recs, *now_recs]):
        a, b = then_recs.get(platform, {}), now_recs.get(platform, {})
        if a.get("model") != b.get("model"):
            out.append(
                Msg(
                    N_("{platform}: recommended {recorded}, today {today}"),
                    platform=platform_words(platform),
                    recorded=_model(a.get("model")),
                    today=_model(b.get("model")),
                )
            )
        for key in ("confidence", "basis", "scores", "excluded"):
            if a.get(key) != b.get(key):
                out.append(
                    Msg(
                        N_("{platform}: {key} {recorded}, today {today}"),
                        platform=platform_words(platform),
                        key=key_words(key),
                        recorded=show(a.get(key)),
                        today=show(b.get(key)),
                    )
                )
        for key in ("reasons", "caveats", "assumptions"):
            if a.get(key) != b.get(key):
                out.append(Msg(N_("{platform}: {key} differ"), platform=platform_words(platform), key=key_words(key)))
    then_best, now_best = recorded.get("best"), today.get("best")
    if then_best != now_best:
        if _without_why(then_best) == _without_why(now_best):
            out.append(Msg(N_("best: the same advice, worded differently")))
        else:
            out.append(Msg(N_("best: {recorded}, today {today}"), recorded=_best_words(then_best), today=_best_words(now_best)))
    if not out and dict(recorded) != dict(today):
        out.append(Msg(N_("the result differs")))
    return out


def _without_why(best: Any) -> Any:
    return {k: v for k, v in best.items() if k != "why"} if isinstance(best, Mapping) else best
