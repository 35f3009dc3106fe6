"""Write model directories atomically, and vectors in any format, without importing WordVectors.

:mod:`wordvec.storage` and :mod:`wordvec.formats` read files into :class:`wordvec.vectors.WordVectors`,
so they import :mod:`wordvec.vectors`; ``WordVectors.save`` writes a model, so :mod:`wordvec.vectors`
imports its writer. The writers therefore live apart from the readers, here and in
:mod:`wordvec.format_writers`, and take the model by what it offers (``words``, ``vectors``,
``counts``, ``params``, ``stats``), so that no two modules import each other. :mod:`wordvec.storage`,
where they lived before, imports each public name of this module, so ``wordvec.storage.save_model``
still works.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from . import __version__
from ._cores import available_cores
from ._spill import is_spilled, row_blocks
from .arrays import require_finite
from .errors import ModelError, ParameterError, os_error_reason
from .files import (
    check_output_path,
    fsync_directory,
    temporary_prefix,
    temporary_sibling,
    utf8_encodable,
    write_synced,
)
from .format_writers import FORMATS, format_for_path, save_glove_format, save_npy_pair, save_word2vec_format

if TYPE_CHECKING:
    # In annotations only: WordVectors.save imports this module (and pipeline imports vectors).
    from .pipeline import CountedCorpus
    from .vectors import WordVectors

FORMAT_NAME = "wordvec-model"
FORMAT_VERSION = 1
VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.txt"
META_FILE = "meta.json"
#: Files of the kept corpus in a model directory (built with ``--keep-corpus``): the co-occurrence matrix
#: in CSR form, and the corpus as ids of every word seen (:class:`wordvec.vocab.CorpusIds`).
MATRIX_FILES = {"data": "counts-data.npy", "indices": "counts-indices.npy", "indptr": "counts-indptr.npy"}
WORDS_FILE = "corpus-words.txt"
WORD_COUNTS_FILE = "corpus-word-counts.npy"
IDS_FILE = "corpus-ids.npy"
#: The phrases of a model built with phrases (:meth:`wordvec.phrases.Phrases.save`'s text).
PHRASES_FILE = "phrases.tsv"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _remove_stale_temporaries(target: Path) -> None:
    """Delete temporaries left next to ``target`` by builds that were killed."""
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    # Only ``PREFIX-PID-RANDOM`` exactly: the rest holds no dot, so no other target's temporary matches.
    prefixes = "|".join(re.escape(temporary_prefix(target, kind)) for kind in ("tmp", "old"))
    ours = re.compile(f"(?:{prefixes})-(?P<pid>\\d+)-[0-9a-f]{{8}}")
    for entry in entries:
        match = ours.fullmatch(entry.name)
        if not match:
            continue
        try:
            os.kill(int(match["pid"]), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except PermissionError:
            pass


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    import ctypes  # only to replace a model: not a cost of loading one

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return result == 0


def is_model_dir(path: Path) -> bool:
    """True if ``path`` is a directory with a wordvec metadata file."""
    return (path / META_FILE).is_file()


#: The analogy view's vectors (one row per word, as ``vectors.npy``).
ANALOGY_VECTORS_FILE = "analogy-vectors.npy"
#: The analogy view before its words took in their n-grams (a model with both), for analogies not spelled alike.
UNBLENDED_ANALOGY_FILE = "analogy-unblended-vectors.npy"
#: Each view's n-gram table: the vectors of the known buckets, and those buckets' ids.
NGRAM_FILES = {
    "similarity": ("ngrams.npy", "ngram-buckets.npy"),
    "analogy": ("analogy-ngrams.npy", "analogy-ngram-buckets.npy"),
}
#: A view whose table is another view's rows times a map (``NgramTable.mapping``): the map's file.
NGRAM_MAP_FILES = {"similarity": "ngram-map.npy"}
#: How the n-grams are hashed, recorded so that a reader can tell the scheme.
NGRAM_HASH = "fasttext-fnv1a-32"


def view_tables(model: WordVectors) -> dict[str, Any]:
    """The n-gram table of each view of ``model`` that has one (``"similarity"``, ``"analogy"``)."""
    tables = {"similarity": model.subwords}
    if model.has_analogy_view:
        tables["analogy"] = model.analogy_view.subwords
    return {view: table for view, table in tables.items() if table is not None}


def mapped_views(model: WordVectors) -> dict[str, str]:
    """The views whose n-gram table is another view's rows times a map, each with that view: saved as the map alone."""
    tables = view_tables(model)
    mapped = {}
    for view, source in (("similarity", "analogy"),):
        table, base = tables.get(view), tables.get(source)
        if (table is not None and base is not None and table.mapping is not None and base.mapping is None
                and table.vectors is base.vectors and table.bucket_ids is base.bucket_ids):
            mapped[view] = source
    return mapped


def _subword_metadata(model: WordVectors) -> dict[str, Any] | None:
    tables = view_tables(model)
    if not tables:
        return None
    first = next(iter(tables.values()))
    mapped = mapped_views(model)
    meta = {
        "hash": NGRAM_HASH,
        "buckets": first.buckets,
        "min_n": first.min_n,
        "max_n": first.max_n,
        "known_buckets": {view: len(table.bucket_ids) for view, table in tables.items() if view not in mapped},
    }
    if mapped:
        meta["mapped"] = mapped
    return meta


def _view_files(model: WordVectors) -> dict[str, Callable[[BinaryIO], None]]:
    """Writers of the analogy view's vectors and of every view's n-gram table, each checked first."""
    files: dict[str, Callable[[BinaryIO], None]] = {}
    if model.has_analogy_view:
        analogy = np.ascontiguousarray(model.analogy_view.vectors, dtype=np.float32)
        require_finite(analogy, model.words, "the model's analogy view", unit_rows=True)
        files[ANALOGY_VECTORS_FILE] = _npy_writer(analogy)
        if model.analogy_view.unblended is not None:
            unblended = np.ascontiguousarray(model.analogy_view.unblended.vectors, dtype=np.float32)
            require_finite(unblended, model.words, "the model's unblended analogy view", unit_rows=True)
            files[UNBLENDED_ANALOGY_FILE] = _npy_writer(unblended)
    mapped = mapped_views(model)
    for view, table in view_tables(model).items():
        if view in mapped:
            mapping = np.ascontiguousarray(table.mapping, dtype=np.float32)
            require_finite(mapping, [f"dimension {row}" for row in range(len(mapping))], f"the {view} n-gram map")
            files[NGRAM_MAP_FILES[view]] = _npy_writer(mapping)
            continue
        vectors_file, buckets_file = NGRAM_FILES[view]
        # A table with a map of its own (not another view's rows) is saved with the map applied.
        vectors = np.ascontiguousarray(table.mapped(table.vectors), dtype=np.float32)
        require_finite(vectors, [f"bucket {bucket}" for bucket in table.bucket_ids.tolist()], f"the {view} n-gram table")
        files[vectors_file] = _npy_writer(vectors)
        files[buckets_file] = _npy_writer(np.ascontiguousarray(table.bucket_ids, dtype=np.int64))
    return files


def metadata_of(model: WordVectors, vocab_bytes: bytes | None = None) -> dict[str, Any]:
    """The JSON metadata stored with a model (with the checksum of its ``vocab.txt``, given its bytes)."""
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "wordvec_version": __version__,
        "vocab_size": len(model),
        "dim": model.dim,
        "normalized": bool(model.params.get("normalize", False)),
        "has_counts": model.counts is not None,
        "params": model.params,
        "stats": model.stats,
    }
    if model.has_analogy_view:
        meta["analogy_view"] = True
        if model.analogy_view.unblended is not None:
            meta["analogy_unblended"] = True
    subwords = _subword_metadata(model)
    if subwords is not None:
        meta["subwords"] = subwords
    if vocab_bytes is not None:
        meta["vocab_crc32"] = zlib.crc32(vocab_bytes)
    return meta


def save_model(
    model: WordVectors, path: str | Path, *, extra_files: Mapping[str, Callable[[BinaryIO], None]] | None = None
) -> None:
    """Write ``model`` as a directory at ``path``, atomically.

    The files are written into a hidden temporary directory next to ``path``
    (``.NAME.tmp-PID-RANDOM``), synced to disk, and then swapped in with one rename, so
    readers see either the old model or the new one and an interrupted write leaves the
    old model untouched. Temporaries of killed builds are removed on the next save.

    Parameters
    ----------
    model : WordVectors
        The vectors to save.
    path : str or path-like
        The model directory. An existing wordvec model there is replaced; any other
        existing file or directory is refused.
    extra_files : mapping of str to callable, optional
        More files of the model (such as those of :func:`kept_count_files`):
        ``write(binary_file)`` writes each name, within the same atomic swap.

    Raises
    ------
    ModelError
        ``path`` exists and is not a wordvec model, or the write failed (e.g. disk full).
    ParameterError
        ``path`` is a symbolic link or a device (see :func:`wordvec.files.check_output_path`).
    """
    check_output_path(path)
    target = Path(path).absolute()
    if target.exists() and not (target.is_dir() and (is_model_dir(target) or not any(target.iterdir()))):
        raise ModelError(f"{str(path)!r} exists and is not a wordvec model; choose another output path")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelError(f"cannot create the folder for {str(path)!r}: {error.strerror}") from None
    bad = next((word for word in model.words if "\n" in word or not word or not utf8_encodable(word)), None)
    if bad is not None:
        raise ModelError(f"cannot save the word {bad!r}: words must be non-empty UTF-8 text and hold no line break")
    require_finite(model.vectors, model.words, "the model to save", unit_rows=bool(model.params.get("normalize", False)))
    if len(model.key_to_index) != len(model):
        duplicate = next(word for row, word in enumerate(model.words) if model.key_to_index[word] != row)
        raise ModelError(f"cannot save the word {duplicate!r} twice: the words of a model must be distinct")
    view_files = _view_files(model)
    phrases = getattr(model, "phrases", None)  # read before the swap: a loaded model reads them from the old directory
    if phrases is not None:
        phrases_text = phrases.to_text().encode("utf-8")
        view_files[PHRASES_FILE] = lambda out: out.write(phrases_text)
    _remove_stale_temporaries(target)
    temp = temporary_sibling(target, "tmp")
    try:
        temp.mkdir()
        vectors = np.ascontiguousarray(model.vectors, dtype=np.float32)
        counts = model.counts if model.counts is not None else np.zeros(len(model), dtype=np.int64)
        vocab_bytes = "".join(f"{word}\t{int(count)}\n" for word, count in zip(model.words, counts)).encode("utf-8")
        meta = json.dumps(metadata_of(model, vocab_bytes), indent=2, sort_keys=True, default=_json_default)
        _write_all(temp, {
            VECTORS_FILE: _npy_writer(vectors),
            VOCAB_FILE: lambda f: f.write(vocab_bytes),
            **view_files,
            **(extra_files or {}),
            META_FILE: lambda f: f.write(meta.encode("utf-8")),
        })
        fsync_directory(temp)
        _swap_into_place(temp, target)
    except OSError as error:
        shutil.rmtree(temp, ignore_errors=True)
        raise ModelError(
            f"cannot write the model to {str(path)!r}: {os_error_reason(error)}; the previous model (if any) is unchanged"
        ) from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


#: Files of a model written at once: writing fresh pages into the page cache is work for a core
#: (two threads wrote four 110 MB files in 0.34-0.39 s against 0.73-0.97 s one after another).
_WRITERS = 4


def _write_all(directory: Path, files: Mapping[str, Callable[[BinaryIO], object]]) -> None:
    """Each of ``files`` (name: writer) as a new, synced file in ``directory``, on threads; the first failure is raised once all end.

    The threads are daemons, joined here: Ctrl-C interrupts the wait at once (the caller
    removes the directory), and a thread still writing does not hold up the exit.
    """
    import threading

    names = iter(list(files))
    lock = threading.Lock()
    failures: dict[str, BaseException] = {}

    def write_each() -> None:
        while True:
            with lock:
                name = next(names, None)
            if name is None:
                return
            try:
                write_synced(directory / name, files[name])
            except BaseException as error:  # handed to the caller's thread
                failures[name] = error

    threads = [threading.Thread(target=write_each, daemon=True) for _ in range(min(_WRITERS, available_cores(), len(files)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in files:
        if name in failures:
            raise failures[name]


def save_vectors(model: WordVectors, path: str | Path, file_format: str | None = None) -> None:
    """Write ``model`` to ``path`` in ``file_format`` (default: :func:`format_for_path`), atomically.

    Parameters
    ----------
    model : WordVectors
        The vectors.
    path : str or path-like
        Output file (or directory, for ``"model"``).
    file_format : {"model", "word2vec", "word2vec-binary", "glove", "npy"}, optional
        The format; by default it follows the name.
    """
    file_format = file_format or format_for_path(path)
    if file_format == "model":
        save_model(model, path)
    elif file_format in ("word2vec", "word2vec-binary"):
        save_word2vec_format(model, path, binary=file_format == "word2vec-binary")
    elif file_format == "glove":
        save_glove_format(model, path)
    elif file_format == "npy":
        save_npy_pair(model, path)
    else:
        raise ParameterError(f"unknown format {file_format!r}; choose one of: {', '.join(FORMATS)}")

def _swap_into_place(temp: Path, target: Path) -> None:
    if not target.exists():
        os.rename(temp, target)
    elif _exchange(temp, target):
        shutil.rmtree(temp, ignore_errors=True)  # temp now holds the old model
    else:
        old = temporary_sibling(target, "old")
        os.rename(target, old)
        os.rename(temp, target)
        shutil.rmtree(old, ignore_errors=True)
    fsync_directory(target.parent)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in model metadata")


# -- the kept corpus ---------------------------------------------------------------------


def _npy_writer(array: np.ndarray) -> Callable[[BinaryIO], None]:
    """A writer of ``array`` as ``np.save`` writes it, a block of rows at a time (a spilled array one block in memory)."""

    def write(handle: BinaryIO) -> None:
        if not is_spilled(array):
            np.save(handle, array, allow_pickle=False)  # refuses objects, as a model must
            return
        np.lib.format.write_array_header_1_0(handle, np.lib.format.header_data_from_array_1_0(array))
        fortran = array.flags.f_contiguous and not array.flags.c_contiguous  # written in the order the header says
        try:
            handle.fileno()
            real_file = True
        except (AttributeError, OSError):  # io.UnsupportedOperation is an OSError
            real_file = False
        for _, block in row_blocks(array.T if fortran else array):
            block = np.ascontiguousarray(block)
            if real_file:
                block.tofile(handle)  # as np.save writes, so a short write is the same error
            else:
                handle.write(memoryview(block).cast("B"))

    return write


def kept_count_files(counted: CountedCorpus) -> dict[str, Callable[[BinaryIO], None]]:
    """The files that keep ``counted`` in a model directory: ``extra_files`` of :func:`save_model`.

    The co-occurrence matrix in CSR form (three ``.npy`` arrays) and the corpus as ids
    (:class:`CorpusIds`: a word list, its counts and the id stream, 4 bytes a token). No pickle.
    """
    if counted.corpus_ids is None or counted.matrix is None:
        raise ValueError("a corpus counted without keep_corpus=True, or already factorised without keeping the matrix")
    matrix = counted.matrix
    corpus = counted.corpus_ids
    words_text = "".join(f"{word}\n" for word in corpus.words).encode("utf-8")
    files = {name: _npy_writer(getattr(matrix, part)) for part, name in MATRIX_FILES.items()}
    files[WORDS_FILE] = lambda handle: handle.write(words_text)
    files[WORD_COUNTS_FILE] = _npy_writer(np.asarray(corpus.counts, dtype=np.int64))
    files[IDS_FILE] = _npy_writer(np.asarray(corpus.ids, dtype=np.int32))
    return files
