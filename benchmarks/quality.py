"""wordvec (defaults) against gensim's Word2Vec on the same token stream: time, memory and quality.

Usage::

    pip install -e '.[bench]'
    python benchmarks/quality.py [CORPUS ...] [--eval-dir ../shared/eval] [--skip-gensim]

With no CORPUS, the bench corpus (all of ../shared/corpora). The corpus is tokenized once with
wordvec's tokenizer into a temporary file of space-separated tokens, one corpus line a line; both
tools train on that file, so they see the same tokens and lines. Each build runs in its own process
under ``/usr/bin/time -v`` for its peak memory:

- wordvec: ``wordvec build TOKENS --quiet`` with its defaults (dim 300, window 5, min_count 5);
- gensim: ``Word2Vec(corpus_file=TOKENS, sg=1, negative=5, vector_size=300, window=5, min_count=5,
  epochs=5, workers=<cores>)`` (skip-gram with negative sampling, its standard quality setting).

Both are then scored on WordSim-353 and SimLex-999 (Spearman, unknown pairs skipped and counted),
the Google analogies over the 30k most frequent words (3CosAdd and 3CosMul, overall and for the
syntactic ``gram*`` sections and the semantic others) and vocabulary coverage of the test words.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import wordvec
from wordvec.corpus import Corpus
from wordvec.evaluate import evaluate_word_analogies, evaluate_word_pairs
from wordvec._cores import available_cores
from wordvec.tokenize import RegexTokenizer

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

GENSIM_TRAIN = textwrap.dedent(
    """
    import sys
    from gensim.models import Word2Vec
    tokens, output, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = Word2Vec(corpus_file=tokens, sg=1, negative=5, vector_size=300, window=5, min_count=5,
                     epochs=5, workers=workers, seed=0)
    model.wv.save_word2vec_format(output, binary=True)
    """
)


def tokenize_to_file(corpus: list[Path], output: Path) -> int:
    """Write the corpus as space-separated tokens, one line per corpus line; return the token count."""
    tokenizer = RegexTokenizer()
    tokens = 0
    with open(output, "w", encoding="utf-8") as out:
        for piece in Corpus(corpus).iter_text():
            words = tokenizer.tokenize_lines(piece)
            tokens += len(words) - words.count("\n")
            out.write(" ".join(words).replace(" \n ", "\n").replace(" \n", "\n").replace("\n ", "\n"))
    return tokens


def tokens_in(work: Path, corpus: list[Path]) -> Path:
    """``work/tokens.txt``: the corpus tokenized by :func:`tokenize_to_file`, unless an earlier run left it there."""
    work.mkdir(parents=True, exist_ok=True)
    tokens = work / "tokens.txt"
    if not tokens.exists():
        print(f"corpus: {len(corpus)} files, {tokenize_to_file(corpus, tokens):,} tokens", flush=True)
    return tokens


def timed_run(command: list[str]) -> tuple[float, float]:
    """Run ``command`` under /usr/bin/time -v; return (wall seconds, peak RSS in GB)."""
    seconds, peak, _ = timed_run_with_stderr(command)
    return seconds, peak


def timed_run_with_stderr(command: list[str]) -> tuple[float, float, str]:
    """:func:`timed_run`, and the command's own stderr."""
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{run.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return seconds, peak_kb / 1024 / 1024, run.stderr.split("\tCommand being timed")[0]


def scores(model: wordvec.WordVectors, eval_dir: Path) -> dict[str, str]:
    rows = {}
    for name, file in (("WordSim-353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt")):
        result = evaluate_word_pairs(model, eval_dir / file)
        rows[name] = f"{result.spearman:.3f}"
        rows[f"{name} pairs scored"] = f"{result.scored}/{result.pairs}"
    for method in ("add", "mul"):
        result = evaluate_word_analogies(model, eval_dir / "questions-words.txt", method=method, restrict_vocab=30000)
        rows[f"Google 3Cos{method.capitalize()} (top 30k)"] = f"{result.accuracy:.3f}"
        rows["Google answered"] = f"{result.answered}/{result.answered + result.skipped}"
        for part, sections in (("syntactic", [s for s in result.sections if s.name.startswith("gram")]),
                               ("semantic", [s for s in result.sections if not s.name.startswith("gram")])):
            correct = sum(len(section.correct) for section in sections)
            answered = sum(section.answered for section in sections)
            rows[f"  {part} 3Cos{method.capitalize()}"] = f"{correct / max(answered, 1):.3f}"
    rows["vocabulary"] = f"{len(model):,}"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--skip-gensim", action="store_true")
    args = parser.parse_args()
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz"))
    workers = available_cores()
    columns: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="wordvec-quality-") as work:
        tokens_file = Path(work) / "tokens.txt"
        token_count = tokenize_to_file(corpus, tokens_file)
        print(f"corpus: {len(corpus)} files, {token_count:,} tokens; workers={workers}", flush=True)

        model_dir = Path(work) / "wordvec-model"
        seconds, peak = timed_run(["wordvec", "build", str(tokens_file), "-o", str(model_dir), "--quiet"])
        columns["wordvec"] = {"build seconds": f"{seconds:.1f}", "peak RSS GB": f"{peak:.2f}"}
        columns["wordvec"].update(scores(wordvec.load(model_dir), args.eval_dir))
        print("wordvec done", flush=True)

        if not args.skip_gensim:
            vectors_file = Path(work) / "gensim.bin"
            command = [sys.executable, "-c", GENSIM_TRAIN, str(tokens_file), str(vectors_file), str(workers)]
            seconds, peak = timed_run(command)
            columns["gensim w2v"] = {"build seconds": f"{seconds:.1f}", "peak RSS GB": f"{peak:.2f}"}
            columns["gensim w2v"].update(scores(wordvec.load_word2vec_format(vectors_file, binary=True), args.eval_dir))

    names = list(columns)
    rows = list(columns[names[0]])
    width = max(len(row) for row in rows)
    print(f"{'':<{width}}  " + "  ".join(f"{name:>14}" for name in names))
    for row in rows:
        print(f"{row:<{width}}  " + "  ".join(f"{columns[name].get(row, '-'):>14}" for name in names))
    if len(names) == 2:
        ratio = float(columns[names[1]]["build seconds"]) / float(columns[names[0]]["build seconds"])
        print(f"\nwordvec build is {ratio:.1f}x faster than gensim Word2Vec in this run")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    np.seterr(all="ignore")
    main()
