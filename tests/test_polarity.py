"""Tests of wordvec.polarity: SentProp against a dense brute-force solution, the seed axis, seeds and parameters."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import wordvec.polarity as polarity_module
from wordvec.errors import ParameterError, UnknownWordError
from wordvec.polarity import NEGATIVE_SEEDS, POSITIVE_SEEDS, polarity_scores
from wordvec.vectors import WordVectors

# Words on a half circle from 0 (most positive) to 180 degrees (most negative).
ARC = {"good": 0, "great": 15, "nice": 35, "fine": 60, "okay": 85, "meh": 100, "poor": 125, "awful": 150, "bad": 180}


@pytest.fixture
def arc_model() -> WordVectors:
    radians = np.radians(list(ARC.values()))
    return WordVectors(list(ARC), np.c_[np.cos(radians), np.sin(radians)])


def clustered_model(seed: int = 0) -> tuple[WordVectors, np.ndarray]:
    """300 words in 30 dimensions: a positive and a negative cluster and a neutral cloud, shuffled."""
    rng = np.random.default_rng(seed)
    positive_centre, negative_centre = rng.normal(size=30), rng.normal(size=30)
    polarity = np.repeat([1, -1, 0], 100)
    centres = np.where(polarity[:, None] == 1, positive_centre, np.where(polarity[:, None] == -1, negative_centre, 0))
    vectors = centres + 0.6 * rng.normal(size=(300, 30))
    order = rng.permutation(300)
    return WordVectors([f"w{i}" for i in range(300)], vectors[order]), polarity[order]


def brute_force_sentprop(vectors: np.ndarray, positive: list[int], negative: list[int], k: int, beta: float) -> np.ndarray:
    """SentProp with a dense graph built by sorting each row, solved exactly with a linear solve."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    count = len(unit)
    cosine = unit @ unit.T
    edges = np.zeros((count, count))
    for i in range(count):
        others = [j for j in np.argsort(-cosine[i], kind="stable") if j != i][:k]
        for j in others:
            edges[i, j] = np.arccos(np.clip(-cosine[i, j], -1, 1)) / np.pi
    edges = np.maximum(edges, edges.T)
    transition = edges / edges.sum(axis=0, keepdims=True)
    walks = []
    for seeds in (positive, negative):
        restart = np.zeros(count)
        restart[seeds] = 1 / len(seeds)
        walks.append(np.linalg.solve(np.eye(count) - beta * transition, (1 - beta) * restart))
    raw = walks[0] / (walks[0] + walks[1])
    return (raw - raw.mean()) / raw.std()


def values(scores: dict[str, float], words: list[str]) -> np.ndarray:
    return np.array([scores[word] for word in words])


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a positive word outscores a negative one (no ties in these tests)."""
    return float((scores[positive][:, None] > scores[~positive][None, :]).mean())


# -- SentProp -------------------------------------------------------------------------


def test_sentprop_orders_a_half_circle_from_negative_to_positive(arc_model):
    scores = polarity_scores(arc_model, ["good"], ["bad"], graph_topn=3)
    assert sorted(scores, key=scores.get) == list(ARC)[::-1]
    assert np.mean(list(scores.values())) == pytest.approx(0, abs=1e-12)
    assert np.std(list(scores.values())) == pytest.approx(1)


@pytest.mark.parametrize("k, beta", [(3, 0.9), (5, 0.5), (10, 0.99)])
def test_sentprop_matches_a_dense_brute_force_solution(k, beta):
    model, _ = clustered_model()
    positive, negative = [0, 5, 9], [1, 2]
    scores = polarity_scores(model, [model.words[i] for i in positive], [model.words[i] for i in negative],
                             graph_topn=k, beta=beta)
    assert list(scores) == model.words
    expected = brute_force_sentprop(model.vectors, positive, negative, k, beta)
    np.testing.assert_allclose(values(scores, model.words), expected, atol=1e-5)


def test_sentprop_separates_two_clusters_from_a_few_seeds():
    model, polarity = clustered_model(seed=1)
    positive = [model.words[i] for i in np.flatnonzero(polarity == 1)[:3]]
    negative = [model.words[i] for i in np.flatnonzero(polarity == -1)[:3]]
    scores = values(polarity_scores(model, positive, negative, graph_topn=10), model.words)
    polar = polarity != 0
    assert auc(scores[polar], polarity[polar] == 1) == 1.0


def test_words_outside_the_graph_take_the_weighted_mean_of_their_graph_neighbours():
    model, _ = clustered_model(seed=2)
    positive, negative = ["w0", "w150"], ["w1", "w299"]
    graph_words, k = 100, 4
    scores = polarity_scores(model, positive, negative, graph_topn=k, graph_words=graph_words)
    assert list(scores) == model.words

    # The walk alone, over the graph words and the seeds, gives the graph words' scores ...
    graph = sorted(set(range(graph_words)) | {150, 299})
    sub_model = WordVectors([model.words[i] for i in graph], model.vectors[graph])
    walk = polarity_scores(sub_model, positive, negative, graph_topn=k)
    raw_walk = brute_force_sentprop(model.vectors[graph], [0, graph.index(150)], [1, graph.index(299)], k, 0.9)
    np.testing.assert_allclose(values(walk, sub_model.words), raw_walk, atol=1e-5)

    # ... and a word outside it the arccos-weighted mean of its k nearest graph words (raw scores,
    # before standardising: recover them from the standardised ones by a linear fit on the graph).
    full = values(scores, model.words)
    slope, intercept = np.polyfit(values(walk, sub_model.words), full[graph], 1)
    unit = model.unit_vectors
    for word in (120, 200, 298):
        cosines = unit[graph] @ unit[word]
        nearest = np.argsort(-cosines, kind="stable")[:k]
        weights = np.arccos(-cosines[nearest]) / np.pi
        expected = (weights * values(walk, sub_model.words)[nearest]).sum() / weights.sum()
        assert full[word] == pytest.approx(slope * expected + intercept, abs=1e-6)


def test_restrict_vocab_scores_the_most_frequent_words_and_the_seeds():
    model, _ = clustered_model()
    scores = polarity_scores(model, ["w250"], ["w3"], restrict_vocab=50, graph_topn=5)
    assert list(scores) == model.words[:50] + ["w250"]


def test_seeds_may_be_single_strings_and_are_normalised_like_queries(arc_model):
    as_lists = polarity_scores(arc_model, ["good"], ["bad"], graph_topn=3)
    assert polarity_scores(arc_model, "GOOD", "Bad", graph_topn=3) == as_lists


def test_deterministic_and_independent_of_the_batch_size():
    model, _ = clustered_model()
    first = polarity_scores(model, ["w0"], ["w1"], graph_topn=7, batch=16)
    assert polarity_scores(model, ["w0"], ["w1"], graph_topn=7, batch=16) == first
    # Other batches round the float32 similarities differently, in the last bits only.
    other = polarity_scores(model, ["w0"], ["w1"], graph_topn=7, batch=1000)
    np.testing.assert_allclose(values(other, model.words), values(first, model.words), atol=1e-6)


# -- the seed axis --------------------------------------------------------------------


def test_projection_is_the_standardised_cosine_with_the_seed_axis(arc_model):
    scores = polarity_scores(arc_model, ["good", "great"], ["bad"], method="projection")
    unit = arc_model.unit_vectors
    axis = (unit[0] + unit[1]) / 2 - unit[8]
    cosines = unit @ axis / np.linalg.norm(axis)
    np.testing.assert_allclose(values(scores, list(ARC)), (cosines - cosines.mean()) / cosines.std(), atol=1e-6)
    assert sorted(scores, key=scores.get) == list(ARC)[::-1]


# -- errors ---------------------------------------------------------------------------


def test_an_unknown_seed_is_named(arc_model):
    with pytest.raises(UnknownWordError, match="word 'goood' is not in the vocabulary; did you mean: good"):
        polarity_scores(arc_model, ["goood"], ["bad"])


@pytest.mark.parametrize("positive, negative, options, message", [
    ([], ["bad"], {}, "at least one positive seed word is needed"),
    (["good"], [], {}, "at least one negative seed word is needed"),
    (["good", "nice"], ["bad", "nice"], {}, "seed words cannot be both positive and negative: nice"),
    (["good"], ["bad"], {"method": "pmi"}, "method must be one of 'sentprop', 'projection'; got 'pmi'"),
    (["good"], ["bad"], {"graph_topn": 0}, "graph_topn must be a positive integer; got 0"),
    (["good"], ["bad"], {"graph_words": 2.5}, "graph_words must be a positive integer; got 2.5"),
    (["good"], ["bad"], {"restrict_vocab": 0}, "restrict_vocab must be a positive integer"),
    (["good"], ["bad"], {"beta": 1.0}, "beta must be between 0 and 1 (exclusive); got 1.0"),
    (["good"], ["bad"], {"beta": "0.5"}, "beta must be between 0 and 1 (exclusive); got '0.5'"),
])
def test_bad_seeds_and_parameters(arc_model, positive, negative, options, message):
    with pytest.raises(ParameterError) as raised:
        polarity_scores(arc_model, positive, negative, **options)
    assert message in str(raised.value)


# -- the WordVectors method and the shipped seeds -------------------------------------


def test_word_vectors_polarity_delegates(arc_model):
    assert arc_model.polarity(["good"], ["bad"], graph_topn=3) == polarity_scores(arc_model, ["good"], ["bad"], graph_topn=3)
    assert arc_model.polarity("good", "bad", method="projection") == polarity_scores(
        arc_model, "good", "bad", method="projection"
    )


def test_shipped_seed_lists():
    assert len(POSITIVE_SEEDS) == len(NEGATIVE_SEEDS) == 10
    assert not set(POSITIVE_SEEDS) & set(NEGATIVE_SEEDS)


def test_doctests():
    assert doctest.testmod(polarity_module).failed == 0


def test_a_seed_outside_the_vocabulary_is_composed_from_its_ngrams(arc_model):
    from wordvec.subwords import NgramTable, ngram_hashes

    # Every bucket of good's n-grams holds good's vector, so goood (sharing most of them, and one letter
    # from good) composes to good's direction.
    buckets = np.unique(ngram_hashes(["good"]).hashes % 997).astype(np.int64)
    table = NgramTable(np.tile(np.asarray(arc_model.unit_vectors[:1], np.float32), (len(buckets), 1)), buckets, 997)
    model = WordVectors(arc_model.words, np.asarray(arc_model.vectors), subwords=table)
    np.testing.assert_allclose(model["goood"], model.unit_vectors[0], atol=1e-6)
    for method in ("projection", "sentprop"):
        composed = polarity_scores(model, ["goood"], ["bad"], method=method, graph_topn=3)
        assert set(composed) == set(ARC) | {"goood"}  # the composed seed is scored with the words
        if method == "projection":  # the same axis as good's
            assert composed["goood"] == pytest.approx(composed["good"], abs=1e-5)
        else:  # the walks restart at goood, a node of its own next to good
            assert composed["goood"] == max(composed.values())
        ranking = [word for word in sorted(composed, key=composed.get) if word != "goood"]
        plain = polarity_scores(model, ["good"], ["bad"], method=method, graph_topn=3)
        assert ranking == sorted(plain, key=plain.get)
    with pytest.raises(ParameterError, match="cannot be both positive and negative: goood"):
        polarity_scores(model, ["goood"], ["GOOOD"])
