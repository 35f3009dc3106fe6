"""Give freed heap memory back to the operating system between the stages of a build, or keep it for reuse within one."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Iterator


#: ``mallopt`` parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Where glibc's adaptive thresholds end on a 64-bit machine (``DEFAULT_MMAP_THRESHOLD_MAX``, and
#: twice that for trimming): what they are set back to after :func:`reused_heap_pages`.
_MMAP_THRESHOLD_MAX = 32 << 20
_TRIM_THRESHOLD_MAX = 2 * _MMAP_THRESHOLD_MAX


@functools.cache
def _libc_function(name: str):
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim or mallopt)
        return None


def _malloc_trim():
    return _libc_function("malloc_trim")


@contextlib.contextmanager
def reused_heap_pages() -> Iterator[None]:
    """Within: arrays of any size come from the C heap and their pages stay there when freed, for the next ones.

    glibc gives each array above its mmap threshold (128 KiB at first, up to 32 MiB as it
    adapts) pages of its own, which the kernel must fault in and zero, and returns them
    when the array is freed. Counting allocates and frees arrays of tens of MB for every
    block of tokens: with the threshold raised, they reuse the same pages, which took
    about a second off reading and counting the bench corpus (benchmarks/RESULTS.md). On
    leaving, the thresholds are set to where glibc's adaptation ends, and the freed pages
    are returned (:func:`release_freed_memory`). Does nothing where ``mallopt`` does not exist.
    """
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        yield
        return
    mallopt(_M_MMAP_THRESHOLD, 1 << 30)
    mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1)
    try:
        yield
    finally:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_MAX)
        release_freed_memory()


def release_freed_memory() -> None:
    """Return the free pages of the C heap to the operating system (glibc's ``malloc_trim``).

    glibc keeps freed blocks smaller than its adaptive mmap threshold (up to 32 MiB) in the
    heap for reuse, so after a stage frees hundreds of such arrays (blocks of a sparse
    matrix, merged row blocks) the process still holds their pages (for the measured
    amount see benchmarks/RESULTS.md). Trimming between stages keeps the
    resident memory to what is live. Does nothing where ``malloc_trim`` does not exist.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
