"""Word vectors as sentiment features: document vectors on Rotten Tomatoes snippets, seed polarity against VADER.

Usage::

    pip install -e '.[bench]'
    nice -n 10 python benchmarks/sentiment.py [--model DIR] [--eval-dir ../shared/eval] [--sweep]

The vectors are wordvec's defaults built on the bench corpus (all of ../shared/corpora); ``--model``
names a model directory, built there with ``wordvec build CORPORA -o DIR --quiet`` if it is missing.

1. ``rt_snippets.tsv`` (12,808 snippets labelled pos/neg): accuracy of logistic regression in
   stratified 10-fold cross-validation (shuffled, seed 0), on (a) a TF-IDF bag of words (scikit-learn's
   ``TfidfVectorizer``: unigrams and bigrams, sublinear tf, its default token pattern), (b) the mean of
   the word vectors (``DocumentVectorizer(weighting="mean", remove_components=0)``, the plain average),
   (c) SIF (``DocumentVectorizer()``, its defaults: sif_a=1e-3, one common component removed), (d) the
   bag of words and SIF side by side (``FeatureUnion``), and two more rows for context (the mean with
   one component removed, idf-weighted vectors). Every feature set is a pipeline fitted on the training
   folds only. C is chosen the same way for all: liblinear logistic regression, C in 0.1, 1, 10, 100,
   1000 by an inner stratified 3-fold cross-validation on the training folds. Differences are paired by
   fold.
2. ``vader_lexicon.txt``: ROC AUC of ``WordVectors.polarity`` with Hamilton et al.'s (2016) ten
   positive and ten negative seeds against the sign of the VADER mean valence, over the lexicon words
   in the vocabulary, seeds and words of valence 0 left out; SentProp (the default) and the
   seed-axis projection.

``--sweep`` adds SIF's parameters (sif_a, remove_components, normalize, and p(w) from the snippets' own
word counts instead of the model's corpus) at C=1.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline, make_union

import wordvec
from wordvec import DocumentVectorizer
from wordvec.polarity import NEGATIVE_SEEDS, POSITIVE_SEEDS
from wordvec.tokenize import get_tokenizer

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
C_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)


def load_snippets(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and labels (1 = pos) of the ``label<TAB>movie<TAB>text`` file."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row["text"] for row in rows], np.array([row["label"] == "pos" for row in rows], dtype=int)


def load_vader(path: Path) -> dict[str, float]:
    """Mean valence of each token of VADER's ``token<TAB>mean<TAB>sd<TAB>ratings`` lines (a repeat keeps its last)."""
    lexicon = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            token, mean, *_ = line.rstrip("\n").split("\t")
            lexicon[token] = float(mean)
    return lexicon


def ensure_model(path: Path) -> wordvec.WordVectors:
    if not (path / "meta.json").is_file():
        corpora = sorted(str(p) for p in (SHARED / "corpora").glob("*.txt.gz"))
        print(f"building {path} from {len(corpora)} corpus files...", flush=True)
        started = time.perf_counter()
        subprocess.run(["wordvec", "build", *corpora, "-o", str(path), "--quiet"], check=True)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return wordvec.load(path)


def tuned_classifier(seed: int) -> GridSearchCV:
    """Logistic regression with C chosen by an inner 3-fold cross-validation."""
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    return GridSearchCV(LogisticRegression(solver="liblinear"), {"C": list(C_GRID)}, cv=inner)


def bag_of_words() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def feature_sets(model: wordvec.WordVectors) -> dict[str, Callable[[], Any]]:
    return {
        "(a) bag of words (tf-idf, 1-2 grams)": bag_of_words,
        "(b) mean": lambda: DocumentVectorizer(model, weighting="mean", remove_components=0),
        "(c) sif": lambda: DocumentVectorizer(model),
        "(d) bag of words + sif": lambda: make_union(bag_of_words(), DocumentVectorizer(model)),
        "mean, 1 component removed": lambda: DocumentVectorizer(model, weighting="mean"),
        "tfidf-weighted vectors": lambda: DocumentVectorizer(model, weighting="tfidf", remove_components=0),
    }


def accuracy_by_fold(features: Any, texts: list[str], labels: np.ndarray, folds: StratifiedKFold, seed: int):
    """Test accuracy of each outer fold and the C chosen in each."""
    pipeline = make_pipeline(features, tuned_classifier(seed))
    result = cross_validate(pipeline, texts, labels, cv=folds, return_estimator=True)
    chosen = [estimator[-1].best_params_["C"] for estimator in result["estimator"]]
    return result["test_score"], chosen


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join([row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:]))]))


def paired(name: str, better: np.ndarray, baseline: np.ndarray) -> str:
    difference = better - baseline
    error = difference.std(ddof=1) / np.sqrt(len(difference))
    return (f"{name}: {difference.mean() * 100:+.2f} points (standard error {error * 100:.2f}), "
            f"higher in {int((difference > 0).sum())} of {len(difference)} folds")


def classification(model: wordvec.WordVectors, texts: list[str], labels: np.ndarray, args: argparse.Namespace) -> None:
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    print(f"\nrt_snippets: {len(texts):,} snippets ({labels.sum():,} pos), {args.folds}-fold CV, "
          f"logistic regression (liblinear), C in {C_GRID} by inner 3-fold CV")
    scores: dict[str, np.ndarray] = {}
    rows = []
    for name, make_features in feature_sets(model).items():
        started = time.perf_counter()
        scores[name], chosen = accuracy_by_fold(make_features(), texts, labels, folds, args.seed)
        usual_c = ", ".join(f"{c:g} x{n}" for c, n in Counter(chosen).most_common())
        rows.append((name, f"{scores[name].mean():.4f}", f"{scores[name].std():.4f}", usual_c,
                     f"{time.perf_counter() - started:.0f}"))
        print(f"  {name} done", file=sys.stderr, flush=True)
    print_table(("features", "accuracy", "sd", "C chosen (folds)", "seconds"), rows)
    print(paired("sif - mean", scores["(c) sif"], scores["(b) mean"]))
    print(paired("bag of words + sif - bag of words", scores["(d) bag of words + sif"],
                 scores["(a) bag of words (tf-idf, 1-2 grams)"]))


def sweep(model: wordvec.WordVectors, texts: list[str], labels: np.ndarray, args: argparse.Namespace) -> None:
    """SIF's parameters at a fixed C=1, each against the plain mean on the same folds."""
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)

    def accuracy(model: wordvec.WordVectors = model, **params: Any) -> np.ndarray:
        pipeline = make_pipeline(DocumentVectorizer(model, **params), LogisticRegression(solver="liblinear"))
        return cross_validate(pipeline, texts, labels, cv=folds)["test_score"]

    # The same vectors with p(w) counted in all the snippets (test folds too: no labels are used).
    counter = CountVectorizer(vocabulary=model.key_to_index, lowercase=False, token_pattern=None,
                              tokenizer=get_tokenizer(model.params.get("tokenizer", "regex")).tokenize)
    snippet_counts = np.asarray(counter.fit_transform(texts).sum(axis=0)).ravel()
    in_domain = wordvec.WordVectors(model.words, model.vectors, snippet_counts, params=model.params)

    print(f"\nSIF parameters, logistic regression C=1, {args.folds}-fold CV, against the mean on the same folds")
    baseline = accuracy(weighting="mean", remove_components=0)
    rows = [("mean (remove_components=0)", f"{baseline.mean():.4f}", "", "")]
    settings = {f"sif_a={a}, remove_components={r}": dict(sif_a=a, remove_components=r)
                for a in (1e-4, 1e-3, 1e-2) for r in (0, 1, 2)}
    settings["defaults, normalize=False"] = dict(normalize=False)
    settings["defaults, p(w) from the snippets"] = dict(model=in_domain)
    for name, params in settings.items():
        result = accuracy(weighting="sif", **params)
        difference = result - baseline
        rows.append((name, f"{result.mean():.4f}", f"{difference.mean() * 100:+.2f}",
                     f"{int((difference > 0).sum())}/{len(difference)}"))
    print_table(("sif", "accuracy", "vs mean (points)", "folds higher"), rows)


def polarity(model: wordvec.WordVectors, lexicon: dict[str, float]) -> None:
    seeds = set(POSITIVE_SEEDS) | set(NEGATIVE_SEEDS)
    print(f"\nVADER polarity: seeds {', '.join(POSITIVE_SEEDS)} / {', '.join(NEGATIVE_SEEDS)}")
    rows = []
    for method in ("sentprop", "projection"):
        started = time.perf_counter()
        scores = model.polarity(POSITIVE_SEEDS, NEGATIVE_SEEDS, method=method)
        seconds = time.perf_counter() - started
        words = [word for word, valence in lexicon.items() if word in scores and word not in seeds and valence != 0]
        truth = [lexicon[word] > 0 for word in words]
        auc = roc_auc_score(truth, [scores[word] for word in words])
        rows.append((method, f"{auc:.4f}", f"{len(words):,} ({sum(truth):,} pos)", f"{seconds:.1f}"))
    print_table(("method", "ROC AUC", "lexicon words scored", "seconds"), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path(tempfile.gettempdir()) / "wordvec-bench-model",
                        help="model directory (built from the bench corpus if missing)")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweep", action="store_true", help="also vary SIF's parameters")
    args = parser.parse_args()

    model = ensure_model(args.model)
    cores = len(os.sched_getaffinity(0))
    print(f"{time.strftime('%Y-%m-%d')}; {platform.processor() or platform.machine()}, {cores} cores; "
          f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}")
    print(f"model {args.model}: {len(model):,} words x {model.dim} dims from {model.stats.get('tokens', 0):,} tokens")
    texts, labels = load_snippets(args.eval_dir / "rt_snippets.tsv")
    classification(model, texts, labels, args)
    if args.sweep:
        sweep(model, texts, labels, args)
    polarity(model, load_vader(args.eval_dir / "vader_lexicon.txt"))


if __name__ == "__main__":
    main()
