"""Tall arrays of a large build kept in temporary files, and paged in and out of the process a block of rows at a time."""

from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Callable, Iterator

import numpy as np

#: Arrays of more bytes than this are made by :func:`tall_empty` in a temporary file. The bench
#: corpus's (92k words x 320 float32, 118 MB) stay in memory; a billion-token corpus's (2.5M words,
#: 3.2 GB apiece) would not fit beside each other in a laptop's memory.
SPILL_BYTES = 256 << 20
#: Rows handed out at a time by :func:`row_blocks`.
BLOCK_ROWS = 8192


#: Whether arrays can spill here: pages dropped from the process, and a file's space reserved up front.
_CAN_SPILL = hasattr(mmap, "MADV_DONTNEED") and hasattr(os, "posix_fallocate")


class _SpillMapping(mmap.mmap):
    """A shared mapping of an unlinked temporary file: the memory behind a spilled array."""


def tall_empty(shape: tuple[int, ...], dtype: type | np.dtype = np.float32) -> np.ndarray:
    """An uninitialised array, in memory if small, else mapped from an unlinked temporary file.

    A spilled array is an ordinary writable ndarray, but its pages belong to a file in
    ``tempfile.gettempdir()``: :func:`release` drops those a block of rows no longer
    needs from the process (their contents stay in the file, or in the page cache that
    the operating system may reclaim), so a sweep over it holds one block at a time. The
    file's space is reserved up front, so a full disk is an ``OSError`` here rather than a
    crash when a page is first written; the file is deleted when the array is freed.
    Where the platform cannot drop pages (no ``MADV_DONTNEED``) or reserve a file's space
    (no ``posix_fallocate``: macOS, Windows), every array is in memory.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if not spills(nbytes):
        return np.empty(shape, dtype=dtype)
    with tempfile.TemporaryFile(prefix="wordvec-spill-") as handle:
        os.posix_fallocate(handle.fileno(), 0, nbytes)
        mapping = _SpillMapping(handle.fileno(), nbytes)  # keeps the file alive after the handle closes
    return np.frombuffer(mapping, dtype=dtype).reshape(shape)


def spills(nbytes: int) -> bool:
    """Whether an array of ``nbytes`` goes to a temporary file here (:func:`tall_empty`, :class:`Appender`'s callers)."""
    return nbytes > SPILL_BYTES and _CAN_SPILL


def tall_zeros(shape: tuple[int, ...], dtype: type | np.dtype = np.float32) -> np.ndarray:
    """As :func:`tall_empty`, filled with zeros (a new file reads as zeros: no pages touched).

    In memory, by ``np.zeros``: a large array gets pages of its own that the kernel zeroes
    when they are first written (on the threads that write them) rather than a pass here.
    """
    dtype = np.dtype(dtype)
    if not spills(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize):
        return np.zeros(shape, dtype=dtype)
    return tall_empty(shape, dtype)


def is_spilled(array: np.ndarray) -> bool:
    """Whether ``array`` (or the array it is a view of) was made in a file by :func:`tall_empty`."""
    return _mapping_of(array) is not None


def _mapping_of(array: np.ndarray) -> _SpillMapping | None:
    owner: object = array
    while owner is not None:
        if isinstance(owner, memoryview):
            owner = owner.obj
        if isinstance(owner, _SpillMapping):
            return owner
        owner = getattr(owner, "base", None)
    return None


def release(array: np.ndarray) -> None:
    """Drop the pages of a spilled array, or of a view of part of one, from the process's memory.

    The values stay: the mapping is shared, so its pages are the file's, and the next read
    maps them again (from the page cache, or from disk if the system reclaimed them). Pages
    at the ends that the view shares with its neighbours go too; that is harmless for the
    same reason. Does nothing for an array in memory.
    """
    mapping = _mapping_of(array)
    if mapping is None or array.size == 0:
        return
    low, high = _byte_bounds(array)
    base = np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    first = (low - base) // mmap.PAGESIZE * mmap.PAGESIZE
    last = min(-(-(high - base) // mmap.PAGESIZE) * mmap.PAGESIZE, len(mapping))
    mapping.madvise(mmap.MADV_DONTNEED, first, last - first)


def _byte_bounds(array: np.ndarray) -> tuple[int, int]:
    """The first byte of ``array``'s memory and one past its last, whatever its strides (numpy's ``byte_bounds``, which moved in 2.0)."""
    low = high = array.ctypes.data
    for length, stride in zip(array.shape, array.strides):
        if stride < 0:
            low += (length - 1) * stride
        else:
            high += (length - 1) * stride
    return low, high + array.itemsize


def row_blocks(array: np.ndarray, rows: int = BLOCK_ROWS) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, array[start:start + rows])`` for each block of rows, each released once the next is asked for."""
    for start in range(0, len(array), rows):
        block = array[start : start + rows]
        yield start, block
        release(block)


def tall_copy(array: np.ndarray) -> np.ndarray:
    """A copy of ``array`` made by :func:`tall_empty` (in a file if large), copied a block of rows at a time."""
    copy = tall_empty(array.shape, array.dtype)
    for start, block in row_blocks(array):
        copy[start : start + len(block)] = block
        release(copy[start : start + len(block)])
    return copy


def tall_concatenate(parts: list[np.ndarray]) -> np.ndarray:
    """The rows of ``parts`` one after another, made by :func:`tall_empty` and copied a block of rows at a time."""
    joined = tall_empty((sum(len(part) for part in parts), *parts[0].shape[1:]), np.result_type(*parts))
    offset = 0
    for part in parts:
        for start, block in row_blocks(part):
            joined[offset + start : offset + start + len(block)] = block
            release(joined[offset + start : offset + start + len(block)])
        offset += len(part)
    return joined


class Appender:
    """A one-dimensional array of a length known only at the end, appended in blocks to a temporary file.

    For a large result whose size has only an upper bound (the merged co-occurrence
    counts): the blocks go to the file as they come, so none stays in the process, and
    :meth:`array` maps the file as one spilled array of exactly the length written. A
    full disk is an ``OSError`` from :meth:`append`.
    """

    def __init__(self, dtype: type | np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.length = 0
        self._file = tempfile.TemporaryFile(prefix="wordvec-spill-")

    def append(self, block: np.ndarray) -> None:
        """Write ``block`` (converted to the dtype) after what is there."""
        block = np.ascontiguousarray(block, dtype=self.dtype).reshape(-1)
        self._file.write(memoryview(block).cast("B"))
        self.length += len(block)

    def array(self) -> np.ndarray:
        """Everything appended, as an array mapped from the file (the file goes when the array does)."""
        self._file.flush()
        try:
            if self.length == 0 or not _CAN_SPILL:
                self._file.seek(0)
                return np.fromfile(self._file, dtype=self.dtype, count=self.length)
            return np.frombuffer(_SpillMapping(self._file.fileno(), self.length * self.dtype.itemsize), dtype=self.dtype)
        finally:
            self._file.close()


def any_in_blocks(array: np.ndarray, test: Callable[[np.ndarray], np.ndarray], step: int = 1 << 22) -> bool:
    """``test(array).any()`` of a one-dimensional array, a few million entries at a time, each released after."""
    for start in range(0, len(array), step):
        found = bool(test(array[start : start + step]).any())
        release(array[start : start + step])
        if found:
            return True
    return False


def take_rows(array: np.ndarray, rows: slice | np.ndarray, step: int = 4096) -> np.ndarray:
    """``array[rows]`` as a new array in memory; from a spilled array a few thousand rows at a time, each step's pages released.

    Reading scattered rows of a file mapping maps their neighbours too (the kernel's
    fault-around), so gathering every twentieth row of a spilled array would otherwise
    bring most of it into memory.
    """
    if not is_spilled(array):
        return np.array(array[rows])
    index = np.arange(len(array))[rows] if isinstance(rows, slice) else np.asarray(rows)
    taken = np.empty((len(index), *array.shape[1:]), dtype=array.dtype)
    for start in range(0, len(index), step):
        part = index[start : start + step]
        taken[start : start + len(part)] = array[part]
        release(array[part.min() : part.max() + 1])
    return taken
