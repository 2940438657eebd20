"""Scoring predictions against the final consensus: pair agreement, best first, ties shared."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.ranking import agreement
from bot.ranking.predictions import score_predictions

ITEMS = ["a", "b", "c", "d"]
CONSENSUS = [["a"], ["b"], ["c"], ["d"]]


def test_the_exact_order_scores_every_pair_and_equal_scores_share_a_place() -> None:
    scores = score_predictions(
        {
            1: [["d"], ["c"], ["b"], ["a"]],  # every pair the wrong way
            2: [["a"], ["b"], ["c"], ["d"]],
            3: [["b"], ["a"], ["c"], ["d"]],  # one pair of six wrong
            4: [["a"], ["c"], ["b"], ["d"]],  # one pair of six wrong
        },
        CONSENSUS,
        ITEMS,
    )
    assert [(s.member, s.place) for s in scores] == [(2, 1), (3, 2), (4, 2), (1, 4)]
    assert scores[0].share == 1.0 and scores[-1].share == 0.0
    assert (scores[1].agreement.agreed, scores[1].agreement.compared) == (5, 6)


def test_nobody_predicted_means_no_scores() -> None:
    assert score_predictions({}, CONSENSUS, ITEMS) == []


orders = st.permutations(ITEMS).flatmap(
    lambda order: st.integers(1, len(order)).map(lambda k: [[i] for i in order[:k]])
)


@given(st.dictionaries(st.integers(1, 50), orders, max_size=12), orders)
def test_each_score_is_the_pair_agreement_and_places_follow_the_scores(
    predictions: dict[int, list[list[str]]], consensus: list[list[str]]
) -> None:
    scores = score_predictions(predictions, consensus, ITEMS)
    assert sorted(s.member for s in scores) == sorted(predictions)
    for index, score in enumerate(scores):
        expected = agreement(predictions[score.member], consensus, ITEMS)
        assert score.agreement == expected
        if index:
            before = scores[index - 1]
            assert before.share >= score.share
            assert score.place == (before.place if before.share == score.share else index + 1)
        else:
            assert score.place == 1
