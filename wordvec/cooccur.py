"""Count windowed word-context co-occurrences from token-id blocks into a scipy.sparse matrix."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from ._spill import Appender, release, spills
from .deprecation import renamed_attributes, renamed_keywords
from .errors import ParameterError
from .options import DISTANCE_WEIGHTINGS, MAX_WINDOW
from .vocab import LINE_ID, OOV_ID

#: Pairs buffered before they are summed into the sparse matrix (bounds memory).
FLUSH_PAIRS = 1 << 22

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@renamed_keywords(weighting="distance_weighting")
def distance_weights(window: int, distance_weighting: str) -> tuple[np.ndarray, int]:
    """Integer weights for distances 1..window, and the scale that makes them integers.

    The weight of a pair at distance ``d`` is ``weights[d - 1] / scale``:

    - ``harmonic``: 1/d, as GloVe (scale = lcm(1..window));
    - ``dynamic``: (window - d + 1)/window, the expected weight of word2vec's dynamic
      window, which samples the window size uniformly from 1..window (Levy et al. 2015);
    - ``uniform``: 1.

    Counting in integers makes the sums exact, so the matrix does not depend on how the
    corpus is split into chunks or shards. ``window`` is at most
    :data:`wordvec.options.MAX_WINDOW`, which keeps the harmonic scale far below the int64 limit.
    """
    if distance_weighting not in DISTANCE_WEIGHTINGS:
        raise ParameterError(
            f"distance_weighting must be one of {', '.join(DISTANCE_WEIGHTINGS)}; got {distance_weighting!r}"
        )
    if not 1 <= window <= MAX_WINDOW:
        raise ParameterError(f"window must be between 1 and {MAX_WINDOW}; got {window}")
    distances = np.arange(1, window + 1, dtype=np.int64)
    if distance_weighting == "harmonic":
        scale = math.lcm(*range(1, window + 1))
        return scale // distances, scale
    if distance_weighting == "dynamic":
        return window - distances + 1, window
    return np.ones(window, dtype=np.int64), 1


def subsample_keep_probability(counts: np.ndarray, threshold: float) -> np.ndarray:
    """Probability of keeping each word under frequent-word subsampling.

    A word of corpus frequency ``f`` above ``threshold`` is discarded with probability
    ``1 - sqrt(threshold / f)`` (Mikolov et al. 2013, as used by Levy et al. 2015).
    """
    frequency = counts / max(counts.sum(), 1)
    with np.errstate(divide="ignore"):
        keep = np.sqrt(threshold / frequency)
    return np.minimum(keep, 1.0)


def position_uniforms(offset: int, length: int, seed: int) -> np.ndarray:
    """Uniform [0, 1) numbers keyed on absolute stream positions (splitmix64).

    Keying the random draw on the position instead of drawing from a sequential
    generator keeps subsampling identical however the stream is cut into blocks.
    """
    state = np.arange(offset, offset + length, dtype=np.uint64) * _GOLDEN + np.uint64(int(seed) & (2**64 - 1))
    state ^= state >> np.uint64(30)
    state *= np.uint64(0xBF58476D1CE4E5B9)
    state ^= state >> np.uint64(27)
    state *= np.uint64(0x94D049BB133111EB)
    state ^= state >> np.uint64(31)
    return (state >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def counted_positions(ids: np.ndarray, offset: int, keep_probability: np.ndarray | None, seed: int) -> np.ndarray:
    """Which positions of a block of vocabulary ids at ``offset`` in the stream are windowed: the counted corpus.

    Out-of-vocabulary tokens are dropped, and with ``keep_probability`` each word is kept
    with its probability by a draw keyed on its position (:func:`position_uniforms`), so the
    same tokens are dropped however the stream is cut. Line ends are always kept.
    """
    keep = ids != OOV_ID
    if keep_probability is not None:
        words = np.flatnonzero(ids >= 0)
        draws = position_uniforms(offset, len(ids), seed)[words]
        keep[words[draws >= keep_probability[ids[words]]]] = False
    return keep


class CooccurrenceCounter:
    """Accumulates windowed co-occurrence counts over consecutive blocks of token ids.

    Parameters
    ----------
    vocab_size : int
        Number of words; ids are ``0 .. vocab_size - 1``.
    window : int, default 5
        Contexts up to this many tokens away on each side count.
    distance_weighting : {"harmonic", "dynamic", "uniform"}, default "harmonic"
        Weight of a context by its distance, see :func:`distance_weights`.
    keep_probability : numpy.ndarray, optional
        Per-word probability of keeping a token (frequent-word subsampling); tokens
        dropped by it are removed before windowing, as in word2vec.
    seed : int, default 0
        Seed of the subsampling draws.
    compiled : bool, default False
        Count with the compiled kernels of :mod:`wordvec.compiled` (numba, the ``[fast]``
        extra): the same counts, several times faster, and a block's pairs are never held.

    Notes
    -----
    Blocks hold ids with ``LINE_ID`` at line ends (windows never cross them) and
    ``OOV_ID`` for out-of-vocabulary tokens, which are removed before windowing, as
    word2vec and GloVe do. The last ``window`` tokens of a block are carried into the
    next, so the result is the same for any block sizes. Counts are integers scaled by
    :attr:`scale`; :meth:`result` returns the symmetric matrix.
    """

    @renamed_keywords(weighting="distance_weighting")
    def __init__(
        self,
        vocab_size: int,
        *,
        window: int = 5,
        distance_weighting: str = "harmonic",
        keep_probability: np.ndarray | None = None,
        seed: int = 0,
        compiled: bool = False,
    ) -> None:
        self.vocab_size = vocab_size
        self.window = window
        self.weights, self.scale = distance_weights(window, distance_weighting)
        self.keep_probability = keep_probability
        self.seed = seed
        self._carry = np.empty(0, dtype=np.int32)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_pairs = 0
        self._forward = sp.csr_matrix((vocab_size, vocab_size), dtype=np.int64)
        self.compiled = compiled
        self._blocks: list[sp.csr_matrix] = []  # compiled: each block's counts
        if compiled:
            from .compiled import require_kernels

            require_kernels()

    def add(self, ids: np.ndarray, offset: int = 0) -> None:
        """Count the pairs of the next block of ids; ``offset`` is its position in the stream."""
        if self.compiled:
            self._add_compiled(ids, offset)
            return
        keep = counted_positions(ids, offset, self.keep_probability, self.seed)
        tokens = np.concatenate([self._carry, ids[keep]])
        carried = len(self._carry)
        line_ends = np.cumsum(tokens == LINE_ID)
        for distance, weight in enumerate(self.weights, start=1):
            # Pairs (i, i + distance) whose right token is new in this block.
            start = max(carried - distance, 0)
            if len(tokens) - distance <= start:
                continue
            left = tokens[start : len(tokens) - distance]
            right = tokens[start + distance :]
            valid = (left >= 0) & (right >= 0)
            if distance > 1:
                # A line end anywhere between the two tokens cuts the window.
                valid &= line_ends[start : len(tokens) - distance] == line_ends[start + distance :]
            rows, cols = left[valid], right[valid]
            self._pending.append((rows, cols, np.full(len(rows), weight, dtype=np.int64)))
            self._pending_pairs += len(rows)
        self._carry = tokens[-self.window :].copy()
        if self._pending_pairs >= FLUSH_PAIRS:
            self._flush()

    def _add_compiled(self, ids: np.ndarray, offset: int) -> None:
        from .compiled import kernels, subsampling_arguments

        compiled = kernels()
        tokens = compiled.kept_tokens(
            np.ascontiguousarray(ids, dtype=np.int32), offset, *subsampling_arguments(self.keep_probability, self.seed), self._carry
        )
        indptr, indices, data = compiled.forward_counts(tokens, len(self._carry), self.vocab_size, self.weights)
        # Kept apart rather than added to the counts so far (which would copy them each time):
        # they are summed once, when the counts are taken.
        self._blocks.append(sp.csr_matrix((data, indices, indptr), shape=(self.vocab_size, self.vocab_size)))
        self._carry = tokens[-self.window :].copy()

    def _take_blocks(self, *, sort: bool) -> sp.csr_matrix:
        """The compiled blocks' counts summed into one matrix (by the compiled kernel), and the blocks dropped.

        The blocks' columns are unsorted; with ``sort`` the sum is canonical, as numpy's counts are.
        """
        blocks, self._blocks = self._blocks, []
        if len(blocks) == 1 and not sort:
            return blocks[0]
        slices = [(block.indptr, block.indices, block.data) for block in blocks]
        indptr, indices, data = sum_csr_layouts(slices, self.vocab_size, sort=sort)
        return sp.csr_matrix((data, indices, indptr), shape=blocks[0].shape)

    def _flush(self) -> None:
        if self._blocks:
            summed = self._take_blocks(sort=True)
            self._forward = summed if self._forward.nnz == 0 else self._forward + summed
        if not self._pending:
            return
        rows = np.concatenate([p[0] for p in self._pending])
        cols = np.concatenate([p[1] for p in self._pending])
        data = np.concatenate([p[2] for p in self._pending])
        self._pending, self._pending_pairs = [], 0
        shape = (self.vocab_size, self.vocab_size)
        block = sp.coo_matrix((data, (rows, cols)), shape=shape).tocsr()
        self._forward = self._forward + block

    def forward_counts(self) -> sp.csr_matrix:
        """Scaled integer counts of each word with the contexts to its right (int64, CSR).

        :meth:`result` is this matrix plus its transpose. The counts of parts of the stream
        that each end at a line end (which no window crosses), each counted at its own offset,
        add up exactly, in any order: :func:`symmetric_weights` merges them.
        """
        self._flush()
        return self._forward

    def take_forward_counts(self) -> sp.csr_matrix:
        """:meth:`forward_counts` so far, and start them afresh (the window carried between blocks stays).

        Counts taken at any points of the stream add up to those of the whole stream, so a
        worker can save them to a file and go on with an empty matrix: its memory is then
        bounded whatever the length of the stream.
        """
        forward = self.forward_counts()
        self._forward = sp.csr_matrix((self.vocab_size, self.vocab_size), dtype=np.int64)
        return forward

    def take_forward_parts(self) -> list[sp.csr_matrix]:
        """Forward counts so far as one or more matrices that add up to :meth:`take_forward_counts`'s; the counter starts afresh.

        The compiled counter sums its blocks by the compiled kernel, leaving each row's columns
        unsorted (the merge of the parts, :func:`symmetric_weights`, sorts once at the end).
        """
        if self._blocks and not self._pending and self._forward.nnz == 0:
            return [self._take_blocks(sort=False)]
        return [self.take_forward_counts()]

    @property
    def stored_pairs(self) -> int:
        """Pairs held: distinct ones in the forward counts and those waiting to be added (about 12 bytes a pair)."""
        return int(self._forward.nnz) + self._pending_pairs + sum(int(block.nnz) for block in self._blocks)

    def result(self) -> sp.csr_matrix:
        """The symmetric word x context matrix of scaled integer counts (int64, CSR)."""
        forward = self.forward_counts()
        matrix = (forward + forward.T).tocsr()
        matrix.sum_duplicates()
        matrix.sort_indices()
        return matrix


@renamed_keywords(weighting="distance_weighting")
def count_cooccurrences(
    blocks: Iterable[np.ndarray],
    vocab_size: int,
    *,
    window: int = 5,
    distance_weighting: str = "harmonic",
    keep_probability: np.ndarray | None = None,
    seed: int = 0,
) -> sp.csr_matrix:
    """Co-occurrence counts of a stream of token-id blocks, as real-valued weights.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        Consecutive blocks of the id stream (see :class:`CooccurrenceCounter`).
    vocab_size, window, distance_weighting, keep_probability, seed
        As for :class:`CooccurrenceCounter`.

    Returns
    -------
    scipy.sparse.csr_matrix of float64
        ``M[w, c]`` is the summed distance weight of ``c`` in the windows of ``w``.

    Examples
    --------
    >>> import numpy as np
    >>> m = count_cooccurrences([np.array([0, 1, 2])], 3, window=2)
    >>> m.toarray()
    array([[0. , 1. , 0.5],
           [1. , 0. , 1. ],
           [0.5, 1. , 0. ]])
    """
    counter = CooccurrenceCounter(
        vocab_size, window=window, distance_weighting=distance_weighting, keep_probability=keep_probability, seed=seed
    )
    offset = 0
    for ids in blocks:
        counter.add(np.asarray(ids, dtype=np.int32), offset)
        offset += len(ids)
    counts = counter.result()
    return counts.astype(np.float64) / counter.scale


#: Entries (before summing duplicates) merged per block of rows by :func:`symmetric_weights`.
MERGE_BLOCK_ENTRIES = 1 << 21


class ForwardCounts:
    """Forward counts ``F`` of part of a stream, laid out to read rows of ``F + F^T`` a block at a time.

    Rows of ``F`` are slices of its CSR layout and rows of ``F^T`` slices of its CSC layout,
    so a block of rows of the symmetric matrix needs neither a transposed copy nor the
    whole matrix. The arrays are in memory, or in raw files (:meth:`save`) that are read a
    slice at a time (not memory-mapped, whose pages would count towards the reader's
    resident memory).

    Parameters
    ----------
    forward : scipy.sparse.csr_matrix
        Integer forward counts, see :meth:`CooccurrenceCounter.forward_counts`.
    """

    def __init__(self, forward: sp.csr_matrix) -> None:
        by_columns = forward.tocsc()
        self.shape = forward.shape
        self.nnz = int(forward.nnz)
        # For each layout: indptr, indices and data, as arrays or as (path, dtype) of raw files.
        self._layouts: list[list[np.ndarray | tuple[str, np.dtype]]] = [
            [m.indptr.astype(np.int64, copy=False), m.indices, m.data] for m in (forward, by_columns)
        ]

    def save(self, prefix: str) -> ForwardCounts:
        """Write the arrays to raw files named ``prefix.*``, drop them from memory; returns ``self``.

        The object then pickles as a few file names, which is how a worker process hands
        its counts to the parent.
        """
        for layout_number, layout in enumerate(self._layouts):
            for array_number, array in enumerate(layout):
                if isinstance(array, np.ndarray):
                    path = f"{prefix}.{layout_number}{array_number}"
                    array.tofile(path)
                    layout[array_number] = (path, array.dtype)
        return self

    @staticmethod
    def _slice(array: np.ndarray | tuple[str, np.dtype], start: int, stop: int) -> np.ndarray:
        if isinstance(array, np.ndarray):
            return array[start:stop]
        path, dtype = array
        return np.fromfile(path, dtype=dtype, count=stop - start, offset=start * np.dtype(dtype).itemsize)

    def entries_per_row(self) -> np.ndarray:
        """Stored entries of each row of ``F + F^T`` (duplicates, such as the diagonal, counted twice)."""
        rows = self.shape[0]
        return sum(np.diff(self._slice(layout[0], 0, rows + 1)) for layout in self._layouts)

    def layout_slices(self, first: int, last: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Rows ``first .. last - 1`` of ``F`` and of ``F^T``: for each, its indptr slice (absolute) and its indices and data."""
        slices = []
        for indptr_array, indices_array, data_array in self._layouts:
            indptr = self._slice(indptr_array, first, last + 1)
            start, stop = int(indptr[0]), int(indptr[-1])
            slices.append((indptr, self._slice(indices_array, start, stop), self._slice(data_array, start, stop)))
        return slices

    def entries(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows ``first .. last - 1`` of ``F + F^T`` as (row - first, column, count) triples, duplicates unsummed."""
        rows, cols, values = [], [], []
        for indptr, indices, data in self.layout_slices(first, last):
            rows.append(np.repeat(np.arange(last - first, dtype=np.int32), np.diff(indptr)))
            cols.append(indices)
            values.append(data)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)


def symmetric_weights(parts: list[ForwardCounts], scale: int, *, compiled: bool = False) -> sp.csr_matrix:
    """The co-occurrence weights ``sum(F + F^T) / scale`` of the forward counts of parts of a stream.

    Built a block of rows at a time into arrays sized for the result, so the memory
    needed is that of the result, not of the parts (which may be in files) or of a
    transposed copy.

    Parameters
    ----------
    parts : list of ForwardCounts
        Forward counts of parts of the stream (shards), all of the same shape.
    scale : int
        The counters' :attr:`CooccurrenceCounter.scale`.
    compiled : bool, default False
        Sum each block of rows with the compiled kernel of :mod:`wordvec.compiled`, on a
        thread per core (the same result).

    Returns
    -------
    scipy.sparse.csr_matrix of float32
        Symmetric, in canonical form (sorted indices, no duplicates, no zeros).
    """
    size = parts[0].shape[0]
    per_row = sum(part.entries_per_row() for part in parts)
    cumulative = np.concatenate([[0], np.cumsum(per_row)])
    # A large result goes to temporary files a block at a time (see wordvec._spill), so the
    # merge holds one block; else arrays allocated for the upper bound, whose pages past what is
    # filled are never touched, so never resident.
    spilled = spills(int(cumulative[-1]) * 4)
    if spilled:
        index_file, data_file = Appender(np.int32), Appender(np.float32)
    else:
        indices = np.empty(int(cumulative[-1]), dtype=np.int32)
        # float32: the weights feed PPMI, computed in float32; the integer sums are exact before this rounding.
        data = np.empty(int(cumulative[-1]), dtype=np.float32)
    indptr = np.zeros(size + 1, dtype=np.int64)
    filled = 0
    blocks = row_blocks(cumulative, MERGE_BLOCK_ENTRIES)
    if compiled:
        from ._cores import available_cores, in_order_on_threads

        summed = in_order_on_threads(
            _summed_rows_compiled, ((parts, first, last, scale) for first, last in blocks), available_cores()
        )
    else:
        summed = (_summed_rows(parts, first, last, scale) for first, last in blocks)
    for first, last, block_indptr, block_indices, block_weights in summed:
        count = len(block_indices)
        if spilled:
            index_file.append(block_indices)
            data_file.append(block_weights)
        else:
            indices[filled : filled + count] = block_indices
            data[filled : filled + count] = block_weights
        indptr[first + 1 : last + 1] = filled + block_indptr[1:]
        filled += count
    if not spilled:
        return filled_csr(data, indices, indptr, filled, (size, size))
    matrix = sp.csr_matrix((data_file.array(), index_file.array(), indptr), shape=(size, size))
    matrix.has_canonical_format = True  # as merged: known without reading every index again
    return matrix


def _summed_rows(
    parts: list[ForwardCounts], first: int, last: int, scale: int
) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``first .. last - 1`` of the sum of the parts' ``F + F^T`` divided by ``scale``: (first, last, indptr, indices, float32 weights)."""
    size = parts[0].shape[0]
    # The rows of frequent words hold many entries in every part: the parts are summed a
    # few at a time, so that the entries waiting to be summed stay near MERGE_BLOCK_ENTRIES
    # however many parts (however long the corpus) there are.
    block = sp.csr_matrix((last - first, size), dtype=np.int64)
    pieces, waiting = [], 0
    for number, part in enumerate(parts):
        pieces.append(part.entries(first, last))
        waiting += len(pieces[-1][0])
        if waiting >= MERGE_BLOCK_ENTRIES or number == len(parts) - 1:
            rows, cols, values = (np.concatenate(column) for column in zip(*pieces))
            pieces, waiting = [], 0
            block = block + sp.coo_matrix((values, (rows, cols)), shape=block.shape).tocsr()
            del rows, cols, values
    block.sum_duplicates()
    block.eliminate_zeros()
    return first, last, block.indptr, block.indices, _weights(block.data, scale)


def _summed_rows_compiled(
    parts: list[ForwardCounts], first: int, last: int, scale: int
) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_summed_rows` by the compiled kernel, divided by ``scale``: all parts' entries of the block at once (``row_blocks`` bounds them)."""
    indptr, columns, counts = sum_csr_layouts([layout for part in parts for layout in part.layout_slices(first, last)],
                                              parts[0].shape[1], sort=True)
    return first, last, indptr, columns, _weights(counts, scale)


def _weights(counts: np.ndarray, scale: int) -> np.ndarray:
    """Integer counts divided by ``scale`` in float64, rounded to float32 (the weights feed PPMI, computed in float32)."""
    return (counts / scale).astype(np.float32)


def sum_csr_layouts(
    slices: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_columns: int, *, sort: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sum of the same rows in several CSR layouts (indptr slice, indices, data each), by the compiled kernel."""
    from .compiled import kernels

    starts = np.empty((len(slices), len(slices[0][0])), dtype=np.int64)
    position = 0
    for number, (indptr, indices, _) in enumerate(slices):
        starts[number] = indptr - indptr[0] + position
        position += len(indices)
    indices = np.concatenate([indices for _, indices, _ in slices])
    values = np.concatenate([values for _, _, values in slices]).astype(np.int64, copy=False)
    return kernels().sum_layout_rows(starts, indices, values, n_columns, sort)


def entries_per_column(matrix: sp.csr_matrix, step: int = 1 << 22) -> np.ndarray:
    """Stored entries of each column of a CSR matrix (int64), counted a few million indices at a time.

    By the compiled kernel for a large matrix (:func:`wordvec.compiled.use_for_products`), in
    one pass; else by ``np.bincount``, which copies its input to 64-bit integers: on all the
    indices at once that copy was the largest allocation of the SVD's set-up. The indices of a
    spilled matrix (see ``wordvec._spill``) leave memory as they are counted.
    """
    from . import compiled

    kernels = compiled.kernels() if compiled.use_for_products(matrix.nnz) else None
    counts = np.zeros(matrix.shape[1], dtype=np.int64)
    for start in range(0, matrix.nnz, step):
        part = matrix.indices[start : start + step]
        if kernels is None:
            counts += np.bincount(part, minlength=matrix.shape[1])
        else:
            kernels.count_columns(part, counts)
        release(part)
    return counts


def filled_csr(
    data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, filled: int, shape: tuple[int, int], *, shrink: bool = True
) -> sp.csr_matrix:
    """The CSR matrix of the first ``filled`` entries of arrays allocated for an upper bound.

    With ``shrink`` (arrays no one else holds), they are shrunk in place (``realloc``)
    rather than sliced: scipy copies a slice of less than half its array, which briefly
    doubled the memory of the counts merge's result (several times fewer distinct pairs
    than stored entries). Without it, arrays shared with another matrix are sliced.
    """
    if shrink:
        data.resize(filled, refcheck=False)
        indices.resize(filled, refcheck=False)
        return sp.csr_matrix((data, indices, indptr), shape=shape)
    return sp.csr_matrix((data[:filled], indices[:filled], indptr), shape=shape)


def row_blocks(row_starts: np.ndarray, entries: int) -> Iterator[tuple[int, int]]:
    """Consecutive ``(first, last)`` row ranges of at most ``entries`` entries each (at least one row).

    ``row_starts`` is a CSR ``indptr``: row ``r`` holds entries ``row_starts[r]`` to
    ``row_starts[r + 1]``. Used to work on a large matrix a block of rows at a time.
    """
    rows = len(row_starts) - 1
    first = 0
    while first < rows:
        last = int(np.searchsorted(row_starts, row_starts[first] + entries, side="right")) - 1
        last = min(max(last, first + 1), rows)
        yield first, last
        first = last


__getattr__ = renamed_attributes(__name__, {"WEIGHTINGS": "DISTANCE_WEIGHTINGS"})
