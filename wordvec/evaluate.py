"""Intrinsic evaluation: word-pair similarity correlation and analogy accuracy (3CosAdd, 3CosMul)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import COSMUL_EPSILON
from .errors import ParameterError, UnknownWordError, WordvecError
from .options import ANALOGY_METHODS, DEFAULT_RESTRICT_VOCAB, OOV_POLICIES
from .progress import ProgressCallback

if TYPE_CHECKING:
    # In annotations only: WordVectors.evaluate_word_pairs and evaluate_word_analogies import this module.
    from .vectors import WordVectors

#: Word-pair similarity sets shipped in ``wordvec/data`` (see ``wordvec/data/SOURCES.md``).
PAIR_DATASETS = ("wordsim353.tsv", "simlex999.txt")
#: Analogy sets shipped in ``wordvec/data``.
ANALOGY_DATASETS = ("questions-words.txt",)
METHODS = ANALOGY_METHODS
METHOD_NAMES = {"add": "3CosAdd", "mul": "3CosMul"}

_PAIR_SEPARATOR = re.compile(r"[,\s]+")
# Analogy questions are answered in blocks sized to stay in the CPU cache: the cosines of the
# questions' words with a block of candidates, and the scores of a batch of questions over
# that block, instead of one product of each question word with the whole vocabulary, which
# reads the whole matrix from memory for every question (benchmarks/RESULTS.md).
_COSINE_BLOCK_FLOATS = 1 << 22
_SCORE_BLOCK_FLOATS = 1 << 20

Question = tuple[str, str, str, str]


@contextmanager
def shipped_dataset(name: str) -> Iterator[Path]:
    """The path of a dataset shipped with wordvec, valid inside the ``with`` block.

    Parameters
    ----------
    name : str
        A file name from :data:`PAIR_DATASETS` or :data:`ANALOGY_DATASETS`.
    """
    if name not in PAIR_DATASETS + ANALOGY_DATASETS:
        raise ParameterError(f"no shipped dataset {name!r}; choose from {', '.join(PAIR_DATASETS + ANALOGY_DATASETS)}")
    with resources.as_file(resources.files("wordvec") / "data" / name) as path:
        yield path


def _read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Numbered, stripped lines of a UTF-8 file, without blank lines and ``#`` comments."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if line and not line.startswith("#"):
                    yield number, line
    except UnicodeDecodeError:
        raise WordvecError(f"{str(path)!r} is not UTF-8 text") from None
    except OSError as error:
        raise WordvecError(f"cannot read {str(path)!r}: {error.strerror or error}") from None


def read_word_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """Read a word-pair similarity file: ``word1 word2 score`` lines.

    Fields are separated by tabs, commas or spaces. Blank lines and lines starting with
    ``#`` are skipped, and so is the first remaining line if it is not a pair with a
    numeric score (a header such as ``word1,word2,score``).

    Raises
    ------
    WordvecError
        The file cannot be read, is not UTF-8, holds no pair, or a line after the first
        is not two words and a finite number (the message gives its line number).
    """
    pairs: list[tuple[str, str, float]] = []
    first = True
    for number, line in _read_lines(path):
        fields = [f for f in _PAIR_SEPARATOR.split(line) if f]
        score = _number(fields[2]) if len(fields) == 3 else None
        if score is None:
            if first:
                first = False
                continue
            raise WordvecError(
                f"{str(path)!r} line {number}: expected 'word1 word2 score' with a numeric score, got {line[:60]!r}"
            )
        first = False
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise WordvecError(f"no 'word1 word2 score' lines in {str(path)!r}")
    return pairs


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_analogies(path: str | Path) -> list[tuple[str, list[Question]]]:
    """Read analogy questions in the format of word2vec's ``questions-words.txt``.

    ``: name`` starts a section and ``a b c d`` (space separated) is a question; questions
    before the first section are put in one named ``questions``. As in word2vec and
    gensim, lines with another number of fields are ignored; blank lines and ``#``
    comments are skipped.

    Returns
    -------
    list of (section name, list of questions) in file order

    Raises
    ------
    WordvecError
        The file cannot be read, is not UTF-8, or holds no question.
    """
    sections: list[tuple[str, list[Question]]] = []
    for _, line in _read_lines(path):
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        fields = line.split()
        if len(fields) != 4:
            continue
        if not sections:
            sections.append(("questions", []))
        sections[-1][1].append((fields[0], fields[1], fields[2], fields[3]))
    if not any(questions for _, questions in sections):
        raise WordvecError(f"no analogy questions ('a b c d' lines) in {str(path)!r}")
    return sections


def _known_words(model: WordVectors, restrict_vocab: int) -> tuple[dict[str, int], np.ndarray]:
    """Case-insensitive lookup over the most frequent words, as gensim's ``case_insensitive``.

    Returns the row of each lowercased word (its most frequent spelling wins) and, for
    every searched row, the row of its lowercased word, so ``King`` counts as ``king``.
    """
    if restrict_vocab < 1:
        raise ParameterError(f"restrict_vocab must be >= 1; got {restrict_vocab}")
    folded = [word.lower() for word in model.words[:restrict_vocab]]
    index: dict[str, int] = {}
    for row in range(len(folded) - 1, -1, -1):
        index[folded[row]] = row
    canonical = np.fromiter((index[word] for word in folded), dtype=np.int64, count=len(folded))
    return index, canonical


def _searched_vectors(
    model: WordVectors, restrict_vocab: int, words: Iterable[str], oov: str
) -> tuple[np.ndarray, dict[str, int], np.ndarray]:
    """The unit vectors searched, the row of each lowercased word, and each row's canonical row.

    With ``oov="skip"`` these are the ``restrict_vocab`` most frequent words'. With
    ``oov="compose"``, each of ``words`` outside them that has a vector (a vocabulary
    word beyond ``restrict_vocab``, or one composed from its character n-grams) gets a
    row after theirs, so that a question about it is answered and it can be an answer.
    """
    if oov not in OOV_POLICIES:
        raise ParameterError(f"oov must be one of {', '.join(map(repr, OOV_POLICIES))}; got {oov!r}")
    index, canonical = _known_words(model, restrict_vocab)
    unit = model.unit_vectors[: len(canonical)]
    if oov == "skip":
        return unit, index, canonical
    if model.subwords is None:
        raise ParameterError("oov='compose' needs a model with character n-grams: rebuild it without --no-subwords")
    missing = sorted({word.lower() for word in words} - index.keys())
    rows: list[np.ndarray] = []
    for word in missing:
        try:
            rows.append(model.query_vectors([word])[0][0])
        except UnknownWordError:
            continue  # none of its n-grams is known: it stays unknown
        index[word] = len(canonical) + len(rows) - 1
    if rows:
        unit = np.vstack([np.asarray(unit, dtype=np.float32), np.stack(rows)])
        canonical = np.concatenate([canonical, np.arange(len(canonical), len(canonical) + len(rows))])
    return unit, index, canonical


# -- word pairs -----------------------------------------------------------------------


class _UnpacksAsGensim:
    """A result that also unpacks and indexes as the tuple gensim returns for it (``a, b, c = result``, ``result[1]``)."""

    def _gensim_tuple(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        return iter(self._gensim_tuple())

    def __getitem__(self, index: int) -> Any:
        return self._gensim_tuple()[index]

    def __len__(self) -> int:
        return len(self._gensim_tuple())


@dataclass
class PairsResult(_UnpacksAsGensim):
    """Correlation of model cosines with human similarity scores.

    It unpacks as gensim's ``evaluate_word_pairs`` result does, ``pearson, spearman,
    oov_ratio = result``, with the coefficients in place of gensim's ``(r, p-value)``.

    Attributes
    ----------
    dataset : str
        The file as given, or the name of a shipped dataset.
    pearson, spearman : float
        Correlations over the pairs whose words are both known (NaN if fewer than 2, or
        if either side is constant).
    pairs : int
        Pairs in the file.
    scored : int
        Pairs with both words among the known words.
    oov_ratio : float
        Percentage of pairs skipped for an unknown word (gensim reports a percentage too).
    """

    dataset: str
    pearson: float
    spearman: float
    pairs: int
    scored: int
    oov_ratio: float

    @property
    def skipped(self) -> int:
        """Pairs skipped because a word is unknown."""
        return self.pairs - self.scored

    def _gensim_tuple(self) -> tuple[float, float, float]:
        return self.pearson, self.spearman, self.oov_ratio

    def as_dict(self) -> dict[str, Any]:
        """The result for JSON, with NaN as None."""
        return {
            "dataset": self.dataset,
            "spearman": _finite_or_none(self.spearman),
            "pearson": _finite_or_none(self.pearson),
            "pairs": self.pairs,
            "scored": self.scored,
            "skipped": self.skipped,
            "oov_ratio": self.oov_ratio,
        }


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, tied values sharing their mean rank (scipy's ``rankdata``, without importing scipy.stats)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = np.repeat((starts + 1 + ends) / 2, ends - starts)
    return ranks


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    x, y = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denominator if denominator > 0 else float("nan")


def evaluate_word_pairs(
    model: WordVectors, path: str | Path, *, restrict_vocab: int = DEFAULT_RESTRICT_VOCAB, oov: str = "skip"
) -> PairsResult:
    """Pearson and Spearman correlation of cosine similarity with human similarity scores.

    Parameters
    ----------
    model : WordVectors
    path : str or path-like
        A ``word1 word2 score`` file (see :func:`read_word_pairs`).
    restrict_vocab : int, default 300000
        Words outside the most frequent ``restrict_vocab`` count as unknown (as in gensim).
    oov : {"skip", "compose"}, default "skip"
        What to do with a pair whose word is unknown: skip it and count it (gensim's way),
        or answer it with the word's vector composed from its character n-grams (a model
        built with subwords; a word none of whose n-grams is known is still skipped).

    Returns
    -------
    PairsResult

    Notes
    -----
    Words are matched case-insensitively. A pair with an unknown word is skipped and
    counted in ``oov_ratio``; hyperwords scores it as a similarity of zero instead, which
    mixes coverage into the correlation without saying so.
    Spearman's rho is Pearson's r of the ranks, ties sharing their mean rank.
    """
    pairs = read_word_pairs(path)
    unit, index, _ = _searched_vectors(model, restrict_vocab, (word for pair in pairs for word in pair[:2]), oov)
    rows = [(index.get(w1.lower()), index.get(w2.lower()), score) for w1, w2, score in pairs]
    known = [(r1, r2, score) for r1, r2, score in rows if r1 is not None and r2 is not None]
    first, second = (
        np.asarray(unit[np.array([row[side] for row in known], dtype=np.int64)], dtype=np.float64) for side in (0, 1)
    )
    cosines = np.einsum("ij,ij->i", first, second)
    human = np.array([score for _, _, score in known], dtype=np.float64)
    return PairsResult(
        dataset=str(path),
        pearson=_pearson(cosines, human),
        spearman=_pearson(_average_ranks(cosines), _average_ranks(human)),
        pairs=len(pairs),
        scored=len(known),
        oov_ratio=100.0 * (len(pairs) - len(known)) / len(pairs),
    )


# -- analogies ------------------------------------------------------------------------


@dataclass
class AnalogySection:
    """The questions of one ``: section``, by outcome.

    Attributes
    ----------
    name : str
    correct, incorrect : list of (a, b, c, d)
        Answered questions, as written in the file.
    skipped : list of (a, b, c, d)
        Questions with a word outside the searched vocabulary; never counted as wrong.
    """

    name: str
    correct: list[Question] = field(default_factory=list)
    incorrect: list[Question] = field(default_factory=list)
    skipped: list[Question] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return len(self.correct) + len(self.incorrect)

    @property
    def questions(self) -> int:
        return self.answered + len(self.skipped)

    @property
    def accuracy(self) -> float:
        """Correct over answered questions (NaN if none was answered)."""
        return len(self.correct) / self.answered if self.answered else float("nan")


@dataclass
class AnalogyResult(_UnpacksAsGensim):
    """Accuracy of one method on a file of analogy questions ``a : b :: c : d``.

    It unpacks as gensim's ``evaluate_word_analogies`` result does, ``score, sections =
    result`` (see :meth:`as_gensim`).

    Attributes
    ----------
    dataset : str
        The file as given, or the name of a shipped dataset.
    method : {"add", "mul"}
    sections : list of AnalogySection
        In file order.
    """

    dataset: str
    method: str
    sections: list[AnalogySection]

    @property
    def correct(self) -> int:
        return sum(len(section.correct) for section in self.sections)

    @property
    def answered(self) -> int:
        return sum(section.answered for section in self.sections)

    @property
    def skipped(self) -> int:
        return sum(len(section.skipped) for section in self.sections)

    @property
    def questions(self) -> int:
        return self.answered + self.skipped

    @property
    def accuracy(self) -> float:
        """Correct over answered questions of all sections (NaN if none was answered)."""
        return self.correct / self.answered if self.answered else float("nan")

    def as_gensim(self) -> tuple[float, list[dict[str, Any]]]:
        """``(score, sections)`` as gensim's ``KeyedVectors.evaluate_word_analogies`` returns them.

        ``sections`` holds one dict per section, ``{"section", "correct", "incorrect"}``
        with lists of questions, plus ``"skipped"`` (which gensim only counts), and ends
        with the ``"Total accuracy"`` entry over all sections.
        """
        sections = [
            {"section": s.name, "correct": list(s.correct), "incorrect": list(s.incorrect), "skipped": list(s.skipped)}
            for s in self.sections
        ]
        total = {
            key: [question for section in sections for question in section[key]]
            for key in ("correct", "incorrect", "skipped")
        }
        sections.append({"section": "Total accuracy", **total})
        return self.accuracy, sections

    def _gensim_tuple(self) -> tuple[float, list[dict[str, Any]]]:
        return self.as_gensim()


def _candidate_exclusions(questions: np.ndarray, canonical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(question, row) pairs that may not be answers: every spelling of each question's a, b and c.

    ``questions`` holds the canonical rows of a, b, c; the pairs come sorted by question.
    """
    asked_in = np.repeat(np.arange(len(questions)), 3)
    excluded = questions.ravel()
    variants = np.flatnonzero(canonical != np.arange(len(canonical)))
    if len(variants) == 0:
        return asked_in, excluded
    # A model with case variants (``King`` beside ``king``): also exclude every other
    # spelling of a query word, by matching each variant's canonical row in ``excluded``.
    order = np.argsort(excluded, kind="stable")
    low = np.searchsorted(excluded[order], canonical[variants], side="left")
    matches = np.searchsorted(excluded[order], canonical[variants], side="right") - low
    offsets = np.arange(matches.sum()) - np.repeat(np.cumsum(matches) - matches, matches)
    asked_in = np.concatenate([asked_in, asked_in[order[np.repeat(low, matches) + offsets]]])
    excluded = np.concatenate([excluded, np.repeat(variants, matches)])
    by_question = np.argsort(asked_in, kind="stable")
    return asked_in[by_question], excluded[by_question]


def _answer(
    unit: np.ndarray,
    questions: np.ndarray,
    excluded: tuple[np.ndarray, np.ndarray],
    methods: Sequence[str],
    progress: ProgressCallback | None = None,
) -> dict[str, np.ndarray]:
    """The best candidate row for each question ``(a, b, c)`` under each method.

    Cosines are computed once per distinct question word and candidate block, then
    combined for a batch of questions at a time: 3CosAdd ``cos(d, b) - cos(d, a) +
    cos(d, c)`` (the ranking of ``most_similar(positive=[b, c], negative=[a])``) and
    3CosMul with the shifted cosines of :meth:`WordVectors.most_similar_cosmul`. Ties go
    to the more frequent word. A question whose candidates are all excluded gets -1.
    """
    count = len(questions)
    distinct, inverse = np.unique(questions, return_inverse=True)
    inverse = inverse.reshape(count, 3)
    query_vectors = np.asarray(unit[distinct], dtype=np.float32)
    block = max(256, _COSINE_BLOCK_FLOATS // len(distinct))
    batch = max(1, _SCORE_BLOCK_FLOATS // min(block, len(unit)))
    excluded_questions, excluded_rows = excluded
    best_score = {method: np.full(count, -np.inf, dtype=np.float32) for method in methods}
    best_row = {method: np.full(count, -1, dtype=np.int64) for method in methods}
    if progress is not None:
        progress("analogies", 0, len(unit))
    for start in range(0, len(unit), block):
        candidates = np.asarray(unit[start : start + block], dtype=np.float32)
        cosines = query_vectors @ candidates.T
        if "mul" in methods:
            shifted = (1 + cosines) / 2
            denominator = shifted + COSMUL_EPSILON
        for first in range(0, count, batch):
            last = min(first + batch, count)
            a, b, c = inverse[first:last].T
            low, high = np.searchsorted(excluded_questions, [first, last])
            rows = excluded_rows[low:high]
            inside = (rows >= start) & (rows < start + len(candidates))
            hide = (excluded_questions[low:high][inside] - first, rows[inside] - start)
            for method in methods:
                if method == "add":
                    scores = cosines[b]
                    scores -= cosines[a]
                    scores += cosines[c]
                else:
                    scores = shifted[b]
                    scores *= shifted[c]
                    scores /= denominator[a]
                scores[hide] = -np.inf
                winner = scores.argmax(axis=1)
                value = scores[np.arange(last - first), winner]
                better = value > best_score[method][first:last]
                best_score[method][first:last][better] = value[better]
                best_row[method][first:last][better] = winner[better] + start
        if progress is not None:
            progress("analogies", start + len(candidates), len(unit))
    return best_row


def _share_of(progress: ProgressCallback | None, part: int, parts: int) -> ProgressCallback | None:
    """``progress`` for part ``part`` of ``parts`` passes over the candidates: one bar from 0 to the total for them all."""
    if progress is None or parts == 1:
        return progress

    def report(stage: str, done: int, total: int) -> None:
        if part == 0 or done > 0:  # only the first pass starts the bar
            progress(stage, (part * total + done) // parts, total)

    return report


def evaluate_analogy_methods(
    model: WordVectors,
    path: str | Path,
    *,
    methods: Iterable[str] = METHODS,
    restrict_vocab: int = DEFAULT_RESTRICT_VOCAB,
    progress: ProgressCallback | None = None,
    oov: str = "skip",
) -> dict[str, AnalogyResult]:
    """Analogy accuracy of several methods at once, sharing the cosine computations.

    Same parameters as :func:`evaluate_word_analogies`, with ``methods`` a subset of
    ``("add", "mul")``, and ``progress`` called as blocks of candidate answers are scored.
    Returns one :class:`AnalogyResult` per method, in the order given.
    """
    methods = list(dict.fromkeys(methods))
    for method in methods:
        if method not in METHODS:
            raise ParameterError(f"method must be 'add' or 'mul'; got {method!r}")
    if not methods:
        raise ParameterError("give at least one analogy method ('add' or 'mul')")
    sections = read_analogies(path)
    questions = [question for _, in_section in sections for question in in_section]
    # A model with an analogy view answers analogies there, as WordVectors.analogy does.
    view = model.analogy_view
    unit, index, canonical = _searched_vectors(view, restrict_vocab, (word for question in questions for word in question), oov)
    rows = [[index.get(word.lower()) for word in question] for question in questions]
    known = np.array([None not in question_rows for question_rows in rows], dtype=bool)
    known_rows = np.array([r for r, k in zip(rows, known) if k], dtype=np.int64).reshape(-1, 4)
    correct = {method: np.zeros(len(questions), dtype=bool) for method in methods}
    if len(known_rows):
        # As WordVectors.analogy: a question whose a and b share no character n-gram is answered in
        # the analogy view before its n-gram blend, when the model has it.
        groups = [(unit, np.ones(len(known_rows), dtype=bool))]
        if view.unblended is not None:
            asked_words = [question for question, is_known in zip(questions, known) if is_known]
            alike = np.array([model.analogy_view_for(a, b) is view for a, b, *_ in asked_words], dtype=bool)
            plain, _, _ = _searched_vectors(view.unblended, restrict_vocab, (w for q in questions for w in q), oov)
            groups = [(unit, alike), (plain, ~alike)]
        known_positions = np.flatnonzero(known)
        groups = [(searched, members) for searched, members in groups if members.any()]
        for number, (searched, members) in enumerate(groups):
            asked = np.ascontiguousarray(known_rows[members, :3])
            best = _answer(searched, asked, _candidate_exclusions(asked, canonical), methods,
                           _share_of(progress, number, len(groups)))
            for method in methods:
                # Another spelling of the expected word is the expected word, as in gensim.
                correct[method][known_positions[members]] = (best[method] >= 0) & (canonical[best[method]] == known_rows[members, 3])
    results = {}
    for method in methods:
        result = AnalogyResult(str(path), method, [])
        position = 0
        for name, in_section in sections:
            section = AnalogySection(name)
            for question in in_section:
                if not known[position]:
                    section.skipped.append(question)
                elif correct[method][position]:
                    section.correct.append(question)
                else:
                    section.incorrect.append(question)
                position += 1
            result.sections.append(section)
        results[method] = result
    return results


def evaluate_word_analogies(
    model: WordVectors,
    path: str | Path,
    *,
    method: str = "add",
    restrict_vocab: int = DEFAULT_RESTRICT_VOCAB,
    oov: str = "skip",
) -> AnalogyResult:
    """Accuracy on analogy questions ``a : b :: c : d``, all answered with a few matrix products.

    Parameters
    ----------
    model : WordVectors
    path : str or path-like
        Questions in word2vec's ``: section`` format (see :func:`read_analogies`).
    method : {"add", "mul"}, default "add"
        3CosAdd, ``argmax cos(d, b) - cos(d, a) + cos(d, c)`` (the vector offset of
        Mikolov et al. 2013), or 3CosMul (Levy & Goldberg 2014), ``argmax s(d, b) s(d, c)
        / (s(d, a) + 0.001)`` with cosines shifted to [0, 1] as ``s = (1 + cos) / 2``;
        3CosMul usually answers more questions correctly.
    restrict_vocab : int, default 300000
        Only the most frequent ``restrict_vocab`` words are candidate answers, and a
        question with a word outside them is skipped, as in gensim.
    oov : {"skip", "compose"}, default "skip"
        With ``"compose"`` (a model built with subwords), the question words outside the
        vocabulary get vectors composed from their character n-grams, and join the
        candidate answers, so that every question with composable words is answered.

    Returns
    -------
    AnalogyResult

    Notes
    -----
    Words are matched case-insensitively (the Google set is capitalised). The answer is
    the best-scoring word other than a, b and c (in any spelling); it is correct if it is
    d. Skipped questions are counted, never scored as wrong. Candidates are ranked as
    ``model.analogy(a, b, c, method=method)`` ranks them, but for thousands of
    questions at once, in a few large matrix products (timings in benchmarks/RESULTS.md).

    References
    ----------
    Mikolov, T., Chen, K., Corrado, G. & Dean, J. (2013). Efficient Estimation of Word
    Representations in Vector Space. arXiv:1301.3781.
    Levy, O. & Goldberg, Y. (2014). Linguistic Regularities in Sparse and Explicit Word
    Representations. CoNLL, 171-180.
    """
    return evaluate_analogy_methods(model, path, methods=[method], restrict_vocab=restrict_vocab, oov=oov)[method]


# -- everything at once ---------------------------------------------------------------


@dataclass
class Evaluation:
    """Results of :func:`evaluate_model`.

    Attributes
    ----------
    pairs : list of PairsResult
    analogies : list of dict
        Per analogy file, its :class:`AnalogyResult` by method.
    methods : tuple of str
    restrict_vocab : int
    """

    pairs: list[PairsResult]
    analogies: list[dict[str, AnalogyResult]]
    methods: tuple[str, ...]
    restrict_vocab: int

    def as_dict(self) -> dict[str, Any]:
        """Everything for JSON: NaN as None, accuracies and correct counts by method."""
        analogies = []
        for by_method in self.analogies:
            first = next(iter(by_method.values()))
            entry: dict[str, Any] = {
                "dataset": first.dataset,
                "questions": first.questions,
                "answered": first.answered,
                "skipped": first.skipped,
            }
            for method, result in by_method.items():
                entry[method] = {"accuracy": _finite_or_none(result.accuracy), "correct": result.correct}
            entry["sections"] = []
            for number, section in enumerate(first.sections):
                row: dict[str, Any] = {
                    "section": section.name,
                    "questions": section.questions,
                    "answered": section.answered,
                    "skipped": len(section.skipped),
                }
                for method, result in by_method.items():
                    scored = result.sections[number]
                    row[method] = {"accuracy": _finite_or_none(scored.accuracy), "correct": len(scored.correct)}
                entry["sections"].append(row)
            analogies.append(entry)
        return {
            "restrict_vocab": self.restrict_vocab,
            "methods": list(self.methods),
            "word_pairs": [result.as_dict() for result in self.pairs],
            "analogies": analogies,
        }


def evaluate_model(
    model: WordVectors,
    *,
    pairs: Sequence[str | Path] = (),
    analogies: Sequence[str | Path] = (),
    methods: Iterable[str] = METHODS,
    restrict_vocab: int = DEFAULT_RESTRICT_VOCAB,
    progress: ProgressCallback | None = None,
    oov: str = "skip",
) -> Evaluation:
    """Score a model on word-pair and analogy files; with neither, on the shipped datasets.

    Parameters
    ----------
    model : WordVectors
    pairs, analogies : sequence of paths
        Word-pair similarity files and analogy files. When both are empty, WordSim-353,
        SimLex-999 and the Google analogy set shipped with wordvec are used.
    methods : iterable of {"add", "mul"}, default both
        Analogy methods.
    restrict_vocab : int, default 300000
        Only the most frequent words are known words and candidate answers.
    progress : callable, optional
        ``progress("analogies", done, total)`` as each analogy set's candidate answers
        are scored (the long part).
    oov : {"skip", "compose"}, default "skip"
        Skip the pairs and questions with a word outside the vocabulary, or answer them with
        vectors composed from character n-grams (see :func:`evaluate_word_pairs`).

    Returns
    -------
    Evaluation
    """
    methods = tuple(dict.fromkeys(methods))
    if pairs or analogies:
        pair_files = [(str(path), path) for path in pairs]
        analogy_files = [(str(path), path) for path in analogies]
        return _evaluate_files(model, pair_files, analogy_files, methods, restrict_vocab, progress, oov)
    with ExitStack() as stack:
        pair_files = [(name, stack.enter_context(shipped_dataset(name))) for name in PAIR_DATASETS]
        analogy_files = [(name, stack.enter_context(shipped_dataset(name))) for name in ANALOGY_DATASETS]
        return _evaluate_files(model, pair_files, analogy_files, methods, restrict_vocab, progress, oov)


def _evaluate_files(
    model: WordVectors,
    pair_files: list[tuple[str, str | Path]],
    analogy_files: list[tuple[str, str | Path]],
    methods: tuple[str, ...],
    restrict_vocab: int,
    progress: ProgressCallback | None,
    oov: str,
) -> Evaluation:
    pair_results = []
    for name, path in pair_files:
        result = evaluate_word_pairs(model, path, restrict_vocab=restrict_vocab, oov=oov)
        result.dataset = name
        pair_results.append(result)
    analogy_results = []
    for name, path in analogy_files:
        by_method = evaluate_analogy_methods(
            model, path, methods=methods, restrict_vocab=restrict_vocab, progress=progress, oov=oov
        )
        for result in by_method.values():
            result.dataset = name
        analogy_results.append(by_method)
    return Evaluation(pair_results, analogy_results, methods, restrict_vocab)
