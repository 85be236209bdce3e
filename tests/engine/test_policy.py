"""How weighed evidence becomes one recommendation per platform: the decision, its confidence, the outcome and the best platform.

The policy numbers here are chosen for the tests (not the shipped tuning), so each expected
confidence can be worked out by hand from the formula in the README and :func:`decide`'s docstring.

An internal on purpose: the decision policy (``decide``, ``choose_best``, the policy records) takes weighed
evidence and policy numbers no public call accepts; the tests hand it both directly, to reach every branch.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import MODELS, Caveat, Reason, Recommendation
from sellerexpert._engine.policy import Weighed, choose_best, counted, decide, outcome
from sellerexpert._rulebook.rulebook import BestPolicy, ConfidencePolicy, OutcomePolicy, Policy

FULL, SEMI = MODELS
POLICY = Policy(
    tie_default=FULL,
    confidence=ConfidencePolicy(
        base=0.5,
        margin_span=0.4,
        one_excluded=0.9,
        both_excluded=0.2,
        unknown_floor=0.6,
        strength_half=4.0,
        assumed_factor=0.5,
        platform_factor={"high": 1.0, "medium": 0.8, "low": 0.6},
    ),
    outcomes=OutcomePolicy(run_both_within=1),
    best=BestPolicy(decisive_caveats=("pays_late",), decisive_weight=4),
)


def _decide(scores: dict[str, int], excluded: tuple[str, ...] = (), **kwargs: Any) -> Any:
    kwargs.setdefault("emphasis", None)
    kwargs.setdefault("completeness", 1.0)
    return decide(scores, excluded, policy=kwargs.pop("policy", POLICY), **kwargs)


# -- the model and the basis ------------------------------------------------------------------------


def test_more_weight_wins_with_the_formula_written_out() -> None:
    # F = 3, A = 1: 0.5 + 0.4 * (2 / 4) * (4 / (4 + 4)) = 0.6
    decision = _decide({FULL: 3, SEMI: 1})
    assert (decision.model, decision.basis, decision.confidence) == (FULL, "scores", 0.6)
    assert _decide({FULL: 1, SEMI: 3}).model == SEMI


@pytest.mark.parametrize(
    ("completeness", "expected"),
    [(1.0, 0.6), (0.5, 0.48), (0.0, 0.36), (7.0, 0.6), (-3.0, 0.36)],
    ids=["all-given", "half-given", "none-given", "clamped-above", "clamped-below"],
)
def test_confidence_scales_from_the_unknown_floor_with_completeness(completeness: float, expected: float) -> None:
    assert _decide({FULL: 3, SEMI: 1}, completeness=completeness).confidence == expected


def test_guesses_and_soft_facts_count_for_less() -> None:
    guessed = Weighed("a", "evidence", FULL, 3, assumed=("local_warehouse",))
    soft = Weighed("b", "evidence", SEMI, 1, platform_confidence=("high", None, "low"))
    assert counted(guessed, POLICY) == 0.5
    assert counted(soft, POLICY) == 0.6  # the least certain fact it matched; None is no label
    assert counted(Weighed("c", "evidence", FULL, 1), POLICY) == 1.0
    # F = 1.5, A = 0.6: 0.5 + 0.4 * (0.9 / 2.1) * (2.1 / 6.1) = 0.559
    decision = _decide({FULL: 3, SEMI: 1}, evidence=(guessed, soft))
    assert (decision.model, decision.basis, decision.confidence) == (FULL, "scores", 0.559)


def test_raw_weight_chooses_but_a_discounted_lead_is_a_coin_toss() -> None:
    # Raw 2 against 1 picks fully-managed; counted, it is 1.0 against 1.0: the confidence falls to base.
    evidence = (Weighed("a", "evidence", FULL, 2, assumed=("sea_freight",)), Weighed("b", "evidence", SEMI, 1))
    decision = _decide({FULL: 2, SEMI: 1}, evidence=evidence)
    assert (decision.model, decision.basis, decision.confidence) == (FULL, "scores", 0.5)


def test_an_excluded_model_loses_whatever_the_scores() -> None:
    decision = _decide({FULL: 40, SEMI: 0}, (FULL,))
    assert (decision.model, decision.basis, decision.confidence) == (SEMI, "exclusion", 0.9)
    # The exclusion counts for as much as what it rested on: here an assumed answer.
    rested = (Weighed("no_warehouse", "exclude", FULL, assumed=("local_warehouse",)),)
    assert _decide({FULL: 40, SEMI: 0}, (FULL,), evidence=rested).confidence == 0.45


def test_both_excluded_the_scores_pick_the_lesser_misfit_and_the_confidence_is_low() -> None:
    decision = _decide({FULL: 1, SEMI: 5}, (FULL, SEMI), completeness=0.5)
    assert (decision.model, decision.basis, decision.confidence) == (SEMI, "both-excluded", 0.16)
    tied = _decide({FULL: 2, SEMI: 2}, (FULL, SEMI), emphasis=SEMI)
    assert (tied.model, tied.basis, tied.confidence) == (SEMI, "both-excluded", 0.2)


@pytest.mark.parametrize(
    ("emphasis", "tie_default", "expected"),
    [(SEMI, FULL, SEMI), (FULL, SEMI, FULL), ("both", FULL, FULL), ("both", SEMI, SEMI), (None, SEMI, SEMI)],
    ids=["emphasis-semi", "emphasis-full", "no-emphasis-default-full", "no-emphasis-default-semi", "none-default-semi"],
)
def test_a_tie_goes_to_the_emphasis_else_to_the_default(emphasis: str | None, tie_default: str, expected: str) -> None:
    policy = dataclasses.replace(POLICY, tie_default=tie_default)
    decision = _decide({FULL: 2, SEMI: 2}, emphasis=emphasis, policy=policy)
    assert (decision.model, decision.basis, decision.confidence) == (expected, "tie", 0.5)
    assert _decide({}, emphasis=emphasis, policy=policy).model == expected


# -- properties -------------------------------------------------------------------------------------

weighed = st.builds(
    Weighed,
    rule=st.sampled_from(["a", "b", "c", "d"]),
    kind=st.sampled_from(["evidence", "exclude"]),
    model=st.sampled_from(MODELS),
    weight=st.integers(0, 5),
    assumed=st.lists(st.sampled_from(["local_warehouse", "sea_freight"]), max_size=2).map(tuple),
    platform_confidence=st.lists(st.sampled_from(["high", "medium", "low", None]), max_size=2).map(tuple),
)


def _inputs(items: list[Weighed]) -> tuple[dict[str, int], list[str]]:
    scores = {m: sum(w.weight for w in items if w.kind == "evidence" and w.model == m) for m in MODELS}
    return scores, [w.model for w in items if w.kind == "exclude"]


@pytest.mark.parametrize("share", SCALES)
def test_the_decision_does_not_depend_on_the_order_of_its_evidence(share: float) -> None:
    @settings(max_examples=scaled(80, share), deadline=None)
    @given(
        items=st.lists(weighed, max_size=8),
        completeness=st.floats(0, 1),
        emphasis=st.sampled_from([None, "both", *MODELS]),
        seed=st.integers(),
    )
    def check(items: list[Weighed], completeness: float, emphasis: str | None, seed: int) -> None:
        shuffled = list(items)
        random.Random(seed).shuffle(shuffled)
        scores, excluded = _inputs(items)
        first = _decide(scores, tuple(excluded), emphasis=emphasis, completeness=completeness, evidence=tuple(items))
        scores, excluded = _inputs(shuffled)
        assert _decide(scores, tuple(excluded), emphasis=emphasis, completeness=completeness, evidence=tuple(shuffled)) == first

    check()


@pytest.mark.parametrize("share", SCALES)
def test_a_decision_is_a_model_with_a_confidence_in_range(share: float) -> None:
    @settings(max_examples=scaled(80, share), deadline=None)
    @given(items=st.lists(weighed, max_size=8), completeness=st.floats(-1, 2), emphasis=st.sampled_from([None, "both", *MODELS]))
    def check(items: list[Weighed], completeness: float, emphasis: str | None) -> None:
        scores, excluded = _inputs(items)
        decision = _decide(scores, tuple(excluded), emphasis=emphasis, completeness=completeness, evidence=tuple(items))
        assert decision.model in MODELS
        assert 0.0 <= decision.confidence <= 1.0
        open_models = [m for m in MODELS if m not in excluded]
        if len(open_models) == 1:
            assert (decision.model, decision.basis) == (open_models[0], "exclusion")
        elif not open_models:
            assert decision.basis == "both-excluded"
        else:
            assert decision.basis in ("scores", "tie")

    check()


@pytest.mark.parametrize("share", SCALES)
def test_more_evidence_or_more_answers_never_lower_the_confidence(share: float) -> None:
    @settings(max_examples=scaled(80, share), deadline=None)
    @given(
        winner=st.integers(1, 30),
        loser=st.integers(0, 30),
        more=st.integers(1, 10),
        completeness=st.floats(0, 1),
        extra=st.floats(0, 1),
    )
    def check(winner: int, loser: int, more: int, completeness: float, extra: float) -> None:
        winner += loser  # the winner leads or ties
        before = _decide({FULL: winner, SEMI: loser}, completeness=completeness)
        assert _decide({FULL: winner + more, SEMI: loser}, completeness=completeness).confidence >= before.confidence
        assert _decide({FULL: winner, SEMI: loser}, completeness=min(completeness + extra, 1.0)).confidence >= before.confidence

    check()


# -- the outcome ------------------------------------------------------------------------------------


def _outcome(scores: dict[str, int], excluded: tuple[str, ...] = (), *, model: str = FULL, **kwargs: Any) -> Any:
    kwargs.setdefault("separate_stores", True)
    kwargs.setdefault("self_operated", None)
    return outcome(model, scores, excluded, platform_name="Temu", policy=POLICY, **kwargs)


def test_a_close_case_on_separate_stores_is_run_both() -> None:
    advice = _outcome({FULL: 3, SEMI: 2})
    assert advice.kind == "run-both"
    assert advice.text.startswith("The case is close, and Temu runs the two models as separate stores")
    assert "starting with fully-managed and testing semi-managed" in advice.text


@pytest.mark.parametrize(
    ("scores", "excluded", "separate_stores"),
    [
        ({FULL: 4, SEMI: 2}, (), True),
        ({FULL: 2, SEMI: 1}, (), True),
        ({FULL: 3, SEMI: 2}, (SEMI,), True),
        ({FULL: 3, SEMI: 2}, (), False),
    ],
    ids=["not-close", "too-little-evidence", "one-excluded", "one-store"],
)
def test_run_both_needs_every_condition(scores: dict[str, int], excluded: tuple[str, ...], separate_stores: bool) -> None:
    advice = _outcome(scores, excluded, separate_stores=separate_stores)
    assert (advice.kind, advice.text) == ("one-model", "")


def test_neither_fits_names_the_route_left() -> None:
    advice = _outcome({FULL: 3, SEMI: 3}, (FULL, SEMI), self_operated="the platform's own store (POP)")
    assert advice.kind == "neither-fits"
    assert advice.text == (
        "Neither model is open to you on Temu today; the reasons below say what would open each. "
        "The route left: the platform's own store (POP)."
    )
    assert _outcome({FULL: 3, SEMI: 3}, (FULL, SEMI)).text.endswith("Our sources show no third route on Temu.")


# -- the best platform ------------------------------------------------------------------------------


def _rec(
    platform: str, confidence: float, *, model: str = FULL, scores: dict[str, int] | None = None, **kwargs: Any
) -> Recommendation:
    defaults: dict[str, Any] = {
        "platform_name": platform.title(),
        "scores": scores or {FULL: 3, SEMI: 1},
        "reasons": (),
        "caveats": (),
        "assumptions": (),
        "excluded": (),
        "basis": "scores",
    }
    return Recommendation(platform=platform, model=model, confidence=confidence, **{**defaults, **kwargs})


def test_the_clearest_case_wins_and_why_names_the_runner_up() -> None:
    best = choose_best([_rec("temu", 0.6), _rec("tiktok", 0.8, model=SEMI, scores={FULL: 0, SEMI: 4})], POLICY)
    assert (best.platform, best.model, best.confidence) == ("tiktok", SEMI, 0.8)
    assert best.why == "Tiktok fits you best: semi-managed (80%), ahead of Temu (60%)."
    alone = choose_best([_rec("temu", 0.6)], POLICY)
    assert alone.why == "Temu fits you best: fully-managed (60%)."


def test_an_open_model_beats_a_more_confident_lesser_misfit() -> None:
    best = choose_best([_rec("temu", 0.9, basis="both-excluded", excluded=MODELS), _rec("aliexpress", 0.3)], POLICY)
    assert best.platform == "aliexpress"
    nowhere = choose_best([_rec("temu", 0.2, basis="both-excluded"), _rec("aliexpress", 0.25, basis="both-excluded")], POLICY)
    assert nowhere.platform == "aliexpress"
    assert nowhere.why == "No platform has a route open to you; Aliexpress is the least bad fit (25%)."


def test_an_unmet_need_passes_a_platform_over_and_why_says_which() -> None:
    late = Caveat("pays_late", "Fully-managed pays only after items sell.", ())
    best = choose_best([_rec("tiktok", 0.9, caveats=(late,)), _rec("temu", 0.6)], POLICY)
    assert best.platform == "temu"
    assert (
        best.why
        == "Temu fits you best: fully-managed (60%); Tiktok was passed over: Fully-managed pays only after items sell."
    )
    # Without a policy there is no need to weigh: the confidence decides.
    assert choose_best([_rec("tiktok", 0.9, caveats=(late,)), _rec("temu", 0.6)]).platform == "tiktok"


def test_a_heavy_reason_against_the_model_is_an_unmet_need() -> None:
    heavy = Reason("content", SEMI, "Content control matters to you.", "evidence", 4, ())
    light = Reason("content", SEMI, "Content control matters to you.", "evidence", 3, ())
    why = choose_best([_rec("tiktok", 0.9, reasons=(heavy,)), _rec("temu", 0.6)], POLICY).why
    assert why.startswith("Temu fits you best: fully-managed (60%); Tiktok was passed over: ")
    # The reason's own full stop is dropped inside the brackets; the sentence ends once.
    assert why.endswith("the strongest argument there points the other way (content control matters to you).")
    assert choose_best([_rec("tiktok", 0.9, reasons=(light,)), _rec("temu", 0.6)], POLICY).platform == "tiktok"


def test_equal_confidence_goes_to_the_wider_margin_then_to_listing_order() -> None:
    narrow, wide = _rec("temu", 0.7, scores={FULL: 3, SEMI: 2}), _rec("aliexpress", 0.7, scores={FULL: 5, SEMI: 1})
    assert choose_best([narrow, wide], POLICY).platform == "aliexpress"
    assert choose_best([wide, narrow], POLICY).platform == "aliexpress"
    twin = _rec("tiktok", 0.7, scores={FULL: 5, SEMI: 1})
    assert choose_best([wide, twin], POLICY).platform == "aliexpress"
    assert choose_best([twin, wide], POLICY).platform == "tiktok"


def _market(market: str, model: str | None, confidence: float, route: str | None = "r") -> Any:
    from sellerexpert import MarketAdvice

    outcome = "unknown-market" if route is None and model is None else ("one-model" if model else "neither-fits")
    return MarketAdvice(market, market, route, "a route", model, outcome, confidence, (), ())


def test_the_lead_market_is_the_first_with_the_model_most_markets_get() -> None:
    from sellerexpert._engine.policy import lead_market

    assert lead_market([_market("US", SEMI, 0.5), _market("DE", FULL, 0.9), _market("FR", FULL, 0.8)]) == 1
    assert lead_market([_market("US", SEMI, 0.5), _market("DE", FULL, 0.9)]) == 0, "a tie goes to the earlier market"
    assert lead_market([_market("US", None, 0.2, None), _market("DE", None, 0.3)]) == 0


def test_best_counts_the_markets_a_platform_serves() -> None:
    wide = _rec("tiktok", 0.5, markets=(_market("VN", None, 0.5), _market("TH", None, 0.5)), route="r")
    narrow = _rec("aliexpress", 0.6, markets=(_market("VN", FULL, 0.6), _market("TH", None, 0.35, None)), route="r")
    best = choose_best([narrow, wide], POLICY)
    assert best.platform == "aliexpress", "0.6 over two markets (0.3) beats 0.6 x 0.5 own-store (0.3): listing order"
    sure = _rec("aliexpress", 0.8, markets=(_market("VN", FULL, 0.8), _market("TH", None, 0.35, None)), route="r")
    own = _rec("tiktok", 0.7, markets=(_market("VN", None, 0.7), _market("TH", None, 0.7)), route="r", route_name="a store")
    closer = choose_best([sure, own], POLICY)
    assert closer.platform == "tiktok", "0.7 x 0.6 in both markets (0.42) beats 0.8 in one of two (0.40)"
    assert closer.why == (
        "Tiktok fits you best: a store in VN and TH (70%), "
        "ahead of Aliexpress, which has a route in fewer of your markets (1 of 2)."
    )
