"""Array helpers shared by the vectors and the modules that build on them: unit rows, finite checks, top-n of rows.

They live below :mod:`wordvec.vectors` and import no other wordvec module but :mod:`wordvec.errors` (and the
private :mod:`wordvec._spill`), so that the
modules that :class:`wordvec.vectors.WordVectors` calls on (evaluation, features, polarity, the writers) can use
them without importing ``vectors``, which would close an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._spill import release, tall_empty
from .errors import ModelError

#: Added to 3CosMul's denominator so a word opposite a negative word cannot win on that alone
#: (Levy & Goldberg 2014).
COSMUL_EPSILON = 1e-3

#: Rows checked at a time for non-finite values: bounds the check's temporaries.
_FINITE_CHECK_ROWS = 1 << 14
#: How far from 1 the squared length of a row stored as unit length may be (float32 rounding is far below).
_UNIT_LENGTH_TOLERANCE = 1e-3


def unit_rows(matrix: np.ndarray, dtype: np.dtype | type = np.float32) -> np.ndarray:
    """A copy of ``matrix`` in ``dtype`` with every non-zero row scaled to unit length (zero rows stay zero).

    Each row is first divided by its largest magnitude (in float64), so that rows of
    huge finite values (such as 1e30, or float64 values beyond float32's range) do not
    overflow their norm and come out as zero or NaN.
    """
    unit = tall_empty(matrix.shape, dtype=dtype)  # in a temporary file if large (a build's views)
    for start in range(0, len(matrix), _FINITE_CHECK_ROWS):
        block = np.asarray(matrix[start : start + _FINITE_CHECK_ROWS], dtype=np.float64)
        scale = np.abs(block).max(axis=1, keepdims=True, initial=0.0)
        scaled = block / np.where(scale > 0, scale, 1.0)  # a zero row stays zero
        norms = np.linalg.norm(scaled, axis=1, keepdims=True)
        unit[start : start + len(block)] = scaled / np.where(norms > 0, norms, 1.0)
        release(matrix[start : start + _FINITE_CHECK_ROWS])
        release(unit[start : start + len(block)])
    return unit


def first_non_finite_row(matrix: np.ndarray) -> int | None:
    """The first row of ``matrix`` holding NaN or infinity, or None if every value is finite.

    The matrix is checked a block of rows at a time, so a memory-mapped model needs no
    second copy of itself.
    """
    for start in range(0, len(matrix), _FINITE_CHECK_ROWS):
        finite = np.isfinite(matrix[start : start + _FINITE_CHECK_ROWS]).all(axis=1)
        release(matrix[start : start + _FINITE_CHECK_ROWS])
        if not finite.all():
            return start + int(np.argmin(finite))
    return None


def require_finite(matrix: np.ndarray, words: Sequence[str], source: str, *, unit_rows: bool = False) -> None:
    """Refuse vectors that hold NaN or infinity, naming the first such row and its word.

    This is wordvec's one rule for non-finite numbers, whatever the format: such a
    matrix is refused when it is loaded (or built), never zeroed or passed on, since
    one NaN row turns every cosine with it into NaN and every ranking into noise.

    Parameters
    ----------
    matrix : ndarray, shape (len(words), dim)
        The vectors.
    words : sequence of str
        The word of each row, for the message.
    source : str
        What the vectors were read from, for the message (``'model.vec'``).
    unit_rows : bool, default False
        Also require every row to be of unit length or zero, as a model stored
        normalised says its rows are (queries then use them as they are).

    Raises
    ------
    ModelError
        A value is NaN or infinite, or a row that should be of unit length is not.
    """
    for start in range(0, len(matrix), _FINITE_CHECK_ROWS):
        block = matrix[start : start + _FINITE_CHECK_ROWS]
        with np.errstate(over="ignore", invalid="ignore"):
            # One cheap pass: a NaN or an infinity makes its row's squared length non-finite.
            lengths = np.einsum("ij,ij->i", block, block)
        release(block)
        if not np.isfinite(lengths).all():
            finite = np.isfinite(block).all(axis=1)
            if not finite.all():
                row = start + int(np.argmin(finite))
                values = np.asarray(matrix[row])
                raise ModelError(
                    f"{source} holds {values[~np.isfinite(values)][0]} in the vector of {words[row]!r} (row {row}); "
                    "vectors must be finite numbers: rebuild or re-export them"
                )
        if unit_rows:
            wrong = np.flatnonzero((np.abs(lengths - 1) > _UNIT_LENGTH_TOLERANCE) & (lengths != 0))
            if len(wrong):
                row = start + int(wrong[0])
                raise ModelError(
                    f"{source} is stored normalised, but the vector of {words[row]!r} (row {row}) has length "
                    f"{float(np.sqrt(lengths[wrong[0]])):.4g}, not 1: rebuild or re-export the vectors"
                )


def top_of_rows(scores: np.ndarray, topn: int, groups_of: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the ``topn`` largest entries of each row, best first, ties by index.

    Parameters
    ----------
    scores : numpy.ndarray
        A 2-D array of scores, one row per query; ``topn`` must not exceed its columns.
    topn : int
        How many of the best columns to return for each row.
    groups_of : int, default 64
        About how many columns each group holds (see Notes).

    Returns
    -------
    best : numpy.ndarray
        The ``topn`` best column indices of each row, shape ``(rows, topn)``.
    values : numpy.ndarray
        Their scores, in the same order.

    Notes
    -----
    ``np.argpartition`` on each row costs several passes over it and a Python call per row.
    Here the columns of a row are cut into groups of about ``groups_of`` (column ``c`` is in
    group ``c % groups``, so that the maximum of every group is one vectorised pass over
    contiguous memory): the ``topn``-th largest group maximum ``m`` of a row is a lower
    bound of its ``topn``-th largest entry (the ``topn`` best groups each hold an entry >=
    ``m``), so only the entries >= ``m`` of the groups whose maximum reaches ``m``, a few
    more than ``topn``, are candidates. One pass over the scores and a sort of the
    candidates answer a whole batch of rows exactly.
    """
    count, columns = scores.shape
    groups = columns // groups_of
    if groups < 2 * topn:  # small vocabulary: a stable sort of every row is cheap
        best = np.argsort(-scores, axis=1, kind="stable")[:, :topn]
        return best, np.take_along_axis(scores, best, axis=1)
    grouped = scores[:, : groups * groups_of].reshape(count, groups_of, groups)
    maxima = grouped.max(axis=1)
    bound = np.partition(maxima, groups - topn, axis=1)[:, groups - topn]
    rows, group = _where(maxima >= bound[:, None])
    members = grouped.transpose(0, 2, 1)[rows, group]  # the columns of each candidate group
    which, member = _where(members >= bound[rows, None])
    values = members[which, member]
    cols = group[which] + groups * member
    rows = rows[which]
    tail = scores[:, groups * groups_of :]  # the last columns % groups_of columns, in no group
    if tail.shape[1]:
        tail_rows, tail_cols = _where(tail >= bound[:, None])
        rows = np.concatenate([rows, tail_rows])
        cols = np.concatenate([cols, tail_cols + groups * groups_of])
        values = np.concatenate([values, tail[tail_rows, tail_cols]])
    order = np.lexsort((cols, -values, rows))
    starts = np.searchsorted(rows[order], np.arange(count))
    take = order[starts[:, None] + np.arange(topn)]
    return cols[take], values[take]


def _where(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the true entries of a 2-d ``mask``, in row-major order.

    The same as ``np.nonzero(mask)``, which is much slower on such masks
    (benchmarks/RESULTS.md).
    """
    return np.divmod(np.flatnonzero(mask), mask.shape[1])
