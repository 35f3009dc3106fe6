"""Explain a similarity: the shared contexts that make two words close, from a model's kept corpus."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .deprecation import renamed_keywords
from .errors import ParameterError
from .options import DEFAULT_TOPN

if TYPE_CHECKING:
    from .vectors import WordVectors


@dataclass
class Explanation:
    """Why two words are close: their similarity and the contexts they share most.

    Attributes
    ----------
    word1, word2 : str
        The words, as found in the vocabulary.
    similarity : float
        Cosine similarity of their vectors.
    ppmi_cosine : float
        Cosine similarity of their PPMI rows, which the vectors approximate.
    contexts : list of (str, float, float, float)
        ``(context, product, ppmi1, ppmi2)``, largest ``product = ppmi1 * ppmi2`` first:
        the terms of the PPMI rows' dot product.
    share : float
        Fraction of that dot product that the listed contexts make up.
    """

    word1: str
    word2: str
    similarity: float
    ppmi_cosine: float
    contexts: list[tuple[str, float, float, float]]
    share: float


@renamed_keywords(model_path="model")
def explain(model: WordVectors | str | Path, word1: str, word2: str, *, topn: int = DEFAULT_TOPN) -> Explanation:
    """The contexts that contribute most to the similarity of ``word1`` and ``word2``.

    Parameters
    ----------
    model : WordVectors, str or path-like
        A model built keeping its corpus (``wordvec build --keep-corpus``), loaded from its
        directory (:func:`wordvec.load`), or that directory.
    word1, word2 : str
        Words of the vocabulary.
    topn : int, default 10
        Contexts to list.

    Returns
    -------
    Explanation

    Raises
    ------
    ModelError
        ``model`` is not a model directory (or loaded from one), the model keeps no corpus (rebuild it with
        ``--keep-corpus``), or its kept files or recorded parameters are corrupt.
    UnknownWordError
        A word is not in the vocabulary.

    Notes
    -----
    The PPMI matrix is recomputed from the kept corpus with the model's ``cds`` and ``neg``
    (its column sums need the whole matrix: a few seconds on a large model). The vectors
    are a low-rank factorisation of it, so contexts with large PPMI in both rows are what
    the vectors' closeness stands for.
    """
    from .incremental import model_with_directory
    from .storage import build_params, corpus_word_rows, load_count_matrix
    from .ppmi import ppmi

    if topn < 1:
        raise ParameterError(f"topn must be >= 1; got {topn}")
    if word1 is None or word2 is None:
        raise ParameterError("explain needs two words: explain(model, word1, word2)")
    model, model_path = model_with_directory(model, "explain")
    params = build_params(model, model_path)
    rows = [model.index(word1), model.index(word2)]
    words = corpus_word_rows(model)
    for row in rows:
        if row >= words:
            raise ParameterError(
                f"{model.words[row]!r} is a phrase the build added, with no row of its own in the kept corpus: "
                "explain compares words of the corpus"
            )
    matrix = load_count_matrix(model_path, words)
    weights = ppmi(matrix, cds=params.cds, neg=params.neg)[rows]
    first, second = weights[0].toarray().ravel().astype(np.float64), weights[1].toarray().ravel().astype(np.float64)
    products = first * second
    dot = float(products.sum())
    norms = float(np.linalg.norm(first) * np.linalg.norm(second))
    top = np.argsort(-products, kind="stable")[:topn]
    top = top[products[top] > 0]
    contexts = [(model.words[i], float(products[i]), float(first[i]), float(second[i])) for i in top.tolist()]
    return Explanation(
        model.words[rows[0]],
        model.words[rows[1]],
        model.similarity(word1, word2),
        dot / norms if norms > 0 else 0.0,
        contexts,
        float(products[top].sum()) / dot if dot > 0 else 0.0,
    )
