"""Character n-grams of words, hashed into a fixed number of buckets exactly as fastText does.

A word is wrapped in boundary markers, ``<where>``, and cut into its character n-grams of
``min_n`` to ``max_n`` characters (``<wh``, ``whe``, ..., ``re>``, ``<whe``, ...). Each n-gram's
UTF-8 bytes are hashed with 32-bit FNV-1a, as fastText's ``Dictionary::hash`` does (each byte
sign-extended first, a quirk of its ``int8_t`` cast that changes the hash of non-ASCII
n-grams), and taken modulo the number of buckets, so that the table of n-gram vectors has a
fixed size whatever the corpus. Every step is vectorised over all the n-grams of a list of
words: the words' bytes are laid end to end in one array and hashed a byte position at a time.

References
----------
Bojanowski, P., Grave, E., Joulin, A. & Mikolov, T. (2017). Enriching Word Vectors with
Subword Information. TACL 5.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import scipy.sparse as sp

from . import compiled
from ._malloc import release_freed_memory
from ._spill import is_spilled, release, row_blocks, take_rows
from .errors import ModelError, ParameterError
from .options import DEFAULT_MAX_N, DEFAULT_MIN_N, MAX_BUCKETS, MAX_N

BEGIN_OF_WORD = "<"
END_OF_WORD = ">"

_FNV_OFFSET_BASIS = np.uint32(2166136261)
_FNV_PRIME = np.uint32(16777619)


def fnv1a_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a hash of ``data``, one byte at a time (the reference for :func:`ngram_hashes`).

    Each byte is sign-extended to 32 bits before the XOR, as fastText's ``uint32_t(int8_t(c))``
    does: bytes 0x80-0xFF (every byte of a non-ASCII UTF-8 character) XOR ``0xFFFFFF00 | c``.

    Examples
    --------
    >>> fnv1a_hash(b"")
    2166136261
    >>> hex(fnv1a_hash(b"a"))
    '0xe40c292c'
    """
    value = 2166136261
    for byte in data:
        signed = byte - 256 if byte >= 128 else byte
        value = ((value ^ (signed & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return value


def check_ngram_range(min_n: int, max_n: int) -> None:
    """Refuse n-gram lengths fastText would not take: ``1 <= min_n <= max_n <= MAX_N``.

    Raises
    ------
    ParameterError
        ``min_n`` or ``max_n`` is not a whole number in range, or ``max_n < min_n``.
    """
    for name, value in (("min_n", min_n), ("max_n", max_n)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= MAX_N:
            raise ParameterError(f"{name} must be a whole number from 1 to {MAX_N}; got {value!r}")
    if max_n < min_n:
        raise ParameterError(f"max_n must be >= min_n; got min_n={min_n}, max_n={max_n}")


def ngrams(word: str, min_n: int = DEFAULT_MIN_N, max_n: int = DEFAULT_MAX_N) -> list[str]:
    """The character n-grams of ``<word>``, in fastText's order (by start, then by length).

    As fastText's ``computeSubwords``: n-grams of ``min_n`` to ``max_n`` characters
    (code points) of the word with its boundary markers, leaving out a boundary marker
    alone (``<`` or ``>`` when ``min_n`` is 1). The whole ``<word>`` is one of them when
    it is short enough.

    Examples
    --------
    >>> ngrams("where", 3, 4)
    ['<wh', '<whe', 'whe', 'wher', 'her', 'here', 'ere', 'ere>', 're>']
    """
    check_ngram_range(min_n, max_n)
    wrapped = f"{BEGIN_OF_WORD}{word}{END_OF_WORD}"
    found = []
    for start in range(len(wrapped)):
        for length in range(min_n, max_n + 1):
            stop = start + length
            if stop > len(wrapped):
                break
            if length == 1 and (start == 0 or stop == len(wrapped)):
                continue
            found.append(wrapped[start:stop])
    return found


@dataclass(frozen=True)
class NgramHashes:
    """The hashed n-grams of a list of words, word by word, in fastText's order.

    Attributes
    ----------
    word_starts : ndarray of int64, shape (n_words + 1,)
        The n-grams of word ``i`` are ``hashes[word_starts[i]:word_starts[i + 1]]``.
    hashes : ndarray of uint32
        The 32-bit FNV-1a hash of each n-gram's UTF-8 bytes (take it modulo the bucket count).
    """

    word_starts: np.ndarray
    hashes: np.ndarray

    def counts(self) -> np.ndarray:
        """How many n-grams each word has."""
        return np.diff(self.word_starts)


def shares_ngrams(first: str, second: str, min_n: int = DEFAULT_MIN_N, max_n: int = DEFAULT_MAX_N) -> bool:
    """True if the two words have a character n-gram in common (``walk`` and ``walked`` do, ``man`` and ``king`` not).

    Examples
    --------
    >>> shares_ngrams("walk", "walked"), shares_ngrams("man", "king")
    (True, False)
    """
    return not set(ngrams(first, min_n, max_n)).isdisjoint(ngrams(second, min_n, max_n))


def ngram_hashes(words: Sequence[str], min_n: int = DEFAULT_MIN_N, max_n: int = DEFAULT_MAX_N) -> NgramHashes:
    """The fastText hashes of the character n-grams of every word, vectorised over all of them.

    Parameters
    ----------
    words : sequence of str
        Words without boundary markers (they are added here).
    min_n, max_n : int, default 3 and 6
        Shortest and longest n-gram, in characters.

    Returns
    -------
    NgramHashes
        For each word, the hashes of :func:`ngrams` of it, in the same order.

    Notes
    -----
    All words are encoded once, with their markers, into one byte array. The character
    boundaries (bytes that do not continue a UTF-8 sequence) give, for every n-gram, its
    first byte and byte length; the hashes are then computed for all n-grams at once, one
    byte position at a time, each step updating the n-grams long enough to have that byte.
    """
    check_ngram_range(min_n, max_n)
    encoded = [f"{BEGIN_OF_WORD}{word}{END_OF_WORD}".encode("utf-8") for word in words]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    byte_lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    word_byte_starts = np.concatenate(([0], np.cumsum(byte_lengths)))
    # Character starts of all words, then each word's end, so that character i + n of a word
    # (its end when i + n is its length) is one index past character i.
    is_start = (data & 0xC0) != 0x80
    char_counts = np.add.reduceat(is_start, word_byte_starts[:-1]) if len(data) else np.zeros(len(words), np.int64)
    boundaries = np.insert(np.flatnonzero(is_start), np.cumsum(char_counts), word_byte_starts[1:])
    first_boundary = np.concatenate(([0], np.cumsum(char_counts + 1)))[:-1]
    word_ids, first_bytes, lengths, sort_keys = [], [], [], []
    for n in range(min_n, max_n + 1):
        starts_per_word = np.maximum(char_counts - n + 1, 0)
        word_of = np.repeat(np.arange(len(words), dtype=np.int64), starts_per_word)
        start = np.arange(len(word_of), dtype=np.int64) - np.repeat(np.cumsum(starts_per_word) - starts_per_word, starts_per_word)
        if n == 1:  # a boundary marker alone is not an n-gram
            keep = (start != 0) & (start != char_counts[word_of] - 1)
            word_of, start = word_of[keep], start[keep]
        at = first_boundary[word_of] + start
        word_ids.append(word_of)
        first_bytes.append(boundaries[at])
        lengths.append(boundaries[at + n] - boundaries[at])
        sort_keys.append(start * (MAX_N + 1) + n)
    word_of = np.concatenate(word_ids)
    order = np.lexsort((np.concatenate(sort_keys), word_of))
    word_of, first_byte, length = word_of[order], np.concatenate(first_bytes)[order], np.concatenate(lengths)[order]
    hashes = np.full(len(word_of), _FNV_OFFSET_BASIS, dtype=np.uint32)
    signed = data.view(np.int8).astype(np.int32).view(np.uint32)  # fastText's uint32_t(int8_t(c))
    for position in range(int(length.max()) if len(length) else 0):
        active = np.flatnonzero(length > position)
        hashes[active] = (hashes[active] ^ signed[first_byte[active] + position]) * _FNV_PRIME
    word_starts = np.searchsorted(word_of, np.arange(len(words) + 1))
    return NgramHashes(word_starts.astype(np.int64), hashes)


def ngram_matrix(
    words: Sequence[str], buckets: int, min_n: int = DEFAULT_MIN_N, max_n: int = DEFAULT_MAX_N
) -> sp.csr_matrix:
    """The (words x buckets) matrix whose row ``i`` averages the buckets of word ``i``'s n-grams.

    Entry ``(i, b)`` is the number of n-grams of word ``i`` hashed into bucket ``b`` over
    its number of n-grams, so that ``G @ E`` is each word's mean n-gram vector, as fastText
    composes it (an n-gram that occurs twice in a word counts twice). A word with no n-gram
    (shorter than ``min_n - 2`` characters) has an empty row.

    Raises
    ------
    ParameterError
        ``buckets`` is not a positive whole number, or the n-gram range is invalid.
    """
    buckets = _check_buckets(buckets)
    check_ngram_range(min_n, max_n)
    # A block of words at a time: hashing holds several arrays of one integer an n-gram, which
    # for a few million words would be several GB at once. The rows do not depend on the blocks.
    parts = []
    for start in range(0, len(words), _WORDS_PER_HASHING):
        block = words[start : start + _WORDS_PER_HASHING]
        hashed = ngram_hashes(block, min_n, max_n)
        per_word = hashed.counts()
        weights = np.repeat(1.0 / np.maximum(per_word, 1), per_word).astype(np.float32)
        columns = (hashed.hashes % np.uint32(buckets)).astype(np.int32)
        part = sp.csr_matrix((weights, columns, hashed.word_starts), shape=(len(block), buckets))
        part.sum_duplicates()
        parts.append(part)
    if len(parts) == 1:
        return parts[0]
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, buckets), dtype=np.float32)


def _check_buckets(buckets: object) -> int:
    if isinstance(buckets, bool) or not isinstance(buckets, (int, np.integer)) or not 1 <= buckets <= MAX_BUCKETS:
        raise ParameterError(f"buckets must be a whole number from 1 to {MAX_BUCKETS}; got {buckets!r}")
    return int(buckets)


@dataclass(frozen=True)
class ComposedVectors:
    """Vectors composed from character n-grams, with how many n-grams of each word the table knew.

    Attributes
    ----------
    vectors : ndarray, shape (n_words, dim)
        The mean of the vectors of each word's n-grams (zero for a word none of whose
        n-grams the table knows).
    known : ndarray of int64, shape (n_words,)
        How many of each word's n-grams fell in a bucket the table has a vector for.
    ngrams : ndarray of int64, shape (n_words,)
        How many n-grams each word has.
    """

    vectors: np.ndarray
    known: np.ndarray
    ngrams: np.ndarray


@dataclass(frozen=True)
class NgramTable:
    """Vectors of hashed character n-grams, composing a vector for any word.

    Only the buckets some n-gram of the training vocabulary fell in have a vector: they
    are listed in ``bucket_ids``, and a bucket outside them is unknown. So the table's
    size follows what the corpus uses, up to ``buckets`` rows (floret's point: fastText's
    2M dense rows of 300 floats are 2.4 GB).

    Attributes
    ----------
    vectors : ndarray, shape (n_known, dim)
        Row ``i`` is the vector of the n-grams hashed into bucket ``bucket_ids[i]``.
    bucket_ids : ndarray of int64, shape (n_known,)
        The known buckets, in increasing order.
    buckets : int
        The number of hash buckets (n-gram hashes are taken modulo it).
    min_n, max_n : int
        The n-gram lengths, as in :func:`ngrams`.
    source : str
        Where the vectors were read from, for messages (empty for a table made in memory).
    mapping : ndarray, shape (vectors.shape[1], dim), optional
        A linear map applied to every composed vector: the table of one view carried to
        another (:func:`map_table`) without a second copy of its rows.
    """

    vectors: np.ndarray
    bucket_ids: np.ndarray
    buckets: int
    min_n: int = DEFAULT_MIN_N
    max_n: int = DEFAULT_MAX_N
    source: str = ""
    mapping: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_ngram_range(self.min_n, self.max_n)
        _check_buckets(self.buckets)
        if self.vectors.ndim != 2 or self.bucket_ids.ndim != 1 or len(self.bucket_ids) != len(self.vectors):
            raise ParameterError(
                f"an n-gram table needs one row per known bucket; got {self.vectors.shape} rows for "
                f"{self.bucket_ids.shape} bucket ids"
            )
        ids = self.bucket_ids
        if len(ids) and (ids[0] < 0 or ids[-1] >= self.buckets or np.any(ids[1:] <= ids[:-1])):
            raise ParameterError(f"the bucket ids of an n-gram table must be increasing and below {self.buckets}")
        if self.mapping is not None and (self.mapping.ndim != 2 or self.mapping.shape[0] != self.vectors.shape[1]):
            raise ParameterError(
                f"the map of an n-gram table must have one row per dimension of its vectors ({self.vectors.shape[1]}); "
                f"got shape {self.mapping.shape}"
            )
        # The map is small: checked once here, where the table's rows are checked as words read them.
        if self.mapping is not None and not np.isfinite(self.mapping).all():
            raise ParameterError("the map of an n-gram table must hold finite numbers")

    @property
    def dim(self) -> int:
        """Dimensions of each composed vector."""
        return int(self.vectors.shape[1] if self.mapping is None else self.mapping.shape[1])

    def mapped(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` (sums of this table's vectors) carried through :attr:`mapping`, float32."""
        rows = np.asarray(rows, dtype=np.float32)
        return rows if self.mapping is None else rows @ np.asarray(self.mapping, dtype=np.float32)

    def compose(self, words: Sequence[str]) -> ComposedVectors:
        """The mean n-gram vector of each word, as fastText composes an unseen word's vector.

        Only the rows of the words' buckets are read, so a memory-mapped table costs
        what the query touches. Each n-gram counts once for each time it occurs in the
        word; unknown buckets add nothing but still count in the mean, so a word's vector
        is the mean over all its n-grams, as fastText's.
        """
        hashed = ngram_hashes(words, self.min_n, self.max_n)
        per_word = hashed.counts()
        buckets = (hashed.hashes.astype(np.int64) % self.buckets).astype(np.int64)
        position = _searched_rows(self.bucket_ids, buckets)
        known_ngram = position >= 0
        word_of = np.repeat(np.arange(len(words), dtype=np.int64), per_word)
        rows, inverse = np.unique(position[known_ngram], return_inverse=True)
        weights = np.repeat(1.0 / np.maximum(per_word, 1), per_word).astype(np.float32)[known_ngram]
        incidence = sp.csr_matrix((weights, (word_of[known_ngram], inverse.reshape(-1))), shape=(len(words), len(rows)))
        read = np.asarray(self.vectors[rows], dtype=np.float32)
        if not np.isfinite(read).all():
            # A model file's rows are checked as they are read, rather than all of them at every load.
            bad = int(self.bucket_ids[rows[np.flatnonzero(~np.isfinite(read).all(axis=1))[0]]])
            raise ModelError(f"{self.source or 'the n-gram table'} holds a non-finite vector (bucket {bad}); rebuild the model")
        vectors = self.mapped(incidence @ read)
        known = np.bincount(word_of[known_ngram], minlength=len(words)).astype(np.int64)
        return ComposedVectors(vectors, known, per_word.astype(np.int64))


#: The ridge penalty of :func:`fit_ngram_table`: on the bench corpus 0.3 answered the most analogies
#: with the n-gram vectors blended in while similarity held (benchmarks/RESULTS.md, subwords.py).
DEFAULT_RIDGE = 0.3
#: Conjugate-gradient iterations of :func:`fit_ngram_table`: scores stopped improving after about five.
DEFAULT_ITERATIONS = 5
#: Columns of the table solved at once: the solver's five buckets x columns float32 matrices stay small,
#: and narrow blocks keep the sparse products' reads of them in cache. 32 float32 columns are two cache
#: lines of a row, which the products read at random rows: the bench corpus's fit took 1.83-1.94 s
#: against 2.08-2.54 s with 20 (three rows of most), the same table to the bit.
_COLUMNS_PER_SOLVE = 32
#: The same for spilled targets (a vocabulary of millions of words), where each block's matrices of a
#: row per word are what the build's peak is made of: 40 copies of the bench corpus peaked at 3.79 GB
#: with 16 columns, against 3.50 GB with 10 (scale.py; the largest process).
_SPILLED_COLUMNS_PER_SOLVE = 10
#: The same with the compiled kernels, whose products gather (:func:`_conjugate_gradients`), where a
#: thread's block stays within :data:`WIDE_BLOCK_BYTES`: the bench corpus's fit took 1.93-2.04 s against
#: 2.24-2.37 s for scipy's products at 32 columns, and 2.12-2.21 s gathering at 32 (four builds each way
#: in turn, one process); scipy's products at 48 were slower than at 32. The same table to the bit.
_COMPILED_COLUMNS_PER_SOLVE = 48
#: Bytes of one thread's block (its matrices of a row per n-gram and per word) up to which the compiled
#: fit solves :data:`_COMPILED_COLUMNS_PER_SOLVE` columns at once: the bench corpus's 175,086 n-grams
#: and 91,914 words take 221 MB at 48 columns, and its build's peak stayed 1.44-1.51 GB (1.47 before).
#: Twice the corpus (188,671 n-grams and 133,324 words, 246 MB) built in 24.9-25.6 s against
#: 26.8-27.2 s and peaked at 1.45-1.51 GB against 1.30-1.34 GB: there the fit's blocks make the peak,
#: as high as the bench corpus's own. A larger table keeps 32 columns, so the peak grows no further.
WIDE_BLOCK_BYTES = 256 << 20


def _columns_per_solve(buckets: int, words: int, *, spilled: bool, compiled: bool) -> int:
    """Columns of the table that one thread's conjugate gradients solve at once (see the constants above)."""
    if spilled:
        return _SPILLED_COLUMNS_PER_SOLVE
    # A block holds five matrices of a row per n-gram (the solution, the residual, its
    # preconditioned copy, the direction and its product) and three of a row per word.
    wide_bytes = (5 * buckets + 3 * words) * _COMPILED_COLUMNS_PER_SOLVE * np.dtype(np.float32).itemsize
    return _COMPILED_COLUMNS_PER_SOLVE if compiled and wide_bytes <= WIDE_BLOCK_BYTES else _COLUMNS_PER_SOLVE


#: Bytes of the fit's sums of ``G E`` (a row per word) up to which the blends read them (see
#: :func:`fit_sums`); above, the blends compose the words again, and the sums never spill. The sums live from the fit to the
#: blends, the n-gram stage's peak: the 4x bench corpus's (186,518 words, 224 MB of sums) peaked
#: at 1.69-1.72 GB against 1.55-1.58 GB without, and at 2.5M words (40 copies), spilled to a file
#: and read back, the stage took 207 s against 196 s without and its process 3.79 GB against 3.47 GB
#: (scale.py, the same day). 128 MB keeps them for a vocabulary of up to about 110,000 words of 300 dimensions.
#: A bound of its own, not the spill threshold: where a build's arrays live must not change its vectors.
FIT_SUMS_BYTES = 128 << 20


def fit_sums(words: int, dim: int) -> np.ndarray | None:
    """An array for :func:`fit_ngram_table`'s ``composed`` of ``words`` words and ``dim`` dimensions, or None above :data:`FIT_SUMS_BYTES`."""
    if words * dim * np.dtype(np.float32).itemsize > FIT_SUMS_BYTES:
        return None
    return np.empty((words, dim), dtype=np.float32)


def fit_ngram_table(
    incidence: sp.csr_matrix,
    targets: np.ndarray,
    *,
    ridge: float = DEFAULT_RIDGE,
    iterations: int = DEFAULT_ITERATIONS,
    threads: int = 1,
    locality_order: np.ndarray | None = None,
    composed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The bucket vectors ``E`` whose compositions best give the words' vectors: ridge regression by conjugate gradients.

    Parameters
    ----------
    incidence : scipy.sparse.csr_matrix, shape (n_words, buckets)
        :func:`ngram_matrix` of the vocabulary: row ``i`` averages word ``i``'s buckets.
    targets : ndarray, shape (n_words, dim)
        The words' vectors ``W`` (unit rows).
    ridge : float, default 0.3
        The penalty ``lambda``.
    iterations : int, default 5
        Conjugate-gradient iterations, from ``E = 0``.
    threads : int, default 1
        Threads solving blocks of columns at once.
    locality_order : ndarray of int, optional
        The words in an order that puts words sharing n-grams near each other, such as
        alphabetical order: the products then read nearby rows of the table and run a
        few times faster. The result does not depend on it.
    composed : ndarray of float32, shape (n_words, dim), optional
        Filled with ``G E``, each word's composition of the fitted table, summed up from
        products the solver makes anyway: what :func:`blend_with_ngrams` needs, without a
        product of its own (the same to rounding). :func:`fit_sums` makes one.

    Returns
    -------
    bucket_ids : ndarray of int64
        The buckets some word uses, in increasing order (the others' rows of ``E`` are zero).
    vectors : ndarray of float32, shape (len(bucket_ids), dim)
        Their rows of ``E``.

    Notes
    -----
    ``E`` approximately minimises :math:`\\lVert G E - W \\rVert_F^2 + \\lambda \\lVert E \\rVert_F^2`,
    the bag-of-subwords regression of Zhao, Mudgal & Liang (2018) and, with a character
    model in place of the bag, of Mimick (Pinter, Guthrie & Eisenstein 2017). The normal
    equations :math:`(G^\\top G + \\lambda I) E = G^\\top W` are solved for every column at
    once, each column with its own conjugate-gradient step lengths, preconditioned by the
    diagonal of :math:`G^\\top G + \\lambda I`; an iteration is one product with :math:`G`
    and one with :math:`G^\\top`. A small ``lambda`` only reproduces each word's own
    vector, so the blend adds nothing; 0.3 makes the n-grams carry what the words that
    share them have in common, which is what analogies and unseen words need.

    References
    ----------
    Zhao, J., Mudgal, S. & Liang, Y. (2018). Generalizing Word Embeddings using Bag of
    Subwords. EMNLP. Pinter, Y., Guthrie, R. & Eisenstein, J. (2017). Mimicking Word
    Embeddings using Subword RNNs. EMNLP.
    """
    if not (isinstance(ridge, (int, float)) and 0 < ridge < float("inf")):
        raise ParameterError(f"ridge must be a positive number; got {ridge!r}")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise ParameterError(f"iterations must be a positive whole number; got {iterations!r}")
    if composed is not None and composed.shape != targets.shape:
        raise ParameterError(f"composed must have the targets' shape {targets.shape}; got {composed.shape}")
    incidence = sp.csr_matrix(incidence, dtype=np.float32)
    rows = np.arange(incidence.shape[0]) if locality_order is None else np.asarray(locality_order, dtype=np.int64)
    incidence = incidence[rows]
    position = np.empty(len(rows), dtype=np.int64)  # where each word's row is in that order
    position[rows] = np.arange(len(rows))
    # Only the buckets some word uses (the others' rows are zero at the solution, and a small
    # vocabulary uses a fraction of the buckets), numbered in the order the words first use them,
    # so that the words' order carries over to the table's rows.
    # A bucket's place among the used: from a table of every bucket when the buckets are not many
    # more than the n-grams (a gather, where a sort and a binary search would be: the bench corpus's
    # fit set-up took 0.1-0.2 s against 0.5 s); else, as with 2**31 buckets, from the sorted used.
    buckets = incidence.shape[1]
    if buckets <= max(2 * len(incidence.indices), _TABLE_BUCKETS):
        used, first_use = _first_uses_in_table(incidence.indices, buckets)
        place_in_table = np.empty(buckets, dtype=np.int32)
        place_in_table[used] = np.arange(len(used))
        place_of = place_in_table.__getitem__
    else:
        used, first_use = _first_uses(incidence.indices)
        place_of = functools.partial(np.searchsorted, used)
    by_first_use = np.argsort(first_use, kind="stable")
    number_of = np.empty(len(used), dtype=np.int32)
    number_of[by_first_use] = np.arange(len(used))
    # A few million entries at a time, in 32-bit integers: the n-grams of a large vocabulary
    # are many (21.5M for the 654k words of ten copies of the bench corpus, 33 a word), and
    # each 64-bit temporary of all of them would be 8 bytes an n-gram.
    columns = np.empty(len(incidence.indices), dtype=np.int32)
    squares = np.zeros(len(used), dtype=np.float32)  # the diagonal of G^T G, summed in the order scipy sums it
    for start in range(0, len(columns), _ENTRIES_PER_STEP):
        part = slice(start, start + _ENTRIES_PER_STEP)
        columns[part] = number_of[place_of(incidence.indices[part])]
        np.add.at(squares, columns[part], np.square(incidence.data[part]))
    incidence = sp.csr_matrix((incidence.data, columns, incidence.indptr), shape=(incidence.shape[0], len(used)))
    del columns
    incidence.sort_indices()
    table = np.empty((len(used), targets.shape[1]), dtype=np.float32)
    kernels = compiled.kernels() if compiled.use_for_fit(table.size) else None
    backward = sp.csr_matrix(incidence.T)
    # Blocks of columns are independent problems: one per thread, as scipy's sparse products and
    # numpy's element-wise steps both release the GIL. Each column's recurrence and products are
    # its own, so the blocks' width changes nothing but memory and speed (see _columns_per_solve).
    width = _columns_per_solve(len(used), len(rows), spilled=is_spilled(targets), compiled=kernels is not None)
    if kernels is not None and not is_spilled(targets):  # rows of 10 columns: scipy's products were as fast
        forward, backward = _GatheringProduct(incidence, kernels), _GatheringProduct(backward, kernels)
    else:
        forward = incidence
    inverse_diagonal = (1.0 / (squares + ridge)).astype(np.float32)

    def solve(first: int) -> None:
        block = _gathered_columns(targets, position, first, first + width)
        columns = block.shape[1]
        sums = None if composed is None else np.zeros_like(block)  # G E, the words in the fit's order
        # Row i of the solution is bucket used[by_first_use[i]]: back to increasing bucket ids.
        table[by_first_use, first : first + columns] = _conjugate_gradients(
            forward, backward, inverse_diagonal, block, np.float32(ridge), iterations, kernels, sums
        )
        del block
        if sums is not None:
            composed[:, first : first + columns] = sums[position]
            del sums
        release_freed_memory()  # each thread's heap keeps what the solve freed, else

    _run_each(solve, range(0, targets.shape[1], width), threads)
    return used.astype(np.int64), table


def _first_uses(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(indices, return_index=True)``, a few million entries at a time (no sort of all of them)."""
    used = np.empty(0, dtype=indices.dtype)
    first_use = np.empty(0, dtype=np.int64)
    for start in range(0, len(indices), _ENTRIES_PER_STEP):
        values, first = np.unique(indices[start : start + _ENTRIES_PER_STEP], return_index=True)
        fresh = ~np.isin(values, used, assume_unique=True)
        if fresh.any():
            used = np.concatenate([used, values[fresh]])
            first_use = np.concatenate([first_use, first[fresh] + start])
            order = np.argsort(used, kind="stable")
            used, first_use = used[order], first_use[order]
    return used, first_use


def _first_uses_in_table(indices: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_first_uses` for indices below ``buckets``, in a table of the buckets: the earliest place of each, no sort."""
    first = np.full(buckets, len(indices), dtype=np.int64)
    for start in range(0, len(indices), _ENTRIES_PER_STEP):
        part = indices[start : start + _ENTRIES_PER_STEP]
        np.minimum.at(first, part, np.arange(start, start + len(part)))
    used = np.flatnonzero(first < len(indices)).astype(indices.dtype)
    return used, first[used]


def _gathered_columns(targets: np.ndarray, position: np.ndarray, first: int, last: int) -> np.ndarray:
    """``targets[:, first:last]`` in float32 with row ``i`` moved to ``position[i]``.

    Read in the targets' own order, a block of rows at a time, each released after: a
    spilled ``targets`` is read from its file in order, one block in memory at a time.
    """
    block = np.empty((len(position), min(last, targets.shape[1]) - first), dtype=np.float32)
    for start in range(0, len(targets), _ROWS_PER_GATHER):
        block[position[start : start + _ROWS_PER_GATHER]] = targets[start : start + _ROWS_PER_GATHER, first:last]
        release(targets[start : start + _ROWS_PER_GATHER])
    return block


def _run_each(task: Callable[[int], None], starts: range, threads: int) -> None:
    """``task(start)`` for every start, on ``threads`` threads (in turn for one)."""
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(task, starts))
    else:
        for start in starts:
            task(start)


def _conjugate_gradients(
    forward: sp.csr_matrix | _GatheringProduct,
    backward: sp.csr_matrix | _GatheringProduct,
    inverse_diagonal: np.ndarray,
    targets: np.ndarray,
    ridge: np.float32,
    iterations: int,
    kernels: ModuleType | None = None,
    composed: np.ndarray | None = None,
) -> np.ndarray:
    """Preconditioned CG for ``(G^T G + ridge I) E = G^T W``, one recurrence per column of ``targets``.

    With ``kernels`` (:func:`wordvec.compiled.kernels`), each step's element-wise updates run in
    one pass over the rows instead of numpy's several: the same operations, the same bits.
    ``forward`` and ``backward`` may each be a :class:`_GatheringProduct`: compiled products with scipy's bits.
    ``composed`` (zeros of the targets' shape) sums up ``G E``: each step adds a multiple of
    the direction ``D`` to ``E``, and ``G D`` is half of the product the step makes.
    """
    if targets.shape[1] < 2:
        kernels = None  # numpy's einsum sums one column pairwise, not row after row as the kernels (and wider blocks) do
    solution = np.zeros((backward.shape[0], targets.shape[1]), dtype=np.float32)
    residual = backward @ targets
    preconditioned = residual * inverse_diagonal[:, None]
    direction = preconditioned.copy()
    rz = np.einsum("ij,ij->j", residual, preconditioned)
    for _ in range(iterations):
        composed_direction = forward @ direction
        product = backward @ composed_direction
        if composed is None:
            del composed_direction
        if kernels is not None:
            curvature = np.empty_like(rz)
            kernels.add_ridge_and_curvature(direction, product, ridge, curvature)
        else:
            product += ridge * direction
            curvature = np.einsum("ij,ij->j", direction, product)
        step = np.divide(rz, curvature, out=np.zeros_like(rz), where=curvature > 0).astype(np.float32)
        if composed is not None:
            composed_direction *= step
            composed += composed_direction
            del composed_direction
        if kernels is not None:
            rz_next = np.empty_like(rz)
            kernels.take_step(solution, residual, direction, product, preconditioned, inverse_diagonal, step, rz_next)
        else:
            solution += direction * step
            residual -= product * step
            np.multiply(residual, inverse_diagonal[:, None], out=preconditioned)
            rz_next = np.einsum("ij,ij->j", residual, preconditioned)
        beta = np.divide(rz_next, rz, out=np.zeros_like(rz), where=rz > 0).astype(np.float32)
        if kernels is not None:
            kernels.next_direction(direction, preconditioned, beta)
        else:
            direction *= beta
            direction += preconditioned
        rz = rz_next
    return solution


class _GatheringProduct:
    """A CSR matrix whose ``@`` with a dense float32 matrix runs the compiled gather (scipy's sums, in scipy's order)."""

    def __init__(self, matrix: sp.csr_matrix, kernels: ModuleType) -> None:
        index = np.int32 if matrix.nnz < np.iinfo(np.int32).max else np.int64
        self.shape = matrix.shape
        self._arrays = (
            np.arange(matrix.shape[0], dtype=index), matrix.indptr.astype(index, copy=False),
            matrix.indices.astype(index, copy=False), matrix.data,
        )
        self._kernels = kernels

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        out = np.zeros((self.shape[0], dense.shape[1]), dtype=np.float32)
        self._kernels.gather_product(*self._arrays, np.ascontiguousarray(dense, dtype=np.float32), out)
        return out


#: How much of its n-grams' vector each vocabulary word takes, by view: ``unit(w + weight * unit(G_w E))``.
#: On the bench corpus the similarity view held WordSim-353 and SimLex-999 up to about 0.5, and the
#: analogy view answered the most analogies at about 2 (benchmarks/RESULTS.md, subwords.py).
BLEND_WEIGHTS = {"similarity": 0.5, "analogy": 2.0}


def blend_with_ngrams(
    vectors: np.ndarray,
    incidence: sp.csr_matrix,
    weight: float | np.ndarray,
    *,
    min_n: int,
    max_n: int,
    threads: int = 1,
    locality_order: np.ndarray | None = None,
    table: NgramTable | None = None,
    composed: np.ndarray | None = None,
) -> NgramTable:
    """Fit an n-gram table to a view's word vectors and blend each word's vector with its n-grams', in place.

    Parameters
    ----------
    vectors : ndarray of float32, shape (n_words, dim)
        The view's word vectors; each row becomes ``unit(unit(w) + weight * unit(G_w E))``,
        scaled back to its length (zero rows take their n-grams' direction only if they
        have one, at unit length).
    incidence : scipy.sparse.csr_matrix
        :func:`ngram_matrix` of the vocabulary.
    weight : float or ndarray of shape (n_words,)
        How much of its n-grams' vector a word takes (see :data:`BLEND_WEIGHTS`), one for all
        words or one each.
    min_n, max_n : int
        The n-gram lengths ``incidence`` was made with, recorded in the table.
    threads : int, default 1
        Threads for the fit's sparse products.
    locality_order : ndarray of int, optional
        As for :func:`fit_ngram_table`: only the speed depends on it.
    table : NgramTable, optional
        The view's table, already made (such as another view's table carried over by
        :func:`map_table`): blend with it instead of fitting one.
    composed : ndarray of float32, shape (n_words, table's rows' dim), optional
        ``G E`` for the rows of ``table`` (before its map), as :func:`fit_ngram_table`
        fills it: the words' n-gram vectors are then not composed again.

    Returns
    -------
    NgramTable
        The table fitted to the view's vectors before the blend (or ``table``), so that a
        composed unseen word lives in the same space as the blended vocabulary.
    """
    lengths = row_lengths(vectors)
    targets = as_unit_rows(vectors, lengths)
    weights = np.broadcast_to(np.asarray(weight, dtype=np.float32), (len(vectors),))
    if table is None:
        composed = fit_sums(*targets.shape)  # the fit's own sums of G E, unless the vocabulary is large
        bucket_ids, fitted = fit_ngram_table(incidence, targets, threads=threads, locality_order=locality_order, composed=composed)
        table = NgramTable(fitted, bucket_ids, incidence.shape[1], min_n, max_n)
    if composed is None:
        columns = _rows_of_buckets(table.bucket_ids, table.buckets, incidence.indices)
        if len(columns) and columns.min() < 0:
            raise ParameterError("the n-gram table does not know every bucket of the vocabulary it blends")
        known_incidence = sp.csr_matrix(
            (incidence.data, columns, incidence.indptr), shape=(incidence.shape[0], len(table.bucket_ids))
        )
    elif composed.shape != (len(vectors), table.vectors.shape[1]):
        raise ParameterError(f"composed must have a row per word and a column per table dimension; got {composed.shape}")

    def blend(start: int) -> None:
        part = slice(start, start + _ROWS_PER_BLEND)
        # A copy of the fit's sums: the scaling to unit rows below is in place.
        sums = known_incidence[part] @ table.vectors if composed is None else composed[part].copy()
        blended = _unit(targets[part] + weights[part, None] * _unit(table.mapped(sums)))
        scale = np.where(lengths[part] > 0, lengths[part], 1.0).astype(np.float32)
        vectors[part] = blended * scale[:, None]
        release(vectors[part])
        release(targets[part])

    _run_each(blend, range(0, len(vectors), _ROWS_PER_BLEND), threads)
    return table


def _rows_of_buckets(bucket_ids: np.ndarray, buckets: int, wanted: np.ndarray) -> np.ndarray:
    """The table row of each of the ``wanted`` buckets, -1 for a bucket the increasing ``bucket_ids`` lack.

    A dense lookup when the table knows a good share of the buckets (the build's case, and
    several times faster); a binary search when the buckets far outnumber its rows, so that
    a huge bucket count costs no memory.
    """
    if buckets <= _DENSE_LOOKUP_PER_ROW * max(len(bucket_ids), 1):
        row_of = np.full(buckets, -1, dtype=np.int64)
        row_of[bucket_ids] = np.arange(len(bucket_ids))
        return row_of[wanted]
    return _searched_rows(bucket_ids, wanted)


def _searched_rows(bucket_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """As :func:`_rows_of_buckets`, by binary search in the increasing ``bucket_ids``."""
    if not len(bucket_ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    position = np.minimum(np.searchsorted(bucket_ids, wanted), len(bucket_ids) - 1)
    return np.where(bucket_ids[position] == wanted, position, -1).astype(np.int64)


#: Buckets per table row up to which :func:`_rows_of_buckets` builds a dense lookup (8 bytes a bucket,
#: well under the row's own 4 bytes a dimension).
_DENSE_LOOKUP_PER_ROW = 16


def _unit(rows: np.ndarray) -> np.ndarray:
    """``rows`` scaled to unit length in place (zero rows stay zero): the blend's values are small, so float32 will do."""
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    rows /= np.where(norms > 0, norms, 1.0)[:, None]
    return rows


def row_lengths(vectors: np.ndarray) -> np.ndarray:
    """The length of each row of ``vectors`` in float32, a block of rows at a time (no temporary of the whole)."""
    lengths = np.empty(len(vectors), dtype=np.float32)
    for start, block in row_blocks(vectors):
        lengths[start : start + len(block)] = np.linalg.norm(block, axis=1)
    return lengths


def as_unit_rows(vectors: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """``vectors`` itself if its rows are unit (or zero) already, as a build's are, else a unit-row copy.

    ``lengths`` are the rows' lengths (:func:`row_lengths`), if known.
    """
    from .arrays import unit_rows

    lengths = row_lengths(vectors) if lengths is None else lengths
    return vectors if bool(np.all((lengths == 0) | (np.abs(lengths - 1) < 1e-3))) else unit_rows(vectors)


def map_table(table: NgramTable, source: np.ndarray, target: np.ndarray) -> NgramTable:
    """Carry an n-gram table fitted to one view of the vocabulary over to another view, by a linear map.

    Parameters
    ----------
    table : NgramTable
        Fitted to ``source`` (:func:`fit_ngram_table`).
    source, target : ndarray, shape (n_words, dim)
        Two views of the same words, such as the analogy view ``U Sigma^0.5`` and the
        similarity view ``U + V`` of one SVD, before any blend.

    Returns
    -------
    NgramTable
        ``table``'s rows (the same array, not a copy) with the map ``M``, the least-squares
        map of the unit rows of ``source`` onto those of ``target``: a word composes to
        ``(G_w E) M``.

    Notes
    -----
    The fit is linear in the words' vectors, so a second fit to ``target`` would give
    nearly ``E M``: the views of one SVD differ by a scaling of its dimensions (and the
    context vectors, which the map approximates). On the bench corpus the mapped table
    scored as a second fit did (WordSim-353 0.725 against 0.721, SimLex-999 0.440
    against 0.443; benchmarks/RESULTS.md) at a tenth of a second instead of four.
    """
    if source.shape[0] != target.shape[0]:
        raise ParameterError(f"two views of one vocabulary need as many rows; got {source.shape[0]} and {target.shape[0]}")
    # Every few rows are as good as all for 300 x 300 numbers, at a fraction of the products.
    sample = slice(None, None, max(1, source.shape[0] // _ROWS_PER_MAP))
    source_rows, target_rows = as_unit_rows(take_rows(source, sample)), as_unit_rows(take_rows(target, sample))
    gram = (source_rows.T @ source_rows).astype(np.float64)
    # A whisker of ridge: a view may have fewer independent directions than dimensions.
    gram[np.diag_indices_from(gram)] += 1e-6 * max(float(np.trace(gram)) / len(gram), 1.0)
    mapping = np.linalg.solve(gram, (source_rows.T @ target_rows).astype(np.float64))
    if table.mapping is not None:
        mapping = np.asarray(table.mapping, dtype=np.float64) @ mapping
    return NgramTable(table.vectors, table.bucket_ids, table.buckets, table.min_n, table.max_n, table.source,
                      mapping=mapping.astype(np.float32))


#: Words whose n-grams are hashed at a time by :func:`ngram_matrix` (bounds its temporaries).
_WORDS_PER_HASHING = 1 << 16
#: Rows blended at a time (bounds the temporaries).
_ROWS_PER_BLEND = 8192
#: Entries of the n-gram matrix the fit renumbers at a time (bounds its temporaries).
_ENTRIES_PER_STEP = 1 << 22
#: Buckets that a fit may always keep a table of (12 bytes each): the default 2M's 24 MB.
_TABLE_BUCKETS = 1 << 21
#: Rows of the targets gathered at a time by the fit.
_ROWS_PER_GATHER = 1 << 16
#: Rows of the views :func:`map_table` fits its map to, at most about.
_ROWS_PER_MAP = 30_000
