"""Probes of the subword build's choices on the bench corpus: typos, the routing of analogies, the one fit.

Usage::

    python benchmarks/subword_probes.py [--corpus-dir ../shared/corpora] [--eval-dir ../shared/eval]

Builds the bench corpus twice without n-grams (all of it, and ``max_vocab=20000`` for words outside the
vocabulary), then fits and blends the n-gram table as ``wordvec build`` does (one fit to the analogy
view, carried to the similarity view by ``wordvec.subwords.map_table``) and prints:

- the similarity scores with the mapped table against a second fit to the similarity view;
- typo@10, the share of 300 typos (``subwords.typos``: words of frequency rank 2,000-20,000 with two
  inner letters swapped) whose word is among the 10 nearest neighbours of the typo (``model.nearest``),
  for weights of the pull toward vocabulary words one edit away (``wordvec.vectors.SPELLING_WEIGHT``),
  with the 20k model's Google score on all questions with composed words over its score on those it
  covers, for each weight;
- Google 3CosAdd with every word a candidate, overall, on the ``gram*`` sections and on the others,
  for the analogy view with and without n-grams and for rules that choose between them per question.

About 4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import wordvec
import wordvec.vectors
from wordvec.arrays import unit_rows
from wordvec.evaluate import evaluate_model
from wordvec.subwords import NgramTable, blend_with_ngrams, fit_ngram_table, map_table, ngram_matrix, ngrams, shares_ngrams

sys.path.insert(0, str(Path(__file__).resolve().parent))
from subwords import typos  # noqa: E402 - the comparison's typos, so the numbers compare

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def with_ngrams(base: wordvec.WordVectors, *, second_fit: bool = False) -> wordvec.WordVectors:
    """``base`` (built without n-grams) with them, as the build adds them; or with a fit per view."""
    words = base.words
    incidence = ngram_matrix(words, 200_000)
    order = np.argsort(np.array(words, dtype=object), kind="stable")
    similarity, analogy = np.array(base.vectors), np.array(base.analogy_view.vectors)
    ids, fitted = fit_ngram_table(incidence, analogy, threads=2, locality_order=order)
    analogy_table = NgramTable(fitted, ids, 200_000)
    if second_fit:
        similarity_ids, similarity_fit = fit_ngram_table(incidence, similarity, threads=2, locality_order=order)
        similarity_table = NgramTable(similarity_fit, similarity_ids, 200_000)
    else:
        similarity_table = map_table(analogy_table, analogy, similarity)
    unblended = analogy.copy()
    blend_with_ngrams(similarity, incidence, 0.5, min_n=3, max_n=6, threads=2, table=similarity_table)
    blend_with_ngrams(analogy, incidence, 2.0, min_n=3, max_n=6, threads=2, table=analogy_table)
    params = {**base.analogy_view.params}
    plain = wordvec.WordVectors(words, unblended, base.counts, params=params, subwords=analogy_table)
    view = wordvec.WordVectors(words, analogy, base.counts, params=params, subwords=analogy_table, unblended=plain)
    return wordvec.WordVectors(words, similarity, base.counts, params=base.params, subwords=similarity_table,
                               analogy_view=view)


def google_questions(model: wordvec.WordVectors, eval_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the Google questions whose four words are in the vocabulary, and whether each is a ``gram*`` one."""
    index = model.key_to_index
    rows, gram, section = [], [], ""
    for line in (eval_dir / "questions-words.txt").read_text().splitlines():
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        words = line.lower().split()
        if len(words) == 4 and all(word in index for word in words):
            rows.append([index[word] for word in words])
            gram.append(section.startswith("gram"))
    return np.array(rows), np.array(gram)


def answers(vectors: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """3CosAdd's answer to each question, every word but a, b and c a candidate."""
    unit = unit_rows(vectors)
    best = np.empty(len(questions), dtype=np.int64)
    for start in range(0, len(questions), 1000):
        batch = questions[start : start + 1000]
        scores = (unit[batch[:, 1]] - unit[batch[:, 0]] + unit[batch[:, 2]]) @ unit.T
        for column in range(3):
            scores[np.arange(len(batch)), batch[:, column]] = -np.inf
        best[start : start + 1000] = scores.argmax(axis=1)
    return best


def dice(first: str, second: str) -> float:
    a, b = set(ngrams(first)), set(ngrams(second))
    return 2 * len(a & b) / (len(a) + len(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus-dir", type=Path, default=SHARED / "corpora")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    args = parser.parse_args()
    corpus = sorted(args.corpus_dir.glob("*.txt.gz"))
    base = wordvec.build(corpus, subwords=False)
    model = with_ngrams(base)

    def similarity_scores(candidate: wordvec.WordVectors) -> str:
        pairs = evaluate_model(candidate, analogies=[]).pairs
        return " / ".join(f"{result.spearman:.3f}" for result in pairs)

    print("WordSim-353 / SimLex-999")
    print(f"  one fit, mapped to the similarity view    {similarity_scores(model)}")
    print(f"  a second fit to the similarity view       {similarity_scores(with_ngrams(base, second_fit=True))}")

    top = with_ngrams(wordvec.build(corpus, subwords=False, max_vocab=20000))
    pairs = typos(model.words, np.asarray(model.counts))
    print(f"\ntypo@10 ({len(pairs)} typos) and the 20k model's Google ratio, by the pull toward words one edit away")
    for weight in (0.0, 1.0, 2.0, 4.0):
        wordvec.vectors.SPELLING_WEIGHT = weight
        found = model.nearest([typo for typo, _ in pairs], topn=10)
        recall = np.mean([word in {w for w, _ in answer} for (_, word), answer in zip(pairs, found)])
        covered = evaluate_model(top, pairs=[]).analogies[0]["add"].accuracy
        composed = evaluate_model(top, pairs=[], oov="compose").analogies[0]["add"].accuracy
        print(f"  weight {weight:<4}  typo@10 {recall:.3f}   Google {composed:.3f} / {covered:.3f} = {composed / covered:.3f}")
    wordvec.vectors.SPELLING_WEIGHT = 1.0

    questions, gram = google_questions(model, args.eval_dir)
    view = model.analogy_view
    with_grams = answers(np.asarray(view.vectors), questions) == questions[:, 3]
    without = answers(np.asarray(view.unblended.vectors), questions) == questions[:, 3]
    words = model.words
    rules = {
        "n-grams for every question": np.ones(len(questions), bool),
        "n-grams for none": np.zeros(len(questions), bool),
        "n-grams when a and b share one (the build's)": np.array([shares_ngrams(words[a], words[b]) for a, b, *_ in questions]),
        "n-grams when a, b share the first letter": np.array([words[a][:1] == words[b][:1] for a, b, *_ in questions]),
        "n-grams when a, b share two first letters": np.array([words[a][:2] == words[b][:2] for a, b, *_ in questions]),
        "n-grams when Dice(a, b) >= 0.3": np.array([dice(words[a], words[b]) >= 0.3 for a, b, *_ in questions]),
    }
    print(f"\nGoogle 3CosAdd, every word a candidate ({len(questions)} questions)   all    names  gram")
    for name, routed in rules.items():
        correct = np.where(routed, with_grams, without)
        print(f"  {name:<46}  {correct.mean():.3f}  {correct[~gram].mean():.3f}  {correct[gram].mean():.3f}")


if __name__ == "__main__":
    main()
