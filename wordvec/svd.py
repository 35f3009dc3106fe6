"""Compress a sparse association matrix into dense word vectors by truncated randomized SVD."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .errors import ParameterError


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _ParallelProduct:
    """Products of a sparse matrix and its transpose with dense matrices, on threads.

    scipy's sparse products are single-threaded but release the GIL, so the rows are
    split into blocks (balanced by non-zeros) that run in parallel: ``A X`` stacks the
    blocks' products, ``A^T Y`` sums ``A_b^T Y_b`` over the blocks. No transposed copy
    of the matrix is kept: it would double the SVD's largest allocation.
    """

    def __init__(self, matrix: sp.csr_matrix, threads: int) -> None:
        self.threads = max(1, threads)
        if self.threads == 1:
            self.blocks = [(matrix, 0, matrix.shape[0])]
        else:
            targets = np.linspace(0, matrix.nnz, self.threads + 1)[1:-1]
            cuts = [0, *np.searchsorted(matrix.indptr, targets).tolist(), matrix.shape[0]]
            self.blocks = [(matrix[a:b], a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
        self.pool = ThreadPoolExecutor(len(self.blocks)) if len(self.blocks) > 1 else None

    def _map(self, function, items):
        return list(self.pool.map(function, items)) if self.pool is not None else [function(i) for i in items]

    def dot(self, dense: np.ndarray) -> np.ndarray:
        return np.vstack(self._map(lambda block: block[0] @ dense, self.blocks))

    def tdot(self, dense: np.ndarray) -> np.ndarray:
        parts = self._map(lambda block: block[0].T @ dense[block[1] : block[2]], self.blocks)
        total = parts[0]
        for part in parts[1:]:
            total += part
        return total

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def randomized_svd(
    matrix: sp.spmatrix | np.ndarray,
    dim: int,
    *,
    oversamples: int = 20,
    power_iterations: int = 5,
    seed: int = 0,
    dtype: type = np.float32,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``dim`` largest singular triplets of ``matrix``, by randomized range finding.

    Parameters
    ----------
    matrix : sparse or dense array, shape (m, n)
        The matrix to factorise.
    dim : int
        Number of singular values and vectors to return; ``dim < min(m, n)``.
    oversamples : int, default 20
        Extra random directions beyond ``dim``; they make the top ``dim`` accurate.
    power_iterations : int, default 5
        Passes of ``(A A^T)`` that sharpen the spectrum; PPMI spectra decay slowly, so a
        few are needed for the accuracy of an exact solver.
    seed : int, default 0
        Seed of the random test matrix; the same seed gives the same result.
    dtype : numpy dtype, default float32
        Working precision of the dense products.
    threads : int, optional
        Threads for the sparse products (default: the available cores).

    Returns
    -------
    u : ndarray, shape (m, dim)
    s : ndarray, shape (dim,)
        Singular values, largest first.
    vt : ndarray, shape (dim, n)

    Notes
    -----
    Algorithm 4.4 of Halko et al. with LU renormalisation between power iterations (as
    scikit-learn does). Signs are fixed so that the largest-magnitude entry of each left
    singular vector is positive, so results are deterministic.

    References
    ----------
    Halko, N., Martinsson, P. G. & Tropp, J. A. (2011). Finding structure with
    randomness. SIAM Review 53(2), 217-288.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0, 2.0])
    >>> u, s, vt = randomized_svd(a, 1, dtype=np.float64)
    >>> bool(np.allclose(u * s @ vt, a))
    True
    """
    rows, cols = matrix.shape
    if dim < 1:
        raise ParameterError(f"dim must be >= 1; got {dim}")
    if dim >= min(rows, cols):
        raise ParameterError(f"dim must be smaller than the vocabulary size; got dim={dim} >= {min(rows, cols)}")
    if sp.issparse(matrix):
        product = _ParallelProduct(sp.csr_matrix(matrix, dtype=dtype), threads or available_cores())
        dot, tdot = product.dot, product.tdot
        del matrix  # the row blocks are copies: free the original if the caller handed it over
    else:
        product = None
        dense = np.asarray(matrix, dtype=dtype)
        dot, tdot = dense.__matmul__, dense.T.__matmul__
    width = min(dim + oversamples, min(rows, cols))
    rng = np.random.default_rng(seed)
    try:
        sample = dot(rng.standard_normal((cols, width)).astype(dtype))
        for _ in range(power_iterations):
            sample, _ = scipy.linalg.lu(sample, permute_l=True, check_finite=False)
            sample = tdot(sample)
            sample, _ = scipy.linalg.lu(sample, permute_l=True, check_finite=False)
            sample = dot(sample)
        basis, _ = scipy.linalg.qr(sample, mode="economic", check_finite=False)
        # B = Q^T A, computed as (A^T Q)^T so the sparse product runs on A^T's rows.
        small = np.asarray(tdot(basis)).T
    finally:
        if product is not None:
            product.close()
    u_small, singular_values, vt = scipy.linalg.svd(small, full_matrices=False, check_finite=False)
    u = basis @ u_small[:, :dim]
    vt = vt[:dim]
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(dim)])
    signs[signs == 0] = 1
    return u * signs, singular_values[:dim], vt * signs[:, None]


def embed(
    u: np.ndarray,
    s: np.ndarray,
    vt: np.ndarray,
    *,
    eig: float = 0.0,
    add_context: bool = False,
    normalize: bool = True,
) -> np.ndarray:
    """Word vectors from an SVD of the PPMI matrix.

    Parameters
    ----------
    u, s, vt : ndarray
        Truncated SVD ``U S V^T`` of the word x context matrix.
    eig : float, default 0
        Eigenvalue weighting: word vectors are ``U S^eig``. 0 (drop the singular
        values) is best for similarity tasks (Levy et al. 2015); 1 is the classic
        reconstruction; 0.5 is symmetric.
    add_context : bool, default False
        The paper's ``w+c``: add the context vectors ``V S^eig`` to the word vectors.
    normalize : bool, default True
        Scale rows to unit length, so cosine similarity is a dot product.

    Returns
    -------
    ndarray of float32, shape (words, dim)
    """
    weights = s.astype(np.float64) ** eig
    vectors = u * weights
    if add_context:
        vectors = vectors + vt.T * weights
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if normalize:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors
