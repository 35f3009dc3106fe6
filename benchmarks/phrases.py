"""Learning phrases: wordvec against gensim's ``Phrases`` on the same tokens, time, memory and the phrases found.

Usage::

    pip install -e '.[bench]'
    python benchmarks/phrases.py [CORPUS ...] [--work DIR] [--scoring default|npmi] [--threshold T] [--min-count N]

With no CORPUS, the bench corpus, tokenized once with wordvec's tokenizer into a file of
space-separated tokens, one corpus line a line (as ``quality.py`` does). Each tool learns
phrases from that file in its own process, under ``/usr/bin/time -v`` for the peak memory:

- wordvec: ``wordvec.phrases.learn_phrases(TOKENS, ...)`` (its reader, tokenizer and worker
  processes; the tokens come out as they went in);
- gensim: ``Phrases(LineSentence(TOKENS), ..., connector_words=ENGLISH_CONNECTOR_WORDS)``,
  with a ``max_vocab_size`` large enough never to prune.

Both write their phrases and scores; the script prints the time and peak memory of each, their
ratio, the Jaccard index of the two sets of phrases, the largest difference of a common phrase's
score, and the phrases found by one only. Then the 25 best phrases.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import SHARED, timed_run, tokens_in  # noqa: E402

WORDVEC_LEARN = textwrap.dedent(
    """
    import json, sys
    from wordvec.phrases import learn_phrases
    if __name__ == "__main__":
        tokens, output, scoring, threshold, min_count = sys.argv[1:6]
        found = learn_phrases(tokens, scoring=scoring, threshold=float(threshold), min_count=int(min_count))
        json.dump({phrase: [count, score] for phrase, (count, score) in found.phrases.items()}, open(output, "w"))
    """
)
GENSIM_LEARN = textwrap.dedent(
    """
    import json, sys
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.models.word2vec import LineSentence
    tokens, output, scoring, threshold, min_count = sys.argv[1:6]
    found = Phrases(LineSentence(tokens, max_sentence_length=10**9), scoring=scoring, threshold=float(threshold),
                    min_count=int(min_count), connector_words=ENGLISH_CONNECTOR_WORDS, max_vocab_size=10**9)
    json.dump(found.export_phrases(), open(output, "w"))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--work", type=Path, help="keep the tokens here, and reuse them")
    parser.add_argument("--scoring", default="default", choices=["default", "npmi"])
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--min-count", type=int, default=5)
    args = parser.parse_args()
    threshold = args.threshold if args.threshold is not None else {"default": 10.0, "npmi": 0.5}[args.scoring]
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz"))
    with tempfile.TemporaryDirectory(prefix="wordvec-phrases-") as scratch:
        work = args.work or Path(scratch)
        tokens = tokens_in(work, corpus)
        settings = [args.scoring, str(threshold), str(args.min_count)]
        runs = {}
        for name, script in (("wordvec", WORDVEC_LEARN), ("gensim", GENSIM_LEARN)):
            output = work / f"{name}-phrases.json"
            seconds, peak = timed_run([sys.executable, "-c", script, str(tokens), str(output), *settings])
            runs[name] = (seconds, peak, json.loads(output.read_text()))
            print(f"{name}: {seconds:.1f} s, peak {peak:.2f} GB, {len(runs[name][2]):,} phrases", flush=True)
    ours = {phrase: score for phrase, (_, score) in runs["wordvec"][2].items()}
    theirs = runs["gensim"][2]
    common = ours.keys() & theirs.keys()
    union = ours.keys() | theirs.keys()
    print(f"\n{args.scoring}, threshold {threshold}, min_count {args.min_count}")
    print(f"wordvec is {runs['gensim'][0] / runs['wordvec'][0]:.1f}x faster than gensim Phrases")
    print(f"Jaccard index of the phrases: {len(common) / max(len(union), 1):.4f} ({len(common):,} common of {len(union):,})")
    if common:
        print(f"largest score difference of a common phrase: {max(abs(ours[p] - theirs[p]) for p in common):.3g}")
    print(f"found by wordvec only: {sorted(ours.keys() - theirs.keys())[:20]}")
    print(f"found by gensim only: {sorted(theirs.keys() - ours.keys())[:20]}")
    print("\n| phrase | count | score |\n|---|---|---|")
    for phrase, (count, score) in list(runs["wordvec"][2].items())[:25]:
        print(f"| {phrase} | {count:,} | {score:.1f} |")


if __name__ == "__main__":
    main()
