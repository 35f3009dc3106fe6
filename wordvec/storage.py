"""Load model directories: memory-mapped, every file checked, no pickle (saving them is :mod:`wordvec.model_writer`'s).

A model directory holds the vectors, the vocabulary and the metadata, and, when it was built
with ``--keep-corpus``, the kept corpus: the co-occurrence matrix and the corpus as word ids,
which :mod:`wordvec.incremental` and :mod:`wordvec.explain` read. The loader makes
:class:`wordvec.vectors.WordVectors`, so this module imports :mod:`wordvec.vectors`; the writers
live in :mod:`wordvec.model_writer`, which does not, so that ``WordVectors.save`` can use them
without an import cycle. They are imported here, so that ``wordvec.storage.save_model`` and the
rest work as before.
"""
from __future__ import annotations

import dataclasses
import json
import math
import operator
import os
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from .arrays import require_finite
from .errors import ModelError, ParameterError, os_error_reason
from .files import NpyHeader, open_regular_file, read_npy_header
# Their home until files held them: still importable here.
from .files import check_output_path, save_array, write_atomically  # noqa: F401
from .model_writer import (  # noqa: F401 - the writers, importable here as before they moved
    ANALOGY_VECTORS_FILE,
    UNBLENDED_ANALOGY_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    IDS_FILE,
    MATRIX_FILES,
    META_FILE,
    NGRAM_FILES,
    NGRAM_MAP_FILES,
    NGRAM_HASH,
    VECTORS_FILE,
    VOCAB_FILE,
    WORD_COUNTS_FILE,
    WORDS_FILE,
    is_model_dir,
    kept_count_files,
    metadata_of,
    save_model,
    save_vectors,
)
from .options import ANALOGY_EIG, MAX_BUCKETS, MAX_N, RENAMED_BUILD_OPTIONS
from .vectors import LazyWords, WordVectors
from .vocab import CorpusIds

if TYPE_CHECKING:
    import scipy.sparse as sp

    from .options import BuildParams
    from .subwords import NgramTable


# "word<TAB>count" per line; the word may itself hold tabs (the count follows the last one).
_VOCAB_WORD = re.compile(r"^([^\n]+)\t\d+$", re.MULTILINE)
_VOCAB_COUNT = re.compile(r"\t(\d+)$", re.MULTILINE)
#: Loads of a model that was replaced while being read, before giving up.
_LOAD_ATTEMPTS = 5


def load_model(path: str | Path) -> WordVectors:
    """Load a model directory written by :func:`save_model`, or a word2vec/GloVe vectors file.

    The matrix is memory-mapped read-only (``allow_pickle=False``: loading never runs
    code). Files are opened through one directory handle, so a model replaced while it
    loads is read wholly old or wholly new: if the old one is deleted before it is fully
    read, the new one is loaded instead.

    Raises
    ------
    ModelError
        Missing path, not a model, corrupt or truncated files, or a newer format.
    """
    path = Path(path)
    if not path.exists():
        raise ModelError(f"no model at {str(path)!r}; build one with `wordvec build CORPUS -o {path}`")
    if not path.is_dir():
        # Vectors trained elsewhere (gensim's or fastText's .vec, GloVe's .txt, word2vec's .bin)
        # work with every query: formats names what is wrong with a file that is none of them.
        from .formats import load_npy_pair, load_word2vec_format

        return load_npy_pair(path) if path.suffix.lower() == ".npy" else load_word2vec_format(path)
    attempts_left = _LOAD_ATTEMPTS
    while True:
        try:
            dir_fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as error:
            raise ModelError(f"cannot open model {str(path)!r}: {error.strerror}") from None
        try:
            return _load_from_dir_fd(path, dir_fd)
        except ModelError:
            # save_model swaps a new model in and deletes the old one, perhaps while this
            # load had it half read: then load the new one instead of failing.
            attempts_left -= 1
            if not attempts_left or not _was_replaced(path, dir_fd):
                raise
        finally:
            os.close(dir_fd)


def _was_replaced(path: Path, dir_fd: int) -> bool:
    """True if ``path`` no longer names the directory open as ``dir_fd``."""
    opened = os.fstat(dir_fd)
    try:
        current = os.stat(path)
    except OSError:
        return False
    return (opened.st_dev, opened.st_ino) != (current.st_dev, current.st_ino)


def _load_from_dir_fd(path: Path, dir_fd: int) -> WordVectors:
    where = repr(str(path))
    try:
        with open_regular_file(dir_fd=dir_fd, path=META_FILE) as handle:
            meta_bytes = handle.read()
    except FileNotFoundError:
        raise ModelError(f"{where} is not a wordvec model (no {META_FILE}); pass a directory made by `wordvec build`") from None
    except OSError as error:
        raise ModelError(f"{where} has an unreadable {META_FILE} ({os_error_reason(error)}); rebuild the model") from None
    meta = _parse_meta(meta_bytes, where)
    checksum = meta.get("vocab_crc32")
    words, counts = _read_vocab(dir_fd, where, checksum)
    vectors = _map_vectors(dir_fd, where)
    if vectors.shape != (len(words), meta["dim"]) or len(words) != meta["vocab_size"]:
        raise ModelError(
            f"{where} is inconsistent: {len(words)} words in {VOCAB_FILE}, matrix of shape {vectors.shape}, "
            f"metadata says {meta['vocab_size']} x {meta['dim']}; rebuild the model"
        )
    if checksum is not None and not isinstance(words, _VocabularyFile):
        # Well-formed, but not the file that was saved: a count or a word was edited.
        raise ModelError(f"{where} has a changed {VOCAB_FILE} (it does not match the checksum in {META_FILE}); rebuild the model")
    require_finite(vectors, words, f"{where} ({VECTORS_FILE})", unit_rows=meta.get("normalized", False))
    # A model built before an option was renamed records it under its old name.
    params = {RENAMED_BUILD_OPTIONS.get(name, name): value for name, value in meta["params"].items()}
    params["normalize"] = bool(meta.get("normalized", False))
    kept_counts = counts if meta.get("has_counts", True) else None
    tables = _load_ngram_tables(dir_fd, where, meta)
    analogy = None
    if meta.get("analogy_view", False):
        analogy_vectors = _map_matrix(dir_fd, ANALOGY_VECTORS_FILE, where, (len(words), meta["dim"]), "float32")
        require_finite(analogy_vectors, words, f"{where} ({ANALOGY_VECTORS_FILE})", unit_rows=True)
        analogy_params = {**params, "eig": ANALOGY_EIG, "add_context": False, "normalize": True}
        unblended = None
        if meta.get("analogy_unblended", False):
            unblended_vectors = _map_matrix(dir_fd, UNBLENDED_ANALOGY_FILE, where, (len(words), meta["dim"]), "float32")
            require_finite(unblended_vectors, words, f"{where} ({UNBLENDED_ANALOGY_FILE})", unit_rows=True)
            unblended = WordVectors(words, unblended_vectors, kept_counts, params=analogy_params, stats=meta["stats"],
                                    subwords=tables.get("analogy"))
        analogy = WordVectors(words, analogy_vectors, kept_counts, params=analogy_params, stats=meta["stats"],
                              subwords=tables.get("analogy"), unblended=unblended)
    model = WordVectors(words, vectors, kept_counts, params=params, stats=meta["stats"], subwords=tables.get("similarity"),
                        analogy_view=analogy)
    model.path = path
    return model


def _map_matrix(dir_fd: int, name: str, where: str, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """The array of the model file ``name``, memory-mapped once its header says ``shape`` and ``dtype``."""

    def problem(header: NpyHeader) -> str | None:
        if header.shape != shape or header.dtype != np.dtype(dtype) or header.fortran_order:
            return f"it holds a {header.dtype} array of shape {header.shape}, not {dtype} of shape {shape}"
        return None

    return _map_array(dir_fd, name, where, problem)


def _map_array(dir_fd: int, name: str, where: str, problem: Callable[[NpyHeader], str | None]) -> np.ndarray:
    """The array of the model file ``name``, memory-mapped unless ``problem`` finds something wrong with its header.

    Opened through the directory handle: the mapping is of this model's file even if the
    path has since been swapped to a newer model.
    """
    try:
        with open_regular_file(dir_fd=dir_fd, path=name) as handle:
            header = read_npy_header(handle)
            reason = problem(header)
            if reason is not None:
                raise ValueError(reason)
            if 0 in header.shape:
                return np.zeros(header.shape, dtype=header.dtype)
            order = "F" if header.fortran_order else "C"
            return np.memmap(handle, dtype=header.dtype, mode="r", offset=header.offset, shape=header.shape, order=order)
    except FileNotFoundError:
        raise ModelError(f"{where} is missing {name}; rebuild the model") from None
    except (ValueError, OSError) as error:
        reason = error if isinstance(error, ValueError) else os_error_reason(error)
        raise ModelError(f"{where} has a corrupt {name} ({reason}); rebuild the model") from None


def _subwords_problem(subwords: object) -> str | None:
    """What is wrong with the ``subwords`` field of ``meta.json``, or None."""
    if not isinstance(subwords, dict) or subwords.get("hash") != NGRAM_HASH:
        return f"an object with \"hash\": \"{NGRAM_HASH}\""
    if not (_is_integer(subwords.get("buckets")) and 1 <= subwords["buckets"] <= MAX_BUCKETS):
        return f"an object with buckets from 1 to {MAX_BUCKETS}"
    min_n, max_n = subwords.get("min_n"), subwords.get("max_n")
    if not (_is_integer(min_n) and _is_integer(max_n) and 1 <= min_n <= max_n <= MAX_N):
        return f"an object with 1 <= min_n <= max_n <= {MAX_N}"
    known = subwords.get("known_buckets")
    if not (isinstance(known, dict) and known and set(known) <= set(NGRAM_FILES)
            and all(_is_integer(count) and 0 <= count <= subwords["buckets"] for count in known.values())):
        return f"an object whose known_buckets counts each view's known buckets ({', '.join(NGRAM_FILES)})"
    mapped = subwords.get("mapped", {})
    if not (isinstance(mapped, dict) and set(mapped) <= set(NGRAM_MAP_FILES) and not set(mapped) & set(known)
            and all(isinstance(source, str) and source in known for source in mapped.values())):
        return "an object whose mapped names, for a view without a table of its own, the view whose table it maps"
    return None


def _load_ngram_tables(dir_fd: int, where: str, meta: dict[str, Any]) -> dict[str, NgramTable]:
    """Each view's n-gram table named by ``meta["subwords"]``, every file checked against the metadata."""
    from .subwords import NgramTable

    subwords = meta.get("subwords")
    if subwords is None:
        return {}
    tables = {}
    for view, known in subwords["known_buckets"].items():
        vectors_file, buckets_file = NGRAM_FILES[view]
        bucket_ids = np.asarray(_map_matrix(dir_fd, buckets_file, where, (known,), "int64"))
        vectors = _map_matrix(dir_fd, vectors_file, where, (known, meta["dim"]), "float32")
        try:
            tables[view] = NgramTable(vectors, bucket_ids, subwords["buckets"], subwords["min_n"], subwords["max_n"],
                                      source=f"{where} ({vectors_file})")
        except ParameterError as error:
            raise ModelError(f"{where} has a corrupt {buckets_file} ({error}); rebuild the model") from None
    for view, source in subwords.get("mapped", {}).items():
        base, map_file = tables[source], NGRAM_MAP_FILES[view]
        mapping = np.asarray(_map_matrix(dir_fd, map_file, where, (meta["dim"], meta["dim"]), "float32"))
        require_finite(mapping, [f"dimension {row}" for row in range(len(mapping))], f"{where} ({map_file})")
        tables[view] = dataclasses.replace(base, source=f"{where} ({NGRAM_FILES[source][0]}, {map_file})", mapping=mapping)
    return tables


#: Statistics of a build that are counts, shown by `wordvec info`.
_STATS_COUNTS = (
    "files", "tokens", "lines", "distinct_words", "vocab_size", "replaced_bytes", "cooccurrence_pairs", "ppmi_nonzeros",
    "zero_vectors",
)
#: Largest number taken from the metadata: anything larger (or any 4,300-digit integer,
#: which Python refuses to parse) is no statistic of a real corpus.
_LARGEST_NUMBER = 1e300


def _parse_meta(meta_bytes: bytes, where: str) -> dict[str, Any]:
    """The metadata of a model, every field that wordvec reads checked for its type and range."""
    try:
        meta = json.loads(meta_bytes.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelError(f"{where} has a corrupt {META_FILE} ({error}); rebuild the model") from None
    except RecursionError:
        raise ModelError(f"{where} has a corrupt {META_FILE} (nested too deeply); rebuild the model") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(f"{where} is not a wordvec model ({META_FILE} is of another format)")
    version = meta.get("format_version")
    if not _is_integer(version) or version < 1:
        raise ModelError(f"{where} has a malformed {META_FILE} (format_version {version!r}); rebuild the model")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{where} uses model format {version}, newer than this wordvec supports ({FORMAT_VERSION}); upgrade wordvec"
        )
    problem = _meta_problem(meta)
    if problem is not None:
        raise ModelError(f"{where} has a malformed {META_FILE} ({problem}); rebuild the model")
    return meta


def _meta_problem(meta: dict[str, Any]) -> str | None:
    """What is wrong with the fields of a parsed ``meta.json``, or None."""
    for key in ("params", "stats"):
        if not isinstance(meta.get(key), dict):
            return f"{key} must be an object; got {_shorten(meta.get(key))}"
    checks = [
        ("vocab_size", _is_integer(meta.get("vocab_size")) and meta["vocab_size"] >= 0, "a non-negative integer"),
        ("dim", _is_integer(meta.get("dim")) and meta["dim"] >= 1, "a positive integer"),
        ("normalized", isinstance(meta.get("normalized", False), bool), "true or false"),
        ("has_counts", isinstance(meta.get("has_counts", True), bool), "true or false"),
        ("wordvec_version", isinstance(meta.get("wordvec_version", ""), str), "a string"),
        ("vocab_crc32", meta.get("vocab_crc32") is None or (
            _is_integer(meta["vocab_crc32"]) and 0 <= meta["vocab_crc32"] < 2**32), "a CRC-32 (an integer below 2**32)"),
    ]
    stats = meta["stats"]
    for key in _STATS_COUNTS:
        checks.append((f"stats.{key}", key not in stats or (_is_integer(stats[key]) and stats[key] >= 0),
                       "a non-negative integer"))
    subwords = meta.get("subwords")
    if subwords is not None:
        checks.append(("subwords", _subwords_problem(subwords) is None, _subwords_problem(subwords) or ""))
    checks.append(("analogy_view", isinstance(meta.get("analogy_view", False), bool), "true or false"))
    checks.append(("analogy_unblended", isinstance(meta.get("analogy_unblended", False), bool)
                   and (not meta.get("analogy_unblended") or meta.get("analogy_view") is True), "true (with an analogy view) or false"))
    corpus = stats.get("corpus", [])
    checks.append(("stats.corpus", isinstance(corpus, list) and all(isinstance(name, str) for name in corpus),
                   "a list of file names"))
    warnings = stats.get("warnings", [])
    checks.append(("stats.warnings", isinstance(warnings, list) and all(isinstance(line, str) for line in warnings),
                   "a list of warnings"))
    seconds = stats.get("seconds", {})
    checks.append(("stats.seconds", isinstance(seconds, dict) and all(
        _is_number(value) and value >= 0 for value in seconds.values()), "an object of stage names and seconds"))
    singular_values = stats.get("singular_values", [])
    checks.append(("stats.singular_values", isinstance(singular_values, list) and all(
        _is_number(value) for value in singular_values), "a list of numbers"))
    checks.append(("params.source", isinstance(meta["params"].get("source", ""), str), "a string"))
    for key, ok, expected in checks:
        if not ok:
            value = meta.get(key) if "." not in key else meta[key.split(".")[0]][key.split(".")[1]]
            return f"{key} must be {expected}; got {_shorten(value)}"
    return None


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _LARGEST_NUMBER


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= _LARGEST_NUMBER


def _shorten(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def build_params(model: WordVectors, path: str | Path) -> BuildParams:
    """The build parameters recorded in a loaded model, checked as :func:`wordvec.build` checks its own.

    The load does not check them, so that a query does not import the build's modules:
    commands that use them (``update``, ``explain``, ``info``) call this. Parameters the
    model does not record (vectors imported from other tools record none) take their defaults.

    Raises
    ------
    ModelError
        A recorded parameter has the wrong type or is out of range.
    """
    from .options import BuildParams

    fields = {field.name for field in dataclasses.fields(BuildParams)}
    try:
        return BuildParams(**{name: value for name, value in model.params.items() if name in fields})
    except ParameterError as error:
        raise ModelError(
            f"{str(path)!r} has a malformed {META_FILE} (its build parameter {error}); rebuild the model"
        ) from None


def _read_vocab(dir_fd: int, where: str, checksum: object) -> tuple[Sequence[str], Callable[[], np.ndarray]]:
    try:
        with open_regular_file(dir_fd=dir_fd, path=VOCAB_FILE) as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ModelError(f"{where} is missing {VOCAB_FILE}; rebuild the model") from None
    except OSError as error:
        raise ModelError(f"{where} has an unreadable {VOCAB_FILE} ({os_error_reason(error)}); rebuild the model") from None
    # The vocabulary is read on every query, so this is on the cold-start path. A file that
    # is byte for byte as save_model wrote it (its CRC-32 is in the metadata) was checked
    # then: it is searched in place, and split into words only if every word is wanted.
    # A checksum guards against accidents, not against a crafted file: what the searches
    # rely on (a line end last) is checked here, every line when the file is split.
    if isinstance(checksum, int) and zlib.crc32(raw) == checksum and raw.endswith(b"\n"):
        vocabulary = _VocabularyFile(raw, where)
        return vocabulary, vocabulary.read_counts
    return _parse_vocab(raw, where)


def _parse_counts(text: str, where: str) -> np.ndarray:
    try:
        return np.array(list(map(int, _VOCAB_COUNT.findall(text))), dtype=np.int64)
    except OverflowError:
        raise ModelError(f"{where} has a corrupt {VOCAB_FILE} (a count beyond 2**63); rebuild the model") from None


def _parse_vocab(raw: bytes, where: str) -> tuple[list[str], Callable[[], np.ndarray]]:
    """Words and (deferred) counts of a vocabulary file, every line checked: for files of
    earlier versions, which have no checksum, and to say what is wrong with a damaged one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"{where} has a corrupt {VOCAB_FILE} (not UTF-8); rebuild the model") from None
    if not text.endswith("\n"):
        text += "\n"
        raw += b"\n"
    words = _split_vocab(raw, text)
    if words is None:  # not one tab a line (a word with a tab in it, or a bad line): the general parse
        words = _VOCAB_WORD.findall(text)
    if len(words) != text.count("\n") or text == "\n":
        number = _first_bad_vocab_line(text)
        raise ModelError(f"{where} has a corrupt {VOCAB_FILE} (line {number}: expected WORD<TAB>COUNT)")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        duplicate = next(w for w in words if w in seen or seen.add(w))  # type: ignore[func-returns-value]
        raise ModelError(f"{where} has a corrupt {VOCAB_FILE} (word {duplicate!r} appears twice); rebuild the model")
    return words, lambda: _parse_counts(text, where)


class _VocabularyFile(LazyWords):
    """The words of a ``vocab.txt`` as save_model wrote it, looked up in its bytes.

    Finding one word is a byte search and a count of the line ends before it; spelling
    one row needs the positions of the line ends (one numpy pass). Splitting the file
    into a string per word, which costs more than a whole one-word query on a large
    model, waits for :meth:`tolist`.
    """

    def __init__(self, data: bytes, where: str) -> None:
        self._data = b"\n" + data  # so that every line, the first too, follows a line end
        self._size = data.count(b"\n")
        self._where = where
        self._line_ends: np.ndarray | None = None

    def _corrupt(self, problem: str) -> ModelError:
        return ModelError(f"{self._where} has a corrupt {VOCAB_FILE} ({problem}); rebuild the model")

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return self.tolist()[row]
        row = operator.index(row)
        if row < 0:
            row += self._size
        if not 0 <= row < self._size:
            raise IndexError("vocabulary row out of range")
        if self._line_ends is None:
            self._line_ends = np.flatnonzero(np.frombuffer(self._data, dtype=np.uint8) == 10)
        line = self._data[self._line_ends[row] + 1 : self._line_ends[row + 1]]
        try:
            return line[: line.rindex(b"\t")].decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise self._corrupt(f"line {row + 1}: expected WORD<TAB>COUNT") from None

    def index(self, word: str, start: int = 0, stop: int | None = None) -> int:  # type: ignore[override]
        """Row of ``word`` (``ValueError`` if absent), without splitting the file."""
        if start or stop is not None or not isinstance(word, str) or not word or "\n" in word:
            return super().index(word, start, *(() if stop is None else (stop,)))
        key = b"\n" + word.encode("utf-8", "surrogatepass") + b"\t"
        found = self._data.find(key)
        while found >= 0:
            # The line must be WORD<TAB>COUNT for this word, not a longer word with a tab in it.
            end = self._data.index(b"\n", found + 1)
            if self._data[found + len(key) : end].isdigit():
                return self._data.count(b"\n", 0, found)
            found = self._data.find(key, found + 1)
        raise ValueError(f"{word!r} is not in the vocabulary")

    def __contains__(self, word: object) -> bool:
        try:
            self.index(word)  # type: ignore[arg-type]
        except ValueError:
            return False
        return True

    def tolist(self) -> list[str]:
        """Every word, each line checked as for a file without a checksum."""
        words, _ = _parse_vocab(self._data[1:], self._where)
        if len(words) != self._size:
            raise self._corrupt(f"{self._size} lines but {len(words)} words")
        return words

    def read_counts(self) -> np.ndarray:
        """The count of every word, read from the file."""
        counts = _parse_counts(self._data[1:].decode("utf-8", "replace"), self._where)
        if len(counts) != self._size:
            raise self._corrupt(f"{self._size} lines but {len(counts)} counts")
        return counts


def _split_vocab(raw: bytes, text: str) -> list[str] | None:
    """The words of a vocabulary file whose every line is ``WORD<TAB>DIGITS``, or None.

    numpy checks that tabs and line ends alternate (one tab a line); then splitting at
    both gives words and counts in turn, with two C-level string operations. About twice
    as fast as the regular expression, which stays for the files this does not take.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    tabs, line_ends = np.flatnonzero(data == 9), np.flatnonzero(data == 10)
    if len(tabs) != len(line_ends) or not (tabs < line_ends).all() or not (tabs[1:] > line_ends[:-1]).all():
        return None
    parts = text.replace("\t", "\n").split("\n")
    words, counts = parts[0:-1:2], parts[1:-1:2]
    if "" in words or "" in counts or not "".join(counts).isdigit():
        return None
    return words


def _first_bad_vocab_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if not _VOCAB_WORD.fullmatch(line):
            return number
    return 1


def _map_vectors(dir_fd: int, where: str) -> np.ndarray:
    """The model's vectors.npy, memory-mapped once its header says it is a 2-D float matrix with rows."""

    def problem(header: NpyHeader) -> str | None:
        if len(header.shape) != 2 or header.dtype not in (np.float32, np.float64):
            return f"it holds a {len(header.shape)}-D {header.dtype} array, not a 2-D float matrix"
        if 0 in header.shape:
            return f"its matrix of shape {header.shape} holds no vectors"
        return None

    return _map_array(dir_fd, VECTORS_FILE, where, problem)


# -- the kept corpus ---------------------------------------------------------------------

#: Entries checked at a time when the kept files are validated (bounds the temporaries).
_CHECK_BLOCK = 1 << 22
_MATRIX_DTYPES = {
    "data": (np.dtype(np.float32), np.dtype(np.float64)),
    "indices": (np.dtype(np.int32), np.dtype(np.int64)),
    "indptr": (np.dtype(np.int32), np.dtype(np.int64)),
}


def keep_corpus_command(model: str | Path = "MODEL") -> str:
    """The command that builds a model keeping its corpus, for the messages that ask for one."""
    return f"`wordvec build CORPUS --keep-corpus -o {model}`"


class _KeptFiles:
    """Reads the files of the kept corpus in the model directory ``path``, each checked before it is used.

    Every complaint is a :class:`ModelError` naming the file and ending with how to make
    it again, since a damaged kept file cannot be repaired.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def corrupt(self, name: str, problem: str) -> ModelError:
        return ModelError(
            f"{str(self.path)!r} has a corrupt {name} ({problem}); "
            f"rebuild the model with {keep_corpus_command(self.path)}"
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
                f"{str(self.path)!r} keeps no corpus; rebuild it with {keep_corpus_command(self.path)}"
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
        The model keeps no corpus (built without ``--keep-corpus``), or the files are corrupt.
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
    import scipy.sparse as sp  # only for the kept matrix: loading a model for queries needs no scipy

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
        The model keeps no corpus, or the files are corrupt.
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


def corpus_word_rows(model: WordVectors) -> int:
    """How many of ``model``'s rows are words of its corpus: all but the phrases a build added after them (``phrase_mode="add"``).

    Those phrase rows have no row in a kept co-occurrence matrix, whose rows are the words.
    """
    phrases = model.stats.get("phrases")
    added = phrases.get("rows") if isinstance(phrases, dict) and phrases.get("mode") == "add" else 0
    return len(model) - (min(added, len(model)) if isinstance(added, int) and added > 0 else 0)


def check_kept_vocabulary(model: WordVectors, kept: CorpusIds, path: str | Path) -> None:
    """Check that every word of ``model`` is a word of its ``kept`` corpus, with the same count: the files are of one build.

    The phrases a build added as rows of their own are left out: they are no words of the corpus.

    Raises
    ------
    ModelError
        A word of the model is missing from the kept corpus, or counted otherwise there.
    """
    row_of = {word: row for row, word in enumerate(kept.words)}
    words = corpus_word_rows(model)
    rows = np.fromiter((row_of.get(word, -1) for word in model.words[:words]), dtype=np.int64, count=words)
    missing = rows < 0
    differ = missing.copy()
    if model.counts is not None:
        differ[~missing] = kept.counts[rows[~missing]] != model.counts[:words][~missing]
    if differ.any():
        first = int(np.argmax(differ))
        problem = "lacks the model's word" if missing[first] else "has another count for the model's word"
        raise _KeptFiles(path).corrupt(WORDS_FILE, f"it {problem} {model.words[first]!r}")
