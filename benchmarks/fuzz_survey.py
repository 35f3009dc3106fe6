"""Every problem the fuzz test's checks find over ~2,500 mutated model and vector files, grouped by cause.

Usage::

    python benchmarks/fuzz_survey.py OUT.md [SAMPLE [TARGETS]]

Where ``tests/test_fuzz.py`` stops at its first failing example, this runs the same checks
(every load and query command on each input, in probe processes) over an enumeration of
structured and byte mutations plus SAMPLE hypothesis examples, and writes each distinct
problem once, with how often and on which inputs it happened, to OUT.md. TARGETS is a comma
list of model,vec,bin,glove,npy. wordvec is imported as installed (or from PYTHONPATH).
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_fuzz as tf  # noqa: E402
from conftest import royal_corpus_lines  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

import wordvec  # noqa: E402

BATCH = 20


def enumerated() -> list[tf.Mutation]:
    M = tf.Mutation
    out = []
    for target, file, kind in tf.TARGET_FILES:
        for at in (0, 5, 9, 64, 100, 500, 10**6):
            out.append(M(target, file, "truncate", (at,)))
        out += [M(target, file, "delete"), M(target, file, "append", (b"\x00" * 8,)), M(target, file, "append", (b"\n",)),
                M(target, file, "append", (b"junk 1 2\n",))]
        for at in (0, 8, 20, 60, 130, 300):
            out.append(M(target, file, "flip bytes", (((at, 0xFF),),)))
        if kind == "npy":
            for descr in tf.NPY_DTYPES:
                out += [M(target, file, "npy header", (descr, None, False, fit)) for fit in (False, True)]
                out.append(M(target, file, "npy retype", (descr,)))
            for change in tf.SHAPE_CHANGES:
                out += [M(target, file, "npy header", (None, change, False, fit)) for fit in (False, True)]
            out.append(M(target, file, "npy header", (None, None, True, False)))
            for value in tf.SPECIAL_VALUES:
                for positions in ((0,), (1,), (65535,)):
                    out.append(M(target, file, "npy values", (value, positions)))
            for order in ("reversed", "shuffled", "two swapped"):
                out += [M(target, file, "npy order", (order, seed)) for seed in (0, 7)]
            for change in ("0-D", "1-D", "3-D", "empty", "one fewer row", "one more row", "one more column", "transposed"):
                out.append(M(target, file, "npy reshape", (change,)))
        elif kind == "json":
            meta = json.loads((pristine / "model" / "model" / "meta.json").read_text())
            for number in range(len(tf.json_paths(meta))):
                for value in ("string", "list", "dict", "null", "huge int", "negative", "nan", "float", "zero"):
                    out.append(M(target, file, "json edit", (number, value, False)))
                out.append(M(target, file, "json edit", (number, "null", True)))
            out += [M(target, file, "json nested", (depth,)) for depth in (2, 1000, 100_000)]
        if kind in ("vocab", "words", "w2v-text", "glove"):
            for edit in tf.LINE_EDITS:
                for line in (0, 1, 5):
                    for fix in ((False, True) if file == "vocab.txt" else (False,)):
                        out.append(M(target, file, "lines", (edit, line, fix)))
        if kind in ("w2v-text", "w2v-binary", "glove"):
            for count in tf.HEADER_COUNTS:
                for dim in tf.HEADER_DIMS:
                    out.append(M(target, file, "w2v header", (count, dim, False)))
            out.append(M(target, file, "w2v header", ("same", "same", True)))
        if kind in ("w2v-text", "glove"):
            for value in tf.TEXT_VALUES:
                out += [M(target, file, "text value", (value, 0, 0)), M(target, file, "text value", (value, 3, 2))]
        if kind == "w2v-binary":
            for value in tf.BINARY_VALUES:
                out += [M(target, file, "binary value", (value, 0, 0)), M(target, file, "binary value", (value, 5, 3))]
            for edit in tf.BINARY_WORDS:
                out += [M(target, file, "binary word", (edit, row)) for row in (0, 3)]
    return out


def sampled(count: int) -> list[tf.Mutation]:
    found = []

    @settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(tf.MUTATIONS)
    def collect(mutation):
        found.append(mutation)

    collect()
    return found


def run_all(mutations: list[tf.Mutation], scratch: Path) -> list[tf.Problem]:
    problems: list[tf.Problem] = []
    pending = list(mutations)
    batch_number = 0
    while pending:
        chunk, pending = pending[:BATCH], pending[BATCH:]
        root = scratch / f"batch-{batch_number}"
        batch_number += 1
        found = tf.check_mutations(chunk, pristine, root)
        problems += found
        # After a crash or a hang, the inputs after the one that caused it were not run: run them again.
        entries = [json.loads(line) for line in (root / "results.jsonl").read_text().splitlines()] if (root / "results.jsonl").exists() else []
        started = {int(entry["id"].split(":")[0]) for entry in entries if entry["event"] == "start"}
        last = max(started) if started else 0
        complete = any(problem.what.startswith(("killed", "hangs", "the probe exited")) for problem in found)
        if complete:
            pending = chunk[last + 1 :] + pending
        shutil.rmtree(root, ignore_errors=True)
        print(f"{len(mutations) - len(pending)}/{len(mutations)} mutations, {len(problems)} problems", file=sys.stderr, flush=True)
    return problems


def report(problems: list[tf.Problem], out: Path, seconds: float, total: int) -> None:
    by_cause = collections.defaultdict(list)
    for problem in problems:
        by_cause[problem.cause].append(problem)
    lines = [f"wordvec from {Path(wordvec.__file__).parent}; {total} mutated inputs; {seconds:.0f} s; "
             f"{len(problems)} problems, {len(by_cause)} distinct causes", ""]
    for cause, group in sorted(by_cause.items(), key=lambda item: -len(item[1])):
        commands = collections.Counter(problem.command for problem in group)
        files = collections.Counter(f"{p.mutation.target}/{p.mutation.file}: {p.mutation.kind}" for p in group if p.mutation)
        lines.append(f"### {cause}")
        lines.append(f"- {len(group)} times; commands: {', '.join(f'{c} ({n})' for c, n in commands.most_common())}")
        lines.append(f"- mutations: {', '.join(f'{f} ({n})' for f, n in files.most_common(8))}")
        for example in group[:2]:
            lines.append(f"- e.g. `{example}`"[:700])
        lines.append("")
    out.write_text("\n".join(lines))
    raw = [{"mutation": repr(p.mutation), "target": p.mutation.target if p.mutation else "", "file": p.mutation.file if p.mutation else "",
            "kind": p.mutation.kind if p.mutation else "", "command": p.command, "what": p.what, "cause": p.cause} for p in problems]
    out.with_suffix(".json").write_text(json.dumps(raw, indent=0))


if __name__ == "__main__":
    out = Path(sys.argv[1])
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-survey-"))
    corpus = scratch / "royal.txt"
    corpus.write_text("\n".join(royal_corpus_lines()) + "\n")
    (scratch / "pristine").mkdir()
    pristine = tf.make_pristine(scratch / "pristine", corpus)
    mutations = enumerated() + sampled(sample)
    if len(sys.argv) > 3:  # only these targets, e.g. "model" or "vec,bin,glove,npy"
        mutations = [m for m in mutations if m.target in sys.argv[3].split(",")]
    started = time.perf_counter()
    problems = run_all(mutations, scratch)
    report(problems, out, time.perf_counter() - started, len(mutations))
    shutil.rmtree(scratch, ignore_errors=True)
