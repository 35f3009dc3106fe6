"""Build the bench corpus with `wordvec build` (defaults), export it, and score the export and the model.

Usage::

    python benchmarks/bench_build.py [--corpus-dir ../shared/corpora] [--eval-dir ../shared/eval] [-- BUILD OPTIONS]

Runs the real command under ``/usr/bin/time -v`` (peak memory), exports the model to the word2vec
text format, loads the export with ``wordvec.load_word2vec_format`` and prints one table: seconds
per stage, peak RSS, WordSim-353 and SimLex-999 of the export (Spearman, with out-of-vocabulary
pairs skipped and counted) and Google analogies (3CosAdd and 3CosMul over the 30k most frequent
words) of the model itself, which answers them in its analogy view (an export holds one view).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import wordvec
from quality import timed_run
from wordvec.evaluate import evaluate_word_analogies, evaluate_word_pairs

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=SHARED / "corpora")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("build_options", nargs="*", help="extra options for `wordvec build` (after --)")
    args = parser.parse_args()
    corpus = sorted(str(p) for p in args.corpus_dir.glob("*.txt.gz"))
    with tempfile.TemporaryDirectory(prefix="wordvec-bench-") as work:
        model_dir = Path(work) / "model"
        command = ["wordvec", "build", *corpus, "-o", str(model_dir), "--quiet", *args.build_options]
        wall, peak_gb = timed_run(command)
        model = wordvec.load(model_dir)
        exported = Path(work) / "vectors.txt"
        subprocess.run(["wordvec", "export", "-m", str(model_dir), "-o", str(exported)], check=True, capture_output=True)
        vectors = wordvec.load_word2vec_format(exported)
        rows = [
            ("command", " ".join(["wordvec", "build", f"{args.corpus_dir}/*.txt.gz", *args.build_options])),
            ("files", str(len(corpus))),
            ("tokens", f"{model.stats['tokens']:,}"),
            ("vocabulary", f"{len(model):,}"),
            ("wall seconds", f"{wall:.1f}"),
        ]
        rows += [(f"  {stage} s", f"{seconds:.1f}") for stage, seconds in model.stats["seconds"].items()]
        rows.append(("peak RSS", f"{peak_gb:.2f} GB"))
        for name, file in (("WordSim-353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt")):
            result = evaluate_word_pairs(vectors, args.eval_dir / file)
            rows.append((f"{name} Spearman", f"{result.spearman:.3f} ({result.scored}/{result.pairs} pairs, {result.oov_ratio:.1f}% OOV)"))
        for method in ("add", "mul"):
            result = evaluate_word_analogies(model, args.eval_dir / "questions-words.txt", method=method, restrict_vocab=30000)
            rows.append((f"Google 3Cos{method.capitalize()} (top 30k)", f"{result.accuracy:.3f} ({result.answered} answered, {result.skipped} skipped)"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
