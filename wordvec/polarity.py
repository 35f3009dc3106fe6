"""Sentiment polarity of every word from a few seed words: SentProp over the nearest-neighbour graph, or a seed axis."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from .arrays import top_of_rows
from .deprecation import renamed_keywords
from .errors import ParameterError
from .options import POLARITY_METHODS

if TYPE_CHECKING:
    # In annotations only: WordVectors.polarity imports this module.
    from .vectors import WordVectors

#: The scoring methods, the default first.
METHODS = POLARITY_METHODS

#: Seed words of Hamilton et al. (2016) for general English (their "hist" lists).
POSITIVE_SEEDS = (
    "good", "lovely", "excellent", "fortunate", "pleasant", "delightful", "perfect", "loved", "love", "happy",
)
NEGATIVE_SEEDS = (
    "bad", "horrible", "poor", "unfortunate", "unpleasant", "disgusting", "evil", "hated", "hate", "unhappy",
)


@renamed_keywords(vectors="model", n_neighbors="graph_topn")
def polarity_scores(
    model: WordVectors,
    positive_seeds: str | Iterable[str],
    negative_seeds: str | Iterable[str],
    *,
    method: str = "sentprop",
    graph_topn: int = 25,
    beta: float = 0.9,
    graph_words: int = 30_000,
    restrict_vocab: int | None = None,
    batch: int = 1024,
) -> dict[str, float]:
    """Score words from negative to positive, given a few words of each polarity.

    Parameters
    ----------
    model : WordVectors
        The word vectors.
    positive_seeds, negative_seeds : str or iterable of str
        Words known to be positive and negative (at least one each, no word in both),
        e.g. :data:`POSITIVE_SEEDS` and :data:`NEGATIVE_SEEDS`.
    method : {"sentprop", "projection"}, default "sentprop"
        ``"sentprop"``: random walks from the seeds over the graph of nearest neighbours
        (Hamilton et al. 2016). ``"projection"``: cosine with the axis from the mean
        negative to the mean positive seed vector, one matrix product. Against the
        sign of VADER's valences on the bench-corpus vectors, SentProp scored a ROC AUC
        of 0.884 and the projection 0.855 (benchmarks/RESULTS.md).
    graph_topn : int, default 25
        Neighbours of each word in the graph (SentProp; the paper's value). Capped at
        the number of graph words minus one.
    beta : float, default 0.9
        Probability that the walk follows an edge rather than restarting at a seed
        (SentProp); larger spreads polarity further from the seeds.
    graph_words : int, default 30000
        The walk runs over the graph of the ``graph_words`` most frequent words plus the
        seeds (SentProp). Every other scored word takes the similarity-weighted mean
        walk score of its ``graph_topn`` nearest graph words, one step of the same
        propagation. Building the graph costs ``graph_words**2 * dim`` multiply-adds and
        scoring the rest ``graph_words * dim`` per word (timings in
        benchmarks/RESULTS.md), and the rare words' own vectors are too noisy to be worth
        a place in the graph.
    restrict_vocab : int, optional
        Only score the most frequent ``restrict_vocab`` words (and the seeds).
    batch : int, default 1024
        Words per matrix product when finding neighbours (memory: ``batch`` rows of
        float32 similarities to every graph word).

    Returns
    -------
    dict of str to float
        The standardised score (mean 0, variance 1 over the scored words) of every
        scored word, seeds included, in vocabulary order (most frequent first). Positive
        means closer to the positive seeds.

    Raises
    ------
    UnknownWordError
        A seed word has no vector: it is not in the vocabulary, and the model has no
        character n-grams to compose it from (a model with them scores a composed seed,
        and lists it with the words).
    ParameterError
        No seed of one polarity, a word in both lists, or a parameter out of range.

    Notes
    -----
    SentProp (Hamilton et al. 2016): each graph word links to its ``graph_topn``
    nearest words by cosine, with weight :math:`\\arccos(-\\cos(w_i, w_j)) / \\pi`
    (1 for the same direction, 0 for the opposite one); the graph is made symmetric by
    keeping an edge found from either end. Two random walks with restart run on it,
    :math:`p \\leftarrow \\beta T p + (1 - \\beta) s`, with :math:`T` the column-stochastic
    transition matrix and :math:`s` uniform over the positive (resp. negative) seeds,
    until the L1 change is below 1e-10. A word scores
    :math:`p_+ / (p_+ + p_-)` (0.5 if no walk reaches it), then all scores are
    standardised. The paper's bootstrap over seed subsets is left out: it gives
    confidence intervals, not better scores. Everything is deterministic: ties between
    neighbours go to the more frequent word.

    References
    ----------
    Hamilton, W. L., Clark, K., Leskovec, J. & Jurafsky, D. (2016). Inducing
    Domain-Specific Sentiment Lexicons from Unlabeled Corpora. EMNLP, 595-605.

    Examples
    --------
    >>> import numpy as np
    >>> from wordvec import WordVectors
    >>> angles = np.radians([0, 20, 40, 140, 160, 180])
    >>> model = WordVectors(["good", "great", "fine", "poor", "awful", "bad"],
    ...                     np.c_[np.cos(angles), np.sin(angles)])
    >>> scores = polarity_scores(model, ["good"], ["bad"], graph_topn=3)
    >>> sorted(scores, key=scores.get)
    ['bad', 'awful', 'poor', 'fine', 'great', 'good']
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    unseen: dict[str, np.ndarray] = {}  # seed words outside the vocabulary, composed: rows after the vocabulary's
    positive_rows = _seed_rows(model, positive_seeds, "positive", unseen)
    negative_rows = _seed_rows(model, negative_seeds, "negative", unseen)
    word_of = _Words(model, list(unseen))
    both = sorted(set(positive_rows) & set(negative_rows))
    if both:
        words = ", ".join(word_of[i] for i in both)
        raise ParameterError(f"seed words cannot be both positive and negative: {words}")
    scored_count = len(model) if restrict_vocab is None else _positive_int(restrict_vocab, "restrict_vocab")
    scored = np.union1d(np.arange(min(scored_count, len(model))), positive_rows + negative_rows)
    unit = np.asarray(model.unit_vectors, dtype=np.float32)
    if unseen:
        unit = np.vstack([unit, np.stack(list(unseen.values())).astype(np.float32)])
    if method == "projection":
        raw = _projection(unit, scored, positive_rows, negative_rows)
    else:
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not 0 < beta < 1:
            raise ParameterError(f"beta must be between 0 and 1 (exclusive); got {beta!r}")
        raw = _sentprop(
            unit, scored, positive_rows, negative_rows, _positive_int(graph_topn, "graph_topn"), beta,
            _positive_int(graph_words, "graph_words"), _positive_int(batch, "batch"),
        )
    spread = raw.std()
    standardised = (raw - raw.mean()) / (spread if spread > 0 else 1.0)
    return dict(zip((word_of[i] for i in scored.tolist()), standardised.tolist()))


class _Words:
    """The word of each row: the vocabulary's, then the composed seeds'."""

    def __init__(self, model: WordVectors, unseen: list[str]) -> None:
        self.model, self.unseen = model, unseen

    def __getitem__(self, row: int) -> str:
        return self.model.words[row] if row < len(self.model) else self.unseen[row - len(self.model)]


def _seed_rows(model: WordVectors, seeds: str | Iterable[str], polarity: str, unseen: dict[str, np.ndarray]) -> list[int]:
    """The rows of the seed words; a seed outside the vocabulary (with n-grams) is composed and added to ``unseen``."""
    from .tokenize import normalize_text

    words = [seeds] if isinstance(seeds, str) else list(seeds)
    if not words:
        raise ParameterError(f"at least one {polarity} seed word is needed")
    vectors, rows = model.query_vectors(words)  # an error for a word that has no vector
    found = set()
    for word, row, vector in zip(words, rows, vectors):
        if row is None:
            spelling = normalize_text(word).strip()
            if spelling not in unseen:
                unseen[spelling] = vector
            row = len(model) + list(unseen).index(spelling)
        found.add(row)
    return sorted(found)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParameterError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _projection(unit: np.ndarray, scored: np.ndarray, positive_rows: list[int], negative_rows: list[int]) -> np.ndarray:
    """Cosine of each scored word with the axis from the mean negative to the mean positive seed."""
    axis = unit[positive_rows].mean(axis=0) - unit[negative_rows].mean(axis=0)
    norm = np.linalg.norm(axis)
    return np.asarray(unit[scored] @ (axis / norm if norm > 0 else axis), dtype=np.float64)


def _sentprop(
    unit: np.ndarray,
    scored: np.ndarray,
    positive_rows: list[int],
    negative_rows: list[int],
    graph_topn: int,
    beta: float,
    graph_words: int,
    batch: int,
) -> np.ndarray:
    """SentProp's ``p+ / (p+ + p-)`` of each scored word (see :func:`polarity_scores`)."""
    graph = np.union1d(np.arange(min(graph_words, len(unit))), positive_rows + negative_rows)
    graph_vectors = unit[graph]
    graph_topn = min(graph_topn, len(graph) - 1)  # >= 1: the seeds of both polarities are in the graph
    neighbours, weights = _neighbours(graph_vectors, graph_vectors, graph_topn, batch, exclude_self=True)
    edges = sparse.csr_matrix(
        (weights.ravel(), (np.repeat(np.arange(len(graph)), graph_topn), neighbours.ravel())),
        shape=(len(graph), len(graph)),
    )
    edges = edges.maximum(edges.T).tocsr()
    # Column j holds the probabilities of stepping from j to each neighbour.
    degrees = np.asarray(edges.sum(axis=0)).ravel()
    transition = edges @ sparse.diags(np.divide(1.0, degrees, out=np.zeros_like(degrees), where=degrees > 0))
    restart = np.zeros((len(graph), 2))
    restart[np.searchsorted(graph, positive_rows), 0] = 1 / len(positive_rows)
    restart[np.searchsorted(graph, negative_rows), 1] = 1 / len(negative_rows)
    visits = restart.copy()
    for _ in range(1000):
        previous = visits
        visits = beta * (transition @ visits) + (1 - beta) * restart
        if np.abs(visits - previous).sum() < 1e-10:
            break
    graph_scores = _share_positive(visits[:, 0], visits[:, 1])

    scores = np.empty(len(scored))
    in_graph = np.isin(scored, graph)
    scores[in_graph] = graph_scores[np.searchsorted(graph, scored[in_graph])]
    outside = scored[~in_graph]
    if len(outside):
        neighbours, weights = _neighbours(unit[outside], graph_vectors, graph_topn, batch, exclude_self=False)
        scores[~in_graph] = (weights * graph_scores[neighbours]).sum(axis=1) / weights.sum(axis=1).clip(1e-12)
    return scores


def _neighbours(
    queries: np.ndarray, candidates: np.ndarray, count: int, batch: int, *, exclude_self: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the ``count`` nearest ``candidates`` of each query and SentProp's edge weights to them.

    With ``exclude_self``, query ``i`` is candidate ``i`` and is not its own neighbour.
    """
    neighbours = np.empty((len(queries), count), dtype=np.int64)
    weights = np.empty((len(queries), count))
    for start in range(0, len(queries), batch):
        similarities = queries[start : start + batch] @ candidates.T
        if exclude_self:
            rows = np.arange(len(similarities))
            similarities[rows, start + rows] = -np.inf
        best, best_similarities = top_of_rows(similarities, count)
        neighbours[start : start + batch] = best
        weights[start : start + batch] = np.arccos(np.clip(-best_similarities, -1, 1)) / np.pi
    return neighbours, weights


def _share_positive(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """``positive / (positive + negative)``, 0.5 where neither walk arrives."""
    total = positive + negative
    return np.divide(positive, total, out=np.full_like(total, 0.5), where=total > 0)


__all__ = ["METHODS", "NEGATIVE_SEEDS", "POSITIVE_SEEDS", "polarity_scores"]
