"""Sweep the hyperparameters of Levy, Goldberg & Dagan (2015) on a corpus and print a quality table.

Usage::

    python benchmarks/sweep.py [CORPUS ...] [--eval-dir ../shared/eval] [--quick]

With no CORPUS, the bench corpus (all of ../shared/corpora). The corpus is counted once per
counting configuration (window, weighting, subsampling); for each count matrix the PPMI and SVD are
computed once per (cds, neg), and the variants that only change how the SVD is used (eig, w+c) are
derived from the same factors, so nothing is recomputed that a row does not change. Each row is
scored on WordSim-353 and SimLex-999 (Spearman) and the Google analogies over the 30k most frequent
words (3CosAdd and 3CosMul).
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from wordvec.evaluate import evaluate_word_analogies, evaluate_word_pairs
from wordvec.pipeline import count_corpus
from wordvec.svd import embed, randomized_svd
from wordvec.vectors import WordVectors
from wordvec.ppmi import ppmi

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

COUNTINGS = [
    {"window": 5, "distance_weighting": "harmonic"},
    {"window": 5, "distance_weighting": "harmonic", "subsample": 1e-5},
    {"window": 5, "distance_weighting": "harmonic", "subsample": 1e-4},
    {"window": 2, "distance_weighting": "harmonic"},
    {"window": 10, "distance_weighting": "harmonic"},
]
WEIGHTINGS = [{"cds": 0.75, "neg": 1.0}, {"cds": 1.0, "neg": 1.0}]
USES = [{"eig": eig, "add_context": add_context} for eig, add_context in itertools.product((0.0, 0.5), (False, True))]


def score(model: WordVectors, eval_dir: Path) -> dict[str, float]:
    """WordSim-353, SimLex-999 and Google add/mul (top 30k) of a model."""
    return {
        "ws353": evaluate_word_pairs(model, eval_dir / "wordsim353.tsv").spearman,
        "simlex": evaluate_word_pairs(model, eval_dir / "simlex999.txt").spearman,
        "add": evaluate_word_analogies(model, eval_dir / "questions-words.txt", method="add", restrict_vocab=30000).accuracy,
        "mul": evaluate_word_analogies(model, eval_dir / "questions-words.txt", method="mul", restrict_vocab=30000).accuracy,
    }


def describe(settings: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in settings.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="only the first counting configuration")
    args = parser.parse_args()
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz"))
    countings = COUNTINGS[:1] if args.quick else COUNTINGS
    header = f"{'counting':<46} {'weighting':<18} {'use':<24} {'WS353':>6} {'SimLex':>6} {'add':>6} {'mul':>6}"
    print(header)
    print("-" * len(header), flush=True)
    for counting in countings:
        started = time.perf_counter()
        counted = count_corpus(corpus, dim=args.dim, **counting)
        count_seconds = time.perf_counter() - started
        for weighting in WEIGHTINGS:
            started = time.perf_counter()
            u, s, vt = randomized_svd(ppmi(counted.matrix, **weighting), args.dim, seed=0)
            svd_seconds = time.perf_counter() - started
            for use in USES:
                vectors = embed(u, s, vt, **use)
                model = WordVectors(counted.vocabulary.words, vectors, counted.vocabulary.counts, params={"normalize": True})
                result = score(model, args.eval_dir)
                print(
                    f"{describe(counting):<46} {describe(weighting):<18} {describe(use):<24} "
                    f"{result['ws353']:6.3f} {result['simlex']:6.3f} {result['add']:6.3f} {result['mul']:6.3f}",
                    flush=True,
                )
            print(f"# counted in {count_seconds:.0f} s, PPMI+SVD in {svd_seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
