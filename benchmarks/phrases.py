"""Learning phrases: wordvec against gensim's ``Phrases`` on the same tokens, time, memory and the phrases found.

Usage::

    pip install -e '.[bench]'
    python benchmarks/phrases.py [CORPUS ...] [--work DIR] [--scoring default|npmi] [--threshold T] [--min-count N]
                                  [--passes N]

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

With ``--passes N``, wordvec learns N passes and gensim trains N ``Phrases``, each on the corpus
joined by the one before (``Phrases(bigram[sentences])``); the script then compares each pass's
lists, and the first 200,000 lines as each tool's passes join them (gensim's later exports are
scored by their first and last unigram, so the joined lines are the fair comparison).
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
        tokens, output, scoring, threshold, min_count, passes = sys.argv[1:7]
        found = learn_phrases(tokens, scoring=scoring, threshold=float(threshold), min_count=int(min_count),
                              passes=int(passes))
        layers = [{phrase: [count, score] for phrase, (count, score) in layer.items()} for layer in found.layers]
        json.dump({"layers": layers}, open(output, "w"))
    """
)
GENSIM_LEARN = textwrap.dedent(
    """
    import json, sys
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.models.word2vec import LineSentence
    tokens, output, scoring, threshold, min_count, passes = sys.argv[1:7]
    sentences, layers = LineSentence(tokens, max_sentence_length=10**9), []
    for number in range(int(passes)):
        found = Phrases(sentences, scoring=scoring, threshold=float(threshold), min_count=int(min_count),
                        connector_words=ENGLISH_CONNECTOR_WORDS, max_vocab_size=10**9)
        layers.append(found)
        sentences = found[sentences]  # the next pass reads the corpus with these phrases joined
    json.dump({"layers": [layer.export_phrases() for layer in layers]}, open(output, "w"))
    """
)
#: With several passes: the first lines of the corpus joined by each tool's phrases, compared after the timed runs.
APPLIED_LINES = 200_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--work", type=Path, help="keep the tokens here, and reuse them")
    parser.add_argument("--scoring", default="default", choices=["default", "npmi"])
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--passes", type=int, default=1, help="learn in this many passes (gensim: one Phrases a pass)")
    args = parser.parse_args()
    threshold = args.threshold if args.threshold is not None else {"default": 10.0, "npmi": 0.5}[args.scoring]
    corpus = args.corpus or sorted((SHARED / "corpora").glob("*.txt.gz"))
    with tempfile.TemporaryDirectory(prefix="wordvec-phrases-") as scratch:
        work = args.work or Path(scratch)
        tokens = tokens_in(work, corpus)
        settings = [args.scoring, str(threshold), str(args.min_count), str(args.passes)]
        runs = {}
        for name, script in (("wordvec", WORDVEC_LEARN), ("gensim", GENSIM_LEARN)):
            output = work / f"{name}-phrases.json"
            seconds, peak = timed_run([sys.executable, "-c", script, str(tokens), str(output), *settings])
            runs[name] = (seconds, peak, json.loads(output.read_text())["layers"])
            print(f"{name}: {seconds:.1f} s, peak {peak:.2f} GB, {[len(layer) for layer in runs[name][2]]} phrases a pass",
                  flush=True)
        if args.passes > 1:
            compare_passes(tokens, runs["wordvec"][2], runs["gensim"][2], settings)
    ours = {phrase: score for phrase, (_, score) in runs["wordvec"][2][0].items()}
    theirs = runs["gensim"][2][0]
    common = ours.keys() & theirs.keys()
    union = ours.keys() | theirs.keys()
    print(f"\n{args.scoring}, threshold {threshold}, min_count {args.min_count}")
    print(f"wordvec is {runs['gensim'][0] / runs['wordvec'][0]:.1f}x faster than gensim Phrases")
    print(f"Jaccard index of the phrases: {len(common) / max(len(union), 1):.4f} ({len(common):,} common of {len(union):,})")
    if common:
        print(f"largest score difference of a common phrase: {max(abs(ours[p] - theirs[p]) for p in common):.3g}")
    print(f"found by wordvec only: {sorted(ours.keys() - theirs.keys())[:20]}")
    print(f"found by gensim only: {sorted(theirs.keys() - ours.keys())[:20]}")
    first = runs["wordvec"][2][0]
    for title, order in (("best", list(first.items())), ("most frequent", sorted(first.items(), key=lambda item: -item[1][0]))):
        print(f"\nthe 25 {title} phrases:\n\n| phrase | count | score |\n|---|---|---|")
        for phrase, (count, score) in order[:25]:
            print(f"| {phrase} | {count:,} | {score:.1f} |")


def compare_passes(tokens: Path, ours: list[dict], theirs: list[dict], settings: list[str]) -> None:
    """Each pass's lists compared, and the first ``APPLIED_LINES`` lines as each tool's passes join them.

    gensim's ``export_phrases`` of a later pass scores each phrase by its first and last
    unigram, so its lists differ from what that pass applies: the joined lines say whether
    the two tools join the corpus alike.
    """
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases as GensimPhrases
    from gensim.models.word2vec import LineSentence

    from wordvec.phrases import Phrases

    for number, (mine, gensims) in enumerate(zip(ours, theirs), start=1):
        union = mine.keys() | gensims.keys()
        print(f"pass {number}: Jaccard of the exported phrases {len(mine.keys() & gensims.keys()) / max(len(union), 1):.4f} "
              f"({len(mine):,} wordvec, {len(gensims):,} gensim)")
    found = Phrases(scoring=settings[0], threshold=float(settings[1]), min_count=int(settings[2]))
    found.layers = [{phrase: tuple(value) for phrase, value in layer.items()} for layer in ours]
    sentences = LineSentence(tokens, max_sentence_length=10**9)
    layers = []
    for _ in ours:  # gensim's models again, to apply (its export cannot be applied as it was learnt)
        layer = GensimPhrases(sentences, scoring=settings[0], threshold=float(settings[1]), min_count=int(settings[2]),
                              connector_words=ENGLISH_CONNECTOR_WORDS, max_vocab_size=10**9)
        layers.append(layer)
        sentences = layer[sentences]
    same = lines = 0
    for line in LineSentence(tokens, max_sentence_length=10**9):
        joined = line
        for layer in layers:
            joined = layer[joined]
        same += found.apply(line) == joined
        lines += 1
        if lines == APPLIED_LINES:
            break
    print(f"lines joined alike by both tools' {len(ours)} passes: {same:,} of {lines:,} ({100 * same / max(lines, 1):.2f}%)")


if __name__ == "__main__":
    main()
