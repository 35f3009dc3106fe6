"""Give freed heap memory back to the operating system between the stages of a build."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


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
