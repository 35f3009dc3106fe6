"""Compress a sparse association matrix into dense word vectors by truncated randomized SVD."""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.sparse as sp

from ._cores import available_cores, in_background, in_order_on_threads, one_blas_thread_each
from . import compiled
from ._malloc import release_freed_memory
from ._spill import is_spilled, release, tall_empty, tall_zeros
from .cooccur import entries_per_column
from .errors import ParameterError

try:  # scipy's kernel for `out += A @ X`, A in CSC form; it accumulates into `out` without a temporary
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - a scipy that moved it: the public products below do the same, slower
    _csc_matvecs = None

#: Bytes of dense output that one task of a product adds into: its rows stay in the CPU's cache
#: while the input is read (how it was chosen: benchmarks/RESULTS.md).
BLOCK_BYTES = 4 << 20
#: Bytes of dense input in a tile of the compiled product: small enough to stay in a core's own
#: (L2) cache while the output rows gather from it.
TILE_BYTES = 1 << 20
#: Blocks per thread at least, so that threads finishing early take more (the rows of frequent
#: words hold most non-zeros).
BLOCKS_PER_THREAD = 4
#: Rows of a tall matrix handled at once where it is transformed in place (bounds the temporaries).
_ROWS_PER_STEP = 8192
#: Non-zeros of the largest block: each thread reads blocks into buffers of 12 bytes an entry.
MAX_BLOCK_ENTRIES = 1 << 21
#: Bytes of a spilled dense input (see :mod:`wordvec._spill`) that a product holds in memory at a
#: time: it multiplies the input a chunk of rows after another, each by the pieces of the matrix
#: that read those rows, and drops the chunk before the next.
INPUT_CHUNK_BYTES = 512 << 20


def _block_cuts(nonzeros_per_line: np.ndarray, pieces: int, max_lines: int) -> list[int]:
    """Cut lines (rows or columns) into blocks of at most ``max_lines``, also cut at ``pieces`` quantiles of non-zeros."""
    lines = len(nonzeros_per_line)
    cumulative = np.cumsum(nonzeros_per_line)
    # Cut just after the line where the running total of non-zeros passes each quantile.
    by_nonzeros = np.searchsorted(cumulative, np.linspace(0, cumulative[-1] if lines else 0, pieces + 1)[1:-1]) + 1
    cuts = np.unique(np.concatenate([[0, lines], np.minimum(by_nonzeros, lines), np.arange(0, lines, max(1, max_lines))]))
    return cuts.tolist()


def _tile_cuts(nonzeros_per_line: np.ndarray, pieces: int, max_lines: int, tile_lines: int) -> list[int]:
    """:func:`_block_cuts` of whole tiles of ``tile_lines`` lines (``max_lines`` a multiple of it): every cut on a tile's start."""
    lines = len(nonzeros_per_line)
    if lines == 0:
        return [0]
    per_tile = np.add.reduceat(nonzeros_per_line, np.arange(0, lines, tile_lines))
    return [min(cut * tile_lines, lines) for cut in _block_cuts(per_tile, pieces, max_lines // tile_lines)]


@dataclass(frozen=True)
class _Piece:
    """Where a piece of the matrix lies in a :class:`_BlockFile`, and the rows of the dense input it reads."""

    sizes: tuple[int, ...]  # of its integer arrays
    entries: int
    offset: int
    first_input: int
    inputs: int  # rows of the dense input it reads, from ``first_input`` on


class _BlockFile:
    """Pieces of a sparse matrix in an unnamed temporary file, read back into each thread's buffers.

    A piece is a few int32 arrays (a CSC or CSR matrix's ``indptr`` and ``indices``, or
    runs') and its entries' values. The pieces are written once and read once per product.
    Between products they are in the operating system's page cache (or on disk, if memory
    is short) instead of the process's heap, so the SVD holds only its dense matrices and
    one piece per thread.
    """

    def __init__(self, dtype: np.dtype) -> None:
        self._file = tempfile.TemporaryFile(prefix="wordvec-svd-")
        self._dtype = np.dtype(dtype)
        self._end = 0
        self._largest: tuple[int, ...] = ()
        self._largest_entries = 0
        self._buffers = threading.local()
        self._lock = threading.Lock()  # for the seek-and-read fallback where os.preadv is missing

    def write(self, integers: tuple[np.ndarray, ...], data: np.ndarray, first_input: int, inputs: int) -> _Piece:
        """Append one piece; it multiplies ``inputs`` rows of the dense input from ``first_input``."""
        arrays = (*(np.ascontiguousarray(array, dtype=np.int32) for array in integers), np.ascontiguousarray(data, dtype=self._dtype))
        piece = _Piece(tuple(len(array) for array in integers), len(data), self._end, first_input, inputs)
        for array in arrays:
            self._file.write(array.data)
            self._end += array.nbytes
        self._largest = tuple(max(pair) for pair in zip(self._largest, piece.sizes)) if self._largest else piece.sizes
        self._largest_entries = max(self._largest_entries, piece.entries)
        return piece

    def read(self, piece: _Piece) -> tuple[np.ndarray, ...]:
        """The piece's integer arrays and values: views of this thread's buffers, valid until its next read."""
        buffers = getattr(self._buffers, "arrays", None)
        if buffers is None:
            self._file.flush()
            buffers = self._buffers.arrays = (
                *(np.empty(size, dtype=np.int32) for size in self._largest),
                np.empty(self._largest_entries, dtype=self._dtype),
            )
        arrays = (*(buffer[:size] for buffer, size in zip(buffers, piece.sizes)), buffers[-1][: piece.entries])
        views = [memoryview(array).cast("B") for array in arrays]
        wanted = sum(array.nbytes for array in arrays)
        if hasattr(os, "preadv"):
            got = os.preadv(self._file.fileno(), views, piece.offset)
        else:  # pragma: no cover - Windows
            with self._lock:
                self._file.seek(piece.offset)
                got = sum(self._file.readinto(view) for view in views)
        if got != wanted:  # pragma: no cover - the file is ours and complete: only a failing disk gets here
            raise OSError(f"short read from the SVD's temporary file: {got} of {wanted} bytes")
        return arrays

    def close(self) -> None:
        self._file.close()


def _column_pieces(
    chunk: sp.csr_matrix, col_cuts: np.ndarray, block_of_column: np.ndarray | None = None
) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Split rows of a CSR matrix at ``col_cuts`` into the CSC form of each part's transpose.

    Yields ``(block, indptr, indices, data)`` for every column block with entries: the
    part ``chunk[:, a:b]`` as the CSC form of its transpose (one CSC column per row of
    ``chunk``, row indices counted from ``a``). A row's columns are sorted (here, if they
    are not), so its entries in one block are a contiguous range: each piece is gathered
    from those ranges, with no sort. ``block_of_column`` (:func:`_block_of_column`) may be
    given, so that many chunks share it.
    """
    blocks = len(col_cuts) - 1
    rows = chunk.shape[0]
    if not chunk.has_sorted_indices:
        chunk = chunk.sorted_indices()
    if block_of_column is None:
        block_of_column = _block_of_column(col_cuts)
    row_of = np.repeat(np.arange(rows, dtype=np.int64), np.diff(chunk.indptr))
    # Entries of each (row, block): the key row * blocks + block never decreases along the CSR arrays.
    per_row_block = np.bincount(row_of * blocks + block_of_column[chunk.indices], minlength=rows * blocks).reshape(rows, blocks)
    del row_of
    range_starts = chunk.indptr[:-1, None] + (np.cumsum(per_row_block, axis=1) - per_row_block)
    for block in range(blocks):
        lengths = per_row_block[:, block]
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        if indptr[-1] == 0:
            continue
        where = np.repeat(range_starts[:, block] - indptr[:-1], lengths) + np.arange(indptr[-1])
        yield block, indptr, chunk.indices[where] - col_cuts[block], chunk.data[where]


def _block_of_column(col_cuts: np.ndarray) -> np.ndarray:
    """The block of each column, for blocks cut at ``col_cuts`` (0 = first cut < ... < last = columns)."""
    return np.repeat(np.arange(len(col_cuts) - 1, dtype=np.int32), np.diff(col_cuts))


#: A piece for :meth:`_BlockFile.write`, and the task it belongs to: ``(task, integer arrays, values, first input, inputs)``.
_PieceArrays = tuple[int, tuple[np.ndarray, ...], np.ndarray, int, int]


@dataclass(frozen=True)
class _Layout:
    """How :class:`_BlockedProducts` cuts a matrix: its lines in groups (tasks), tiles and chunks of the input."""

    row_groups: list[int]
    col_groups: np.ndarray
    tile_lines: int  # tiles of the input's rows, for the compiled kernel
    chunk_rows: int  # chunks of a spilled input's rows, read one at a time


def _scatter_pieces(matrix: sp.csr_matrix, first: int, last: int, layout: _Layout) -> tuple[list[_PieceArrays], list[_PieceArrays]]:
    """Rows ``first:last`` of ``matrix`` as the pieces of scipy's products, for ``A X`` and for ``A^T X``.

    For ``A X``, one piece per chunk of the input's rows: the CSC form of ``A[first:last, chunk]``
    (each input row scatters into the output rows). For ``A^T X``, one per group of columns:
    the CSC form of ``A[first:last, group]^T``, from :func:`_column_pieces`.
    """
    chunk = matrix[first:last]
    rows_part = sp.csc_matrix(chunk)
    input_cuts = [*range(0, matrix.shape[1], layout.chunk_rows), matrix.shape[1]]
    # A CSC slice of columns (the input's rows) is contiguous.
    row_parts = []
    for start, stop in zip(input_cuts[:-1], input_cuts[1:]):
        begin, end = rows_part.indptr[start], rows_part.indptr[stop]
        indptr = rows_part.indptr[start : stop + 1] - begin
        row_parts.append((0, (indptr, rows_part.indices[begin:end]), rows_part.data[begin:end], start, stop - start))
    del rows_part
    column_parts = [
        (block, (indptr, indices), data, first, last - first)
        for block, indptr, indices, data in _column_pieces(chunk, layout.col_groups)
    ]
    return row_parts, column_parts


def _tiled_pieces(
    matrix: sp.csr_matrix, first: int, last: int, layout: _Layout, kernels: ModuleType
) -> tuple[list[_PieceArrays], list[_PieceArrays]]:
    """Rows ``first:last`` of ``matrix`` as the pieces of the compiled products, for ``A X`` and for ``A^T X``.

    Each piece is runs from :func:`_kernels.tile_runs` (``A X``) or :func:`_kernels.transpose_runs`
    (``A^T X``): ``(run_rows, run_indptr, input rows)`` and the values, the input rows counted
    from the piece's first. For ``A X``,
    these rows are one task, with a piece for each chunk of the input's rows, in tiles of
    ``tile_lines`` columns; for ``A^T X``, each group of columns is a task with a piece of
    these rows, in tiles of ``tile_lines`` rows counted from row 0 (the rows' cuts fall on them).
    """
    chunk = matrix[first:last]
    if not chunk.has_sorted_indices:
        chunk = chunk.sorted_indices()
    tile_lines, columns = layout.tile_lines, chunk.shape[1]
    runs = _runs(kernels.tile_runs, chunk.indptr, chunk.indices, chunk.data, tile_lines, -(-columns // tile_lines))
    row_parts = []
    for start in range(0, columns, layout.chunk_rows):
        stop = min(start + layout.chunk_rows, columns)
        integers, values = _runs_piece(*runs, start // tile_lines, -(-stop // tile_lines), start)
        if len(values):
            row_parts.append((0, integers, values, start, stop - start))
    del runs
    # A^T's pieces: its rows (A's columns) by group, each group's in tiles of these rows.
    first_tile = first // tile_lines
    units = (last - 1) // tile_lines - first_tile + 1
    row_tiles = np.arange(first, last) // tile_lines - first_tile
    runs = _runs(kernels.transpose_runs, chunk.indptr, chunk.indices, chunk.data, row_tiles, units, layout.col_groups)
    del chunk
    column_parts = []
    for group in range(len(layout.col_groups) - 1):
        integers, values = _runs_piece(*runs, group * units, (group + 1) * units, 0)
        if len(values):  # the runs' rows count from the group's first column
            column_parts.append((group, integers, values, first, last - first))
    return row_parts, column_parts


def _runs(
    kernel: Callable[..., int], indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, *arguments: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``kernel`` (:func:`_kernels.tile_runs` or :func:`_kernels.transpose_runs`) with its outputs made.

    Returns ``run_rows, run_tiles, run_ends`` of its runs and the entries' sorted indices and values.
    """
    entries = len(indices)
    run_rows, run_tiles, run_ends = (np.empty(entries, dtype=np.int64) for _ in range(3))
    sorted_indices, sorted_data = np.empty(entries, dtype=np.int32), np.empty(entries, dtype=data.dtype)
    runs = kernel(indptr, indices, data, *arguments, run_rows, run_tiles, run_ends, sorted_indices, sorted_data)
    return run_rows[:runs], run_tiles[:runs], run_ends[:runs], sorted_indices, sorted_data


def _runs_piece(
    run_rows: np.ndarray, run_tiles: np.ndarray, run_ends: np.ndarray, indices: np.ndarray, data: np.ndarray,
    first_tile: int, last_tile: int, first_input: int,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """The runs of tiles ``first_tile:last_tile`` as a piece: ``(run_rows, run_indptr, input rows from first_input)``, values."""
    first_run, last_run = np.searchsorted(run_tiles, [first_tile, last_tile])
    begin = run_ends[first_run - 1] if first_run else 0
    end = run_ends[last_run - 1] if last_run > first_run else begin
    run_indptr = np.concatenate([[begin], run_ends[first_run:last_run]]) - begin
    return (run_rows[first_run:last_run], run_indptr, indices[begin:end] - first_input), data[begin:end]


class _BlockedProducts:
    """``A X`` and ``A^T X`` for a sparse ``A`` and a tall dense ``X``, in cache-sized blocks on threads.

    scipy's sparse-dense product reads the rows of ``X`` in the order of ``A``'s column
    indices, and ``X`` (vocabulary x 320 float32, over 100 MB) does not fit in a core's
    cache: most reads go far. Here the output is cut into groups of rows small enough to
    stay in the cache (``BLOCK_BYTES``), and each group is a task that adds into its rows
    the products of pieces of ``A`` (or ``A^T``). The groups are independent, so they run
    on threads (the kernels release the GIL) and write disjoint rows: no partial results
    to sum.

    - scipy's kernel (without numba): each piece is in CSC form and scatters into the
      group's rows while ``X`` is read once, in order.
    - The compiled kernel (:func:`_kernels.gather_product`): each piece holds its entries
      tile after tile of ``X``'s rows (``TILE_BYTES``, which stay in a core's own cache),
      and each output row gathers a tile's entries several at a time, loaded and stored
      once for all of them: a fifth faster on the bench corpus's PPMI.

    Either way, every output value adds its terms in the order of the input rows, as
    scipy's own product does: the same bits.

    The pieces live in a temporary file (:class:`_BlockFile`), not in memory: the build's
    peak memory is then the dense matrices of the SVD, not the sparse matrix held twice.
    Reading them back costs little beside the product itself, mostly from the page cache
    (measured in benchmarks/RESULTS.md).
    """

    def __init__(self, holder: list[sp.csr_matrix], width: int, threads: int) -> None:
        # The matrix comes in a list that this takes it out of, so that it is freed as soon
        # as its pieces are written.
        matrix = holder.pop()
        self.shape = matrix.shape
        self.dtype = matrix.dtype
        nonzeros = matrix.nnz
        self._kernels = compiled.kernels() if compiled.use_for_products(nonzeros) else None
        row_bytes = width * matrix.dtype.itemsize
        tile_lines = max(1, min(TILE_BYTES, BLOCK_BYTES) // row_bytes)
        # Groups of lines and chunks of the input's rows are whole tiles, so that no tile straddles them.
        max_lines = max(1, BLOCK_BYTES // row_bytes // tile_lines) * tile_lines
        pieces = max(BLOCKS_PER_THREAD * threads, -(-nonzeros // MAX_BLOCK_ENTRIES))
        # With the compiled kernel, groups of whole tiles: each piece of A^T X then holds whole
        # tiles of rows (a piece cut at a group inside a tile splits the tile's runs, the longest
        # at the frequent words), and the groups of columns, its output, match those of rows, A X's.
        cuts = _block_cuts if self._kernels is None else functools.partial(_tile_cuts, tile_lines=tile_lines)
        layout = _Layout(
            row_groups=cuts(np.diff(matrix.indptr), pieces, max_lines),
            col_groups=np.asarray(cuts(entries_per_column(matrix), pieces, max_lines)),
            tile_lines=tile_lines,
            chunk_rows=max(1, INPUT_CHUNK_BYTES // row_bytes // max_lines) * max_lines,
        )
        self._chunk_rows = layout.chunk_rows
        self._file = _BlockFile(self.dtype)
        # (first output row, last + 1, pieces that add into those rows, in the order of their inputs)
        self._row_tasks: list[tuple[int, int, list[_Piece]]] = []
        col_pieces: list[list[_Piece]] = [[] for _ in layout.col_groups[:-1]]
        chunks = list(zip(layout.row_groups[:-1], layout.row_groups[1:]))
        cutter = _scatter_pieces if self._kernels is None else functools.partial(_tiled_pieces, kernels=self._kernels)
        # The chunks are cut on threads (scipy's, numpy's and numba's work runs outside the
        # GIL), a few ahead of the one written, and written in order: the file is the same either way.
        cut = in_order_on_threads(cutter, ((matrix, first, last, layout) for first, last in chunks), threads)
        for (row_parts, column_parts), (first, last) in zip(cut, chunks):  # cut first: it ends, and shuts its threads
            self._row_tasks.append((first, last, [self._file.write(*part[1:]) for part in row_parts]))
            for group, *part in column_parts:
                col_pieces[group].append(self._file.write(*part))
            del row_parts, column_parts
            # A spilled matrix: its rows are in the file now, out of memory.
            release(matrix.data[matrix.indptr[first] : matrix.indptr[last]])
            release(matrix.indices[matrix.indptr[first] : matrix.indptr[last]])
        del matrix
        self._col_tasks = [(int(a), int(b), parts) for a, b, parts in zip(layout.col_groups[:-1], layout.col_groups[1:], col_pieces)]
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def dot(self, dense: np.ndarray) -> np.ndarray:
        """``A @ dense``."""
        return self._product(self._row_tasks, self.shape[0], dense)

    def tdot(self, dense: np.ndarray) -> np.ndarray:
        """``A.T @ dense``."""
        return self._product(self._col_tasks, self.shape[1], dense)

    def _product(self, tasks: list[tuple[int, int, list[_Piece]]], out_rows: int, dense: np.ndarray) -> np.ndarray:
        """``A @ dense`` or ``A.T @ dense`` (as ``tasks`` say), into a new array in memory or spilled as ``dense`` is.

        A spilled ``dense`` is read a chunk of rows at a time, for one group of output rows
        after another, each group dropped from memory once done. Every task's pieces are in
        the order of their input rows, so each output value sums the same terms in the same
        order either way: the results are the same to the bit.
        """
        dense = np.ascontiguousarray(dense, dtype=self.dtype)
        out = tall_zeros((out_rows, dense.shape[1]), dtype=self.dtype)
        if not is_spilled(dense):
            self._run_chunk(tasks, dense, out, None)
            return out
        # Groups of output rows of about a chunk's size, each finished before the next: its
        # pages are written once, and the input (read faults, which map many pages at a
        # time) is read once a group, a chunk at a time.
        chunks = -(-len(dense) // self._chunk_rows)
        for group in self._output_groups(tasks, dense.shape[1]):
            for chunk in range(chunks):
                self._run_chunk(group, dense, out, chunk)
                release(dense[chunk * self._chunk_rows : (chunk + 1) * self._chunk_rows])
            release(out[group[0][0] : group[-1][1]])
        return out

    def _output_groups(
        self, tasks: list[tuple[int, int, list[_Piece]]], width: int
    ) -> Iterator[list[tuple[int, int, list[_Piece]]]]:
        """The tasks in runs of consecutive output rows, each about ``INPUT_CHUNK_BYTES`` of output."""
        group: list[tuple[int, int, list[_Piece]]] = []
        for task in sorted(tasks, key=lambda task: task[0]):
            group.append(task)
            if (task[1] - group[0][0]) * width * self.dtype.itemsize >= INPUT_CHUNK_BYTES:
                yield group
                group = []
        if group:
            yield group

    def _run_chunk(
        self, tasks: list[tuple[int, int, list[_Piece]]], dense: np.ndarray, out: np.ndarray, chunk: int | None
    ) -> None:
        """Add the tasks' pieces that read ``chunk`` of the input's rows (all pieces for None) into ``out``."""

        def run(task: tuple[int, int, list[_Piece]]) -> None:
            first, last, pieces = task
            for piece in pieces:
                if chunk is not None and piece.first_input // self._chunk_rows != chunk:
                    continue
                arrays = self._file.read(piece)
                inputs = dense[piece.first_input : piece.first_input + piece.inputs]
                if self._kernels is not None:
                    self._kernels.gather_product(*arrays, inputs, out[first:last])
                    continue
                indptr, indices, data = arrays
                if _csc_matvecs is None:
                    out[first:last] += sp.csc_matrix((data, indices, indptr), shape=(last - first, piece.inputs)) @ inputs
                    continue
                # out[first:last] and the inputs are contiguous slices: reshape(-1) gives views the kernel uses.
                _csc_matvecs(
                    last - first, piece.inputs, dense.shape[1], indptr, indices, data, inputs.reshape(-1), out[first:last].reshape(-1)
                )
            if chunk is None:
                release(out[first:last])  # done with: out of the process, if out is in a file

        heaviest_first = sorted(tasks, key=lambda task: -sum(piece.entries for piece in task[2]))
        if self._pool is None:
            for task in heaviest_first:
                run(task)
        else:
            list(self._pool.map(run, heaviest_first))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        self._file.close()


def _gram(tall: np.ndarray, rows_per_step: int = _ROWS_PER_STEP, dtype: type = np.float64) -> np.ndarray:
    """``tall.T @ tall`` accumulated in ``dtype`` (float64 by default), a few thousand rows at a time (bounded memory)."""
    return _cross(tall, None, dtype, rows_per_step)


def _cross(
    first: np.ndarray, second: np.ndarray | None, dtype: type = np.float64, rows_per_step: int = _ROWS_PER_STEP
) -> np.ndarray:
    """``first.T @ second`` (``first.T @ first`` for None) for tall matrices of as many rows, accumulated in ``dtype``.

    A few thousand rows at a time, each released after (a spilled matrix is read once, a block in memory at a time).
    """
    cross = np.zeros((first.shape[1], first.shape[1] if second is None else second.shape[1]), dtype=dtype)
    for start in range(0, first.shape[0], rows_per_step):
        rows = slice(start, start + rows_per_step)
        part = first[rows].astype(dtype, copy=False)
        cross += part.T @ (part if second is None else second[rows].astype(dtype, copy=False))  # part.T @ part: BLAS syrk
        release(first[rows])
        if second is not None:
            release(second[rows])
    return cross


def _subtract_product(target: np.ndarray, tall: np.ndarray, small: np.ndarray) -> None:
    """``target -= tall @ small`` in place, a few thousand rows at a time (no temporary of the whole product)."""
    small = small.astype(target.dtype)
    for start in range(0, target.shape[0], _ROWS_PER_STEP):
        rows = slice(start, start + _ROWS_PER_STEP)
        target[rows] -= tall[rows] @ small
        release(tall[rows])
        release(target[rows])


#: Loss of orthogonality accepted from one pass of Cholesky QR, which is about the Gram matrix's
#: machine epsilon times the condition number squared: tight for a basis that must come out
#: orthonormal, loose for a power iteration's, which only keeps the columns apart (the next
#: product is renormalised again).
_PRECISE_LOSS, _ITERATION_LOSS = 1e-6, 0.05


def _cholesky_inverse(sample: np.ndarray, gram_dtype: type, loss: float, gram: np.ndarray | None = None) -> np.ndarray | None:
    """``R^-1`` for Cholesky QR (``sample @ R^-1`` orthonormal), the Gram matrix formed in ``gram_dtype`` (or ``gram``, if made).

    None if the Gram matrix is not numerically positive definite, or the sample too
    ill-conditioned for that precision to keep the loss of orthogonality below ``loss``.
    """
    if gram is None:
        gram = _gram(sample, dtype=gram_dtype)
    try:
        factor = np.linalg.cholesky(gram.astype(np.float64))  # lower: Gram = L L^T, Y = Q L^T
    except np.linalg.LinAlgError:
        return None
    diagonal = np.abs(np.diag(factor))
    limit = np.sqrt(loss / np.finfo(gram_dtype).eps)  # condition beyond which the loss is larger
    if diagonal.min() * limit < diagonal.max():
        return None
    return scipy.linalg.solve_triangular(factor, np.eye(len(factor)), lower=True).T.astype(sample.dtype)


def _orthonormalize(sample: np.ndarray, passes: int = 1, *, precise: bool = True, householder: bool = True) -> np.ndarray | None:
    """An orthonormal basis of the columns of a tall matrix, by Cholesky QR, in place when it can.

    Cholesky QR (the Cholesky factor ``R`` of the Gram matrix, then ``Q = Y R^-1``) costs
    two matrix products, several times less than Householder QR on a tall matrix. It loses
    orthogonality as the square of the condition number, so the last pass of a ``precise``
    basis forms the Gram matrix in float64, and a second pass restores orthogonality. Other
    passes (all of a power iteration's, ``precise=False``) form it in the sample's own
    precision, float32 in a build: half the work, and the loss it leaves is absorbed by the
    next pass or product. A sample too ill-conditioned for a pass's precision takes it in
    float64; one too ill-conditioned for that, or rank-deficient, goes to Householder QR, or
    without ``householder`` gives None (and is left partly transformed).
    """
    dtype = sample.dtype
    for number in range(passes):
        final = precise and number == passes - 1
        loss = _PRECISE_LOSS if final else _ITERATION_LOSS
        # The sample's own precision first where it is lower, then float64 (once).
        inverse = None
        for gram_dtype in dict.fromkeys([np.float64] if final else [dtype.type, np.float64]):
            inverse = _cholesky_inverse(sample, gram_dtype, loss)
            if inverse is not None:
                break
        if inverse is None:
            if not householder:
                return None
            basis, _ = scipy.linalg.qr(sample, mode="economic", check_finite=False)
            return basis.astype(dtype, copy=False)
        _times_upper_triangular(sample, inverse)
    return sample


def _times_upper_triangular(tall: np.ndarray, upper: np.ndarray) -> None:
    """``tall @= upper`` in place, for an upper-triangular ``upper``: BLAS ``trmm`` (half a full product's work, no copy)."""
    if tall.flags.c_contiguous and tall.dtype == upper.dtype and tall.dtype in (np.float32, np.float64):
        trmm = scipy.linalg.blas.get_blas_funcs("trmm", (tall,))
        upper = np.asfortranarray(upper)
        # A spilled matrix a block of rows at a time, each released after: one block in memory.
        step = _ROWS_PER_STEP if is_spilled(tall) else max(len(tall), 1)
        for start in range(0, len(tall), step):
            rows = tall[start : start + step]
            # rows in C order are the columns of rows.T in Fortran order: rows.T := upper.T @ rows.T.
            result = trmm(1.0, upper, rows.T, side=0, lower=0, trans_a=1, overwrite_b=1)
            if not np.shares_memory(result, rows):
                rows[:] = result.T  # pragma: no cover - a BLAS wrapper that copied instead
            release(rows)
        return
    for start in range(0, len(tall), _ROWS_PER_STEP):  # in place, a few rows at a time: no second tall matrix
        tall[start : start + _ROWS_PER_STEP] = tall[start : start + _ROWS_PER_STEP] @ upper
        release(tall[start : start + _ROWS_PER_STEP])


def randomized_svd(
    matrix: sp.spmatrix | np.ndarray,
    dim: int,
    *,
    oversamples: int = 20,
    power_iterations: int = 2,
    seed: int = 0,
    dtype: type = np.float32,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``dim`` largest singular triplets of ``matrix``, by randomized block Krylov iterations.

    Parameters
    ----------
    matrix : sparse or dense array, shape (m, n)
        The matrix to factorise.
    dim : int
        Number of singular values and vectors to return; ``dim < min(m, n)``.
    oversamples : int, default 20
        Extra random directions beyond ``dim``; they make the top ``dim`` accurate.
    power_iterations : int, default 2
        Passes of ``(A A^T)`` that sharpen the spectrum; the result comes from the last two
        passes' blocks together, so 2 (six sparse products) scores as 3 of plain power
        iterations (eight) on the bench corpus (benchmarks/RESULTS.md, svd_variants.py).
        Each more costs two sparse products.
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
    For a Gaussian ``Omega`` of ``w = dim + oversamples`` columns and ``q`` power
    iterations, the Rayleigh-Ritz projection onto the span of ``(A A^T)^(q-1) A Omega``
    and ``(A A^T)^q A Omega``: two blocks of a block Krylov space (Musco & Musco 2015),
    ``2w`` directions from the ``2q + 2`` products that Algorithm 4.4 of Halko et al. spends
    on the ``w`` of ``(A A^T)^q A Omega`` alone. The power iterations are renormalised by
    Cholesky QR; the second block is orthogonalised against the first (block Gram-Schmidt,
    twice). ``B = Q^T A`` is never formed: its SVD comes from the eigendecomposition of the
    small Gram matrix ``B B^T`` of the products ``A^T Q``. With ``q = 0``, or where the
    matrix is too small for two blocks, or has no more rank beyond the first block, the
    first block alone is used. The sparse products run in cache-sized blocks on threads (see
    ``_BlockedProducts``). Signs are fixed so that the largest-magnitude entry of each left
    singular vector is positive, so results are deterministic.

    References
    ----------
    Halko, N., Martinsson, P. G. & Tropp, J. A. (2011). Finding structure with
    randomness. SIAM Review 53(2), 217-288. Musco, C. & Musco, C. (2015). Randomized
    block Krylov methods for stronger and faster approximate singular value decomposition.
    NeurIPS.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0, 2.0])
    >>> u, s, vt = randomized_svd(a, 1, dtype=np.float64)
    >>> bool(np.allclose(u * s @ vt, a))
    True
    """
    holder = [matrix]
    del matrix  # the caller may have handed it over: then the SVD holds the only reference
    bases, transposed, gram = _range_and_projection(
        holder, dim, oversamples=oversamples, power_iterations=power_iterations, seed=seed, dtype=dtype, threads=threads
    )
    singular_values, left_small, right_small = _small_svd(gram, dim)
    u = sum(block @ part for block, part in zip(bases, _block_parts(left_small.astype(dtype), bases)))
    del bases
    v = sum(block @ part for block, part in zip(transposed, _block_parts(right_small.astype(dtype), transposed)))
    del transposed
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(dim)]).astype(dtype)
    signs[signs == 0] = 1
    u *= signs
    v *= signs
    return u, singular_values.astype(dtype), v.T


def _range_and_projection(
    holder: list[sp.spmatrix | np.ndarray],
    dim: int,
    *,
    oversamples: int,
    power_iterations: int,
    seed: int,
    dtype: type,
    threads: int | None,
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Orthonormal blocks ``Q_i`` of the dominant range of ``A`` (taken out of ``holder``), their ``A^T Q_i``, and ``B B^T``.

    ``B = Q^T A`` for ``Q = [Q_1, Q_2]`` (or ``Q_1`` alone, see :func:`randomized_svd`), so
    ``B B^T`` is the float64 Gram matrix of ``[A^T Q_1, A^T Q_2]``. The blocks are tall:
    (rows x width) and (cols x width), width = dim + oversamples. A sparse ``A`` is freed
    as soon as its pieces are written (see :class:`_BlockedProducts`).
    """
    rows, cols = holder[0].shape
    if dim < 1:
        raise ParameterError(f"dim must be >= 1; got {dim}")
    if dim >= min(rows, cols):
        raise ParameterError(f"dim must be smaller than the vocabulary size; got dim={dim} >= {min(rows, cols)}")
    width = min(dim + oversamples, min(rows, cols))
    test_matrix = tall_empty((cols, width), dtype=dtype)
    rng = np.random.default_rng(seed)

    def draw() -> None:
        for start in range(0, cols, _ROWS_PER_STEP):  # the same numbers as in one call, a block in memory at a time
            rng.standard_normal(dtype=np.dtype(dtype), out=test_matrix[start : start + _ROWS_PER_STEP])
            release(test_matrix[start : start + _ROWS_PER_STEP])

    products: _BlockedProducts | None = None
    drawn = None
    if sp.issparse(holder[0]):
        if not is_spilled(test_matrix):
            # Drawn on a thread (outside the GIL) while the blocks are cut, which leaves a core idle at
            # times. A spilled test matrix is drawn after, so that the two do not compete for the page cache.
            drawn = in_background(draw)
        products = _BlockedProducts([sp.csr_matrix(holder.pop(), dtype=dtype)], width, threads or available_cores())
        release_freed_memory()  # the matrix the blocks were made from
        dot, tdot = products.dot, products.tdot
    else:
        dense = np.asarray(holder.pop(), dtype=dtype)
        dot, tdot = dense.__matmul__, dense.T.__matmul__
    try:
        if drawn is None:
            draw()
        else:
            drawn.result()
        sample = dot(test_matrix)
        del test_matrix
        two_blocks = power_iterations > 0 and 2 * width <= min(rows, cols)
        for _ in range(power_iterations - two_blocks):  # with two blocks, the last pass makes the second, below
            # One name at a time holds a tall matrix, so at most two are alive (a product's input and output).
            sample = tdot(_orthonormalize(sample, precise=False))
            sample = dot(sample)
        basis = _orthonormalize(sample, passes=2)
        del sample
        transposed = tdot(basis)
        gram = _gram(transposed)
        bases, transposeds = [basis], [transposed]
        if two_blocks:
            second = _next_krylov_block(dot(transposed), basis, gram)
            if second is not None:
                second_transposed = tdot(second)
                cross = _cross(transposed, second_transposed)
                gram = np.block([[gram, cross], [cross.T, _gram(second_transposed)]])
                bases.append(second)
                transposeds.append(second_transposed)
            del second
    finally:
        if products is not None:
            products.close()
        del products, dot, tdot
        release_freed_memory()
    return [np.ascontiguousarray(basis) for basis in bases], transposeds, gram


def _next_krylov_block(sample: np.ndarray, basis: np.ndarray, projection: np.ndarray) -> np.ndarray | None:
    """``sample = A A^T Q`` (``Q`` = ``basis``) made orthonormal and orthogonal to ``basis``: the next Krylov block.

    ``projection`` is ``Q^T sample``, which is ``(A^T Q)^T (A^T Q)``, the Gram matrix already
    made, so the first pass of block Gram-Schmidt costs one product; a second pass (with
    ``Q^T`` of what is left) removes what rounding left, as classical Gram-Schmidt needs
    ("twice is enough"). Of what is left, the directions longer than ``Q``'s loss of
    orthogonality leaves in it (:func:`_directions_above`): all of them but where ``A`` has
    little rank beyond ``Q``. None if there are none: then ``Q`` is all there is.
    """
    _subtract_product(sample, basis, projection)
    _subtract_product(sample, basis, _cross(basis, sample, sample.dtype.type))
    # |A A^T Q| is the largest eigenvalue of the projection; Q's loss of orthogonality leaves up to about
    # _PRECISE_LOSS of it in every direction of what is left, which would come out as a direction of Q.
    largest = max(float(np.linalg.eigvalsh(projection)[-1]), 0.0)
    return _directions_above(sample, _NOISE_MARGIN * _PRECISE_LOSS * largest)


#: How far above the rounding error that ``Q``'s loss of orthogonality leaves a direction of the
#: next Krylov block must be to be kept.
_NOISE_MARGIN = 10


def _directions_above(sample: np.ndarray, floor: float) -> np.ndarray | None:
    """An orthonormal basis of the directions ``x`` (unit) of the columns of ``sample`` with ``|sample x| > floor``.

    From the float64 Gram matrix and its eigenvalues: when every direction is above the floor,
    one precise pass of Cholesky QR in place, from that Gram matrix, if the sample is
    well-conditioned enough for it; otherwise the eigenvectors of the directions above,
    scaled (SVQB, Stathopoulos & Wu 2002), then a precise pass of Cholesky QR, into a new
    array of as many columns as directions kept. None if no direction is above the floor.
    """
    gram = _gram(sample)
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    kept = np.flatnonzero(eigenvalues > floor**2)[::-1]  # longest first
    if len(kept) == 0:
        return None
    if len(kept) == len(eigenvalues):
        inverse = _cholesky_inverse(sample, np.float64, _PRECISE_LOSS, gram)
        if inverse is not None:
            _times_upper_triangular(sample, inverse)
            return sample
    directions = (eigenvectors[:, kept] / np.sqrt(eigenvalues[kept])).astype(sample.dtype)
    block = tall_empty((len(sample), len(kept)), dtype=sample.dtype)
    for start in range(0, len(sample), _ROWS_PER_STEP):
        block[start : start + _ROWS_PER_STEP] = sample[start : start + _ROWS_PER_STEP] @ directions
        release(sample[start : start + _ROWS_PER_STEP])
        release(block[start : start + _ROWS_PER_STEP])
    return _orthonormalize(block, householder=False)


def _block_parts(small: np.ndarray, blocks: list[np.ndarray]) -> list[np.ndarray]:
    """The rows of ``small`` that multiply each of ``blocks`` (``[Q_1, Q_2] @ small = Q_1 @ small_1 + Q_2 @ small_2``)."""
    cuts = np.cumsum([0, *(block.shape[1] for block in blocks)])
    return [small[first:last] for first, last in zip(cuts[:-1], cuts[1:])]


def _block_rows(blocks: list[np.ndarray], rows: slice) -> np.ndarray:
    """``rows`` of the blocks side by side: a view of the one block, or a copy of their rows."""
    return blocks[0][rows] if len(blocks) == 1 else np.hstack([block[rows] for block in blocks])


def _small_svd(gram: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Singular values ``S`` and the small factors that turn ``Q`` into ``U`` and ``A^T Q`` into ``V``.

    With ``B = Q^T A = U_B S V^T``: ``U = Q U_B`` and ``V = B^T U_B S^-1`` (a zero
    singular value, rank below dim, leaves its vector zero). ``U_B`` and ``S`` come from
    the eigendecomposition of ``gram``, the small matrix ``B B^T`` in float64.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    top = np.argsort(-eigenvalues, kind="stable")[:dim]
    singular_values = np.sqrt(np.maximum(eigenvalues[top], 0))
    left_small = eigenvectors[:, top]
    inverse = np.divide(1.0, singular_values, out=np.zeros_like(singular_values), where=singular_values > 0)
    return singular_values, left_small, left_small * inverse


def svd_embedding(
    matrix: sp.spmatrix | np.ndarray,
    dim: int,
    *,
    eig: float = 0.0,
    add_context: bool = False,
    normalize: bool = True,
    oversamples: int = 20,
    power_iterations: int = 2,
    seed: int = 0,
    dtype: type = np.float32,
    threads: int | None = None,
    analogy_eig: float | None = None,
    fold_in: sp.spmatrix | None = None,
    folded: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, ...]:
    """Word vectors ``embed(*randomized_svd(matrix, dim))`` and the singular values, in less memory.

    Parameters are those of :func:`randomized_svd` and :func:`embed`, and ``analogy_eig``:
    if given, a second view of the same SVD is made too, the unit rows of
    ``U S^analogy_eig`` without context vectors (the setting Levy et al. 2015 found best
    for analogies, where ``eig`` 0 with ``w+c`` is best for similarity). The result is the
    same as :func:`embed`'s, but ``U`` and ``V`` are never formed: each block of rows of
    the vectors is computed from the blocks of ``Q`` and ``A^T Q`` and written over the
    first block of ``Q``, so the build holds no more tall matrices than the SVD itself. The
    vectors are a view of that reused memory (``dim + oversamples`` columns wide, of which
    ``dim`` are the vectors').

    ``fold_in`` are more rows of the matrix's kind (over the same columns), left out of the
    SVD: their vectors are those the SVD would give them, ``m V S^-1`` for a row ``m``
    (folding in, as latent semantic analysis adds documents), weighted as the view's
    (without context vectors, which they have none of), and written to ``folded``
    (``"similarity"``, and ``"analogy"`` with ``analogy_eig``).

    Returns
    -------
    vectors : ndarray, shape (rows, dim)
    s : ndarray, shape (dim,)
        Singular values, largest first.
    analogy_vectors : ndarray, shape (rows, dim)
        Only with ``analogy_eig``: the second view.
    """
    rows, cols = matrix.shape
    if add_context and rows != cols:
        raise ParameterError(f"add_context needs as many contexts as words; got a {rows} x {cols} matrix")
    holder = [matrix]
    del matrix
    bases, transposed, gram = _range_and_projection(
        holder, dim, oversamples=oversamples, power_iterations=power_iterations, seed=seed, dtype=dtype, threads=threads
    )
    singular_values, left_small, right_small = _small_svd(gram, dim)
    basis = bases[0]  # the vectors are written over it
    weights = eigenvalue_weights(singular_values, eig, normalize=normalize, dtype=dtype)
    if analogy_eig is not None:
        analogy_weights = eigenvalue_weights(singular_values, analogy_eig, normalize=True, dtype=dtype)
        analogy_vectors = tall_empty((rows, dim), dtype=dtype)
    left = left_small.astype(dtype)
    # In the working precision, as U's product is: a float64 product of the contexts took longer than the rest of the assembly.
    right_weighted = (right_small * weights).astype(dtype)
    columns = np.arange(dim)

    def assemble(start: int) -> np.ndarray:
        """Rows ``start:`` a step of the views, in place of the basis; returns the block's largest-magnitude ``U`` of each column."""
        step = slice(start, start + _ROWS_PER_STEP)
        u_part = _block_rows(bases, step) @ left
        values = u_part[np.abs(u_part).argmax(axis=0), columns]
        contexts = _block_rows(transposed, step) if add_context else None
        if analogy_eig is not None:
            analogy_vectors[step] = _weighted_rows(u_part, analogy_weights, None, None, True)
            release(analogy_vectors[step])
        basis[step, :dim] = _weighted_rows(u_part, weights, contexts, right_weighted, normalize)
        for block in bases + (transposed if add_context else []):
            release(block[step])
        return values

    # The blocks of rows on a thread per core, each product on one BLAS thread (most of the work
    # is element-wise, on one core); each block reads and writes only its own rows.
    starts = range(0, rows, _ROWS_PER_STEP)
    with one_blas_thread_each(len(starts), threads, strict=False) as pool:
        block_values = list(map(assemble, starts) if pool is None else pool.map(assemble, starts))
    # Signs as randomized_svd fixes them: each column's largest |U|, the first of equals.
    largest = np.zeros(dim, dtype=dtype)
    signs = np.ones(dim, dtype=dtype)
    for values in block_values:
        larger = np.abs(values) > largest
        largest[larger] = np.abs(values[larger])
        signs[larger] = np.where(values[larger] < 0, -1, 1)
    del block_values, bases  # all but the first block of Q, which holds the vectors
    if fold_in is not None and folded is not None:
        views = {"similarity": (weights, normalize)}
        if analogy_eig is not None:
            views["analogy"] = (analogy_weights, True)
        _fold_in(sp.csr_matrix(fold_in, dtype=dtype), transposed, left_small, singular_values, signs, views, folded,
                 dtype=dtype, threads=threads)
        for block in transposed:
            release(block)
    del transposed
    # Close the gaps: row i moves from i * width to i * dim of the same memory. Each step
    # copies its rows out before writing, and never writes past where the next step reads.
    flat = basis.reshape(-1)
    for start in range(0, rows, _ROWS_PER_STEP):
        part = basis[start : start + _ROWS_PER_STEP, :dim].copy()
        part *= signs
        flat[start * dim : start * dim + part.size] = part.reshape(-1)
        release(basis[start : start + _ROWS_PER_STEP])
        release(flat[start * dim : start * dim + part.size])  # below the rows just read, partly
    vectors = flat[: rows * dim].reshape(rows, dim)
    del basis, flat
    if analogy_eig is None:
        return vectors, singular_values.astype(dtype)
    for start in range(0, rows, _ROWS_PER_STEP):
        analogy_vectors[start : start + _ROWS_PER_STEP] *= signs
        release(analogy_vectors[start : start + _ROWS_PER_STEP])
    return vectors, singular_values.astype(dtype), analogy_vectors


def _fold_in(
    rows: sp.csr_matrix,
    transposed: list[np.ndarray],
    left_small: np.ndarray,
    singular_values: np.ndarray,
    signs: np.ndarray,
    views: dict[str, tuple[np.ndarray, bool]],
    folded: dict[str, np.ndarray],
    *,
    dtype: type,
    threads: int | None,
) -> None:
    """Fill ``folded[view]`` with the vectors of ``rows`` folded in: ``m V S^-1`` weighted as each view's, a block of rows a thread.

    ``V = (A^T Q) U_small S^-1``, so a row's ``m V S^-1`` is ``m (A^T Q) U_small S^-2``
    (``A^T Q`` in ``transposed``'s blocks side by side).
    """
    from concurrent.futures import ThreadPoolExecutor

    from ._cores import available_cores

    dim = len(singular_values)
    for name in views:
        folded[name] = tall_empty((rows.shape[0], dim), dtype=dtype)
    scale = 1 / singular_values.astype(np.float64) ** 2

    def fold(start: int) -> None:
        # scipy's sparse product runs on one core, outside the GIL: blocks on threads use them all.
        part = rows[start : start + _ROWS_PER_STEP]
        u_rows = (np.hstack([np.asarray(part @ block, dtype=np.float64) for block in transposed]) @ left_small) * scale
        for name, (view_weights, view_normalize) in views.items():
            folded[name][start : start + _ROWS_PER_STEP] = _weighted_rows(u_rows, view_weights, None, None, view_normalize) * signs
            release(folded[name][start : start + _ROWS_PER_STEP])

    with ThreadPoolExecutor(max_workers=threads or available_cores()) as pool:
        list(pool.map(fold, range(0, rows.shape[0], _ROWS_PER_STEP)))


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
    weights = eigenvalue_weights(np.asarray(s, dtype=np.float64), eig, normalize=normalize)
    vectors = np.empty((len(u), len(weights)), dtype=np.float32)
    contexts = vt.T
    # A few thousand rows at a time in float64: no float64 temporary of the whole matrix.
    for start in range(0, len(vectors), _ROWS_PER_STEP):
        vectors[start : start + _ROWS_PER_STEP] = _weighted_rows(
            u[start : start + _ROWS_PER_STEP],
            weights,
            contexts[start : start + _ROWS_PER_STEP] if add_context else None,
            None,
            normalize,
        )
    return vectors


def eigenvalue_weights(
    singular_values: np.ndarray, eig: float, *, normalize: bool, dtype: type = np.float32
) -> np.ndarray:
    """The weights ``s ** eig`` of the columns of ``U`` (and ``V``), in float64.

    Parameters
    ----------
    singular_values : ndarray
        Singular values, largest first.
    eig : float
        The exponent.
    normalize : bool
        The vectors will be scaled to unit length: then only the ratios of the weights
        matter, and they are divided by the largest, so none is above 1.
    dtype : numpy dtype, default float32
        Precision the singular values were computed in.

    Returns
    -------
    ndarray of float64
        A singular value that the working precision cannot tell from 0 (below
        ``sqrt(eps)`` times the largest: the eigenvalues it comes from are only known to
        ``eps`` times the largest) weighs 0: its vectors are noise, and ``0 ** eig`` is
        infinite for a negative ``eig``.

    Notes
    -----
    ``s ** eig`` itself overflows float32 for a large ``s`` and ``eig`` (332 ** 8 on a
    small corpus), and its smallest values underflow with a negative ``eig``; the
    vectors' squared lengths overflow long before. Divided by the largest weight, the
    weights lie in (0, 1], and the weighted rows are computed and normalised in float64
    before they are rounded to float32, so unit vectors come out the same for any ``eig``.
    """
    singular_values = np.asarray(singular_values, dtype=np.float64)
    tolerance = np.sqrt(np.finfo(dtype).eps) * (singular_values.max() if len(singular_values) else 0.0)
    kept = singular_values > tolerance
    weights = np.zeros(len(singular_values))
    if not kept.any():
        return weights
    if normalize:
        # The weight of the largest or the smallest kept value is the largest: divide by it first.
        reference = singular_values[kept].max() if eig >= 0 else singular_values[kept].min()
        weights[kept] = (singular_values[kept] / reference) ** eig
    else:
        weights[kept] = singular_values[kept] ** eig
    return weights


def _weighted_rows(
    u_rows: np.ndarray,
    weights: np.ndarray,
    context_rows: np.ndarray | None,
    context_weights: np.ndarray | None,
    normalize: bool,
) -> np.ndarray:
    """Rows ``U S^eig`` (plus ``V S^eig`` of the contexts, if given), normalised if asked, in float64.

    ``context_rows @ context_weights`` gives ``V S^eig`` where ``V`` is not formed
    (:func:`svd_embedding`); without ``context_weights``, ``context_rows`` are rows of ``V``.
    """
    rows = np.multiply(u_rows, weights, dtype=np.float64)
    if context_rows is not None:
        rows += context_rows @ context_weights if context_weights is not None else context_rows * weights
    if normalize:
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        np.divide(rows, norms, out=rows, where=norms > 0)
    return rows
