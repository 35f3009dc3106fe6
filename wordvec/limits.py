"""The accepted ranges of the build's parameters, shared by the library's checks and the command line's options.

Kept apart from :mod:`wordvec.pipeline`, which imports numpy and scipy, so that the
command line can state its option ranges without slowing every command's start.
"""

from __future__ import annotations

#: Largest window: harmonic weights are counted as integers scaled by lcm(1..window),
#: which must stay far below the int64 limit (lcm(1..20) is about 2.3e8, lcm(1..43) passes 2**63).
MAX_WINDOW = 20
#: Most worker processes a build may use.
MAX_WORKERS = 256
#: Largest context-distribution smoothing exponent ``cds`` (it must be above 0).
MAX_CDS = 10
#: Largest PPMI shift ``neg`` (it must be above 0). Whether a shift leaves any positive PPMI
#: depends on the corpus, so the build checks the result rather than a tighter range.
MAX_NEG = 1e6
#: Largest magnitude of the eigenvalue weighting exponent ``eig``.
MAX_EIG = 10
