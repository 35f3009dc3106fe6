"""The files wordvec reads, checked before use (regular files opened without blocking, ``.npy`` headers against the file's length), what they can hold, and how it writes files atomically."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import ParameterError, WordvecError, os_error_reason

if TYPE_CHECKING:
    import numpy as np


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, for a message: ``"a named pipe (FIFO)"``, ``"a directory"``..."""
    for test, kind in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def write_synced(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Create the new file ``path`` with ``write(binary_file)`` and sync it to disk (an existing file is an error).

    The writers of wordvec write a new, hidden file this way and then rename it over its
    target, so that a reader sees the old file or the whole new one.
    """
    with open(path, "xb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_directory(directory: str | Path) -> None:
    """Sync a directory's entries to disk, so that a rename in it survives a crash."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def utf8_encodable(word: str) -> bool:
    """False for a string that UTF-8 cannot encode (a lone surrogate, left by undecodable bytes), so no file can hold it."""
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class NotRegularFileError(OSError):
    """A path to read names a directory, named pipe, socket or device instead of a regular file.

    Attributes
    ----------
    kind : str
        What it is, as :func:`file_kind` says.
    """

    def __init__(self, kind: str, filename: str) -> None:
        super().__init__(errno.EINVAL, f"{kind}, not a regular file", filename)
        self.kind = kind

    def __str__(self) -> str:
        return self.strerror


def open_regular_file(path: str | Path, *, dir_fd: int | None = None) -> BinaryIO:
    """Open a regular file to read, refusing anything else without ever waiting on it.

    The file is opened non-blocking, since opening a named pipe would otherwise wait
    for a writer forever, and its kind is checked on the open descriptor, so a file
    swapped for a pipe between a check and the open is refused too.

    Parameters
    ----------
    path : str or path-like
        The file; relative to ``dir_fd`` if given.
    dir_fd : int, optional
        An open directory the path is relative to.

    Returns
    -------
    binary file
        Open for reading, in blocking mode.

    Raises
    ------
    NotRegularFileError
        The path is not a regular file.
    OSError
        It cannot be opened (missing, no permission).
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), dir_fd=dir_fd)
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise NotRegularFileError(file_kind(mode), os.fspath(path))
    os.set_blocking(descriptor, True)
    return open(descriptor, "rb")


@dataclass(frozen=True)
class NpyHeader:
    """The header of a ``.npy`` file, checked against the file's length.

    Attributes
    ----------
    shape : tuple of int
    dtype : numpy.dtype
    fortran_order : bool
    offset : int
        Where the data starts.
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    offset: int


def read_npy_header(handle: BinaryIO) -> NpyHeader:
    """Read and check the header of the ``.npy`` file open as ``handle`` (at its start), reading no data.

    The data that the header announces must be exactly what follows it in the file, so
    a header that claims more values than the file holds never allocates them, and an
    object array (which only pickle can read) is refused before anything is unpickled.

    Raises
    ------
    ValueError
        With the reason: not a ``.npy`` file, an unknown version, a header that is no
        Python literal, an object or structured dtype, or a size that differs from the
        file's.
    """
    import numpy as np  # here, so that checking a corpus file's kind does not load numpy

    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    try:
        version = np.lib.format.read_magic(handle)
        if version not in readers:
            raise ValueError(f".npy format version {version[0]}.{version[1]} is not one numpy writes")
        with warnings.catch_warnings():  # numpy warns of headers written by Python 2, which it reads
            warnings.simplefilter("ignore")
            shape, fortran_order, dtype = readers[version](handle)
    except ValueError as error:
        reason = " ".join(str(error).split())
        if reason.startswith(("malformed node", "Cannot parse header")):  # literal_eval's words, with an address
            reason = "its header cannot be parsed"
        raise ValueError(reason[:200]) from None
    except Exception:  # noqa: BLE001 - numpy's parser lets its tokenizer's and literal_eval's errors through
        raise ValueError("its header cannot be parsed") from None
    if dtype.hasobject:
        raise ValueError("it holds Python objects, which only pickle could read; it is not read")
    if dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"it holds records of {dtype}, not numbers")
    offset = handle.tell()
    size = os.fstat(handle.fileno()).st_size - offset
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if expected != size:
        raise ValueError(
            f"its header announces {' x '.join(map(str, shape)) or 'one'} {dtype} values ({expected:,} bytes), "
            f"but {size:,} bytes follow it"
        )
    return NpyHeader(tuple(shape), dtype, bool(fortran_order), offset)


#: Bytes a temporary's name adds to its target's: ``.`` before, ``.tmp``, ``-PID`` (up to 10 digits), ``-RANDOM``.
_TEMP_EXTRA_BYTES = 1 + 4 + 11 + 9
#: Bytes of the ``~HASH`` that a long name's temporary holds instead of the name's end.
_TEMP_HASH_BYTES = 1 + 16


def temporary_prefix(target: Path, kind: str) -> str:
    """How the temporaries of ``target`` begin: ``.NAME.KIND``, or ``.NAM.KIND~HASH`` for a long name.

    A name so long that ``.NAME.tmp-PID-RANDOM`` might exceed the folder's longest file
    name is cut (at a character boundary) and followed by a hash of the whole name, so the
    temporary still fits and names its target alone.

    Parameters
    ----------
    target : Path
        The file or directory the temporaries stand in for.
    kind : str
        What they are, such as ``"tmp"`` (a new version being written) or ``"old"``.

    Returns
    -------
    str
        The start of the temporaries' names, without the ``-PID-RANDOM`` that follows.
    """
    name = os.fsencode(target.name)
    try:
        longest = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    if len(name) + _TEMP_EXTRA_BYTES <= longest:
        return f".{target.name}.{kind}"
    cut = max(longest - _TEMP_EXTRA_BYTES - _TEMP_HASH_BYTES, 1)
    while cut > 1 and name[cut] & 0xC0 == 0x80:  # not inside a UTF-8 character
        cut -= 1
    digest = hashlib.blake2b(name, digest_size=8).hexdigest()
    return f".{os.fsdecode(name[:cut])}.{kind}~{digest}"


def temporary_sibling(target: Path, kind: str) -> Path:
    """A new hidden, recognisable path next to ``target``: ``.NAME.KIND-PID-RANDOM``.

    Parameters
    ----------
    target : Path
        The file or directory the temporary stands in for.
    kind : str
        What it is (see :func:`temporary_prefix`).

    Returns
    -------
    Path
        A path in ``target``'s folder, named after ``target`` and this process.
    """
    return target.parent / f"{temporary_prefix(target, kind)}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def check_output_path(output: str | Path, inputs: Sequence[str | Path] = ()) -> None:
    """Refuse an output path whose write would destroy something instead of making a file.

    Every writer of wordvec (models, vector files, arrays, images) calls this first;
    commands also pass their inputs. Refused are:

    - a symbolic link: the atomic rename would replace the link itself, not its target;
    - an existing device node, named pipe or socket: it would be replaced by a regular file;
    - a path that is an input of the same command, is inside one (a file in an input
      model or corpus folder), or holds one (a folder around an input file): the
      command would read what it is replacing.

    Parameters
    ----------
    output : str or path-like
        The file or directory to be written.
    inputs : sequence of str or path-like, optional
        What the same command reads; ``-`` (standard input) and URLs are ignored.

    Raises
    ------
    ParameterError
        The output is one of the above, with what to do instead.
    """
    path = Path(output)
    if path.is_symlink():
        raise ParameterError(
            f"{str(output)!r} is a symbolic link; wordvec replaces files atomically and would replace the link, "
            "not its target: write to the target's own path or to another name"
        )
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise ParameterError(f"cannot check the output path {str(output)!r}: {os_error_reason(error)}") from None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ParameterError(
            f"{str(output)!r} is {file_kind(mode)}, not a file wordvec can replace; write to a regular file"
        )
    target = Path(os.path.realpath(path))
    for source in inputs:
        if not isinstance(source, (str, os.PathLike)):  # a URL (CorpusURL) is never a local file
            continue
        text = os.fspath(source)
        if text == "-" or "://" in text:
            continue
        read = Path(os.path.realpath(text))
        same = read == target or (mode is not None and os.path.exists(read) and os.path.samefile(read, target))
        if same or read.is_relative_to(target) or target.is_relative_to(read):
            relation = "is" if same else "holds" if read.is_relative_to(target) else "is inside"
            raise ParameterError(
                f"the output {str(output)!r} {relation} the input {text!r}; writing it would destroy what this "
                "command reads: choose another output path"
            )


def save_array(array: np.ndarray, path: str | Path) -> None:
    """Write ``array`` to the ``.npy`` file ``path`` atomically, without pickle.

    See :func:`write_atomically`.

    Raises
    ------
    WordvecError
        The file cannot be written (missing folder, no permission, disk full).
    """
    import numpy as np  # every command reads files; only some write arrays

    write_atomically(path, lambda handle: np.save(handle, array, allow_pickle=False))


def write_atomically(path: str | Path, write: Callable[[Any], None]) -> None:
    """Write a file with ``write(binary_file)`` so that ``path`` is either the old file or the whole new one.

    The content goes to a hidden temporary file in the same directory, is synced to disk
    and renamed over ``path``, so a reader never sees half a file and a failed write
    leaves an existing file as it was.

    Raises
    ------
    WordvecError
        The file cannot be written (missing folder, no permission, disk full), or ``path``
        is a symbolic link or a device (see :func:`check_output_path`).
    """
    check_output_path(path)
    target = Path(path).absolute()
    temp = temporary_sibling(target, "tmp")
    try:
        with open(temp, "xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        fsync_directory(target.parent)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WordvecError(f"cannot write {str(path)!r}: {os_error_reason(error)}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def read_user_text(path: str | Path, what: str) -> str:
    """A small text file the user names (a list of words, say), as UTF-8, or a one-line error.

    ``what`` names the file in the messages (``"the anchors file"``). Only a regular file is
    read (a device or a pipe could be read forever); a UTF-8 byte-order mark is dropped.

    Raises
    ------
    ParameterError
        The file cannot be read, is not a regular file, or is not UTF-8.
    """
    try:
        with open_regular_file(path) as file:
            return file.read().decode("utf-8").removeprefix("\ufeff")
    except OSError as error:
        raise ParameterError(f"cannot read {what} {str(path)!r}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ParameterError(f"{what} {str(path)!r} is not UTF-8 text (byte {error.start})") from None


def word_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """The numbered lines of ``text`` split into whitespace-separated fields, blank lines and ``#`` comments skipped."""
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            yield number, fields
