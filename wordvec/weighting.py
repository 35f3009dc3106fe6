"""The old name of :mod:`wordvec.ppmi` (PPMI is one of three weightings wordvec has), kept for one release."""

from .deprecation import warn_renamed
from .ppmi import ppmi

__all__ = ["ppmi"]

warn_renamed("wordvec.weighting", "wordvec.ppmi", stacklevel=2)
