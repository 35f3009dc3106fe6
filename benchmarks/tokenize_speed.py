"""Throughput of the first pass, one process: decompress + decode, normalise + tokenize, and the whole scan.

Usage::

    python benchmarks/tokenize_speed.py [CORPUS ...]

With no CORPUS, the bench corpus (all of ../shared/corpora). Prints MB of decoded text per second
(MB = 10^6 bytes of UTF-8) for each step, measured on the same text in this one process:

- ``read``: decompress and decode to text pieces (:meth:`wordvec.corpus.Corpus.iter_text`);
- ``tokenize``: :meth:`wordvec.tokenize.RegexTokenizer.tokenize_lines` on those pieces (NFC,
  lowercasing, one ``re.findall`` per piece of about 1 MB);
- ``scan``: the vocabulary pass as a build runs it (read + tokenize + ids spooled to a file).

A build runs the scan on every core, so its read+tokenize stage is about this figure times the
workers.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from wordvec.corpus import Corpus
from wordvec.tokenize import RegexTokenizer
from wordvec.vocab import scan_corpus

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def main() -> None:
    corpus = [Path(p) for p in sys.argv[1:]] or sorted((SHARED / "corpora").glob("*.txt.gz"))
    tokenizer = RegexTokenizer()
    text_bytes = tokens = 0
    read_seconds = tokenize_seconds = 0.0
    pieces = iter(Corpus(corpus).iter_text())
    while True:
        began = time.perf_counter()
        piece = next(pieces, None)
        read_seconds += time.perf_counter() - began
        if piece is None:
            break
        text_bytes += len(piece.encode("utf-8"))
        began = time.perf_counter()
        tokens += len(tokenizer.tokenize_lines(piece))
        tokenize_seconds += time.perf_counter() - began
    with tempfile.TemporaryFile() as spool:
        began = time.perf_counter()
        scan_corpus(Corpus(corpus).iter_text(), tokenizer, spool=spool)
        scan_seconds = time.perf_counter() - began
    megabytes = text_bytes / 1e6
    print(f"text: {megabytes:,.1f} MB, {tokens:,} tokens (with line ends)")
    print(f"{'step':<10} {'seconds':>8} {'MB/s':>8}")
    for step, seconds in (("read", read_seconds), ("tokenize", tokenize_seconds), ("scan", scan_seconds)):
        print(f"{step:<10} {seconds:>8.1f} {megabytes / seconds:>8.1f}")


if __name__ == "__main__":
    main()
