"""Read and write vectors in other tools' formats: word2vec text and binary (gensim, word2vec, fastText's .vec), GloVe, and a .npy matrix with its words."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import ModelError, ParameterError
from .vectors import WordVectors


def save_word2vec_format(model: WordVectors, path: str | Path, *, binary: bool = False) -> None:
    """Write vectors in the word2vec format: a ``COUNT DIM`` header, then one word a line.

    Parameters
    ----------
    model : WordVectors
        The vectors to write (as stored, i.e. unit length for wordvec models).
    path : str or path-like
        Output file.
    binary : bool, default False
        Text rows (``word v1 v2 ...``) or the binary layout of word2vec's ``-binary 1``:
        the word, a space, ``DIM`` little-endian float32 values and a newline.

    Notes
    -----
    The file is what ``gensim.models.KeyedVectors.load_word2vec_format(path,
    binary=...)`` and word2vec's ``distance`` read.
    """
    from .storage import write_atomically

    write_atomically(path, lambda out: _write_rows(model, out, binary=binary, header=True))


def save_glove_format(model: WordVectors, path: str | Path) -> None:
    """Write vectors in GloVe's text format: ``word v1 v2 ...`` lines, no header.

    Written atomically (see :func:`wordvec.storage.write_atomically`).
    """
    from .storage import write_atomically

    write_atomically(path, lambda out: _write_rows(model, out, binary=False, header=False))


def save_npy_pair(model: WordVectors, path: str | Path) -> Path:
    """Write the matrix to ``path`` (``.npy``, no pickle) and the words, one a line, to ``path`` + ``.vocab``.

    Each file is written atomically. Returns the vocabulary file's path. :func:`load_npy_pair`
    (and :func:`wordvec.load`) read the pair back.
    """
    from .storage import save_array, write_atomically

    vocabulary = Path(f"{path}.vocab")
    if any("\n" in word for word in model.words):
        raise ModelError("a word contains a line end; it cannot be written one word a line")
    write_atomically(vocabulary, lambda out: out.write("".join(f"{word}\n" for word in model.words).encode("utf-8")))
    save_array(np.asarray(model.vectors, dtype=np.float32), path)
    return vocabulary


def load_npy_pair(path: str | Path) -> WordVectors:
    """Read a matrix ``.npy`` file and its ``.vocab`` words file written by :func:`save_npy_pair` (or by hand).

    Raises
    ------
    ModelError
        A file is missing, the ``.npy`` holds no 2-D float matrix (a pickled object is
        refused without being loaded), or the word count differs from the rows.
    """
    path = Path(path)
    vocabulary = Path(f"{path}.vocab")
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
        words = vocabulary.read_text(encoding="utf-8").split("\n")[:-1]
    except FileNotFoundError as error:
        raise ModelError(f"{error.filename!r} is missing; a .npy matrix needs its words in {vocabulary.name}") from None
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise ModelError(f"{str(path)!r} is not a float matrix with its words ({error})") from None
    if vectors.ndim != 2 or vectors.dtype.kind != "f":
        raise ModelError(f"{str(path)!r} holds a {vectors.ndim}-D {vectors.dtype} array, not a matrix of vectors")
    if len(words) != len(vectors) or len(set(words)) != len(words):
        raise ModelError(
            f"{vocabulary.name} lists {len(words)} words ({len(set(words))} distinct) for {len(vectors)} rows in {path.name}"
        )
    return WordVectors(words, vectors, params={"normalize": False, "source": str(path)})


def _write_rows(model: WordVectors, out: BinaryIO, *, binary: bool, header: bool) -> None:
    vectors = np.asarray(model.vectors, dtype=np.float32)
    if header:
        out.write(f"{len(model)} {model.dim}\n".encode())
    if binary:
        little_endian = vectors.astype("<f4")
        for word, row in zip(model.words, little_endian):
            out.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
    else:
        row_format = " ".join(["%.6g"] * model.dim)
        for word, row in zip(model.words, vectors.tolist()):
            out.write(f"{word} {row_format % tuple(row)}\n".encode("utf-8"))


def load_word2vec_format(path: str | Path, *, binary: bool | None = None) -> WordVectors:
    """Read vectors in the word2vec text or binary format, or GloVe's text format.

    Parameters
    ----------
    path : str or path-like
        The file.
    binary : bool, optional
        Binary or text; by default it is detected from the content.

    Returns
    -------
    WordVectors
        Without counts (the format has none); rows are kept as written.

    Raises
    ------
    ModelError
        The file is missing or not in a word2vec or GloVe format.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"no vector file at {str(path)!r}")
    with open(path, "rb") as handle:
        first_line = handle.readline(1 << 16)
        header = first_line.split()
        has_header = len(header) == 2 and all(part.isdigit() for part in header)
        if binary is None:
            binary = has_header and not _is_text_record(handle.readline(1 << 20), int(header[1]))
        handle.seek(len(first_line) if has_header else 0)
        if binary:
            if not has_header:
                raise ModelError(f"{str(path)!r} has no 'COUNT DIM' header; it is not a word2vec binary file")
            words, vectors = _read_binary(handle, int(header[0]), int(header[1]), path)
        else:
            words, vectors = _read_text(handle, path, expected_dim=int(header[1]) if has_header else None)
    if has_header and len(words) != int(header[0]):
        raise ModelError(f"{str(path)!r} is truncated: its header announces {int(header[0])} words, it holds {len(words)}")
    if len(set(words)) != len(words):
        raise ModelError(f"{str(path)!r} lists a word twice; it is corrupt")
    return WordVectors(words, vectors, params={"normalize": False, "source": str(path)})


def _is_text_record(line: bytes, dim: int) -> bool:
    """True if ``line`` is a text-format row: a word and ``dim`` numbers."""
    try:
        fields = line.decode("utf-8").split()
        [float(value) for value in fields[1:]]
    except (UnicodeDecodeError, ValueError):
        return False
    return len(fields) == dim + 1


def _read_text(handle: BinaryIO, path: Path, expected_dim: int | None) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    rows: list[np.ndarray] = []
    for number, raw in enumerate(handle, start=2 if expected_dim else 1):
        line = raw.decode("utf-8", errors="replace").rstrip()
        if not line:
            continue
        word, _, values = line.partition(" ")
        try:
            row = np.array(values.split(), dtype=np.float32)
        except ValueError:
            row = np.empty(0, dtype=np.float32)
        if len(row) == 0:
            raise ModelError(
                f"{str(path)!r} line {number}: expected a word and numbers; it is neither a wordvec model "
                "directory nor a word2vec/GloVe vectors file"
            )
        if expected_dim is None:
            expected_dim = len(row)
        if len(row) != expected_dim or expected_dim == 0:
            raise ModelError(f"{str(path)!r} line {number}: {len(row)} values where {expected_dim} were expected")
        words.append(word)
        rows.append(row)
    if not rows:
        raise ModelError(f"{str(path)!r} holds no vectors")
    return words, np.vstack(rows)


def _read_binary(handle: BinaryIO, count: int, dim: int, path: Path) -> tuple[list[str], np.ndarray]:
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
            more = handle.read(1 << 20)
            if not more:
                raise ModelError(f"{str(path)!r} is truncated after {row} of {count} vectors")
            buffer = buffer[position:] + more
            position = 0
        words.append(buffer[position:space].lstrip(b"\n").decode("utf-8", errors="replace"))
        vectors[row] = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + row_bytes
    return words, vectors


#: The formats :func:`save_vectors` writes; ``model`` is a wordvec model directory.
FORMATS = ("model", "word2vec", "word2vec-binary", "glove", "npy")
_FORMAT_OF_SUFFIX = {".bin": "word2vec-binary", ".vec": "word2vec", ".txt": "word2vec", ".npy": "npy"}


def format_for_path(path: str | Path) -> str:
    """The format a path's name asks for: ``.bin`` word2vec binary, ``.vec``/``.txt`` word2vec text,
    ``.npy`` a matrix with a ``.vocab`` file, no suffix a wordvec model directory.

    Raises
    ------
    ParameterError
        Another suffix: the format must then be named.
    """
    suffix = Path(path).suffix.lower()
    if not suffix:
        return "model"
    if suffix not in _FORMAT_OF_SUFFIX:
        raise ParameterError(
            f"cannot tell the format of {str(path)!r} from its name (.bin, .vec, .txt, .npy, or none for a model); "
            f"name it with --to (file_format in Python): one of {', '.join(FORMATS)}"
        )
    return _FORMAT_OF_SUFFIX[suffix]


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
        from .storage import save_model

        save_model(model, path)
    elif file_format in ("word2vec", "word2vec-binary"):
        save_word2vec_format(model, path, binary=file_format == "word2vec-binary")
    elif file_format == "glove":
        save_glove_format(model, path)
    elif file_format == "npy":
        save_npy_pair(model, path)
    else:
        raise ParameterError(f"unknown format {file_format!r}; choose one of: {', '.join(FORMATS)}")
