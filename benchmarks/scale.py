"""Build the bench corpus in one process, on local worker processes and on a 2-worker Dask LocalCluster.

Each build is a `wordvec build` subprocess timed with /usr/bin/time; the models are then compared:
vocabulary (words and counts), co-occurrence statistics (pairs counted, PPMI non-zeros, leading
singular values) and vectors, bit for bit.

    python benchmarks/scale.py                 # the 18 files of ../shared/corpora
    python benchmarks/scale.py corpora/*.gz    # any corpus
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    args = parser.parse_args()
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
