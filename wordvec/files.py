"""The files wordvec reads, checked before use (regular files opened without blocking, ``.npy`` headers against the file's length), and what they can hold."""

from __future__ import annotations

import errno
import os
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

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
