"""Compiled loops for the hot stages, with numba: the ``[fast]`` extra.

The numpy code of each stage stays the reference and the path of a plain install; these
kernels give the same results (exact integer counts, bit for bit), several times faster,
because they walk the token stream once instead of materialising every pair. numba compiles
them on first use and caches the machine code (in ``__pycache__`` beside this file, or in
numba's per-user cache directory where that is read-only), so only the first build on a
machine pays for compilation.

Import this module only through :func:`kernels`, which returns None when numba is missing:
the core never imports numba when it loads.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from types import ModuleType

import numpy as np

#: Tokens below which a build counts with numpy: loading the compiled code (about a second
#: once compiled, several seconds the first time on a machine) would cost more than it saves
#: (numpy counts 10M tokens in about 2 s on one core).
MIN_TOKENS = 10_000_000
#: Bytes of text per token, to tell from a corpus's size whether it will reach MIN_TOKENS.
TEXT_BYTES_PER_TOKEN = 6
#: Stored entries of a sparse matrix from which the SVD's products run compiled
#: (:func:`_kernels.gather_product`, on pieces cut by :func:`_kernels.tile_runs`): on the bench
#: corpus's PPMI (36M entries) the eight products of a build save more than loading the kernels costs.
#: The weighting of such a matrix (:func:`_kernels.positive_pmi`) and the count of its columns
#: (:func:`_kernels.count_columns`) go compiled from the same bound: the products load the kernels anyway.
MIN_PRODUCT_ENTRIES = 20_000_000
#: Cells of an n-gram table (rows x dimensions) from which its fit's conjugate-gradient steps
#: run compiled (:func:`_kernels.take_step` and the two beside it, and the sparse products by
#: :func:`_kernels.gather_product` for a table in memory): the bench corpus's table has 53M
#: (175,086 n-grams x 300), and its fit took 3.3-3.4 s against 4.0-4.4 s with the steps alone
#: compiled, 12% less again with the products; the quick start's is far below.
MIN_FIT_CELLS = 50_000_000
#: The environment variable that chooses: "0" never uses the kernels (nor ISA-L's gzip), "1" always does (an
#: error without numba), unset or anything else leaves it to the corpus size.
ENVIRONMENT_SWITCH = "WORDVEC_COMPILED"


def use_for(tokens: int) -> bool:
    """Whether to count ``tokens`` tokens with the compiled kernels (``WORDVEC_COMPILED``, else by size and numba)."""
    return _chosen(tokens >= MIN_TOKENS)


def use_for_products(entries: int) -> bool:
    """Whether the SVD multiplies by (and PPMI weighs) a sparse matrix of ``entries`` stored entries with the compiled kernels (as :func:`use_for`)."""
    return _chosen(entries >= MIN_PRODUCT_ENTRIES)


def use_for_fit(cells: int) -> bool:
    """Whether an n-gram table of ``cells`` cells is fitted with the compiled kernels (as :func:`use_for`)."""
    return _chosen(cells >= MIN_FIT_CELLS)


def accelerated() -> bool:
    """Whether the accelerators may be used at all: not with ``WORDVEC_COMPILED=0``."""
    return os.environ.get(ENVIRONMENT_SWITCH, "") != "0"


def _chosen(large: bool) -> bool:
    """``WORDVEC_COMPILED``'s choice, else whether the work is ``large`` and numba is installed."""
    if not accelerated():
        return False
    if os.environ.get(ENVIRONMENT_SWITCH, "") == "1":
        require_kernels()
        return True
    return large and kernels() is not None


@lru_cache(maxsize=1)
def kernels() -> ModuleType | None:
    """The module of compiled kernels, or None without numba."""
    try:
        from . import _kernels
    except ImportError:
        return None
    return _kernels


def require_kernels() -> ModuleType:
    """The compiled kernels, or a one-line error saying how to install them."""
    from .errors import ParameterError

    module = kernels()
    if module is None:
        raise ParameterError(f"the compiled kernels need numba: pip install 'wordvec[fast]', or unset {ENVIRONMENT_SWITCH}")
    return module


def subsampling_arguments(keep_probability: np.ndarray | None, seed: int) -> tuple[np.ndarray, bool, np.uint64]:
    """``keep_probability``, whether to subsample, and the seed, as :func:`_kernels.kept_tokens` takes them."""
    subsample = keep_probability is not None
    probabilities = np.ascontiguousarray(keep_probability, dtype=np.float64) if subsample else np.ones(1)
    return probabilities, subsample, np.uint64(int(seed) & (2**64 - 1))


def warm_up_in_background() -> threading.Thread | None:
    """Load (or compile) the kernels on a daemon thread, so that they are ready when counting starts.

    Called while worker processes tokenize the corpus and this process waits for them. The
    kernels are run on tiny inputs of the types the build passes, which is what makes numba
    load them. Returns the thread, or None without numba or with the kernels switched off.
    """
    if not accelerated():
        return None

    def warm() -> None:
        module = kernels()
        if module is None:
            return
        tokens = module.kept_tokens(np.zeros(2, dtype=np.int32), 0, *subsampling_arguments(np.ones(1), 0), np.empty(0, dtype=np.int32))
        module.forward_counts(tokens, 0, 1, np.ones(1, dtype=np.int64))
        module.sum_layout_rows(np.zeros((1, 2), dtype=np.int64), np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64), 1, True)
        no_runs, no_entries = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
        module.tile_runs(np.zeros(2, dtype=np.int32), no_entries, np.empty(0, dtype=np.float32), 1, 1,
                         no_runs, no_runs, no_runs, no_entries, np.empty(0, dtype=np.float32))
        module.transpose_runs(np.zeros(2, dtype=np.int32), no_entries, np.empty(0, dtype=np.float32), np.zeros(1, dtype=np.int64), 1,
                              np.zeros(2, dtype=np.int64), no_runs, no_runs, no_runs, no_entries, np.empty(0, dtype=np.float32))
        module.count_columns(np.zeros(1, dtype=np.int32), np.zeros(1, dtype=np.int64))
        module.positive_pmi(np.zeros(1, dtype=np.float32), np.zeros(2, dtype=np.int32), np.zeros(1, dtype=np.int32),
                            np.zeros(1, dtype=np.float32), np.zeros(1, dtype=np.float32), np.float32(0),
                            np.empty(1, dtype=np.float32), np.empty(1, dtype=np.int32), np.empty(2, dtype=np.int64))
        module.gather_product(np.zeros(1, dtype=np.int32), np.zeros(2, dtype=np.int32), no_entries, np.empty(0, dtype=np.float32),
                              np.zeros((1, 1), dtype=np.float32), np.zeros((1, 1), dtype=np.float32))
        cells, one = np.zeros((1, 1), dtype=np.float32), np.zeros(1, dtype=np.float32)
        module.add_ridge_and_curvature(cells, cells, np.float32(1), one)
        module.take_step(cells, cells, cells, cells, cells, one, one, one)
        module.next_direction(cells, cells, one)

    thread = threading.Thread(target=warm, name="wordvec-compile", daemon=True)
    thread.start()
    return thread
