"""Reweight co-occurrence counts into positive pointwise mutual information (PPMI)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

from . import compiled
from ._cores import available_cores, in_order_on_threads
from ._spill import any_in_blocks, is_spilled, release, tall_empty
from .cooccur import filled_csr, row_blocks
from .errors import ParameterError

#: Non-zeros weighted per block of rows (bounds the temporaries).
_ROWS_BLOCK_ENTRIES = 1 << 22


def ppmi(
    counts: sp.spmatrix, *, cds: float = 0.75, neg: float = 1.0, copy: bool = True, context_sums: np.ndarray | None = None
) -> sp.csr_matrix:
    """Shifted positive PMI with context-distribution smoothing.

    Parameters
    ----------
    counts : scipy.sparse matrix, shape (words, contexts)
        Co-occurrence counts ``#(w, c)``.
    cds : float, default 0.75
        Context-distribution smoothing exponent alpha: context counts are raised to
        this power before normalising, which lowers the PMI of rare contexts. 0.75 is
        the value Levy et al. found best (it mirrors word2vec's negative-sampling
        distribution); 1 gives plain PMI.
    neg : float, default 1
        Shift: ``log(neg)`` is subtracted from PMI before clipping at zero, mirroring
        word2vec's number of negative samples. 1 means no shift.
    copy : bool, default True
        False lets the result take over the arrays of ``counts`` when it is a float32 CSR
        matrix, which is then overwritten: the build does this when the counts are not
        needed again, so that the two matrices are never in memory together.
    context_sums : ndarray, optional
        The contexts' counts ``#(c)`` to weigh against, instead of the column sums of
        ``counts``: rows added to a matrix (a build's phrases) are weighted with its contexts.
        A context whose count there is 0 gives no cell: its PMI is undefined, and the
        matrix the rows are added to knows nothing of it.

    Returns
    -------
    scipy.sparse.csr_matrix of float32
        Only the positive cells are stored.

    Notes
    -----
    .. math::

        \\mathrm{PPMI}(w, c) = \\max\\left(\\log \\frac{\\#(w,c)\\, \\sum_{c'} \\#(c')^\\alpha}
        {\\#(w)\\, \\#(c)^\\alpha} - \\log k,\\ 0\\right)

    where ``#(w)`` and ``#(c)`` are row and column sums of the counts, alpha is ``cds``
    and k is ``neg``. The formula is invariant to scaling the counts.

    References
    ----------
    Levy, O., Goldberg, Y. & Dagan, I. (2015). Improving Distributional Similarity with
    Lessons Learned from Word Embeddings. TACL 3, 211-225.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> m = ppmi(sp.csr_matrix(np.array([[0., 2.], [2., 1.]])), cds=1.0)
    >>> np.round(m.toarray(), 4)
    array([[0.    , 0.5108],
           [0.5108, 0.    ]], dtype=float32)
    """
    if not cds > 0:
        raise ParameterError(f"cds must be > 0; got {cds}")
    if not neg > 0:
        raise ParameterError(f"neg must be > 0; got {neg}")
    counts = sp.csr_matrix(counts)
    # A spilled matrix (a large build's, see wordvec._spill) is read a block at a time, each
    # dropped from memory after; the results are the same.
    spilled = is_spilled(counts.data)
    if not counts.has_canonical_format or any_in_blocks(counts.data, lambda values: values == 0):
        counts = counts.copy()
        counts.sum_duplicates()
        counts.eliminate_zeros()
        spilled = False
    if counts.nnz == 0 or not any_in_blocks(counts.data, lambda values: values > 0):
        return sp.csr_matrix(counts.shape, dtype=np.float32)
    if any_in_blocks(counts.data, lambda values: values < 0):
        raise ParameterError("co-occurrence counts must not be negative")
    if spilled:  # both in one pass over the matrix
        row_sums, col_sums = _sums_in_blocks(counts)
    else:
        row_sums = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        col_sums = context_counts(counts) if context_sums is None else None
    if context_sums is not None:
        col_sums = np.asarray(context_sums, dtype=np.float64).ravel()
    with np.errstate(divide="ignore"):
        log_rows = np.log(row_sums).astype(np.float32)
        log_smoothed_cols = (cds * np.log(col_sums)).astype(np.float32)
    # log(sum(#(c) ** cds)) from the logarithms: the powers themselves overflow float64 for large counts and cds.
    shift = np.float32(logsumexp(cds * np.log(col_sums[col_sums > 0])) - np.log(neg))
    # Computed in float32 (PPMI values are small, < 30, so float32 keeps them to about 1e-6), a
    # block of rows at a time, into arrays sized for every non-zero of which only the positive
    # cells are ever written: no temporary as large as the matrix, and untouched pages of the
    # arrays are never resident.
    fresh = copy or counts.data.dtype != np.float32
    if fresh:
        data = tall_empty((counts.nnz,), np.float32) if spilled else np.empty(counts.nnz, dtype=np.float32)
        indices = tall_empty((counts.nnz,), counts.indices.dtype) if spilled else np.empty(counts.nnz, dtype=counts.indices.dtype)
    else:  # safe in place: a block is read into temporaries before its kept cells are written, never past it
        data, indices = counts.data, counts.indices
    indptr = np.zeros(len(counts.indptr), dtype=np.int64)
    filled = 0
    blocks = list(row_blocks(counts.indptr, _ROWS_BLOCK_ENTRIES))
    # Blocks are weighted on threads, a few ahead, and written here in order. In place, a block's
    # cells go below the next block's start: the blocks weighted ahead read counts not yet overwritten.
    kernels = compiled.kernels() if compiled.use_for_products(counts.nnz) else None
    weighted = in_order_on_threads(
        _weighted_block,
        ((counts, first, last, log_rows, log_smoothed_cols, shift, kernels) for first, last in blocks),
        available_cores(),
    )
    for (values, columns, kept_before), (first, last) in zip(weighted, blocks):
        kept = len(values)
        data[filled : filled + kept] = values
        indices[filled : filled + kept] = columns
        indptr[first + 1 : last + 1] = filled + kept_before[1:]
        release(data[filled : filled + kept])
        release(indices[filled : filled + kept])
        filled += kept
        start, stop = counts.indptr[first], counts.indptr[last]
        release(counts.data[start:stop])
        release(counts.indices[start:stop])
    # The counts' own arrays are sliced, not shrunk: the caller's matrix still holds them.
    return filled_csr(data, indices, indptr, filled, counts.shape, shrink=fresh and not spilled)


def _weighted_block(
    counts: sp.csr_matrix,
    first: int,
    last: int,
    log_rows: np.ndarray,
    log_smoothed_cols: np.ndarray,
    shift: np.float32,
    kernels: ModuleType | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``first:last`` of :func:`ppmi`'s result: the positive cells' values and columns, and the cells kept before each row and after the last.

    With ``kernels`` (:func:`wordvec.compiled.kernels`), everything after numpy's logarithms
    runs in one pass (:func:`wordvec._kernels.positive_pmi`) instead of numpy's several: the
    same operations in float32, the same bits.
    """
    start, stop = counts.indptr[first], counts.indptr[last]
    block_indptr = counts.indptr[first : last + 1] - start
    with np.errstate(divide="ignore"):
        pmi = np.log(counts.data[start:stop], dtype=np.float32)
    if kernels is not None:
        values, columns = np.empty(stop - start, dtype=np.float32), np.empty(stop - start, dtype=counts.indices.dtype)
        kept_before = np.empty(last - first + 1, dtype=np.int64)
        kept = kernels.positive_pmi(
            pmi, block_indptr, counts.indices[start:stop], log_rows[first:last], log_smoothed_cols, shift, values, columns,
            kept_before,
        )
        return values[:kept], columns[:kept], kept_before
    # Infinite where a given context_sums is 0, and not a number where all of them are (an
    # infinite shift too): no cell either way, so numpy's warnings say nothing worth telling.
    with np.errstate(invalid="ignore"):
        pmi -= np.repeat(log_rows[first:last], np.diff(block_indptr))
        pmi -= log_smoothed_cols[counts.indices[start:stop]]
        pmi += shift
    positive = (pmi > 0) & (pmi < np.inf)
    kept_before = np.concatenate([[0], np.cumsum(positive)])[block_indptr]
    return pmi[positive], counts.indices[start:stop][positive], kept_before


def context_counts(counts: sp.csr_matrix) -> np.ndarray:
    """The contexts' counts ``#(c)``, the column sums of ``counts``, in float64 (as :func:`ppmi` weighs with them).

    A spilled matrix (see ``wordvec._spill``) is summed a block of rows at a time.
    """
    if is_spilled(counts.data):
        return _sums_in_blocks(counts)[1]
    return np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()


def _sums_in_blocks(counts: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums of a spilled matrix, a block of rows at a time, each released after.

    Summed in float32 in the order scipy's ``sum`` adds them (each row's entries in turn;
    each column's in the order of the rows), so they are the same to the bit.
    """
    row_sums = np.empty(counts.shape[0], dtype=np.float32)
    column_sums = np.zeros(counts.shape[1], dtype=np.float32)
    for first, last in row_blocks(counts.indptr, _ROWS_BLOCK_ENTRIES):
        start, stop = counts.indptr[first], counts.indptr[last]
        row_sums[first:last] = np.asarray(counts[first:last].sum(axis=1), dtype=np.float32).ravel()
        np.add.at(column_sums, counts.indices[start:stop], counts.data[start:stop])
        release(counts.data[start:stop])
        release(counts.indices[start:stop])
    return row_sums.astype(np.float64), column_sums.astype(np.float64)
