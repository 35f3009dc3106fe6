"""Run a batch of wordvec commands in this one process and write a verdict line for each: the fuzz test's probe.

Usage: ``python fuzz_probe.py BATCH.json RESULTS.jsonl``. ``BATCH.json`` lists commands, each
``{"id": ..., "argv": [...]}`` (the ``wordvec`` command line, run as the installed program runs it:
click's standalone mode, which prints ``Error: ...`` and exits 1 for a user error) or ``{"id": ..., "load": PATH}``
(the library's ``wordvec.load``). Before each command a ``start`` line is written and flushed, after it a ``done``
line with the exit status, the output and, for an exception that escaped, its type, message and frames. If the
process dies of a signal or hangs, the last ``start`` line names the command that did it; faulthandler writes
the Python stack of a fatal signal to ``RESULTS.jsonl.crash``.

The address space is capped (``WORDVEC_FUZZ_MEMORY`` bytes, default 4 GiB), so that a file claiming 10^12 rows
fails to allocate instead of swapping the machine.
"""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import sys
import time
import traceback
import warnings
from pathlib import Path

MEMORY_LIMIT = int(os.environ.get("WORDVEC_FUZZ_MEMORY", str(4 << 30)))


def _frames(error: BaseException) -> list[str]:
    return [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(error.__traceback__)]


def _escaped(error: BaseException) -> dict:
    """What an exception that would reach the user as a traceback was, and where it was raised."""
    return {"exception": type(error).__name__, "message": str(error)[:300], "frames": _frames(error)}


def run_cli(argv: list[str]) -> dict:
    from click.testing import CliRunner

    from wordvec.cli import main

    result = CliRunner().invoke(main, argv, prog_name="wordvec")
    verdict = {"exit": result.exit_code, "stdout": result.stdout[:1 << 21], "stderr": result.stderr[:5000]}
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        verdict.update(_escaped(result.exception))
    return verdict


def run_load(path: str) -> dict:
    import numpy as np

    import wordvec
    from wordvec.errors import WordvecError

    try:
        model = wordvec.load(path)
        # Touch every row and word, as a query would.
        summary = f"{len(model.words)} words, vectors {np.asarray(model.vectors).shape}"
        finite = bool(np.isfinite(np.asarray(model.vectors)).all())
    except WordvecError as error:
        return {"exit": 1, "stdout": "", "stderr": f"Error: {error}\n"}
    except Exception as error:  # every other exception is what the fuzz test looks for
        return {"exit": 1, "stdout": "", "stderr": "", **_escaped(error)}
    return {"exit": 0, "stdout": summary + "\n", "stderr": "", "finite": finite}


def main(batch_path: str, results_path: str) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    warnings.simplefilter("always")  # a warning every time it happens, so each command shows its own
    commands = json.loads(Path(batch_path).read_text())
    with open(results_path, "a", encoding="utf-8") as results, open(f"{results_path}.crash", "w") as crash:
        faulthandler.enable(crash)

        def record(entry: dict) -> None:
            results.write(json.dumps(entry) + "\n")
            results.flush()

        for command in commands:
            record({"event": "start", "id": command["id"]})
            started = time.perf_counter()
            verdict = run_load(command["load"]) if "load" in command else run_cli(command["argv"])
            record({"event": "done", "id": command["id"], "seconds": time.perf_counter() - started, **verdict})


if __name__ == "__main__":
    main(*sys.argv[1:])
