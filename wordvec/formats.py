"""Read and write vectors in other tools' formats: word2vec text and binary (gensim, word2vec, fastText's .vec), GloVe, and a .npy matrix with its words.

The readers are here: they make :class:`wordvec.vectors.WordVectors`, so this module imports
:mod:`wordvec.vectors`. The writers live in :mod:`wordvec.format_writers`, which does not, so that
``WordVectors.save`` can reach them without an import cycle; they are imported here, so that
``wordvec.formats.save_word2vec_format`` and the rest work as before.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .arrays import require_finite
from .deprecation import warn_renamed
from .errors import ModelError, ParameterError, os_error_reason
from .files import NotRegularFileError, open_regular_file, read_npy_header
from .format_writers import (  # noqa: F401 - the writers, importable here as before they moved
    FIELD_SEPARATORS,
    FORMATS,
    format_for_path,
    save_glove_format,
    save_npy_pair,
    save_word2vec_format,
)
from .format_writers import unfinished_pair_write
from .vectors import WordVectors

_SEPARATOR_OR_NUL = re.compile(rb"[ \t\n\r\x0b\x0c\x00]")
_BOM = b"\xef\xbb\xbf"
#: Longest text row (and binary word) read: far above any real one, a bound on what a damaged file costs.
_MAX_LINE_BYTES = 1 << 26
_MAX_WORD_BYTES = 1 << 16
#: Digits of a header number: more than any file can hold (and int() refuses over 4,300).
_MAX_HEADER_DIGITS = 18
#: Rows of a GloVe file (whose row count is unknown) gathered into one block before the next.
_TEXT_BLOCK_ROWS = 1 << 14
#: How long a load of a .npy pair waits for a write of the pair by a live process to finish.
_PAIR_WAIT_SECONDS = 5.0
_PAIR_WAIT_STEP = 0.02


# -- reading ------------------------------------------------------------------------------


def load_word2vec_format(path: str | Path, *, binary: bool | None = None, unicode_errors: str = "strict") -> WordVectors:
    """Read vectors in the word2vec text or binary format, or GloVe's text format.

    Parameters
    ----------
    path : str or path-like
        The file.
    binary : bool, optional
        Binary or text; by default it is detected from the content.
    unicode_errors : str, default "strict"
        What to do with a word that is not UTF-8, as in ``bytes.decode`` (and gensim's
        parameter of this name): ``"strict"`` refuses the file, naming the row;
        ``"replace"`` reads the bad bytes as U+FFFD (so the word read is not the word
        written, and two words may become one, which is refused as a repeated word).

    Returns
    -------
    WordVectors
        Without counts (the format has none); rows are kept as written.

    Raises
    ------
    ModelError
        The file is missing, not a regular file, or not in a word2vec or GloVe format:
        among others, a header whose numbers the file's length cannot hold, more or
        fewer rows than the header announces, an empty, repeated or non-UTF-8 word, a
        word with whitespace or NUL in a binary file, a NaN or infinite value.

    Notes
    -----
    A text row is a word and numbers separated by ASCII whitespace (:data:`FIELD_SEPARATORS`);
    other Unicode spaces are part of a word. A UTF-8 byte order mark at the start of the
    file is skipped. Blank lines are skipped; rows end with LF or CRLF.
    """
    path = Path(path)
    where = repr(str(path))
    _check_error_handler(unicode_errors)
    try:
        with _open_regular_file(path, f"no vector file at {where}") as handle:
            words, vectors = _read_vectors_file(handle, where, binary, unicode_errors)
    except MemoryError:
        raise ModelError(f"not enough memory to load {where}") from None
    except OSError as error:
        raise ModelError(f"cannot read {where}: {os_error_reason(error)}") from None
    return WordVectors(words, vectors, params={"normalize": False, "source": str(path)})


def _read_vectors_file(
    handle: BinaryIO, where: str, binary: bool | None, unicode_errors: str
) -> tuple[list[str], np.ndarray]:
    size = os.fstat(handle.fileno()).st_size
    start = len(_BOM) if handle.read(len(_BOM)) == _BOM else 0
    handle.seek(start)
    first_line = handle.readline(1 << 16)
    header = first_line.split()
    header_like = len(header) >= 2 and header[0].isdigit() and header[1].isdigit()
    has_header = header_like and len(header) == 2
    if header_like and not has_header:
        # A GloVe row whose word is a number, or a header with more fields: GloVe rows all have as many fields.
        second_line = handle.readline(_MAX_LINE_BYTES).split()
        if second_line and len(second_line) != len(header):
            raise ModelError(f"{where} line 1 is not a word2vec header: it has {len(header)} fields where 'COUNT DIM' has 2")
    body = start + len(first_line) if has_header else start
    count = dim = None
    if has_header:
        count, dim = _header_numbers(header, where, size - body)
        handle.seek(body)
        if binary is None:
            binary = not _is_text_record(handle.readline(_MAX_LINE_BYTES), dim)
    elif binary:
        raise ModelError(f"{where} has no 'COUNT DIM' header; it is not a word2vec binary file")
    handle.seek(body)
    if binary:
        assert count is not None and dim is not None
        if count * (4 * dim + 2) > size - body:
            raise ModelError(
                f"{where} has a header announcing {count:,} binary vectors of {dim:,} values, more than its "
                f"{size - body:,} bytes after the header can hold; it is truncated or not a word2vec binary file"
            )
        words, vectors = _read_binary(handle, where, count, dim, unicode_errors)
    else:
        words, vectors = _read_text(handle, where, count, dim, 2 if has_header else 1, unicode_errors)
        if count is not None and len(words) != count:
            raise ModelError(f"{where} is truncated: its header announces {count} words, it holds {len(words)}")
    _refuse_repeated_words(words, where)
    require_finite(vectors, words, where)
    return words, vectors


def _header_numbers(header: list[bytes], where: str, body_bytes: int) -> tuple[int, int]:
    """COUNT and DIM of a ``COUNT DIM`` header, once the file's length is known to hold as many text rows."""
    if any(len(part) > _MAX_HEADER_DIGITS for part in header):
        raise ModelError(f"{where} has a header announcing more vectors than any file holds; it is corrupt")
    count, dim = int(header[0]), int(header[1])
    if count == 0 or dim == 0:
        raise ModelError(f"{where} has a header announcing {count} vectors of {dim} values; a vector file needs at least one of one")
    # A text row takes at least two bytes a value (a digit and a space); a binary row more.
    if count * 2 * dim > body_bytes:
        raise ModelError(
            f"{where} has a header announcing {count:,} vectors of {dim:,} values, more than its {body_bytes:,} bytes "
            "after the header can hold; it is truncated or corrupt"
        )
    return count, dim


def _check_error_handler(unicode_errors: str) -> None:
    import codecs

    try:
        codecs.lookup_error(unicode_errors)
    except (LookupError, TypeError):
        raise ParameterError(f"unicode_errors must be an error handler of bytes.decode, such as 'strict' or 'replace'; got {unicode_errors!r}") from None


@contextlib.contextmanager
def _open_regular_file(path: Path, missing: str) -> Iterator[BinaryIO]:
    """Open ``path`` to read if it is a regular file (never waiting on a FIFO); ``missing`` is the message if it does not exist."""
    try:
        handle = open_regular_file(path)
    except FileNotFoundError:
        raise ModelError(missing) from None
    except NotRegularFileError as error:
        raise ModelError(f"{str(path)!r} is {error.kind}, not a file of vectors") from None
    except OSError as error:
        raise ModelError(f"cannot read {str(path)!r}: {os_error_reason(error)}") from None
    with handle:
        yield handle


def _parse_numbers(fields: list[bytes]) -> np.ndarray | None:
    """The values of a text row as float32, or None if there are none or one is not a number."""
    if not fields:
        return None
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # out-of-range values become inf, refused later with their word
            return np.array(fields, dtype=np.float32)
    except ValueError:
        return None


def _is_text_record(line: bytes, dim: int) -> bool:
    """True if ``line`` is a text-format row: a word and ``dim`` numbers."""
    fields = line.split()
    return len(fields) == dim + 1 and _parse_numbers(fields[1:]) is not None


def _decode_word(raw: bytes, where: str, unicode_errors: str) -> str:
    """The word of a row (``where`` names the row), refused if empty, holding whitespace or NUL, or not UTF-8."""
    bad = _SEPARATOR_OR_NUL.search(raw)
    if bad:
        what = "NUL" if bad.group() == b"\x00" else "whitespace"
        raise ModelError(f"{where}: the word {raw!r} holds {what}; the file is corrupt or not in a word2vec format")
    try:
        word = raw.decode("utf-8", unicode_errors)
    except UnicodeDecodeError:
        raise ModelError(
            f"{where}: the word {raw!r} is not UTF-8; in Python, load_word2vec_format(path, unicode_errors='replace') "
            "reads it with U+FFFD for the bad bytes"
        ) from None
    if not word:
        raise ModelError(f"{where}: the word is empty; the file is corrupt or not in a word2vec format")
    return word


def _read_text(
    handle: BinaryIO, where: str, count: int | None, dim: int | None, first_number: int, unicode_errors: str
) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    # With a header the rows go straight into their matrix (its size checked against the file's);
    # a GloVe file is read a block of rows at a time.
    blocks: list[np.ndarray] = []
    block = np.empty((count, dim), dtype=np.float32) if count is not None and dim is not None else None
    filled = 0
    number = first_number - 1
    while raw := handle.readline(_MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > _MAX_LINE_BYTES:
            raise ModelError(f"{where} line {number} is longer than {_MAX_LINE_BYTES:,} bytes; it is not a vectors file")
        fields = raw.split()
        if not fields:
            continue
        if b"\r" in raw.rstrip(b"\r\n"):
            raise ModelError(f"{where} line {number} holds a carriage return inside it; rows must end with LF or CRLF")
        row = _parse_numbers(fields[1:])
        if row is None:
            raise ModelError(
                f"{where} line {number}: expected a word and numbers; it is neither a wordvec model "
                "directory nor a word2vec/GloVe vectors file"
            )
        if dim is None:
            dim = len(row)
        if len(row) != dim:
            raise ModelError(f"{where} line {number}: {len(row)} values where {dim} were expected")
        if count is not None and len(words) == count:
            raise ModelError(f"{where} holds more rows than the {count:,} its header announces (line {number})")
        if block is None or filled == len(block):
            if block is not None:
                blocks.append(block)
            block, filled = np.empty((_TEXT_BLOCK_ROWS, dim), dtype=np.float32), 0
        words.append(_decode_word(fields[0], f"{where} line {number}", unicode_errors))
        block[filled] = row
        filled += 1
    if not words or block is None:
        raise ModelError(f"{where} holds no vectors")
    blocks.append(block[:filled])
    return words, blocks[0] if len(blocks) == 1 else np.concatenate(blocks)


def _read_binary(handle: BinaryIO, where: str, count: int, dim: int, unicode_errors: str) -> tuple[list[str], np.ndarray]:
    vectors = np.empty((count, dim), dtype=np.float32)
    words: list[str] = []
    row_bytes = 4 * dim
    buffer = b""
    position = 0
    for row in range(count):
        while True:
            space = buffer.find(b" ", position)
            if space >= 0 and len(buffer) - space - 1 >= row_bytes:
                break
            if space < 0 and len(buffer) - position > _MAX_WORD_BYTES:
                raise ModelError(f"{where} row {row}: no word ends within {_MAX_WORD_BYTES:,} bytes; the file is corrupt")
            more = handle.read(max(1 << 20, row_bytes))
            if not more:
                raise ModelError(f"{where} is truncated after {row} of {count} vectors")
            buffer = buffer[position:] + more
            position = 0
        # Rows end with a line end (word2vec's and gensim's writers), which the next word follows.
        words.append(_decode_word(buffer[position:space].lstrip(b"\n"), f"{where} row {row}", unicode_errors))
        vectors[row] = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + row_bytes
    rest = buffer[position:]
    while not rest.strip():
        rest = handle.read(1 << 20)
        if not rest:
            return words, vectors
    raise ModelError(f"{where} holds more than the {count:,} vectors its header announces (data after row {count - 1})")


def _refuse_repeated_words(words: list[str], where: str) -> None:
    if len(set(words)) == len(words):
        return
    first_row: dict[str, int] = {}
    for row, word in enumerate(words):
        if word in first_row:
            raise ModelError(f"{where} lists the word {word!r} twice (rows {first_row[word]} and {row}); it is corrupt")
        first_row[word] = row


def load_npy_pair(path: str | Path) -> WordVectors:
    """Read a matrix ``.npy`` file and its ``.vocab`` words file written by :func:`save_npy_pair` (or by hand).

    The ``.npy`` header is checked before anything is read (a 2-D float32 or float64
    matrix, its size the file's: an object array is refused unread, so loading never
    runs code), then the matrix is memory-mapped. The ``.vocab`` file holds one word a
    line, in UTF-8; a byte order mark, CRLF line ends and a missing last line end are
    accepted. A pair whose write was interrupted between its two renames (see
    :func:`save_npy_pair`) is refused; while a save of the pair runs, the load waits for
    it (a few seconds at most).

    Raises
    ------
    ModelError
        A file is missing, not a regular file or malformed, the word count differs from
        the rows, a word is empty, repeated or holds a carriage return or NUL, a value is
        NaN or infinite, or the pair is mismatched by an interrupted write.
    """
    path = Path(path)
    where = repr(str(path))
    vocabulary = Path(f"{path}.vocab")
    deadline = time.monotonic() + _PAIR_WAIT_SECONDS
    while True:
        with (
            _open_regular_file(path, f"no vector file at {where}") as matrix_file,
            _open_regular_file(
                vocabulary, f"{str(vocabulary)!r} is missing; a .npy matrix needs its words in {vocabulary.name}"
            ) as words_file,
        ):
            try:
                model: WordVectors | None = _read_npy_pair(matrix_file, words_file, path, vocabulary)
                failure: ModelError | None = None
            except ModelError as error:
                model, failure = None, error
            except MemoryError:
                raise ModelError(f"not enough memory to load {where}") from None
            except OSError as error:
                raise ModelError(f"cannot read {where}: {os_error_reason(error)}") from None
            # A save renames the matrix and then the words: these must be one save's
            # (neither path renamed since it was opened, no save between its renames).
            replaced = _was_replaced(path, matrix_file) or _was_replaced(vocabulary, words_file)
        write = unfinished_pair_write(path.absolute())
        if write == "interrupted":
            raise ModelError(f"an interrupted write left {where} and {str(vocabulary)!r} mismatched; write them again")
        if write is None and not replaced:
            if failure is not None:
                raise failure
            assert model is not None
            return model
        if time.monotonic() > deadline:
            raise ModelError(f"{where} and {vocabulary.name} are being written by another process; try again when it has finished")
        time.sleep(_PAIR_WAIT_STEP)


def _was_replaced(path: Path, handle: BinaryIO) -> bool:
    opened = os.fstat(handle.fileno())
    try:
        current = os.stat(path)
    except OSError:
        return True
    return (opened.st_dev, opened.st_ino) != (current.st_dev, current.st_ino)


def _read_npy_pair(matrix_file: BinaryIO, words_file: BinaryIO, path: Path, vocabulary: Path) -> WordVectors:
    where = repr(str(path))
    vectors = _map_npy_matrix(matrix_file, where)
    raw = words_file.read(len(vectors) * (_MAX_WORD_BYTES + 2) + len(_BOM) + 1)
    words = _vocabulary_words(raw, repr(str(vocabulary)), len(vectors), path.name)
    require_finite(vectors, words, where)
    return WordVectors(words, vectors, params={"normalize": False, "source": str(path)})


def _map_npy_matrix(handle: BinaryIO, where: str) -> np.ndarray:
    """The matrix of a ``.npy`` file, memory-mapped once its header is checked against the file."""
    not_a_matrix = f"{where} is not a float matrix with its words"
    try:
        header = read_npy_header(handle)
    except ValueError as error:
        raise ModelError(f"{not_a_matrix} ({error})") from None
    shape, dtype = header.shape, header.dtype
    if len(shape) != 2:
        raise ModelError(f"{not_a_matrix} (it holds a {len(shape)}-D array; a matrix has one row a word)")
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise ModelError(f"{not_a_matrix} (it holds {dtype} values, not float32 or float64)")
    rows, dim = shape
    if rows <= 0 or dim <= 0:
        raise ModelError(f"{where} holds no vectors (a {rows} x {dim} matrix)")
    order = "F" if header.fortran_order else "C"
    vectors = np.memmap(handle, dtype=dtype, mode="r", offset=header.offset, shape=shape, order=order)
    if not dtype.isnative:
        return np.asarray(vectors, dtype=dtype.newbyteorder("="))
    return vectors


def _vocabulary_words(raw: bytes, where: str, rows: int, matrix_name: str) -> list[str]:
    """The words of a ``.vocab`` file, one a line, checked to be ``rows`` distinct words."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    lines = raw.count(b"\n") + (1 if raw and not raw.endswith(b"\n") else 0)
    if lines != rows:
        cr_only = " (its lines end with CR alone: use LF or CRLF)" if b"\r" in raw.replace(b"\r\n", b"") else ""
        raise ModelError(f"{where} lists {lines:,} words for the {rows:,} rows of {matrix_name}; they are not a pair{cr_only}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        number = raw.count(b"\n", 0, error.start) + 1
        raise ModelError(f"{where} line {number} is not UTF-8") from None
    words = text.split("\n")
    if text.endswith("\n"):
        words.pop()
    if "\r" in text:
        words = [word[:-1] if word.endswith("\r") else word for word in words]
    for character, what in (("\r", "a carriage return (line ends must be LF or CRLF)"), ("\x00", "a NUL character")):
        if character in text and any(character in word for word in words):
            number = next(number for number, word in enumerate(words, start=1) if character in word)
            raise ModelError(f"{where} line {number}: the word {words[number - 1]!r} holds {what}")
    distinct = set(words)
    if "" in distinct:
        raise ModelError(f"{where} line {words.index('') + 1} is empty; every line holds one word")
    if len(distinct) != len(words):
        first_line: dict[str, int] = {}
        for number, word in enumerate(words, start=1):
            if word in first_line:
                raise ModelError(f"{where} lists the word {word!r} twice (lines {first_line[word]} and {number})")
            first_line[word] = number
    return words


def __getattr__(name: str) -> object:
    # save_vectors moved to wordvec.storage, which writes model directories too (its home
    # now is wordvec.model_writer). Its old home keeps it for one release.
    if name == "save_vectors":
        from .model_writer import save_vectors

        warn_renamed("wordvec.formats.save_vectors", "wordvec.storage.save_vectors", stacklevel=3)
        return save_vectors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
