"""Models that keep their counts: save and load them, and update a model with new text exactly."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import scipy.sparse as sp

from .errors import ModelError, ParameterError, os_error_reason
from .files import open_regular_file, read_npy_header
from .vocab import CorpusIds

if TYPE_CHECKING:
    from .cooccur import CooccurrenceCounter, ForwardCounts
    from .corpus import CorpusSource
    from .parallel import InProcessPasses, ShardedPasses
    from .pipeline import Counts
    from .progress import ProgressCallback
    from .vectors import WordVectors
    from .vocab import ScanResult

#: Files of the kept counts in a model directory (besides those of :mod:`wordvec.storage`).
MATRIX_FILES = {"data": "counts-data.npy", "indices": "counts-indices.npy", "indptr": "counts-indptr.npy"}
WORDS_FILE = "corpus-words.txt"
WORD_COUNTS_FILE = "corpus-word-counts.npy"
IDS_FILE = "corpus-ids.npy"


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


#: Entries checked at a time when the kept files are validated (bounds the temporaries).
_CHECK_BLOCK = 1 << 22
_MATRIX_DTYPES = {
    "data": (np.dtype(np.float32), np.dtype(np.float64)),
    "indices": (np.dtype(np.int32), np.dtype(np.int64)),
    "indptr": (np.dtype(np.int32), np.dtype(np.int64)),
}


def model_with_directory(
    model: WordVectors | str | Path | None, command: str, model_path: str | Path | None = None
) -> tuple[WordVectors, Path]:
    """The model and its directory, for a command that reads the kept counts beside the vectors.

    Parameters
    ----------
    model : WordVectors, str or path-like
        A model loaded from its directory (:func:`wordvec.load`), or the directory.
    command : str
        The command, for messages.
    model_path : str or path-like, optional
        The directory under the old keyword name (deprecated: pass it as ``model``).

    Raises
    ------
    ModelError
        The vectors were not loaded from a model directory, the path is a vectors file, or
        the model cannot be loaded.
    """
    if model_path is not None:
        import warnings

        warnings.warn(f"{command}(model_path=...) is now {command}(model=...): the model or its directory",
                      DeprecationWarning, stacklevel=3)
        model = model_path if model is None else model
    if model is None:
        raise ParameterError(f"{command} needs a model: a WordVectors loaded from its directory, or the directory")
    from .vectors import WordVectors

    if isinstance(model, WordVectors):
        if model.path is None:
            raise ModelError(
                f"{command} needs the kept counts beside the vectors: pass a model loaded from its directory "
                "(wordvec.load(MODEL)) or the directory, built with `wordvec build CORPUS --keep-counts -o MODEL`"
            )
        return model, Path(model.path)
    from .storage import load_model

    require_model_directory(model, command)
    return load_model(model), Path(model)


def require_model_directory(path: str | Path, command: str) -> None:
    """Refuse a vectors file (``.vec``, ``.bin``, ``.npy``...) given to a command that needs kept counts.

    Raises
    ------
    ModelError
        ``path`` exists and is not a directory.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelError(
            f"{str(path)!r} is a vectors file, not a model directory: {command} needs a wordvec model built with "
            f"`wordvec build CORPUS --keep-counts -o MODEL`"
        )


class _KeptFiles:
    """Reads the kept-count files of the model directory ``path``, each checked before it is used.

    Every complaint is a :class:`ModelError` naming the file and ending with how to make
    it again, since a damaged kept file cannot be repaired.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def corrupt(self, name: str, problem: str) -> ModelError:
        return ModelError(
            f"{str(self.path)!r} has a corrupt {name} ({problem}); "
            f"rebuild the model with `wordvec build CORPUS --keep-counts -o {self.path}`"
        )

    def read_bytes(self, name: str) -> bytes:
        with self._open(name) as handle:
            return handle.read()

    def read_array(self, name: str, dtypes: tuple[np.dtype, ...]) -> np.ndarray:
        """The 1-D array of the ``.npy`` file ``name``, read whole once its header agrees with the file's length.

        The header is checked first, so one that claims more values than the file holds
        never allocates them.
        """
        with self._open(name) as handle:
            try:
                header = read_npy_header(handle)
            except ValueError as error:
                raise self.corrupt(name, str(error)) from None
            shape, dtype = header.shape, header.dtype
            if dtype not in dtypes:
                expected = " or ".join(str(kind) for kind in dtypes)
                raise self.corrupt(name, f"it holds {dtype} values; expected {expected}")
            if len(shape) != 1:
                raise self.corrupt(name, f"its shape is {shape}; expected a 1-D array")
            array = np.fromfile(handle, dtype=dtype, count=shape[0])
        if len(array) != shape[0]:  # the file shrank while it was read
            raise self.corrupt(name, f"it ends after {len(array)} of {shape[0]} values")
        return array

    def _open(self, name: str) -> BinaryIO:
        try:
            return open_regular_file(self.path / name)
        except FileNotFoundError:
            raise ModelError(
                f"{str(self.path)!r} keeps no counts; rebuild it with `wordvec build CORPUS --keep-counts -o {self.path}`"
            ) from None
        except OSError as error:
            raise self.corrupt(name, os_error_reason(error)) from None


def _blocks(length: int) -> Iterator[slice]:
    for start in range(0, length, _CHECK_BLOCK):
        yield slice(start, min(start + _CHECK_BLOCK, length))


def load_count_matrix(path: str | Path, vocab_size: int) -> sp.csr_matrix:
    """The co-occurrence matrix kept in the model directory ``path`` (vocabulary order).

    Every array is checked before the matrix is made of them, since scipy's kernels
    trust them: dtypes, lengths against each other and against ``vocab_size``, an
    ``indptr`` from 0 to the number of entries that never decreases, column indices
    within the vocabulary and strictly increasing within each row, finite non-negative
    counts.

    Raises
    ------
    ModelError
        The model keeps no counts (built without ``--keep-counts``), or the files are corrupt.
    """
    files = _KeptFiles(path)
    data, indices, indptr = (files.read_array(MATRIX_FILES[part], _MATRIX_DTYPES[part]) for part in MATRIX_FILES)
    data_file, indices_file, indptr_file = MATRIX_FILES.values()
    if len(indptr) != vocab_size + 1:
        raise files.corrupt(indptr_file, f"{len(indptr)} row offsets for {vocab_size} words; expected {vocab_size + 1}")
    if len(indices) != len(data):
        raise files.corrupt(indices_file, f"{len(indices)} column indices for the {len(data)} counts of {data_file}")
    if indptr[0] != 0 or indptr[-1] != len(data):
        raise files.corrupt(indptr_file, f"the row offsets run from {indptr[0]} to {indptr[-1]}, not from 0 to {len(data)}")
    falls = np.flatnonzero(indptr[1:] < indptr[:-1])
    if len(falls):
        raise files.corrupt(indptr_file, f"the offset of row {falls[0] + 1} is smaller than that of row {falls[0]}")
    _check_columns(files, indices, indptr, vocab_size)
    for block in _blocks(len(data)):
        bad = np.flatnonzero(~(data[block] >= 0) | ~np.isfinite(data[block]))
        if len(bad):
            raise files.corrupt(data_file, f"count {block.start + bad[0]} is {data[block.start + bad[0]]}, not a finite number >= 0")
    return sp.csr_matrix((data, indices, indptr), shape=(vocab_size, vocab_size))


def _check_columns(files: _KeptFiles, indices: np.ndarray, indptr: np.ndarray, vocab_size: int) -> None:
    """Column indices within the vocabulary and strictly increasing within each row (scipy's canonical form)."""
    name = MATRIX_FILES["indices"]
    row_starts = indptr[1:-1]
    for block in _blocks(len(indices)):
        values = indices[block]
        outside = np.flatnonzero((values < 0) | (values >= vocab_size))
        if len(outside):
            position = block.start + outside[0]
            row = int(np.searchsorted(indptr, position, side="right")) - 1
            raise files.corrupt(
                name, f"column {indices[position]} of row {row} is outside the vocabulary of {vocab_size} words"
            )
        # Entry i + 1 must follow entry i in column order unless it starts a new row.
        following = indices[block.start + 1 : block.stop + 1]
        falls = np.flatnonzero(following <= values[: len(following)]) + block.start + 1
        if len(falls):
            slot = np.minimum(np.searchsorted(row_starts, falls), max(len(row_starts) - 1, 0))
            unsorted = falls[row_starts[slot] != falls] if len(row_starts) else falls
            if len(unsorted):
                row = int(np.searchsorted(indptr, unsorted[0], side="right")) - 1
                raise files.corrupt(name, f"the columns of row {row} are not strictly increasing")


def load_corpus_ids(path: str | Path) -> CorpusIds:
    """The corpus ids kept in the model directory ``path`` (see :class:`CorpusIds`).

    Checked before use: the words are distinct, non-empty UTF-8 lines, one count per
    word, every id in ``[-1, number of words)``, and each word's count is the number of
    times its id occurs.

    Raises
    ------
    ModelError
        The model keeps no counts, or the files are corrupt.
    """
    files = _KeptFiles(path)
    counts = files.read_array(WORD_COUNTS_FILE, (np.dtype(np.int64),))
    ids = files.read_array(IDS_FILE, (np.dtype(np.int32),))
    words = _read_words(files)
    if len(counts) != len(words):
        raise files.corrupt(WORD_COUNTS_FILE, f"{len(counts)} counts for the {len(words)} words of {WORDS_FILE}")
    occurrences = np.zeros(len(words), dtype=np.int64)
    for block in _blocks(len(ids)):
        values = ids[block]
        outside = np.flatnonzero((values < -1) | (values >= len(words)))
        if len(outside):
            position = block.start + outside[0]
            raise files.corrupt(
                IDS_FILE, f"id {ids[position]} at position {position} is outside [-1, {len(words)})"
            )
        occurrences += np.bincount(values[values >= 0], minlength=len(words))
    differ = np.flatnonzero(occurrences != counts)
    if len(differ):
        word = differ[0]
        raise files.corrupt(
            WORD_COUNTS_FILE,
            f"it counts {words[word]!r} {counts[word]} times, but {IDS_FILE} holds it {occurrences[word]} times",
        )
    return CorpusIds(words, counts, ids)


def _read_words(files: _KeptFiles) -> list[str]:
    try:
        text = files.read_bytes(WORDS_FILE).decode("utf-8")
    except UnicodeDecodeError as error:
        raise files.corrupt(WORDS_FILE, f"not UTF-8: {error.reason} at byte {error.start}") from None
    except OSError as error:
        raise files.corrupt(WORDS_FILE, os_error_reason(error)) from None
    if text and not text.endswith("\n"):
        raise files.corrupt(WORDS_FILE, "its last line has no line end")
    words = text.split("\n")[:-1]
    if "" in words:
        raise files.corrupt(WORDS_FILE, f"line {words.index('') + 1} is empty")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        duplicate = next(word for word in words if word in seen or seen.add(word))  # type: ignore[func-returns-value]
        raise files.corrupt(WORDS_FILE, f"the word {duplicate!r} appears twice")
    return words


def _check_kept_vocabulary(model: WordVectors, kept: CorpusIds, path: str | Path) -> None:
    """Every word of the model is a kept corpus word, with the same count: the files are of one build."""
    row_of = {word: row for row, word in enumerate(kept.words)}
    rows = np.fromiter((row_of.get(word, -1) for word in model.words), dtype=np.int64, count=len(model))
    missing = rows < 0
    differ = missing.copy()
    if model.counts is not None:
        differ[~missing] = kept.counts[rows[~missing]] != model.counts[~missing]
    if differ.any():
        first = int(np.argmax(differ))
        word = model.words[first]
        problem = "lacks the model's word" if missing[first] else "has another count for the model's word"
        raise ModelError(
            f"{str(path)!r} has a corrupt {WORDS_FILE} (it {problem} {word!r}); "
            f"rebuild the model with `wordvec build CORPUS --keep-counts -o {path}`"
        )


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
        from .vocab import LINE_ID, ScanResult, id_map_keeping_line_ends

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
        for block in self.new.iter_ids():
            yield self._id_map[block]

    def count(self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback) -> list[ForwardCounts]:
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


def update(
    model: WordVectors | str | Path | None = None,
    corpus: CorpusSource | None = None,
    *,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    model_path: str | Path | None = None,
) -> tuple[WordVectors, Counts]:
    """Add the text of ``corpus`` to a model built with kept counts, and refit it.

    The result equals a build of the model's corpus followed by ``corpus`` with the same
    parameters, in vocabulary, counts and vectors: words that reach ``min_count`` join the
    vocabulary, ``max_vocab`` and subsampling see the new counts.

    Parameters
    ----------
    model : WordVectors, str or path-like
        A model built with kept counts (``wordvec build --keep-counts``), loaded from its
        directory (:func:`wordvec.load`), or that directory.
    corpus : str, path-like, iterable of path-like, or iterable of str
        The new text, as for :func:`wordvec.build`.
    progress : callable, optional
        ``progress(stage, done, total)``, as for :func:`wordvec.build`.
    workers : int, optional
        Processes that read the new text (default: the available cores).
    model_path : str or path-like, optional
        Deprecated name of ``model`` (a warning says so); it goes in the next release.

    Returns
    -------
    model : WordVectors
        The refitted vectors, with the model's parameters.
    counts : Counts
        Their counts and corpus ids: save both with :func:`save_with_counts`.

    Raises
    ------
    ModelError
        ``model`` is not a model directory (or loaded from one), the model keeps no counts,
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
    from .storage import build_params
    from ._cores import available_cores

    if corpus is None:
        raise ParameterError("update needs the new text: update(model, corpus)")
    model, model_path = model_with_directory(model, "update", model_path)
    settings = dataclasses.replace(build_params(model, model_path), workers=workers)
    params = dataclasses.asdict(settings)
    kept = load_corpus_ids(model_path)
    _check_kept_vocabulary(model, kept, model_path)
    notify = progress or no_progress
    source = Corpus(corpus)
    with counting_passes(source, workers or available_cores()) as new_passes, _ExtendedPasses(
        kept, model.stats, new_passes
    ) as passes:
        counts = count_passes(passes, passes.stats, settings, notify, keep_corpus=True)
    return factorize(counts, progress=notify, **params), counts
