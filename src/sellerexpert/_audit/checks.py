"""The audit's checks of one trace: signature, input, consistency, fingerprint and replay.

Each check appends its :class:`~sellerexpert._audit.report.AuditFinding` to a
list and is independent of the others, so every problem is named, not only
the first. What each one checks is listed in :mod:`sellerexpert._audit.audit`.

May import: the trace, signing, the profile, the result, the rule book, the
policy and the evaluator (the engine's own decision step), the version, the
errors, the messages, :mod:`sellerexpert._audit.report` and
:mod:`sellerexpert._audit.diff`. The advisor only for its type.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._engine.evaluator import decide_platform, weighed_from_records
from .._engine.policy import Weighed, choose_best, recorded_lead
from .._errors import ProfileError
from .._i18n import N_
from .._i18n.messages import Msg, concat, platform_words
from .._profile.profile import CORE_FIELDS, SellerProfile
from .._results.result import Recommendation
from .._results.trace import (
    ENV_KEY,
    DecisionRecord,
    FactRecord,
    Firing,
    OtherRecord,
    PlatformRecord,
    SellerRecord,
    Trace,
    check,
    split_runs,
)
from .._rulebook.rulebook import RuleBook
from .._version import __version__
from .diff import (
    MAX_DETAILS,
    data_changes,
    fact_diff,
    firing_diff,
    key_words,
    result_diff,
    rule_details,
    show,
    value_words,
)
from .report import AuditFinding, RuleChange

if TYPE_CHECKING:
    from .._advisor import Advisor
    from .._engine.names import Engine

_CHANGE_WORDS = {"added": N_("added"), "removed": N_("removed"), "edited": N_("edited"), "changed": N_("changed")}


def check_signature(trace: Trace, key: bytes | str | None, verify: bool, findings: list[AuditFinding]) -> str:
    """The trace's signature status (see :data:`sellerexpert._results.trace.SignatureStatus`).

    A finding when it fails, or is left unchecked with ``verify`` off (a note then).
    """
    status = check(trace, key if verify else None)
    if status == "invalid":
        findings.append(
            AuditFinding(
                "signature", Msg(N_("signature does not match: the trace was edited after signing, or signed with another key"))
            )
        )
    elif status == "missing":
        findings.append(AuditFinding("signature", Msg(N_("trace is not signed, but a signing key is set"))))
    elif status == "not-checked" and verify:
        findings.append(
            AuditFinding(
                "signature",
                Msg(
                    N_(
                        "signed, but the signature could not be verified: no key (set {variable}, "
                        "or pass --no-verify to audit without checking it)"
                    ),
                    variable=ENV_KEY,
                ),
            )
        )
    elif status == "not-checked":
        findings.append(AuditFinding("signature", Msg(N_("signed, but not checked (verification turned off)")), failed=False))
    return status


def _where(firing: Firing) -> str:
    return f"#{firing.seq} {firing.rule}" + (f"@{firing.platform}" if firing.platform else "")


def _fact_name(fact: FactRecord) -> str:
    if isinstance(fact, SellerRecord):
        shown = f"{fact.field}={show(fact.value)}"
        return Msg(N_("{fact} (assumed)"), fact=shown) if fact.assumed else shown
    if isinstance(fact, PlatformRecord):
        return f"{fact.platform}.{fact.field}={show(fact.value)}"
    if not isinstance(fact, OtherRecord):
        return Msg(N_("{kind} of {rule}"), kind=fact.kind, rule=f"{getattr(fact, 'rule', 'decide')}@{fact.platform}")
    # A record no engine writes: named from what it holds.
    record: Mapping[str, Any] = fact.data if isinstance(fact.data, Mapping) else {}
    kind = record.get("kind")
    if kind == "seller":
        shown = f"{record.get('field')}={show(record.get('value'))}"
        return Msg(N_("{fact} (assumed)"), fact=shown) if record.get("assumed") else shown
    if kind == "platform":
        return f"{record.get('platform')}.{record.get('field')}={show(record.get('value'))}"
    return Msg(N_("{kind} of {rule}"), kind=kind, rule=f"{record.get('rule', 'decide')}@{record.get('platform')}")


def check_input(trace: Trace, findings: list[AuditFinding]) -> SellerProfile | None:
    """The profile is valid, canonical, and the one the initial facts and the result were built from."""
    details: list[str] = []
    try:
        profile = SellerProfile.from_dict(trace.profile)
    except ProfileError as exc:
        findings.append(
            AuditFinding("input", Msg(N_("changed input: the profile is not valid")), (exc.args[0] if exc.args else str(exc),))
        )
        return None
    if profile.to_dict() != dict(trace.profile):
        details.append(
            Msg(
                N_("profile {profile} is not in canonical form {canonical}"),
                profile=show(dict(trace.profile)),
                canonical=show(profile.to_dict()),
            )
        )
    # The economics enter as computed platform facts (platform.margin_*), which the replay checks.
    # A consultation runs the rules once per target market, each run on the profile with that market alone.
    runs = split_runs(trace.facts)
    markets: list[str | None] = list(profile.target_markets) if profile.target_markets else [None]
    if len(runs) != len(markets):
        details.append(
            Msg(
                N_("the profile names {count} target market(s), the input facts hold {runs} run(s)"),
                count=len(markets), runs=len(runs),
            )
        )
    for market, facts in zip(markets, runs, strict=False):  # a count that differs is reported above
        seen = profile.in_market(market) if market is not None else profile
        expected = {k: v for k, v in seen.to_dict().items() if k not in ("name", "platforms", "economics")}
        recorded = {f.field: f.value for f in facts if isinstance(f, SellerRecord) and not f.assumed}
        for name in sorted(set(expected) | set(recorded), key=str):
            if expected.get(name) != recorded.get(name):
                details.append(
                    Msg(
                        N_("{field}: the profile says {profile}, the input facts say {facts}"),
                        field=name, profile=show(expected.get(name)), facts=show(recorded.get(name)),
                    )
                )
        platforms = [f.value for f in facts if isinstance(f, PlatformRecord) and f.field == "id"]
        if platforms != list(profile.platforms):
            details.append(
                Msg(
                    N_("the profile asks about {asked}, the input facts hold {held}"),
                    asked=show(list(profile.platforms)),
                    held=show(platforms),
                )
            )
    if any(isinstance(f, SellerRecord) and f.assumed for f in trace.facts):
        details.append(Msg(N_("an input fact is marked as assumed: assumptions are made by rules, not given")))
    if dict(trace.result.get("profile", {})) != dict(trace.profile):
        details.append(Msg(N_("the result was given for a different profile than the trace records")))
    if details:
        findings.append(
            AuditFinding("input", Msg(N_("changed input: the profile and the facts it started from disagree")), tuple(details))
        )
    return profile


def check_consistency(trace: Trace, rulebook: RuleBook, findings: list[AuditFinding]) -> None:
    """The trace agrees with itself: order, provenance of every matched fact, and results the firings support."""
    details: list[str] = []
    seqs = [f.seq for f in trace.firings]
    if seqs != list(range(1, len(seqs) + 1)):
        details.append(
            Msg(
                N_("firings are not numbered 1..{count} in order: {numbers}"),
                count=len(seqs), numbers=f"{seqs[:20]}{'...' if len(seqs) > 20 else ''}",
            )
        )
    # Each run of the rules (one per target market) starts from its own input facts.
    runs = split_runs(trace.facts)
    order = list(dict.fromkeys(f.market for f in trace.firings))
    by_market = dict(zip(order, runs, strict=True)) if len(order) == len(runs) else {}
    # One working memory per run, kept when the firings turn to another market and back (a real
    # trace never does; rebuilding it at every turn would make a hostile trace quadratic).
    memories: dict[Any, _Memory] = {}
    memory = _Memory(trace.facts)
    for firing in trace.firings:
        if by_market:
            memory = memories.get(firing.market) or memories.setdefault(firing.market, _Memory(by_market.get(firing.market, ())))
        for fact in firing.matched:
            recorded = memory.known.get(fact.id)
            if recorded is None:
                details.append(
                    Msg(
                        N_(
                            "{firing} matched fact #{id} ({fact}), which is neither "
                            "an input fact nor asserted by an earlier firing"
                        ),
                        firing=_where(firing),
                        id=fact.id,
                        fact=_fact_name(fact),
                    )
                )
            elif recorded != fact:
                details.append(
                    Msg(
                        N_("{firing} matched fact #{id} as {fact}, but it was recorded as {recorded}"),
                        firing=_where(firing), id=fact.id, fact=_fact_name(fact), recorded=_fact_name(recorded),
                    )
                )
        for name in firing.absent:
            present = memory.seller_fact(name)
            if present is not None:
                details.append(
                    Msg(
                        N_("{firing} relied on {field} being unknown, but it was {value}"),
                        firing=_where(firing), field=name, value=show(present.value),
                    )
                )
        for fact in firing.asserted:
            if fact.id in memory.known and memory.known[fact.id] != fact:
                details.append(Msg(N_("{firing} asserted fact #{id}, an id already taken"), firing=_where(firing), id=fact.id))
            memory.put(fact)
        for fact in firing.retracted:
            memory.pop(fact.id)
    details.extend(_unsupported_results(trace, rulebook))
    if details:
        findings.append(
            AuditFinding(
                "consistency",
                Msg(N_("inconsistent trace: its firings do not support what it records")),
                tuple(details[:MAX_DETAILS]),
            )
        )



class _Memory:
    """Working memory as a trace's firings leave it: the facts by id, and the seller facts by field.

    The absence check asks for the first seller fact of a field (in the order the facts were
    declared); the index answers it without a scan of every fact known, so an audit stays linear
    in the size of the trace.
    """

    def __init__(self, facts: Iterable[FactRecord]) -> None:
        self.known: dict[Any, FactRecord] = {}
        self._rank: dict[Any, int] = {}  # an id's place in the declaration order (the dict's own order)
        self._sellers: dict[Any, dict[Any, None]] = {}  # field -> ids of the seller facts of that field
        self._unordered: set[Any] = set()  # fields whose ids are not held in declaration order (an id re-used)
        self._count = itertools.count()
        for fact in facts:
            self.put(fact)

    def put(self, fact: FactRecord) -> None:
        if fact.id in self.known:
            self._forget_seller(fact.id)
        else:
            self._rank[fact.id] = next(self._count)
        self.known[fact.id] = fact
        if isinstance(fact, SellerRecord):
            ids = self._sellers.setdefault(fact.field, {})
            if ids and self._rank[next(reversed(ids))] > self._rank[fact.id]:
                self._unordered.add(fact.field)
            ids[fact.id] = None

    def pop(self, fact_id: Any) -> None:
        if fact_id in self.known:
            self._forget_seller(fact_id)
            del self.known[fact_id]
            del self._rank[fact_id]

    def seller_fact(self, name: str) -> SellerRecord | None:
        """The first seller fact of field ``name`` in declaration order, or ``None``."""
        ids = self._sellers.get(name)
        if not ids:
            return None
        first = min(ids, key=self._rank.__getitem__) if name in self._unordered else next(iter(ids))
        fact = self.known[first]
        assert isinstance(fact, SellerRecord)
        return fact

    def _forget_seller(self, fact_id: Any) -> None:
        old = self.known[fact_id]
        if isinstance(old, SellerRecord):
            self._sellers[old.field].pop(fact_id, None)


def _unsupported_results(trace: Trace, rulebook: RuleBook) -> list[str]:
    """Recompute each platform's decision from the trace's own evidence and compare with what it records."""
    details: list[str] = []
    # Only the core fields count towards completeness: the rest would make each decision's work grow with the trace.
    given = list(
        dict.fromkeys(f.field for f in trace.facts if isinstance(f, SellerRecord) and not f.assumed and f.field in CORE_FIELDS)
    )
    rules = {rule.id: rule for rule in rulebook.rules}
    recommendations = {r.get("platform"): r for r in trace.result.get("recommendations", [])}
    # An edited trace may hold anything as a platform id: keep the ids in order, once each (see _unique).
    platforms = _unique(f.value for f in trace.facts if isinstance(f, PlatformRecord) and f.field == "id")
    markets = _unique(f.market for f in trace.firings)
    # Indexes built once, so that the work is linear in the trace's size, however many platforms and markets it names.
    grouped: dict[tuple[Any, Any], list[Firing]] = {}
    for firing in trace.firings:
        grouped.setdefault((firing.platform, firing.market), []).append(firing)

    def firings_of(platform: Any, market: Any) -> Sequence[Firing]:
        try:
            return grouped.get((platform, market), ())
        except TypeError:  # an id that cannot be hashed: no firing names it (firings name platforms in text)
            return [f for f in trace.firings if f.platform == platform and f.market == market]

    positions: dict[Any, int] = {}
    for index, fact in enumerate(trace.facts):
        positions.setdefault(fact.id, index)
    entries: dict[Any, dict[Any, Any]] = {}
    leads: dict[Any, int] = {}
    run_facts: dict[tuple[Any, Any], dict[str, Any]] = {}  # (anchor id, platform) -> the run's platform facts
    recorded_facts: dict[Any, dict[str, Any]] = {}
    for fact in trace.facts:
        if isinstance(fact, PlatformRecord) and _hashable(fact.platform):
            recorded_facts.setdefault(fact.platform, {})[fact.field] = fact.value
    for platform, market in [(p, m) for m in (markets or [None]) for p in platforms]:
        weighed: list[Weighed] = []
        reasons: list[str] = []
        caveats: list[str] = []
        decisions = []
        for firing in firings_of(platform, market):
            for fact in firing.asserted:
                kind = fact.kind
                if kind in ("evidence", "exclusion"):
                    rule = rules.get(firing.rule)
                    if rule is None or not isinstance(platform, str) or platform not in rulebook.platforms:
                        continue  # the fingerprint check reports rules and platforms this rule book lacks
                    weighed.append(weighed_from_records(rulebook, rule, platform, firing.matched))
                    reasons.append(firing.rule)
                elif kind == "caveat":
                    caveats.append(firing.rule)
                elif isinstance(fact, DecisionRecord):
                    decisions.append((firing, fact))
        if len(decisions) != 1:
            details.append(
                Msg(
                    N_("{platform}: {count} decide firings (expected exactly one): the result is not supported"),
                    platform=platform_words(platform), count=len(decisions),
                )
            )
            continue
        firing, decision = decisions[0]
        anchor = next((f.id for f in firing.matched if isinstance(f, PlatformRecord) and f.field == "id"), None)
        if anchor is None:  # a hand-edited trace without an anchor: every fact recorded for the platform
            facts = recorded_facts.get(platform, {})
        elif (anchor, platform) in run_facts:
            facts = run_facts[(anchor, platform)]
        else:
            facts = run_facts[(anchor, platform)] = run_platform_facts(trace.facts, firing, platform, positions=positions)
        # The engine's own decision step, on the trace's own evidence and the run's own platform facts.
        scores, excluded, expected, _ = decide_platform(
            rulebook, weighed, emphasis=facts.get("emphasis"), given_fields=given, facts=facts
        )
        recorded = {
            "model": decision.model,
            "confidence": decision.confidence,
            "basis": decision.basis,
            "scores": decision.scores,
            "excluded": decision.excluded,
        }
        wanted = {
            "model": expected.model,
            "confidence": expected.confidence,
            "basis": expected.basis,
            "scores": scores,
            "excluded": excluded,
        }
        for key in wanted:
            if recorded[key] != wanted[key]:
                details.append(
                    Msg(
                        N_("{platform}: {firing} records {key} {recorded}, but its evidence gives {wanted}"),
                        platform=platform_words(platform),
                        firing=_where(firing),
                        key=key_words(key),
                        recorded=value_words(key, recorded[key]),
                        wanted=value_words(key, wanted[key]),
                    )
                )
        rec = recommendations.get(platform)
        if rec is None:
            details.append(Msg(N_("{platform}: no recommendation in the result"), platform=platform_words(platform)))
            continue
        if market is not None:
            if platform not in entries:
                # The first entry for each market, as a scan of the recommendation's entries would find it.
                entries[platform] = {}
                for item in rec.get("markets", []):
                    if isinstance(item, Mapping) and _hashable(item.get("market")):
                        entries[platform].setdefault(item.get("market"), item)
                leads[platform] = recorded_lead(rec) or 0
            entry = entries[platform].get(market)
            if entry is None or entry.get("confidence") != decision.confidence:
                details.append(
                    Msg(
                        N_(
                            "{platform}, {market}: the result's market entry does not carry the decide firing's "
                            "confidence {decided}"
                        ),
                        platform=platform_words(platform), market=market, decided=show(decision.confidence),
                    )
                )
            if rec.get("markets") and rec["markets"][leads[platform]].get("market") != market:
                continue  # the platform's own fields are those of its lead market, checked on that market's run
        for key, decided in recorded.items():
            if rec.get(key) != decided:
                details.append(
                    Msg(
                        N_("{platform}: the result says {key} {result}, the decide firing {decided}"),
                        platform=platform_words(platform), key=key_words(key), result=value_words(key, rec.get(key)),
                        decided=value_words(key, decided),
                    )
                )
        stated = sorted(r.get("rule") for r in rec.get("reasons", []))
        if stated != sorted(reasons):
            details.append(
                Msg(
                    N_("{platform}: the result gives reasons {stated}, the firings {fired}"),
                    platform=platform_words(platform),
                    stated=stated,
                    fired=sorted(reasons),
                )
            )
        if sorted(c.get("rule") for c in rec.get("caveats", [])) != sorted(caveats):
            details.append(
                Msg(
                    N_("{platform}: the result's caveats are not the caveat firings {fired}"),
                    platform=platform_words(platform),
                    fired=sorted(caveats),
                )
            )
    best = trace.result.get("best", {})
    recs = list(trace.result.get("recommendations", []))
    if recs and all(isinstance(r.get("scores"), Mapping) and r.get("model") in r.get("scores", {}) for r in recs):
        profile = trace.profile if isinstance(trace.profile, Mapping) else {}
        content_led = (
            [p for p, spec in rulebook.platforms.items() if (f := spec.facts.get("content_led")) is not None and f.value is True]
            if profile.get("content_control") == "high"
            else []
        )
        try:
            chosen = choose_best([Recommendation.from_dict(r) for r in recs], rulebook.policy, content_led=content_led)
        except (KeyError, TypeError, ValueError):
            details.append(Msg(N_("the recommendations cannot be read back to check the best overall")))
            return details
        if (best.get("platform"), best.get("model")) != (chosen.platform, chosen.model):
            details.append(
                Msg(
                    N_("best is {recorded}, but the recommendations make it {chosen}"),
                    recorded=f"{best.get('platform')} {best.get('model')}", chosen=f"{chosen.platform} {chosen.model}",
                )
            )
    return details


def run_platform_facts(
    facts: tuple[FactRecord, ...], decide: Firing, platform: str, *, positions: Mapping[Any, int] | None = None
) -> dict[str, Any]:
    """The platform facts of the run a decide firing belongs to: those declared with its anchor (the platform's ``id`` fact).

    :param positions: each fact id's first index in ``facts``, to start at the anchor rather than scan up to it.
    """
    anchor = next((f for f in decide.matched if isinstance(f, PlatformRecord) and f.field == "id"), None)
    out: dict[str, Any] = {}
    started = False
    start = 0
    if anchor is not None and positions is not None:
        start = positions.get(anchor.id, len(facts))
    for index in range(start, len(facts)):
        fact = facts[index]
        if anchor is not None and fact.id == anchor.id:
            started = True
        elif started and (not isinstance(fact, PlatformRecord) or fact.platform != platform or fact.field == "id"):
            break
        if started and isinstance(fact, PlatformRecord):
            out[fact.field] = fact.value
    if anchor is None:  # a hand-edited trace without an anchor: every fact recorded for the platform
        out = {f.field: f.value for f in facts if isinstance(f, PlatformRecord) and f.platform == platform}
    return out


def _unique(values: Iterable[Any]) -> list[Any]:
    """The values in order, once each. An edited trace may hold anything as an id: values that can be hashed
    are looked up in a set (linear in the count), the rest compared one by one."""
    out: list[Any] = []
    seen: set[Any] = set()
    loose: list[Any] = []
    for value in values:
        try:
            if value in seen:
                continue
            seen.add(value)
        except TypeError:
            if value in loose:
                continue
            loose.append(value)
        out.append(value)
    return out


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def check_fingerprint(
    trace: Trace, rulebook: RuleBook, old: RuleBook | None, findings: list[AuditFinding]
) -> list[RuleChange]:
    fingerprint = trace.fingerprint
    files: Mapping[str, str] = fingerprint.get("files", {}) or {}
    digest = hashlib.sha256()
    for name, file_hash in sorted(files.items()):
        digest.update(f"{name}\0{file_hash}\n".encode())
    if digest.hexdigest() != fingerprint.get("rulebook"):
        findings.append(
            AuditFinding(
                "fingerprint", Msg(N_("fingerprint does not add up: its per-file hashes do not give its rule-book hash"))
            )
        )
    version = fingerprint.get("package_version")
    if version != __version__:
        findings.append(
            AuditFinding(
                "fingerprint",
                Msg(N_("made with sellerexpert {then}, replayed with {now}"), then=version, now=__version__),
                failed=False,
            )
        )
    if fingerprint.get("rulebook") == rulebook.fingerprint:
        if dict(files) != dict(rulebook.files) or dict(fingerprint.get("rules", {}) or {}) != rulebook.rule_digests():
            findings.append(
                AuditFinding(
                    "fingerprint",
                    Msg(N_("fingerprint was edited: its per-file or per-rule digests differ from the rule book it names")),
                )
            )
        return []
    then_rules: Mapping[str, str] = fingerprint.get("rules", {}) or {}
    now_rules = rulebook.rule_digests()
    changes: list[RuleChange] = []
    order = [*then_rules, *(r for r in now_rules if r not in then_rules)]
    for rule_id in order:
        if rule_id not in now_rules:
            changes.append(RuleChange(rule_id, "removed", rule_details(old, rulebook, rule_id)))
        elif rule_id not in then_rules:
            changes.append(RuleChange(rule_id, "added", rule_details(old, rulebook, rule_id)))
        elif then_rules[rule_id] != now_rules[rule_id]:
            changes.append(RuleChange(rule_id, "edited", rule_details(old, rulebook, rule_id)))
    details: list[str] = []
    for change in changes:
        details.append(Msg(N_("{change}: {rule}"), change=Msg(_CHANGE_WORDS[change.change]), rule=change.rule))
        details.extend(f"  {d}" for d in change.details)
    then_files: Mapping[str, str] = fingerprint.get("files", {}) or {}
    for name in sorted(set(then_files) | set(rulebook.files)):
        if then_files.get(name) != rulebook.files.get(name):
            state = "added" if name not in then_files else "removed" if name not in rulebook.files else "changed"
            details.append(Msg(N_("file {name} {state}"), name=name, state=Msg(_CHANGE_WORDS[state])))
    if old is not None:
        if old.fingerprint != fingerprint.get("rulebook"):
            details.append(
                Msg(
                    N_("note: {folder} is not the rule book this trace was made with either (its fingerprint differs)"),
                    folder=str(old.directory),
                )
            )
        details.extend(data_changes(old, rulebook))
    counts = [(kind, len([c for c in changes if c.change == kind])) for kind in ("added", "removed", "edited")]
    names = [Msg(N_("{count} {change}"), count=count, change=Msg(_CHANGE_WORDS[kind])) for kind, count in counts if count]
    what = concat(*[part for i, name in enumerate(names) for part in ((Msg(", "), name) if i else (name,))]) if names else Msg(
        N_("no rule changed; platform data, policy or sources did")
    )
    findings.append(
        AuditFinding("fingerprint", Msg(N_("rule base changed since the trace was made ({what})"), what=what), tuple(details))
    )
    return changes


def check_replay(
    trace: Trace,
    advisor: Advisor,
    profile: SellerProfile,
    fingerprint_matches: bool,
    findings: list[AuditFinding],
    *,
    engine: Engine = "compiled",
) -> bool:
    """The profile consulted again (on ``engine``) gives the recorded facts, firings and result; else a finding with the diff."""
    replay = advisor._replayed(profile, engine=engine)
    details = fact_diff(trace.facts, replay.facts)
    details.extend(firing_diff(trace.firings, replay.firings))
    details.extend(result_diff(trace.result, replay.result))
    if not details:
        return True
    if fingerprint_matches:
        message = Msg(N_("replay differs: these rules do not produce the recorded firings and result from this profile"))
    else:
        message = Msg(N_("replay differs: today's rules give different firings or advice"))
    findings.append(AuditFinding("replay", message, tuple(details[: MAX_DETAILS * 2])))
    return False
