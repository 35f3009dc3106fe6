"""The SVD of the bench build: where its time goes, and what fewer sparse products would cost in quality.

Usage::

    python benchmarks/svd_variants.py [--corpus-dir ../shared/corpora] [--eval-dir ../shared/eval] [VARIANT ...]

Counts the bench corpus once (defaults), then factorises the same counts with each variant and
prints one row per variant: seconds of the SVD stage, sparse products (and their total width,
the cost that matters: a product costs about its width times the non-zeros), WordSim-353,
SimLex-999 (the model's similarity view, as ``evaluate_word_pairs`` reads it) and the Google
analogies (3CosAdd, 30k most frequent words). Variants:

- ``power:Q[:S]`` -- wordvec's randomized SVD with Q power iterations (the default is 2) and
  the SVD's seed S (default 0): the Rayleigh-Ritz projection onto the last two iterations'
  blocks together;
- ``plain:Q[:S]`` -- the plain randomized SVD of Halko et al. (Algorithm 4.4), the projection
  onto the last iteration's block alone, as wordvec did before (with Q = 3);
- ``seed:S`` -- the default with the SVD's seed S (how much the seed alone moves the scores);
- ``krylov:D:B`` -- block Krylov (Musco & Musco 2015): the basis of ``[A W, (A A^T) A W, ...,
  (A A^T)^D A W]`` for a Gaussian W of B columns, each block orthogonalised against the ones before
  (twice), and ``A^T Q`` from the products already made, so 2 (D + 1) products of width B.

``plain`` and ``krylov`` are defined here, not in the package: they are what was measured
against the default. Then the products alone: one ``A X`` and one ``A^T X`` of width 320 by the
blocked products of ``wordvec.svd`` at its block size and smaller ones.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import wordvec.svd as svd_module
from wordvec._cores import available_cores
from wordvec.evaluate import evaluate_word_analogies, evaluate_word_pairs
from wordvec.pipeline import count_corpus, factorize
from wordvec.ppmi import ppmi

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
DEFAULT_VARIANTS = [
    "power:2", "plain:3", "power:1", "power:3", "plain:2", "plain:6",
    *(f"{kind}:{power}:{seed}" for seed in range(1, 5) for kind, power in (("power", 2), ("plain", 3))),
]


def plain_range(holder, dim, *, oversamples, power_iterations, seed, dtype, threads):
    """A replacement of ``wordvec.svd._range_and_projection``: the last power iteration's block alone."""
    rows, cols = holder[0].shape
    width = dim + oversamples
    products = svd_module._BlockedProducts([sp.csr_matrix(holder.pop(), dtype=dtype)], width, threads or available_cores())
    try:
        sample = products.dot(np.random.default_rng(seed).standard_normal((cols, width), dtype=np.dtype(dtype)))
        for _ in range(power_iterations):
            sample = products.dot(products.tdot(svd_module._orthonormalize(sample, precise=False)))
        basis = svd_module._orthonormalize(sample, passes=2)
        transposed = products.tdot(basis)
    finally:
        products.close()
    return [basis], [transposed], svd_module._gram(transposed)


def krylov_range(depth: int, block: int):
    """A replacement of ``wordvec.svd._range_and_projection`` by block Krylov iterations."""

    def range_and_projection(holder, dim, *, oversamples, power_iterations, seed, dtype, threads):
        rows, cols = holder[0].shape
        products = svd_module._BlockedProducts([sp.csr_matrix(holder.pop(), dtype=dtype)], block, threads or available_cores())
        width = (depth + 1) * block
        basis = np.empty((rows, width), dtype)
        transposed = np.empty((cols, width), dtype)
        try:
            sample = products.dot(np.random.default_rng(seed).standard_normal((cols, block), dtype=np.dtype(dtype)))
            for step in range(depth + 1):
                done = step * block
                if step:
                    sample = products.dot(transposed[:, done - block : done])
                for _ in range(2):  # classical Gram-Schmidt twice against the blocks before, then within the block
                    if done:
                        sample -= basis[:, :done] @ (basis[:, :done].T @ sample)
                    sample = svd_module._orthonormalize(sample)
                basis[:, done : done + block] = sample
                transposed[:, done : done + block] = products.tdot(sample)
        finally:
            products.close()
        return [basis], [transposed], svd_module._gram(transposed)

    return range_and_projection


def products_of(variant: str, dim: int = 300, oversamples: int = 20) -> tuple[int, int]:
    kind, *numbers = variant.split(":")
    if kind == "krylov":
        depth, block = map(int, numbers)
        return 2 * (depth + 1), 2 * (depth + 1) * block
    power = int(numbers[0]) if kind in ("power", "plain") else 2
    return 2 * power + 2, (2 * power + 2) * (dim + oversamples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=SHARED / "corpora")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("variants", nargs="*", default=DEFAULT_VARIANTS)
    args = parser.parse_args()
    started = time.perf_counter()
    counted = count_corpus(sorted(args.corpus_dir.glob("*.txt.gz")))
    print(f"counted {counted.stats['tokens']:,} tokens, {len(counted.vocabulary):,} words in {time.perf_counter() - started:.1f} s")
    original = svd_module._range_and_projection
    print(f"{'variant':<14} {'svd s':>6} {'products':>8} {'width':>6} {'WordSim':>8} {'SimLex':>7} {'Google':>7}")
    for variant in args.variants:
        kind, *numbers = variant.split(":")
        params = {}
        svd_module._range_and_projection = original
        if kind in ("power", "plain"):
            params["power_iterations"] = int(numbers[0])
            params["seed"] = int(numbers[1]) if len(numbers) > 1 else 0
            if kind == "plain":
                svd_module._range_and_projection = plain_range
        elif kind == "seed":
            params["seed"] = int(numbers[0])
        elif kind == "krylov":
            svd_module._range_and_projection = krylov_range(*map(int, numbers))
        else:
            raise SystemExit(f"unknown variant {variant!r}")
        model = factorize(counted, **params)
        similarity = [evaluate_word_pairs(model, args.eval_dir / name).spearman for name in ("wordsim353.tsv", "simlex999.txt")]
        google = evaluate_word_analogies(model, args.eval_dir / "questions-words.txt", restrict_vocab=30000).accuracy
        count, width = products_of(variant)
        print(f"{variant:<14} {model.stats['seconds']['svd']:>6.1f} {count:>8} {width:>6} {similarity[0]:>8.4f} {similarity[1]:>7.4f} {google:>7.4f}", flush=True)
    svd_module._range_and_projection = original
    matrix = ppmi(counted.matrix)
    dense = np.random.default_rng(0).standard_normal((matrix.shape[0], 320), dtype=np.float32)
    print(f"PPMI {matrix.shape[0]:,} x {matrix.shape[1]:,}, {matrix.nnz:,} non-zeros; one product of width 320:")
    default_bytes = svd_module.BLOCK_BYTES
    for block_bytes in (default_bytes, default_bytes // 4, default_bytes // 16):
        svd_module.BLOCK_BYTES = block_bytes
        products = svd_module._BlockedProducts([matrix.copy()], 320, available_cores())
        products.dot(dense)  # the pieces into the page cache
        timings = []
        for product in (products.dot, products.tdot):
            started = time.perf_counter()
            product(dense)
            timings.append(time.perf_counter() - started)
        products.close()
        print(f"  blocks of {block_bytes >> 10:>5} KB: A X {timings[0]:.2f} s, A^T X {timings[1]:.2f} s")
    svd_module.BLOCK_BYTES = default_bytes


if __name__ == "__main__":
    main()
