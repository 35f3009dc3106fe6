"""Word vectors and the questions asked of them: neighbours, similarity, analogies, odd one out."""

from __future__ import annotations

import queue
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._cores import one_blas_thread_each
from .arrays import COSMUL_EPSILON, top_of_rows, unit_rows
from .arrays import first_non_finite_row, require_finite  # noqa: F401 - their home until arrays held them: still importable here
from .deprecation import renamed_keywords
from .errors import ParameterError, UnknownWordError
from .options import DEFAULT_RESTRICT_VOCAB, DEFAULT_TOPN, PHRASE_DELIMITER

if TYPE_CHECKING:
    from .evaluate import AnalogyResult, PairsResult
    from .phrases import Phrases
    from .subwords import ComposedVectors, NgramTable


def _require_query_word(word: object) -> None:
    if not isinstance(word, str) or not word.strip():
        raise ParameterError(f"a query word must be a non-empty string; got {word!r}")


def _as_word_list(words: str | Iterable[str] | None) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    return list(words)


#: Lookups answered by scanning the word list before the word -> row dict is built.
_SCANS_BEFORE_INDEX = 8
#: No default given (None is a default like any other).
_REQUIRED = object()
#: Answers of one batch spelled row by row from a loaded model's vocabulary before its word list is built.
_SPELLINGS_BEFORE_LIST = 1000
#: How strongly a word outside the vocabulary leans on the vocabulary words one edit away from it
#: (:meth:`WordVectors.compose`): on the bench corpus, typos found their word among their 10 nearest
#: neighbours 0.28 of the time by n-grams alone and 0.92 with this weight; heavier weights found few more
#: and cost the unseen names of the Google set more (benchmarks/RESULTS.md, subword_probes.py).
SPELLING_WEIGHT = 1.0


class LazyWords(Sequence[str]):
    """A vocabulary that answers a few lookups before it is split into one string per word.

    A model loaded for one query needs the row of one word and the spellings of a few
    rows; building a list (and a dict) of 100,000 words for that would cost more than
    the query. Subclasses (such as the vocabulary file of :mod:`wordvec.storage`) find
    one word or one row in the file's bytes; :meth:`tolist` gives every word when a
    caller needs them all.
    """

    def tolist(self) -> list[str]:
        """Every word, in row order."""
        raise NotImplementedError

    def __iter__(self):
        return iter(self.tolist())


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
    subwords : NgramTable, optional
        Vectors of hashed character n-grams (:mod:`wordvec.subwords`), in the space of
        ``vectors``: with them every word has a vector, a word outside the vocabulary the
        mean of its n-grams' (as fastText composes it). ``word in model`` stays the
        vocabulary test, as in gensim's ``FastText``.
    analogy_view : WordVectors, optional
        The same words in the view of the SVD that answers analogies best (``U Σ^0.5``
        without context vectors, Levy et al. 2015): :meth:`analogy`, :meth:`most_similar`
        with negative words and :meth:`most_similar_cosmul` rank in it. Without it they use
        these vectors, as every other query does.
    unblended : WordVectors, optional
        For an analogy view whose words took in their n-grams' vectors: the same view
        before, which answers the analogies whose ``a`` and ``b`` share no character
        n-gram (``man : king``, ``paris : france``): their relation is not in the spelling,
        and spelling would only draw answers spelled like ``b`` (``kingdom``). The others
        (``walk : walked``) are answered with the n-grams. On the bench corpus this
        answered 0.564 of the Google set, against 0.538 with the n-grams throughout and
        0.298 without (benchmarks/RESULTS.md).

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
        subwords: NgramTable | None = None,
        analogy_view: WordVectors | None = None,
        unblended: WordVectors | None = None,
    ) -> None:
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ParameterError(f"vectors must have one row per word; got shape {vectors.shape} for {len(words)} words")
        if counts is not None and not callable(counts) and len(counts) != len(words):
            raise ParameterError(f"counts must have one entry per word; got {len(counts)} for {len(words)} words")
        self._lazy_words = words if isinstance(words, LazyWords) else None
        self._words: list[str] | None = None if self._lazy_words is not None else list(words)
        self.vectors = vectors
        self._counts = counts
        self.params = dict(params or {})
        self.stats = dict(stats or {})
        if subwords is not None and subwords.dim != vectors.shape[1]:
            raise ParameterError(f"the n-gram table has {subwords.dim} dims and the vectors {vectors.shape[1]}")
        self.subwords = subwords
        if analogy_view is not None and (len(analogy_view) != len(self) or analogy_view.dim != self.dim):
            raise ParameterError(
                f"the analogy view must have the model's shape; got {len(analogy_view)} x {analogy_view.dim} "
                f"for {len(self)} x {self.dim}"
            )
        self._analogy_view = analogy_view
        if unblended is not None and (len(unblended) != len(self) or unblended.dim != self.dim):
            raise ParameterError(f"the unblended view must have the model's shape; got {len(unblended)} x {unblended.dim}")
        self.unblended = unblended
        self._index: dict[str, int] | None = None
        self._scans = 0
        self._unit: np.ndarray | None = None
        self._alphabet: str | None = None  # of the vocabulary, for the misspellings of unseen words
        self._characters: frozenset[str] | None = None
        self._score_buffers: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        #: The model directory the vectors were loaded from (set by :func:`wordvec.load`), else None.
        self.path: Path | None = None
        self._phrases: Phrases | None = None
        #: For vectors rotated into another model's space by :func:`wordvec.align`: the orthogonal
        #: ``dim x dim`` matrix ``R`` (aligned = unit vectors @ R), else None.
        self.rotation: np.ndarray | None = None

    # -- vocabulary -------------------------------------------------------------------

    @property
    def words(self) -> list[str]:
        """The vocabulary, one word per row, most frequent first."""
        if self._words is None:
            assert self._lazy_words is not None
            self._words = self._lazy_words.tolist()
        return self._words

    @property
    def _vocabulary(self) -> Sequence[str]:
        """The word list once it is built, else the loaded model's file (found in without listing it)."""
        return self._words if self._words is not None else self._lazy_words  # type: ignore[return-value]

    def _word(self, row: int) -> str:
        """The word of ``row``, without listing the vocabulary of a freshly loaded model."""
        return self._vocabulary[row]

    @property
    def key_to_index(self) -> dict[str, int]:
        """Mapping from word to row (built on first use)."""
        if self._index is None:
            self._index = {word: i for i, word in enumerate(self.words)}
        return self._index

    @property
    def phrases(self) -> Phrases | None:
        """The phrases joined in the corpus before counting (a model built with ``phrases=``), else None.

        Apply them to text before looking its words up: ``model.phrases.apply(tokens)``. A
        loaded model reads them from its directory on first use.

        Raises
        ------
        ModelError
            The model's phrases file is missing or corrupt.
        """
        if self._phrases is None and self.path is not None and self.params.get("phrases") is not None:
            from .phrases import load_model_phrases

            self._phrases = load_model_phrases(self.path, self.stats.get("phrases"))
        return self._phrases

    @phrases.setter
    def phrases(self, phrases: Phrases | None) -> None:
        self._phrases = phrases

    @property
    def dim(self) -> int:
        """Number of dimensions of each vector."""
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self._vocabulary)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words x {self.dim} dims)"

    @property
    def counts(self) -> np.ndarray | None:
        """Corpus count of each word, or None (read on first use for loaded models)."""
        if callable(self._counts):
            self._counts = self._counts()
        return self._counts

    @counts.setter
    def counts(self, counts: np.ndarray | None) -> None:
        self._counts = counts

    def _position(self, word: str) -> int | None:
        # A cold one-off query finds its word faster by a linear scan in C than by
        # building the word -> row dict; after a few lookups the dict pays off.
        if self._index is None and self._scans < _SCANS_BEFORE_INDEX:
            self._scans += 1
            try:
                return self._vocabulary.index(word)
            except ValueError:
                return None
        return self.key_to_index.get(word)

    def _lookup(self, word: str) -> int | None:
        index = self._position(word)
        if index is None:
            from .tokenize import normalize_text

            normalized = normalize_text(word).strip()
            if normalized != word:
                index = self._position(normalized)
            if index is None and len(normalized.split()) > 1:
                # "new york" is the phrase new_york of a model built with phrases.
                index = self._position(PHRASE_DELIMITER.join(normalized.split()))
        return index

    def index(self, word: str) -> int:
        """Row of ``word``; case and Unicode form are normalised as the tokenizer does.

        Raises
        ------
        UnknownWordError
            The word is not in the vocabulary; the error lists close spellings.
        """
        _require_query_word(word)
        index = self._lookup(word)
        if index is None:
            raise UnknownWordError(word, self.suggest(word))
        return index

    def vocabulary_word(self, word: str, default: Any = _REQUIRED) -> Any:
        """The vocabulary's spelling of ``word`` (``"KING"`` gives ``"king"``), normalised as :meth:`index` does.

        Parameters
        ----------
        word : str
        default : optional
            What to return for a word outside the vocabulary instead of raising (such as None).

        Raises
        ------
        UnknownWordError
            The word is not in the vocabulary and no ``default`` is given.
        """
        # Row by row: a model loaded for one query never splits its whole vocabulary into words.
        if default is _REQUIRED:
            return self._word(self.index(word))
        _require_query_word(word)
        row = self._lookup(word)
        return default if row is None else self._word(row)

    @renamed_keywords(n="topn")
    def suggest(self, word: str, topn: int = 5) -> list[str]:
        """Vocabulary words spelled most like ``word`` (for unknown-word messages)."""
        from .tokenize import normalize_text

        target = normalize_text(word).strip() or word
        candidates = [w for w in self.words if abs(len(w) - len(target)) <= 2]
        import difflib  # only on the unknown-word path: not a cost of every query

        return difflib.get_close_matches(target, candidates, n=topn, cutoff=0.7)

    def view(self, name: str) -> WordVectors:
        """The vectors of one view: ``"similarity"`` (the model itself) or ``"analogy"`` (:attr:`analogy_view`).

        Raises
        ------
        ParameterError
            An unknown view, or ``"analogy"`` for a model built without an analogy view.
        """
        if name == "similarity":
            return self
        if name == "analogy":
            if self._analogy_view is None:
                raise ParameterError("this model has no analogy view: rebuild it without --no-analogy-view")
            return self._analogy_view
        raise ParameterError(f"view must be 'similarity' or 'analogy'; got {name!r}")

    def in_memory(self) -> WordVectors:
        """A copy whose every array (vectors, analogy view, n-gram tables) is in memory rather than mapped from files.

        For a long-running reader of a model whose files may be replaced: a memory-mapped
        file that shrinks under a process kills it (SIGBUS).
        """
        from dataclasses import replace

        copies: dict[int, np.ndarray] = {}  # an array two views share (an n-gram table's rows) stays shared

        def in_memory(array: np.ndarray) -> np.ndarray:
            if id(array) not in copies:
                copies[id(array)] = np.array(array)
            return copies[id(array)]

        def copied(model: WordVectors, analogy_view: WordVectors | None) -> WordVectors:
            table = model.subwords
            if table is not None:
                mapping = None if table.mapping is None else np.array(table.mapping)
                table = replace(table, vectors=in_memory(table.vectors), bucket_ids=in_memory(table.bucket_ids), mapping=mapping)
            unblended = copied(model.unblended, None) if model.unblended is not None else None
            return WordVectors(model.words, np.array(model.vectors), model.counts, params=model.params,
                               stats=model.stats, subwords=table, analogy_view=analogy_view, unblended=unblended)

        analogy = copied(self._analogy_view, None) if self._analogy_view is not None else None
        result = copied(self, analogy)
        result.path = self.path  # the files it came from, for what reads beside them (a kept corpus)
        result._phrases = self._phrases
        return result

    @property
    def has_analogy_view(self) -> bool:
        """True if analogies are answered in a view of their own (see :attr:`analogy_view`)."""
        return self._analogy_view is not None

    @property
    def analogy_view(self) -> WordVectors:
        """The vectors analogies are answered with: the model's analogy view if it has one, else the model itself."""
        return self._analogy_view if self._analogy_view is not None else self

    def analogy_view_for(self, a: str, b: str | None) -> WordVectors:
        """The vectors that answer ``a : b :: c : ?``: :attr:`analogy_view`, or its :attr:`unblended` view when ``a`` and ``b`` share no character n-gram."""
        from .subwords import shares_ngrams
        from .tokenize import normalize_text

        view = self.analogy_view
        if view.unblended is None or b is None or view.subwords is None:
            return view
        spell = (lambda word: normalize_text(word).strip() if isinstance(word, str) else "")
        alike = shares_ngrams(spell(a), spell(b), view.subwords.min_n, view.subwords.max_n)
        return view if alike else view.unblended

    def in_vocabulary(self, word: str) -> bool:
        """True if ``word`` (normalised as :meth:`index` does) is in the vocabulary: ``word in model``.

        A model with character n-grams also has vectors for words outside it (:meth:`vector`).
        """
        return word in self

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``: its row as stored, or for a word outside the vocabulary the unit vector :meth:`compose` makes.

        Raises
        ------
        UnknownWordError
            The word is not in the vocabulary and the model has no character n-grams, or
            none of the word's n-grams is known to it.
        """
        row = self._lookup(word) if isinstance(word, str) and word.strip() else None
        if row is not None:
            return np.asarray(self.vectors[row])
        return self._composed([word], misspellings=True).vectors[0]

    __getitem__ = vector

    def ngram_vector(self, word: str) -> np.ndarray:
        """The mean vector of the character n-grams of ``word`` (normalised as the tokenizer does), in or out of the vocabulary.

        Raises
        ------
        ParameterError
            ``word`` is not a non-empty string.
        UnknownWordError
            The model has no character n-grams, or none of the word's is known to it.
        """
        composed = self._composed([word])
        return composed.vectors[0]

    def known_ngrams(self, word: str) -> int:
        """How many of the character n-grams of ``word`` the model has a vector for (what an unseen word is composed from).

        Raises
        ------
        UnknownWordError
            The model has no character n-grams, or knows none of the word's.
        """
        return int(self._composed([word]).known[0])

    def compose(self, words: Sequence[str]) -> ComposedVectors:
        """Unit vectors for words spelled as given, as for words outside the vocabulary: n-grams and likely misspellings.

        A word's vector is :math:`\\mathrm{unit}(\\mathrm{unit}(g) + \\beta\\, \\mathrm{unit}(\\bar w))`:
        ``g`` the mean of its character n-grams' vectors (fastText's composition), ``w̄``
        the mean vector of the vocabulary words one edit away from it (a letter left out,
        added, replaced, or two swapped: :mod:`wordvec.spelling`), each weighted by the
        square root of its count, and ``β`` :data:`SPELLING_WEIGHT`. A typo is then found
        next to the word it misspells, which n-grams alone rarely manage (a swap of two
        letters breaks most of a short word's n-grams); a word with no vocabulary word one
        edit away keeps its n-grams' direction.

        Parameters
        ----------
        words : sequence of str
            Words as the tokenizer spells them (lower case, normalised).

        Returns
        -------
        ComposedVectors
            ``vectors`` unit rows (zero for a word none of whose n-grams the model knows),
            ``known`` the number of each word's n-grams with a vector, ``ngrams`` its number
            of n-grams.

        Raises
        ------
        UnknownWordError
            The model has no character n-grams.
        """
        from .spelling import alphabet_of, words_one_edit_away
        from .subwords import ComposedVectors

        if self.subwords is None:
            raise UnknownWordError(words[0] if words else "", [], reason="and the model has no character n-grams")
        composed = self.subwords.compose(words)
        # A word of characters no vocabulary word has would compose only from the buckets its
        # n-grams collide with: noise, so it is left unknown, as a word with no known n-gram is.
        foreign = np.array([self.vocabulary_characters.isdisjoint(word) for word in words], dtype=bool)
        composed.vectors[foreign] = 0
        composed.known[foreign] = 0
        vectors = unit_rows(composed.vectors)
        if self._alphabet is None:
            self._alphabet = alphabet_of(self._vocabulary)
        counts = self.counts
        unit = self.unit_vectors
        for at, word in enumerate(words):
            neighbours = words_one_edit_away(word, self.key_to_index, self._alphabet) if composed.known[at] else []
            if neighbours:
                # Only the neighbours' counts: a document's many unseen words each read a few.
                weights = np.ones(len(neighbours)) if counts is None else np.sqrt(np.asarray(counts)[neighbours].astype(np.float64))
                spelled = unit_rows(weights[None, :] @ np.asarray(unit[neighbours], dtype=np.float64))
                vectors[at] = unit_rows(vectors[at : at + 1] + SPELLING_WEIGHT * spelled)[0]
        return ComposedVectors(vectors, composed.known, composed.ngrams)

    @property
    def vocabulary_characters(self) -> frozenset[str]:
        """Every character some vocabulary word has (a word made of none of them gets no composed vector)."""
        if self._characters is None:
            self._characters = frozenset().union(*map(frozenset, self._vocabulary)) if len(self) else frozenset()
        return self._characters

    def _composed(self, words: Sequence[str], *, misspellings: bool = False) -> ComposedVectors:
        """Vectors of words outside the vocabulary (n-gram means, or with ``misspellings`` :meth:`compose`'s); an unknown-word error where none can be made."""
        from .tokenize import get_tokenizer, normalize_text

        for word in words:
            _require_query_word(word)
        if self.subwords is None:
            raise UnknownWordError(words[0], self.suggest(words[0]))
        tokenize = get_tokenizer(self.params.get("tokenizer", "regex")).tokenize
        normalized = [normalize_text(word).strip() for word in words]
        for word, spelling in zip(words, normalized):
            # Punctuation, or several words: no token of a corpus is spelled so, and with most buckets
            # known any string would compose into noise.
            if tokenize(spelling) != [spelling]:
                raise UnknownWordError(word, self.suggest(word), reason="and is not one word to the tokenizer")
        for word, spelling in zip(words, normalized):
            if self.vocabulary_characters.isdisjoint(spelling):
                raise UnknownWordError(word, [], reason="and none of its characters occurs in the vocabulary")
        composed = self.compose(normalized) if misspellings else self.subwords.compose(normalized)
        for word, known in zip(words, composed.known.tolist()):
            if known == 0:
                raise UnknownWordError(word, self.suggest(word), reason="and none of its character n-grams is known to the model")
        return composed

    def query_vectors(self, words: Sequence[str]) -> tuple[np.ndarray, list[int | None]]:
        """The unit vector of each query word, and its row (None for a word composed from its n-grams).

        Parameters
        ----------
        words : sequence of str
            Query words, in or (with character n-grams) out of the vocabulary.

        Returns
        -------
        vectors : ndarray of float32, shape (len(words), dim)
            Unit rows (zero for a word whose stored vector is zero).
        rows : list of int or None
            The vocabulary row of each word, None for the words outside it.

        Raises
        ------
        UnknownWordError
            A word is outside the vocabulary and no vector can be composed for it.
        """
        rows: list[int | None] = []
        for word in words:
            _require_query_word(word)
            rows.append(self._lookup(word))
        unseen = [i for i, row in enumerate(rows) if row is None]
        unit = self.unit_vectors
        vectors = np.empty((len(words), self.dim), dtype=np.float32)
        seen = [i for i, row in enumerate(rows) if row is not None]
        vectors[seen] = unit[[rows[i] for i in seen]]
        if unseen:
            vectors[unseen] = self._composed([words[i] for i in unseen], misspellings=True).vectors
        return vectors, rows

    # -- queries ----------------------------------------------------------------------

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (the stored matrix itself when it is already)."""
        if self._unit is None:
            if self.params.get("normalize", False):
                self._unit = self.vectors
            else:
                self._unit = unit_rows(self.vectors)
        return self._unit

    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words (composed from their n-grams if outside the vocabulary and the model has them)."""
        vectors, _ = self.query_vectors([word1, word2])
        return float(np.dot(vectors[0], vectors[1]))

    def most_similar(
        self,
        positive: str | Iterable[str] | None = None,
        negative: str | Iterable[str] | None = None,
        topn: int = DEFAULT_TOPN,
        *,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to the mean of ``positive`` minus ``negative`` words.

        Same semantics as gensim's ``KeyedVectors.most_similar``: the unit vectors of the
        positive words count +1, of the negative words -1, the mean is normalised and
        compared with every word; the query words themselves are excluded. A query with
        negative words is an analogy: a model with an analogy view answers it there.

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
        if negative_words and (self._analogy_view is not None or self.unblended is not None):
            # As gensim's analogies, most_similar(positive=[b, c], negative=[a]): a and b choose the view.
            view = self.analogy_view_for(negative_words[0], positive_words[0] if positive_words else None)
            if view is not self:
                return view.most_similar(positive_words, negative_words, topn, restrict_vocab=restrict_vocab)
        vectors, rows = self.query_vectors(positive_words + negative_words)
        signs = np.array([1.0] * len(positive_words) + [-1.0] * len(negative_words), dtype=np.float32)
        query = signs @ vectors
        norm = np.linalg.norm(query)
        if norm == 0:
            self._require_nonzero(rows)
            raise ParameterError(
                f"the positive and negative words {positive_words + negative_words} cancel out: no direction is left to rank by"
            )
        return self._ranked_by(query / norm, topn, restrict_vocab, exclude=[row for row in rows if row is not None])

    def _ranked_by(
        self, query: np.ndarray, topn: int, restrict_vocab: int | None, exclude: Iterable[int]
    ) -> list[tuple[str, float]]:
        """The ``topn`` words (of the first ``restrict_vocab``) closest by cosine to the unit vector ``query``."""
        unit = self.unit_vectors
        searched = unit if restrict_vocab is None else unit[:restrict_vocab]
        return self._top(np.asarray(searched @ query, dtype=np.float32), topn, exclude=exclude)

    def similar_by_vector(
        self, vector: np.ndarray, topn: int = DEFAULT_TOPN, *, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to ``vector`` (gensim's ``similar_by_vector``), as :meth:`most_similar` ranks them.

        ``vector`` (shape ``(dim,)``) is a query in this model's space, such as another
        model's word vector after :func:`wordvec.align`.
        """
        if topn < 1:
            raise ParameterError(f"topn must be >= 1; got {topn}")
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (self.dim,):
            raise ParameterError(f"the vector must have shape ({self.dim},); got {query.shape}")
        norm = float(np.linalg.norm(query))
        if not np.isfinite(norm) or norm == 0:
            raise ParameterError("the vector is zero or not finite: no direction to rank by")
        return self._ranked_by(query / norm, topn, restrict_vocab, exclude=[])

    def nearest(
        self, words: Iterable[str], topn: int = DEFAULT_TOPN, *, batch: int = 256, threads: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """The ``topn`` neighbours by cosine of each of many words, one matrix product per batch.

        For each word, the same answer as ``most_similar(word, topn=topn)`` (the word
        itself excluded), but the queries of a batch share one product with the whole
        matrix and one vectorised top-``topn`` selection, which is many times faster
        than a loop of single queries. With threadpoolctl installed, batches run on a
        thread per core, each product on one BLAS thread (see :func:`wordvec._cores.one_blas_thread_each`).

        Parameters
        ----------
        words : iterable of str
            Query words.
        topn : int, default 10
            Neighbours per word.
        batch : int, default 256
            Queries per matrix product (memory: ``batch x len(self)`` float32 scores per
            thread, kept by the model for its next batched query).
        threads : int, optional
            Batches answered at once, each on one BLAS thread. Default: one per core if
            threadpoolctl is installed, else 1 (batches in turn, each product on every core).

        Returns
        -------
        list of lists of (word, cosine) pairs, best first, in query order

        Raises
        ------
        UnknownWordError
            A query word is not in the vocabulary.
        """
        if topn < 1:
            raise ParameterError(f"topn must be >= 1; got {topn}")
        words = list(words)
        found = [self._lookup(word) if isinstance(word, str) and word.strip() else None for word in words]
        unseen = [i for i, row in enumerate(found) if row is None]
        # Words outside the vocabulary (composed from n-grams) have row -1 and their vector here.
        composed = dict(zip(unseen, self._composed([words[i] for i in unseen], misspellings=True).vectors)) if unseen else {}
        rows = np.array([-1 if row is None else row for row in found], dtype=np.int64)
        unit = np.asarray(self.unit_vectors, dtype=np.float32)
        self._require_nonzero(rows[rows >= 0])
        topn = min(topn, len(self) - 1)
        results: list[list[tuple[str, float]]] = []
        if topn < 1:
            return [[] for _ in rows]
        # A few queries spell their answers from a loaded model's file; many share the word list.
        word_of = self.words.__getitem__ if len(rows) * topn > _SPELLINGS_BEFORE_LIST else self._word

        def answer(queries: np.ndarray) -> list[list[tuple[str, float]]]:
            buffer = self._score_buffer(min(batch, len(rows)), len(unit))
            chunk = rows[queries]
            query = unit[chunk]
            for at in np.flatnonzero(chunk < 0).tolist():
                query[at] = composed[int(queries[at])]
            scores = np.matmul(query, unit.T, out=buffer[: len(chunk)])
            in_vocabulary = np.flatnonzero(chunk >= 0)
            scores[in_vocabulary, chunk[in_vocabulary]] = -np.inf  # a word is not its own neighbour
            best, best_scores = top_of_rows(scores, topn)
            self._score_buffers.put(buffer)
            return [
                [(word_of(i), s) for i, s in zip(row_best.tolist(), row_scores.tolist())]
                for row_best, row_scores in zip(best, best_scores)
            ]

        positions = np.arange(len(rows))
        chunks = [positions[start : start + batch] for start in range(0, len(rows), batch)]
        with one_blas_thread_each(len(chunks), threads) as pool:
            for answers in (pool.map(answer, chunks) if pool else map(answer, chunks)):
                results.extend(answers)
        return results

    def _require_nonzero(self, rows: Sequence[int | None] | np.ndarray) -> None:
        """Refuse to rank neighbours of a word whose vector is zero: every score would be 0, the order arbitrary."""
        unit = self.unit_vectors
        zero = [int(row) for row in rows if row is not None and not np.any(unit[int(row)])]
        if zero:
            raise ParameterError(
                f"{self._word(zero[0])!r} has a zero vector (none of its contexts was left after subsampling and the "
                "PPMI shift, as the build warned), so it has no neighbours: ask about another word, or rebuild with a "
                "lower --subsample or --neg"
            )

    def _score_buffer(self, rows: int, columns: int) -> np.ndarray:
        """A float32 buffer of at least ``rows`` rows of ``columns`` for a batch's scores: a free one, else new.

        Batches hand their buffers back (``_score_buffers``), so a thread reuses its memory
        from batch to batch and from call to call. A new buffer is touched at once, in one
        sequential pass: page faults at the product's scattered first writes made a
        thread's first batch much slower. Where freed memory goes back to a virtual
        machine's host (free page reporting), fresh pages are dear: a first pass over a new
        buffer costs many times a second one (benchmarks/RESULTS.md).
        """
        while True:
            try:
                buffer = self._score_buffers.get_nowait()
            except queue.Empty:
                break
            if buffer.shape[0] >= rows and buffer.shape[1] == columns:
                return buffer
        buffer = np.empty((rows, columns), dtype=np.float32)
        buffer.fill(0.0)
        return buffer

    def _top(self, scores: np.ndarray, topn: int, exclude: Iterable[int]) -> list[tuple[str, float]]:
        scores = scores.copy()
        excluded = [i for i in exclude if i < len(scores)]
        scores[excluded] = -np.inf
        available = len(scores) - len(set(excluded))
        topn = min(topn, available)
        if topn <= 0:
            return []
        # The batch queries' selection, on one row: by score, ties by frequency rank.
        best, best_scores = top_of_rows(scores[np.newaxis], topn)
        return [(self._word(i), s) for i, s in zip(best[0].tolist(), best_scores[0].tolist())]

    def most_similar_cosmul(
        self,
        positive: str | Iterable[str] | None = None,
        negative: str | Iterable[str] | None = None,
        topn: int = DEFAULT_TOPN,
        *,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words that best balance similarity to every ``positive`` and dissimilarity to every ``negative`` word.

        3CosMul (Levy & Goldberg 2014), with gensim's semantics: each cosine is shifted
        to [0, 1] as ``(1 + cos) / 2``, and a word scores the product of its shifted
        cosines to the positive words over the product of those to the negative words
        plus ``1e-3``; the query words themselves are excluded. Unlike the sum in
        :meth:`most_similar` (3CosAdd), one large similarity cannot make up for a small
        one, which answers more analogies correctly.

        Parameters
        ----------
        positive, negative : str or iterable of str
            Query words; at least one positive word.
        topn : int, default 10
            Number of results.
        restrict_vocab : int, optional
            Only search the most frequent ``restrict_vocab`` words.

        Returns
        -------
        list of (word, score) pairs, best first

        Notes
        -----
        .. math::

            \\mathrm{score}(d) = \\frac{\\prod_{p} s(d, p)}{\\prod_{n} s(d, n) + \\varepsilon},
            \\quad s(x, y) = \\frac{1 + \\cos(x, y)}{2},\\quad \\varepsilon = 10^{-3}

        An empty product is 1, so without negative words the denominator is ``1 + 1e-3``.
        The paper's epsilon is 1e-3; gensim's ``most_similar_cosmul`` uses 1e-6, which
        lets a word nearly opposite a negative word win on that alone.

        References
        ----------
        Levy, O. & Goldberg, Y. (2014). Linguistic Regularities in Sparse and Explicit
        Word Representations. CoNLL, 171-180.

        Examples
        --------
        >>> import numpy as np
        >>> wv = WordVectors(["man", "king", "woman", "queen"], np.array([[1, 0], [1, 1], [-1, 0.2], [-1, 1]]))
        >>> wv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=1)
        [('queen', 3.1...)]
        """
        positive_words, negative_words = _as_word_list(positive), _as_word_list(negative)
        if not positive_words:
            raise ParameterError("most_similar_cosmul needs at least one positive word")
        if topn < 1:
            raise ParameterError(f"topn must be >= 1; got {topn}")
        if self._analogy_view is not None or self.unblended is not None:
            view = self.analogy_view_for(negative_words[0], positive_words[0]) if negative_words else self.analogy_view
            if view is not self:
                return view.most_similar_cosmul(positive_words, negative_words, topn, restrict_vocab=restrict_vocab)
        vectors, rows = self.query_vectors(positive_words + negative_words)
        unit = self.unit_vectors
        searched = unit if restrict_vocab is None else unit[:restrict_vocab]
        shifted = (1 + np.asarray(searched @ vectors.T, dtype=np.float32)) / 2
        split = len(positive_words)
        scores = shifted[:, :split].prod(axis=1) / (shifted[:, split:].prod(axis=1) + COSMUL_EPSILON)
        return self._top(scores, topn, exclude=[row for row in rows if row is not None])

    def analogy(self, a: str, b: str, c: str, topn: int = DEFAULT_TOPN, *, method: str = "add") -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ...?

        Parameters
        ----------
        a, b, c : str
            The question words.
        topn : int, default 10
            Number of answers.
        method : {"add", "mul"}, default "add"
            3CosAdd, ``most_similar(positive=[b, c], negative=[a])``, the vector offset
            ``b - a + c``; or 3CosMul, ``most_similar_cosmul`` with the same words, which
            balances the three similarities and is usually more accurate.
        """
        # A question word without a vector would silently drop out of the question.
        view = self.analogy_view_for(a, b)
        view._require_nonzero(view.query_vectors([a, b, c])[1])
        if method == "add":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn)
        if method == "mul":
            return self.most_similar_cosmul(positive=[b, c], negative=[a], topn=topn)
        raise ParameterError(f"method must be 'add' or 'mul'; got {method!r}")

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The word least like the others: farthest by cosine from their normalised mean."""
        words = list(words)
        if len(words) < 2:
            raise ParameterError("doesnt_match needs at least two words")
        unit, _ = self.query_vectors(words)
        mean = unit.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # -- evaluation -------------------------------------------------------------------

    def evaluate_word_pairs(self, path: str | Path, *, restrict_vocab: int = DEFAULT_RESTRICT_VOCAB) -> PairsResult:
        """Correlation of cosine similarity with human scores on a word-pair file.

        Parameters
        ----------
        path : str or path-like
            ``word1 word2 score`` lines, tab, comma or space separated; ``#`` comments
            and a header line are skipped. The shipped WordSim-353 and SimLex-999 are at
            ``wordvec.evaluate.shipped_dataset("wordsim353.tsv")`` and ``("simlex999.txt")``.
        restrict_vocab : int, default 300000
            Words outside the most frequent ``restrict_vocab`` count as unknown.

        Returns
        -------
        PairsResult
            Unpacks as gensim's result, ``pearson, spearman, oov_ratio = result``: the
            correlations over the pairs with both words known (NaN if fewer than two; gensim
            gives ``(r, p-value)`` tuples where wordvec gives the coefficients) and the
            percentage of pairs skipped for an unknown word. Skipped pairs are never scored
            as a similarity of zero. It also has the pair counts.

        Raises
        ------
        WordvecError
            The file cannot be read or a line is malformed.

        See Also
        --------
        wordvec.evaluate.evaluate_word_pairs : the same function.
        """
        from .evaluate import evaluate_word_pairs

        return evaluate_word_pairs(self, path, restrict_vocab=restrict_vocab)

    def evaluate_word_analogies(
        self, path: str | Path, *, method: str = "add", restrict_vocab: int = DEFAULT_RESTRICT_VOCAB
    ) -> AnalogyResult:
        """Accuracy on analogy questions ``a : b :: c : d`` in word2vec's ``questions-words.txt`` format.

        Parameters
        ----------
        path : str or path-like
            ``: section`` lines and ``a b c d`` questions. The shipped Google set is at
            ``wordvec.evaluate.shipped_dataset("questions-words.txt")``.
        method : {"add", "mul"}, default "add"
            3CosAdd (gensim's method) or 3CosMul, as in :meth:`analogy`.
        restrict_vocab : int, default 300000
            Only the most frequent words are candidate answers, and questions with a word
            outside them are skipped.

        Returns
        -------
        AnalogyResult
            Unpacks as gensim's result, ``score, sections = result``: correct over answered
            questions (skipped questions are not counted as wrong), and one ``{"section",
            "correct", "incorrect"}`` dict per section with lists of ``(a, b, c, d)``
            questions, then a ``"Total accuracy"`` entry; each also has ``"skipped"``, the
            questions with an unknown word. It also has the counts by section.

        See Also
        --------
        wordvec.evaluate.evaluate_word_analogies : the same function.
        """
        from .evaluate import evaluate_word_analogies

        return evaluate_word_analogies(self, path, method=method, restrict_vocab=restrict_vocab)

    # -- files ------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the model directory atomically (see :func:`wordvec.storage.save_model`)."""
        from .model_writer import save_model

        save_model(self, path)

    # -- features ---------------------------------------------------------------------

    def document_vector(
        self, text: str, *, weighting: str = "mean", sif_a: float = 1e-3, normalize: bool = True
    ) -> np.ndarray:
        """The weighted average of the vectors of the words of ``text`` (zero if none is known).

        ``weighting`` is ``"mean"`` or ``"sif"``; idf and SIF's common component are
        learned from many documents by :class:`wordvec.features.DocumentVectorizer`.
        See :func:`wordvec.features.document_vector`.
        """
        from .features import document_vector

        return document_vector(self, text, weighting=weighting, sif_a=sif_a, normalize=normalize)

    def polarity(
        self, positive_seeds: str | Iterable[str], negative_seeds: str | Iterable[str], **options: Any
    ) -> dict[str, float]:
        """Standardised sentiment score of each word, positive nearer ``positive_seeds``.

        SentProp label propagation over the nearest-neighbour graph (Hamilton et al.
        2016) by default; ``options`` and the result are those of
        :func:`wordvec.polarity.polarity_scores`.
        """
        from .polarity import polarity_scores

        return polarity_scores(self, positive_seeds, negative_seeds, **options)


