"""Count the vocabulary in one streaming pass, spooling the corpus as token ids for the counting pass."""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from .errors import CorpusError, ParameterError
from .options import MIN_VOCABULARY
from .tokenize import LINE_END, Tokenizer

#: Id of the line-end marker in a token-id stream.
LINE_ID = -1
#: Id of a token that is not in the (pruned) vocabulary.
OOV_ID = -2
#: Token ids are read back from the spool in blocks of this many ids.
SPOOL_BLOCK = 1 << 22


def id_map_keeping_line_ends(id_map: np.ndarray) -> np.ndarray:
    """``id_map`` (new id of each old token id) with one more slot, last, that maps :data:`LINE_ID` to itself.

    Blocks of token ids hold ``LINE_ID`` (-1) at line ends, and ``mapped[block]`` reads the
    last slot there: so one fancy index maps the words and keeps the line ends.

    Parameters
    ----------
    id_map : numpy.ndarray of int
        The new id of each old id (``OOV_ID`` for a word dropped).

    Returns
    -------
    numpy.ndarray of int32
        ``id_map`` followed by ``LINE_ID``.
    """
    return np.append(np.asarray(id_map, dtype=np.int32), np.int32(LINE_ID))


@dataclass
class Vocabulary:
    """Words in frequency order (ties alphabetical) with their corpus counts.

    Attributes
    ----------
    words : list of str
        The words, most frequent first.
    counts : numpy.ndarray of int64
        ``counts[i]`` is how often ``words[i]`` occurs in the corpus.
    """

    words: list[str]
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        """Mapping from word to row index."""
        return {word: i for i, word in enumerate(self.words)}


@dataclass
class CorpusIds:
    """A counted corpus as token ids over every word seen, rare ones included.

    From these a model's counts can be recomputed for any vocabulary, which is what makes
    :func:`wordvec.incremental.update` exact: a word that reaches ``min_count`` with new
    text changes the windows of the old text (out-of-vocabulary tokens are removed before
    windowing), and subsampling probabilities change with every count.

    Attributes
    ----------
    words : list of str
        Every distinct word, indexed by id, in first-seen order.
    counts : numpy.ndarray of int64
        Corpus count of each word.
    ids : numpy.ndarray of int32
        The corpus as word ids, ``LINE_ID`` (-1) at line ends.
    """

    words: list[str]
    counts: np.ndarray
    ids: np.ndarray


@dataclass
class TokenSpool:
    """The corpus as a stream of provisional token ids in a temporary file.

    Reading the corpus once and spooling ids (4 bytes a token) lets the counting pass
    run without tokenizing again, works for standard input and one-shot iterators, and
    keeps memory independent of corpus length.
    """

    file: BinaryIO
    length: int

    def iter_blocks(self, block: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(offset, ids)`` blocks of the spooled stream, in order (``SPOOL_BLOCK`` ids by default)."""
        block = block or SPOOL_BLOCK
        self.file.seek(0)
        offset = 0
        while offset < self.length:
            ids = np.fromfile(self.file, dtype=np.int32, count=min(block, self.length - offset))
            if len(ids) == 0:
                raise CorpusError("the temporary token file was truncated; check free space in the temp directory")
            yield offset, ids
            offset += len(ids)

    def close(self) -> None:
        self.file.close()


@dataclass
class ScanResult:
    """Everything the first pass learns: all distinct words with counts, and the spool.

    ``spool`` is None for a corpus scanned in shards by worker processes, which keep one
    spool a shard (see :mod:`wordvec.parallel`).
    """

    words: list[str]
    counts: np.ndarray
    tokens: int
    lines: int
    spool: TokenSpool | None


def scans_in_compiled_code(tokenizer: Tokenizer | str) -> bool:
    """Whether :func:`scan_corpus` with ``compiled`` numbers this tokenizer's tokens in compiled code (it gives token spans)."""
    from .tokenize import get_tokenizer

    return hasattr(get_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer, "token_code_spans")


def scan_corpus(
    pieces: Iterable[str],
    tokenizer: Tokenizer,
    *,
    progress: Callable[[int], None] | None = None,
    spool_dir: str | None = None,
    spool: BinaryIO | None = None,
    compiled: bool = False,
) -> ScanResult:
    """Tokenize the corpus once: count every word and spool the token-id stream.

    Parameters
    ----------
    pieces : iterable of str
        Corpus text in pieces ending at line ends (see :class:`wordvec.corpus.Corpus`).
    tokenizer : Tokenizer
        Splits each piece into tokens and line ends.
    progress : callable, optional
        Called with the number of tokens of each piece after it is processed.
    spool_dir : str, optional
        Directory of the temporary token-id file (default: the system temp directory).
    spool : binary file, optional
        An open file to write the token ids to instead of an anonymous temporary file, so
        that another process can read them by name; the caller closes it.
    compiled : bool, default False
        Number the tokens with compiled code (:class:`wordvec.vectorized_tokenize.TokenTable`)
        if the tokenizer gives token spans (the regex one does): the same words and ids.

    Returns
    -------
    ScanResult
        Words in first-seen order, their counts, token and line totals, and the spool.
    """
    next_id = itertools.count().__next__
    ids_of: defaultdict[str, int] = defaultdict(next_id)
    ids_of[LINE_END] = LINE_ID
    counts = np.zeros(1024, dtype=np.int64)
    tokens = lines = length = 0
    spool_file = spool if spool is not None else tempfile.TemporaryFile(prefix="wordvec-spool-", dir=spool_dir)
    table = None
    if compiled and scans_in_compiled_code(tokenizer):
        from .compiled import require_kernels
        from .vectorized_tokenize import TokenTable

        table = TokenTable(require_kernels())
    try:
        grouped = getattr(tokenizer, "tokenize_lines_grouped", None)
        for piece in pieces:
            if table is not None:
                ids = table.ids(*tokenizer.token_code_spans(piece, table.kernels))
            # Else the mapping runs in C (map over a dict method); new words get the next id.
            elif grouped is not None:  # ids looked up once for each distinct token of the piece
                distinct, positions = grouped(piece)
                distinct_ids = np.fromiter(map(ids_of.__getitem__, distinct), dtype=np.int32, count=len(distinct))
                ids = distinct_ids[positions]
            else:
                piece_tokens = tokenizer.tokenize_lines(piece)
                ids = np.fromiter(map(ids_of.__getitem__, piece_tokens), dtype=np.int32, count=len(piece_tokens))
            word_ids = ids[ids >= 0]
            known = len(table.words) if table is not None else len(ids_of)
            if known > len(counts):
                counts = np.concatenate([counts, np.zeros(max(known, 2 * len(counts)) - len(counts), np.int64)])
            counts += np.bincount(word_ids, minlength=len(counts))
            tokens += len(word_ids)
            lines += len(ids) - len(word_ids)
            length += len(ids)
            ids.tofile(spool_file)
            if progress is not None:
                progress(len(word_ids))
        spool_file.flush()
    except BaseException:
        if spool is None:
            spool_file.close()
        raise
    del ids_of[LINE_END]
    words = table.words if table is not None else list(ids_of)  # dicts keep insertion order, which is id order
    return ScanResult(words, counts[: len(words)], tokens, lines, TokenSpool(spool_file, length))


def prune_vocabulary(
    words: list[str], counts: np.ndarray, *, min_count: int = 5, max_vocab: int | None = None
) -> tuple[Vocabulary, np.ndarray]:
    """Keep the words seen at least ``min_count`` times, at most ``max_vocab`` of them.

    Parameters
    ----------
    words : list of str
        Every distinct word, indexed by provisional id.
    counts : numpy.ndarray
        Corpus count of each word.
    min_count : int, default 5
        Words rarer than this are dropped (their vectors would be noise).
    max_vocab : int, optional
        Keep only this many most frequent words.

    Returns
    -------
    vocabulary : Vocabulary
        Kept words, most frequent first, ties in alphabetical order.
    new_id_of : numpy.ndarray of int32
        For each provisional id, the word's index in ``vocabulary`` or ``OOV_ID``.
    """
    if min_count < 1:
        raise ParameterError(f"min_count must be >= 1; got {min_count}")
    if max_vocab is not None and max_vocab < MIN_VOCABULARY:
        raise ParameterError(f"max_vocab must be >= {MIN_VOCABULARY}; got {max_vocab}")
    kept = np.flatnonzero(counts >= min_count)
    # Python numbers and words of the kept words only: a large corpus has 5x as many rare ones.
    kept_words = [words[i] for i in kept.tolist()]
    # Most frequent first, ties in alphabetical order: the words sorted alphabetically, then
    # stably by count (half the time of one sort by (count, word) pairs made in Python).
    alphabetical = np.asarray(sorted(range(len(kept)), key=kept_words.__getitem__), dtype=np.int64)
    by_rank = alphabetical[np.argsort(-counts[kept][alphabetical], kind="stable")]
    if max_vocab is not None:
        by_rank = by_rank[:max_vocab]
    order_array = kept[by_rank]
    new_id_of = np.full(len(words), OOV_ID, dtype=np.int32)
    new_id_of[order_array] = np.arange(len(order_array), dtype=np.int32)
    vocabulary = Vocabulary(_fresh_strings([kept_words[j] for j in by_rank.tolist()]), counts[order_array].astype(np.int64))
    return vocabulary, id_map_keeping_line_ends(new_id_of)


def _fresh_strings(words: list[str]) -> list[str]:
    """``words`` as new string objects, made side by side in memory.

    The kept words of a large corpus are scattered among millions of rare ones in the
    interpreter's memory pools, so that freeing the rare ones would give back almost no
    memory; with the kept words copied, the pools of all the scanned words empty and are
    returned when those are freed. Copied by one join and split (a word holds no line break;
    should one, the words are kept as they are).
    """
    copied = "\n".join(words).split("\n") if words else []
    return copied if len(copied) == len(words) else words
