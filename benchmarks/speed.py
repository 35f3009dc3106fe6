"""Build speed and memory at 1x, 2x and 4x the bench corpus, cold query latency and batch throughput.

Usage::

    python benchmarks/speed.py [--repeats 1 2 4] [--gensim] [--scale-min-count N] [CORPUS ...]

With no CORPUS, the bench corpus (all of ../shared/corpora). The corpus repeated N times is the
file list given N times. Each build is the real ``wordvec build`` under ``/usr/bin/time -v``; the
table gives the seconds of each stage (from the model's metadata), wall seconds, tokens per second
end to end and peak RSS. With ``--gensim``, gensim's Word2Vec (skip-gram, 5 epochs, workers = cores,
same dim/window/min_count, trained on the same tokens as in ``quality.py``) is timed on the 1x
corpus in the same run and the ratio printed: to the median of three builds of the 1x corpus, the
table's, one just before gensim and one just after (the machine is shared: the same build's seconds
move by a fifth from one minute to the next).

Then the queries, on a model of the issue's size: the 100,000 most frequent words (``--query-words``)
of the largest model built, saved as a model of their own (the cost of a query depends only on the
matrix's shape), or the model given with ``--query-model`` (then nothing is built). The median wall
time of 10 cold ``wordvec nearest`` processes, each a new Python process from start to output, after
one warm-up run; they run without ``PYTHONDONTWRITEBYTECODE``, so that Python's compiled-module cache
is used as on a user's machine. Then the throughput of batched ``nearest`` queries for the 5,000 most
frequent words, medians of 5 interleaved runs: as is, with batches in turn (``threads=1``), and the
bare matrix products of the same batches, BLAS's ceiling for them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import wordvec
from quality import GENSIM_TRAIN, timed_run, timed_run_with_stderr, tokenize_to_file
from wordvec._cores import available_cores

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
STAGES = ("read_tokenize", "vocabulary", "count", "weight", "svd", "subwords", "write")


def cold_query_seconds(model_dir: Path, word: str, runs: int = 10) -> list[float]:
    """Wall seconds of ``runs`` fresh ``wordvec nearest`` processes (after one warm-up)."""
    command = [str(Path(sys.executable).with_name("wordvec")), "nearest", word, "-m", str(model_dir), "-k", "10"]
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, check=True, capture_output=True, env=environment)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=environment)
        seconds.append(time.perf_counter() - started)
    return seconds


def product_only_rate(model: wordvec.WordVectors, count: int, batch: int = 256) -> float:
    """Queries per second of the bare float32 products that batched ``nearest`` makes (BLAS's ceiling for it)."""
    unit = np.asarray(model.unit_vectors, dtype=np.float32)
    buffer = np.empty((batch, len(unit)), dtype=np.float32)
    buffer.fill(0.0)  # page faults outside the timing, as in nearest()
    started = time.perf_counter()
    for start in range(0, count - batch + 1, batch):
        np.matmul(unit[start : start + batch], unit.T, out=buffer)
    return (count // batch * batch) / (time.perf_counter() - started)


def time_queries(model_dir: Path, runs: int = 5) -> None:
    """Print the cold start of ``wordvec nearest`` and the batch rates (threads, in turn, bare products)."""
    model = wordvec.load(model_dir)
    cold = cold_query_seconds(model_dir, model.words[100])
    print(f"cold `wordvec nearest` on {len(model):,} x {model.dim}: median {statistics.median(cold):.3f} s "
          f"(runs: {' '.join(f'{s:.2f}' for s in sorted(cold))})")
    queries = model.words[:5000]
    model.nearest(queries[:10])
    # Interleaved, so that a busy spell of this shared machine hits every variant alike.
    rates: dict[str, list[float]] = {"default": [], "in turn": [], "products": []}
    for _ in range(runs):
        for variant, threads in (("default", None), ("in turn", 1)):
            started = time.perf_counter()
            model.nearest(queries, topn=10, threads=threads)
            rates[variant].append(len(queries) / (time.perf_counter() - started))
        rates["products"].append(product_only_rate(model, len(queries)))
    median = {variant: statistics.median(values) for variant, values in rates.items()}

    def runs_of(variant: str) -> str:
        return " ".join(f"{r:,.0f}" for r in sorted(rates[variant]))

    print(f"batch queries, {len(queries):,} on {len(model):,} x {model.dim}, medians of {runs} runs:")
    print(f"  nearest(), a batch per core (threadpoolctl): {median['default']:,.0f} queries/s (runs: {runs_of('default')})")
    print(f"  nearest(threads=1), batches in turn:         {median['in turn']:,.0f} queries/s (runs: {runs_of('in turn')})")
    print(f"  the matrix products alone, in turn:          {median['products']:,.0f} queries/s (runs: {runs_of('products')})")
    print(f"  nearest() reaches {median['default'] / median['products']:.0%} of the bare products' rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--repeats", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--gensim", action="store_true", help="also time gensim Word2Vec on the 1x corpus")
    parser.add_argument("--build-option", action="append", default=[], metavar="OPTION",
                        help="extra option for `wordvec build`, e.g. --build-option=--subsample=0 (repeatable)")
    parser.add_argument("--scale-min-count", type=int, metavar="N",
                        help="build the corpus repeated R times with --min-count N*R: every word's count is R times "
                             "its count in one copy, so the vocabulary is that of --min-count N on one copy and only "
                             "the number of tokens grows")
    parser.add_argument("--query-words", type=int, default=100_000, metavar="N",
                        help="time the queries on the N most frequent words of the largest model (default 100000)")
    parser.add_argument("--query-model", type=Path, metavar="MODEL",
                        help="only time the queries, on this model (no builds)")
    args = parser.parse_args()
    if args.query_model:
        time_queries(args.query_model)
        return
    corpus = [str(p) for p in (args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz")))]
    print(f"{'corpus':<8} {'tokens':>12} " + " ".join(f"{s:>13}" for s in STAGES)
          + f" {'wall s':>8} {'tokens/s':>10} {'words':>8} {'pairs':>12} {'peak GB':>8}")
    with tempfile.TemporaryDirectory(prefix="wordvec-speed-") as work:
        first_model = largest_model = None
        wall_1x = None
        for repeat in args.repeats:
            model_dir = Path(work) / f"model-{repeat}x"
            build = ["wordvec", "build", *(corpus * repeat), "-o", str(model_dir), "--quiet", "--verbose", *args.build_option]
            if args.scale_min_count:
                build.append(f"--min-count={args.scale_min_count * repeat}")
            seconds, peak, stderr = timed_run_with_stderr(build)
            model = wordvec.load(model_dir)
            stages = dict(re.findall(r"(\w+) ([\d.]+)", stderr.split("seconds:", 1)[1].splitlines()[0]))
            stages = {stage: float(value) for stage, value in stages.items()}
            tokens = model.stats["tokens"]
            print(
                f"{repeat}x{'':<6} {tokens:>12,} " + " ".join(f"{stages.get(s, 0):>13.1f}" for s in STAGES)
                + f" {seconds:>8.1f} {tokens / seconds:>10,.0f} {len(model):>8,} {model.stats['cooccurrence_pairs']:>12,}"
                + f" {peak:>8.2f}",
                flush=True,
            )
            if first_model is None:
                first_model, wall_1x = model_dir, seconds
            largest_model = model_dir
        if args.gensim and wall_1x is not None:
            tokens_file = Path(work) / "tokens.txt"
            tokenize_to_file([Path(p) for p in corpus], tokens_file)
            vectors = Path(work) / "gensim.bin"
            rebuild = ["wordvec", "build", *corpus, "-o", str(Path(work) / "model-again"), "--quiet", *args.build_option]
            walls = [wall_1x, timed_run(rebuild)[0]]
            seconds, peak = timed_run([sys.executable, "-c", GENSIM_TRAIN, str(tokens_file), str(vectors), str(available_cores())])
            walls.append(timed_run(rebuild)[0])
            median = statistics.median(walls)
            print(f"wordvec 1x builds: {', '.join(f'{wall:.1f}' for wall in walls)} s (the table's, before and after gensim); median {median:.1f} s")
            print(f"gensim Word2Vec (1x): {seconds:.1f} s, peak {peak:.2f} GB; wordvec is {seconds / median:.1f}x faster (median build)")
        if largest_model is not None:
            query_model = Path(work) / "query-model"
            model = wordvec.load(largest_model)
            size = min(args.query_words, len(model))
            wordvec.save(wordvec.WordVectors(model.words[:size], model.vectors[:size], model.counts[:size],
                                             params=model.params, stats=model.stats), query_model)
            time_queries(query_model)



if __name__ == "__main__":
    main()
