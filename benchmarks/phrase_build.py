"""The bench build with phrases joined (``--phrases auto``) against the same build without, in one run.

Usage::

    python benchmarks/phrase_build.py [--corpus-dir ../shared/corpora] [--eval-dir ../shared/eval]
                                      [--work DIR] [-- MORE PHRASE OPTIONS]

Runs ``wordvec build`` on the bench corpus twice under ``/usr/bin/time -v`` (peak memory): with
the defaults, then with ``--phrases auto`` and any options given after ``--`` (``--phrase-passes
2``, say). Prints one table: wall seconds, seconds per stage, peak RSS, the time phrases add (as a
share of the plain build), phrases found and tokens joined, and WordSim-353, SimLex-999 and the
Google analogies of each model; then the neighbours of a few phrases and the 25 best phrases.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import wordvec
from quality import scores, timed_run

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
#: Phrases whose neighbours are shown (the README's examples).
SHOWN = ("new york", "prime minister", "world war", "united states", "los angeles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=SHARED / "corpora")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--work", type=Path, help="keep the two models here")
    parser.add_argument("phrase_options", nargs="*", help="more options for the build with phrases (after --)")
    args = parser.parse_args()
    corpus = sorted(str(path) for path in args.corpus_dir.glob("*.txt.gz"))
    with tempfile.TemporaryDirectory(prefix="wordvec-phrase-bench-") as scratch:
        work = args.work or Path(scratch)
        runs = {}
        for name, options in (("plain", []), ("phrases", ["--phrases", "auto", *args.phrase_options])):
            model_dir = work / f"model-{name}"
            wall, peak = timed_run(["wordvec", "build", *corpus, "-o", str(model_dir), "--quiet", *options])
            model = wordvec.load(model_dir)
            runs[name] = (wall, peak, model, scores(model, args.eval_dir))
            print(f"{name}: {wall:.1f} s, peak {peak:.2f} GB", flush=True)
        plain, joined = runs["plain"], runs["phrases"]
        rows = [("options", "(defaults)", " ".join(["--phrases", "auto", *args.phrase_options])),
                ("wall seconds", f"{plain[0]:.1f}", f"{joined[0]:.1f}")]
        stages = list(dict.fromkeys([*plain[2].stats["seconds"], *joined[2].stats["seconds"]]))
        rows += [(f"  {stage} s", f"{plain[2].stats['seconds'].get(stage, 0):.1f}", f"{joined[2].stats['seconds'].get(stage, 0):.1f}")
                 for stage in stages]
        rows.append(("peak RSS", f"{plain[1]:.2f} GB", f"{joined[1]:.2f} GB"))
        phrase_stats = joined[2].stats["phrases"]
        rows.append(("phrases (tokens joined)", "", f"{phrase_stats['phrases']:,} ({phrase_stats['joined_tokens']:,})"))
        rows += [(name, plain[3][name], joined[3][name]) for name in plain[3]]
        width = max(len(row[0]) for row in rows)
        for name, first, second in rows:
            print(f"{name:<{width}}  {first:>24}  {second:>24}")
        print(f"\nphrases add {100 * (joined[0] / plain[0] - 1):.0f}% to the build's wall time")
        print(occurrences_taken(plain[2], joined[2], args.eval_dir))
        model = joined[2]
        print()
        for phrase in SHOWN:
            if phrase in model:
                neighbours = model.most_similar(phrase, topn=8)
                print(f"{phrase}: " + ", ".join(f"{word} {score:.2f}" for word, score in neighbours))
            else:
                print(f"{phrase}: not a phrase of this model")
        print("\n| phrase | count | score |\n|---|---|---|")
        for phrase, (count, score) in list(model.phrases.phrases.items())[:25]:
            print(f"| {phrase} | {count:,} | {score:.1f} |")


def occurrences_taken(plain: wordvec.WordVectors, joined: wordvec.WordVectors, eval_dir: Path) -> str:
    """How many of the similarity sets' words keep fewer occurrences with phrases (``--phrase-mode replace`` takes them)."""
    words = set()
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in (eval_dir / name).read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                words.update(word.lower() for word in fields[:2])
    kept = sorted(
        (joined.counts[joined.key_to_index[word]] / plain.counts[plain.key_to_index[word]], word)
        for word in words if word in plain.key_to_index and word in joined.key_to_index
    )
    fewest = ", ".join(f"{word} {share:.2f}" for share, word in kept[:5])
    return (f"WordSim-353 and SimLex-999 words: {sum(share < 0.9 for share, _ in kept)} of {len(kept)} keep under 90% "
            f"of their occurrences (median share kept {kept[len(kept) // 2][0]:.2f}; fewest: {fewest})")


if __name__ == "__main__":
    main()
