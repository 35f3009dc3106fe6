"""How many CPU cores this process may use, and work spread over them (no heavy imports: the query path needs it too)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

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
