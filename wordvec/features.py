"""Documents as fixed-length vectors (mean, tf-idf or SIF averages of word vectors), a scikit-learn transformer."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator
from itertools import chain, compress, islice, repeat
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from .arrays import unit_rows
from .deprecation import renamed_keywords, warn_renamed
from .errors import NotFittedError, ParameterError
from .options import DEFAULT_DOCUMENT_WEIGHTING, DOCUMENT_WEIGHTINGS
from .tokenize import get_tokenizer

if TYPE_CHECKING:
    # In annotations only: WordVectors.document_vector imports this module.
    from .vectors import WordVectors

#: The ways a document's words are weighted, in the order the docs list them.
WEIGHTINGS = DOCUMENT_WEIGHTINGS

#: Documents tokenized and counted together: large enough for vectorised counting,
#: small enough that the token lists of a batch stay a few MB.
_DOCUMENTS_PER_BATCH = 8192

#: Rows of the document matrix per block of its Gram matrix (bounds the float64 copy).
_GRAM_BLOCK = 65536


class DocumentVectorizer:
    """Turn documents into the weighted average of their word vectors, a scikit-learn transformer.

    Each document is tokenized as the model's corpus was (with its phrases joined, for a
    model built with phrases), its words outside the
    vocabulary are dropped (a model with character n-grams composes their vectors
    instead, weighted as words never seen in ``fit``: 1 for the mean and SIF, the largest
    idf for tf-idf), and the vectors of the rest are averaged with a weight per word; then the projection on the first principal components of the training
    documents may be removed and the rows scaled to unit length. scikit-learn is not
    needed, but the class follows its conventions (constructor stores parameters,
    ``fit`` learns, learned state ends in ``_``), so it drops into
    ``sklearn.pipeline.make_pipeline(DocumentVectorizer(model), LogisticRegression())``,
    ``cross_val_score``, ``GridSearchCV`` and ``clone``.

    Parameters
    ----------
    model : WordVectors
        The word vectors, used as stored (unit length for wordvec models). They are
        shared, never copied or modified.
    weighting : {"sif", "mean", "tfidf"}, default "sif"
        Weight of each occurrence of a word: ``"mean"`` 1; ``"tfidf"`` its idf learned in
        ``fit``, averaged over the sum of the weights; ``"sif"`` the smooth inverse
        frequency ``sif_a / (sif_a + p(w))`` of Arora et al. (2017), with ``p(w)`` the
        word's relative frequency in the model's corpus counts. The default: on Rotten
        Tomatoes snippets it was the best of the three alone (by 0.1 points, within
        noise) and added 1.1 points of accuracy to a bag of words
        (benchmarks/RESULTS.md).
    sif_a : float, default 1e-3
        The SIF smoothing constant ``a``: words much more frequent than ``a`` are weighted
        down. Arora et al. found 1e-4 to 1e-3 best.
    remove_components : int, default 1
        Number of principal components of the training documents whose projection is
        removed from every document vector, whatever the weighting (the second step of
        SIF: the first component carries what all documents share, such as frequent
        function words and syntax). 0 keeps the plain weighted averages. More can take
        away what a task needs: on sentiment, a second component cost about 2 points.
    normalize : bool, default True
        Scale each document vector to unit length (documents without a known word stay
        zero), so that a linear classifier sees directions, not document lengths.

    Attributes
    ----------
    word_weights_ : ndarray of shape (n_words,)
        The weight of each vocabulary word (ones, idf or SIF weights).
    idf_ : ndarray of shape (n_words,) or None
        Smooth inverse document frequency of each vocabulary word in the training
        documents, ``ln((1 + n) / (1 + df(w))) + 1`` as in scikit-learn's
        ``TfidfVectorizer``; None unless ``weighting="tfidf"``.
    components_ : ndarray of shape (remove_components, dim)
        The principal directions removed, strongest first.
    n_empty_ : int
        Documents without a known word in the last ``transform`` or ``fit_transform``
        (each gave a zero vector).

    Raises
    ------
    ParameterError
        From ``fit``: a parameter is out of range, or ``weighting="sif"`` with a model
        that has no corpus counts.

    See Also
    --------
    WordVectors.document_vector : the weighted average of one text.

    Notes
    -----
    With :math:`c_{dw}` the count of word :math:`w` in document :math:`d`, :math:`K_d`
    its words in the vocabulary and :math:`v_w` the word vectors, a document vector is

    .. math::

        u_d = \\frac{\\sum_{w \\in K_d} c_{dw}\\, \\omega_w v_w}{Z_d},\\qquad
        \\omega_w^{\\text{sif}} = \\frac{a}{a + p(w)},\\qquad
        \\omega_w^{\\text{tfidf}} = \\ln\\frac{1 + n}{1 + \\mathrm{df}(w)} + 1,

    with :math:`Z_d` the number of known tokens (mean, sif) or :math:`\\sum c_{dw}\\omega_w`
    (tfidf). ``fit`` takes the top right singular vectors :math:`U` of the uncentered
    training matrix (as in the paper, from its exact Gram matrix, so no seed is
    involved) and every document becomes :math:`u_d - U^\\top U u_d`, then
    :math:`u_d / \\lVert u_d \\rVert`. All documents of a batch are counted into one
    sparse documents x vocabulary matrix and multiplied with the vectors at once.

    ``sklearn.base.clone`` gives an unfitted copy that shares ``model`` rather than
    deep-copying the whole model for every fold of a cross-validation.

    References
    ----------
    Arora, S., Liang, Y. & Ma, T. (2017). A Simple but Tough-to-Beat Baseline for
    Sentence Embeddings. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from wordvec import WordVectors
    >>> model = WordVectors(["the", "good", "bad"], np.eye(3), np.array([50, 5, 5]))
    >>> vectorizer = DocumentVectorizer(model, weighting="mean", remove_components=0)
    >>> vectorizer.fit_transform(["good", "the bad", "unknown words"]).round(3)
    array([[0.   , 1.   , 0.   ],
           [0.707, 0.   , 0.707],
           [0.   , 0.   , 0.   ]])
    >>> vectorizer.n_empty_
    1
    """

    @renamed_keywords(vectors="model")
    def __init__(
        self,
        model: WordVectors,
        *,
        weighting: str = DEFAULT_DOCUMENT_WEIGHTING,
        sif_a: float = 1e-3,
        remove_components: int = 1,
        normalize: bool = True,
    ) -> None:
        self.model = model
        self.weighting = weighting
        self.sif_a = sif_a
        self.remove_components = remove_components
        self.normalize = normalize

    # -- scikit-learn's estimator protocol --------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters by name (``deep`` is for scikit-learn: no parameter is an estimator)."""
        return {name: getattr(self, name) for name in _PARAMETER_NAMES}

    @renamed_keywords(vectors="model")
    def set_params(self, **params: Any) -> DocumentVectorizer:
        """Set constructor parameters by name; returns the vectorizer."""
        for name, value in params.items():
            if name not in _PARAMETER_NAMES:
                valid = ", ".join(_PARAMETER_NAMES)
                raise ParameterError(f"invalid parameter {name!r} for DocumentVectorizer; valid ones: {valid}")
            setattr(self, name, value)
        return self

    def __sklearn_clone__(self) -> DocumentVectorizer:
        # The model is read-only here, so a clone shares it instead of deep-copying
        # hundreds of MB for every fold.
        return type(self)(**self.get_params(deep=False))

    def __repr__(self) -> str:
        changed = [
            f"{name}={getattr(self, name)!r}" for name in _PARAMETER_NAMES[1:] if getattr(self, name) != _DEFAULTS[name]
        ]
        return f"DocumentVectorizer({', '.join([repr(self.model), *changed])})"

    @property
    def vectors(self) -> WordVectors:
        """The old name of :attr:`model`, kept for one release."""
        warn_renamed("DocumentVectorizer.vectors", "DocumentVectorizer.model", stacklevel=2)
        return self.model

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names ``wordvec0`` to ``wordvec{dim-1}`` (``input_features`` is ignored: text has none)."""
        return np.asarray([f"wordvec{i}" for i in range(self.model.dim)], dtype=object)

    # -- fitting and transforming -----------------------------------------------------

    def fit(self, X: Iterable[str], y: Any = None) -> DocumentVectorizer:
        """Learn the idf (``weighting="tfidf"``) and the common components from documents.

        Parameters
        ----------
        X : iterable of str
            Training documents.
        y : ignored
            Accepted for pipelines.

        Returns
        -------
        DocumentVectorizer
            The fitted vectorizer.
        """
        self._fit(X)
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None) -> np.ndarray:
        """``fit(X).transform(X)``, tokenizing and averaging ``X`` only once."""
        return self._finish(*self._fit(X))

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """The vector of each document.

        Parameters
        ----------
        X : iterable of str
            Documents, tokenized as the model's corpus was.

        Returns
        -------
        ndarray of shape (n_documents, dim)
            One row per document, float32 (float64 for float64 word vectors). A document
            without a known word is a row of zeros, counted in ``n_empty_``.

        Raises
        ------
        NotFittedError
            ``fit`` has not been called.
        """
        if not hasattr(self, "components_"):
            raise NotFittedError("this DocumentVectorizer is not fitted yet; call fit or fit_transform first")
        counts = self._count_words(X)
        return self._finish(self._average(counts), counts)

    # -- the steps --------------------------------------------------------------------

    def _fit(self, documents: Iterable[str]) -> tuple[np.ndarray, _WordCounts]:
        """Learn ``word_weights_``, ``idf_`` and ``components_``; return the averages and word counts."""
        self._check_parameters()
        counts = self._count_words(documents)
        self.idf_ = None
        if self.weighting == "mean":
            self.word_weights_ = np.ones(len(self.model))
        elif self.weighting == "tfidf":
            document_frequency = np.bincount(counts.known.indices, minlength=len(self.model))
            self.idf_ = np.log((1 + counts.known.shape[0]) / (1 + document_frequency)) + 1
            self.word_weights_ = self.idf_
        else:
            self.word_weights_ = sif_weights(self.model, self.sif_a)
        averages = self._average(counts)
        self.components_ = _top_components(averages, self.remove_components)
        return averages, counts

    def _check_parameters(self) -> None:
        if not _is_word_vectors(self.model):
            raise ParameterError(f"model must be a WordVectors; got {type(self.model).__name__}")
        if self.weighting not in WEIGHTINGS:
            raise ParameterError(f"weighting must be one of {', '.join(map(repr, WEIGHTINGS))}; got {self.weighting!r}")
        if isinstance(self.sif_a, bool) or not (isinstance(self.sif_a, numbers.Real) and 0 < self.sif_a < np.inf):
            raise ParameterError(f"sif_a must be a positive number; got {self.sif_a!r}")
        components, dim = self.remove_components, self.model.dim
        if isinstance(components, bool) or not isinstance(components, numbers.Integral) or not 0 <= components < dim:
            raise ParameterError(
                f"remove_components must be an integer from 0 to {dim - 1} (fewer than the {dim} dimensions); "
                f"got {components!r}"
            )
        if not isinstance(self.normalize, (bool, np.bool_)):
            raise ParameterError(f"normalize must be True or False; got {self.normalize!r}")

    def _count_words(self, documents: Iterable[str]) -> _WordCounts:
        """Documents x vocabulary word counts, and those of the words outside it that the model can compose."""
        if isinstance(documents, (str, bytes)):
            raise ParameterError(
                "expected an iterable of documents (strings), got a single string; wrap one document in a list"
            )
        tokenize = get_tokenizer(self.model.params.get("tokenizer", "regex")).tokenize
        phrases = getattr(self.model, "phrases", None)
        if phrases is not None and phrases.layers:  # joined as the model's corpus was: "new york" is new_york
            plain_tokenize = tokenize

            def tokenize(text: str) -> list[str]:
                return phrases.apply(plain_tokenize(text))
        row_of_word = self.model.key_to_index.get
        vocabulary = len(self.model)
        composes = self.model.subwords is not None
        blocks, unseen_blocks, unseen_column = [], [], {}
        for first, batch in _batches(documents, _DOCUMENTS_PER_BATCH):
            token_lists = [tokenize(_checked_document(text, first + number)) for number, text in enumerate(batch)]
            lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
            # Unknown words map to -1; map() keeps the lookups out of a Python-level loop.
            tokens = chain.from_iterable(token_lists)
            word_rows = np.fromiter(map(row_of_word, tokens, repeat(-1)), dtype=np.int64, count=int(lengths.sum()))
            document_rows = np.repeat(np.arange(len(batch)), lengths)
            known = word_rows >= 0
            block = sparse.csr_matrix(
                (np.ones(int(known.sum()), dtype=np.float32), (document_rows[known], word_rows[known])),
                shape=(len(batch), vocabulary),
            )
            block.sum_duplicates()
            blocks.append(block)
            if composes:
                # Words outside the vocabulary get a column each, in the order they are first met.
                unseen_tokens = list(compress(chain.from_iterable(token_lists), ~known))
                columns = np.fromiter((unseen_column.setdefault(token, len(unseen_column)) for token in unseen_tokens),
                                      dtype=np.int64, count=len(unseen_tokens))
                unseen_blocks.append((len(batch), document_rows[~known], columns))
        if not blocks:
            return _WordCounts(sparse.csr_matrix((0, vocabulary), dtype=np.float32))
        counts = _WordCounts(sparse.vstack(blocks, format="csr"))
        if unseen_column:
            counts.add_unseen(self.model, list(unseen_column), unseen_blocks)
        return counts

    def _average(self, counts: _WordCounts) -> np.ndarray:
        """The weighted average of the word vectors of each document (zero for no known word)."""
        dtype = np.result_type(self.model.vectors.dtype, np.float32)
        weighted = counts.known @ sparse.diags(self.word_weights_.astype(dtype))
        totals = np.asarray((weighted if self.weighting == "tfidf" else counts.known).sum(axis=1)).ravel()
        with np.errstate(over="ignore", invalid="ignore"):
            sums = np.asarray(weighted @ np.asarray(self.model.vectors, dtype=dtype), dtype=dtype)
            if counts.unseen is not None:
                # A composed word was never counted in fit: SIF's p(w) is 0 (weight 1), tf-idf's document
                # frequency is 0 (the largest idf), the mean's weight is 1.
                weight = self.idf_.max() if self.weighting == "tfidf" else 1.0
                sums += np.asarray(weight * (counts.unseen @ counts.unseen_vectors.astype(dtype)), dtype=dtype)
                totals = totals + weight * np.asarray(counts.unseen.sum(axis=1)).ravel()
            averages = np.divide(sums, totals[:, None], out=np.zeros_like(sums), where=totals[:, None] > 0)
        if not np.isfinite(averages).all():
            # Finite vectors (loaders refuse others) can still be too large to sum in float32.
            largest = float(np.abs(self.model.vectors).max())
            raise ParameterError(
                f"the document vectors overflow {dtype.name}: the model's vectors hold values up to {largest:.3g}; "
                "scale the vectors down (or normalise them) and try again"
            )
        return averages

    def _finish(self, averages: np.ndarray, counts: _WordCounts) -> np.ndarray:
        """Remove the common components, normalise, and count the empty documents."""
        if len(self.components_):
            components = self.components_.astype(averages.dtype)
            averages -= (averages @ components.T) @ components
        if self.normalize:
            averages = unit_rows(averages, averages.dtype)  # exact for rows too long for a plain norm
        self.n_empty_ = int(np.count_nonzero(counts.words_per_document() == 0))
        return averages


class _WordCounts:
    """The words of a batch of documents: counts of vocabulary words, and of words composed from n-grams."""

    def __init__(self, known: sparse.csr_matrix) -> None:
        self.known = known
        self.unseen: sparse.csr_matrix | None = None
        self.unseen_vectors: np.ndarray | None = None

    def add_unseen(self, model: WordVectors, tokens: list[str], blocks: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        """Count the ``tokens`` outside the vocabulary whose vectors ``model`` can compose; drop the others."""
        composed = model.compose(tokens)
        keep = np.flatnonzero(composed.known > 0)
        column_of = np.full(len(tokens), -1, dtype=np.int64)
        column_of[keep] = np.arange(len(keep))
        parts = []
        for documents, rows, columns in blocks:
            kept = column_of[columns] >= 0
            part = sparse.csr_matrix(
                (np.ones(int(kept.sum()), dtype=np.float32), (rows[kept], column_of[columns][kept])),
                shape=(documents, len(keep)),
            )
            part.sum_duplicates()
            parts.append(part)
        self.unseen = sparse.vstack(parts, format="csr")
        self.unseen_vectors = composed.vectors[keep]

    def words_per_document(self) -> np.ndarray:
        """How many words of each document have a vector."""
        found = np.diff(self.known.indptr)
        return found if self.unseen is None else found + np.diff(self.unseen.indptr)


_PARAMETER_NAMES = ("model", "weighting", "sif_a", "remove_components", "normalize")
_DEFAULTS = {"weighting": "sif", "sif_a": 1e-3, "remove_components": 1, "normalize": True}


@renamed_keywords(vectors="model")
def sif_weights(model: WordVectors, a: float = 1e-3) -> np.ndarray:
    """The smooth inverse frequency ``a / (a + p(w))`` of every vocabulary word.

    ``p(w)`` is the word's count over the total count of the vocabulary in the model's
    corpus (Arora et al. 2017).

    Raises
    ------
    ParameterError
        The model has no corpus counts (vectors imported from a word2vec file).
    """
    counts = model.counts
    if counts is None or not np.sum(counts):
        raise ParameterError(
            "weighting='sif' needs the corpus counts of the words to estimate p(w), and this model has none "
            "(vectors imported without counts?); use weighting='mean' or 'tfidf'"
        )
    probability = np.asarray(counts, dtype=np.float64) / np.sum(counts, dtype=np.float64)
    return a / (a + probability)


@renamed_keywords(vectors="model")
def document_vector(
    model: WordVectors, text: str, *, weighting: str = "mean", sif_a: float = 1e-3, normalize: bool = True
) -> np.ndarray:
    """The weighted average of the word vectors of one text (see :class:`DocumentVectorizer`).

    Only the averaging step: idf and the common components are learned from a
    collection of documents, so ``weighting="tfidf"`` is refused here and nothing is
    removed; use :class:`DocumentVectorizer` for those.

    Returns
    -------
    ndarray of shape (dim,)
        Zero if no word of ``text`` is in the vocabulary.
    """
    if weighting == "tfidf":
        raise ParameterError(
            "weighting='tfidf' needs idf learned from many documents; use DocumentVectorizer(model, weighting='tfidf')"
        )
    if not isinstance(text, str):
        raise ParameterError(f"text must be a string; got {type(text).__name__}")
    vectorizer = DocumentVectorizer(model, weighting=weighting, sif_a=sif_a, remove_components=0, normalize=normalize)
    return vectorizer.fit_transform([text])[0]


def _is_word_vectors(value: object) -> bool:
    """Whether ``value`` is a model of word vectors, judged by the properties of its class that are read here.

    Not ``isinstance(value, WordVectors)``: this module does not import :mod:`wordvec.vectors`, whose
    ``WordVectors.document_vector`` imports this module.
    """
    return all(isinstance(getattr(type(value), name, None), property) for name in ("key_to_index", "dim", "counts"))


def _batches(items: Iterable[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    """``(index of the first item, list of up to size items)`` pairs."""
    iterator = iter(items)
    first = 0
    while batch := list(islice(iterator, size)):
        yield first, batch
        first += len(batch)


def _checked_document(document: Any, number: int) -> str:
    if not isinstance(document, str):
        raise ParameterError(f"document {number} is a {type(document).__name__}, not a string")
    return document


def _top_components(matrix: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` top right singular vectors of ``matrix`` (uncentered), as rows, strongest first.

    Computed from the exact dim x dim Gram matrix in float64. Signs follow
    scikit-learn's ``svd_flip``: the largest entry of each component is positive.
    """
    dim = matrix.shape[1]
    if count == 0:
        return np.zeros((0, dim))
    nonzero_rows = int(np.count_nonzero(np.any(matrix != 0, axis=1)))
    if nonzero_rows < count:
        raise ParameterError(
            f"remove_components={count} needs at least {count} training documents with a known word; got {nonzero_rows}"
        )
    # The directions do not depend on the scale: dividing by the largest value keeps the
    # Gram matrix finite for vectors of any magnitude.
    scale = float(np.abs(matrix).max()) or 1.0
    gram = np.zeros((dim, dim))
    for start in range(0, len(matrix), _GRAM_BLOCK):
        block = np.asarray(matrix[start : start + _GRAM_BLOCK], dtype=np.float64) / scale
        gram += block.T @ block
    _, eigenvectors = np.linalg.eigh(gram)
    components = eigenvectors[:, ::-1][:, :count].T
    largest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(count), largest])[:, None]
    return np.ascontiguousarray(components)


__all__ = ["DocumentVectorizer", "WEIGHTINGS", "document_vector", "sif_weights"]
