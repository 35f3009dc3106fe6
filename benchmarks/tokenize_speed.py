"""Throughput of the first pass, one process: decompress + decode, normalise + tokenize, and the whole scan.

Usage::

    python benchmarks/tokenize_speed.py [CORPUS ...]

With no CORPUS, the bench corpus (all of ../shared/corpora). Prints MB of decoded text per second
(MB = 10^6 bytes of UTF-8) for each step, measured on the same text in this one process:

- ``read``: decompress and decode to text pieces (:meth:`wordvec.corpus.Corpus.iter_text`);
- ``normalize``: :func:`wordvec.tokenize.normalize_text` (NFC, lowercase, apostrophes, clitics);
- ``regex``: :meth:`~wordvec.tokenize.RegexTokenizer.tokenize_lines`, normalising and one
  ``re.findall`` per piece of about 1 MB, a string object per token;
- ``numpy``: :meth:`~wordvec.tokenize.RegexTokenizer.tokenize_lines_grouped`, normalising and
  the same tokens found with numpy, a string object per distinct token of a piece;
- ``scan``: the vocabulary pass as a build runs it (read + numpy tokenizing + ids spooled to a file);
- ``compiled``: the same scan with the tokens numbered by compiled code (``scan_corpus(...,
  compiled=True)``, the ``[fast]`` extra), after one warm-up call that loads the kernels.

A build runs the scan on every core, so its read+tokenize stage is about this figure times the
workers.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from wordvec.corpus import Corpus
from wordvec.tokenize import RegexTokenizer, normalize_text
from wordvec.vocab import scan_corpus

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def main() -> None:
    corpus = [Path(p) for p in sys.argv[1:]] or sorted((SHARED / "corpora").glob("*.txt.gz"))
    tokenizer = RegexTokenizer()
    text_bytes = 0
    seconds = {"read": 0.0, "normalize": 0.0, "regex": 0.0, "numpy": 0.0}
    pieces = iter(Corpus(corpus).iter_text())
    while True:
        began = time.perf_counter()
        piece = next(pieces, None)
        seconds["read"] += time.perf_counter() - began
        if piece is None:
            break
        text_bytes += len(piece.encode("utf-8"))
        began = time.perf_counter()
        normalize_text(piece)
        seconds["normalize"] += time.perf_counter() - began
        began = time.perf_counter()
        listed = tokenizer.tokenize_lines(piece)
        seconds["regex"] += time.perf_counter() - began
        began = time.perf_counter()
        distinct, positions = tokenizer.tokenize_lines_grouped(piece)
        seconds["numpy"] += time.perf_counter() - began
        if len(listed) != len(positions):
            sys.exit("the two tokenizations differ")
    with tempfile.TemporaryFile() as spool:
        began = time.perf_counter()
        scanned = scan_corpus(Corpus(corpus).iter_text(), tokenizer, spool=spool)
        seconds["scan"] = time.perf_counter() - began
    scan_corpus(["warm up\n"], tokenizer, compiled=True)
    with tempfile.TemporaryFile() as spool:
        began = time.perf_counter()
        compiled = scan_corpus(Corpus(corpus).iter_text(), tokenizer, spool=spool, compiled=True)
        seconds["compiled"] = time.perf_counter() - began
    if compiled.words != scanned.words or compiled.tokens != scanned.tokens:
        sys.exit("the compiled scan differs")
    megabytes = text_bytes / 1e6
    print(f"text: {megabytes:,.1f} MB")
    print(f"{'step':<10} {'seconds':>8} {'MB/s':>8}")
    for step, value in seconds.items():
        print(f"{step:<10} {value:>8.1f} {megabytes / value:>8.1f}")


if __name__ == "__main__":
    main()
