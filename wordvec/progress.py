"""How long work reports its progress: one callback type for every stage, and the callback that reports nothing."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as ``progress(stage, done, total)``; ``total`` is None when unknown.

The build calls it with its stages (``"read"``, ``"count"``, ``"weight"``, ``"svd"``),
evaluation with ``"analogies"`` (``done`` of ``total`` candidate words scored).
"""


def no_progress(stage: str, done: int, total: int | None) -> None:
    """The default :data:`ProgressCallback`: report nothing.

    Parameters
    ----------
    stage : str
        The stage of the work.
    done : int
        How much of it is done.
    total : int or None
        How much there is, None when unknown.
    """
