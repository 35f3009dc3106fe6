"""Nothing a user throws at wordvec breaks it: the bad-input catalogue, faults while building, and property tests.

Every catalogue case goes through the real command line (click's runner, or a real process where signals,
tracebacks or stdin matter). A failure must be one ``Error:`` line on stderr (click's usage block for a bad
option), a non-zero exit, no traceback, and leave the model already at ``-o`` byte for byte as it was.
tests/README.md lists every case with the message it produces.
"""

from __future__ import annotations

import bz2
import codecs
import ctypes
import errno
import gzip
import os
import re
import resource
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import wordvec.model_writer as model_writer
from wordvec.corpus import Corpus
from wordvec.errors import CorpusError
from wordvec.storage import load_model
from wordvec.tokenize import RegexTokenizer
from wordvec.vectors import WordVectors
from wordvec.ppmi import ppmi

from conftest import BUILD_OPTIONS, UNCOMPOSABLE
from wordvec.subwords import ngrams
from test_cli import assert_ok, assert_same_model, assert_user_error, cli_error, invoke, run_wordvec

#: Where a model was written, tests compare every file before and after.
Snapshot = dict[str, bytes]


def snapshot(model: Path) -> Snapshot:
    return {entry.name: entry.read_bytes() for entry in sorted(model.iterdir())}


@pytest.fixture
def previous_model(tmp_path, model_path) -> Path:
    """A copy of the module's model at ``tmp_path/model``: the model a failed build must leave as it was."""
    target = tmp_path / "model"
    shutil.copytree(model_path, target)
    return target


def assert_untouched(model: Path, before: Snapshot) -> None:
    """The model is byte for byte as it was, loads, and nothing else (no temporary) is next to it."""
    assert snapshot(model) == before
    assert len(load_model(model)) == 106
    assert [entry.name for entry in model.parent.iterdir() if entry.name.startswith(f".{model.name}.")] == []


# -- corpora that must fail ---------------------------------------------------------------


def _directory_without_text(directory: Path) -> Path:
    folder = directory / "pictures"
    folder.mkdir()
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / ".notes.txt").write_text("hidden files are skipped\n")
    return folder


def _empty_directory(directory: Path) -> Path:
    folder = directory / "empty"
    folder.mkdir()
    return folder


def _zip_archive(directory: Path) -> Path:
    path = directory / "corpus.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("corpus.txt", "the king rules the land\n" * 50)
    return path


def _corrupt_bz2(directory: Path, text: bytes) -> Path:
    data = bytearray(bz2.compress(text))
    data[100:110] = bytes(10)  # damage inside the first block
    path = directory / "corpus.txt.bz2"
    path.write_bytes(bytes(data))
    return path


def _corrupt_file_in_a_directory(directory: Path, text: bytes) -> Path:
    folder = directory / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_bytes(text)
    (folder / "broken.txt.bz2").write_bytes(b"BZh9" + bytes(64))
    return folder


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


#: id -> (corpus made from a directory and the royal corpus text, extra build options, expected message).
CORPUS_FAILURES = {
    "missing-path": (lambda d, text: d / "missing.txt", [], "corpus path '{corpus}' does not exist"),
    "directory-without-text-files": (
        lambda d, text: _directory_without_text(d), [], "directory '{corpus}' holds no text files; point to a folder of .txt",
    ),
    "empty-directory": (lambda d, text: _empty_directory(d), [], "directory '{corpus}' holds no text files"),
    "empty-file": (lambda d, text: _write(d, "empty.txt", b""), [], "the corpus has no words"),
    "whitespace-only": (lambda d, text: _write(d, "blank.txt", b"  \n\t\r\n \x0c\n"), [], "the corpus has no words"),
    "one-token": (
        lambda d, text: _write(d, "one.txt", b"hello"), ["--min-count", "1"],
        "the vocabulary has 1 word (of 1 distinct, min_count=1), too few for word vectors",
    ),
    "fewer-distinct-words-than-dim": (
        lambda d, text: _write(d, "royal.txt", text), ["--dim", "200"],
        "dim must be smaller than the vocabulary size; got dim=200 >= 106 words",
    ),
    "png-image": (
        lambda d, text: _write(d, "photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))), [],
        "'{corpus}' looks like a PNG image, not text",
    ),
    "gzipped-png-image": (
        lambda d, text: _write(d, "photo.png.gz", gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))), [],
        "'{corpus}' looks like a PNG image, not text",
    ),
    "utf-16-without-byte-order-mark": (
        lambda d, text: _write(d, "utf16.txt", text.decode().encode("utf-16-le")), [],
        "'{corpus}' looks like a binary file, not text",
    ),
    "zip-archive": (lambda d, text: _zip_archive(d), [], "'{corpus}' looks like a zip archive, not text"),
    "truncated-gz": (
        lambda d, text: _write(d, "corpus.txt.gz", gzip.compress(text)[:500]), [],
        "'{corpus}' is truncated: the compressed stream ends early",
    ),
    "corrupt-bz2": (_corrupt_bz2, [], "cannot read '{corpus}': Invalid data stream"),
    "corrupt-file-in-a-directory": (
        _corrupt_file_in_a_directory, [], "cannot read '{corpus}/broken.txt.bz2'",
    ),
}


@pytest.mark.parametrize("case", list(CORPUS_FAILURES))
def test_corpus_that_must_fail(runner, royal_corpus_file, previous_model, tmp_path, case):
    make, options, expected = CORPUS_FAILURES[case]
    corpus = make(tmp_path, royal_corpus_file.read_bytes())
    before = snapshot(previous_model)
    result = invoke(runner, ["build", corpus, "-o", previous_model, "-q", *BUILD_OPTIONS, *options])
    cli_error(result, "Error: " + expected.format(corpus=corpus))
    assert_untouched(previous_model, before)


@pytest.mark.parametrize("args, expected, usage", [
    (["build", "missing.txt", "-o", "MODEL"], "Error: corpus path 'missing.txt' does not exist", False),
    (["build", "EMPTY", "-o", "MODEL"], "Error: the corpus has no words", False),
    (["build", "CORPUS", "--dim", "200", "-o", "MODEL"], "Error: dim must be smaller than the vocabulary size", False),
    (["build", "CORPUS", "--dim", "0", "-o", "MODEL"], "Error: Invalid value for '--dim'", True),
    (["nearest", UNCOMPOSABLE, "-m", "MODEL"],
     f"Error: word '{UNCOMPOSABLE}' is not in the vocabulary and none of its character n-grams is known to the model", False),
    (["nearest", "king", "-m", "no-model"], "Error: no model at 'no-model'", False),
    (["nearest", "king", "-m", "MODEL", "-k", "0"], "Error: Invalid value for '-k'", True),
], ids=["missing-corpus", "empty-corpus", "dim", "dim-0", "uncomposable-word", "missing-model", "k-0"])
def test_errors_of_a_real_process(royal_corpus_file, previous_model, tmp_path, args, expected, usage):
    # What a user sees in a terminal: the same one line, no traceback, and the model as it was.
    placeholders = {"CORPUS": royal_corpus_file, "MODEL": previous_model, "EMPTY": _write(tmp_path, "empty.txt", b"")}
    before = snapshot(previous_model)
    result = run_wordvec([placeholders.get(arg, arg) for arg in args], tmp_path)
    assert_user_error(result.returncode, result.stdout, result.stderr, expected, usage=usage)
    assert_untouched(previous_model, before)


def test_corpus_on_standard_input_that_is_binary(runner, previous_model):
    before = snapshot(previous_model)
    result = invoke(runner, ["build", "-", "-o", previous_model], input=b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    cli_error(result, "Error: standard input looks like a PNG image, not text")
    assert_untouched(previous_model, before)


def _without_file_permission_override() -> None:
    """In the child, before exec: drop root's power to read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).

    Removed from the bounding set, they are not regained at exec, so a file that the mode bits
    make unreadable is unreadable to root too.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("where", ["file", "file-in-a-directory"])
def test_corpus_that_is_not_readable(royal_corpus_file, previous_model, tmp_path, where):
    folder = tmp_path / "corpus"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_bytes(royal_corpus_file.read_bytes())
    secret.chmod(0)
    before = snapshot(previous_model)
    # A real process, so that as root the permission check can be made to apply.
    result = subprocess.run(
        [sys.executable, "-m", "wordvec.cli", "build", secret if where == "file" else folder, "-o", previous_model],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        preexec_fn=_without_file_permission_override if os.geteuid() == 0 else None,
    )
    if where == "file":  # click checks an argument's path before the command runs
        assert_user_error(result.returncode, result.stdout, result.stderr, f"Path '{secret}' is not readable", usage=True)
    else:
        assert_user_error(result.returncode, result.stdout, result.stderr, f"cannot read '{secret}': permission denied")
    assert_untouched(previous_model, before)


@pytest.mark.parametrize("output", ["plain-file", "directory-that-is-not-a-model"])
def test_output_that_is_not_a_model(runner, royal_corpus_file, tmp_path, output):
    if output == "plain-file":
        target = tmp_path / "notes.txt"
        target.write_text("keep")
    else:
        target = tmp_path / "docs"
        target.mkdir()
        (target / "thesis.tex").write_text("keep")
    before = target.read_bytes() if target.is_file() else snapshot(target)
    result = invoke(runner, ["build", royal_corpus_file, "-o", target, *BUILD_OPTIONS])
    cli_error(result, f"Error: '{target}' exists and is not a wordvec model; choose another output path")
    assert (target.read_bytes() if target.is_file() else snapshot(target)) == before


# -- corpora that must work ---------------------------------------------------------------


def build_from(runner, corpus: Path, output: Path, *options: str):
    result = invoke(runner, ["build", corpus, "-o", output, *BUILD_OPTIONS, *options])
    assert_ok(result)
    return result


def _royal_bytes(royal_lines, encode=lambda text: text.encode("utf-8")) -> bytes:
    return encode("\n".join(royal_lines) + "\n")


def test_invalid_utf8_mixed_in_is_replaced_and_counted(runner, royal_lines, model_path, tmp_path):
    # Undecodable bytes put next to spaces become U+FFFD, a separator: the tokens are those of the clean text.
    lines = [line.encode() for line in royal_lines]
    lines[::7] = [line.replace(b" ", b" \xff\xfe", 1) for line in lines[::7]]
    corpus = _write(tmp_path, "mixed.txt", b"\n".join(lines) + b"\n")
    result = build_from(runner, corpus, tmp_path / "m")
    replaced = 2 * len(lines[::7])
    assert result.stderr == f"warning: {replaced} undecodable bytes were replaced (the corpus is not all UTF-8)\n"
    assert load_model(tmp_path / "m").stats["replaced_bytes"] == replaced
    assert_same_model(tmp_path / "m", model_path)


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
], ids=["utf-8", "utf-16-le", "utf-16-be"])
def test_file_with_a_byte_order_mark_is_decoded(runner, royal_lines, model_path, tmp_path, encoding, bom):
    corpus = _write(tmp_path, "bom.txt", bom + _royal_bytes(royal_lines, lambda text: text.encode(encoding)))
    result = build_from(runner, corpus, tmp_path / "m")
    assert result.stderr == ""
    assert_same_model(tmp_path / "m", model_path)


def test_crlf_line_ends(runner, royal_lines, model_path, tmp_path):
    corpus = _write(tmp_path, "crlf.txt", _royal_bytes(royal_lines).replace(b"\n", b"\r\n"))
    build_from(runner, corpus, tmp_path / "m")
    assert_same_model(tmp_path / "m", model_path)


def test_nul_bytes_separate_words(runner, royal_lines, model_path, tmp_path):
    lines = [line.encode() for line in royal_lines]
    lines[::5] = [line.replace(b" ", b" \x00", 2) for line in lines[::5]]
    corpus = _write(tmp_path, "nul.txt", b"\n".join(lines) + b"\n")
    build_from(runner, corpus, tmp_path / "m")
    assert_same_model(tmp_path / "m", model_path)


def test_corpus_on_standard_input_of_a_real_process(royal_corpus_file, model_path, tmp_path):
    corpus_text = royal_corpus_file.read_text(encoding="utf-8")
    built = run_wordvec(["build", "-", "-o", tmp_path / "model", *BUILD_OPTIONS], tmp_path, stdin=corpus_text)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built 106 words x 8 dims from ")
    assert built.stderr == ""
    assert_same_model(tmp_path / "model", model_path)


def _script_words(script: str, count: int) -> list[str]:
    """``count`` words of a script, in the same order as their index (so the vocabulary keeps its order)."""
    if script == "cjk":
        return [chr(0x4E00 + i) for i in range(count)]
    if script == "emoji":
        return [chr(0x1F400 + i) for i in range(count)]  # one pictograph a word: each is a token
    if script == "hebrew":
        letters = [chr(code) for code in range(0x05D0, 0x05EB)]
    else:  # arabic: beh to ghain
        letters = [chr(code) for code in range(0x0628, 0x063B)]
    return [letters[i // len(letters)] + letters[i % len(letters)] for i in range(count)]


@pytest.mark.parametrize("script", ["cjk", "emoji", "hebrew", "arabic"])
def test_words_in_other_scripts_are_tokens_like_any_other(runner, royal_lines, plain_model_path, tmp_path, script):
    # The royal corpus with each word replaced by a word of the script, in alphabetical order so that
    # frequency ties sort alike: without n-grams (which depend on the spelling) the model is the royal
    # model with its words renamed.
    english = sorted({word for line in royal_lines for word in line.split()})
    renamed = dict(zip(english, _script_words(script, len(english))))
    text = "\n".join(" ".join(renamed[word] for word in line.split()) for line in royal_lines) + "\n"
    corpus = _write(tmp_path, f"{script}.txt", text.encode("utf-8"))
    build_from(runner, corpus, tmp_path / "m", "--no-subwords")
    built, expected = load_model(tmp_path / "m"), load_model(plain_model_path)
    assert built.words == [renamed[word] for word in expected.words]
    np.testing.assert_array_equal(built.vectors, expected.vectors)
    # With n-grams, the script's words are cut into characters like any other.
    build_from(runner, corpus, tmp_path / "with-ngrams")
    with_ngrams = load_model(tmp_path / "with-ngrams")
    word = with_ngrams.words[0]
    assert with_ngrams.known_ngrams(word) == len(ngrams(word)) > 0


def test_combining_marks_and_zero_width_characters_are_tokenized_consistently(runner, royal_lines, tmp_path):
    # Each word gets an accented ending: precomposed in the clean corpus; decomposed (e + combining acute), with
    # a zero-width space, joiner and non-joiner inside the word, in the messy one. Both must give one model.
    clean = "\n".join(" ".join(f"{word}\u00e9" for word in line.split()) for line in royal_lines) + "\n"
    messy = "\n".join(
        " ".join(f"{word[0]}\u200b{word[1:]}\u200de\u0301\u200c" for word in line.split()) for line in royal_lines
    ) + "\n"
    build_from(runner, _write(tmp_path, "clean.txt", clean.encode()), tmp_path / "clean")
    build_from(runner, _write(tmp_path, "messy.txt", messy.encode()), tmp_path / "messy")
    assert_same_model(tmp_path / "messy", tmp_path / "clean")
    assert "king\u00e9" in load_model(tmp_path / "messy")


LONG_LINE_WORDS = b"the king rules the castle with grace and a dog runs in the field near a cat "


def test_one_100_mb_line_without_a_line_end_is_read_in_bounded_memory(tmp_path):
    # Held whole, the line would be a 100 MB string and its tokens several GB: the reader must cut it into pieces.
    # Its peak memory is compared with that of the same text as paragraphs of about 1,000 words a line, built at
    # the same time (both single processes: a line cannot be split between workers). The two differ only by
    # where the counter happens to flush its pending pairs (up to a block's pairs, about 40 MB here).
    repeats = 100 * 2**20 // len(LONG_LINE_WORDS) + 1
    long_line = _write(tmp_path, "line.txt", LONG_LINE_WORDS * repeats)
    paragraphs = _write(tmp_path, "paragraphs.txt", ((LONG_LINE_WORDS * 60).rstrip() + b"\n") * (repeats // 60))
    options = ["--dim", "4", "--min-count", "1", "--window", "2", "-q", "--workers", "1"]
    peak, reference = measured_builds(
        [[long_line, "-o", tmp_path / "long", *options], [paragraphs, "-o", tmp_path / "paragraphs", *options]], tmp_path
    )
    model = load_model(tmp_path / "long")
    assert (model.stats["lines"], model.stats["tokens"]) == (1, 17 * repeats)
    assert peak < reference + 64, (peak, reference)


def measured_builds(builds: list[list], cwd: Path) -> list[float]:
    """Run ``wordvec build ARGS`` processes side by side; the peak resident memory of each, in MB."""
    processes = []
    for number, args in enumerate(builds):
        with open(cwd / f"build-{number}-errors.txt", "w") as errors:
            command = [sys.executable, "-m", "wordvec.cli", "build", *map(str, args)]
            processes.append(subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors))
    peaks = []
    for number, process in enumerate(processes):
        # wait4 reaps the child and returns its own resource usage.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        assert process.returncode == 0, (cwd / f"build-{number}-errors.txt").read_text()
        peaks.append(usage.ru_maxrss / 1024)
    return peaks


# -- parameters ---------------------------------------------------------------------------

#: (option, value, expected): click's usage error for a value outside the option's range, or the library's
#: one line for what click lets through (NaN, a dim or min_count too large for the corpus).
BAD_BUILD_OPTIONS = [
    ("--dim", "0", "Invalid value for '--dim': 0 is not in the range x>=1"),
    ("--dim", "-5", "Invalid value for '--dim': -5 is not in the range x>=1"),
    ("--dim", "many", "Invalid value for '--dim': 'many' is not a valid integer"),
    ("--dim", "1000000000000", "dim must be smaller than the vocabulary size; got dim=1000000000000 >= 106 words"),
    ("--window", "0", "Invalid value for '--window': 0 is not in the range 1<=x<=20"),
    ("--window", "-1", "Invalid value for '--window': -1 is not in the range 1<=x<=20"),
    ("--window", "1000", "Invalid value for '--window': 1000 is not in the range 1<=x<=20"),
    ("--min-count", "0", "Invalid value for '--min-count': 0 is not in the range x>=1"),
    ("--min-count", "-3", "Invalid value for '--min-count': -3 is not in the range x>=1"),
    ("--min-count", "1000000000", "the vocabulary has 0 words (of 106 distinct, min_count=1000000000), too few"),
    ("--cds", "0", "Invalid value for '--cds': 0.0 is not in the range 0<x<=10"),
    ("--cds", "-1", "Invalid value for '--cds': -1.0 is not in the range 0<x<=10"),
    ("--cds", "1e9", "Invalid value for '--cds': 1000000000.0 is not in the range 0<x<=10"),
    ("--cds", "nan", "cds must be in (0, 10]; got nan"),
    ("--neg", "0", "Invalid value for '--neg': 0.0 is not in the range 0<x<=1000000.0"),
    ("--neg", "-2", "Invalid value for '--neg': -2.0 is not in the range 0<x<=1000000.0"),
    ("--neg", "inf", "Invalid value for '--neg': inf is not in the range 0<x<=1000000.0"),
    ("--neg", "nan", "neg must be in (0, 1e6]; got nan"),
    ("--eig", "-11", "Invalid value for '--eig': -11.0 is not in the range -10<=x<=10"),
    ("--eig", "1e300", "Invalid value for '--eig': 1e+300 is not in the range -10<=x<=10"),
    ("--eig", "nan", "eig must be in [-10, 10]; got nan"),
    ("--workers", "0", "Invalid value for '--workers': 0 is not in the range 1<=x<=256"),
    ("--workers", "-1", "Invalid value for '--workers': -1 is not in the range 1<=x<=256"),
    ("--workers", "1000000", "Invalid value for '--workers': 1000000 is not in the range 1<=x<=256"),
    ("--dimension", "5", "No such option '--dimension'. Did you mean '--dim'?"),
    ("-x", None, "No such option '-x'."),
]


@pytest.mark.parametrize(
    "option, value, expected", BAD_BUILD_OPTIONS, ids=[f"{option.lstrip('-')}={value}" for option, value, _ in BAD_BUILD_OPTIONS]
)
def test_bad_build_option(runner, royal_corpus_file, previous_model, option, value, expected):
    before = snapshot(previous_model)
    args = [option] if value is None else [option, value]
    result = invoke(runner, ["build", royal_corpus_file, "-o", previous_model, "--min-count", "2", *args])
    cli_error(result, f"Error: {expected}", usage=expected.startswith(("Invalid value", "No such option")))
    assert_untouched(previous_model, before)


# -- queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("args, expected, subwords", [
    (["nearest", "kingg"], "word 'kingg' is not in the vocabulary; did you mean: king", False),
    (["similarity", "king", "quene"], "word 'quene' is not in the vocabulary; did you mean: queen", False),
    (["analogy", "king", "queen", "prynce"], "word 'prynce' is not in the vocabulary; did you mean: prince", False),
    (["nearest", UNCOMPOSABLE], f"word '{UNCOMPOSABLE}' is not in the vocabulary and none of its character n-grams", True),
    (["similarity", "king", UNCOMPOSABLE], f"word '{UNCOMPOSABLE}' is not in the vocabulary and none of", True),
    (["analogy", "king", "queen", UNCOMPOSABLE], f"word '{UNCOMPOSABLE}' is not in the vocabulary and none of", True),
    (["nearest", "жжжж"], "word 'жжжж' is not in the vocabulary and none of its characters occurs in the vocabulary", True),
    (["nearest", ""], "a query word must be a non-empty string; got ''", True),
    (["similarity", "king", " "], "a query word must be a non-empty string; got ' '", True),
], ids=["unknown-word", "unknown-word-similarity", "unknown-word-analogy", "uncomposable-word",
        "uncomposable-word-similarity", "uncomposable-word-analogy", "foreign-characters", "empty-word", "blank-word"])
def test_query_that_must_fail(runner, model_path, plain_model_path, args, expected, subwords):
    # Without n-grams a word outside the vocabulary is an error with suggestions; with them, only a word none of
    # whose n-grams the model knows.
    result = invoke(runner, [*args, "-m", model_path if subwords else plain_model_path])
    cli_error(result, f"Error: {expected}")
    assert result.stdout == ""


@pytest.mark.parametrize("topn, expected", [
    ("0", "Invalid value for '-k' / '--topn': 0 is not in the range x>=1"),
    ("-3", "Invalid value for '-k' / '--topn': -3 is not in the range x>=1"),
], ids=["k=0", "k=-3"])
def test_query_with_a_bad_number_of_neighbours(runner, model_path, topn, expected):
    cli_error(invoke(runner, ["nearest", "king", "-m", model_path, "-k", topn]), f"Error: {expected}", usage=True)


def test_query_word_in_another_case_is_found(runner, model_path):
    upper, lower = (invoke(runner, ["nearest", word, "-m", model_path, "-k", "5"]) for word in ("KING", "king"))
    assert_ok(upper)
    assert upper.stdout.splitlines()[1:] == lower.stdout.splitlines()[1:]
    assert upper.stdout.startswith("KING\n")


def test_more_neighbours_than_the_vocabulary_gives_every_other_word(runner, model_path, model):
    result = invoke(runner, ["nearest", "king", "-m", model_path, "-k", "100000"])
    assert_ok(result)
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == len(model) - 1
    scores = [float(row.split()[-1]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert {row.split()[1] for row in rows} == set(model.words) - {"king"}


# -- models -------------------------------------------------------------------------------


class CreatesMarkerWhenUnpickled:
    """Unpickling this object creates the file ``marker``: proof that a load ran code from a file."""

    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _pickled_object_array(path: Path, marker: Path) -> None:
    CreatesMarkerWhenUnpickled.marker = marker
    payload = np.empty((106, 8), dtype=object)
    payload[0, 0] = CreatesMarkerWhenUnpickled()
    np.save(path, payload, allow_pickle=True)


def _edit(model: Path, name: str, change) -> Path:
    (model / name).write_bytes(change((model / name).read_bytes()))
    return model


def _model_with_pickled_vectors(model: Path, marker: Path) -> Path:
    _pickled_object_array(model / "vectors.npy", marker)
    return model


def _pickled_npy_pair(model: Path, marker: Path) -> Path:
    path = model.parent / "vectors.npy"
    _pickled_object_array(path, marker)
    Path(f"{path}.vocab").write_text("".join(f"w{i}\n" for i in range(106)))
    return path


def _replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _scale_row(model: Path, row: int, factor: float) -> Path:
    vectors = np.load(model / "vectors.npy")
    vectors[row] *= factor
    np.save(model / "vectors.npy", vectors)
    return model


def _set_value(model: Path, row: int, value: float) -> Path:
    vectors = np.load(model / "vectors.npy")
    vectors[row, 1] = value
    np.save(model / "vectors.npy", vectors)
    return model


def _not_a_model_directory(model: Path) -> Path:
    folder = model.parent / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("notes\n")
    return folder


#: id -> (model made from a copy of a good one and a marker path, expected message).
MODEL_FAILURES = {
    "missing-path": (lambda m, marker: m.parent / "nope", "no model at '{model}'; build one with `wordvec build"),
    "directory-that-is-not-a-model": (
        lambda m, marker: _not_a_model_directory(m), "'{model}' is not a wordvec model (no meta.json)",
    ),
    "plain-file": (
        lambda m, marker: _write(m.parent, "notes.txt", b"just some notes\n"),
        "'{model}' line 1: expected a word and numbers; it is neither a wordvec model directory nor a word2vec/GloVe",
    ),
    "truncated-matrix": (
        lambda m, marker: _edit(m, "vectors.npy", lambda data: data[: len(data) // 2]),
        "'{model}' has a corrupt vectors.npy",
    ),
    "matrix-shape-differs-from-vocabulary": (
        lambda m, marker: _edit(m, "vocab.txt", lambda data: data[: data.rindex(b"\n", 0, -1) + 1]),
        "'{model}' is inconsistent: 105 words in vocab.txt, matrix of shape (106, 8)",
    ),
    "duplicate-word": (
        lambda m, marker: _edit(m, "vocab.txt", lambda data: data.replace(b"queen\t", b"king\t")),
        "'{model}' has a corrupt vocab.txt (word 'king' appears twice)",
    ),
    "malformed-metadata": (
        lambda m, marker: _edit(m, "meta.json", lambda data: data[:40]), "'{model}' has a corrupt meta.json",
    ),
    "future-format-version": (
        lambda m, marker: _edit(m, "meta.json", lambda data: data.replace(b'"format_version": 1', b'"format_version": 99')),
        "'{model}' uses model format 99, newer than this wordvec supports (1); upgrade wordvec",
    ),
    "pickled-object-in-the-model": (
        _model_with_pickled_vectors, "'{model}' has a corrupt vectors.npy (it holds Python objects, which only pickle could read; it is not read)",
    ),
    "pickled-object-in-a-npy-file": (
        _pickled_npy_pair, "'{model}' is not a float matrix with its words (it holds Python objects, which only pickle could read; it is not read)",
    ),
    "matrix-header-that-is-no-literal": (
        lambda m, marker: _edit(m, "vectors.npy", lambda data: data.replace(b"'shape': (", b"'shape': ((", 1)),
        "'{model}' has a corrupt vectors.npy (its header cannot be parsed); rebuild the model",
    ),
    "matrix-is-a-named-pipe": (
        lambda m, marker: _replace_with_fifo(m / "vectors.npy") or m,
        "'{model}' has a corrupt vectors.npy (a named pipe (FIFO), not a regular file); rebuild the model",
    ),
    "normalised-model-with-a-row-that-is-not-unit-length": (
        lambda m, marker: _scale_row(m, 7, 1000.0),
        "'{model}' (vectors.npy) is stored normalised, but the vector of '{word7}' (row 7) has length 1000, not 1",
    ),
    "nan-in-the-matrix": (
        lambda m, marker: _set_value(m, 3, np.nan),
        "'{model}' (vectors.npy) holds nan in the vector of 'dinner' (row 3); vectors must be finite numbers",
    ),
    "infinity-in-the-matrix": (
        lambda m, marker: _set_value(m, 105, -np.inf),
        "'{model}' (vectors.npy) holds -inf in the vector of 'king' (row 105); vectors must be finite numbers",
    ),
}


@pytest.mark.parametrize("case", list(MODEL_FAILURES))
def test_model_that_must_fail(runner, previous_model, tmp_path, case):
    make, expected = MODEL_FAILURES[case]
    marker = tmp_path / "unpickled-marker"
    model = make(previous_model, marker)
    for args in (["nearest", "king"], ["info"]):
        word7 = (previous_model / "vocab.txt").read_text().splitlines()[7].split("\t")[0]
        cli_error(invoke(runner, [*args, "-m", model]), "Error: " + expected.format(model=model, word7=word7))
    assert not marker.exists()


def test_the_pickled_files_of_the_catalogue_would_run_code(tmp_path):
    # Not a catalogue case: it shows that the files above would run code if a loader unpickled them.
    marker = tmp_path / "unpickled-marker"
    _pickled_object_array(tmp_path / "evil.npy", marker)
    np.load(tmp_path / "evil.npy", allow_pickle=True)
    assert marker.exists()



# -- writes that would destroy their own inputs ----------------------------------------------


def _tree(path: Path) -> dict[str, bytes | str]:
    """Every file under ``path`` (or the file itself) with its bytes, and every link with its target."""
    if path.is_symlink():
        return {".": f"-> {os.readlink(path)}"}
    if not path.is_dir():
        return {".": path.read_bytes()}
    return {
        str(entry.relative_to(path)): f"-> {os.readlink(entry)}" if entry.is_symlink() else entry.read_bytes()
        for entry in sorted(path.rglob("*")) if entry.is_symlink() or entry.is_file()
    }


def _npy_pair(model: Path) -> Path:
    path = model.parent / "vectors.npy"
    np.save(path, np.load(model / "vectors.npy"))
    Path(f"{path}.vocab").write_text("".join(line.split("\t")[0] + "\n" for line in (model / "vocab.txt").read_text().splitlines()))
    return path


def _corpus_folder(model: Path, corpus: Path) -> Path:
    folder = model.parent / "corpus"
    folder.mkdir()
    shutil.copy(corpus, folder / "royal.txt")
    return folder


def _linked(model: Path, target: Path, name: str) -> Path:
    link = model.parent / name
    link.symlink_to(target)
    return link


def _hard_linked(corpus: Path, model: Path) -> tuple[Path, Path]:
    text = shutil.copy(corpus, model.parent / "royal.txt")
    os.link(text, model.parent / "royal-link.txt")
    return Path(text), model.parent / "royal-link.txt"


def _device(model: Path) -> Path:
    """A null device: as root, one of the test's own, since a regression would replace the system's /dev/null;
    without root, the system's, which such a process has no right to replace."""
    try:
        os.mknod(model.parent / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        return Path("/dev/null")
    return model.parent / "null"


def _socket(model: Path) -> Path:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(model.parent / "socket.vec"))
    return model.parent / "socket.vec"


def _fifo(model: Path) -> Path:
    os.mkfifo(model.parent / "pipe")
    return model.parent / "pipe"


#: id -> (make(model, corpus) -> (arguments, paths that must stay unchanged), start of the one-line message).
SELF_OVERWRITES = {
    "export-over-the-model-vectors": (
        lambda m, c: (["export", "-m", m, "--format", "npy", "-o", m / "vectors.npy"], [m]),
        "the output '{m}/vectors.npy' is inside the input '{m}'",
    ),
    "export-over-the-model-vocabulary": (
        lambda m, c: (["export", "-m", m, "-o", m / "vocab.txt"], [m]), "the output '{m}/vocab.txt' is inside the input '{m}'",
    ),
    "export-over-the-model-metadata": (
        lambda m, c: (["export", "-m", m, "--format", "glove", "-o", m / "meta.json"], [m]),
        "the output '{m}/meta.json' is inside the input '{m}'",
    ),
    "export-npy-over-its-own-vocab": (
        lambda m, c: (lambda pair: (["export", "-m", pair, "--format", "npy", "-o", pair], [pair, Path(f"{pair}.vocab")]))(
            _npy_pair(m)
        ),
        "the output '{d}/vectors.npy' is the input '{d}/vectors.npy'",
    ),
    "convert-a-model-onto-itself": (
        lambda m, c: (["convert", m, m], [m]), "the output '{m}' is the input '{m}'",
    ),
    "convert-into-the-model": (
        lambda m, c: (["convert", m, m / "vectors.vec"], [m]), "the output '{m}/vectors.vec' is inside the input '{m}'",
    ),
    "convert-a-npy-pair-onto-its-vocab": (
        lambda m, c: (lambda pair: (["convert", pair, f"{pair}.vocab", "--to", "word2vec"], [pair, Path(f"{pair}.vocab")]))(
            _npy_pair(m)
        ),
        "the output '{d}/vectors.npy.vocab' is the input '{d}/vectors.npy.vocab'",
    ),
    "docvec-over-its-text": (
        lambda m, c: (lambda text: (["docvec", text, "-m", m, "-o", text], [text, m]))(Path(shutil.copy(c, m.parent))),
        "the output '{d}/royal.txt' is the input '{d}/royal.txt'",
    ),
    "docvec-over-a-hard-link-to-its-text": (
        lambda m, c: (lambda pair: (["docvec", pair[0], "-m", m, "-o", pair[1]], [pair[0], m]))(_hard_linked(c, m)),
        "the output '{d}/royal-link.txt' is the input '{d}/royal.txt'",
    ),
    "docvec-into-the-model": (
        lambda m, c: (["docvec", c, "-m", m, "-o", m / "vectors.npy"], [m]),
        "the output '{m}/vectors.npy' is inside the input '{m}'",
    ),
    "plot-into-the-model": (
        lambda m, c: (["plot", "king", "-m", m, "-o", m / "words.png"], [m]), "the output '{m}/words.png' is inside the input '{m}'",
    ),
    "update-with-its-own-model-as-text": (
        lambda m, c: (["update", m, m], [m]), "the output '{m}' is the input '{m}'",
    ),
    "update-with-a-file-of-its-model-as-text": (
        lambda m, c: (["update", m, m / "vocab.txt"], [m]), "the output '{m}' holds the input '{m}/vocab.txt'",
    ),
    "update-into-its-corpus-folder": (
        lambda m, c: (lambda folder: (["update", m, folder, "-o", folder / "model"], [m, folder]))(_corpus_folder(m, c)),
        "the output '{d}/corpus/model' is inside the input '{d}/corpus'",
    ),
    "build-into-its-corpus-folder": (
        lambda m, c: (lambda folder: (["build", folder, "-o", folder / "model"], [folder]))(_corpus_folder(m, c)),
        "the output '{d}/corpus/model' is inside the input '{d}/corpus'",
    ),
    "build-over-the-model-holding-its-corpus": (
        lambda m, c: (["build", m / "vocab.txt", "-o", m], [m]), "the output '{m}' holds the input '{m}/vocab.txt'",
    ),
    "output-is-a-symlink-to-a-model": (
        lambda m, c: (lambda link: (["build", c, "-o", link], [m, link]))(_linked(m, m, "link")),
        "'{d}/link' is a symbolic link; wordvec replaces files atomically and would replace the link, not its target",
    ),
    "output-is-a-symlink-to-a-file": (
        lambda m, c: (lambda link: (["export", "-m", m, "-o", link], [link, c]))(_linked(m, c, "link.vec")),
        "'{d}/link.vec' is a symbolic link",
    ),
    "output-is-a-device": (
        lambda m, c: (["export", "-m", m, "-o", _device(m)], [m]), "'{output}' is a character device, not a file",
    ),
    "output-is-a-socket": (
        lambda m, c: (["convert", m, _socket(m)], [m]), "'{d}/socket.vec' is a socket, not a file",
    ),
    "output-is-a-named-pipe": (
        lambda m, c: (lambda pipe: (["docvec", c, "-m", m, "-o", pipe], [m]))(_fifo(m)), "'{d}/pipe' is a named pipe (FIFO), not a file",
    ),
}


@pytest.mark.parametrize("case", list(SELF_OVERWRITES))
def test_a_write_that_would_destroy_an_input_is_refused(runner, royal_corpus_file, previous_model, case):
    make, expected = SELF_OVERWRITES[case]
    args, kept = make(previous_model, royal_corpus_file)
    before = {path: _tree(path) for path in kept}
    pipe = next((Path(arg) for arg in args if isinstance(arg, Path) and arg.name == "pipe"), None)
    result = invoke(runner, args)
    output = next((arg for before, arg in zip(args, args[1:]) if before == "-o"), None)
    message = "Error: " + expected.format(m=previous_model, d=previous_model.parent, output=output)
    cli_error(result, message)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert {path: _tree(path) for path in kept} == before
    assert [entry.name for entry in previous_model.parent.iterdir() if ".tmp-" in entry.name] == []
    if pipe is not None:
        assert pipe.is_fifo()
    for path in previous_model.parent.iterdir():
        assert path.name not in ("null", "socket.vec", "pipe") or not path.is_file(), "a special file was replaced"


def test_a_symlinked_output_is_refused_by_the_library_too(model, tmp_path):
    from wordvec.errors import ParameterError
    from wordvec.storage import save_vectors

    target = tmp_path / "vectors.vec"
    target.write_text("kept\n")
    (tmp_path / "link.vec").symlink_to(target)
    (tmp_path / "link-model").symlink_to(tmp_path)
    for path in (tmp_path / "link.vec", tmp_path / "link-model"):
        with pytest.raises(ParameterError, match="is a symbolic link"):
            save_vectors(model, path)
    assert target.read_text() == "kept\n" and (tmp_path / "link.vec").is_symlink()
    assert [entry.name for entry in tmp_path.iterdir() if ".tmp-" in entry.name] == []


def test_updating_a_model_in_place_is_still_allowed(runner, royal_corpus_file, tmp_path):
    model = tmp_path / "model"
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", model, "--keep-corpus", "-q", *BUILD_OPTIONS]))
    assert_ok(invoke(runner, ["update", model, royal_corpus_file, "-o", model, "-q"]))
    assert_ok(invoke(runner, ["update", model, royal_corpus_file, "-q"]))
    assert load_model(model).stats["tokens"] > 0


# -- faults: interrupted builds, a full disk, readers during a replace ----------------------

#: Runs the command line with one library function made to stop (print PAUSED and sleep) when it is
#: called for the (SKIP + 1)-th time: argv is MODULE OWNER.ATTRIBUTE SKIP, then the wordvec arguments.
PAUSING_CLI = """
import importlib, os, sys, time
module, attribute, skip = importlib.import_module(sys.argv[1]), sys.argv[2], int(sys.argv[3])
owner = module
for name in attribute.split(".")[:-1]:
    owner = getattr(owner, name)
name = attribute.split(".")[-1]
original, calls = getattr(owner, name), []

def paused(*args, **kwargs):
    calls.append(1)
    if len(calls) > skip:
        os.write(2, b"PAUSED\\n")  # one write: threads that pause together (the model's writers) print whole lines
        time.sleep(120)
    return original(*args, **kwargs)

setattr(owner, name, paused)
from wordvec.cli import main
main(sys.argv[4:], prog_name="wordvec")
"""

#: Points of a build: (module, function, calls let through) of the function the build stops in.
BUILD_POINTS = {
    "reading": ("wordvec.tokenize", "RegexTokenizer.tokenize_lines_grouped", 0),
    "counting": ("wordvec.cooccur", "CooccurrenceCounter.add", 0),
    "weighting": ("wordvec.ppmi", "ppmi", 0),
    "writing-the-files": ("wordvec.model_writer", "write_synced", 1),  # vectors.npy is written, vocab.txt not yet
    "before-the-swap": ("wordvec.model_writer", "_swap_into_place", 0),
}
TEMPORARY_MODEL = re.compile(r"^\.model\.tmp-\d+-[0-9a-f]{8}$")


def paused_build(point: str, corpus: Path, output: Path, temp_dir: Path) -> subprocess.Popen:
    """Start ``wordvec build`` (a different model from the module's) and return once it has stopped at ``point``."""
    module, function, skip = BUILD_POINTS[point]
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSING_CLI, module, function, str(skip),
         "build", str(corpus), "-o", str(output), "-q", *BUILD_OPTIONS, "--dim", "6"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(temp_dir)},
    )
    ready, _, _ = select.select([process.stderr], [], [], 60)
    line = process.stderr.readline() if ready else ""
    if line != "PAUSED\n":
        process.kill()
        pytest.fail(f"the build did not stop at {point}: {line}{process.stderr.read()}")
    return process


@pytest.mark.parametrize("point", list(BUILD_POINTS))
def test_interrupting_a_build_keeps_the_previous_model_and_cleans_up(royal_corpus_file, previous_model, tmp_path, point):
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    before = snapshot(previous_model)
    process = paused_build(point, royal_corpus_file, previous_model, temp_dir)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    # click's answer to Ctrl-C, no traceback (after the pauses of other threads that reached the point, if any).
    assert stderr.replace("PAUSED\n", "") == "\nAborted!\n"
    assert_untouched(previous_model, before)
    assert list(temp_dir.iterdir()) == []


@pytest.mark.parametrize("point", list(BUILD_POINTS))
def test_killing_a_build_keeps_the_previous_model_and_the_next_build_removes_its_leftovers(
    runner, royal_corpus_file, previous_model, tmp_path, point
):
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    before = snapshot(previous_model)
    process = paused_build(point, royal_corpus_file, previous_model, temp_dir)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert snapshot(previous_model) == before
    assert len(load_model(previous_model)) == 106
    # What a killed build leaves is recognisable: a hidden .model.tmp-PID-RANDOM beside the model, and the
    # counting passes' wordvec-* folders in the temporary directory.
    leftovers = [entry.name for entry in tmp_path.iterdir() if entry.name not in ("model", "temp")]
    assert all(TEMPORARY_MODEL.match(name) for name in leftovers), leftovers
    assert len(leftovers) == (1 if point in ("writing-the-files", "before-the-swap") else 0)
    assert all(entry.name.startswith("wordvec-") for entry in temp_dir.iterdir())
    # A query ignores them, and the next build into the same place removes them.
    assert_ok(invoke(runner, ["nearest", "king", "-m", previous_model]))
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", previous_model, "-q", *BUILD_OPTIONS, "--dim", "6"]))
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["model", "temp"]
    assert load_model(previous_model).dim == 6


def _limit_file_size() -> None:
    """In the child: files larger than 20 kB cannot be written (like a disk that is full)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.parametrize("failing, options, expected", [
    # The model's vectors (106 x 60 float32, 25 kB) are cut short; the temporary token file (14 kB) fits.
    ("model", ["--dim", "60"], "Error: cannot write the model to '{model}': the write was cut short ("),
    # The temporary token file of a corpus of 30 copies is cut short.
    ("temporary-files", ["--dim", "6"], "Error: cannot write the build's temporary files in '{temp}': the write was cut"),
], ids=["model", "temporary-files"])
def test_a_write_that_fails_keeps_the_previous_model(royal_corpus_file, previous_model, tmp_path, failing, options, expected):
    # A real process whose writes past 20 kB fail, as on a full disk (which needs privileges to mount).
    corpus = royal_corpus_file if failing == "model" else _write(tmp_path, "big.txt", royal_corpus_file.read_bytes() * 30)
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    before = snapshot(previous_model)
    result = subprocess.run(
        [sys.executable, "-m", "wordvec.cli", "build", corpus, "-o", previous_model, "--min-count", "2", *options],
        capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size, env={**os.environ, "TMPDIR": str(temp_dir)},
    )
    line = assert_user_error(
        result.returncode, result.stdout, result.stderr, expected.format(model=previous_model, temp=temp_dir)
    )
    assert line.endswith(("perhaps the disk is full; the previous model (if any) is unchanged",
                          "perhaps the disk is full; free some space there or set TMPDIR to a directory with room"))
    assert_untouched(previous_model, before)
    assert list(temp_dir.iterdir()) == []


def test_a_full_disk_while_writing_the_model(runner, royal_corpus_file, previous_model, monkeypatch):
    # The disk is full after the vectors: every other file fails (the files are written at once, on threads).
    written = []

    def write_until_full(path, write):
        if path.name != "vectors.npy":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(path.name)
        original(path, write)

    original = model_writer.write_synced
    monkeypatch.setattr(model_writer, "write_synced", write_until_full)
    before = snapshot(previous_model)
    result = invoke(runner, ["build", royal_corpus_file, "-o", previous_model, "-q", *BUILD_OPTIONS, "--dim", "6"])
    cli_error(result, f"Error: cannot write the model to '{previous_model}': No space left on device; "
                      "the previous model (if any) is unchanged")
    assert written == ["vectors.npy"]
    assert_untouched(previous_model, before)


#: Rebuilds the model at argv[1] from the corpora argv[2] and argv[3] in turn, three times, with the build
#: options argv[4:], in one process (its start-up would otherwise take longer than a build).
REBUILDING_CLI = """
import sys
import time
from wordvec.cli import main
target, corpora, options = sys.argv[1], sys.argv[2:4], sys.argv[4:]
for number in range(3):
    try:
        main(["build", corpora[number % 2], "-o", target, "-q", *options], prog_name="wordvec")
    except SystemExit as done:
        assert done.code == 0, done.code
    time.sleep(0.3)  # each model stays in place long enough for the readers to see it, however busy the machine
"""


def test_readers_see_the_old_or_the_new_model_while_a_build_replaces_it(runner, royal_lines, model_path, tmp_path):
    # Model B is built from the corpus of model A with every word renamed (each takes the next one's name):
    # the same shape, so a reader that mixed one's vocabulary with the other's vectors would not notice, but
    # would load neither model and print other neighbours than either.
    english = sorted({word for line in royal_lines for word in line.split()})
    renamed = dict(zip(english, english[1:] + english[:1]))
    renamed_lines = [" ".join(renamed[word] for word in line.split()) for line in royal_lines]
    corpus_a = _write(tmp_path, "a.txt", ("\n".join(royal_lines) + "\n").encode())
    corpus_b = _write(tmp_path, "b.txt", ("\n".join(renamed_lines) + "\n").encode())
    build_from(runner, corpus_b, tmp_path / "reference-b", "-q")
    references = [load_model(model_path), load_model(tmp_path / "reference-b")]
    assert references[0].words != references[1].words and references[0].vectors.shape == references[1].vectors.shape
    query = ["nearest", "king", "queen", "-k", "5", "-m"]
    expected = {run_wordvec([*query, model_path], tmp_path).stdout, run_wordvec([*query, tmp_path / "reference-b"], tmp_path).stdout}
    assert len(expected) == 2

    target = tmp_path / "model"
    shutil.copytree(model_path, target)
    writer = subprocess.Popen(
        [sys.executable, "-c", REBUILDING_CLI, target, corpus_b, corpus_a, *BUILD_OPTIONS],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    outputs: list[tuple[int, str, str]] = []
    loads: list[WordVectors] = []
    errors: list[BaseException] = []

    def query_processes() -> None:
        while writer.poll() is None:
            result = run_wordvec([*query, target], tmp_path)
            outputs.append((result.returncode, result.stdout, result.stderr))

    def load_in_a_loop() -> None:
        try:
            while writer.poll() is None:
                loads.append(load_model(target))
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=query_processes) for _ in range(2)] + [threading.Thread(target=load_in_a_loop)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr

    assert errors == []
    seen = [0, 0]
    for loaded in loads:
        which = 0 if loaded.words == references[0].words else 1
        assert loaded.words == references[which].words
        np.testing.assert_array_equal(loaded.vectors, references[which].vectors)
        seen[which] += 1
    assert all(seen), seen
    assert outputs
    for returncode, output, error in outputs:
        assert (returncode, error, output in expected) == (0, "", True), (output, error)


# -- property tests -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def property_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


def read_and_tokenize(path: Path) -> list[str]:
    return [token for piece in Corpus(path).iter_text() for token in RegexTokenizer().tokenize_lines(piece)]


@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=300), compression=st.sampled_from([None, "gz", "bz2", "cut-gz"]))
def test_reading_and_tokenizing_any_bytes_never_raises_anything_but_a_corpus_error(property_dir, data, compression):
    packed = {None: data, "gz": gzip.compress(data), "bz2": bz2.compress(data), "cut-gz": gzip.compress(data)[:-5]}
    path = _write(property_dir, "any.bin", packed[compression])
    try:
        tokens = read_and_tokenize(path)
    except CorpusError as error:
        assert "\n" not in str(error)
    else:
        assert all(token == "\n" or (token and not any(c.isspace() for c in token)) for token in tokens)


#: Words of several scripts, with combining marks, apostrophes, digits and emoji; and what may separate them.
WORDS = st.text(alphabet="abcXYZ\u00e9e\u0301\u05d0\u05d1\u4e00\u4e01'-09.\U0001f600\u200b", min_size=1, max_size=7)
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", ", ", " \u00a0", "\u3000"])


@settings(max_examples=80, deadline=None)
@given(
    words=st.lists(st.tuples(WORDS, SEPARATORS), max_size=60),
    read_bytes=st.integers(1, 40),
    pending=st.integers(8, 40),
)
def test_tokens_do_not_depend_on_how_the_reader_cuts_the_text(property_dir, words, read_bytes, pending):
    # Any read size and any long-line limit above the longest word (+ separator) give the tokens of the whole text.
    import wordvec.corpus as corpus_module

    text = "".join(word + separator for word, separator in words)
    path = _write(property_dir, "words.txt", text.encode("utf-8"))
    whole = RegexTokenizer().tokenize_lines(text if text.endswith("\n") or not text else text + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(corpus_module, "READ_BYTES", read_bytes)
        patch.setattr(corpus_module, "MAX_PENDING_CHARS", pending)
        assert read_and_tokenize(path) == whole


@settings(max_examples=100, deadline=None)
@given(
    counts=st.lists(st.floats(0, 1e12) | st.sampled_from([0.0, 1 / 20, 1 / 3, 1.0]), min_size=36, max_size=36),
    cds=st.floats(0, 10, exclude_min=True),
    neg=st.floats(0, 1e6, exclude_min=True),
)
def test_ppmi_never_gives_nan_or_infinity_for_any_value_build_accepts(counts, cds, neg):
    # Counts are float32 distance-weighted sums (harmonic weights are fractions); cds and neg span --cds and --neg.
    matrix = sp.csr_matrix(np.array(counts, dtype=np.float32).reshape(6, 6))
    weighted = ppmi(matrix + matrix.T, cds=cds, neg=neg)
    assert np.isfinite(weighted.data).all()
    assert (weighted.data > 0).all()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_queries_on_any_known_word_return_k_neighbours_sorted_by_score(model, data):
    word = data.draw(st.sampled_from(model.words))
    topn = data.draw(st.integers(1, len(model) + 5))
    neighbours = model.most_similar(data.draw(st.sampled_from([word, word.upper()])), topn=topn)
    assert len(neighbours) == min(topn, len(model) - 1)
    scores = [score for _, score in neighbours]
    assert scores == sorted(scores, reverse=True)
    assert word not in [other for other, _ in neighbours]
    assert all(np.isfinite(scores)) and all(-1.0001 <= score <= 1.0001 for score in scores)


def test_the_catalogue_is_documented():
    listed = (Path(__file__).parent / "README.md").read_text(encoding="utf-8")
    option_cases = [f"{option.lstrip('-')}={value}" for option, value, _ in BAD_BUILD_OPTIONS]
    cases = [*CORPUS_FAILURES, *MODEL_FAILURES, *SELF_OVERWRITES, *option_cases]
    missing = [case for case in cases if f"| `{case}`" not in listed]
    assert missing == []


def test_every_test_the_catalogue_names_exists():
    listed = (Path(__file__).parent / "README.md").read_text(encoding="utf-8")
    defined = set()
    for module in Path(__file__).parent.glob("test_*.py"):
        defined |= set(re.findall(r"^(?:async )?def (test_\w+)", module.read_text(encoding="utf-8"), re.MULTILINE))
    modules = {module.stem for module in Path(__file__).parent.glob("test_*.py")}
    named = set(re.findall(r"\b(test_\w+)", listed)) - modules
    assert sorted(named - defined) == []
