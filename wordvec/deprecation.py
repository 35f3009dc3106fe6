"""Old names that keep working for one release, with a DeprecationWarning that names the new one.

The README's "Names" section lists the names wordvec uses for each idea; the spellings a
release renamed are accepted here, warned about, and passed on under their new names.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

Function = TypeVar("Function", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is now spelled ``new`` (a DeprecationWarning pointing at the caller's line).

    Parameters
    ----------
    old, new : str
        The names as a user writes them, e.g. ``"wordvec.weighting"`` and ``"wordvec.ppmi"``.
    stacklevel : int, default 3
        As :func:`warnings.warn`'s: 3 points at the caller of the function that warns.
    """
    warnings.warn(f"{old} is now {new}; the old name goes in the next release", DeprecationWarning,
                  stacklevel=stacklevel)


def renamed_keywords(**new_name_of: str) -> Callable[[Function], Function]:
    """Decorate a function so that the keyword arguments renamed ``old=new`` still work, with a warning.

    The decorated function keeps its signature (``help()`` shows the new names only).
    Passing a keyword under both its names is a TypeError, as passing any argument twice is.

    Examples
    --------
    >>> @renamed_keywords(n="topn")
    ... def suggest(word, topn=5):
    ...     return topn
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     suggest("kingg", n=3)
    3
    """

    def decorate(function: Function) -> Function:
        name = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def renaming(*args: Any, **kwargs: Any) -> Any:
            for old, new in new_name_of.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{name}() got {old}= and {new}=, the old and new names of one argument")
                    warn_renamed(f"{name}({old}=...)", f"{name}({new}=...)")
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return renaming  # type: ignore[return-value]

    return decorate


def renamed_attributes(module: str, new_name_of: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that answers the old names of the module's renamed attributes, with a warning.

    Parameters
    ----------
    module : str
        The module's ``__name__``.
    new_name_of : dict
        Old attribute name to its new name in the same module.

    Returns
    -------
    callable
        Assign it to the module's ``__getattr__`` (PEP 562).
    """
    import sys

    def __getattr__(name: str) -> Any:
        if name in new_name_of:
            warn_renamed(f"{module}.{name}", f"{module}.{new_name_of[name]}")
            return getattr(sys.modules[module], new_name_of[name])
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
