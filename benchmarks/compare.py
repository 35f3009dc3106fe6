"""Planted changes: does ``wordvec compare`` find words whose meaning was made to differ?

Usage::

    pip install -e '.[bench]'
    python benchmarks/compare.py [CORPUS ...] [--pairs 10] [--share 0.5] [--seed 0] [--work DIR]

With no CORPUS, the bench corpus (all of ../shared/corpora). It is tokenized once with
wordvec's tokenizer (as in ``quality.py``), and its lines are dealt at random into two halves,
A and B. In B, for each of ``--pairs`` (target, donor) pairs, ``--share`` of the donor's
occurrences become the target, so the target takes on part of the donor's meaning. Targets are
drawn at random from bands of frequency rank (200 to 20,000 in B, spread on a log scale), each
donor from the 200 words ranked just above its target (so it is at least as frequent), no
word twice. Both halves are built with the defaults and ``--keep-corpus``; then every
measure and adjustment of ``wordvec.compare`` ranks the words, and the table gives how many
targets each puts in its top 20 and top 50. Since A and B are halves of one corpus, every
other word in a top 20 is a false alarm: the script says where each of the default's comes
from (a donor, a word among a target's or donor's 10 nearest neighbours in A or B, or neither).

The comparison fits of both models and of their split halves (the noise baseline) are built
and timed once, before the comparisons; ``--work DIR`` keeps the tokens, halves, models and
that cache for another run. Then the noise of the SVD itself: model A's counts factorised with two seeds, in the
build's similarity view and in the comparison fit. Last, the time of a comparison of two 100,000-word x 300 models (random unit
vectors with counts, every word compared; the default measure, ``procrustes`` and ``profile``, raw
ranking), three times each.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

import wordvec
from wordvec.comparison import (ADJUSTMENTS, COMPARISON_FIT, DEFAULT_ADJUSTMENT, DEFAULT_MEASURE, MEASURES, change_scores,
                                compare, comparison_fit, split_half_models)
from wordvec.incremental import refit_kept_counts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import SHARED, timed_run, tokens_in  # noqa: E402

RANK_BANDS = (200, 20000)


def deal_halves(tokens_file: Path, first: Path, second: Path, seed: int) -> None:
    """Deal the lines of ``tokens_file`` at random into two files."""
    chooser = random.Random(seed)
    with open(tokens_file, encoding="utf-8") as lines, open(first, "w", encoding="utf-8") as out_a, \
            open(second, "w", encoding="utf-8") as out_b:
        for line in lines:
            (out_a if chooser.random() < 0.5 else out_b).write(line)


def choose_pairs(half: Path, pairs: int, seed: int) -> list[tuple[str, str]]:
    """(target, donor) pairs: targets at log-spaced frequency ranks, donors just above them."""
    counts: Counter[str] = Counter()
    with open(half, encoding="utf-8") as lines:
        for line in lines:
            counts.update(line.split())
    ranked = [word for word, _ in counts.most_common() if word.isalpha() and len(word) > 2]
    chooser = random.Random(seed)
    low, high = RANK_BANDS
    edges = np.geomspace(low, high, pairs + 1).astype(int)
    used: set[str] = set()
    chosen = []
    for start, stop in zip(edges[:-1], edges[1:]):
        target = chooser.choice([w for w in ranked[start:stop] if w not in used])
        rank = ranked.index(target)
        donor = chooser.choice([w for w in ranked[max(0, rank - 200) : rank] if w not in used])
        used.update((target, donor))
        chosen.append((target, donor))
    return chosen


def plant(half: Path, planted: Path, pairs: list[tuple[str, str]], share: float, seed: int) -> dict[str, int]:
    """Write ``half`` with ``share`` of each donor's tokens replaced by its target; return the replacements per target."""
    chooser = random.Random(seed)
    target_of = {donor: target for target, donor in pairs}
    replaced: Counter[str] = Counter()
    with open(half, encoding="utf-8") as lines, open(planted, "w", encoding="utf-8") as out:
        for line in lines:
            words = line.split()
            for position, word in enumerate(words):
                if word in target_of and chooser.random() < share:
                    words[position] = target_of[word]
                    replaced[target_of[word]] += 1
            out.write(" ".join(words) + "\n")
    return dict(replaced)


def synthetic(words: int, dim: int, seed: int) -> wordvec.WordVectors:
    generator = np.random.default_rng(seed)
    vectors = generator.standard_normal((words, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    counts = np.sort(generator.zipf(1.3, words))[::-1].astype(np.int64) + 50
    return wordvec.WordVectors([f"w{i}" for i in range(words)], vectors, counts, params={"normalize": True})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="keep the tokens, halves, models and cached split halves here")
    args = parser.parse_args()
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz"))
    with tempfile.TemporaryDirectory(prefix="wordvec-compare-") as scratch:
        work = args.work or Path(scratch)
        tokens = tokens_in(work, corpus)
        half_a, half_b, planted = work / "a.txt", work / "b.txt", work / "b-planted.txt"
        if not planted.exists():
            deal_halves(tokens, half_a, half_b, args.seed)
        pairs = choose_pairs(half_b, args.pairs, args.seed)
        replaced = plant(half_b, planted, pairs, args.share, args.seed)
        for name, text in (("a", half_a), ("b", planted)):
            model = work / f"model-{name}"
            if not model.exists():
                seconds, peak = timed_run(["wordvec", "build", str(text), "--keep-corpus", "-o", str(model), "--quiet"])
                print(f"build {name}: {seconds:.1f} s, peak {peak:.2f} GB", flush=True)
        a, b = wordvec.load(work / "model-a"), wordvec.load(work / "model-b")
        cache = work / "cache"
        for name, model in (("a", a), ("b", b)):
            started = time.perf_counter()
            comparison_fit(model, cache_dir=cache)
            fitted = time.perf_counter()
            split_half_models(model, cache_dir=cache)
            print(f"{name}: comparison fit {fitted - started:.1f} s, split halves {time.perf_counter() - fitted:.1f} s "
                  "(built, or loaded from the cache)", flush=True)
        targets = [target for target, _ in pairs]
        print("\n| target | donor | count in A | count in B | replaced |")
        print("|---|---|---|---|---|")
        for target, donor in pairs:
            print(f"| {target} | {donor} | {a.counts[a.index(target)]:,} | {b.counts[b.index(target)]:,} | {replaced.get(target, 0):,} |")

        print("\n| measure | adjustment | targets in top 20 | in top 50 | seconds |")
        print("|---|---|---|---|---|")
        default_top = None
        for measure in MEASURES:
            for adjustment in ADJUSTMENTS:
                started = time.perf_counter()
                result = compare(a, b, topn=50, measure=measure, adjustment=adjustment, cache_dir=cache, shown_neighbours=0)
                seconds = time.perf_counter() - started
                top = [change.word for change in result]
                found20, found50 = (sum(target in top[:n] for target in targets) for n in (20, 50))
                print(f"| {measure} | {adjustment} | {found20}/{len(targets)} | {found50}/{len(targets)} | {seconds:.1f} |", flush=True)
                if measure == DEFAULT_MEASURE and adjustment == DEFAULT_ADJUSTMENT:
                    default_top = result[:20]
        planted_words = set(targets) | {donor for _, donor in pairs}
        near = {w for word in planted_words for model in (a, b) for w, _ in model.most_similar(word, topn=10)}
        print(f"\nThe default's top 20 ({DEFAULT_MEASURE}, {DEFAULT_ADJUSTMENT}):")
        for change in default_top or []:
            origin = ("planted target" if change.word in targets else "donor" if change.word in planted_words
                      else "neighbour of a planted word" if change.word in near else "unplanted")
            print(f"  {change.word:<16} A {change.count_a:>7,}  B {change.count_b:>7,}  score {change.score:.3f}"
                  f"  adjusted {change.adjusted:7.2f}  {origin}")

        # How far a word moves when the same counts are factorised with another seed: the build's
        # similarity view against the comparison fit (words over the default frequency floor).
        print("\nThe same counts (model A's), factorised with seeds 0 and 1: median procrustes score")
        views = {"the build's similarity view": {"subwords": False, "analogy_view": False}, "the comparison fit": COMPARISON_FIT}
        for label, settings in views.items():
            fits = [refit_kept_counts(a, seed=seed, **settings) for seed in (0, 1)]
            moved = np.array(list(change_scores(*fits, measure="procrustes").values()))
            print(f"  {label}: {np.median(moved):.3f} (90th percentile {np.percentile(moved, 90):.3f}, {len(moved):,} words)")

    # Every one of the 100,000 words is over the frequency floor here, so the neighbourhood measure would
    # search 10^10 pairs: it is left out at this size.
    first, second = synthetic(100_000, 300, 1), synthetic(100_000, 300, 2)
    for measure in (DEFAULT_MEASURE, "procrustes", "profile"):
        for _ in range(3):
            started = time.perf_counter()
            compare(first, second, measure=measure, adjustment="none")
            print(f"100,000 x 300 models, {measure}, raw ranking: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
