"""Phrases in a corpus's token ids: joined (the vectorised form of :meth:`wordvec.phrases.Phrases.apply`), and their contexts counted.

Kept apart from :mod:`wordvec.phrases` (which learns them) so that the worker processes of
:mod:`wordvec.parallel` can join a shard's ids without importing what imports them.
:func:`phrase_contexts` counts the words around each phrase occurrence: the rows that
``wordvec build --phrases`` folds into the words' space (see :mod:`wordvec.pipeline`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import scipy.sparse as sp

from .vocab import LINE_ID, SPOOL_BLOCK

#: Ids a thread takes at a time (about 8 MB of int64 per temporary array).
PIECE = 1 << 20


def whole_line_pieces(blocks: Iterable[np.ndarray], piece: int = PIECE) -> Iterator[np.ndarray]:
    """The id stream ``blocks`` (``-1`` ending each line, a block may end inside one) as pieces of whole lines.

    Each piece holds about ``piece`` ids (more for a longer line), as int64, and ends with a
    line end; an unfinished last line is ended. Temporaries of work on a piece stay small.
    """
    carried = np.zeros(0, dtype=np.int64)  # the unfinished line at the end of the previous block
    for block in blocks:
        ids = np.concatenate([carried, np.asarray(block, dtype=np.int64)])
        ends = np.flatnonzero(ids == LINE_ID) + 1
        start = 0
        while len(ends) and ends[-1] - start > 0:
            stop = ends[min(np.searchsorted(ends, start + piece), len(ends) - 1)]
            yield ids[start:stop]
            start = stop
        carried = ids[start:]
    if len(carried):
        yield np.concatenate([carried, [LINE_ID]])


@dataclass(frozen=True)
class CandidateKeys:
    """Candidates ``a c1 ... ck b`` as one int64 key each: ``((a * size + b) * radix + code(c1)) * radix ...``.

    The words inside a candidate are connector words, numbered ``code`` among the few of them,
    so a key stays small; sorting keys is many times faster than sorting rows of ids. Counting
    candidates (:func:`wordvec.phrases.count_candidates`) and looking them up in a
    :class:`PhraseTable` key them alike.
    """

    size: int
    code: np.ndarray
    connector_ids: np.ndarray

    @classmethod
    def of(cls, connectors: np.ndarray) -> CandidateKeys:
        """The keys of candidates over ids ``0 .. len(connectors) - 1``, where ``connectors[id]`` marks a connector word."""
        return cls.of_ids(np.flatnonzero(connectors), len(connectors))

    @classmethod
    def of_ids(cls, connector_ids: np.ndarray, size: int) -> CandidateKeys:
        """The keys of candidates over ids ``0 .. size - 1``, of which ``connector_ids`` (increasing) are connector words."""
        connector_ids = np.asarray(connector_ids, dtype=np.int64)
        code = np.full(size, -1, dtype=np.int64)
        code[connector_ids] = np.arange(len(connector_ids))
        return cls(size, code, connector_ids)

    @property
    def radix(self) -> int:
        return max(len(self.connector_ids), 1)

    def fits(self, inside: int) -> bool:
        """Whether a candidate with ``inside`` connectors has a key."""
        return self.size * self.size * self.radix**inside < 2**63

    def keys(self, columns: Sequence[np.ndarray]) -> np.ndarray:
        """The keys of the candidates given column by column (first word, connectors, last word)."""
        keys = np.asarray(columns[0], dtype=np.int64) * self.size + columns[-1]
        for column in columns[1:-1]:
            keys = keys * self.radix + self.code[column]
        return keys

    def rows(self, keys: np.ndarray, inside: int) -> np.ndarray:
        """The candidates of ``keys`` as rows of ids (first word, connectors, last word)."""
        middle = []
        for _ in range(inside):
            middle.append(self.connector_ids[keys % self.radix])
            keys = keys // self.radix
        return np.stack([keys // self.size, *middle[::-1], keys % self.size], axis=1)


#: Bits of :attr:`PhraseTable.pairs` (4 MB): with 60,000 phrases, one candidate in 70 passes it by chance.
_PAIR_BITS = 1 << 22


def _pair_hash(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """A hash of id pairs into ``[0, _PAIR_BITS)`` (multiplicative: the high bits of a product)."""
    mixed = (np.asarray(first, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.asarray(last, dtype=np.uint64)
    return ((mixed * np.uint64(0xBF58476D1CE4E5B9)) >> np.uint64(65 - _PAIR_BITS.bit_length())).astype(np.int64)


@dataclass
class PhraseTable:
    """One pass's phrases over token ids: what :func:`join_phrases` looks candidates up in.

    A candidate ``a c1 ... ck b`` (ids) is looked up by its key (:class:`CandidateKeys`) in
    ``keys[k]`` (sorted); ``targets[k]`` holds the id each key becomes. Rows too wide for one
    key are in ``wide``.
    """

    scheme: CandidateKeys
    keys: dict[int, np.ndarray] = field(default_factory=dict)
    targets: dict[int, np.ndarray] = field(default_factory=dict)
    wide: dict[tuple[int, ...], int] = field(default_factory=dict)
    #: A bit per hash of (first, last) id of the phrases: only candidates whose bit is set are looked up.
    pairs: np.ndarray = field(default_factory=lambda: np.zeros(_PAIR_BITS, dtype=bool))

    @classmethod
    def of(cls, rows: dict[int, list[tuple[list[int], int]]], scheme: CandidateKeys) -> PhraseTable:
        """The table of ``rows`` (by connectors inside, each row of ids with its target id)."""
        table = cls(scheme)
        for entries in rows.values():
            table.pairs[_pair_hash(np.array([row[0] for row, _ in entries]), np.array([row[-1] for row, _ in entries]))] = True
        for inside, entries in rows.items():
            if not scheme.fits(inside):
                table.wide.update((tuple(row), target) for row, target in entries)
                continue
            keys = scheme.keys(list(np.array([row for row, _ in entries], dtype=np.int64).T))
            order = np.argsort(keys, kind="stable")
            table.keys[inside] = keys[order]
            table.targets[inside] = np.array([target for _, target in entries], dtype=np.int64)[order]
        return table

    def __bool__(self) -> bool:
        return bool(self.keys or self.wide)


def join_phrases(ids: np.ndarray, table: PhraseTable) -> np.ndarray:
    """Whole lines of ids (ending with ``-1``) with the phrases of ``table`` joined, greedily left to right.

    The vectorised form of :meth:`Phrases.apply`: consecutive non-connector words of a line,
    with only connectors between, form a candidate; candidates that are phrases and share a
    word form runs, and the first, third... of each run is joined (the one before took the
    word the next would start with). A joined candidate becomes the phrase's id at its first
    position; its other positions are removed.
    """
    return join_with_spans(ids, table)[0]


def join_with_spans(
    ids: np.ndarray, table: PhraseTable, ends: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`join_phrases`, and which tokens of ``ids`` the result keeps and where each ends.

    ``ends`` is the last position, in an earlier stream, that each token of ``ids`` covers
    (default: its own position in ``ids``), so that spans follow a token through several
    passes (:func:`join_layers`). Returns the joined ids, the index in ``ids`` of each token
    kept, and the end each covers (a joined phrase: that of its last word).
    """
    ids = np.asarray(ids, dtype=np.int64)
    positions = np.arange(len(ids))
    ends = positions if ends is None else ends
    is_token = ids != LINE_ID
    scheme = table.scheme
    known = is_token & (ids < scheme.size)  # a later pass's ids are no connector
    content = np.flatnonzero(is_token & ~known | (scheme.code[np.where(known, ids, 0)] < 0) & known)
    if len(content) < 2:
        return ids, positions, ends
    first, second = content[:-1], content[1:]
    line = np.cumsum(~is_token)
    # Only candidates in one line whose first and last word may be a phrase's are looked up.
    same_line = (line[first] == line[second]) & table.pairs[_pair_hash(ids[first], ids[second])]
    gaps = second - first - 1
    target = np.full(len(first), -1, dtype=np.int64)
    for inside, keys in table.keys.items():
        chosen = np.flatnonzero(same_line & (gaps == inside))
        if not len(chosen):
            continue
        starts = first[chosen]
        found = scheme.keys([ids[starts + offset] for offset in range(inside + 1)] + [ids[second[chosen]]])
        where = np.minimum(np.searchsorted(keys, found), len(keys) - 1)
        hit = keys[where] == found
        target[chosen[hit]] = table.targets[inside][where[hit]]
    if table.wide:
        for inside in {len(row) - 2 for row in table.wide}:
            for pair in np.flatnonzero(same_line & (gaps == inside)).tolist():
                target[pair] = table.wide.get(tuple(ids[first[pair] : second[pair] + 1].tolist()), -1)
    is_phrase = target >= 0
    if not is_phrase.any():
        return ids, positions, ends
    # Position of each candidate in its run of phrases sharing words: the even ones are joined.
    numbers = np.arange(len(target))
    run_start = is_phrase & ~np.concatenate([[False], is_phrase[:-1]])
    joined = is_phrase & ((numbers - np.maximum.accumulate(np.where(run_start, numbers, 0))) % 2 == 0)
    out = ids.copy()
    out[first[joined]] = target[joined]
    covered = ends.copy()
    covered[first[joined]] = ends[second[joined]]
    removed = np.cumsum(
        np.bincount(first[joined] + 1, minlength=len(ids) + 1) - np.bincount(second[joined] + 1, minlength=len(ids) + 1)
    )[: len(ids)] > 0
    return out[~removed], positions[~removed], covered[~removed]


def join_layers(ids: np.ndarray, tables: Sequence[PhraseTable]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole lines of ids joined by each pass's table in turn; the joined ids, and the first and last position in ``ids`` each covers."""
    ids = np.asarray(ids, dtype=np.int64)
    starts = np.arange(len(ids))
    ends = starts
    for table in tables:
        ids, kept, ends = join_with_spans(ids, table, ends)
        starts = starts[kept]
    return ids, starts, ends


def phrase_contexts(
    blocks: Iterable[np.ndarray],
    tables: Sequence[PhraseTable],
    phrase_row: np.ndarray,
    vocabulary_id: np.ndarray,
    weights: np.ndarray,
    *,
    keep_probability: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Count the words around each phrase occurrence, as a word's contexts are counted: the rows a build adds for phrases.

    The corpus is joined by ``tables``, pass after pass; each joined token that is a phrase
    (``phrase_row[id] >= 0``) is an occurrence of that row, and its contexts are the words of
    the corpus as the build counts them (out-of-vocabulary words removed, frequent words
    subsampled with the same draws, keyed on position) up to ``len(weights)`` tokens before
    its first word and after its last, within its line, weighted by distance.

    Parameters
    ----------
    blocks : iterable of ndarray
        The corpus as provisional ids (``-1`` at line ends).
    tables : sequence of PhraseTable
        Each pass's phrases over provisional ids.
    phrase_row : ndarray of int
        For each provisional id, its phrase row, or -1.
    vocabulary_id : ndarray of int
        For each provisional id, its vocabulary id or ``OOV_ID`` (:func:`wordvec.vocab.prune_vocabulary`'s map).
    weights : ndarray of int64
        The integer weight of a context at distance 1, 2, ... (:func:`wordvec.cooccur.distance_weights`).
    keep_probability : ndarray, optional
        The subsampling's probability of keeping each vocabulary word.
    seed : int, default 0
        The subsampling's seed.

    Returns
    -------
    contexts : scipy.sparse.csr_matrix of int64, shape (phrase rows, vocabulary)
        The weighted counts.
    occurrences : ndarray of int64
        How often each phrase row was joined in the corpus.
    """
    from ._cores import available_cores, in_order_on_threads

    rows = int(phrase_row.max()) + 1 if len(phrase_row) and phrase_row.max() >= 0 else 0
    columns = int(vocabulary_id.max()) + 1 if len(vocabulary_id) else 0
    occurrences = np.zeros(rows, dtype=np.int64)
    contexts = sp.csr_matrix((rows, columns), dtype=np.int64)

    def calls() -> Iterator[tuple]:
        offset = 0  # the position of each piece in the whole stream, which the subsampling's draws are keyed on
        for ids in whole_line_pieces(blocks, SPOOL_BLOCK):
            yield ids, offset, tables, phrase_row, vocabulary_id, weights, keep_probability, seed, (rows, columns)
            offset += len(ids)

    for found, counts in in_order_on_threads(_piece_contexts, calls(), available_cores()):
        occurrences += found
        contexts = contexts + counts
    return contexts.tocsr(), occurrences


def _piece_contexts(
    ids: np.ndarray,
    offset: int,
    tables: Sequence[PhraseTable],
    phrase_row: np.ndarray,
    vocabulary_id: np.ndarray,
    weights: np.ndarray,
    keep_probability: np.ndarray | None,
    seed: int,
    shape: tuple[int, int],
) -> tuple[np.ndarray, sp.csr_matrix]:
    """:func:`phrase_contexts` of one piece of whole lines at ``offset``: the occurrences of each row, and the contexts' counts."""
    from .cooccur import counted_positions

    joined, starts, ends = join_layers(ids, tables)
    is_phrase = (joined >= 0) & (joined < len(phrase_row))
    is_phrase[is_phrase] = phrase_row[joined[is_phrase]] >= 0
    found = phrase_row[joined[is_phrase]]
    occurrences = np.bincount(found, minlength=shape[0])
    if not len(found):
        return occurrences, sp.csr_matrix(shape, dtype=np.int64)
    # The corpus as the build counts it: OOV words out, frequent words subsampled by position.
    mapped = np.where(ids == LINE_ID, LINE_ID, vocabulary_id[np.where(ids == LINE_ID, 0, ids)])
    keep = counted_positions(mapped, offset, keep_probability, seed)
    counted = mapped[keep]
    kept_before = np.concatenate([[0], np.cumsum(keep)])  # kept tokens before each position
    line_ends = np.concatenate([[0], np.cumsum(counted == LINE_ID)])  # line ends before each kept token
    left_edge = kept_before[starts[is_phrase]]  # the first kept token after the phrase's start is at this index
    right_edge = kept_before[ends[is_phrase] + 1]
    pairs = []
    for distance in range(1, len(weights) + 1):
        before = left_edge - distance
        after = right_edge + distance - 1
        for at, valid, same_line in (
            # No line end between the phrase and the context, the context included.
            (before, before >= 0, lambda at: line_ends[at] == line_ends[left_edge]),
            (after, after < len(counted), lambda at: line_ends[at + 1] == line_ends[right_edge]),
        ):
            at = np.where(valid, at, 0)
            valid &= same_line(at)
            pairs.append((found[valid], counted[at[valid]], np.full(int(valid.sum()), weights[distance - 1])))
    return occurrences, sp.coo_matrix(
        (np.concatenate([p[2] for p in pairs]), (np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))),
        shape=shape,
    ).tocsr()


def join_stream(blocks: Iterable[np.ndarray], table: PhraseTable, size: int, out: BinaryIO) -> tuple[np.ndarray, int]:
    """Join ``table``'s phrases in an id stream and write it to ``out`` as int32; each of ``size`` ids' count, and the ids written."""
    counts = np.zeros(size, dtype=np.int64)
    length = 0
    for piece in whole_line_pieces(blocks, SPOOL_BLOCK):
        joined = join_phrases(piece, table)
        joined.astype(np.int32).tofile(out)
        counts += np.bincount(joined[joined >= 0], minlength=size)
        length += len(joined)
    out.flush()
    return counts, length
