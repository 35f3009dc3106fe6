"""Models that keep their counts: save and load them, and update a model with new text exactly."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .errors import ModelError

if TYPE_CHECKING:
    from .cooccur import CooccurrenceCounter, ForwardCounts
    from .corpus import CorpusSource
    from .parallel import InProcessPasses, ShardedPasses
    from .pipeline import Counts, ProgressCallback
    from .vectors import WordVectors
    from .vocab import ScanResult

#: Files of the kept counts in a model directory (besides those of :mod:`wordvec.storage`).
MATRIX_FILES = {"data": "counts-data.npy", "indices": "counts-indices.npy", "indptr": "counts-indptr.npy"}
WORDS_FILE = "corpus-words.txt"
WORD_COUNTS_FILE = "corpus-word-counts.npy"
IDS_FILE = "corpus-ids.npy"


@dataclass
class CorpusIds:
    """A counted corpus as token ids over every word seen, rare ones included.

    From these a model's counts can be recomputed for any vocabulary, which is what makes
    :func:`update` exact: a word that reaches ``min_count`` with new text changes the
    windows of the old text (out-of-vocabulary tokens are removed before windowing), and
    subsampling probabilities change with every count.

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


def _npy_writer(array: np.ndarray):
    return lambda handle: np.save(handle, array, allow_pickle=False)


def kept_count_files(counts: Counts) -> dict[str, Any]:
    """The files that keep ``counts`` in a model directory: ``extra_files`` of :func:`wordvec.storage.save_model`.

    The co-occurrence matrix in CSR form (three ``.npy`` arrays) and the corpus as ids
    (:class:`CorpusIds`: a word list, its counts and the id stream, 4 bytes a token). No pickle.
    """
    if counts.corpus_ids is None or counts.matrix is None:
        raise ValueError("counts made without keep_corpus=True, or already factorised without keeping the matrix")
    matrix = counts.matrix
    corpus = counts.corpus_ids
    words_text = "".join(f"{word}\n" for word in corpus.words).encode("utf-8")
    files: dict[str, Any] = {name: _npy_writer(getattr(matrix, part)) for part, name in MATRIX_FILES.items()}
    files[WORDS_FILE] = lambda handle: handle.write(words_text)
    files[WORD_COUNTS_FILE] = _npy_writer(np.asarray(corpus.counts, dtype=np.int64))
    files[IDS_FILE] = _npy_writer(np.asarray(corpus.ids, dtype=np.int32))
    return files


def build_keeping_counts(
    corpus: CorpusSource, *, progress: ProgressCallback | None = None, **params: Any
) -> tuple[WordVectors, Counts]:
    """:func:`wordvec.build`, also returning the counts and corpus ids to save with :func:`save_with_counts`."""
    from .pipeline import count, factorize

    counts = count(corpus, progress=progress, keep_corpus=True, **params)
    return factorize(counts, progress=progress, **params), counts


def save_with_counts(model: WordVectors, counts: Counts, path: str | Path) -> None:
    """Save ``model`` with its kept ``counts`` (from ``count(..., keep_corpus=True)``), atomically, as one directory."""
    from .storage import save_model

    save_model(model, path, extra_files=kept_count_files(counts))


def _load_npy(path: Path, name: str) -> np.ndarray:
    try:
        return np.load(path / name, allow_pickle=False)
    except FileNotFoundError:
        raise ModelError(
            f"{str(path)!r} keeps no counts; rebuild it with `wordvec build CORPUS --keep-counts -o {path}`"
        ) from None
    except (ValueError, OSError, EOFError) as error:
        raise ModelError(f"{str(path)!r} has a corrupt {name} ({error}); rebuild the model") from None


def load_count_matrix(path: str | Path, vocab_size: int) -> sp.csr_matrix:
    """The co-occurrence matrix kept in the model directory ``path`` (vocabulary order).

    Raises
    ------
    ModelError
        The model keeps no counts (built without ``--keep-counts``), or the files are corrupt.
    """
    path = Path(path)
    data, indices, indptr = (_load_npy(path, MATRIX_FILES[part]) for part in ("data", "indices", "indptr"))
    if len(indptr) != vocab_size + 1 or len(data) != len(indices) or indptr[-1] != len(data):
        raise ModelError(f"{str(path)!r} has inconsistent kept counts for {vocab_size} words; rebuild the model")
    return sp.csr_matrix((data, indices, indptr), shape=(vocab_size, vocab_size))


def load_corpus_ids(path: str | Path) -> CorpusIds:
    """The corpus ids kept in the model directory ``path`` (see :class:`CorpusIds`).

    Raises
    ------
    ModelError
        The model keeps no counts, or the files are corrupt.
    """
    path = Path(path)
    counts = _load_npy(path, WORD_COUNTS_FILE)
    ids = _load_npy(path, IDS_FILE)
    try:
        words = (path / WORDS_FILE).read_bytes().decode("utf-8").split("\n")[:-1]
    except (OSError, UnicodeDecodeError) as error:
        raise ModelError(f"{str(path)!r} has an unreadable {WORDS_FILE} ({error}); rebuild the model") from None
    if len(words) != len(counts) or ids.dtype != np.int32 or (len(ids) and int(ids.max()) >= len(words)):
        raise ModelError(f"{str(path)!r} has inconsistent kept corpus files; rebuild the model")
    return CorpusIds(words, counts, ids)


class _ExtendedPasses:
    """Counting passes over a kept corpus (as ids) followed by new text, as one corpus.

    The new text is scanned by ``new`` (local processes, see :mod:`wordvec.parallel`); its
    words get the ids of the kept words, new ones the next ids in first-seen order, just as a
    scan of the old and new text together numbers them. The count is then one pass over the
    whole id stream in this process.
    """

    def __init__(self, kept: CorpusIds, kept_stats: dict[str, Any], new: InProcessPasses | ShardedPasses) -> None:
        from .corpus import CorpusStats

        self.kept = kept
        self.kept_stats = kept_stats
        self.new = new
        self.stats = CorpusStats()
        self.stats.names = list(kept_stats.get("corpus", [])) + new.source.stats.names
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
        from .vocab import LINE_ID, ScanResult

        new_scan = self.new.scan(tokenizer, progress)
        words = list(self.kept.words)
        ids_of = {word: number for number, word in enumerate(words)}
        for word in new_scan.words:
            if word not in ids_of:
                ids_of[word] = len(words)
                words.append(word)
        merged = np.fromiter(map(ids_of.__getitem__, new_scan.words), dtype=np.int32, count=len(new_scan.words))
        self._id_map = np.append(merged, np.int32(LINE_ID))  # the last slot, which -1 indexes, keeps line ends
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
        for block in self.new.iter_ids():
            yield self._id_map[block]

    def count(self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback) -> list[ForwardCounts]:
        """Count the whole id stream, mapped to vocabulary ids by ``new_id_of``, in this process."""
        from .parallel import SPILL_PAIRS, _count_blocks

        total = len(self.kept.ids) + self._new_length

        def blocks() -> Iterator[tuple[int, np.ndarray]]:
            offset = 0
            for block in self.iter_ids():
                yield offset, new_id_of[block]
                offset += len(block)

        self._directory = tempfile.TemporaryDirectory(prefix="wordvec-update-")
        return _count_blocks(
            counter, blocks(), os.path.join(self._directory.name, "counts"), SPILL_PAIRS,
            after_block=lambda done: progress("count", done, total),
        )


def update(
    model_path: str | Path,
    corpus: CorpusSource,
    *,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> tuple[WordVectors, Counts]:
    """Add the text of ``corpus`` to a model built with kept counts, and refit it.

    The result equals a build of the model's corpus followed by ``corpus`` with the same
    parameters, in vocabulary, counts and vectors: words that reach ``min_count`` join the
    vocabulary, ``max_vocab`` and subsampling see the new counts.

    Parameters
    ----------
    model_path : str or path-like
        A model directory written with kept counts (``wordvec build --keep-counts``).
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
    counts : Counts
        Their counts and corpus ids: save both with :func:`save_with_counts`.

    Raises
    ------
    ModelError
        The model keeps no counts, or its files are corrupt.
    CorpusError
        The new corpus is missing or unreadable.

    Notes
    -----
    The old text is not read or tokenized again, but its pairs are counted again from the
    kept ids, since new words and new counts change its windows and subsampling. The
    kept ids take 4 bytes a token (about 100 MB for 24M tokens).
    """
    from .corpus import Corpus
    from .parallel import counting_passes
    from .pipeline import BuildParams, _no_progress, _settings, count_passes, factorize
    from .storage import load_model
    from ._cores import available_cores

    model = load_model(model_path)
    kept = load_corpus_ids(model_path)
    fields = {field.name for field in dataclasses.fields(BuildParams)}
    params = {name: value for name, value in model.params.items() if name in fields}
    params["workers"] = workers
    settings = _settings(params)
    notify = progress or _no_progress
    source = Corpus(corpus)
    with counting_passes(source, workers or available_cores()) as new_passes, _ExtendedPasses(
        kept, model.stats, new_passes
    ) as passes:
        counts = count_passes(passes, passes.stats, settings, notify, keep_corpus=True)
    return factorize(counts, progress=notify, **params), counts
