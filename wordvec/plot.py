"""A 2-D map of words: the first two principal components of their vectors, drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .deprecation import renamed_keywords
from .errors import ParameterError, WordvecError
from .options import IMAGE_FORMATS
from .vectors import WordVectors

#: File types the map can be written as (matplotlib's names for them).
FORMATS = IMAGE_FORMATS


@dataclass(frozen=True)
class WordMap:
    """Words placed in the plane of the first two principal components of their vectors.

    Attributes
    ----------
    words : list of str
        The query words first, in the order given, then their neighbours not already listed.
    coordinates : ndarray of shape (n_words, 2)
        Each word's projection on the two components (its vector minus the mean of the
        words' vectors, dotted with each component).
    queries : ndarray of bool, shape (n_words,)
        True for the words asked for, False for the neighbours added.
    """

    words: list[str]
    coordinates: np.ndarray
    queries: np.ndarray


@renamed_keywords(vectors="model", neighbours="topn")
def word_map(model: WordVectors, words: Iterable[str], *, topn: int = 0) -> WordMap:
    """Place words, and optionally each one's nearest neighbours, on a plane by PCA.

    Parameters
    ----------
    model : WordVectors
        The word vectors.
    words : iterable of str
        Words to place: in the vocabulary, or composed from their character n-grams by a
        model that has them.
    topn : int, default 0
        Also place each word's ``topn`` nearest words (by cosine).

    Returns
    -------
    WordMap

    Raises
    ------
    ParameterError
        Fewer than two words in all, or ``topn`` negative.
    UnknownWordError
        A word is not in the vocabulary and no vector can be composed for it.

    Notes
    -----
    The components are the top two right singular vectors of the centred matrix of the
    placed words' unit vectors; each is signed so that its largest-magnitude entry is
    positive, so the same words always give the same picture.
    """
    queries = list(dict.fromkeys(words))
    if topn < 0:
        raise ParameterError(f"topn must be >= 0; got {topn}")
    query_vectors, _ = model.query_vectors(queries)  # composed from n-grams for words outside the vocabulary
    placed = list(queries)
    if topn:
        for found in model.nearest(queries, topn=topn):
            placed.extend(word for word, _ in found if word not in placed)
    if len(placed) < 2:
        raise ParameterError("a map needs at least two words; give more words or --topn")
    rows = [model.index(word) for word in placed[len(queries):]]
    matrix = np.vstack([query_vectors, model.unit_vectors[rows]]).astype(np.float64)
    centred = matrix - matrix.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    coordinates = centred @ components.T
    if coordinates.shape[1] < 2:  # two words: one component, the second axis is zero
        coordinates = np.column_stack([coordinates, np.zeros(len(coordinates))])
    is_query = np.arange(len(placed)) < len(queries)
    return WordMap(placed, coordinates, is_query)


@renamed_keywords(vectors="model", neighbours="topn")
def plot_words(model: WordVectors, words: Iterable[str], path: str | Path, *, topn: int = 0) -> WordMap:
    """Draw :func:`word_map` to an image file (``.png``, ``.svg`` or ``.pdf``), written atomically.

    Query words are drawn larger and bold, neighbours smaller and grey. Needs matplotlib,
    the ``[plot]`` extra; it is imported only here.

    Returns
    -------
    WordMap
        What was drawn (the labelled points are at ``coordinates``).

    Raises
    ------
    WordvecError
        matplotlib is not installed, the file type is not one of :data:`FORMATS`, or the
        file cannot be written.
    """
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ParameterError(f"cannot tell the image type of {str(path)!r}; end the name in .png, .svg or .pdf")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise WordvecError("wordvec plot needs matplotlib: pip install 'wordvec[plot]'") from None
    from .files import write_atomically

    placed = word_map(model, words, topn=topn)
    figure = Figure(figsize=(8, 6), dpi=120, layout="constrained")
    axes = figure.add_subplot()
    for is_query, colour, size, weight in ((False, "0.45", 9, "normal"), (True, "tab:blue", 12, "bold")):
        chosen = placed.queries == is_query
        axes.scatter(*placed.coordinates[chosen].T, s=18 if is_query else 10, color=colour)
        for word, (x, y) in zip(np.array(placed.words, dtype=object)[chosen], placed.coordinates[chosen]):
            axes.annotate(word, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=size, color=colour,
                          fontweight=weight)
    axes.set_xlabel("first principal component")
    axes.set_ylabel("second principal component")
    axes.margins(0.1)
    _fit_labels(figure, axes)
    write_atomically(path, lambda handle: figure.savefig(handle, format=kind))
    return placed


def _separate_labels(figure, axes, renderer) -> None:
    """Move each label that would overlap an earlier one up or down by a line, to the nearest free place."""
    figure.draw_without_rendering()
    placed = []
    for label in axes.texts:
        box = label.get_window_extent(renderer)
        step = box.height * 72 / figure.dpi  # one line, in the points of the label's offset
        x, y = label.xyann
        for shift in (0, 1, -1, 2, -2, 3, -3):
            moved = box.translated(0, shift * box.height)
            if not any(moved.overlaps(other) for other in placed):
                label.xyann = (x, y + shift * step)
                placed.append(moved)
                break
        else:  # no free place near: leave it where it was
            placed.append(box)


def _fit_labels(figure, axes) -> None:
    """Widen the axes' limits until every label lies inside them (a long word at the edge is not cut off)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    _separate_labels(figure, axes, renderer)
    for _ in range(3):  # the layout moves as the limits change: a few rounds settle it
        figure.draw_without_rendering()
        corners = np.concatenate([
            axes.transData.inverted().transform(label.get_window_extent(renderer).get_points())
            for label in axes.texts
        ])
        (x_low, y_low), (x_high, y_high) = corners.min(axis=0), corners.max(axis=0)
        (left, right), (bottom, top) = axes.get_xlim(), axes.get_ylim()
        if x_low >= left and x_high <= right and y_low >= bottom and y_high <= top:
            return
        pad_x, pad_y = 0.02 * (right - left), 0.02 * (top - bottom)
        axes.set_xlim(min(left, x_low - pad_x), max(right, x_high + pad_x))
        axes.set_ylim(min(bottom, y_low - pad_y), max(top, y_high + pad_y))
