"""Resident memory of a command and its child processes over time, and each process's peak.

Usage::

    python benchmarks/memory_profile.py [--every 0.5] -- wordvec build CORPUS... -o MODEL --quiet

Samples ``VmRSS`` of the command and all its descendants (the counting workers) every 0.1 s from
/proc (Linux), prints one line per ``--every`` seconds with the resident GB of each process, then
the peak of each. ``/usr/bin/time -v`` gives only the largest peak; this shows which stage and
which process it belongs to.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, index = [pid], 0
    while index < len(found):
        try:
            for task in os.listdir(f"/proc/{found[index]}/task"):
                with open(f"/proc/{found[index]}/task/{task}/children") as children:
                    found.extend(int(child) for child in children.read().split())
        except OSError:  # the process ended meanwhile
            pass
        index += 1
    return found


def resident_gb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.5, help="seconds between printed lines")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    process = subprocess.Popen(command)
    started = last_line = time.perf_counter()
    peaks: dict[int, float] = {}
    while process.poll() is None:
        sizes = {pid: resident_gb(pid) for pid in descendants(process.pid)}
        for pid, size in sizes.items():
            peaks[pid] = max(peaks.get(pid, 0.0), size)
        now = time.perf_counter()
        if now - last_line >= args.every:
            last_line = now
            print(f"{now - started:7.1f} s  " + "  ".join(f"{pid}:{size:.2f}" for pid, size in sizes.items() if size > 0.05),
                  flush=True)
        time.sleep(0.1)
    print(f"exit {process.returncode} after {time.perf_counter() - started:.1f} s; peak GB by process: "
          + ", ".join(f"{pid} {size:.2f}" for pid, size in sorted(peaks.items()) if size > 0.05))


if __name__ == "__main__":
    main()
