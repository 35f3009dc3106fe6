"""Two open questions of the subword build, probed on the bench corpus: typos, and the analogy blend of names.

Usage::

    python benchmarks/subword_probes.py [--corpus-dir ../shared/corpora]

Builds the bench corpus once with the analogy view and without subwords, then blends in n-grams as
``wordvec build --subwords --analogy-view`` does (``wordvec.subwords.blend_with_ngrams``), and prints:

- typo@10, the share of 300 typos (``subwords.typos``: words of frequency rank 2,000-20,000 with two
  inner letters swapped) whose word is among the 10 best of: the composed typo against the blended
  vocabulary (what ``wordvec nearest`` does); against the vocabulary's own composed vectors; a mix of
  the two; and the typo composed with n-grams weighted by an inverse document frequency;
- Google analogies (every word a candidate) with the analogy view's blend weight constant (2, the
  build's) or falling with the word's count, overall, for the ``gram*`` sections and for the others.

About 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import wordvec
from wordvec.arrays import unit_rows
from wordvec.evaluate import evaluate_model
from wordvec.subwords import ngram_hashes, ngram_matrix, blend_with_ngrams

sys.path.insert(0, str(Path(__file__).resolve().parent))
from subwords import typos  # noqa: E402 - the comparison's typos, so the numbers compare

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def recall(scores: np.ndarray, truth: np.ndarray, topn: int = 10) -> float:
    best = np.argpartition(-scores, topn, axis=1)[:, :topn]
    return float(np.mean([truth[i] in set(best[i].tolist()) for i in range(len(truth))]))


def typo_probes(model: wordvec.WordVectors, incidence: sp.csr_matrix) -> None:
    words, table = model.words, model.subwords
    pairs = typos(words, model.counts)
    index = {word: row for row, word in enumerate(words)}
    truth = np.array([index[word] for _, word in pairs])
    typed = unit_rows(table.compose([typo for typo, _ in pairs]).vectors)
    blended = np.asarray(model.unit_vectors)
    composed = unit_rows(table.compose(words).vectors)
    against_blended, against_composed = typed @ blended.T, typed @ composed.T
    print(f"typo@10 ({len(pairs)} typos)")
    print(f"  composed typo vs blended vocabulary (nearest)   {recall(against_blended, truth):.3f}")
    print(f"  composed typo vs composed vocabulary            {recall(against_composed, truth):.3f}")
    for weight in (0.5, 2.0):
        print(f"  blended + {weight} x composed                      {recall(against_blended + weight * against_composed, truth):.3f}")
    document_frequency = np.bincount(incidence.indices, minlength=table.buckets).astype(np.float64)
    dense = np.zeros((table.buckets, model.dim), dtype=np.float32)
    dense[table.bucket_ids] = table.vectors
    hashed = ngram_hashes([typo for typo, _ in pairs])
    buckets = hashed.hashes.astype(np.int64) % table.buckets
    rows = np.repeat(np.arange(len(pairs)), hashed.counts())
    for power in (0.25, 0.5, 1.0):
        weights = np.where(document_frequency[buckets] > 0, 1 / np.maximum(document_frequency[buckets], 1) ** power, 0)
        weighted = unit_rows(np.asarray(sp.csr_matrix((weights, (rows, buckets)), shape=(len(pairs), table.buckets)) @ dense))
        print(f"  n-grams weighted by 1/df^{power:<4} vs blended         {recall(weighted @ blended.T, truth):.3f}")


def accuracy(sections: list[dict], method: str) -> float:
    return sum(s[method]["correct"] for s in sections) / max(sum(s["answered"] for s in sections), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus-dir", type=Path, default=SHARED / "corpora")
    args = parser.parse_args()
    base = wordvec.build(sorted(args.corpus_dir.glob("*.txt.gz")), analogy_view=True)
    words, counts = base.words, np.asarray(base.counts, dtype=np.float64)
    incidence = ngram_matrix(words, 200_000)
    order = np.argsort(np.array(words, dtype=object), kind="stable")
    similarity = np.array(base.vectors)
    similarity_table = blend_with_ngrams(similarity, incidence, 0.5, min_n=3, max_n=6, threads=2, locality_order=order)
    model = wordvec.WordVectors(words, similarity, base.counts, params=base.params, subwords=similarity_table)
    typo_probes(model, incidence)
    print("\nanalogy view blend weight           all add/mul    names add/mul   gram add/mul")
    for name, weight in [("2 (the build's)", 2.0), ("2 min(1, 1000/c)^0.5", 2 * np.minimum(1, 1000 / counts) ** 0.5),
                         ("2 min(1, 10000/c)^0.5", 2 * np.minimum(1, 10000 / counts) ** 0.5),
                         ("2 min(1, 1000/c)", 2 * np.minimum(1, 1000 / counts))]:
        analogy = np.array(base.analogy_view.vectors)
        table = blend_with_ngrams(analogy, incidence, weight, min_n=3, max_n=6, threads=2, locality_order=order)
        view = wordvec.WordVectors(words, analogy, base.counts, params={**base.params, "normalize": True}, subwords=table)
        result = evaluate_model(wordvec.WordVectors(words, similarity, base.counts, params=base.params,
                                                    subwords=similarity_table, analogy_view=view)).as_dict()
        google = result["analogies"][0]
        sections = google["sections"]
        names = [s for s in sections if not s["section"].startswith("gram")]
        gram = [s for s in sections if s["section"].startswith("gram")]
        print(f"{name:<34}  {google['add']['accuracy']:.3f} / {google['mul']['accuracy']:.3f}  "
              f"{accuracy(names, 'add'):.3f} / {accuracy(names, 'mul'):.3f}  {accuracy(gram, 'add'):.3f} / {accuracy(gram, 'mul'):.3f}")


if __name__ == "__main__":
    main()
