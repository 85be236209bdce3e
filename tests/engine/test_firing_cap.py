"""The firing cap: a rule pack that needs more firings than its cap stops with FiringLimitError, and never hangs.

Can the rule language loop? No, and the property below holds it to that. Every conclusion
is guarded so it fires once: an evidence, exclusion or caveat rule concludes at most once
per platform (the engine refuses a second conclusion of the same rule on the same platform);
an assumption fires only while its field is unknown and no rule ever retracts a fact, so each
field is assumed at most once; ``decide`` runs once per platform. Assumptions re-matching what
they change, salience and ``absent``/``present`` only reorder these firings. So a consultation
fires at most (assumptions) + (other rules + 1) x (platforms) times, and the cap is a guard
against a pack that is merely too long for it (or a future conclusion kind that could loop).
The cap is therefore tested with a genuinely long chain: each assumption enables the next.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerexpert import Advisor, FiringLimitError, SellerProfile, cli, load_rulebook, shipped_rules_dir

# The chain runs through these fields: a link assumes the next field once the previous one is set.
CHAIN: tuple[tuple[str, Any], ...] = (
    ("local_warehouse", True),
    ("sea_freight", True),
    ("bulky_goods", True),
    ("local_entity", True),
    ("fast_shipping_expected", True),
    ("fast_payouts_needed", True),
    ("invited", True),
    ("operational_capacity", "high"),
    ("control_priority", "high"),
    ("fee_sensitivity", "high"),
    ("working_capital", "high"),
    ("content_control", "high"),
    ("customer_service", "full"),
    ("company_base", "CN"),
)
TAIL = 6
"""Platform rules at the end of the chain: each fires once per platform, once the last link is in place."""


def _toml(value: Any) -> str:
    """A value as TOML (the packs are written as TOML, like the shipped rules)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"


def _rule(rule_id: str, when: dict[str, Any], then: dict[str, Any], *, salience: int = 0) -> str:
    fields = {
        "id": rule_id,
        "statement": f"Planted rule {rule_id}.",
        "rationale": "A link in a long chain, for the firing cap tests.",
        "sources": ["seed_p1"],
        "salience": salience,
        "when": when,
        "then": then,
        "examples": [{"profile": {}, "fires": True}],
    }
    return "[[rule]]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in fields.items())


def _pack(folder: Path, rules: list[str], *, firing_limit: int | None = None) -> Path:
    """A rule pack of the shipped sources and platforms, a policy with ``firing_limit``, and ``rules``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sources.toml", "platforms.toml", "policy.toml"):
        shutil.copy(shipped_rules_dir() / name, folder / name)
    if firing_limit is not None:
        policy = folder / "policy.toml"
        text = policy.read_text(encoding="utf-8")
        assert "firing_limit = 10000" in text
        policy.write_text(text.replace("firing_limit = 10000", f"firing_limit = {firing_limit}"), encoding="utf-8")
    header = '[meta]\ncovers = "Planted rules for the firing cap tests."\nreviewed = "2026-11-25"\n\n'
    (folder / "planted.toml").write_text(header + "\n".join(rules), encoding="utf-8")
    return folder


def _chain() -> list[str]:
    first, value = CHAIN[0]
    rules = [_rule("link_00", {"fact": first, "op": "absent"}, {"assume": first, "value": value}, salience=100)]
    for number, ((before, was), (name, value)) in enumerate(itertools.pairwise(CHAIN), start=1):
        rules.append(
            _rule(
                f"link_{number:02d}", {"fact": before, "op": "eq", "value": was}, {"assume": name, "value": value}, salience=100
            )
        )
    last, was = CHAIN[-1]
    rules += [
        _rule(f"tail_{n}", {"fact": last, "op": "eq", "value": was}, {"favour": "semi-managed", "weight": 1}) for n in range(TAIL)
    ]
    return rules


CHAIN_FIRINGS = len(CHAIN) + (TAIL + 1) * 3
"""What the chain needs on the three platforms: every link once, the tail and ``decide`` once per platform."""


@pytest.fixture(scope="module")
def chain_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _pack(tmp_path_factory.mktemp("chain"), _chain())


@pytest.mark.parametrize("engine", ["experta", "compiled"])
def test_the_chain_settles_when_the_cap_allows_it(chain_pack: Path, engine: str) -> None:
    firings = Advisor(chain_pack).consult({}, engine=engine).trace.firings  # type: ignore[arg-type]
    assert len(firings) == CHAIN_FIRINGS
    assert [f.rule for f in firings[: len(CHAIN)]] == [f"link_{n:02d}" for n in range(len(CHAIN))]
    assert Advisor(chain_pack, firing_limit=CHAIN_FIRINGS).consult({}, engine=engine).trace.firings == firings  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["experta", "compiled"])
@pytest.mark.parametrize("limit", [1, 5, len(CHAIN), CHAIN_FIRINGS - 1], ids=["first", "mid-chain", "end-of-chain", "one-short"])
def test_a_chain_longer_than_the_cap_stops_naming_its_last_rules(chain_pack: Path, engine: str, limit: int) -> None:
    fired = [f.rule for f in Advisor(chain_pack).consult({}, engine=engine).trace.firings]  # type: ignore[arg-type]
    with pytest.raises(FiringLimitError) as caught:
        Advisor(chain_pack, firing_limit=limit).consult({}, engine=engine)  # type: ignore[arg-type]
    assert caught.value.limit == limit
    assert caught.value.last_rules == tuple(fired[max(limit - 5, 0) : limit])
    assert str(caught.value) == (
        f"the rules fired {limit} times without settling (a rule loop?); last rules fired: {', '.join(caught.value.last_rules)}"
    )


def test_the_cap_comes_from_the_packs_policy_and_the_cli_stops_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    limit = len(CHAIN) + 2
    pack = _pack(tmp_path / "capped", _chain(), firing_limit=limit)
    with pytest.raises(FiringLimitError) as caught:
        Advisor(pack).consult({"monthly_orders": 100})  # a field the chain does not touch
    assert caught.value.limit == limit and caught.value.last_rules[-2:] == ("tail_0", "tail_1")
    result = runner.invoke(cli, ["--rules", str(pack), "consult", "--monthly-orders", "100"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == f"Error: the rule pack did not settle: {caught.value}\n"


def test_an_attempted_ping_pong_fires_once_and_settles(tmp_path: Path) -> None:
    # The nearest the language comes to a loop: two assumptions that each undo the other's value.
    rules = [
        _rule("ping", {"fact": "sea_freight", "op": "absent"}, {"assume": "sea_freight", "value": True}, salience=100),
        _rule(
            "pong", {"fact": "sea_freight", "op": "eq", "value": True}, {"assume": "sea_freight", "value": False}, salience=100
        ),
        _rule("pang", {"fact": "sea_freight", "op": "present"}, {"favour": "fully-managed", "weight": 1}),
    ]
    advisor = Advisor(_pack(tmp_path / "pingpong", rules), firing_limit=100)
    for engine in ("experta", "compiled"):
        fired = [f.rule for f in advisor.consult({"platforms": ["temu"]}, engine=engine).trace.firings]  # type: ignore[arg-type]
        assert fired == ["ping", "pang", "decide"]


# -- no pack loops: the bound, over generated packs --------------------------------------------------

_FIELDS = {name: value for name, value in CHAIN}
_LEAF = st.one_of(
    st.sampled_from(sorted(_FIELDS)).flatmap(
        lambda f: st.sampled_from([{"fact": f, "op": "absent"}, {"fact": f, "op": "present"}])
    ),
    st.sampled_from(sorted(_FIELDS)).map(lambda f: {"fact": f, "op": "eq", "value": _FIELDS[f]}),
    st.sampled_from(sorted(_FIELDS)).map(lambda f: {"fact": f, "op": "ne", "value": _FIELDS[f]}),
)
_WHEN = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"any": items}), inner.map(lambda item: {"not": item})
    ),
    max_leaves=3,
)


@st.composite
def _generated(draw: st.DrawFn, number: int) -> str:
    when = draw(_WHEN)
    kind = draw(st.sampled_from(["assume", "assume", "favour", "exclude", "caveat"]))
    if kind == "assume":
        field = draw(st.sampled_from(sorted(_FIELDS)))
        value = _FIELDS[field] if draw(st.booleans()) or not isinstance(_FIELDS[field], bool) else not _FIELDS[field]
        then: dict[str, Any] = {"assume": field, "value": value}
    elif kind == "favour":
        then = {"favour": draw(st.sampled_from(["fully-managed", "semi-managed"])), "weight": draw(st.integers(1, 3))}
    elif kind == "exclude":
        then = {"exclude": draw(st.sampled_from(["fully-managed", "semi-managed"]))}
    else:
        then = {"caveat": "Planted caveat."}
    return _rule(f"generated_{number:02d}", when, then, salience=draw(st.sampled_from([-10, 0, 50, 100])))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    rules=st.integers(1, 16).flatmap(lambda size: st.tuples(*(_generated(n) for n in range(size)))),
    given_fields=st.dictionaries(st.sampled_from(sorted(_FIELDS)), st.just(None)).map(lambda d: {k: _FIELDS[k] for k in d}),
    platforms=st.lists(st.sampled_from(["temu", "aliexpress", "tiktok_shop"]), min_size=1, max_size=3, unique=True),
)
def test_no_generated_pack_fires_more_than_the_bound(
    tmp_path_factory: pytest.TempPathFactory, rules: tuple[str, ...], given_fields: dict[str, Any], platforms: list[str]
) -> None:
    pack = _pack(tmp_path_factory.mktemp("generated"), list(rules))
    book = load_rulebook(pack)
    assumptions = sum(1 for r in book.rules if r.then.kind == "assume")
    others = len(book.rules) - assumptions
    profile = SellerProfile.from_dict({**given_fields, "platforms": platforms})
    for engine in ("experta", "compiled"):
        firings = Advisor(pack).consult(profile, engine=engine).trace.firings  # type: ignore[arg-type]
        assert len(firings) <= assumptions + (others + 1) * len(platforms)
        # Each rule concludes at most once per platform, and each field is assumed at most once.
        assert max(Counter((f.rule, f.platform) for f in firings).values(), default=1) == 1
        assumed = [fact.field for f in firings if f.platform is None for fact in f.asserted if fact.kind == "seller"]
        assert len(assumed) == len(set(assumed))
        assert not set(assumed) & set(given_fields)


def test_the_shipped_rules_stay_far_below_their_cap() -> None:
    book = load_rulebook()
    assumptions = sum(1 for r in book.rules if r.then.kind == "assume")
    bound = assumptions + (len(book.rules) - assumptions + 1) * len(book.platforms)
    assert bound * 10 < book.policy.firing_limit
