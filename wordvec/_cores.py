"""How many CPU cores this process may use, and work spread over them (no heavy imports: the query path needs it too)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from .errors import ParameterError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def in_order_on_threads(function: Callable[..., T], calls: Iterable[tuple], threads: int) -> Iterator[T]:
    """``function(*call)`` for each call, run on ``threads`` threads, the results in the order of the calls.

    At most ``threads`` calls are submitted ahead of the result being read, so the pieces of
    work held at once (and their temporaries) stay bounded however many calls there are.
    numpy's work on large arrays runs mostly outside the GIL, which is what threads gain from.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        waiting = []
        for call in calls:
            waiting.append(pool.submit(function, *call))
            if len(waiting) >= threads:
                yield waiting.pop(0).result()
        for future in waiting:
            yield future.result()


def in_background(function: Callable[..., T], *arguments: object) -> Future[T]:
    """``function(*arguments)`` begun on a thread of its own; its result (or error) from the future returned."""
    from concurrent.futures import ThreadPoolExecutor

    worker = ThreadPoolExecutor(1)
    try:
        return worker.submit(function, *arguments)
    finally:
        worker.shutdown(wait=False)  # the thread ends when the call does


@contextlib.contextmanager
def one_blas_thread_each(batches: int, threads: int | None, *, strict: bool = True) -> Iterator[ThreadPoolExecutor | None]:
    """A pool of ``threads`` (default: a thread per core), BLAS limited to one thread meanwhile; None for one.

    A batch is a matrix product, which BLAS runs on every core, and element-wise work (a
    top-n selection, a normalisation), which runs on one while BLAS's idle threads spin on
    the others. Whole batches on threads of their own, each product on one core, keep every
    core busy. Limiting BLAS needs threadpoolctl (an optional dependency); without it
    batches run in turn, and ``threads`` above one given by the user (``strict``) is an error.
    """
    if threads is not None and threads < 1:
        raise ParameterError(f"threads must be >= 1; got {threads}")
    cores = min(available_cores() if threads is None else threads, batches)
    if cores < 2 or importlib.util.find_spec("threadpoolctl") is None:
        if strict and threads is not None and cores > 1:
            raise ParameterError(f"threads={threads} needs threadpoolctl: pip install 'wordvec[threads]'")
        yield None
        return
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(cores) as pool:
        yield pool
