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
``a_b`` and ``b_c`` phrases, the answer is ``a_b c``. :mod:`wordvec.phrase_join` does the same
over token ids, for ``wordvec build --phrases`` (see :class:`wordvec.options.BuildParams`,
``phrase_mode``, for how a build gives phrases vectors).

Passes (``passes=2``): the second pass learns from the corpus with the first pass's phrases
joined, as ``Phrases(bigram[sentences])`` does in gensim, and so finds ``new_york_times``; each
pass's phrases are applied in turn. gensim's ``export_phrases`` of such a second model lists
something else: it rescores each phrase by its first and last *word* (``new`` and ``times``), and
its counts merge a token joined by the first pass with the candidate spelled alike; wordvec lists
the phrases each pass applies (benchmarks/RESULTS.md measures the difference).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import ParameterError
from .options import DEFAULT_MAX_PHRASE_CANDIDATES as DEFAULT_MAX_CANDIDATES
from .options import DEFAULT_PHRASE_MIN_COUNT, PHRASE_DELIMITER
from .options import MAX_PHRASE_PASSES as MAX_PASSES
from .options import DEFAULT_PHRASE_THRESHOLDS as DEFAULT_THRESHOLDS
from .options import PHRASE_SCORINGS as SCORINGS
from ._cores import in_order_on_threads
from .phrase_join import CandidateKeys, PhraseTable, join_phrases, whole_line_pieces
from .vocab import LINE_ID, SPOOL_BLOCK

if TYPE_CHECKING:
    from .options import BuildParams
    from .vocab import ScanResult

#: gensim 4's English connector words: they may sit inside a phrase (``bank_of_america``), never at its ends.
ENGLISH_CONNECTOR_WORDS = frozenset(
    "a an the for of with without at from to in on by and or".split()
)
#: The first line of a phrases file.
FILE_HEADER = "phrase\tcount\tscore"
#: The first line of a file of phrases learnt in several passes: the pass that found each is the fourth column.
PASSES_FILE_HEADER = "phrase\tcount\tscore\tpass"


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
    #: Candidates counted fewer times than this were dropped to keep the table within its bound (1: none).
    pruned_below: int = 1

    @property
    def vocabulary_size(self) -> int:
        """gensim's ``len(vocab)``: distinct non-connector words and distinct candidates."""
        return int(np.count_nonzero(self.word_counts)) + sum(len(rows) for rows in self.candidates.values())


def _merge_rows(rows: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``rows`` (too wide for one int64 key each), sorted, with the summed ``counts`` of each."""
    if not len(rows):
        return rows, counts
    order = np.lexsort(rows.T[::-1])
    rows, counts = rows[order], counts[order]
    starts = np.concatenate([[0], np.flatnonzero(np.any(rows[1:] != rows[:-1], axis=1)) + 1])
    return rows[starts], np.add.reduceat(counts, starts)


def count_candidates(
    blocks: Iterable[np.ndarray],
    connectors: np.ndarray,
    vocabulary_size: int,
    *,
    threads: int | None = None,
    max_candidates: int | None = None,
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
    max_candidates : int, optional
        Bound on the distinct candidates held (gensim's ``max_vocab_size``): when the table
        outgrows it, the candidates counted fewer than ``n`` times are dropped, ``n`` starting
        at 2 and growing by one each time until the table is within the bound, as gensim
        prunes. Counts are then those of the candidates kept (a dropped candidate starts again
        from 0), so results are exact only while it never prunes (``pruned_below`` stays 1).
        Default: no bound.
    """
    from ._cores import available_cores

    threads = threads or available_cores()
    scheme = CandidateKeys.of(np.asarray(connectors, dtype=bool))
    word_counts = np.zeros(vocabulary_size, dtype=np.int64)
    parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    tokens = 0
    pruned_below = 1

    def collect(result: _BlockCounts) -> None:
        nonlocal word_counts, tokens, pruned_below
        word_counts += result.word_counts
        tokens += result.tokens
        for inside, piece in result.parts.items():
            pieces = parts.setdefault(inside, [])
            pieces.append(piece)
            # Fold the blocks' tables into one once they outgrow it: memory stays a few times the final table.
            if piece[0].ndim == 1 and len(pieces) > 2 and sum(len(p[0]) for p in pieces[1:]) > len(pieces[0][0]):
                parts[inside] = [_fold(pieces)]
        if max_candidates is not None and sum(len(p[0]) for pieces in parts.values() for p in pieces) > max_candidates:
            for inside, pieces in parts.items():
                parts[inside] = [_fold(pieces)]
            while sum(len(pieces[0][0]) for pieces in parts.values()) > max_candidates:
                pruned_below += 1
                for inside, [(keys, numbers)] in parts.items():
                    kept = numbers >= pruned_below
                    parts[inside] = [(keys[kept], numbers[kept])]

    for result in in_order_on_threads(_count_lines, ((ids, connectors, scheme) for ids in whole_line_pieces(blocks)), threads):
        collect(result)
    counts = CandidateCounts(word_counts, tokens=tokens, pruned_below=pruned_below)
    for inside, pieces in sorted(parts.items()):
        keys, numbers = _fold(pieces)
        # int64 keys of rows are merged as numbers and decoded once
        rows = scheme.rows(keys, inside) if keys.ndim == 1 else keys
        counts.candidates[inside], counts.candidate_counts[inside] = rows, numbers
    return counts


def _fold(pieces: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Tables of candidates (int64 keys, or rows of ids) and their counts, as one table of distinct candidates."""
    keys, numbers = np.concatenate([piece[0] for piece in pieces]), np.concatenate([piece[1] for piece in pieces])
    return _merge_keys(keys, numbers) if keys.ndim == 1 else _merge_rows(keys, numbers)


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


def _count_lines(ids: np.ndarray, connectors: np.ndarray, scheme: CandidateKeys) -> _BlockCounts:
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
            if scheme.fits(inside):
                distinct, numbers = np.unique(scheme.keys(columns), return_counts=True)
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
    passes : int, default 1
        Passes of learning: pass ``k + 1`` learns from the corpus with the phrases of pass ``k``
        joined, as gensim's ``Phrases(bigram[sentences])`` does, so 2 finds trigrams such as
        ``new_york_times`` (``new_york`` + ``times``).
    max_candidates : int or None, default 40,000,000
        Bound on the distinct candidates counted at once, so that memory stays flat however
        long the corpus (gensim's ``max_vocab_size``, with its default; see
        :func:`count_candidates`): counts are exact until a corpus has more; None: no bound.

    Attributes
    ----------
    layers : list of dict of str to tuple of (int, float)
        For each pass, its phrases (words joined by ``delimiter``) with their count and score, best first.
    phrases : dict of str to tuple of (int, float)
        Every pass's phrases with their count and score, best first.

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
        delimiter: str = PHRASE_DELIMITER,
        passes: int = 1,
        max_candidates: int | None = DEFAULT_MAX_CANDIDATES,
    ) -> None:
        _check_scoring(scoring, min_count)
        threshold = DEFAULT_THRESHOLDS[scoring] if threshold is None else float(threshold)
        _check_threshold(scoring, threshold)
        if not delimiter:
            raise ParameterError("the delimiter must be a non-empty string")
        _check_passes(passes)
        if max_candidates is not None and max_candidates < 1:
            raise ParameterError(f"max_candidates must be >= 1; got {max_candidates}")
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.connector_words = frozenset(connector_words)
        self.delimiter = delimiter
        self.passes = passes
        self.max_candidates = max_candidates
        self.layers: list[dict[str, tuple[int, float]]] = []

    @property
    def phrases(self) -> dict[str, tuple[int, float]]:
        """Every pass's phrases with their count and score, best first (ties alphabetical)."""
        merged = {phrase: found for layer in self.layers for phrase, found in layer.items()}
        return dict(sorted(merged.items(), key=lambda item: (-item[1][1], item[0])))

    def learn(self, sentences: Iterable[Sequence[str]]) -> Phrases:
        """Count ``sentences`` (lists of tokens) and keep the candidates that score above the threshold, ``passes`` times."""
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
        self.layers = []
        for number in range(self.passes):
            connectors = np.array([word in self.connector_words for word in vocabulary], dtype=bool)
            if not self._learn_layer(collected, vocabulary, connectors) or number == self.passes - 1:
                break
            table = self.table(len(self.layers) - 1, vocabulary)
            collected = [join_phrases(block, table) for block in collected]  # each block holds whole lines
        return self

    def _learn_layer(self, blocks: Iterable[np.ndarray], words: Sequence[str], connectors: np.ndarray) -> bool:
        """Learn one pass's phrases from blocks of ids of ``words`` (``-1`` at line ends); True if it found any."""
        counts = count_candidates(blocks, np.asarray(connectors, dtype=bool), len(words), max_candidates=self.max_candidates)
        scores = score_candidates(counts, scoring=self.scoring, min_count=self.min_count)
        found: list[tuple[float, str, int]] = []
        for inside, rows in counts.candidates.items():
            chosen = np.flatnonzero(scores[inside] > self.threshold)
            for row in chosen.tolist():
                phrase = self.delimiter.join(words[i] for i in rows[row].tolist())
                found.append((float(scores[inside][row]), phrase, int(counts.candidate_counts[inside][row])))
        found.sort(key=lambda item: (-item[0], item[1]))
        self.layers.append({phrase: (count, score) for score, phrase, count in found})
        return bool(found)

    def export_phrases(self) -> dict[str, float]:
        """Each phrase with its score, best first (gensim's ``export_phrases``)."""
        return {phrase: score for phrase, (_, score) in self.phrases.items()}

    def apply(self, sentence: Sequence[str]) -> list[str]:
        """``sentence`` with its phrases joined, pass after pass, by gensim's greedy rule (see the module docstring)."""
        joined = list(sentence)
        for layer in self.layers:
            joined = self._apply_layer(joined, layer)
        return joined

    def _apply_layer(self, sentence: Sequence[str], layer: dict[str, tuple[int, float]]) -> list[str]:
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
                if joined in layer:
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

    def table(self, layer: int, words: list[str]) -> PhraseTable:
        """Pass ``layer``'s phrases over ids of ``words``, for :func:`join_phrases`; new phrases are appended to ``words``.

        A phrase is matched by every way of cutting it into a start and an end token of
        ``words`` with connector words between, as gensim matches the joined string; a phrase
        none of whose cuts is made of ``words`` cannot occur, and is left out.
        """
        index = {word: number for number, word in enumerate(words)}
        scheme = CandidateKeys.of_ids(sorted(index[word] for word in self.connector_words if word in index), len(words))
        rows: dict[int, list[tuple[list[int], int]]] = {}
        # Cut among the words before this pass's phrases: a pass joins what the one before left.
        cut_phrases = [(phrase, self._cuts(phrase, index)) for phrase in self.layers[layer]]
        for phrase, cuts in cut_phrases:
            if not cuts:
                continue
            target = index.get(phrase)
            if target is None:
                target = index[phrase] = len(words)
                words.append(phrase)
            for cut in cuts:
                rows.setdefault(len(cut) - 2, []).append((cut, target))
        return PhraseTable.of(rows, scheme)

    def _cuts(self, phrase: str, index: dict[str, int]) -> list[list[int]]:
        """Each way of reading ``phrase`` as ids ``start, connector..., end`` of ``index``'s words."""
        pieces = phrase.split(self.delimiter)
        cuts = []
        for start_end in range(1, len(pieces)):
            start = index.get(self.delimiter.join(pieces[:start_end]))
            if start is None or self.delimiter.join(pieces[:start_end]) in self.connector_words:
                continue
            for end_start in range(start_end, len(pieces)):
                middle, last = pieces[start_end:end_start], self.delimiter.join(pieces[end_start:])
                end = index.get(last)
                if end is None or last in self.connector_words:
                    continue
                if all(word in self.connector_words and word in index for word in middle):
                    cuts.append([start, *(index[word] for word in middle), end])
        return cuts

    def save(self, path: str | Path) -> None:
        """Write the phrases as UTF-8 text, atomically: a header line, then ``phrase<TAB>count<TAB>score`` a line, best first.

        Phrases learnt in several passes have a fourth column, the pass that found each.
        """
        from .files import write_atomically

        text = self.to_text().encode("utf-8")
        write_atomically(path, lambda out: out.write(text))

    def to_text(self) -> str:
        """The file :meth:`save` writes, as a string."""
        layered = len(self.layers) > 1
        pass_of = {phrase: number for number, layer in enumerate(self.layers, start=1) for phrase in layer}
        lines = [PASSES_FILE_HEADER if layered else FILE_HEADER]
        for phrase, (count, score) in self.phrases.items():
            lines.append(f"{phrase}\t{count}\t{score!r}" + (f"\t{pass_of[phrase]}" if layered else ""))
        return "\n".join(lines) + "\n"

    @classmethod
    def load(
        cls, path: str | Path, *, connector_words: Iterable[str] = ENGLISH_CONNECTOR_WORDS, delimiter: str = PHRASE_DELIMITER
    ) -> Phrases:
        """Phrases written by :meth:`save` (the file holds the phrases; the connector words and delimiter are given).

        Raises
        ------
        ParameterError
            The file cannot be read, is not UTF-8, lacks the header, or has a line that is
            not ``phrase<TAB>count<TAB>score`` (and ``<TAB>pass`` after the header that names
            it) with a phrase of two words or more, a count of at least 1, a finite score and
            a pass from 1 up, one phrase once.
        """
        from .files import read_user_text

        path = Path(path)
        lines = read_user_text(path, "the phrases file").splitlines()
        if not lines or lines[0] not in (FILE_HEADER, PASSES_FILE_HEADER):
            raise ParameterError(f"{str(path)!r} is not a phrases file: its first line must be {FILE_HEADER!r}")
        names = lines[0].split("\t")
        columns = len(names)
        loaded = cls(connector_words=connector_words, delimiter=delimiter)
        layers: dict[int, dict[str, tuple[int, float]]] = {}
        seen: set[str] = set()
        for number, line in enumerate(lines[1:], start=2):
            fields = line.split("\t")
            problem, layer = None, 1
            if len(fields) != columns:
                problem = f"expected {', '.join(names[:-1])} and {names[-1]} separated by tabs, got {len(fields)} fields"
            elif len([word for word in fields[0].split(delimiter) if word]) < 2:
                problem = f"{fields[0]!r} is not a phrase of two words or more joined by {delimiter!r}"
            elif fields[0] in seen:
                problem = f"{fields[0]!r} is listed twice"
            else:
                try:
                    count, score = int(fields[1]), float(fields[2])
                    layer = int(fields[3]) if columns == 4 else 1
                except ValueError:
                    count, score = 0, math.nan
                if count < 1 or not math.isfinite(score):
                    problem = "the count must be a whole number >= 1 and the score a finite number"
                elif not 1 <= layer <= MAX_PASSES:
                    problem = f"the pass must be a whole number from 1 to {MAX_PASSES}; got {fields[3]!r}"
            if problem:
                raise ParameterError(f"{str(path)!r} line {number}: {problem}")
            seen.add(fields[0])
            layers.setdefault(layer, {})[fields[0]] = (count, score)
        if layers and sorted(layers) != list(range(1, max(layers) + 1)):
            missing = min(set(range(1, max(layers) + 1)) - set(layers))
            raise ParameterError(f"{str(path)!r} lists phrases of pass {max(layers)} but none of pass {missing}")
        loaded.layers = [layers[number] for number in sorted(layers)]
        loaded.passes = max(len(loaded.layers), 1)
        return loaded


def _check_passes(passes: int) -> None:
    if not 1 <= passes <= MAX_PASSES:
        raise ParameterError(f"passes must be between 1 and {MAX_PASSES}; got {passes}")


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
    passes: int = 1,
    max_candidates: int | None = DEFAULT_MAX_CANDIDATES,
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
    min_count, threshold, scoring, connector_words, passes, max_candidates
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
    found = Phrases(min_count=min_count, threshold=threshold, scoring=scoring, connector_words=connector_words,
                    passes=passes, max_candidates=max_candidates)
    source = Corpus(corpus)
    with counting_passes(source, workers or available_cores()) as counting:
        scan = counting.scan(tokenizer, progress or no_progress)
        join_corpus_phrases(counting, scan, found, learn=True, last_table=False)
    return found


class JoiningPasses(Protocol):
    """Passes over a scanned corpus's ids that can rewrite them (:class:`wordvec.parallel.InProcessPasses`, ...)."""

    def iter_ids(self) -> Iterator[np.ndarray]:
        """The corpus as blocks of ids of the scan's words (``-1`` at line ends)."""

    def join_phrases(self, table: PhraseTable, size: int) -> np.ndarray:
        """Join ``table``'s phrases in the corpus's ids (:func:`join_phrases`); the count of each of ``size`` ids after."""


def join_corpus_phrases(
    passes: JoiningPasses, scan: ScanResult, found: Phrases, *, learn: bool, rewrite: bool = False, last_table: bool = True
) -> tuple[list[str], list[PhraseTable], np.ndarray | None]:
    """Learn phrases from a scanned corpus, or take ``found``'s, pass after pass; each pass's table over the corpus's ids.

    Parameters
    ----------
    passes : JoiningPasses
        The scanned corpus's passes (see :mod:`wordvec.parallel`).
    scan : ScanResult
        What the scan found.
    found : Phrases
        With ``learn``, its settings learn ``found.passes`` layers (replacing any it had);
        without, its layers are taken.
    rewrite : bool, default False
        Join each pass's phrases in the corpus's ids for good (``passes.join_phrases``);
        otherwise a later pass learns from the ids joined as they are read.
    last_table : bool, default True
        Also make the last pass's table (learning alone needs none).

    Returns
    -------
    words : list of str
        The scan's words, then each phrase that was not a word already (the ids of the tables).
    tables : list of PhraseTable
        Each pass's phrases over those ids (:func:`wordvec.phrase_join.join_layers` joins them),
        but for a pass none of whose phrases can occur.
    counts : ndarray or None
        With ``rewrite``, every word's count in the joined corpus.
    """
    from .phrase_join import join_layers

    words = list(scan.words)
    counts = None
    tables: list[PhraseTable] = []
    layers = found.passes if learn else len(found.layers)
    if learn:
        found.layers = []
    for number in range(layers):
        if learn:
            connectors = np.fromiter((word in found.connector_words for word in words), dtype=bool, count=len(words))
            blocks = passes.iter_ids()
            if tables and not rewrite:
                blocks = (join_layers(piece, tables)[0] for piece in whole_line_pieces(blocks, SPOOL_BLOCK))
            if not found._learn_layer(blocks, words, connectors):
                break  # nothing found: a next pass would count the same
        if number == layers - 1 and not (last_table or rewrite):
            break
        table = found.table(number, words)
        if not table:
            continue  # it joins nothing
        tables.append(table)
        if rewrite:
            counts = passes.join_phrases(table, len(words))
    return words, tables, counts

def connector_words_of(setting: str) -> frozenset[str]:
    """The connector words a setting names: ``"english"`` (gensim's list), ``"none"``, or a file's path."""
    if setting == "english":
        return ENGLISH_CONNECTOR_WORDS
    if setting == "none":
        return frozenset()
    return read_connector_words(setting)


def phrases_of_settings(settings: BuildParams, given: Phrases | None = None) -> tuple[Phrases, bool]:
    """The phrases a build's settings ask for, and whether they are still to be learnt (``phrases="auto"``).

    ``given`` is a :class:`Phrases` handed to :func:`wordvec.build` itself; otherwise
    ``settings.phrases`` is ``"auto"`` or a phrases file's path, read here (a one-line
    :class:`ParameterError` if it is not a phrases file).
    """
    if given is not None:
        return given, False
    connector_words = connector_words_of(settings.phrase_connectors)
    if settings.phrases == "auto":
        found = Phrases(min_count=settings.phrase_min_count, threshold=settings.phrase_threshold,
                        scoring=settings.phrase_scoring, connector_words=connector_words, passes=settings.phrase_passes)
        return found, True
    return Phrases.load(str(settings.phrases), connector_words=connector_words), False


def load_model_phrases(path: str | Path, phrase_stats: object) -> Phrases:
    """The phrases of the model directory ``path``, with the connector words and delimiter its ``meta.json`` records.

    Raises
    ------
    ModelError
        The record is malformed, or the model's ``phrases.tsv`` is missing or not a phrases file.
    """
    from .errors import ModelError
    from .model_writer import META_FILE, PHRASES_FILE

    where = repr(str(path))
    connectors = phrase_stats.get("connector_words") if isinstance(phrase_stats, dict) else None
    delimiter = phrase_stats.get("delimiter") if isinstance(phrase_stats, dict) else None
    if not (isinstance(connectors, list) and all(isinstance(word, str) for word in connectors)
            and isinstance(delimiter, str) and delimiter):
        raise ModelError(f"{where} has a malformed {META_FILE} (its phrases record); rebuild the model")
    try:
        return Phrases.load(Path(path) / PHRASES_FILE, connector_words=connectors, delimiter=delimiter)
    except ParameterError as error:
        raise ModelError(f"{where} has a damaged {PHRASES_FILE} ({error}); rebuild the model") from None
