"""Compare two models: align their spaces and rank the words whose meaning differs, against sampling noise.

Two models built separately live in spaces rotated against each other (an SVD's axes are
defined only up to rotation), so their vectors are compared after :func:`align` or through
second-order similarities. :func:`compare` scores every word frequent enough in both
corpora and, for models built keeping their corpora, reports each score against the noise
of resampling: how far the word moves between two random halves of the same corpus
(Dubossarsky et al. 2017 showed that many reported changes were artefacts of frequency and
noise).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, ParameterError, UnknownWordError
from .options import CHANGE_MEASURES as MEASURES
from .options import DEFAULT_COMPARE_MIN_COUNT as DEFAULT_MIN_COUNT
from .options import DEFAULT_COMPARE_SKIP_FREQUENT as DEFAULT_SKIP_FREQUENT
from .options import DEFAULT_COMPARE_TOPN
from .options import NOISE_ADJUSTMENTS as ADJUSTMENTS
from .vectors import WordVectors

DEFAULT_MEASURE = MEASURES[0]
DEFAULT_ADJUSTMENT = ADJUSTMENTS[0]
#: How :func:`compare` factorises kept corpora: the singular values weight the dimensions (``eig`` 1, no context
#: vectors) and more power iterations, so that two factorisations of one corpus agree. In the build's
#: similarity view (``eig`` 0) the last dimensions weigh as much as the first, and two SVD seeds of the
#: same counts move a word as far as a real change (benchmarks/RESULTS.md, ``compare.py``).
COMPARISON_FIT = {"eig": 1.0, "add_context": False, "power_iterations": 8, "subwords": False, "analogy_view": False}
#: Neighbours per model in the second-order measure (Hamilton, Leskovec & Jurafsky 2016b use 25).
DEFAULT_NEIGHBOURHOOD = 25
#: Neighbours shown for each word of a comparison.
DEFAULT_SHOWN_NEIGHBOURS = 3
#: Words in one matrix product of the neighbourhood measure.
_BLOCK = 1024


# -- alignment ------------------------------------------------------------------------

#: Anchors as :func:`align` takes them: pairs, a file, or None for the shared frequent words.
_Anchors = Iterable[tuple[str, str]] | str | Path | None


def read_anchors(path: str | Path) -> list[tuple[str, str]]:
    """Anchor pairs from a text file: a line ``WORD`` (the same word in both models) or ``WORD_A WORD_B``.

    Blank lines and lines starting with ``#`` are skipped; fields are separated by
    whitespace.

    Raises
    ------
    ParameterError
        The file cannot be read, is not UTF-8, a line has more than two fields, or no line
        has a pair.
    """
    from .files import read_user_text, word_lines

    path = Path(path)
    pairs = []
    for number, fields in word_lines(read_user_text(path, "the anchors file")):
        if len(fields) > 2:
            raise ParameterError(
                f"{str(path)!r} line {number}: expected 'WORD' or 'WORD_IN_A WORD_IN_B', got {len(fields)} fields"
            )
        pairs.append((fields[0], fields[-1]))
    if not pairs:
        raise ParameterError(f"the anchors file {str(path)!r} has no anchor words")
    return pairs


@dataclass
class _Shared:
    """The words of both models: rows in each, and counts (None where a model has none)."""

    words: list[str]
    rows_a: np.ndarray
    rows_b: np.ndarray
    counts_a: np.ndarray | None
    counts_b: np.ndarray | None


def _check_pair(a: WordVectors, b: WordVectors, min_count: int) -> None:
    if a.dim != b.dim:
        raise ParameterError(
            f"the models have different dimensions ({a.dim} and {b.dim}): build them with the same --dim to compare them"
        )
    if min_count < 1:
        raise ParameterError(f"min_count must be >= 1; got {min_count}")


def _shared_words(a: WordVectors, b: WordVectors) -> _Shared:
    index_b = b.key_to_index
    words, rows_a, rows_b = [], [], []
    for row, word in enumerate(a.words):
        other = index_b.get(word)
        if other is not None:
            words.append(word)
            rows_a.append(row)
            rows_b.append(other)
    rows_a_array, rows_b_array = np.array(rows_a, dtype=np.int64), np.array(rows_b, dtype=np.int64)
    counts_a = None if a.counts is None else np.asarray(a.counts, dtype=np.int64)[rows_a_array]
    counts_b = None if b.counts is None else np.asarray(b.counts, dtype=np.int64)[rows_b_array]
    return _Shared(words, rows_a_array, rows_b_array, counts_a, counts_b)


def _floor(shared: _Shared, min_count: int) -> np.ndarray:
    """Which shared words occur at least ``min_count`` times in each corpus (all, where counts are unknown)."""
    keep = np.ones(len(shared.words), dtype=bool)
    for counts in (shared.counts_a, shared.counts_b):
        if counts is not None:
            keep &= counts >= min_count
    return keep


def _anchor_rows(
    a: WordVectors, b: WordVectors, anchors: _Anchors, min_count: int, shared: _Shared | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows in A and B of the anchor pairs, and how many pairs were left out for a word outside a vocabulary."""
    if anchors is None:
        shared = shared if shared is not None else _shared_words(a, b)
        if not shared.words:
            raise ParameterError("the models share no word: there is nothing to align or compare")
        frequent = _floor(shared, min_count)
        # Frequent words anchor best (their vectors are the least noisy); all shared words if too few are.
        if frequent.sum() < a.dim:
            return shared.rows_a, shared.rows_b, 0
        return shared.rows_a[frequent], shared.rows_b[frequent], 0
    pairs = read_anchors(anchors) if isinstance(anchors, (str, os.PathLike)) else list(anchors)
    rows = [(_row(a, first), _row(b, second)) for first, second in pairs]
    known = [(row_a, row_b) for row_a, row_b in rows if row_a is not None and row_b is not None]
    rows_a = np.array([row_a for row_a, _ in known], dtype=np.int64)
    rows_b = np.array([row_b for _, row_b in known], dtype=np.int64)
    return rows_a, rows_b, len(pairs) - len(known)


@dataclass
class _Gathered:
    """Unit vectors of the words searched (over the floor) and scored, in A and in B, gathered once for every measure.

    Measures score every row of ``scored_a``/``scored_b`` and answer ``pick`` of them: when
    the scored words are among the searched ones, those rows are the searched words'
    (copying 100,000 rows of 300 floats costs more than scoring a hundred more).
    """

    rows_a: np.ndarray
    rows_b: np.ndarray
    searched_a: np.ndarray
    searched_b: np.ndarray
    scored_a: np.ndarray
    scored_b: np.ndarray
    pick: np.ndarray


def _gather(a: WordVectors, b: WordVectors, shared: _Shared, searched: np.ndarray, scored: np.ndarray) -> _Gathered:
    def rows(model: WordVectors, positions: np.ndarray) -> np.ndarray:
        return np.asarray(model.unit_vectors[positions], dtype=np.float32)

    rows_a, rows_b = shared.rows_a[searched], shared.rows_b[searched]
    searched_a, searched_b = rows(a, rows_a), rows(b, rows_b)
    within = np.minimum(np.searchsorted(searched, scored), max(len(searched) - 1, 0))
    if len(searched) and np.array_equal(searched[within], scored):
        return _Gathered(rows_a, rows_b, searched_a, searched_b, searched_a, searched_b, within)
    scored_a, scored_b = rows(a, shared.rows_a[scored]), rows(b, shared.rows_b[scored])
    return _Gathered(rows_a, rows_b, searched_a, searched_b, scored_a, scored_b, np.arange(len(scored)))


def _rotation(
    a: WordVectors, b: WordVectors, anchors: _Anchors, min_count: int, shared: _Shared | None = None,
    gathered: _Gathered | None = None,
) -> tuple[np.ndarray, int, int]:
    """The orthogonal map of B's unit vectors onto A's over the anchors; the anchors used and left out."""
    from scipy.linalg import orthogonal_procrustes

    rows_a, rows_b, skipped = _anchor_rows(a, b, anchors, min_count, shared)
    if len(rows_a) < a.dim:
        raise ParameterError(
            f"{len(rows_a)} anchor words are in both vocabularies, fewer than the {a.dim} dimensions: "
            "the rotation is not determined; give more anchors or compare models of fewer dimensions"
        )
    if gathered is not None and np.array_equal(rows_a, gathered.rows_a) and np.array_equal(rows_b, gathered.rows_b):
        anchors_a, anchors_b = gathered.searched_a, gathered.searched_b  # the default anchors are the searched words
    else:
        anchors_a = np.asarray(a.unit_vectors[rows_a], dtype=np.float32)
        anchors_b = np.asarray(b.unit_vectors[rows_b], dtype=np.float32)
    # float32 is exact enough for a 300 x 300 SVD of a sum over anchors, and halves the time of the product.
    rotation, _ = orthogonal_procrustes(
        anchors_b, anchors_a,
        check_finite=False,
    )
    return rotation.astype(np.float32), len(rows_a), skipped


def _row(model: WordVectors, word: str) -> int | None:
    """The row of ``word`` as spelled, else as a query finds it (``King`` for ``king``), else None."""
    row = model.key_to_index.get(word)
    if row is None:
        spelling = model.vocabulary_word(word, default=None)
        row = None if spelling is None else model.key_to_index[spelling]
    return row


def align(
    a: WordVectors,
    b: WordVectors,
    anchors: _Anchors = None,
    *,
    min_count: int = DEFAULT_MIN_COUNT,
) -> WordVectors:
    """B's vectors rotated into A's space by orthogonal Procrustes over anchor words.

    Parameters
    ----------
    a, b : WordVectors
        The models, of the same dimension. B is rotated; A stays as it is.
    anchors : iterable of (word_in_a, word_in_b) pairs, or a path, optional
        Words whose vectors should coincide after the rotation. Default: the words of both
        vocabularies that occur at least ``min_count`` times in each corpus (every shared
        word if fewer than ``dim`` do). A file as :func:`read_anchors` reads it; pairs of
        different words map between vocabularies, e.g. between languages with a
        dictionary, as gensim's old ``TranslationMatrix`` did. Pairs with a word outside
        either vocabulary are left out (counted in ``skipped_anchors`` of the result).
    min_count : int, default 50
        The frequency floor of the default anchors.

    Returns
    -------
    WordVectors
        B's words and counts, with B's unit vectors times the rotation; ``rotation`` holds
        the ``dim x dim`` orthogonal matrix, and ``stats["alignment"]`` the number of
        anchor pairs used (``"anchors"``) and left out (``"skipped_anchors"``).

    Raises
    ------
    ParameterError
        The models differ in dimension, share no word, or fewer than ``dim`` anchor pairs
        are in both vocabularies (the rotation would not be determined).

    Notes
    -----
    With ``A_s`` and ``B_s`` the unit vectors of the anchors (one row per pair), the
    rotation is ``R = argmin ||B_s R - A_s||_F`` over orthogonal ``R``: ``R = U Vᵀ`` for
    the SVD ``B_sᵀ A_s = U Σ Vᵀ`` (Schönemann 1966), as HistWords aligns its decades
    (Hamilton, Leskovec & Jurafsky 2016a). A rotation keeps every cosine within B, so
    B's own neighbours are unchanged.

    References
    ----------
    Schönemann, "A generalized solution of the orthogonal Procrustes problem",
    Psychometrika 31, 1966. Hamilton, Leskovec & Jurafsky, "Diachronic word embeddings
    reveal statistical laws of semantic change", ACL 2016.

    Examples
    --------
    >>> import numpy as np
    >>> a = WordVectors(["x", "y", "z"], np.eye(3, dtype=np.float32))
    >>> b = WordVectors(["x", "y", "z"], np.eye(3, dtype=np.float32)[[1, 2, 0]])
    >>> bool(np.allclose(align(a, b, min_count=1).vectors, a.vectors))
    True
    """
    _check_pair(a, b, min_count)
    rotation, used, skipped = _rotation(a, b, anchors, min_count)
    aligned = WordVectors(b.words, np.asarray(b.unit_vectors, dtype=np.float32) @ rotation, b.counts, params=b.params, stats=b.stats)
    aligned.rotation = rotation
    aligned.stats["alignment"] = {"anchors": used, "skipped_anchors": skipped}
    return aligned


# -- change scores ------------------------------------------------------------------------


def _procrustes_scores(
    a: WordVectors, b: WordVectors, shared: _Shared, gathered: _Gathered, min_count: int, anchors: _Anchors
) -> np.ndarray:
    rotation, _, _ = _rotation(a, b, anchors, min_count, shared, gathered)
    moved = np.einsum("ij,ij->i", gathered.scored_a, gathered.scored_b @ rotation)[gathered.pick]
    return np.clip(1.0 - moved, 0.0, 2.0).astype(np.float64)


def _neighbourhood_scores(
    a: WordVectors, b: WordVectors, shared: _Shared, searched: np.ndarray, scored: np.ndarray, k: int,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """1 - cosine of a word's similarities to the union of its k nearest searched words in A and in B.

    ``searched`` (sorted) and ``scored`` are positions in ``shared``. Neighbours are
    searched among the words over the frequency floor only: their vectors are reliable in
    both models, and the search costs ``len(searched)`` products a word.
    """
    unit_a = np.asarray(a.unit_vectors[shared.rows_a[searched]], dtype=np.float32)
    unit_b = np.asarray(b.unit_vectors[shared.rows_b[searched]], dtype=np.float32)
    own = np.minimum(np.searchsorted(searched, scored), max(len(searched) - 1, 0))
    inside = (searched[own] == scored) if len(searched) else np.zeros(len(scored), dtype=bool)
    k = min(k, len(searched) - 1)
    scores = np.zeros(len(scored), dtype=np.float64)
    if k < 1:
        return scores
    for start in range(0, len(scored), _BLOCK):
        block = scored[start : start + _BLOCK]
        similar_a = np.asarray(a.unit_vectors[shared.rows_a[block]], dtype=np.float32) @ unit_a.T
        similar_b = np.asarray(b.unit_vectors[shared.rows_b[block]], dtype=np.float32) @ unit_b.T
        positions = np.flatnonzero(inside[start : start + _BLOCK])
        selves = own[start : start + _BLOCK][positions]
        union = []
        for similar in (similar_a, similar_b):
            ranked = similar.copy()
            ranked[positions, selves] = -np.inf  # a word is not its own neighbour
            union.append(np.argpartition(-ranked, k - 1, axis=1)[:, :k])
        members = np.sort(np.concatenate(union, axis=1), axis=1)
        repeated = np.zeros(members.shape, dtype=bool)
        repeated[:, 1:] = members[:, 1:] == members[:, :-1]  # a neighbour in both models counts once
        first = np.where(repeated, 0.0, np.take_along_axis(similar_a, members, axis=1)).astype(np.float64)
        second = np.where(repeated, 0.0, np.take_along_axis(similar_b, members, axis=1)).astype(np.float64)
        norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
        cosines = np.einsum("ij,ij->i", first, second) / np.where(norms > 0, norms, 1.0)
        scores[start : start + len(block)] = np.clip(1.0 - cosines, 0.0, 2.0)
        if progress is not None:
            progress(start + len(block), len(scored))
    return scores


def _profile_scores(gathered: _Gathered) -> np.ndarray:
    """1 - cosine of a word's similarities to every searched word in A and in B, through ``dim x dim`` products.

    With ``A_s``, ``B_s`` the searched words' unit vectors and ``a``, ``b`` the word's, the
    profiles are ``A_s a`` and ``B_s b``, and their cosine is
    ``aᵀ (A_sᵀ B_s) b / sqrt(aᵀ (A_sᵀ A_s) a · bᵀ (B_sᵀ B_s) b)``: no product of the
    vocabulary with itself is needed.
    """
    unit_a, unit_b = gathered.searched_a, gathered.searched_b
    cross, gram_a, gram_b = unit_a.T @ unit_b, unit_a.T @ unit_a, unit_b.T @ unit_b
    first, second = gathered.scored_a, gathered.scored_b
    together = np.einsum("ij,ij->i", first @ cross, second).astype(np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", first @ gram_a, first).astype(np.float64)
                    * np.einsum("ij,ij->i", second @ gram_b, second).astype(np.float64))
    return np.clip(1.0 - together / np.where(norms > 0, norms, 1.0), 0.0, 2.0)[gathered.pick]


def _scores(
    a: WordVectors, b: WordVectors, shared: _Shared, floor: np.ndarray, scored: np.ndarray, measure: str,
    neighbourhood: int, min_count: int, anchors: _Anchors, progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """The ``measure`` of the ``scored`` positions of ``shared``; ``floor``, the positions over the frequency floor.

    A word's profile and neighbours are searched among the words over the floor (the scored
    words themselves when none is), whatever is scored.
    """
    searched = floor if len(floor) else np.unique(scored)
    if measure == "neighbours":
        return _neighbourhood_scores(a, b, shared, searched, scored, neighbourhood, progress)
    gathered = _gather(a, b, shared, searched, scored)
    if measure == "procrustes":
        return _procrustes_scores(a, b, shared, gathered, min_count, anchors)
    profile = _profile_scores(gathered)
    if measure == "profile":
        return profile
    return np.sqrt(_procrustes_scores(a, b, shared, gathered, min_count, anchors) * profile)


def change_scores(
    a: WordVectors,
    b: WordVectors,
    words: Sequence[str] | None = None,
    *,
    measure: str = DEFAULT_MEASURE,
    neighbourhood: int = DEFAULT_NEIGHBOURHOOD,
    min_count: int = DEFAULT_MIN_COUNT,
    anchors: _Anchors = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, float]:
    """The raw change score of words of both models, without a noise baseline (see :func:`compare`).

    ``words`` defaults to the words of both vocabularies over the frequency floor
    ``min_count``; given words outside either vocabulary are left out of the answer.
    """
    _check_measure(measure, neighbourhood)
    _check_pair(a, b, min_count)
    shared = _shared_words(a, b)
    floor = np.flatnonzero(_floor(shared, min_count))
    if words is None:
        scored = floor
    else:
        position = {word: number for number, word in enumerate(shared.words)}
        scored = np.array(sorted({position[word] for word in words if word in position}), dtype=np.int64)
    scores = _scores(a, b, shared, floor, scored, measure, neighbourhood, min_count, anchors, progress)
    return dict(zip((shared.words[i] for i in scored), scores.tolist()))


def _check_measure(measure: str, neighbourhood: int) -> None:
    if measure not in MEASURES:
        raise ParameterError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}")
    if neighbourhood < 1:
        raise ParameterError(f"the neighbourhood must be >= 1; got {neighbourhood}")


# -- the comparison fit and the noise baseline -------------------------------------------------------


def keeps_corpus(model: WordVectors) -> bool:
    """Whether ``model`` was loaded from a directory that keeps its corpus (built with ``--keep-corpus``)."""
    from .model_writer import IDS_FILE

    return model.path is not None and (Path(model.path) / IDS_FILE).is_file()


def default_cache_dir() -> Path:
    """Where comparison fits are cached: ``$WORDVEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/wordvec``, else ``~/.cache/wordvec``."""
    if os.environ.get("WORDVEC_CACHE_DIR"):
        return Path(os.environ["WORDVEC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wordvec"


def _cache_entry(model: WordVectors, seed: int, cache_dir: str | Path | None) -> Path:
    """The cache directory of a model's comparison fits: named by a digest of its parameters, kept corpus and the fit."""
    from . import __version__
    from .model_writer import IDS_FILE, META_FILE

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__} seed={seed} {sorted(COMPARISON_FIT.items())}\n".encode())
    for name in (META_FILE, IDS_FILE):
        with open(Path(model.path) / name, "rb") as handle:  # type: ignore[arg-type]
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                digest.update(chunk)
    return Path(cache_dir if cache_dir is not None else default_cache_dir()) / "compare" / digest.hexdigest()


def _cached(path: Path, make: Callable[[], WordVectors]) -> WordVectors:
    """The model saved at ``path``, else ``make()`` saved there (a damaged entry is made again)."""
    from .model_writer import save_model
    from .storage import load_model

    try:
        return load_model(path)
    except ModelError:
        pass  # not cached yet, or damaged
    model = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_model(model, path)
    except (OSError, ModelError, ParameterError):
        pass  # an unwritable cache costs the next comparison a rebuild, not this one its answer
    return model


def _require_kept(model: WordVectors, name: str = "the model") -> None:
    if not keeps_corpus(model):
        raise ModelError(
            f"{name} keeps no corpus: the comparison fit and the noise baseline need models built with "
            "--keep-corpus (and loaded from their directories)"
        )


def comparison_fit(
    model: WordVectors, *, seed: int = 0, cache_dir: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> WordVectors:
    """A model's kept counts factorised again for comparison (:data:`COMPARISON_FIT`), built once and cached.

    Raises
    ------
    ModelError
        The model keeps no corpus, or its kept files are corrupt.
    """
    from .incremental import refit_kept_counts

    _require_kept(model)
    return _cached(_cache_entry(model, seed, cache_dir) / "whole",
                   lambda: refit_kept_counts(model, progress=progress, **COMPARISON_FIT))


def split_half_models(
    model: WordVectors, *, seed: int = 0, cache_dir: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[WordVectors, WordVectors]:
    """Comparison fits (:data:`COMPARISON_FIT`) of two random halves of a model's kept corpus, built once and cached.

    How far a word moves between them is how far it moves by chance when its corpus is
    sampled again (:func:`wordvec.incremental.build_split_halves`). They are saved under
    ``cache_dir`` (default :func:`default_cache_dir`), in a directory named by a digest of
    the model's parameters and corpus ids, so a second comparison loads them; a damaged
    entry is built again.

    Raises
    ------
    ModelError
        The model keeps no corpus, or its kept files are corrupt.
    """
    from .incremental import build_split_halves

    _require_kept(model)
    entry = _cache_entry(model, seed, cache_dir)
    halves: list[WordVectors] = []

    def build(number: int) -> WordVectors:
        if not halves:
            halves.extend(build_split_halves(model, seed=seed, progress=progress, **COMPARISON_FIT))
        return halves[number]

    return _cached(entry / "first", lambda: build(0)), _cached(entry / "second", lambda: build(1))


def _window_statistics(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the finite ``values`` in a window of ``window`` positions around each."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    sums = np.concatenate([[0.0], np.cumsum(filled)])
    squares = np.concatenate([[0.0], np.cumsum(filled * filled)])
    numbers = np.concatenate([[0], np.cumsum(finite)])
    positions = np.arange(len(values))
    low = np.clip(positions - window // 2, 0, max(len(values) - window, 0))
    high = np.minimum(low + window, len(values))
    count = np.maximum(numbers[high] - numbers[low], 1)
    mean = (sums[high] - sums[low]) / count
    variance = np.maximum((squares[high] - squares[low]) / count - mean * mean, 0.0)
    return mean, np.sqrt(variance)


#: Words of nearby frequency whose noise stands in for a word's own where a half lacks it, and sets the z-score.
NOISE_WINDOW = 200


def adjusted_scores(
    scores: np.ndarray, noise: np.ndarray, frequency: np.ndarray, adjustment: str = DEFAULT_ADJUSTMENT
) -> np.ndarray:
    """Change scores set against split-half noise.

    Parameters
    ----------
    scores : ndarray
        Each word's change score between the two models.
    noise : ndarray
        Each word's score between the halves of its corpora (NaN where a half lacks it).
    frequency : ndarray
        Each word's count (the smaller of its two corpora), which orders the words for the
        noise of words of similar frequency.
    adjustment : {"ratio", "zscore", "difference", "none"}
        ``ratio``: ``score / noise``, how many times its own noise the word moved;
        ``difference``: ``score - noise``; with μ, the mean noise of the ``NOISE_WINDOW``
        words nearest in frequency, for a word a half lacks. ``zscore``:
        ``(score - μ) / σ`` with μ and σ the mean and standard deviation of that window's
        noise. ``none``: the scores as they are.
    """
    if adjustment not in ADJUSTMENTS:
        raise ParameterError(f"adjustment must be one of {', '.join(ADJUSTMENTS)}; got {adjustment!r}")
    if adjustment == "none":
        return scores.astype(np.float64)
    order = np.argsort(frequency, kind="stable")
    mean, spread = np.empty(len(scores)), np.empty(len(scores))
    mean[order], spread[order] = _window_statistics(noise[order].astype(np.float64), NOISE_WINDOW)
    own = np.where(np.isfinite(noise), noise, mean)
    if adjustment == "zscore":
        return (scores - mean) / np.maximum(spread, 1e-9)
    if adjustment == "ratio":
        return scores / np.maximum(own, 1e-9)
    return scores - own


# -- comparisons --------------------------------------------------------------------------


@dataclass
class WordChange:
    """How one word differs between two models.

    Attributes
    ----------
    word : str
    score : float
        The raw change score: 0 for a word unchanged, up to 2.
    adjusted : float or None
        The score set against the noise baseline (None without one).
    noise : float or None
        The word's score between the halves of each corpus, averaged over the two (None
        without a baseline, or if the halves lack the word).
    count_a, count_b : int or None
        The word's count in each corpus (None for vectors without counts).
    neighbours_a, neighbours_b : list of str
        Its nearest words in each model.
    """

    word: str
    score: float
    adjusted: float | None
    noise: float | None
    count_a: int | None
    count_b: int | None
    neighbours_a: list[str] = field(default_factory=list)
    neighbours_b: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict (JSON- and pandas-ready)."""
        return asdict(self)


@dataclass
class Comparison(Sequence[WordChange]):
    """The words that differ most between two models, most changed first.

    Attributes
    ----------
    changes : list of WordChange
    measure : str
        The change score (one of :data:`MEASURES`).
    adjustment : str
        How the scores were set against noise; ``"none"`` if the ranking is by the raw score.
    refitted : bool
        The scores were computed on the comparison fits of the kept corpora
        (:data:`COMPARISON_FIT`), not on the models' own vectors.
    compared : int
        The words ranked: over the frequency floor in both models, and not among the most
        frequent left out.
    identical : bool
        Every compared word has the same vector in both models (all scores 0).
    """

    changes: list[WordChange]
    measure: str
    adjustment: str
    refitted: bool
    compared: int
    identical: bool

    def __getitem__(self, index):  # type: ignore[override]
        return self.changes[index]

    def __len__(self) -> int:
        return len(self.changes)

    def __iter__(self) -> Iterator[WordChange]:
        return iter(self.changes)

    @property
    def noise_adjusted(self) -> bool:
        return self.adjustment != "none"

    def to_dicts(self) -> list[dict[str, Any]]:
        """The records as a list of dicts (``pandas.DataFrame(comparison.to_dicts())``)."""
        return [change.to_dict() for change in self.changes]


def compare(
    a: WordVectors,
    b: WordVectors,
    *,
    topn: int | None = DEFAULT_COMPARE_TOPN,
    words: Sequence[str] | None = None,
    measure: str = DEFAULT_MEASURE,
    adjustment: str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    skip_frequent: int = DEFAULT_SKIP_FREQUENT,
    anchors: _Anchors = None,
    neighbourhood: int = DEFAULT_NEIGHBOURHOOD,
    shown_neighbours: int = DEFAULT_SHOWN_NEIGHBOURS,
    seed: int = 0,
    cache_dir: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """The words whose meaning differs most between the corpora of two models.

    Parameters
    ----------
    a, b : WordVectors
        The models, of the same dimension, best built with the same parameters.
    topn : int or None, default 20
        How many words to return, most changed first; None for every compared word.
    words : sequence of str, optional
        Score these words instead (each must be in both vocabularies), in this order.
    measure : {"combined", "procrustes", "profile", "neighbours"}, default "combined"
        ``procrustes``: the cosine distance between the word's vector in A and its vector
        in B after :func:`align` (Hamilton, Leskovec & Jurafsky 2016a). ``profile``: the
        cosine distance between the word's similarities, in A and in B, to every word over
        the frequency floor (a second-order measure that needs no alignment, computed
        through ``dim x dim`` products). ``neighbours``: the same restricted to the union
        of its ``neighbourhood`` nearest words in each model (Hamilton et al.'s "local
        neighbourhood" measure, 2016b), which costs a product of the compared words with
        every word over the floor. ``combined``: the geometric mean of ``procrustes`` and
        ``profile``, which found the most planted changes (benchmarks/RESULTS.md).
    adjustment : {"ratio", "zscore", "difference", "none"}, optional
        How a score is set against the noise of resampling (:func:`adjusted_scores`).
        Default ``"ratio"`` when both models keep their corpus (built with
        ``--keep-corpus``, loaded from their directories), else ``"none"``. A word's noise
        is its score between fits of two random halves of its corpus
        (:func:`split_half_models`), averaged over the two corpora.
    min_count : int, default 50
        The frequency floor: only words at least this frequent in both corpora are ranked
        (rare words move most by chance); they are also the default anchors and the
        words the ``neighbours`` measure searches.
    skip_frequent : int, default 100
        Leave the ``skip_frequent`` most frequent words of each corpus out of the ranking
        (they still anchor the alignment and serve as neighbours): mostly function words,
        whose use differs between any two genres (Shakespeare's *to*, *her*, *is* against
        Austen's) and says little. 0 ranks them too.
    anchors : optional
        Anchor pairs for the alignment, as for :func:`align`.
    neighbourhood : int, default 25
        The ``k`` of the ``neighbours`` measure.
    shown_neighbours : int, default 3
        Nearest words listed for each returned word in each model (its own vectors).
    seed : int, default 0
        Chooses the lines of the split halves.
    cache_dir : path, optional
        Where comparison fits are cached (:func:`default_cache_dir`).
    progress : callable, optional
        ``progress(stage, done, total)``, for the fits and the scores.

    Returns
    -------
    Comparison

    Raises
    ------
    ParameterError
        The models differ in dimension, share no word (or none over the floor), too few
        anchors, or a parameter is out of range.
    UnknownWordError
        A word of ``words`` is outside a vocabulary.
    ModelError
        ``adjustment`` asks for noise and a model keeps no corpus.

    Notes
    -----
    Models that both keep their corpus are compared on fits made for comparison
    (:func:`comparison_fit`): the same counts factorised with the singular values
    weighting the dimensions. In the build's similarity view the last dimensions carry
    as much weight as the first, and two SVDs of the same counts place a word as far
    apart as a real change does.

    References
    ----------
    Hamilton, Leskovec & Jurafsky, "Diachronic word embeddings reveal statistical laws of
    semantic change", ACL 2016; "Cultural shift or linguistic drift? Comparing two
    computational measures of semantic change", EMNLP 2016. Dubossarsky, Weinshall &
    Grossman, "Outta control: laws of semantic change and inherent biases in word
    representation models", EMNLP 2017.
    """
    _check_measure(measure, neighbourhood)
    _check_pair(a, b, min_count)
    if topn is not None and topn < 1:
        raise ParameterError(f"topn must be >= 1; got {topn}")
    if shown_neighbours < 0:
        raise ParameterError(f"shown_neighbours must be >= 0; got {shown_neighbours}")
    if skip_frequent < 0:
        raise ParameterError(f"skip_frequent must be >= 0; got {skip_frequent}")
    kept = keeps_corpus(a) and keeps_corpus(b)
    if adjustment is None:
        adjustment = DEFAULT_ADJUSTMENT if kept else "none"
    elif adjustment not in ADJUSTMENTS:
        raise ParameterError(f"adjustment must be one of {', '.join(ADJUSTMENTS)}; got {adjustment!r}")
    elif adjustment != "none":
        _require_kept(a, "model A")
        _require_kept(b, "model B")
    if words is not None:
        words = [_spelling_in_both(a, b, word) for word in words]
    space_a, space_b = a, b
    if kept:
        space_a, space_b = (comparison_fit(model, seed=seed, cache_dir=cache_dir, progress=progress) for model in (a, b))
    shared = _shared_words(space_a, space_b)
    if not shared.words:
        raise ParameterError("the models share no word: there is nothing to compare")
    floor = np.flatnonzero(_floor(shared, min_count))
    if words is None:
        # Rows are in frequency order in both models: a row below skip_frequent is among the most frequent words.
        scored = floor[(shared.rows_a[floor] >= skip_frequent) & (shared.rows_b[floor] >= skip_frequent)]
        if not len(scored):
            outside = f" outside the {skip_frequent} most frequent" if skip_frequent else ""
            raise ParameterError(
                f"no shared word occurs {min_count} times in both corpora{outside}: lower min_count"
                + (" or skip_frequent" if skip_frequent else "")
            )
    else:
        position = {word: number for number, word in enumerate(shared.words)}
        scored = np.array([position[word] for word in words], dtype=np.int64)
    scores = _scores(space_a, space_b, shared, floor, scored, measure, neighbourhood, min_count, anchors,
                     None if progress is None else (lambda done, total: progress("compare", done, total)))
    scored_words = [shared.words[i] for i in scored]
    noise = np.full(len(scored), np.nan)
    if adjustment != "none":
        noise = _noise((a, b), scored_words, measure, neighbourhood, min_count, seed, cache_dir, progress)
    known_counts = [counts[scored] for counts in (shared.counts_a, shared.counts_b) if counts is not None]
    frequency = np.minimum.reduce(known_counts) if known_counts else np.zeros(len(scored))
    ranking = adjusted_scores(scores, noise, frequency, adjustment)
    if words is None:
        # Ties (as in a comparison of a model with itself) keep frequency order.
        order = np.argsort(-ranking, kind="stable")[: topn if topn is not None else len(scored)]
    else:
        order = np.arange(len(scored))
    changes = [
        WordChange(
            word=scored_words[i],
            score=float(scores[i]),
            adjusted=float(ranking[i]) if adjustment != "none" else None,
            noise=float(noise[i]) if np.isfinite(noise[i]) else None,
            count_a=None if shared.counts_a is None else int(shared.counts_a[scored[i]]),
            count_b=None if shared.counts_b is None else int(shared.counts_b[scored[i]]),
        )
        for i in order
    ]
    if shown_neighbours:
        for model, side in ((a, "neighbours_a"), (b, "neighbours_b")):
            found = model.nearest([change.word for change in changes], topn=shown_neighbours)
            for change, neighbours in zip(changes, found):
                setattr(change, side, [word for word, _ in neighbours])
    identical = bool(np.all(scores <= 1e-6))
    return Comparison(changes, measure, adjustment, kept, len(scored) if words is None else len(floor), identical)


def _spelling_in_both(a: WordVectors, b: WordVectors, word: str) -> str:
    """A query word as both vocabularies spell it, or an UnknownWordError naming the model that lacks it."""
    for name, model in (("A", a), ("B", b)):
        if model.vocabulary_word(word, default=None) is None:
            raise UnknownWordError(word, model.suggest(word), reason=f"of model {name}, so it cannot be compared")
    return a.vocabulary_word(word)


def _noise(
    models: tuple[WordVectors, WordVectors], words: list[str], measure: str, neighbourhood: int,
    min_count: int, seed: int, cache_dir: str | Path | None, progress: Callable[[str, int, int], None] | None,
) -> np.ndarray:
    """Each word's score between the split halves of each corpus, averaged (NaN if no pair of halves has it)."""
    total = np.zeros(len(words))
    found = np.zeros(len(words))
    for model in models:
        first, second = split_half_models(model, seed=seed, cache_dir=cache_dir, progress=progress)
        # Each half has about half the counts: its floor is half the comparison's.
        half_floor = max(1, min_count // 2)
        half_scores = change_scores(first, second, words, measure=measure, neighbourhood=neighbourhood, min_count=half_floor)
        values = np.array([half_scores.get(word, np.nan) for word in words])
        known = np.isfinite(values)
        total[known] += values[known]
        found[known] += 1
    return np.where(found > 0, total / np.maximum(found, 1), np.nan)


@dataclass
class WordDifference:
    """One word in two models: how much it changed, its neighbours in each, which were lost and gained.

    Attributes
    ----------
    change : WordChange
        Its scores and counts, as :func:`compare` ranks it.
    neighbours_a, neighbours_b : list of (str, float)
        Its nearest words in each model, with cosines.
    lost : list of str
        Neighbours in A that are not among its neighbours in B.
    gained : list of str
        Neighbours in B that are not among its neighbours in A.
    """

    change: WordChange
    neighbours_a: list[tuple[str, float]]
    neighbours_b: list[tuple[str, float]]
    lost: list[str]
    gained: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict: the change's fields, then the neighbours with their cosines."""
        record = self.change.to_dict()
        record.update(neighbours_a=self.neighbours_a, neighbours_b=self.neighbours_b, lost=self.lost, gained=self.gained)
        return record


def explain_changes(
    a: WordVectors, b: WordVectors, words: Sequence[str], *, topn: int = 10, **options: Any
) -> list[WordDifference]:
    """How each of ``words`` differs between two models: its scores, and its ``topn`` neighbours in each.

    ``options`` are those of :func:`compare` (measure, adjustment, min_count, anchors,
    cache_dir...), so the scores are the ones its ranking shows.

    Raises
    ------
    UnknownWordError
        A word is outside either vocabulary (the message says which).
    """
    result = compare(a, b, words=list(words), shown_neighbours=0, **options)
    differences = []
    for change in result:
        neighbours_a, neighbours_b = a.most_similar(change.word, topn=topn), b.most_similar(change.word, topn=topn)
        words_a, words_b = [w for w, _ in neighbours_a], [w for w, _ in neighbours_b]
        change.neighbours_a, change.neighbours_b = words_a[:DEFAULT_SHOWN_NEIGHBOURS], words_b[:DEFAULT_SHOWN_NEIGHBOURS]
        differences.append(WordDifference(change, neighbours_a, neighbours_b, *lost_and_gained(words_a, words_b)))
    return differences


def lost_and_gained(neighbours_a: Sequence[str], neighbours_b: Sequence[str]) -> tuple[list[str], list[str]]:
    """A's neighbours that B lacks, and B's that A lacks, each in its own order."""
    in_a, in_b = set(neighbours_a), set(neighbours_b)
    return [word for word in neighbours_a if word not in in_b], [word for word in neighbours_b if word not in in_a]
