"""Compress a sparse association matrix into dense word vectors by truncated randomized SVD."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ._malloc import release_freed_memory
from .errors import ParameterError

try:  # scipy's kernel for `out += A @ X`, A in CSC form; it accumulates into `out` without a temporary
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - a scipy that moved it: the public products below do the same, slower
    _csc_matvecs = None

#: Bytes of dense output that one sparse block scatters into: small enough to stay in the CPU's
#: cache while the whole dense input streams past (measured fastest at 3-7 MiB on a 32 MiB L3).
BLOCK_BYTES = 4 << 20
#: Blocks per thread at least, so that threads finishing early take more (the rows of frequent
#: words hold most non-zeros).
BLOCKS_PER_THREAD = 4


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _block_cuts(nonzeros_per_line: np.ndarray, pieces: int, max_lines: int) -> list[int]:
    """Cut lines (rows or columns) into blocks of at most ``max_lines``, also cut at ``pieces`` quantiles of non-zeros."""
    lines = len(nonzeros_per_line)
    cumulative = np.cumsum(nonzeros_per_line)
    # Cut just after the line where the running total of non-zeros passes each quantile.
    by_nonzeros = np.searchsorted(cumulative, np.linspace(0, cumulative[-1] if lines else 0, pieces + 1)[1:-1]) + 1
    cuts = np.unique(np.concatenate([[0, lines], np.minimum(by_nonzeros, lines), np.arange(0, lines, max(1, max_lines))]))
    return cuts.tolist()


class _BlockedProducts:
    """``A X`` and ``A^T X`` for a sparse ``A`` and a tall dense ``X``, in cache-sized blocks on threads.

    scipy's sparse-dense product reads the rows of ``X`` in the order of ``A``'s column
    indices, and ``X`` (vocabulary x 320 float32, over 100 MB) does not fit in a cache: most
    reads go to memory. Here the output is cut into blocks of rows small enough to stay in
    the cache; each block is the product of a slice of ``A`` held in column-major (CSC)
    form, which scatters into the block while ``X`` is read once, in order. ``A^T X`` uses
    slices of columns of ``A`` in row-major (CSR) form, which are the CSC form of the
    transpose. The blocks are independent, so they run on threads (scipy's kernel releases
    the GIL) and write disjoint rows: no partial results to sum.

    On the bench corpus's 92k x 92k PPMI matrix (36M non-zeros) and 320 columns, each product
    takes 1.4-2 s on two threads instead of 5.8 s for row blocks of the CSR matrix. The
    matrix is held twice (once per orientation).
    """

    def __init__(self, holder: list[sp.csr_matrix], width: int, threads: int) -> None:
        # The matrix comes in a list that this takes it out of, so that it can be freed as
        # soon as its row blocks are made: the column blocks are made from those.
        matrix = holder.pop()
        self.shape = matrix.shape
        self.dtype = matrix.dtype
        max_lines = BLOCK_BYTES // (width * matrix.dtype.itemsize)
        pieces = BLOCKS_PER_THREAD * threads
        row_cuts = _block_cuts(np.diff(matrix.indptr), pieces, max_lines)
        col_cuts = _block_cuts(np.bincount(matrix.indices, minlength=self.shape[1]), pieces, max_lines)
        # (first output row, last + 1, the block of A as CSC: A[a:b] for A X, A[:, a:b]^T for A^T X)
        self._row_blocks = [(a, b, sp.csc_matrix(matrix[a:b])) for a, b in zip(row_cuts[:-1], row_cuts[1:])]
        del matrix
        self._col_blocks = []
        for a, b in zip(col_cuts[:-1], col_cuts[1:]):
            pieces_of_rows = [sp.csr_matrix(block[:, a:b]) for _, _, block in self._row_blocks]
            self._col_blocks.append((a, b, sp.vstack(pieces_of_rows, format="csr").T))
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def dot(self, dense: np.ndarray) -> np.ndarray:
        """``A @ dense``."""
        return self._product(self._row_blocks, self.shape[0], dense)

    def tdot(self, dense: np.ndarray) -> np.ndarray:
        """``A.T @ dense``."""
        return self._product(self._col_blocks, self.shape[1], dense)

    def _product(self, blocks: list[tuple[int, int, sp.csc_matrix]], out_rows: int, dense: np.ndarray) -> np.ndarray:
        dense = np.ascontiguousarray(dense, dtype=self.dtype)
        out = np.zeros((out_rows, dense.shape[1]), dtype=self.dtype)

        def run(block: tuple[int, int, sp.csc_matrix]) -> None:
            first, last, part = block
            if _csc_matvecs is None:
                out[first:last] = part @ dense
                return
            # out[first:last] is a contiguous slice: reshape(-1) is a view that the kernel fills.
            _csc_matvecs(
                last - first, part.shape[1], dense.shape[1], part.indptr, part.indices, part.data,
                dense.reshape(-1), out[first:last].reshape(-1),
            )

        heaviest_first = sorted(blocks, key=lambda block: -block[2].nnz)
        if self._pool is None:
            for block in heaviest_first:
                run(block)
        else:
            list(self._pool.map(run, heaviest_first))
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def _gram(tall: np.ndarray, rows_per_step: int = 8192) -> np.ndarray:
    """``tall.T @ tall`` accumulated in float64, a few thousand rows at a time (bounded memory)."""
    gram = np.zeros((tall.shape[1], tall.shape[1]))
    for start in range(0, tall.shape[0], rows_per_step):
        part = tall[start : start + rows_per_step].astype(np.float64)
        gram += part.T @ part
    return gram


def _orthonormalize(sample: np.ndarray, passes: int = 1) -> np.ndarray:
    """An orthonormal basis of the columns of a tall matrix, by Cholesky QR, in place when it can.

    Cholesky QR (the Cholesky factor ``R`` of the Gram matrix, then ``Q = Y R^-1``) costs
    two matrix products, several times less than Householder QR on a tall matrix. It loses
    orthogonality as the square of the condition number, so the Gram matrix is formed in
    float64, a second pass restores orthogonality, and an ill-conditioned or rank-deficient
    ``sample`` goes to Householder QR instead.
    """
    dtype = sample.dtype
    limit = 1e-3 / np.sqrt(np.finfo(np.float64).eps)  # condition beyond which Cholesky QR loses too much
    for _ in range(passes):
        try:
            factor = np.linalg.cholesky(_gram(sample))  # lower: Gram = L L^T, Y = Q L^T
        except np.linalg.LinAlgError:
            factor = None
        diagonal = np.abs(np.diag(factor)) if factor is not None else np.zeros(1)
        if factor is None or diagonal.min() * limit < diagonal.max():
            basis, _ = scipy.linalg.qr(sample, mode="economic", check_finite=False)
            return basis.astype(dtype, copy=False)
        inverse = scipy.linalg.solve_triangular(factor, np.eye(len(factor)), lower=True).T.astype(dtype)
        for start in range(0, len(sample), 8192):  # in place, a few thousand rows at a time: no second tall matrix
            sample[start : start + 8192] = sample[start : start + 8192] @ inverse
    return sample


def randomized_svd(
    matrix: sp.spmatrix | np.ndarray,
    dim: int,
    *,
    oversamples: int = 20,
    power_iterations: int = 3,
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
    power_iterations : int, default 3
        Passes of ``(A A^T)`` that sharpen the spectrum; PPMI spectra decay slowly, so a
        few are needed to come near an exact solver (3 is within 0.01 of ARPACK on the
        word-similarity scores of the bench corpus's vectors).
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
    Algorithm 4.4 of Halko et al.: the range of ``(A A^T)^q A Omega`` for a Gaussian
    ``Omega`` of ``dim + oversamples`` columns, renormalised by Cholesky QR once per power
    iteration, then the exact SVD of the projection ``Q^T A``, computed from the
    eigendecomposition of its small Gram matrix. The sparse products run in cache-sized
    blocks on threads (see ``_BlockedProducts``). Signs are fixed so that the
    largest-magnitude entry of each left singular vector is positive, so results are
    deterministic.

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
    width = min(dim + oversamples, min(rows, cols))
    products: _BlockedProducts | None = None
    if sp.issparse(matrix):
        holder = [sp.csr_matrix(matrix, dtype=dtype)]
        del matrix  # the blocks are copies: the original is freed if the caller handed it over
        products = _BlockedProducts(holder, width, threads or available_cores())
        release_freed_memory()  # the pieces the blocks were made from
        dot, tdot = products.dot, products.tdot
    else:
        dense = np.asarray(matrix, dtype=dtype)
        dot, tdot = dense.__matmul__, dense.T.__matmul__
    rng = np.random.default_rng(seed)
    try:
        sample = dot(rng.standard_normal((cols, width), dtype=np.dtype(dtype)))
        for _ in range(power_iterations):
            # One name at a time holds a tall matrix, so at most two are alive (a product's input and output).
            sample = tdot(_orthonormalize(sample))
            sample = dot(sample)
        basis = _orthonormalize(sample, passes=2)
        del sample
        # B = Q^T A is small (width x cols); its SVD comes from B^T = A^T Q via the
        # eigendecomposition of the width x width matrix B B^T, not a dense SVD of B.
        transposed_small = tdot(basis)
    finally:
        if products is not None:
            products.close()
        del products, dot, tdot  # the blocks, as large as the matrix, are not needed any more
        release_freed_memory()
    eigenvalues, eigenvectors = np.linalg.eigh(_gram(transposed_small))
    top = np.argsort(-eigenvalues, kind="stable")[:dim]
    singular_values = np.sqrt(np.maximum(eigenvalues[top], 0))
    left_small = eigenvectors[:, top]
    u = basis @ left_small.astype(dtype)
    del basis
    # V = B^T U_B S^-1; a zero singular value (rank below dim) leaves its vector zero.
    inverse = np.divide(1.0, singular_values, out=np.zeros_like(singular_values), where=singular_values > 0)
    v = transposed_small @ (left_small * inverse).astype(dtype)
    del transposed_small
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(dim)]).astype(dtype)
    signs[signs == 0] = 1
    u *= signs
    v *= signs
    return u, singular_values.astype(dtype), v.T


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
    # float32 throughout: a float64 temporary of the whole matrix would be the build's largest allocation.
    weights = (np.asarray(s, dtype=np.float64) ** eig).astype(np.float32)
    vectors = np.multiply(u, weights, dtype=np.float32, order="C")
    if add_context:
        contexts = vt.T
        for start in range(0, len(vectors), 8192):  # a few thousand rows at a time: no second matrix
            vectors[start : start + 8192] += contexts[start : start + 8192] * weights
    if normalize:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors
