"""An n-gram table on its own, in one file: ``wordvec export --format ngrams`` writes it, :func:`load_ngram_table` reads it.

The format (``.ngrams``) is a one-line ASCII header and fixed-size binary records, as word2vec's
binary format is::

    wordvec-ngrams fasttext-fnv1a-32 BUCKETS MIN_N MAX_N ROWS DIM\\n
    ROWS records of: the bucket id (int64, little-endian) and its vector (DIM float32, little-endian)

Bucket ids increase. A word's vector is the mean, over all its character n-grams (fastText's, of
``MIN_N`` to ``MAX_N`` characters of ``<word>``), of the vectors of the buckets they hash to (FNV-1a
of the UTF-8 bytes, each sign-extended, modulo ``BUCKETS``); a bucket without a record adds zero.
In numpy: ``np.fromfile(f, dtype=[("bucket", "<i8"), ("vector", "<f4", (DIM,))])`` after the header.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import ModelError, ParameterError
from .files import open_regular_file, write_atomically
from .model_writer import NGRAM_HASH
from .subwords import NgramTable

#: The first word of the header.
NGRAM_FILE_MAGIC = "wordvec-ngrams"
#: The longest header a file may have (a header is seven short fields).
_MAX_HEADER = 200
#: Records converted at a time when writing (bounds the temporaries).
_ROWS_PER_WRITE = 65_536


def _records(dim: int) -> np.dtype:
    return np.dtype([("bucket", "<i8"), ("vector", "<f4", (dim,))])


def save_ngram_table(table: NgramTable, path: str | Path) -> None:
    """Write ``table`` (its map applied) to ``path`` in the ``.ngrams`` format, atomically.

    Raises
    ------
    ModelError
        A vector of the table is not finite.
    WordvecError
        The file cannot be written, or ``path`` is a link or a device.
    """
    header = (f"{NGRAM_FILE_MAGIC} {NGRAM_HASH} {table.buckets} {table.min_n} {table.max_n} "
              f"{len(table.bucket_ids)} {table.dim}\n").encode("ascii")
    records = _records(table.dim)

    def write(handle: BinaryIO) -> None:
        handle.write(header)
        for start in range(0, len(table.bucket_ids), _ROWS_PER_WRITE):
            part = slice(start, start + _ROWS_PER_WRITE)
            vectors = table.mapped(table.vectors[part])
            if not np.isfinite(vectors).all():
                raise ModelError("the n-gram table holds a non-finite vector; rebuild the model")
            chunk = np.empty(len(vectors), dtype=records)
            chunk["bucket"] = table.bucket_ids[part]
            chunk["vector"] = vectors
            handle.write(chunk.tobytes())

    write_atomically(path, write)


def load_ngram_table(path: str | Path) -> NgramTable:
    """Read a ``.ngrams`` file (see the module's docstring), memory-mapped, every field checked.

    The table composes vectors for any word (``table.compose(words)``); give it to
    :class:`wordvec.WordVectors` as ``subwords=`` to use it with vectors of the same space.

    Raises
    ------
    ModelError
        The file is not an n-gram table, or its header, length, bucket ids or vectors are wrong.
    """
    where = str(path)
    with open_regular_file(path) as handle:
        head = handle.read(_MAX_HEADER)
        if b"\n" not in head:
            raise ModelError(f"{where!r} is not a wordvec n-gram table (no header line); export one with "
                             "`wordvec export --format ngrams`")
        line = head[: head.index(b"\n")]
        fields = line.decode("ascii", errors="replace").split(" ")
        if len(fields) != 7 or fields[0] != NGRAM_FILE_MAGIC:
            raise ModelError(f"{where!r} is not a wordvec n-gram table (its header is {line[:60]!r})")
        if fields[1] != NGRAM_HASH:
            raise ModelError(f"{where!r} hashes n-grams with {fields[1][:40]!r}; wordvec knows only {NGRAM_HASH!r}")
        if not all(field.isdigit() and len(field) <= 12 for field in fields[2:]):
            raise ModelError(f"{where!r} has a malformed header (buckets, lengths, rows and dim must be whole numbers)")
        buckets, min_n, max_n, rows, dim = (int(field) for field in fields[2:])
        if dim < 1:
            raise ModelError(f"{where!r} has a malformed header (dim must be at least 1)")
        records = _records(dim)
        offset = len(line) + 1
        handle.seek(0, 2)
        size = handle.tell()
    expected = offset + rows * records.itemsize
    if size != expected:
        raise ModelError(f"{where!r} is {size:,} bytes where its header promises {expected:,}: the file is truncated "
                         "or damaged; export it again")
    data = np.memmap(path, dtype=records, mode="r", offset=offset, shape=(rows,)) if rows else np.empty(0, records)
    try:
        table = NgramTable(data["vector"], np.asarray(data["bucket"]), buckets, min_n, max_n, source=where)
    except ParameterError as error:
        raise ModelError(f"{where!r} is a damaged n-gram table ({error})") from None
    return table
