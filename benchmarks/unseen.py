"""Words outside the vocabulary: wordvec against fastText (gensim's ``FastText``) on the same tokens.

Usage::

    pip install -e '.[bench]'
    python benchmarks/unseen.py [CORPUS ...] [--eval-dir ../shared/eval] [--max-vocab 20000] [--work DIR]

With no CORPUS, the bench corpus (all of ../shared/corpora), tokenized once with wordvec's
tokenizer as in ``quality.py``. Both tools keep only the ``--max-vocab`` most frequent words, so
many test words are unseen:

- wordvec: ``wordvec build TOKENS --max-vocab N`` (its defaults: character n-grams on);
- fastText: gensim's ``FastText(corpus_file=TOKENS, sg=1, negative=5, vector_size=300, window=5,
  min_count=5, max_final_vocab=N, epochs=5, min_n=3, max_n=6, bucket=2_000_000)``, fastText's
  ``skipgram`` defaults; gensim chooses the count floor that keeps at most N words.

Each model is scored twice on WordSim-353, SimLex-999 and the Google analogies (3CosAdd, 3CosMul,
every vocabulary word a candidate up to 30k): on the pairs and questions its vocabulary covers,
and on all of them with the unseen words' vectors composed from their character n-grams (which also
join the candidates, as ``wordvec evaluate --oov compose`` does). "ratio" is the second score over
the first, the issue's measure. The Google set mixes sections whose unseen words differ in kind (a
rare inflection's spelling says much of its meaning, a rare capital's nothing), so the table also
gives "mix bound": the score if every question were answered as well as the covered questions of
its own section, and the ratio that bound would reach.

wordvec is scored by its own ``evaluate``; fastText by the same protocol written here in numpy
(its covered 3CosAdd is checked against gensim's ``evaluate_word_analogies``). fastText trains in
its own process, which writes its vocabulary's vectors and the test words' vectors to ``.npy``
files; ``--work DIR`` keeps them (and the tokens and wordvec's model) so that a second run scores
without training.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

import wordvec
from wordvec._cores import available_cores
from wordvec.evaluate import evaluate_analogy_methods, evaluate_word_pairs, read_analogies, read_word_pairs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import SHARED, timed_run, tokens_in  # noqa: E402

FASTTEXT_TRAIN = textwrap.dedent(
    """
    import sys
    import numpy as np
    from gensim.models import FastText
    tokens, output, workers, max_vocab, words = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    model = FastText(corpus_file=tokens, sg=1, negative=5, vector_size=300, window=5, min_count=5,
                     max_final_vocab=max_vocab, epochs=5, min_n=3, max_n=6, bucket=2_000_000,
                     workers=workers, seed=0)
    with open(output + "/vocab.txt", "w", encoding="utf-8") as out:
        out.writelines(word + "\\n" for word in model.wv.index_to_key)
    np.save(output + "/vectors.npy", model.wv.vectors.astype(np.float32))
    test_words = open(words, encoding="utf-8").read().split()
    np.save(output + "/test-vectors.npy", np.stack([model.wv[word] for word in test_words]).astype(np.float32))
    """
)
PAIR_SETS = (("WordSim-353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt"))
RESTRICT = 30000


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


def spearman(x: list[float], y: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


class FastTextVectors:
    """fastText's vocabulary vectors and the test words' (composed when unseen), as the subprocess wrote them."""

    def __init__(self, directory: Path) -> None:
        self.vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
        self.vectors = np.load(directory / "vectors.npy")
        test_words = (directory / "test-words.txt").read_text(encoding="utf-8").split()
        self.test = dict(zip(test_words, np.load(directory / "test-vectors.npy")))
        self.index = {word: row for row, word in enumerate(self.vocabulary)}

    def vector(self, word: str, compose: bool) -> np.ndarray | None:
        if word in self.index:
            return self.vectors[self.index[word]]
        return self.test[word] if compose else None

    def pairs_score(self, path: Path, compose: bool) -> tuple[float, int]:
        gold, cosines = [], []
        for first, second, score in read_word_pairs(path):
            u, v = self.vector(first.lower(), compose), self.vector(second.lower(), compose)
            if u is None or v is None:
                continue
            gold.append(score)
            cosines.append(float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v) or 1)))
        return spearman(gold, cosines), len(gold)

    def analogy_sections(self, path: Path, compose: bool) -> dict[str, list[tuple[str, int, int, int]]]:
        """Per method, ``(section, questions asked, answered right by 3CosAdd, by 3CosMul)``."""
        sections = read_analogies(path)
        searched = list(self.vocabulary[:RESTRICT])
        rows = {word: row for row, word in enumerate(searched)}
        extra = []
        if compose:
            for _, questions in sections:
                for word in (w.lower() for question in questions for w in question):
                    if word not in rows:
                        rows[word] = len(searched) + len(extra)
                        extra.append(self.test[word])
        matrix = np.vstack([self.vectors[: len(searched)], *([np.stack(extra)] if extra else [])])
        unit = unit_rows(matrix.astype(np.float32))
        results = []
        for name, questions in sections:
            asked = np.array([[rows.get(w.lower(), -1) for w in question] for question in questions], dtype=np.int64)
            asked = asked[(asked >= 0).all(axis=1)] if len(asked) else asked.reshape(0, 4)
            right_add = right_mul = 0
            for start in range(0, len(asked), 512):
                block = asked[start : start + 512]
                cosines = unit[block[:, :3].ravel()] @ unit.T
                a, b, c = cosines[0::3], cosines[1::3], cosines[2::3]
                add = b - a + c
                shifted = [(x + 1) / 2 for x in (a, b, c)]
                mul = shifted[1] * shifted[2] / (shifted[0] + 1e-3)
                for scores in (add, mul):
                    scores[np.arange(len(block))[:, None], block[:, :3]] = -np.inf
                right_add += int((add.argmax(axis=1) == block[:, 3]).sum())
                right_mul += int((mul.argmax(axis=1) == block[:, 3]).sum())
            results.append((name, len(asked), right_add, right_mul))
        return {"add": [(n, q, a) for n, q, a, _ in results], "mul": [(n, q, m) for n, q, _, m in results]}


def wordvec_analogy_sections(model: wordvec.WordVectors, path: Path, compose: bool) -> dict[str, list[tuple[str, int, int]]]:
    results = evaluate_analogy_methods(model, path, restrict_vocab=RESTRICT, oov="compose" if compose else "skip")
    return {
        method: [(section.name, section.answered, len(section.correct)) for section in result.sections]
        for method, result in results.items()
    }


def google_rows(covered: list[tuple[str, int, int]], composed: list[tuple[str, int, int]]) -> dict[str, float]:
    """Accuracy covered / composed per part, and the section-mix bound of the composed score."""
    row: dict[str, float] = {}
    for part, keep in (("all", lambda name: True), ("syntactic", lambda name: name.startswith("gram")),
                       ("semantic", lambda name: not name.startswith("gram"))):
        cov = [s for s in covered if keep(s[0])]
        com = [s for s in composed if keep(s[0])]
        cov_rate = sum(s[2] for s in cov) / max(sum(s[1] for s in cov), 1)
        com_rate = sum(s[2] for s in com) / max(sum(s[1] for s in com), 1)
        bound = sum(n * (right / asked if asked else 0.0) for (_, asked, right), (_, n, _) in zip(cov, com))
        row[f"{part} covered"] = cov_rate
        row[f"{part} composed"] = com_rate
        row[f"{part} ratio"] = com_rate / cov_rate if cov_rate else float("nan")
        row[f"{part} mix bound"] = bound / max(sum(s[1] for s in com), 1)
        row[f"{part} questions"] = sum(s[1] for s in com)
        row[f"{part} covered questions"] = sum(s[1] for s in cov)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--max-vocab", type=int, default=20000)
    parser.add_argument("--work", type=Path, help="keep the tokens, models and vectors here, and reuse them")
    args = parser.parse_args()
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz"))
    workers = available_cores()
    with tempfile.TemporaryDirectory(prefix="wordvec-unseen-") as scratch:
        work = args.work or Path(scratch)
        tokens_file = tokens_in(work, corpus)
        model_dir = work / "wordvec-model"
        if not model_dir.exists():
            seconds, peak = timed_run(["wordvec", "build", str(tokens_file), "--max-vocab", str(args.max_vocab),
                                       "-o", str(model_dir), "--quiet"])
            print(f"wordvec build: {seconds:.1f} s, peak {peak:.2f} GB", flush=True)
        fasttext_dir = work / "fasttext"
        if not (fasttext_dir / "test-vectors.npy").exists():
            fasttext_dir.mkdir(exist_ok=True)
            test_words = sorted({w.lower() for _, file in PAIR_SETS for p in read_word_pairs(args.eval_dir / file) for w in p[:2]}
                                | {w.lower() for _, qs in read_analogies(args.eval_dir / "questions-words.txt") for q in qs for w in q})
            (fasttext_dir / "test-words.txt").write_text("\n".join(test_words) + "\n", encoding="utf-8")
            seconds, peak = timed_run([sys.executable, "-c", FASTTEXT_TRAIN, str(tokens_file), str(fasttext_dir),
                                       str(workers), str(args.max_vocab), str(fasttext_dir / "test-words.txt")])
            print(f"fastText training: {seconds:.1f} s, peak {peak:.2f} GB", flush=True)

        model = wordvec.load(model_dir)
        fasttext = FastTextVectors(fasttext_dir)
        google = args.eval_dir / "questions-words.txt"
        from gensim.models import KeyedVectors

        keyed = KeyedVectors(vector_size=fasttext.vectors.shape[1])
        keyed.add_vectors(fasttext.vocabulary, fasttext.vectors)
        gensim_add = keyed.evaluate_word_analogies(google, restrict_vocab=RESTRICT)[0]

        table: dict[str, dict[str, str]] = {"wordvec": {}, "fastText": {}}
        table["wordvec"]["vocabulary"] = f"{len(model):,}"
        table["fastText"]["vocabulary"] = f"{len(fasttext.vocabulary):,}"
        for name, file in PAIR_SETS:
            path = args.eval_dir / file
            skip, compose = evaluate_word_pairs(model, path, oov="skip"), evaluate_word_pairs(model, path, oov="compose")
            table["wordvec"][f"{name} covered"] = f"{skip.spearman:.3f} ({skip.scored})"
            table["wordvec"][f"{name} composed"] = f"{compose.spearman:.3f} ({compose.scored})"
            table["wordvec"][f"{name} ratio"] = f"{compose.spearman / skip.spearman:.2f}"
            (cov, n_cov), (com, n_com) = fasttext.pairs_score(path, False), fasttext.pairs_score(path, True)
            table["fastText"][f"{name} covered"] = f"{cov:.3f} ({n_cov})"
            table["fastText"][f"{name} composed"] = f"{com:.3f} ({n_com})"
            table["fastText"][f"{name} ratio"] = f"{com / cov:.2f}"
        scored = {
            "wordvec": (wordvec_analogy_sections(model, google, False), wordvec_analogy_sections(model, google, True)),
            "fastText": (fasttext.analogy_sections(google, False), fasttext.analogy_sections(google, True)),
        }
        for tool, (covered, composed) in scored.items():
            for method in ("add", "mul"):
                row = google_rows(covered[method], composed[method])
                for part in ("all", "syntactic", "semantic"):
                    label = f"Google 3Cos{method.capitalize()} {part}"
                    table[tool][f"{label} covered"] = f"{row[f'{part} covered']:.3f} ({row[f'{part} covered questions']:,})"
                    table[tool][f"{label} composed"] = f"{row[f'{part} composed']:.3f} ({row[f'{part} questions']:,})"
                    table[tool][f"{label} ratio"] = f"{row[f'{part} ratio']:.2f}"
                    table[tool][f"{label} mix bound (ratio)"] = (
                        f"{row[f'{part} mix bound']:.3f} ({row[f'{part} mix bound'] / row[f'{part} covered']:.2f})"
                    )
        covered_add = google_rows(scored["fastText"][0]["add"], scored["fastText"][0]["add"])["all covered"]
        print(f"fastText covered 3CosAdd {covered_add:.3f}; gensim's evaluate_word_analogies gives {gensim_add:.3f}")

    rows = list(table["wordvec"])
    width = max(len(row) for row in rows)
    print(f"| {'':<{width}} | {'wordvec':>16} | {'fastText':>16} |")
    print(f"|{'-' * (width + 2)}|{'-' * 18}:|{'-' * 18}:|")
    for row in rows:
        print(f"| {row:<{width}} | {table['wordvec'][row]:>16} | {table['fastText'][row]:>16} |")


if __name__ == "__main__":
    main()
