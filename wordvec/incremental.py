"""Models that keep their counted corpus: build and save them, and update a model with new text exactly.

The files of the kept corpus are written and read by :mod:`wordvec.storage`, with the rest of a model directory.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .deprecation import renamed_attributes, renamed_keywords
from .errors import ModelError, ParameterError
from .model_writer import kept_count_files, save_model
from .storage import build_params, check_kept_vocabulary, keep_corpus_command, load_corpus_ids, load_model

if TYPE_CHECKING:
    from .cooccur import CooccurrenceCounter, ForwardCounts
    from .corpus import CorpusSource
    from .parallel import InProcessPasses, ShardedPasses
    from .phrase_join import PhraseTable
    from .pipeline import CountedCorpus
    from .progress import ProgressCallback
    from .vectors import WordVectors
    from .vocab import CorpusIds, ScanResult


def build_keeping_corpus(
    corpus: CorpusSource, *, progress: ProgressCallback | None = None, **params: Any
) -> tuple[WordVectors, CountedCorpus]:
    """:func:`wordvec.build`, also returning the counted corpus (matrix and corpus ids) to save with :func:`save_with_corpus`."""
    from .pipeline import count_corpus, factorize

    counted = count_corpus(corpus, progress=progress, keep_corpus=True, **params)
    return factorize(counted, progress=progress, **params), counted


def save_with_corpus(model: WordVectors, counted: CountedCorpus, path: str | Path) -> None:
    """Save ``model`` with its ``counted`` corpus (from ``count_corpus(..., keep_corpus=True)``), atomically, as one directory."""
    save_model(model, path, extra_files=kept_count_files(counted))


def model_with_directory(model: WordVectors | str | Path, command: str) -> tuple[WordVectors, Path]:
    """The model and its directory, for a command that reads the kept corpus beside the vectors.

    Parameters
    ----------
    model : WordVectors, str or path-like
        A model loaded from its directory (:func:`wordvec.load`), or the directory.
    command : str
        The command, for messages.

    Raises
    ------
    ModelError
        The vectors were not loaded from a model directory, the path is a vectors file, or
        the model cannot be loaded.
    """
    from .vectors import WordVectors

    if isinstance(model, WordVectors):
        if model.path is None:
            raise ModelError(
                f"{command} needs the kept corpus beside the vectors: pass a model loaded from its directory "
                f"(wordvec.load(MODEL)) or the directory, built with {keep_corpus_command()}"
            )
        return model, Path(model.path)
    require_model_directory(model, command)
    return load_model(model), Path(model)


def require_model_directory(path: str | Path, command: str) -> None:
    """Refuse a vectors file (``.vec``, ``.bin``, ``.npy``...) given to a command that needs kept corpus.

    Raises
    ------
    ModelError
        ``path`` exists and is not a directory.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelError(
            f"{str(path)!r} is a vectors file, not a model directory: {command} needs a wordvec model built with "
            f"{keep_corpus_command()}"
        )


class _ExtendedPasses:
    """Counting passes over a kept corpus (as ids) followed by new text, as one corpus.

    The new text is scanned by ``new`` (local processes, see :mod:`wordvec.parallel`); its
    words get the ids of the kept words, new ones the next ids in first-seen order, just as a
    scan of the old and new text together numbers them. The count is then one pass over the
    whole id stream in this process. Without ``new``, the kept corpus alone is counted.
    """

    def __init__(
        self, kept: CorpusIds, kept_stats: dict[str, Any], new: InProcessPasses | ShardedPasses | None = None
    ) -> None:
        from .corpus import CorpusStats

        self.kept = kept
        self.kept_stats = kept_stats
        self.new = new
        self.stats = CorpusStats()
        self.stats.names = list(kept_stats.get("corpus", [])) + (new.source.stats.names if new is not None else [])
        self._id_map: np.ndarray | None = None
        self._new_length = 0  # ids (tokens and line ends) of the new text
        self._directory: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> _ExtendedPasses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._directory is not None:
            self._directory.cleanup()

    def scan(self, tokenizer: str, progress: ProgressCallback) -> ScanResult:
        """Scan the new text; the words and counts of the kept and new text together."""
        from .vocab import LINE_ID, ScanResult, id_map_keeping_line_ends

        if self.new is None:
            self.stats.files = int(self.kept_stats.get("files", 0))
            self._id_map = np.zeros(0, dtype=np.int32)
            tokens = int(np.count_nonzero(self.kept.ids >= 0))
            return ScanResult(list(self.kept.words), self.kept.counts, tokens, len(self.kept.ids) - tokens, None)
        new_scan = self.new.scan(tokenizer, progress)
        words = list(self.kept.words)
        ids_of = {word: number for number, word in enumerate(words)}
        for word in new_scan.words:
            if word not in ids_of:
                ids_of[word] = len(words)
                words.append(word)
        merged = np.fromiter(map(ids_of.__getitem__, new_scan.words), dtype=np.int32, count=len(new_scan.words))
        self._id_map = id_map_keeping_line_ends(merged)
        counts = np.zeros(len(words), dtype=np.int64)
        counts[: len(self.kept.counts)] = self.kept.counts
        counts[merged] += new_scan.counts
        new_stats = self.new.source.stats
        self.stats.files = int(self.kept_stats.get("files", 0)) + new_stats.files
        self.stats.replaced_bytes = int(self.kept_stats.get("replaced_bytes", 0)) + new_stats.replaced_bytes
        tokens = int(np.count_nonzero(self.kept.ids >= 0)) + new_scan.tokens
        lines = int(np.count_nonzero(self.kept.ids == LINE_ID)) + new_scan.lines
        self._new_length = new_scan.tokens + new_scan.lines
        return ScanResult(words, counts, tokens, lines, None)

    def iter_ids(self) -> Iterator[np.ndarray]:
        """The kept ids, then the new text's in the merged numbering."""
        from .vocab import SPOOL_BLOCK

        for start in range(0, len(self.kept.ids), SPOOL_BLOCK):
            yield self.kept.ids[start : start + SPOOL_BLOCK]
        for block in self.new.iter_ids() if self.new is not None else ():
            yield self._id_map[block]

    def join_phrases(self, table: PhraseTable, size: int) -> np.ndarray:
        """Join ``table``'s phrases in the whole id stream, which is then held as the kept ids; the count of each of ``size`` ids.

        A kept corpus was joined when it was built, so only the new text changes (joining
        the phrases a stream was joined with again leaves it as it is).
        """
        from .phrase_join import join_phrases, whole_line_pieces
        from .vocab import LINE_ID, SPOOL_BLOCK, CorpusIds

        pieces = [join_phrases(piece, table).astype(np.int32) for piece in whole_line_pieces(self.iter_ids(), SPOOL_BLOCK)]
        ids = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        counts = np.bincount(ids[ids != LINE_ID], minlength=size).astype(np.int64)
        self.kept, self.new, self._new_length = CorpusIds(self.kept.words, counts, ids), None, 0
        return counts

    def count_windows(
        self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback
    ) -> list[ForwardCounts]:
        """Count the whole id stream, mapped to vocabulary ids by ``new_id_of``, in this process."""
        from .parallel import SPILL_PAIRS, count_blocks

        total = len(self.kept.ids) + self._new_length

        def blocks() -> Iterator[tuple[int, np.ndarray]]:
            offset = 0
            for block in self.iter_ids():
                yield offset, new_id_of[block]
                offset += len(block)

        self._directory = tempfile.TemporaryDirectory(prefix="wordvec-update-")
        return count_blocks(
            counter, blocks(), os.path.join(self._directory.name, "counts"), SPILL_PAIRS,
            after_block=lambda done: progress("count", done, total),
        )


@renamed_keywords(model_path="model")
def update(
    model: WordVectors | str | Path,
    corpus: CorpusSource,
    *,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> tuple[WordVectors, CountedCorpus]:
    """Add the text of ``corpus`` to a model built keeping its corpus, and refit it.

    The result equals a build of the model's corpus followed by ``corpus`` with the same
    parameters, in vocabulary, counts and vectors: words that reach ``min_count`` join the
    vocabulary, ``max_vocab`` and subsampling see the new counts.

    Parameters
    ----------
    model : WordVectors, str or path-like
        A model built keeping its corpus (``wordvec build --keep-corpus``), loaded from its
        directory (:func:`wordvec.load`), or that directory.
    corpus : str, path-like, iterable of path-like, or iterable of str
        The new text, as for :func:`wordvec.build`.
    progress : callable, optional
        ``progress(stage, done, total)``, as for :func:`wordvec.build`.
    workers : int, optional
        Processes that read the new text (default: the available cores).

    Returns
    -------
    model : WordVectors
        The refitted vectors, with the model's parameters.
    counted : CountedCorpus
        Their counted corpus (co-occurrence matrix and corpus ids): save both with :func:`save_with_corpus`.

    Raises
    ------
    ModelError
        ``model`` is not a model directory (or loaded from one), the model keeps no corpus,
        or its files are corrupt.
    CorpusError
        The new corpus is missing or unreadable.
    ParameterError
        ``workers`` is out of range.

    Notes
    -----
    The old text is not read or tokenized again, but its pairs are counted again from the
    kept ids, since new words and new counts change its windows and subsampling. The
    kept ids take 4 bytes a token (about 100 MB for 24M tokens).
    """
    from .corpus import Corpus
    from .parallel import counting_passes
    from .pipeline import count_passes, factorize
    from .progress import no_progress
    from ._cores import available_cores

    if corpus is None:
        raise ParameterError("update needs the new text: update(model, corpus)")
    model, model_path = model_with_directory(model, "update")
    settings = dataclasses.replace(build_params(model, model_path), workers=workers)
    params = dataclasses.asdict(settings)
    kept = load_corpus_ids(model_path)
    check_kept_vocabulary(model, kept, model_path)
    notify = progress or no_progress
    source = Corpus(corpus)
    with counting_passes(source, workers or available_cores()) as new_passes, _ExtendedPasses(
        kept, model.stats, new_passes
    ) as passes:
        # The model's phrases join the new text (learning them again would change the kept text's).
        counted = count_passes(passes, passes.stats, settings, notify, keep_corpus=True, phrases=model.phrases)
    return factorize(counted, progress=notify, **params), counted


def refit_kept_counts(
    model: WordVectors | str | Path, *, progress: ProgressCallback | None = None, **overrides: Any
) -> WordVectors:
    """A model's kept co-occurrence counts weighted and factorised again, with the model's parameters and ``overrides``.

    The corpus is not read or counted again: only the stages after counting run, so
    ``overrides`` of counting parameters (``window``, ``min_count``...) are refused.

    Raises
    ------
    ModelError
        The model keeps no corpus, or its files are corrupt.
    ParameterError
        An override is a counting parameter, or out of range.
    """
    from .pipeline import CountedCorpus, factorize
    from .storage import corpus_word_rows, load_count_matrix
    from .vocab import Vocabulary

    counting = {"window", "min_count", "max_vocab", "distance_weighting", "subsample", "tokenizer", "workers"}
    if counting & overrides.keys():
        raise ParameterError(f"a refit cannot change how the corpus was counted: {', '.join(sorted(counting & overrides.keys()))}")
    model, model_path = model_with_directory(model, "a refit")
    settings = dataclasses.replace(build_params(model, model_path), **overrides)
    counts = model.counts
    if counts is None:
        raise ModelError(f"{str(model_path)!r} records no word counts; rebuild it with {keep_corpus_command(model_path)}")
    words = corpus_word_rows(model)  # the rows of phrases the build added are not in the kept matrix
    counted = CountedCorpus(
        Vocabulary(list(model.words[:words]), np.asarray(counts[:words], dtype=np.int64)),
        load_count_matrix(model_path, words),
        {**model.stats, "seconds": {}},
    )
    return factorize(counted, progress=progress, **dataclasses.asdict(settings))


def split_corpus_ids(kept: CorpusIds, *, seed: int = 0) -> tuple[CorpusIds, CorpusIds]:
    """Two halves of a kept corpus, by line: each line goes to one half, chosen at random.

    The halves have the same number of lines (one more in the first for an odd number);
    a last line without its line end counts as a line. ``seed`` fixes the choice.
    """
    from .vocab import LINE_ID, CorpusIds

    ends = kept.ids == LINE_ID
    line_of = np.cumsum(ends, dtype=np.int64) - ends  # a line end belongs to the line it ends
    lines = int(line_of[-1]) + 1 if len(line_of) else 0
    first = np.zeros(lines, dtype=bool)
    first[np.random.default_rng(seed).permutation(lines)[: (lines + 1) // 2]] = True
    in_first = first[line_of]
    halves = []
    for mask in (in_first, ~in_first):
        ids = kept.ids[mask]
        counts = np.bincount(ids[ids != LINE_ID], minlength=len(kept.words)).astype(np.int64)
        halves.append(CorpusIds(kept.words, counts, ids))
    return halves[0], halves[1]


def build_split_halves(
    model: WordVectors | str | Path, *, seed: int = 0, progress: ProgressCallback | None = None, **overrides: Any
) -> tuple[WordVectors, WordVectors]:
    """Models of two random halves of a model's kept corpus, built with the model's parameters (and ``overrides``).

    How far a word moves between them is how far it moves by chance when its corpus is
    sampled again: the noise that :func:`wordvec.comparison.compare` reports changes against.

    Parameters
    ----------
    model : WordVectors, str or path-like
        A model built keeping its corpus (``wordvec build --keep-corpus``), loaded from its
        directory, or that directory.
    seed : int, default 0
        Chooses the lines of each half (:func:`split_corpus_ids`).
    progress : callable, optional
        ``progress(stage, done, total)``, as for :func:`wordvec.build`, for each half in turn.
    **overrides
        Build parameters to change (such as ``eig``), as :func:`wordvec.build` takes them.

    Raises
    ------
    ModelError
        The model keeps no corpus, or its files are corrupt.
    ParameterError
        A half has fewer words than the model's ``dim``: the corpus is too small to split.
    """
    from .pipeline import count_passes, factorize
    from .progress import no_progress

    model, model_path = model_with_directory(model, "the noise baseline")
    # A kept corpus holds its phrases joined already.
    settings = dataclasses.replace(build_params(model, model_path), **overrides, phrases=None)
    kept = load_corpus_ids(model_path)
    check_kept_vocabulary(model, kept, model_path)
    notify = progress or no_progress
    halves = []
    for half in split_corpus_ids(kept, seed=seed):
        with _ExtendedPasses(half, model.stats) as passes:
            counted = count_passes(passes, passes.stats, settings, notify)
        halves.append(factorize(counted, progress=notify, **dataclasses.asdict(settings)))
    return halves[0], halves[1]


__getattr__ = renamed_attributes(
    __name__, {"build_keeping_counts": "build_keeping_corpus", "save_with_counts": "save_with_corpus"}
)
