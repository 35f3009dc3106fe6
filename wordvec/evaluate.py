"""Intrinsic evaluation: word-pair similarity correlation and analogy accuracy (3CosAdd, 3CosMul)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ParameterError, WordvecError
from .vectors import WordVectors

_SEPARATOR = re.compile(r"\t|,|\s+")


@dataclass
class PairsResult:
    """Correlation of model cosines with human similarity scores.

    Attributes
    ----------
    pearson, spearman : float
        Correlations over the pairs whose words are both known (NaN if fewer than 2).
    pairs : int
        Pairs in the file.
    scored : int
        Pairs with both words in the vocabulary.
    oov_ratio : float
        Percentage of pairs skipped for an unknown word (gensim reports a percentage too).
    """

    pearson: float
    spearman: float
    pairs: int
    scored: int
    oov_ratio: float


def read_word_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """Read ``word1 word2 score`` lines (tab, comma or space separated).

    Lines starting with ``#`` and a header line whose score is not a number are skipped.

    Raises
    ------
    WordvecError
        No pair could be read from the file.
    """
    pairs: list[tuple[str, str, float]] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = [f for f in _SEPARATOR.split(line) if f]
            if len(fields) < 3:
                continue
            try:
                score = float(fields[2])
            except ValueError:
                continue  # a header line
            pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise WordvecError(f"no 'word1 word2 score' lines in {str(path)!r}")
    return pairs


def _rank(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(values)


def evaluate_word_pairs(model: WordVectors, path: str | Path) -> PairsResult:
    """Pearson and Spearman correlation of cosine similarity with human scores.

    Pairs with a word outside the vocabulary are skipped and counted, never scored
    as zero (unlike hyperwords), so coverage is visible.
    """
    pairs = read_word_pairs(path)
    model_scores, human_scores = [], []
    for word1, word2, score in pairs:
        if word1 in model and word2 in model:
            model_scores.append(model.similarity(word1, word2))
            human_scores.append(score)
    scored = len(model_scores)
    if scored >= 2:
        model_array, human_array = np.asarray(model_scores), np.asarray(human_scores)
        pearson = float(np.corrcoef(model_array, human_array)[0, 1])
        spearman = float(np.corrcoef(_rank(model_array), _rank(human_array))[0, 1])
    else:
        pearson = spearman = float("nan")
    oov = 100.0 * (len(pairs) - scored) / len(pairs)
    return PairsResult(pearson, spearman, len(pairs), scored, oov)


@dataclass
class AnalogyResult:
    """Accuracy on analogy questions ``a : b :: c : d``.

    Attributes
    ----------
    accuracy : float
        Correct answers over answered questions (all sections).
    correct, answered, skipped : int
        Counts over all sections; skipped questions have a word outside the searched
        vocabulary.
    sections : dict
        Per section: ``{"correct", "answered", "skipped", "accuracy"}``.
    """

    accuracy: float
    correct: int
    answered: int
    skipped: int
    sections: dict[str, dict[str, float]] = field(default_factory=dict)


def read_analogies(path: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Read the ``: section`` format of word2vec's questions-words.txt."""
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith(":"):
                sections.append((line[1:].strip(), []))
                continue
            fields = line.split()
            if len(fields) != 4:
                continue
            if not sections:
                sections.append(("questions", []))
            sections[-1][1].append(tuple(fields))  # type: ignore[arg-type]
    if not any(questions for _, questions in sections):
        raise WordvecError(f"no analogy questions ('a b c d' lines) in {str(path)!r}")
    return sections


def evaluate_word_analogies(
    model: WordVectors,
    path: str | Path,
    *,
    method: str = "add",
    restrict_vocab: int = 300_000,
    batch: int = 512,
) -> AnalogyResult:
    """Accuracy on analogy questions, answered in batches with matrix products.

    Parameters
    ----------
    model : WordVectors
    path : str or path-like
        Questions in the ``: section`` format.
    method : {"add", "mul"}, default "add"
        3CosAdd (``argmax cos(d, b) - cos(d, a) + cos(d, c)``) or 3CosMul (Levy &
        Goldberg 2014: ``argmax cos(d, b) cos(d, c) / (cos(d, a) + 0.001)`` with cosines
        shifted to [0, 1]).
    restrict_vocab : int, default 300000
        Only the most frequent words are candidates, and questions with a word outside
        them are skipped (as gensim does).
    batch : int, default 512
        Questions answered per matrix product.

    Returns
    -------
    AnalogyResult
    """
    if method not in ("add", "mul"):
        raise ParameterError(f"method must be 'add' or 'mul'; got {method!r}")
    limit = min(restrict_vocab, len(model))
    index = {word: i for i, word in enumerate(model.words[:limit])}
    unit = np.asarray(model.unit_vectors[:limit], dtype=np.float32)
    result = AnalogyResult(0.0, 0, 0, 0)
    for name, questions in read_analogies(path):
        known = []
        for question in questions:
            ids = [index.get(word.lower(), index.get(word)) for word in question]
            if None not in ids:
                known.append(ids)
        correct = 0
        ids_array = np.asarray(known, dtype=np.int64).reshape(-1, 4)
        for start in range(0, len(ids_array), batch):
            chunk = ids_array[start : start + batch]
            a, b, c = (unit[chunk[:, k]] @ unit.T for k in range(3))
            if method == "add":
                scores = b - a + c
            else:
                scores = ((b + 1) / 2) * ((c + 1) / 2) / ((a + 1) / 2 + 1e-3)
            rows = np.arange(len(chunk))
            for k in range(3):
                scores[rows, chunk[:, k]] = -np.inf
            correct += int(np.sum(scores.argmax(axis=1) == chunk[:, 3]))
        answered = len(known)
        skipped = len(questions) - answered
        result.sections[name] = {
            "correct": correct,
            "answered": answered,
            "skipped": skipped,
            "accuracy": correct / answered if answered else float("nan"),
        }
        result.correct += correct
        result.answered += answered
        result.skipped += skipped
    result.accuracy = result.correct / result.answered if result.answered else float("nan")
    return result
