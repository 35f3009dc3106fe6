"""Fuzz test: damaged or crafted model and vector files never crash, hang or print a traceback.

Hypothesis mutates one file of a small model built with ``--keep-corpus`` (every file of it), of a word2vec text
(``.vec``) or binary (``.bin``) file, of a GloVe file, or of a ``.npy`` + ``.vocab`` pair: raw bytes (flips,
truncation, appended bytes), ``.npy`` headers (dtype, shape, Fortran order), array values (NaN, infinity,
negative, huge, out-of-range, out of order), ``meta.json`` values of the wrong type, vocabulary lines (BOM, CR,
duplicates, empty) and word2vec headers (10^12 rows, fewer rows than present, dim 0). Every load and query
command then runs on the mutated input, in one real process per example (``fuzz_probe.py``), so that a segfault
or a hang fails the test instead of killing pytest. Each command must answer (exit 0, output, valid strict JSON
for ``--json``, finite ``docvec`` rows, an export that loads back) or refuse in one ``Error:`` line with exit 1.

``WORDVEC_FUZZ_EXAMPLES`` sets the number of examples (each a batch of mutated inputs); the default keeps this
file to about a minute. The run is derandomized: the same examples every time.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import wordvec
from wordvec.cli import main

from conftest import BUILD_OPTIONS

PROBE = Path(__file__).with_name("fuzz_probe.py")
#: Examples per run; each is a batch of INPUTS_PER_EXAMPLE mutated inputs checked in one process.
FUZZ_EXAMPLES = int(os.environ.get("WORDVEC_FUZZ_EXAMPLES", "30"))
INPUTS_PER_EXAMPLE = 8
#: Seconds a batch may take; the unmutated inputs take about one.
BATCH_TIMEOUT = 60

#: Files of a model built with --keep-corpus, by what they hold.
MODEL_FILES = {
    "vectors.npy": "npy", "vocab.txt": "vocab", "meta.json": "json",
    "counts-data.npy": "npy", "counts-indices.npy": "npy", "counts-indptr.npy": "npy",
    "corpus-words.txt": "words", "corpus-word-counts.npy": "npy", "corpus-ids.npy": "npy",
}
#: (target, file, kind of content) for every file the fuzz test mutates. A target is one input given to the
#: commands: a model directory, or a vector file in a directory of its own.
TARGET_FILES = [
    *(("model", name, kind) for name, kind in MODEL_FILES.items()),
    ("vec", "vectors.vec", "w2v-text"),
    ("bin", "vectors.bin", "w2v-binary"),
    ("glove", "vectors.txt", "glove"),
    ("npy", "vectors.npy", "npy"),
    ("npy", "vectors.npy.vocab", "words"),
]
#: The path each target hands to the commands, relative to its directory.
TARGET_PATHS = {"model": "model", "vec": "vectors.vec", "bin": "vectors.bin", "glove": "vectors.txt", "npy": "vectors.npy"}

#: Query words of the royal corpus, in the model's vocabulary.
WORDS = ("king", "queen", "prince")
DOCUMENTS = "the king rules the castle\n\nzzz qqq\na dog runs in the forest near a cat\nthe cook bakes fresh bread\n"
PAIRS = "king queen 8.5\ndog cat 7.0\nbread wolf 1.0\ncake pie 8.0\n"
ANALOGIES = ": royalty\nking queen prince princess\nduke duchess baron baroness\n: food\nbread cake apple pear\n"
NEW_TEXT = "the queen visits the palace with grace\na fox hides in the cave near a wolf\n" * 3


# -- the inputs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, royal_corpus_file) -> Path:
    """The unmutated targets and the commands' other inputs, made once per module (see :func:`make_pristine`)."""
    return make_pristine(tmp_path_factory.mktemp("pristine"), royal_corpus_file)


def make_pristine(root: Path, corpus: Path) -> Path:
    """Fill ``root`` with each target unmutated (``model/model``, ``vec/vectors.vec``, ...), the documents for
    ``docvec``, the new text for ``update`` and the datasets for ``evaluate``; return it."""
    model = root / "model" / "model"
    runner = CliRunner()

    def run(*args: str) -> None:
        result = runner.invoke(main, [*args])
        assert result.exit_code == 0, result.output

    run("build", str(corpus), "-o", str(model), "-q", "--keep-corpus", *BUILD_OPTIONS)
    for target, format_name in (("vec", "word2vec"), ("bin", "word2vec-binary"), ("glove", "glove"), ("npy", "npy")):
        (root / target).mkdir()
        run("export", "-m", str(model), "--format", format_name, "-o", str(root / target / TARGET_PATHS[target]))
    (root / "documents.txt").write_text(DOCUMENTS, encoding="utf-8")
    (root / "new-text.txt").write_text(NEW_TEXT, encoding="utf-8")
    (root / "pairs.txt").write_text(PAIRS, encoding="utf-8")
    (root / "analogies.txt").write_text(ANALOGIES, encoding="utf-8")
    return root


# -- mutations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """One change to one file of a target: ``kind`` names the change, ``detail`` its parameters."""

    target: str
    file: str
    kind: str
    detail: tuple = ()

    def __repr__(self) -> str:
        return f"<{self.target}/{self.file}: {self.kind} {self.detail!r}>"

    def apply(self, directory: Path) -> None:
        """Change the file in ``directory`` (a copy of the target's pristine directory)."""
        path = directory / ("model" if self.target == "model" else "") / self.file
        data = path.read_bytes()
        if self.kind == "delete":
            path.unlink()
            return
        mutated = MUTATORS[self.kind](data, *self.detail)
        path.write_bytes(mutated)
        if self.target == "model" and self.file == "vocab.txt" and self.kind == "lines" and self.detail[-1]:
            # A vocabulary edited together with its checksum reaches the loader's fast path, which trusts it.
            meta_path = path.with_name("meta.json")
            meta = json.loads(meta_path.read_text())
            meta["vocab_crc32"] = zlib.crc32(mutated)
            meta_path.write_text(json.dumps(meta))


def _position(data: bytes, where: int) -> int:
    return where % (len(data) + 1)


def flip_bytes(data: bytes, flips: tuple[tuple[int, int], ...]) -> bytes:
    mutable = bytearray(data)
    for where, mask in flips:
        if mutable:
            mutable[where % len(mutable)] ^= mask
    return bytes(mutable)


def truncate(data: bytes, where: int) -> bytes:
    return data[: _position(data, where)]


def append(data: bytes, extra: bytes) -> bytes:
    return data + extra


def overwrite(data: bytes, where: int, replacement: bytes) -> bytes:
    start = _position(data, where)
    return data[:start] + replacement + data[start + len(replacement) :]


def npy_parts(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The header dictionary and the data bytes of a version 1 ``.npy`` file."""
    length = struct.unpack("<H", data[8:10])[0]
    return ast.literal_eval(data[10 : 10 + length].decode("latin1")), data[10 + length :]


def npy_file(header: dict[str, Any], body: bytes) -> bytes:
    """A version 1 ``.npy`` file with this header (written as numpy writes it) and these data bytes."""
    text = repr(header)
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1") + body


def npy_header(data: bytes, descr: str | None, shape_change: str | None, fortran: bool, fit: bool) -> bytes:
    """Edit the header: another dtype, another shape, Fortran order; ``fit`` resizes the data to match."""
    header, body = npy_parts(data)
    header = dict(header)
    if descr is not None:
        header["descr"] = descr
    if shape_change is not None:
        header["shape"] = reshaped(tuple(header["shape"]), shape_change)
    if fortran:
        header["fortran_order"] = True
    if fit:
        try:
            size = np.dtype(header["descr"]).itemsize * math.prod(header["shape"])
        except TypeError:
            size = len(body)
        if size <= 1 << 20:
            body = (body * (size // max(len(body), 1) + 1))[:size]
    return npy_file(header, body)


SHAPE_CHANGES = ("0-D", "1-D", "3-D", "empty", "one fewer row", "one more row", "one more column", "transposed",
                 "10^12 rows", "2^62 rows")


def reshaped(shape: tuple[int, ...], change: str) -> tuple[int, ...]:
    rows, rest = (shape[0], shape[1:]) if shape else (1, ())
    return {
        "0-D": (), "1-D": (math.prod(shape),), "3-D": (rows, *rest, 1), "empty": (0, *rest),
        "one fewer row": (max(rows - 1, 0), *rest), "one more row": (rows + 1, *rest),
        "one more column": (rows, *(r + 1 for r in rest)) if rest else (rows, 2),
        "transposed": tuple(reversed(shape)), "10^12 rows": (10**12, *rest), "2^62 rows": (2**62, *rest),
    }[change]


def _load_npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


def _save_npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=array.dtype.hasobject)
    return buffer.getvalue()


#: Values written into arrays: the name and the value for float and for integer arrays.
SPECIAL_VALUES = {
    "nan": (math.nan, -1), "inf": (math.inf, 2**31 - 1), "-inf": (-math.inf, -(2**31)), "negative": (-1.0, -1),
    "huge": (3.0e38, 2**62), "zero": (0.0, 0), "vocabulary size": (106.0, 106), "just past the end": (107.0, 107),
    "a million": (1e6, 10**6), "subnormal": (1e-45, 1),
}


def npy_values(data: bytes, value: str, positions: tuple[int, ...]) -> bytes:
    """Write a special value at some flat positions, keeping dtype and shape."""
    array = np.array(_load_npy(data))
    flat = array.reshape(-1)
    if not len(flat):
        return data
    as_float, as_int = SPECIAL_VALUES[value]
    for where in positions:
        if array.dtype.kind == "f":
            flat[where % len(flat)] = as_float
        else:
            flat[where % len(flat)] = np.array(as_int).astype(array.dtype)  # wraps around, as a crafted file may
    return _save_npy(array)


def npy_order(data: bytes, order: str, seed: int) -> bytes:
    """Reorder the values: reversed, shuffled, or two neighbours swapped (an indptr that goes down)."""
    array = np.array(_load_npy(data))
    flat = array.reshape(-1)
    if order == "reversed":
        flat[:] = flat[::-1].copy()
    elif order == "shuffled":
        np.random.default_rng(seed).shuffle(flat)
    elif len(flat) > 1:
        where = seed % (len(flat) - 1)
        flat[where], flat[where + 1] = flat[where + 1].copy(), flat[where].copy()
    return _save_npy(array)


NPY_DTYPES = ("<c8", "<c16", "|O", "|b1", "<U3", ">f8", ">i4", "<f2", "<f8", "<f4", "<i8", "<i4", "<u8", "<u4",
              "|i1", "|u1", "|V8", "<M8[D]")


def npy_retype(data: bytes, descr: str) -> bytes:
    """The same values saved with another dtype (a valid file of the wrong kind)."""
    array = _load_npy(data)
    try:
        return _save_npy(array.astype(np.dtype(descr)))
    except (TypeError, ValueError, OverflowError):
        return npy_header(data, descr, None, False, True)


def npy_reshape(data: bytes, change: str) -> bytes:
    """The values cut, repeated or reshaped to another valid shape, saved as a valid file."""
    array = _load_npy(data)
    if change == "one fewer row":
        array = array[:-1]
    elif change == "one more row":
        array = np.concatenate([array, array[-1:]]) if len(array) else array
    elif change == "empty":
        array = array[:0]
    elif change == "1-D":
        array = array.reshape(-1)
    elif change == "3-D":
        array = array.reshape(*array.shape, 1)
    elif change == "transposed":
        array = array.T.copy()
    elif change == "0-D":
        array = np.array(array.reshape(-1)[0] if array.size else 0, dtype=array.dtype)
    elif change == "one more column":
        array = np.concatenate([array, array[..., -1:]], axis=-1) if array.ndim else array
    return _save_npy(array)


#: Values of the wrong type, range or size for a meta.json entry.
JSON_VALUES = {
    "string": "8", "list": [1, 2], "empty list": [], "dict": {"a": 1}, "null": None, "true": True,
    "huge int": 10**30, "negative": -5, "zero": 0, "float": 2.5, "huge float": 1e308, "nan": math.nan,
    "infinity": math.inf, "long string": "x" * 10000,
}


def json_paths(meta: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a JSON document, the root first."""
    paths = [prefix]
    if isinstance(meta, dict):
        for key, value in meta.items():
            paths += json_paths(value, (*prefix, key))
    elif isinstance(meta, list):
        for index, value in enumerate(meta):
            paths += json_paths(value, (*prefix, index))
    return paths


def json_edit(data: bytes, path_number: int, value: str, delete: bool) -> bytes:
    """Replace (or delete) the entry at one key path of a JSON file with a value of the wrong type."""
    meta = json.loads(data)
    paths = json_paths(meta)
    path = paths[path_number % len(paths)]
    if not path:
        return json.dumps(JSON_VALUES[value]).encode()
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = JSON_VALUES[value]
    return json.dumps(meta).encode()


def json_nested(data: bytes, depth: int) -> bytes:
    """A JSON document nested ``depth`` lists deep, in place of ``data`` (Python's parser recurses)."""
    return b"[" * depth + b"]" * depth


#: Changes to a file of lines (vocab.txt, corpus-words.txt, .vocab, .vec, GloVe).
LINE_EDITS = ("BOM", "CRLF", "CR only", "duplicate line", "empty line", "delete line", "swap lines",
              "no final newline", "NUL in word", "tab in word", "space in word", "empty word", "U+2028 in word",
              "U+0085 in word", "long word", "non-digit count", "negative count", "huge count", "Arabic digit count",
              "only whitespace")


def lines_edit(data: bytes, edit: str, line: int, fix_checksum: bool) -> bytes:
    """One edit of a line file; ``fix_checksum`` is applied by :meth:`Mutation.apply` (vocab.txt only)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return data
    at = line % len(lines)
    word, tab, rest = lines[at].partition(b"\t")
    if edit == "BOM":
        return b"\xef\xbb\xbf" + data
    if edit == "CRLF":
        return data.replace(b"\n", b"\r\n")
    if edit == "CR only":
        return data.replace(b"\n", b"\r")
    if edit == "no final newline":
        return data.rstrip(b"\n")
    if edit == "duplicate line":
        lines.insert(at, lines[at])
    elif edit == "empty line":
        lines.insert(at, b"")
    elif edit == "delete line":
        del lines[at]
    elif edit == "swap lines":
        other = (at + 1) % len(lines)
        lines[at], lines[other] = lines[other], lines[at]
    elif edit == "only whitespace":
        lines[at] = b" \t "
    elif edit.endswith("count"):
        count = {"non-digit count": b"x1", "negative count": b"-1", "huge count": b"9" * 40,
                 "Arabic digit count": "\u0663".encode()}[edit]
        lines[at] = word + b"\t" + count if tab else word + b" " + count
    else:
        new_word = {"NUL in word": word + b"\x00", "tab in word": b"a\tb", "space in word": b"a b", "empty word": b"",
                    "U+2028 in word": word + "\u2028".encode(), "U+0085 in word": word + "\u0085".encode(),
                    "long word": b"w" * 100_000}[edit]
        lines[at] = new_word + tab + rest if tab else new_word + lines[at][len(word) :]
    return b"".join(line + b"\n" for line in lines)


HEADER_COUNTS = ("10^12", "one fewer", "one more", "0", "1", "-1", "same")
HEADER_DIMS = ("0", "one fewer", "one more", "10^9", "same", "-1")


def w2v_header(data: bytes, count: str, dim: str, extra_field: bool) -> bytes:
    """Replace the ``COUNT DIM`` header of a word2vec file (or give a GloVe file one)."""
    first, _, rest = data.partition(b"\n")
    fields = first.split()
    if len(fields) == 2 and all(field.isdigit() for field in fields):
        rows, columns = int(fields[0]), int(fields[1])
    else:  # GloVe: no header yet
        rows, columns, rest = data.count(b"\n"), len(fields) - 1, data
    new_rows = {"10^12": 10**12, "one fewer": rows - 1, "one more": rows + 1, "0": 0, "1": 1, "-1": -1,
                "same": rows}[count]
    new_columns = {"0": 0, "one fewer": columns - 1, "one more": columns + 1, "10^9": 10**9, "same": columns,
                   "-1": -1}[dim]
    header = f"{new_rows} {new_columns}" + (" 1" if extra_field else "")
    return header.encode() + b"\n" + rest


#: Replacements of one number of a text vector file.
TEXT_VALUES = ("nan", "inf", "-inf", "1e39", "-1e39", "abc", "0x1p3", "1e-50", "", "1_0", "٣", "NaN", "Infinity")


def text_value(data: bytes, value: str, line: int, column: int) -> bytes:
    """Replace one number of a word2vec text or GloVe file."""
    lines = data.split(b"\n")
    rows = [number for number, text in enumerate(lines) if len(text.split(b" ")) > 2]
    if not rows:
        return data
    at = rows[line % len(rows)]
    fields = lines[at].split(b" ")
    fields[1 + column % (len(fields) - 1)] = value.encode()
    lines[at] = b" ".join(fields)
    return b"\n".join(lines)


def binary_rows(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """The dimension and the (word start, values start) of each row of a word2vec binary file as wordvec writes it."""
    first, _, _ = data.partition(b"\n")
    count, dim = map(int, first.split())
    offsets, position = [], len(first) + 1
    for _ in range(count):
        space = data.index(b" ", position)
        offsets.append((position, space + 1))
        position = space + 1 + 4 * dim + 1
    return dim, offsets


BINARY_VALUES = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "huge": 3.4e38, "subnormal": 1e-45}


def binary_value(data: bytes, value: str, row: int, column: int) -> bytes:
    """Replace one float of a word2vec binary file."""
    dim, offsets = binary_rows(data)
    start = offsets[row % len(offsets)][1] + 4 * (column % dim)
    return data[:start] + struct.pack("<f", BINARY_VALUES[value]) + data[start + 4 :]


BINARY_WORDS = {"newline in word": b"a\nb", "empty word": b"", "not UTF-8": b"\xff\xfe", "duplicate": None,
                "long word": b"w" * 100_000, "NUL in word": b"a\x00b"}


def binary_word(data: bytes, edit: str, row: int) -> bytes:
    """Replace one word of a word2vec binary file (the values stay where they are)."""
    _, offsets = binary_rows(data)
    start, values = offsets[row % len(offsets)]
    word = BINARY_WORDS[edit]
    if word is None:  # the word of another row
        other_start, other_values = offsets[(row + 1) % len(offsets)]
        word = data[other_start : other_values - 1]
    return data[:start] + word + data[values - 1 :]


MUTATORS = {
    "flip bytes": flip_bytes, "truncate": truncate, "append": append, "overwrite": overwrite,
    "npy header": npy_header, "npy values": npy_values, "npy order": npy_order, "npy retype": npy_retype,
    "npy reshape": npy_reshape, "json edit": json_edit, "json nested": json_nested, "lines": lines_edit,
    "w2v header": w2v_header, "text value": text_value, "binary value": binary_value, "binary word": binary_word,
}


def mutation(target: str, file: str, kind: str, *details: st.SearchStrategy) -> st.SearchStrategy[Mutation]:
    """Mutations of one kind, with details drawn from ``details``."""
    return st.builds(Mutation, st.just(target), st.just(file), st.just(kind), st.tuples(*details))


def byte_mutations(target: str, file: str) -> st.SearchStrategy[Mutation]:
    """Changes to any file: flipped bytes, truncation, appended or overwritten bytes, deletion."""
    where = st.integers(0, 1 << 20)

    def made(kind: str, *details: st.SearchStrategy) -> st.SearchStrategy[Mutation]:
        return mutation(target, file, kind, *details)

    return st.one_of(
        made("flip bytes", st.lists(st.tuples(where, st.integers(1, 255)), min_size=1, max_size=8).map(tuple)),
        made("truncate", where),
        made("append", st.binary(min_size=1, max_size=64)),
        made("overwrite", where, st.binary(min_size=1, max_size=32)),
        made("delete"),
    )


def content_mutations(target: str, file: str, kind: str) -> st.SearchStrategy[Mutation]:
    """Changes that know the file's structure."""
    small = st.integers(0, 1 << 16)

    def made(mutation_kind: str, *details: st.SearchStrategy) -> st.SearchStrategy[Mutation]:
        return mutation(target, file, mutation_kind, *details)

    if kind == "npy":
        return st.one_of(
            made("npy header", st.none() | st.sampled_from(NPY_DTYPES), st.none() | st.sampled_from(SHAPE_CHANGES),
                 st.booleans(), st.booleans()),
            made("npy values", st.sampled_from(sorted(SPECIAL_VALUES)), st.lists(small, min_size=1, max_size=3).map(tuple)),
            made("npy order", st.sampled_from(["reversed", "shuffled", "two swapped"]), small),
            made("npy retype", st.sampled_from(NPY_DTYPES)),
            made("npy reshape", st.sampled_from(["0-D", "1-D", "3-D", "empty", "one fewer row", "one more row",
                                                 "one more column", "transposed"])),
        )
    if kind == "json":
        return st.one_of(
            made("json edit", small, st.sampled_from(sorted(JSON_VALUES)), st.booleans()),
            made("json nested", st.sampled_from([2, 1000, 100_000])),
        )
    fix_checksum = st.booleans() if file == "vocab.txt" else st.just(False)
    lines = made("lines", st.sampled_from(LINE_EDITS), small, fix_checksum)
    if kind in ("vocab", "words"):
        return lines
    if kind == "w2v-binary":
        return st.one_of(
            made("w2v header", st.sampled_from(HEADER_COUNTS), st.sampled_from(HEADER_DIMS), st.booleans()),
            made("binary value", st.sampled_from(sorted(BINARY_VALUES)), small, small),
            made("binary word", st.sampled_from(sorted(BINARY_WORDS)), small),
        )
    return st.one_of(  # word2vec text and GloVe
        lines,
        made("w2v header", st.sampled_from(HEADER_COUNTS), st.sampled_from(HEADER_DIMS), st.booleans()),
        made("text value", st.sampled_from(TEXT_VALUES), small, small),
    )


def mutations_of(target: str, file: str, kind: str) -> st.SearchStrategy[Mutation]:
    # Structure-aware changes get most examples: random bytes mostly hit what the first checks refuse.
    return st.one_of(content_mutations(target, file, kind), content_mutations(target, file, kind),
                     byte_mutations(target, file))


MUTATIONS = st.sampled_from(TARGET_FILES).flatmap(lambda entry: mutations_of(*entry))


# -- the commands and what they must do ---------------------------------------------


def commands_for(target: str, model: Path, work: Path, texts: Path) -> list[dict]:
    """Every load and query command on one input; ``work`` receives their output files, ``texts`` holds the
    documents for ``docvec``, the new text for ``update`` and the datasets for ``evaluate``."""
    first, second, third = WORDS
    m = ["-m", str(model)]
    commands = [
        {"id": "load", "load": str(model)},
        {"id": "info", "argv": ["info", *m]},
        {"id": "info --json", "argv": ["info", *m, "--json"]},
        {"id": "nearest", "argv": ["nearest", first, *m]},
        {"id": "nearest --json", "argv": ["nearest", first, second, *m, "-k", "3", "--json"]},
        {"id": "similarity --json", "argv": ["similarity", first, second, *m, "--json"]},
        {"id": "analogy", "argv": ["analogy", first, second, third, *m, "-k", "3"]},
        {"id": "analogy --json", "argv": ["analogy", first, second, third, *m, "--method", "mul", "--json"]},
        {"id": "explain", "argv": ["explain", first, second, *m, "-k", "3"]},
        {"id": "explain --json", "argv": ["explain", first, third, *m, "--json"]},
        {"id": "evaluate --json", "argv": ["evaluate", *m, "--pairs", str(texts / "pairs.txt"), "--analogies",
                                           str(texts / "analogies.txt"), "--json", "-q"]},
        {"id": "polarity --json", "argv": ["polarity", *m, "--positive", "bread,cake", "--negative", "wolf,bear",
                                           "--method", "projection", "-k", "3", "--json"]},
        {"id": "plot", "argv": ["plot", first, second, third, *m, "-o", str(work / "plot.png")]},
        {"id": "export", "argv": ["export", *m, "-o", str(work / "export.vec")]},
        {"id": "load export", "load": str(work / "export.vec")},
        {"id": "convert", "argv": ["convert", str(model), str(work / "convert.bin")]},
        {"id": "load convert", "load": str(work / "convert.bin")},
        {"id": "docvec", "argv": ["docvec", str(texts / "documents.txt"), *m, "-o", str(work / "docvec.npy")]},
        {"id": "docvec tfidf", "argv": ["docvec", str(texts / "documents.txt"), *m, "--weighting", "tfidf",
                                        "-o", str(work / "docvec-tfidf.npy")]},
    ]
    if target == "model":  # the kept corpus files are read by update only
        commands.append({"id": "update", "argv": ["update", str(model), str(texts / "new-text.txt"),
                                                   "-o", str(work / "updated"), "--workers", "1"]})
    return commands


#: Texts of numpy's warnings, which say that a computation met NaN, infinity, an overflow or a complex value.
NUMPY_WARNINGS = ("encountered in", "Casting complex values", "Mean of empty slice", "Degrees of freedom")


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@dataclass(frozen=True)
class Problem:
    """A command that did not answer or refuse properly: ``what`` happened, ``cause`` the part of it that stays
    the same for every input that hits the same fault (the exception and where it was raised, or the check)."""

    mutation: Mutation | None
    command: str
    what: str
    cause: str

    def __str__(self) -> str:
        return f"{self.mutation!r} {self.command}: {self.what}"


def problems_of(verdict: dict, work: Path, outcomes: dict[str, dict]) -> list[tuple[str, str]]:
    """What is wrong with one command's verdict from the probe, as (what, cause) pairs; nothing if it answered
    or refused in one line. ``outcomes`` holds the verdicts of the other commands on the same input."""
    command = verdict["id"]
    problems = []
    if "exception" in verdict:
        frames = " < ".join(verdict["frames"][::-1][:3])
        problems.append((f"traceback {verdict['exception']}: {verdict['message'][:160]} at {frames}",
                         f"{verdict['exception']} at {frames}"))
    output = verdict["stdout"] + verdict["stderr"]
    if "Traceback" in output and "exception" not in verdict:
        problems.append((f"prints a traceback: {output[-300:]!r}", "prints a traceback"))
    # wordvec's own warnings are "warning: ..." lines; numpy's about NaN, overflow or complex casts are not its own.
    other_lines = [line for line in verdict["stderr"].splitlines()
                   if not line.startswith("warning:") or any(text in line for text in NUMPY_WARNINGS)]
    if verdict["exit"] == 0:
        if other_lines:
            problems.append((f"exit 0 with this on stderr: {other_lines[:2]!r}", f"stderr {other_lines[0][:100]}"))
        if not verdict["stdout"].strip():
            problems.append(("exit 0 without output", "no output"))
        if command.endswith("--json"):
            try:
                _strict_json(verdict["stdout"])
            except ValueError as error:
                problems.append((f"invalid JSON ({error})", "invalid JSON"))
        if verdict.get("finite") is False:
            problems.append(("loaded vectors holding NaN or infinity", "non-finite vectors loaded"))
        if command.startswith("docvec"):
            rows = np.load(work / f"{command.replace(' ', '-')}.npy", allow_pickle=False)
            if not np.isfinite(rows).all():
                problems.append(("exit 0, wrote document vectors holding NaN or infinity", "non-finite document vectors"))
    elif verdict["exit"] == 1:
        if "exception" not in verdict and not (len(other_lines) == 1 and other_lines[0].startswith("Error: ")):
            problems.append((f"exit 1 without one Error: line: {verdict['stderr'][:300]!r}",
                             f"exit 1 with {len(other_lines)} lines on stderr"))
        written = {"load export": "export", "load convert": "convert"}.get(command)
        if written and outcomes.get(written, {}).get("exit") == 0:
            problems.append((f"{written} exited 0 but its output does not load back: {verdict['stderr'].strip()[:200]!r}",
                             "written file does not load back"))
    else:
        problems.append((f"exit {verdict['exit']}: {verdict['stderr'][-300:]!r}", f"exit {verdict['exit']}"))
    return problems


@dataclass
class Input:
    """One mutated target, ready for the commands."""

    mutation: Mutation
    directory: Path
    model: Path
    work: Path
    digests: dict[str, str]


def digests(directory: Path) -> dict[str, str]:
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def prepare(mutation: Mutation, pristine: Path, root: Path) -> Input:
    directory = root / "input"
    shutil.copytree(pristine / mutation.target, directory)
    mutation.apply(directory)
    work = root / "work"
    work.mkdir()
    return Input(mutation, directory, directory / TARGET_PATHS[mutation.target], work, digests(directory))


def run_batch(inputs: list[Input], pristine: Path, root: Path) -> list[Problem]:
    """Run every command on every input in one probe process; the problems found.

    A process killed by a signal or stopped after ``BATCH_TIMEOUT`` is a problem of the command it had started
    (the inputs after it are not checked).
    """
    batch, owner = [], {}
    for number, item in enumerate(inputs):
        for command in commands_for(item.mutation.target, item.model, item.work, pristine):
            command["id"] = f"{number}:{command['id']}"
            owner[command["id"]] = item
            batch.append(command)
    batch_path, results_path, crash_path = root / "batch.json", root / "results.jsonl", root / "results.jsonl.crash"
    batch_path.write_text(json.dumps(batch))
    # The probe imports the wordvec that this test imported, wherever that is.
    python_path = os.pathsep.join(filter(None, [str(Path(wordvec.__file__).parents[1]), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": python_path, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        process = subprocess.run([sys.executable, str(PROBE), str(batch_path), str(results_path)], env=environment,
                                 capture_output=True, text=True, timeout=BATCH_TIMEOUT)
        ended, stderr = process.returncode, process.stderr
    except subprocess.TimeoutExpired:
        ended, stderr = None, ""
    entries = [json.loads(line) for line in results_path.read_text().splitlines()] if results_path.exists() else []
    problems = []
    if ended != 0:
        last = [entry["id"] for entry in entries if entry["event"] == "start"][-1:] or ["0:load"]
        number, command = last[0].split(":", 1)
        crash = crash_path.read_text() if crash_path.exists() else ""
        frames = [line.strip().removeprefix("File ") for line in crash.splitlines() if line.strip().startswith("File")]
        # The innermost frames, and the innermost of wordvec's (heap damage may be found long after it was done).
        frames = frames[:2] + [frame for frame in frames if "/wordvec/" in frame][:1]
        if ended is None:
            how = f"hangs (no answer in {BATCH_TIMEOUT} s)"
        elif ended < 0:
            how = f"killed by {signal.Signals(-ended).name}"
        else:
            how = f"the probe exited {ended}: {stderr[-300:]!r}"
        problems.append(Problem(inputs[int(number)].mutation, command, f"{how} in {frames}", f"{how.split(':')[0]} in {frames}"))
    for number, item in enumerate(inputs):
        outcomes = {entry["id"].split(":", 1)[1]: entry for entry in entries
                    if entry["event"] == "done" and entry["id"].startswith(f"{number}:")}
        for command, verdict in outcomes.items():
            problems += [Problem(item.mutation, command, what, cause)
                         for what, cause in problems_of({**verdict, "id": command}, item.work, outcomes)]
        if digests(item.directory) != item.digests:
            problems.append(Problem(item.mutation, "", "a command changed its input", "input changed"))
    return problems


def check_mutations(mutations: list[Mutation], pristine: Path, root: Path) -> list[Problem]:
    """Apply each mutation to a fresh copy of its target under ``root``, run the commands; the problems found."""
    root.mkdir(parents=True)
    inputs = []
    for number, mutation in enumerate(mutations):
        (root / str(number)).mkdir()
        inputs.append(prepare(mutation, pristine, root / str(number)))
    # Two probe processes, one a core: each example takes half the time.
    halves = [inputs[: len(inputs) // 2], inputs[len(inputs) // 2 :]]
    for number in range(len(halves)):
        (root / f"probe-{number}").mkdir()
    with ThreadPoolExecutor(len(halves)) as pool:
        found = pool.map(lambda number: run_batch(halves[number], pristine, root / f"probe-{number}"), range(len(halves)))
        return [problem for problems in found for problem in problems]


# -- the tests ----------------------------------------------------------------------


def test_unmutated_inputs_answer_every_command(pristine, tmp_path):
    """Every command answers on every unmutated target (the fuzz test checks real answers, not only refusals),
    but for those that need what only a model directory has: explain its kept corpus, SIF's weights its counts."""
    inputs = []
    first_file = {target: file for target, file, _ in reversed(TARGET_FILES)}
    for number, target in enumerate(TARGET_PATHS):
        (tmp_path / str(number)).mkdir()
        inputs.append(prepare(Mutation(target, first_file[target], "append", (b"",)), pristine, tmp_path / str(number)))
    assert run_batch(inputs, pristine, tmp_path) == []
    results = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    refused = {entry["id"] for entry in results if entry["event"] == "done" and entry["exit"] != 0}
    vector_files = range(1, len(TARGET_PATHS))
    assert refused == {f"{number}:{command}" for number in vector_files for command in ("explain", "explain --json", "docvec")}


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a process run of a second or two
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations=st.lists(MUTATIONS, min_size=INPUTS_PER_EXAMPLE, max_size=INPUTS_PER_EXAMPLE))
def test_mutated_files_are_answered_or_refused_in_one_line(pristine, tmp_path, mutations):
    root = tmp_path / f"example-{len(list(tmp_path.iterdir()))}"
    problems = check_mutations(mutations, pristine, root)
    shutil.rmtree(root)
    assert problems == [], "\n".join(map(str, problems))
