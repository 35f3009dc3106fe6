"""Word vectors and the questions asked of them: neighbours, similarity, analogies, odd one out."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ParameterError, UnknownWordError


def _as_word_list(words: str | Iterable[str] | None) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    return list(words)


class WordVectors:
    """Dense vectors for a vocabulary, with gensim-style queries.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, most frequent first.
    vectors : ndarray, shape (len(words), dim)
        One row per word. wordvec stores them unit-length; vectors from elsewhere are
        normalised on the fly for cosine queries.
    counts : ndarray of int, optional
        Corpus count of each word (absent for vectors imported without counts).
    params : dict, optional
        The build parameters.
    stats : dict, optional
        Corpus statistics and timings of the build.

    Examples
    --------
    >>> import numpy as np
    >>> wv = WordVectors(["king", "queen", "apple"], np.array([[1, 0.1], [0.9, 0.2], [0, 1]]))
    >>> wv.most_similar("king", topn=1)
    [('queen', 0.9...)]
    >>> "apple" in wv, len(wv)
    (True, 3)
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        *,
        params: dict[str, Any] | None = None,
        stats: dict[str, Any] | None = None,
    ) -> None:
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ParameterError(f"vectors must have one row per word; got shape {vectors.shape} for {len(words)} words")
        if counts is not None and len(counts) != len(words):
            raise ParameterError(f"counts must have one entry per word; got {len(counts)} for {len(words)} words")
        self.words = list(words)
        self.vectors = vectors
        self.counts = counts
        self.params = dict(params or {})
        self.stats = dict(stats or {})
        self._index: dict[str, int] | None = None
        self._unit: np.ndarray | None = None

    # -- vocabulary -------------------------------------------------------------------

    @property
    def key_to_index(self) -> dict[str, int]:
        """Mapping from word to row (built on first use)."""
        if self._index is None:
            self._index = {word: i for i, word in enumerate(self.words)}
        return self._index

    @property
    def dim(self) -> int:
        """Number of dimensions of each vector."""
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words x {self.dim} dims)"

    def _lookup(self, word: str) -> int | None:
        index = self.key_to_index.get(word)
        if index is None:
            from .tokenize import normalize_text

            index = self.key_to_index.get(normalize_text(word).strip())
        return index

    def index(self, word: str) -> int:
        """Row of ``word``; case and Unicode form are normalised as the tokenizer does.

        Raises
        ------
        UnknownWordError
            The word is not in the vocabulary; the error lists close spellings.
        """
        if not isinstance(word, str) or not word.strip():
            raise ParameterError(f"a query word must be a non-empty string; got {word!r}")
        index = self._lookup(word)
        if index is None:
            raise UnknownWordError(word, self.suggest(word))
        return index

    def suggest(self, word: str, n: int = 5) -> list[str]:
        """Vocabulary words spelled most like ``word`` (for unknown-word messages)."""
        from .tokenize import normalize_text

        target = normalize_text(word).strip() or word
        candidates = [w for w in self.words if abs(len(w) - len(target)) <= 2]
        return difflib.get_close_matches(target, candidates, n=n, cutoff=0.7)

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (as stored)."""
        return np.asarray(self.vectors[self.index(word)])

    __getitem__ = vector

    # -- queries ----------------------------------------------------------------------

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (the stored matrix itself when it is already)."""
        if self._unit is None:
            if self.params.get("normalize", False):
                self._unit = self.vectors
            else:
                matrix = np.asarray(self.vectors, dtype=np.float32)
                norms = np.linalg.norm(matrix, axis=1, keepdims=True)
                self._unit = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
        return self._unit

    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words."""
        unit = self.unit_vectors
        return float(np.dot(unit[self.index(word1)], unit[self.index(word2)]))

    def most_similar(
        self,
        positive: str | Iterable[str] | None = None,
        negative: str | Iterable[str] | None = None,
        topn: int = 10,
        *,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to the mean of ``positive`` minus ``negative`` words.

        Same semantics as gensim's ``KeyedVectors.most_similar``: the unit vectors of the
        positive words count +1, of the negative words -1, the mean is normalised and
        compared with every word; the query words themselves are excluded.

        Parameters
        ----------
        positive, negative : str or iterable of str
            Query words.
        topn : int, default 10
            Number of results.
        restrict_vocab : int, optional
            Only search the most frequent ``restrict_vocab`` words.

        Returns
        -------
        list of (word, cosine) pairs, best first
        """
        positive_words, negative_words = _as_word_list(positive), _as_word_list(negative)
        if not positive_words and not negative_words:
            raise ParameterError("most_similar needs at least one positive or negative word")
        if topn < 1:
            raise ParameterError(f"topn must be >= 1; got {topn}")
        rows = [self.index(w) for w in positive_words] + [self.index(w) for w in negative_words]
        signs = np.array([1.0] * len(positive_words) + [-1.0] * len(negative_words), dtype=np.float32)
        unit = self.unit_vectors
        query = signs @ np.asarray(unit[rows], dtype=np.float32)
        norm = np.linalg.norm(query)
        if norm > 0:
            query /= norm
        searched = unit if restrict_vocab is None else unit[:restrict_vocab]
        scores = np.asarray(searched @ query, dtype=np.float32)
        return self._top(scores, topn, exclude=rows)

    def _top(self, scores: np.ndarray, topn: int, exclude: Iterable[int]) -> list[tuple[str, float]]:
        scores = scores.copy()
        excluded = [i for i in exclude if i < len(scores)]
        scores[excluded] = -np.inf
        available = len(scores) - len(set(excluded))
        topn = min(topn, available)
        if topn <= 0:
            return []
        best = np.argpartition(-scores, topn - 1)[:topn]
        # Stable order: by score, ties by frequency rank.
        best = best[np.lexsort((best, -scores[best]))]
        return [(self.words[i], float(scores[i])) for i in best]

    def analogy(self, a: str, b: str, c: str, topn: int = 10) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ...? (3CosAdd: ``b - a + c``)."""
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The word least like the others: farthest by cosine from their normalised mean."""
        words = list(words)
        if len(words) < 2:
            raise ParameterError("doesnt_match needs at least two words")
        unit = np.asarray(self.unit_vectors[[self.index(w) for w in words]], dtype=np.float32)
        mean = unit.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # -- files ------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the model directory atomically (see :func:`wordvec.storage.save_model`)."""
        from .storage import save_model

        save_model(self, path)
