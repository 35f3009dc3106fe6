"""Write vectors in other tools' formats: word2vec text and binary, GloVe, and a .npy matrix with its words.

The readers of these formats, in :mod:`wordvec.formats`, make :class:`wordvec.vectors.WordVectors`, so
they import :mod:`wordvec.vectors`. The writers take the model by what it offers (``words``,
``vectors``, ``dim``) and never import it, so that :mod:`wordvec.model_writer`, which
``WordVectors.save`` uses, can use them without an import cycle. :mod:`wordvec.formats`, where they
lived before, imports each of them, so ``wordvec.formats.save_word2vec_format`` still works. The
markers of unfinished ``.npy`` pair writes are here too: the writer leaves them, and the reader asks
:func:`unfinished_pair_write` about them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from .arrays import require_finite
from .errors import ModelError, ParameterError, WordvecError, os_error_reason
from .files import fsync_directory, utf8_encodable, write_atomically, write_synced
from .options import VECTOR_FORMATS

if TYPE_CHECKING:
    # In annotations only: WordVectors.save imports model_writer, which imports this module.
    from .vectors import WordVectors

#: What separates the fields of a row in the word2vec and GloVe formats: the ASCII whitespace
#: of ``bytes.split`` (other Unicode spaces may be part of a word, as in fastText's files).
FIELD_SEPARATORS = " \t\n\r\x0b\x0c"


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

    Raises
    ------
    ModelError
        A word or a vector that the format cannot give back (see Notes); nothing is written.
    WordvecError
        The file cannot be written; an existing file stays as it was.

    Notes
    -----
    The file is what ``gensim.models.KeyedVectors.load_word2vec_format(path,
    binary=...)`` and word2vec's ``distance`` read. Written atomically (see
    :func:`wordvec.files.write_atomically`). Only what :func:`wordvec.formats.load_word2vec_format`
    reads back is written: distinct, non-empty words without whitespace (the ASCII
    whitespace of :data:`FIELD_SEPARATORS`, which separates the fields) or NUL, and
    finite vectors.
    """
    file_format = "word2vec-binary" if binary else "word2vec"
    vectors = _checked_for_writing(model, file_format, path)
    write_atomically(path, lambda out: _write_rows(model.words, vectors, out, binary=binary, header=True))


def save_glove_format(model: WordVectors, path: str | Path) -> None:
    """Write vectors in GloVe's text format: ``word v1 v2 ...`` lines, no header.

    Written atomically (see :func:`wordvec.files.write_atomically`), and only what
    :func:`wordvec.formats.load_word2vec_format` reads back, as for :func:`save_word2vec_format`;
    also refused: a first word that begins with U+FEFF (read as a byte order mark) and, for
    vectors of one dimension, a first word of digits (read as a word2vec header).
    """
    vectors = _checked_for_writing(model, "glove", path)
    write_atomically(path, lambda out: _write_rows(model.words, vectors, out, binary=False, header=False))


def save_npy_pair(model: WordVectors, path: str | Path) -> Path:
    """Write the matrix to ``path`` (``.npy``, float32, no pickle) and the words, one a line, to ``path`` + ``.vocab``.

    The two files are replaced as one: a reader never takes the old matrix with the new
    words, whose rows would all be another word's vector. Both are written in full to
    hidden temporaries (``.NAME.pair-PID-RANDOM.npy`` and ``.vocab``) and synced; then an
    empty-of-data marker ``.NAME.pair-PID-RANDOM`` (naming the temporaries) is written,
    both temporaries are renamed into place, and the marker is deleted. A write killed
    between the two renames leaves its marker, by which :func:`wordvec.formats.load_npy_pair`
    refuses the pair instead of misreading it; the next save of the pair removes it. Writers
    of pairs in one folder take turns (a lock on the folder), so two writes cannot mix either.

    A marker was chosen over a checksum or id shared by the files because neither file
    can hold one: the ``.npy`` header takes no extra keys, and a line added to the
    ``.vocab`` file would be read as a word by every other tool.

    Returns
    -------
    Path
        The vocabulary file's path.

    Raises
    ------
    ModelError
        A word cannot be held one a line (a line end, a carriage return, NUL, an empty or
        repeated word, a first word that begins with U+FEFF) or a vector is not finite;
        nothing is written.
    WordvecError
        The files cannot be written; existing files stay as they were.
    """
    target = Path(path).absolute()
    vocabulary = Path(f"{target}.vocab")
    vectors = _checked_for_writing(model, "npy", path)
    vocab_bytes = "".join(f"{word}\n" for word in model.words).encode("utf-8")
    renamed = 0
    try:
        with _pair_lock(target.parent, exclusive=True):
            marker = target.parent / f".{_pair_key(target.name)}.pair-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            temporaries = _pair_temporaries(marker)
            try:
                write_synced(temporaries[0], lambda out: np.save(out, vectors, allow_pickle=False))
                write_synced(temporaries[1], lambda out: out.write(vocab_bytes))
                write_synced(marker, lambda out: out.write("".join(f"{t.name}\n" for t in temporaries).encode()))
                fsync_directory(target.parent)
                os.replace(temporaries[0], target)
                renamed = 1
                os.replace(temporaries[1], vocabulary)
                renamed = 2
                fsync_directory(target.parent)
                # Holding the lock, every other marker of this pair is a killed writer's.
                for other in _pair_markers(target):
                    for leftover in (other, *_pair_temporaries(other)):
                        leftover.unlink(missing_ok=True)
                fsync_directory(target.parent)
            except BaseException:
                if renamed == 0:
                    for leftover in (*temporaries, marker):
                        leftover.unlink(missing_ok=True)
                raise
    except OSError as error:
        broken = f"; {target.name} and {vocabulary.name} no longer match: write them again" if renamed == 1 else ""
        raise WordvecError(f"cannot write {str(path)!r}: {os_error_reason(error)}{broken}") from None
    return vocabulary


def _checked_for_writing(model: WordVectors, file_format: str, path: str | Path) -> np.ndarray:
    """The float32 matrix to write, once the words and the vectors are known to read back as they are."""
    _refuse_unwritable_words(model.words, file_format, path, model.dim)
    with np.errstate(over="ignore"):
        vectors = np.asarray(model.vectors, dtype=np.float32)
    require_finite(vectors, model.words, "the model to write (as float32)")
    return vectors


#: Characters a format cannot hold in a word: format -> ((characters, what they are, formats that hold them), ...).
_UNWRITABLE_CHARACTERS = {
    "text": (
        ("\n", "a line end", ""),
        ("\r", "a carriage return", "model"),
        ("\x00", "a NUL character", "model"),
        (" \t\x0b\x0c", "whitespace", "npy or model"),
    ),
    "npy": (
        ("\n", "a line end", ""),
        ("\r", "a carriage return", "model"),
        ("\x00", "a NUL character", "model"),
    ),
}


def _refuse_unwritable_words(words: Sequence[str], file_format: str, path: str | Path, dim: int) -> None:
    """Refuse, before anything is written, words that ``file_format`` would not give back as they are."""

    def refuse(word: str, problem: str, holders: str) -> None:
        remedy = f"write it as {holders}" if holders else "no format can hold it: change or drop the word"
        raise ModelError(f"cannot write the word {word!r} to {str(path)!r}: {problem}; {remedy}")

    joined = "".join(words)
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        word = next(word for word in words if not utf8_encodable(word))
        refuse(word, "it is not valid Unicode (a lone surrogate)", "")
    distinct = set(words)
    if "" in distinct:
        refuse("", f"the word of row {list(words).index('')} is empty", "")
    if len(distinct) != len(words):
        seen: set[str] = set()
        duplicate = next(word for word in words if word in seen or seen.add(word))  # type: ignore[func-returns-value]
        raise ModelError(f"cannot write the word {duplicate!r} twice to {str(path)!r}: the words of a vector file must be distinct")
    for characters, what, holders in _UNWRITABLE_CHARACTERS["npy" if file_format == "npy" else "text"]:
        if any(character in joined for character in characters):
            word = next(word for word in words if any(character in word for character in characters))
            why = " (it separates the fields of a row)" if what == "whitespace" else ""
            refuse(word, f"{file_format} cannot hold {what} in a word{why}", holders)
    if file_format in ("glove", "npy") and words and words[0].startswith("\ufeff"):
        refuse(words[0], f"a {file_format} file cannot begin with U+FEFF, which is read as a byte order mark", "word2vec or model")
    if file_format == "glove" and dim == 1 and words and words[0].isascii() and words[0].isdigit():
        refuse(words[0], "a GloVe file of 1-dimensional vectors that begins with a number reads as a word2vec header", "word2vec or model")



def _write_rows(words: Sequence[str], vectors: np.ndarray, out: BinaryIO, *, binary: bool, header: bool) -> None:
    if header:
        out.write(f"{len(words)} {vectors.shape[1]}\n".encode())
    if binary:
        little_endian = vectors.astype("<f4")
        for word, row in zip(words, little_endian):
            out.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
    else:
        row_format = " ".join(["%.6g"] * vectors.shape[1])
        for word, row in zip(words, vectors.tolist()):
            out.write(f"{word} {row_format % tuple(row)}\n".encode("utf-8"))


# -- the markers of .npy pair writes ------------------------------------------------------


def _pair_key(name: str) -> str:
    """The part of a pair's hidden file names that names the pair: its name, or a digest of a long one.

    A file name may be 255 bytes; the marker adds about 30, so long names are hashed.
    """
    encoded = os.fsencode(name)
    return name if len(encoded) <= 200 else hashlib.sha256(encoded).hexdigest()[:32]


def _pair_markers(target: Path) -> list[Path]:
    """The markers of unfinished writes of the pair ``target`` (and ``target``.vocab)."""
    pattern = re.compile(rf"\.{re.escape(_pair_key(target.name))}\.pair-\d+-[0-9a-f]{{8}}")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / name for name in names if pattern.fullmatch(name)]


def _pair_temporaries(marker: Path) -> tuple[Path, Path]:
    return Path(f"{marker}.npy"), Path(f"{marker}.vocab")


@contextlib.contextmanager
def _pair_lock(directory: Path, *, exclusive: bool) -> Iterator[bool]:
    """Hold the lock of the pair writers of ``directory``: exclusive (waiting for it), or shared if free.

    Yields whether the lock is held: a shared lock is not waited for, and a writer
    holding the exclusive one is what a reader needs to know about.
    """
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def unfinished_pair_write(target: Path) -> str | None:
    """``"writing"`` while a save of the pair runs, ``"interrupted"`` if one was killed between its renames, else None."""
    markers = _pair_markers(target)
    if not markers:
        return None
    try:
        with _pair_lock(target.parent, exclusive=False) as free:
            if not free:
                return "writing"
            # No writer is running, so these markers are killed writers'. One whose temporaries
            # are both still there had renamed neither: the pair is the old one, whole.
            if all(all(temporary.exists() for temporary in _pair_temporaries(marker)) for marker in markers):
                return None
            return "interrupted"
    except OSError:
        return "interrupted"


# -- the name of a format ----------------------------------------------------------------


#: The formats :func:`wordvec.model_writer.save_vectors` writes; ``model`` is a wordvec model directory.
FORMATS = VECTOR_FORMATS
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
