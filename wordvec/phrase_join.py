"""Joining phrases in a corpus's token ids: the vectorised form of :meth:`wordvec.phrases.Phrases.apply`.

Kept apart from :mod:`wordvec.phrases` (which learns them) so that the worker processes of
:mod:`wordvec.parallel` can join a shard's ids without importing what imports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

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


@dataclass
class PhraseTable:
    """One pass's phrases over token ids: what :func:`join_phrases` looks candidates up in.

    A candidate ``a c1 ... ck b`` (ids) is the int64 key ``((a * size + b) * C + code(c1)) * C ...``
    with ``code`` the connector's rank among the ``C`` connector words, looked up in ``keys[k]``
    (sorted); ``targets[k]`` holds the id each key becomes. Rows too wide for one key are in ``wide``.
    """

    code: np.ndarray
    radix: int
    size: int
    keys: dict[int, np.ndarray] = field(default_factory=dict)
    targets: dict[int, np.ndarray] = field(default_factory=dict)
    wide: dict[tuple[int, ...], int] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: dict[int, list[tuple[list[int], int]]], code: np.ndarray, radix: int, size: int) -> PhraseTable:
        """The table of ``rows`` (by connectors inside, each row of ids with its target id)."""
        table = cls(code, max(radix, 1), size)
        for inside, entries in rows.items():
            if not table.fits(inside):
                table.wide.update((tuple(row), target) for row, target in entries)
                continue
            columns = np.array([row for row, _ in entries], dtype=np.int64)
            keys = table.key(columns[:, 0], columns[:, -1], columns[:, 1:-1].T)
            order = np.argsort(keys, kind="stable")
            table.keys[inside] = keys[order]
            table.targets[inside] = np.array([target for _, target in entries], dtype=np.int64)[order]
        return table

    def __bool__(self) -> bool:
        return bool(self.keys or self.wide)

    def fits(self, inside: int) -> bool:
        """Whether a candidate with ``inside`` connectors fits one int64 key."""
        return self.size * self.size * self.radix**inside < 2**63

    def key(self, first: np.ndarray, last: np.ndarray, middle: Iterable[np.ndarray]) -> np.ndarray:
        """The keys of candidates given as their first ids, last ids and connector ids, column by column."""
        keys = first * self.size + last
        for column in middle:
            keys = keys * self.radix + self.code[column]
        return keys


def join_phrases(ids: np.ndarray, table: PhraseTable) -> np.ndarray:
    """Whole lines of ids (ending with ``-1``) with the phrases of ``table`` joined, greedily left to right.

    The vectorised form of :meth:`Phrases.apply`: consecutive non-connector words of a line,
    with only connectors between, form a candidate; candidates that are phrases and share a
    word form runs, and the first, third... of each run is joined (the one before took the
    word the next would start with). A joined candidate becomes the phrase's id at its first
    position; its other positions are removed.
    """
    ids = np.asarray(ids, dtype=np.int64)
    is_token = ids != LINE_ID
    known = is_token & (ids < table.size)  # a later pass's ids are no connector
    content = np.flatnonzero(is_token & ~known | (table.code[np.where(known, ids, 0)] < 0) & known)
    if len(content) < 2:
        return ids
    first, second = content[:-1], content[1:]
    line = np.cumsum(~is_token)
    same_line = line[first] == line[second]
    gaps = second - first - 1
    target = np.full(len(first), -1, dtype=np.int64)
    for inside, keys in table.keys.items():
        chosen = np.flatnonzero(same_line & (gaps == inside))
        if not len(chosen):
            continue
        starts = first[chosen]
        found = table.key(ids[starts], ids[second[chosen]], (ids[starts + offset] for offset in range(1, inside + 1)))
        where = np.minimum(np.searchsorted(keys, found), len(keys) - 1)
        hit = keys[where] == found
        target[chosen[hit]] = table.targets[inside][where[hit]]
    if table.wide:
        for inside in {len(row) - 2 for row in table.wide}:
            for pair in np.flatnonzero(same_line & (gaps == inside)).tolist():
                target[pair] = table.wide.get(tuple(ids[first[pair] : second[pair] + 1].tolist()), -1)
    is_phrase = target >= 0
    if not is_phrase.any():
        return ids
    # Position of each candidate in its run of phrases sharing words: the even ones are joined.
    numbers = np.arange(len(target))
    run_start = is_phrase & ~np.concatenate([[False], is_phrase[:-1]])
    joined = is_phrase & ((numbers - np.maximum.accumulate(np.where(run_start, numbers, 0))) % 2 == 0)
    out = ids.copy()
    out[first[joined]] = target[joined]
    removed = np.cumsum(
        np.bincount(first[joined] + 1, minlength=len(ids) + 1) - np.bincount(second[joined] + 1, minlength=len(ids) + 1)
    )[: len(ids)] > 0
    return out[~removed]


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
