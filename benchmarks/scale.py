"""Build the bench corpus in one process, on local worker processes and on a 2-worker Dask LocalCluster; or N copies of it.

Each build is a `wordvec build` subprocess timed with /usr/bin/time; the models are then compared:
vocabulary (words and counts), co-occurrence statistics (pairs counted, PPMI non-zeros, leading
singular values) and vectors, bit for bit.

    python benchmarks/scale.py                 # the 18 files of ../shared/corpora
    python benchmarks/scale.py corpora/*.gz    # any corpus

With ``--copies N [N ...]``, it builds instead corpora of N copies of the bench corpus, grown as a
real corpus grows (``--work DIR`` keeps the copies for the next run):

    python benchmarks/scale.py --copies 1 4 10 40 --work /tmp/scale

The copies' scheme: the bench corpus is tokenized once (wordvec's tokenizer, a file of
space-separated tokens, one line a corpus line); copy 0 is that file; in copy k (k >= 1) every word
of frequency rank above 30,000 in the bench corpus is spelled with the suffix ``q`` + k in base 26
letters (``zebra`` -> ``zebraqb`` in copy 1), so frequent words recur in every copy while rare words
are new in each, and the vocabulary and the distinct pairs grow with the corpus as in a larger
corpus, where rare words keep appearing. Each build runs with ``-v``; the script samples the
resident memory of the build and all its processes (every 0.1 s, from /proc) and prints, per N: the
tokens, the vocabulary, seconds per stage, tokens a second per core through reading, tokenizing
and counting, and the peak memory of all processes together and of the largest one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from quality import SHARED, timed_run
from wordvec.storage import load_model
from wordvec._cores import available_cores

RUNS = {
    "single process (--workers 1)": ["--workers", "1"],
    f"local processes (--workers {available_cores()}, the default)": [],
    "Dask LocalCluster, 2 workers (--dask local:2)": ["--dask", "local:2"],
}


#: Words of frequency rank above this are spelled anew in each copy.
FREQUENT_WORDS = 30_000


def copy_suffix(copy: int) -> str:
    """The suffix of copy ``copy``'s rare words: ``q`` and the copy's number in base-26 letters (1 -> ``qb``)."""
    letters = ""
    while True:
        copy, digit = divmod(copy, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
        if copy == 0:
            return "q" + letters


def write_copies(tokens: Path, copies: int, work: Path) -> list[Path]:
    """Copies 0 .. ``copies - 1`` of the tokenized corpus (see the module docstring), written once into ``work``."""
    paths = [work / f"copy-{copy:03d}.txt" for copy in range(copies)]
    missing = [copy for copy, path in enumerate(paths) if not path.exists()]
    if not missing:
        return paths
    lines = tokens.read_text(encoding="utf-8").splitlines()
    counts: dict[str, int] = {}
    for line in lines:
        for word in line.split():
            counts[word] = counts.get(word, 0) + 1
    rare = set(sorted(counts, key=lambda word: (-counts[word], word))[FREQUENT_WORDS:])
    for copy in missing:
        suffix = copy_suffix(copy)
        temporary = paths[copy].with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            for line in lines:
                words = line.split()
                if copy:
                    words = [word + suffix if word in rare else word for word in words]
                out.write(" ".join(words) + "\n")
        temporary.rename(paths[copy])
        print(f"wrote {paths[copy].name}", file=sys.stderr, flush=True)
    return paths


def build_copies(copies: list[int], work: Path) -> None:
    """Build each number of copies, sampling the memory of every process; print one table."""
    import subprocess
    import time

    from memory_profile import descendants, resident_gb
    from quality import tokens_in

    tokens = tokens_in(work, sorted((SHARED / "corpora").glob("*.txt.gz")))
    paths = write_copies(tokens, max(copies), work)
    rows = []
    for count in copies:
        output = work / f"model-{count}"
        command = [sys.executable, "-m", "wordvec.cli", "build", *map(str, paths[:count]), "-o", str(output), "-q"]
        started = time.perf_counter()
        process = subprocess.Popen(command)
        total_peak = largest_peak = 0.0
        while process.poll() is None:
            sizes = [resident_gb(pid) for pid in descendants(process.pid)]
            total_peak, largest_peak = max(total_peak, sum(sizes)), max(largest_peak, max(sizes, default=0.0))
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            sys.exit(f"the build of {count} copies failed")
        stats = load_model(output).stats
        stages = stats["seconds"]
        reading_counting = stages.get("read_tokenize", 0) + stages.get("count", 0)
        rate = stats["tokens"] / reading_counting / available_cores() if reading_counting else 0.0
        rows.append((count, stats, seconds, rate, total_peak, largest_peak))
        print(f"{count} copies: {seconds:.1f} s", file=sys.stderr, flush=True)
    stages = list(dict.fromkeys(stage for row in rows for stage in row[1]["seconds"]))
    print(f"cores: {available_cores()}\n")
    print("| copies | tokens | vocabulary | wall s | " + " | ".join(f"{stage} s" for stage in stages)
          + " | tokens/s/core, read+tokenize+count | peak GB, all processes | peak GB, largest process |")
    print("|" + "---|" * (7 + len(stages)))
    for count, stats, seconds, rate, total_peak, largest_peak in rows:
        print(f"| {count} | {stats['tokens']:,} | {stats['vocab_size']:,} | {seconds:.1f} | "
              + " | ".join(f"{stats['seconds'].get(stage, 0):.1f}" for stage in stages)
              + f" | {rate / 1e6:.2f}M | {total_peak:.2f} | {largest_peak:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--copies", type=int, nargs="+", help="build these numbers of copies of the bench corpus instead")
    parser.add_argument("--work", type=Path, help="with --copies: keep the tokens, copies and models here")
    args = parser.parse_args()
    if args.copies:
        if any(count < 1 for count in args.copies):
            sys.exit("--copies takes numbers of copies from 1 up")
        with tempfile.TemporaryDirectory(prefix="wordvec-copies-") as scratch:
            work = args.work or Path(scratch)
            work.mkdir(parents=True, exist_ok=True)
            build_copies(args.copies, work)
        return
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.gz"))
    with tempfile.TemporaryDirectory(prefix="wordvec-scale-") as directory:
        rows = []
        models = []
        for number, (name, options) in enumerate(RUNS.items()):
            output = Path(directory) / f"model-{number}"
            command = [sys.executable, "-m", "wordvec.cli", "build", *map(str, corpus), "-o", str(output), "-q", *options]
            seconds, peak = timed_run(command)
            models.append(load_model(output))
            rows.append((name, seconds, peak))
            print(f"{name}: {seconds:.1f} s", file=sys.stderr)
        first = models[0]
        print(f"corpus: {len(corpus)} files, {first.stats['tokens']:,} tokens, vocabulary {len(first):,}\n")
        print("| build | seconds | peak RSS, largest process (GB) | vocabulary | counts | vectors |")
        print("|---|---|---|---|---|---|")
        for (name, seconds, peak), model in zip(rows, models):
            same_vocabulary = model.words == first.words and np.array_equal(model.counts, first.counts)
            same_counts = all(
                model.stats[key] == first.stats[key] for key in ("cooccurrence_pairs", "ppmi_nonzeros", "singular_values")
            )
            same_vectors = np.array_equal(np.asarray(model.vectors), np.asarray(first.vectors))
            marks = ["identical" if same else "DIFFERENT" for same in (same_vocabulary, same_counts, same_vectors)]
            print(f"| {name} | {seconds:.1f} | {peak:.2f} | {' | '.join(marks)} |")


if __name__ == "__main__":
    main()
