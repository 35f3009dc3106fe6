"""Phrases: multi-word expressions (``new_york``, ``bank_of_america``) found from adjacent-word counts.

The counts and scores are gensim's (``gensim.models.phrases.Phrases``, version 4), so a list
learnt here is the list gensim learns from the same tokens; the counting is vectorised over
token ids instead of a Python loop over words.

What is counted, per line (a "sentence"): every word that is not a connector word, and every
candidate ``a c1 ... ck b``: two consecutive non-connector words with only connector words
(``of``, ``the``...) between them. A connector word may sit inside a phrase, never start or
end one. ``len_vocab`` is the number of distinct words and candidates counted; the corpus
word count counts every token, connectors too.

Scores (gensim's ``scoring``):

- ``default`` (Mikolov et al. 2013): ``(count(ab) - min_count) * len_vocab / (count(a) * count(b))``,
  a phrase above ``threshold`` (default 10);
- ``npmi`` (Bouma 2009): ``ln(p(ab) / (p(a) p(b))) / -ln(p(ab))`` with probabilities over the
  corpus word count, for candidates counted at least ``min_count`` times; threshold in [-1, 1].

Applying phrases to a sentence is gensim's greedy rule, left to right: a word that starts a
candidate with the next non-connector word is joined to it (with the connectors between) if
that candidate is a phrase; the joined words then start nothing, so in ``a b c`` with both
``a_b`` and ``b_c`` phrases, the answer is ``a_b c``.

This module is the first stage of issue 20: learning from token lists and token ids, scoring,
applying and the plain-text file. ``wordvec phrases`` and ``build --phrases`` come next.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .options import DEFAULT_PHRASE_MIN_COUNT
from .options import DEFAULT_PHRASE_THRESHOLDS as DEFAULT_THRESHOLDS
from .options import PHRASE_SCORINGS as SCORINGS
from .vocab import LINE_ID

#: gensim 4's English connector words: they may sit inside a phrase (``bank_of_america``), never at its ends.
ENGLISH_CONNECTOR_WORDS = frozenset(
    "a an the for of with without at from to in on by and or".split()
)
#: The first line of a phrases file.
FILE_HEADER = "phrase\tcount\tscore"


def _check_scoring(scoring: str, min_count: int) -> None:
    if scoring not in SCORINGS:
        raise ParameterError(f"scoring must be one of {', '.join(SCORINGS)}; got {scoring!r}")
    if min_count < 1:
        raise ParameterError(f"min_count must be >= 1; got {min_count}")


def _check_threshold(scoring: str, threshold: float) -> None:
    if not math.isfinite(threshold):
        raise ParameterError(f"threshold must be a finite number; got {threshold}")
    if scoring == "npmi" and not -1 <= threshold <= 1:
        raise ParameterError(f"the npmi threshold must be between -1 and 1; got {threshold}")


@dataclass
class CandidateCounts:
    """Counts of the words and candidates of a corpus given as token ids (see the module docstring).

    Attributes
    ----------
    word_counts : ndarray of int64
        Count of each word id as a non-connector word (0 for connector words).
    candidates : dict of int to ndarray
        For each number ``k`` of connector words inside, the distinct candidates as rows
        ``(a, c1, ..., ck, b)`` of ids, sorted.
    candidate_counts : dict of int to ndarray
        Their counts, row for row.
    tokens : int
        Every token counted, connectors too (gensim's corpus word count).
    """

    word_counts: np.ndarray
    candidates: dict[int, np.ndarray] = field(default_factory=dict)
    candidate_counts: dict[int, np.ndarray] = field(default_factory=dict)
    tokens: int = 0

    @property
    def vocabulary_size(self) -> int:
        """gensim's ``len(vocab)``: distinct non-connector words and distinct candidates."""
        return int(np.count_nonzero(self.word_counts)) + sum(len(rows) for rows in self.candidates.values())


def _row_keys(columns: Sequence[np.ndarray], size: int) -> np.ndarray | None:
    """One int64 key a row of ids below ``size`` (sorting keys is many times faster than sorting rows), or None if too wide."""
    if size ** len(columns) >= 2**63:
        return None
    keys = np.asarray(columns[0], dtype=np.int64).copy()
    for column in columns[1:]:
        keys = keys * size + column
    return keys


def _rows_of_keys(keys: np.ndarray, width: int, size: int) -> np.ndarray:
    decoded = []
    for _ in range(width):
        decoded.append(keys % size)
        keys = keys // size
    return np.stack(decoded[::-1], axis=1)


def _merge_rows(rows: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``rows`` (too wide for one int64 key each), sorted, with the summed ``counts`` of each."""
    if not len(rows):
        return rows, counts
    order = np.lexsort(rows.T[::-1])
    rows, counts = rows[order], counts[order]
    starts = np.concatenate([[0], np.flatnonzero(np.any(rows[1:] != rows[:-1], axis=1)) + 1])
    return rows[starts], np.add.reduceat(counts, starts)


#: Ids a counting thread takes at a time (about 8 MB of int64 per temporary array).
_PIECE = 1 << 20


def count_candidates(
    blocks: Iterable[np.ndarray], connectors: np.ndarray, vocabulary_size: int, *, threads: int | None = None
) -> CandidateCounts:
    """Count words and candidates over a stream of token-id blocks with ``-1`` at line ends.

    Parameters
    ----------
    blocks : iterable of ndarray of int
        The corpus as ids in ``[0, vocabulary_size)``, ``-1`` ending each line; a block may
        end inside a line.
    connectors : ndarray of bool
        ``connectors[id]`` is True for a connector word.
    vocabulary_size : int
        The number of word ids.
    threads : int, optional
        Blocks counted at once (numpy's sorts run outside the GIL); default: the available cores.
        No more blocks are held at a time, so memory does not grow with the corpus beyond the
        table of distinct candidates.
    """
    from concurrent.futures import ThreadPoolExecutor

    from ._cores import available_cores

    threads = threads or available_cores()
    word_counts = np.zeros(vocabulary_size, dtype=np.int64)
    parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    tokens = 0

    def whole_lines() -> Iterator[np.ndarray]:
        """Pieces of about ``_PIECE`` ids cut at line ends: a counting thread's temporaries stay small."""
        carried = np.zeros(0, dtype=np.int64)  # the unfinished line at the end of the previous block
        for block in blocks:
            ids = np.concatenate([carried, np.asarray(block, dtype=np.int64)])
            ends = np.flatnonzero(ids == LINE_ID) + 1
            start = 0
            while len(ends) and ends[-1] - start > 0:
                stop = ends[min(np.searchsorted(ends, start + _PIECE), len(ends) - 1)]
                yield ids[start:stop]
                start = stop
            carried = ids[start:]
        if len(carried):
            yield np.concatenate([carried, [LINE_ID]])

    def collect(result: _BlockCounts) -> None:
        nonlocal word_counts, tokens
        word_counts += result.word_counts
        tokens += result.tokens
        for inside, piece in result.parts.items():
            pieces = parts.setdefault(inside, [])
            pieces.append(piece)
            # Fold the blocks' tables into one once they outgrow it: memory stays a few times the final table.
            if piece[0].ndim == 1 and len(pieces) > 2 and sum(len(p[0]) for p in pieces[1:]) > len(pieces[0][0]):
                parts[inside] = [_merge_keys(np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces]))]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending = []
        for ids in whole_lines():
            pending.append(pool.submit(_count_lines, ids, connectors))
            if len(pending) >= threads:
                collect(pending.pop(0).result())
        for future in pending:
            collect(future.result())
    counts = CandidateCounts(word_counts, tokens=tokens)
    for inside, pieces in sorted(parts.items()):
        keys, numbers = np.concatenate([piece[0] for piece in pieces]), np.concatenate([piece[1] for piece in pieces])
        if keys.ndim == 1:  # int64 keys of rows, merged as numbers and decoded once
            keys, numbers = _merge_keys(keys, numbers)
            rows = _rows_of_keys(keys, inside + 2, vocabulary_size)
        else:
            rows, numbers = _merge_rows(keys, numbers)
        counts.candidates[inside], counts.candidate_counts[inside] = rows, numbers
    return counts


def _merge_keys(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys``, sorted, with the summed ``counts`` of each."""
    if not len(keys):
        return keys, counts
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
    return keys[starts], np.add.reduceat(counts, starts)


@dataclass
class _BlockCounts:
    """What :func:`_count_lines` counts in one block: word counts, candidates (as int64 keys, or rows if too wide), tokens."""

    word_counts: np.ndarray
    parts: dict[int, tuple[np.ndarray, np.ndarray]]
    tokens: int


def _count_lines(ids: np.ndarray, connectors: np.ndarray) -> _BlockCounts:
    """Count whole lines (``ids`` ends with a line end)."""
    size = len(connectors)
    is_token = ids != LINE_ID
    line = np.cumsum(~is_token) - ~is_token  # the line of each position, a line end with its line
    content = np.flatnonzero(is_token & ~connectors[np.where(is_token, ids, 0)])
    word_counts = np.bincount(ids[content], minlength=size).astype(np.int64)
    parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if len(content) > 1:
        first, second = content[:-1], content[1:]
        same_line = line[first] == line[second]
        first, second = first[same_line], second[same_line]
        gaps = second - first - 1  # the connector words between
        for inside in np.unique(gaps).tolist():
            chosen = gaps == inside
            columns = [ids[first[chosen] + offset] for offset in range(inside + 1)] + [ids[second[chosen]]]
            keys = _row_keys(columns, size)
            if keys is not None:
                distinct, numbers = np.unique(keys, return_counts=True)
            else:
                distinct, numbers = np.unique(np.stack(columns, axis=1), axis=0, return_counts=True)
            parts[inside] = (distinct, numbers.astype(np.int64))
    return _BlockCounts(word_counts, parts, int(np.count_nonzero(is_token)))


def score_candidates(
    counts: CandidateCounts, *, scoring: str = "default", min_count: int = DEFAULT_PHRASE_MIN_COUNT
) -> dict[int, np.ndarray]:
    """Each candidate's score (see the module docstring), by number of connectors inside, row for row."""
    _check_scoring(scoring, min_count)
    size, total = counts.vocabulary_size, float(counts.tokens)
    scores = {}
    for inside, rows in counts.candidates.items():
        first = counts.word_counts[rows[:, 0]].astype(np.float64)
        last = counts.word_counts[rows[:, -1]].astype(np.float64)
        joint = counts.candidate_counts[inside].astype(np.float64)
        if scoring == "default":
            scores[inside] = (joint - min_count) / (first * last) * size
        else:
            with np.errstate(divide="ignore"):
                together = joint / total
                npmi = np.log(together / ((first / total) * (last / total))) / -np.log(together)
            # A candidate seen in every position (p(ab) = 1) has -ln p(ab) = 0: gensim's division fails there too.
            scores[inside] = np.where((joint >= min_count) & np.isfinite(npmi), npmi, -np.inf)
    return scores


class Phrases:
    """Phrases learnt from a corpus, gensim-compatible; applied to token lists greedily, left to right.

    Parameters
    ----------
    min_count : int, default 5
        gensim's ``min_count``: subtracted from a candidate's count by ``default``; the least
        count of a candidate for ``npmi``.
    threshold : float, optional
        A candidate scoring above it is a phrase (default 10 for ``default``, 0.5 for ``npmi``).
    scoring : {"default", "npmi"}, default "default"
        The score (see the module docstring).
    connector_words : iterable of str, default ENGLISH_CONNECTOR_WORDS
        Words that may sit inside a phrase but never start or end one; ``()`` for none.
    delimiter : str, default "_"
        What joins the words of a phrase.

    Attributes
    ----------
    phrases : dict of str to tuple of (int, float)
        Each phrase (its words joined by ``delimiter``) with its count and score.

    Examples
    --------
    >>> lines = [["new", "york", "is", "big"], ["i", "love", "new", "york"], ["york", "is", "old"]] * 5
    >>> found = Phrases(min_count=2, threshold=0.5).learn(lines)
    >>> found.phrases["new_york"]  # its count, and (10 - 2) * 13 / (10 * 15): 7 words and 6 candidates counted
    (10, 0.69...)
    >>> found.apply(["i", "love", "new", "york"])
    ['i_love', 'new_york']
    """

    def __init__(
        self,
        *,
        min_count: int = DEFAULT_PHRASE_MIN_COUNT,
        threshold: float | None = None,
        scoring: str = "default",
        connector_words: Iterable[str] = ENGLISH_CONNECTOR_WORDS,
        delimiter: str = "_",
    ) -> None:
        _check_scoring(scoring, min_count)
        threshold = DEFAULT_THRESHOLDS[scoring] if threshold is None else float(threshold)
        _check_threshold(scoring, threshold)
        if not delimiter:
            raise ParameterError("the delimiter must be a non-empty string")
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.connector_words = frozenset(connector_words)
        self.delimiter = delimiter
        self.phrases: dict[str, tuple[int, float]] = {}

    def learn(self, sentences: Iterable[Sequence[str]]) -> Phrases:
        """Count ``sentences`` (lists of tokens) and keep the candidates that score above the threshold."""
        words: dict[str, int] = {}

        def blocks() -> Iterator[np.ndarray]:
            batch: list[int] = []
            for sentence in sentences:
                batch.extend(words.setdefault(token, len(words)) for token in sentence)
                batch.append(LINE_ID)
                if len(batch) >= 1 << 16:
                    yield np.array(batch, dtype=np.int64)
                    batch = []
            yield np.array(batch, dtype=np.int64)

        collected = list(blocks())  # the ids must all be assigned before the connector mask is made
        vocabulary = list(words)
        connectors = np.array([word in self.connector_words for word in vocabulary] + [False], dtype=bool)
        return self.learn_ids(collected, vocabulary, connectors[: len(vocabulary)])

    def learn_ids(self, blocks: Iterable[np.ndarray], words: Sequence[str], connectors: np.ndarray) -> Phrases:
        """As :meth:`learn`, from blocks of ids of ``words`` with ``-1`` at line ends (a corpus's scan)."""
        counts = count_candidates(blocks, np.asarray(connectors, dtype=bool), len(words))
        scores = score_candidates(counts, scoring=self.scoring, min_count=self.min_count)
        found: list[tuple[float, str, int]] = []
        for inside, rows in counts.candidates.items():
            chosen = np.flatnonzero(scores[inside] > self.threshold)
            for row in chosen.tolist():
                phrase = self.delimiter.join(words[i] for i in rows[row].tolist())
                found.append((float(scores[inside][row]), phrase, int(counts.candidate_counts[inside][row])))
        found.sort(key=lambda item: (-item[0], item[1]))
        self.phrases = {phrase: (count, score) for score, phrase, count in found}
        return self

    def export_phrases(self) -> dict[str, float]:
        """Each phrase with its score, best first (gensim's ``export_phrases``)."""
        return {phrase: score for phrase, (_, score) in self.phrases.items()}

    def apply(self, sentence: Sequence[str]) -> list[str]:
        """``sentence`` with its phrases joined, by gensim's greedy rule (see the module docstring)."""
        out: list[str] = []
        start: str | None = None
        inside: list[str] = []
        for word in sentence:
            if word in self.connector_words:
                if start is None:
                    out.append(word)
                else:
                    inside.append(word)
                continue
            if start is not None:
                joined = self.delimiter.join([start, *inside, word])
                if joined in self.phrases:
                    out.append(joined)
                    start, inside = None, []
                    continue
                out.append(start)
                out.extend(inside)
            start, inside = word, []
        if start is not None:
            out.append(start)
            out.extend(inside)
        return out

    def save(self, path: str | Path) -> None:
        """Write the phrases as UTF-8 text, atomically: a header line, then ``phrase<TAB>count<TAB>score`` a line, best first."""
        from .files import write_atomically

        lines = [FILE_HEADER] + [f"{phrase}\t{count}\t{score!r}" for phrase, (count, score) in self.phrases.items()]
        write_atomically(path, lambda out: out.write(("\n".join(lines) + "\n").encode("utf-8")))

    @classmethod
    def load(
        cls, path: str | Path, *, connector_words: Iterable[str] = ENGLISH_CONNECTOR_WORDS, delimiter: str = "_"
    ) -> Phrases:
        """Phrases written by :meth:`save` (the file holds the phrases; the connector words and delimiter are given).

        Raises
        ------
        ParameterError
            The file cannot be read, is not UTF-8, lacks the header, or has a line that is
            not ``phrase<TAB>count<TAB>score`` with a phrase of two words or more, a count of at
            least 1 and a finite score.
        """
        from .files import read_user_text

        path = Path(path)
        lines = read_user_text(path, "the phrases file").splitlines()
        if not lines or lines[0] != FILE_HEADER:
            raise ParameterError(f"{str(path)!r} is not a phrases file: its first line must be {FILE_HEADER!r}")
        loaded = cls(connector_words=connector_words, delimiter=delimiter)
        for number, line in enumerate(lines[1:], start=2):
            fields = line.split("\t")
            problem = None
            if len(fields) != 3:
                problem = f"expected phrase, count and score separated by tabs, got {len(fields)} fields"
            elif len([word for word in fields[0].split(delimiter) if word]) < 2:
                problem = f"{fields[0]!r} is not a phrase of two words or more joined by {delimiter!r}"
            else:
                try:
                    count, score = int(fields[1]), float(fields[2])
                except ValueError:
                    count, score = 0, math.nan
                if count < 1 or not math.isfinite(score):
                    problem = "the count must be a whole number >= 1 and the score a finite number"
            if problem:
                raise ParameterError(f"{str(path)!r} line {number}: {problem}")
            loaded.phrases[fields[0]] = (count, score)
        return loaded


def read_connector_words(path: str | Path) -> frozenset[str]:
    """Connector words from a UTF-8 text file: one a line (blank lines and ``#`` comments skipped).

    Raises
    ------
    ParameterError
        The file cannot be read, is not UTF-8, or a line holds more than one word.
    """
    from .files import read_user_text, word_lines

    words = set()
    for number, fields in word_lines(read_user_text(path, "the connector words file")):
        if len(fields) > 1:
            raise ParameterError(f"{str(path)!r} line {number}: one connector word a line, got {len(fields)}")
        words.add(fields[0].lower())
    return frozenset(words)


def learn_phrases(
    corpus: object,
    *,
    min_count: int = DEFAULT_PHRASE_MIN_COUNT,
    threshold: float | None = None,
    scoring: str = "default",
    connector_words: Iterable[str] = ENGLISH_CONNECTOR_WORDS,
    tokenizer: str = "regex",
    workers: int | None = None,
    progress: object = None,
) -> Phrases:
    """Learn phrases from a corpus, read and tokenized as :func:`wordvec.build` reads it.

    Parameters
    ----------
    corpus : str, path-like, iterable of path-like, or iterable of str
        As for :func:`wordvec.build`: files, folders, compressed files, URLs, ``"-"`` for
        standard input, or lines of text.
    min_count, threshold, scoring, connector_words
        As for :class:`Phrases`.
    tokenizer : {"regex", "nltk"}, default "regex"
        The build's tokenizer, so that the phrases are spelled as the build's words.
    workers : int, optional
        Processes that read a large corpus (default: the available cores).
    progress : callable, optional
        ``progress(stage, done, total)``, as for :func:`wordvec.build`.

    Returns
    -------
    Phrases

    Raises
    ------
    CorpusError
        The corpus is missing, empty or unreadable.
    ParameterError
        A setting is out of range.
    """
    from ._cores import available_cores
    from .corpus import Corpus
    from .options import TOKENIZER_NAMES
    from .parallel import counting_passes
    from .progress import no_progress

    if tokenizer not in TOKENIZER_NAMES:
        raise ParameterError(f"tokenizer must be one of {', '.join(TOKENIZER_NAMES)}; got {tokenizer!r}")
    found = Phrases(min_count=min_count, threshold=threshold, scoring=scoring, connector_words=connector_words)
    source = Corpus(corpus)
    with counting_passes(source, workers or available_cores()) as passes:
        scan = passes.scan(tokenizer, progress or no_progress)
        connectors = np.fromiter((word in found.connector_words for word in scan.words), dtype=bool, count=len(scan.words))
        return found.learn_ids(passes.iter_ids(), scan.words, connectors)
