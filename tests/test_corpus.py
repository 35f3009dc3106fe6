"""Tests of wordvec.corpus: reading plain and compressed files, directories, stdin and Python iterables."""

from __future__ import annotations

import bz2
import re
import shlex
import codecs
import gzip
import io
import lzma
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wordvec.corpus as corpus_module
from wordvec.corpus import Corpus, CorpusURL, resolve_paths
from wordvec.errors import CorpusError
from wordvec.tokenize import RegexTokenizer

COMPRESSIONS = ["gz", "bz2", "xz"]
# Every way a file can be stored: plain text (None) and each compression.
STORAGES = [None, *COMPRESSIONS]
STORAGE_IDS = ["plain", *COMPRESSIONS]
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def read_text(source) -> str:
    return "".join(Corpus(source).iter_text())


# -- Python iterables ---------------------------------------------------------------


def test_list_of_strings_is_lines():
    assert read_text(["The king rules", "the queen rules"]) == "The king rules\nthe queen rules\n"


def test_generator_of_strings_is_lines():
    assert read_text(line for line in ["a b", "c"]) == "a b\nc\n"


def test_token_lists_are_lines():
    assert read_text([["the", "king"], ("a", "queen"), "plain line"]) == "the king\na queen\nplain line\n"


def test_iterable_stats_name_the_python_iterable():
    corpus = Corpus(["a"])
    assert corpus.stats.names == ["<python iterable>"]
    assert corpus.stats.total_bytes is None


def test_non_string_line_is_rejected():
    with pytest.raises(CorpusError, match="corpus lines must be strings .*got int"):
        read_text(["fine", 42])


def test_list_of_token_lists_with_non_strings_is_rejected():
    with pytest.raises(CorpusError, match="got list"):
        read_text([["a", 1]])


def test_a_number_is_not_a_corpus():
    with pytest.raises(CorpusError, match="cannot read a corpus from a int"):
        Corpus(42)


def test_generator_of_paths_is_paths(tmp_path):
    (tmp_path / "a.txt").write_text("file a\n")
    (tmp_path / "b.txt").write_text("file b\n")
    corpus = Corpus(tmp_path / name for name in ["b.txt", "a.txt"])
    assert "".join(corpus.iter_text()) == "file b\nfile a\n"
    assert corpus.stats.names == [str(tmp_path / "b.txt"), str(tmp_path / "a.txt")]
    assert corpus.stats.files == 2


def test_set_of_paths_is_paths(tmp_path):
    (tmp_path / "only.txt").write_text("the only file\n")
    corpus = Corpus({tmp_path / "only.txt"})
    assert "".join(corpus.iter_text()) == "the only file\n"
    assert corpus.stats.names == [str(tmp_path / "only.txt")]


def test_generator_of_path_strings_is_lines(tmp_path):
    # Strings are lines even when they name an existing file: wrap paths in pathlib.Path.
    (tmp_path / "a.txt").write_text("file a\n")
    assert read_text(str(tmp_path / name) for name in ["a.txt"]) == f"{tmp_path / 'a.txt'}\n"


def test_empty_list_is_no_lines():
    corpus = Corpus([])
    assert list(corpus.iter_text()) == []
    assert corpus.stats.names == ["<python iterable>"]


def test_many_python_lines_are_yielded_in_bounded_pieces(monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 10)
    lines = [f"line number {i}" for i in range(20)]
    pieces = list(Corpus(lines).iter_text())
    assert len(pieces) == 20
    assert all(piece.endswith("\n") for piece in pieces)
    assert "".join(pieces) == "".join(line + "\n" for line in lines)


# -- plain and compressed files -----------------------------------------------------


def test_plain_file_is_read_as_is(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("The king rules\nthe queen rules\n", encoding="utf-8")
    corpus = Corpus(path)
    assert list(corpus.iter_text()) == ["The king rules\nthe queen rules\n"]
    assert corpus.stats.files == 1
    assert corpus.stats.bytes_read == corpus.stats.total_bytes == 31


def test_plain_file_given_as_a_string_path(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("a plain file\n")
    assert read_text(str(path)) == "a plain file\n"


@pytest.mark.parametrize("compression", STORAGES, ids=STORAGE_IDS)
def test_file_is_read_transparently(tmp_path, compression, write_corpus):
    text = "The king rules\nthe queen rules\nwith grace\n"
    path = write_corpus(tmp_path / "corpus.txt", text.encode("utf-8"), compression)
    corpus = Corpus(path)
    assert "".join(corpus.iter_text()) == text
    assert corpus.stats.files == 1
    assert corpus.stats.names == [str(path)]
    assert corpus.stats.total_bytes == path.stat().st_size
    assert corpus.stats.bytes_read == path.stat().st_size


@pytest.mark.parametrize("compression", STORAGES, ids=STORAGE_IDS)
def test_file_without_final_newline_gets_one(tmp_path, compression, write_corpus):
    path = write_corpus(tmp_path / "corpus.txt", b"first line\nlast line", compression)
    assert read_text(path) == "first line\nlast line\n"


@pytest.mark.parametrize("compression", STORAGES, ids=STORAGE_IDS)
def test_large_file_read_in_several_steps(tmp_path, monkeypatch, compression, write_corpus):
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 64)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 100)
    text = "".join(f"sentence {i} about the king and the queen\n" for i in range(200))
    path = write_corpus(tmp_path / "corpus.txt", text.encode("utf-8"), compression)
    pieces = list(Corpus(path).iter_text())
    assert len(pieces) > 10
    assert all(piece.endswith("\n") for piece in pieces)
    assert "".join(pieces) == text


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_compressed_file_reads_like_the_plain_file(tmp_path, compression, write_corpus):
    data = "".join(f"line {i}: the k\u00efng rules \U0001f600\n" for i in range(500)).encode("utf-8")
    plain = write_corpus(tmp_path / "plain.txt", data)
    compressed = write_corpus(tmp_path / "packed.txt", data, compression)
    assert compressed.stat().st_size < plain.stat().st_size
    assert read_text(compressed) == read_text(plain) == data.decode("utf-8")


def test_list_of_paths_reads_every_file_in_order(tmp_path, write_corpus):
    first = write_corpus(tmp_path / "b.txt", b"second file\n")
    second = write_corpus(tmp_path / "a.txt", b"first file\n", "xz")
    corpus = Corpus([first, second])
    assert "".join(corpus.iter_text()) == "second file\nfirst file\n"
    assert corpus.stats.files == 2
    assert corpus.stats.names == [str(first), str(second)]


@pytest.mark.parametrize("compression", STORAGES, ids=STORAGE_IDS)
def test_last_line_of_a_file_does_not_run_into_the_next(tmp_path, compression, write_corpus):
    first = write_corpus(tmp_path / "one.txt", b"ends without newline", compression)
    second = write_corpus(tmp_path / "two.txt", b"next file", compression)
    assert read_text([first, second]) == "ends without newline\nnext file\n"


# -- directories --------------------------------------------------------------------


def test_directory_is_searched_recursively_in_sorted_order(tmp_path, write_corpus):
    write_corpus(tmp_path / "b.txt", b"file b\n")
    write_corpus(tmp_path / "a.txt", b"file a\n")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    write_corpus(tmp_path / "sub" / "c.txt", b"file c\n")
    write_corpus(tmp_path / "sub" / "deeper" / "d.txt", b"file d\n")
    corpus = Corpus(tmp_path)
    assert "".join(corpus.iter_text()) == "file a\nfile b\nfile c\nfile d\n"
    assert corpus.stats.files == 4


def test_directory_mixing_plain_and_compressed_files(tmp_path, write_corpus):
    write_corpus(tmp_path / "a.txt", b"file a plain\n")
    write_corpus(tmp_path / "b.txt", b"file b gzip", "gz")
    write_corpus(tmp_path / "c.txt", b"file c bzip2\n", "bz2")
    (tmp_path / "sub").mkdir()
    write_corpus(tmp_path / "sub" / "d.txt", b"file d xz\n", "xz")
    write_corpus(tmp_path / "sub" / "e.md", b"file e plain")
    corpus = Corpus(tmp_path)
    assert [Path(name).name for name in corpus.stats.names] == ["a.txt", "b.txt.gz", "c.txt.bz2", "d.txt.xz", "e.md"]
    assert "".join(corpus.iter_text()) == "file a plain\nfile b gzip\nfile c bzip2\nfile d xz\nfile e plain\n"
    assert corpus.stats.files == 5


def test_directory_skips_hidden_files_and_directories(tmp_path, write_corpus):
    write_corpus(tmp_path / "visible.txt", b"visible text\n")
    (tmp_path / ".hidden.txt").write_text("hidden text\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("hidden directory text\n")
    write_corpus(tmp_path / ".git" / "packed.txt", b"hidden compressed text\n", "gz")
    assert read_text(tmp_path) == "visible text\n"


def test_directory_skips_plain_and_compressed_binary_files(tmp_path, write_corpus):
    write_corpus(tmp_path / "text.txt", b"some text\n")
    write_corpus(tmp_path / "more.txt", b"more text\n", "gz")
    write_corpus(tmp_path / "image.png", PNG_HEADER)
    write_corpus(tmp_path / "packed.png", PNG_HEADER, "gz")
    write_corpus(tmp_path / "blob.bin", bytes(range(32)) * 100)
    write_corpus(tmp_path / "packed.bin", bytes(range(32)) * 100, "bz2")
    assert [path.name for path in resolve_paths([tmp_path])] == ["more.txt.gz", "text.txt"]
    assert read_text(tmp_path) == "more text\nsome text\n"


@pytest.mark.parametrize("name, damage", [
    ("bad.txt.gz", lambda data: data[:-8] + bytes(b ^ 0xFF for b in data[-8:-4]) + data[-4:]),
    ("cut.txt.gz", lambda data: data[: len(data) // 2]),
    ("bad.txt.bz2", lambda data: data[:20] + b"\x00" * 20 + data[40:]),
], ids=["gz-checksum", "gz-truncated", "bz2-corrupt"])
def test_corrupt_compressed_file_in_a_directory_is_an_error(tmp_path, name, damage):
    text = b"the king rules the land\n" * 500
    compress = gzip.compress if name.endswith(".gz") else bz2.compress
    (tmp_path / "good.txt").write_bytes(text)
    (tmp_path / name).write_bytes(damage(compress(text)))
    # The broken file is listed, not skipped, so that reading it fails loudly.
    assert [path.name for path in resolve_paths([tmp_path])] == sorted(["good.txt", name])
    with pytest.raises(CorpusError, match=rf"'{tmp_path / name}'"):
        read_text(tmp_path)


# A gzip header, then a deflate block of the reserved type 3: data that zlib (and ISA-L) refuse as invalid.
INVALID_DEFLATE = bytes.fromhex("1f8b0800000000000003") + b"\x07" + b"\x00" * 16


@pytest.mark.parametrize("accelerated", [True, False], ids=["isal", "zlib"])
@pytest.mark.parametrize("damage, message", [
    (lambda data: data, None),
    (lambda data: data[: len(data) // 2], "is truncated: the compressed stream ends early"),
    (lambda data: data[:-8] + bytes(b ^ 0xFF for b in data[-8:-4]) + data[-4:], "CRC check failed.*corrupt"),
    (lambda data: INVALID_DEFLATE, "[Ii]nvalid (deflate )?block.*corrupt"),  # each library words it its way
], ids=["intact", "truncated", "checksum", "invalid-deflate"])
def test_gzip_reads_the_same_with_isal_or_zlib(tmp_path, monkeypatch, accelerated, damage, message):
    """ISA-L (the [fast] extra's isal) decompresses gzip unless WORDVEC_COMPILED=0: the same text, the same errors."""
    import isal  # noqa: F401  (the [test] extra installs it: this must run, never skip)

    import wordvec.compiled as compiled
    from wordvec.corpus import _gzip_stream

    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1" if accelerated else "0")
    assert isinstance(_gzip_stream(io.BytesIO()), gzip.GzipFile) is not accelerated  # zlib's reader only without
    text = "".join(f"line {number} ünïcode {number * 7}\n" for number in range(20_000))
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(damage(gzip.compress(text.encode())))
    if message is None:
        assert read_text(path) == text
    else:
        with pytest.raises(CorpusError, match=rf"'{path}'.* {message}"):
            read_text(path)


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="holds no text files"):
        Corpus(tmp_path)


def test_directory_of_only_hidden_files_is_an_error(tmp_path):
    (tmp_path / ".hidden.txt").write_text("hidden\n")
    with pytest.raises(CorpusError, match=f"directory '{tmp_path}' holds no text files"):
        Corpus(tmp_path)


# -- standard input -----------------------------------------------------------------


def test_dash_reads_standard_input(fake_stdin):
    buffer = fake_stdin(b"The king rules\nthe queen rules")
    corpus = Corpus("-")
    assert "".join(corpus.iter_text()) == "The king rules\nthe queen rules\n"
    assert corpus.stats.names == ["-"]
    assert corpus.stats.files == 1
    assert corpus.stats.total_bytes is None
    assert corpus.stats.bytes_read == 30
    # Standard input belongs to the process: reading it must not close it.
    assert not buffer.closed


def test_standard_input_in_several_reads(fake_stdin, monkeypatch):
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 7)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 5)
    text = "caf\u00e9 \U0001f600 na\u00efve\nthe king\n" * 20
    buffer = fake_stdin(text.encode("utf-8"))
    pieces = list(Corpus("-").iter_text())
    assert len(pieces) > 10
    assert "".join(pieces) == text
    assert not buffer.closed


def test_standard_input_among_files(tmp_path, fake_stdin):
    (tmp_path / "first.txt").write_text("first file")
    (tmp_path / "last.txt").write_text("last file\n")
    buffer = fake_stdin(b"from stdin")
    corpus = Corpus([tmp_path / "first.txt", Path("-"), tmp_path / "last.txt"])
    assert "".join(corpus.iter_text()) == "first file\nfrom stdin\nlast file\n"
    assert corpus.stats.files == 3
    assert corpus.stats.total_bytes is None
    assert not buffer.closed


def test_binary_standard_input_is_an_error(fake_stdin):
    buffer = fake_stdin(PNG_HEADER)
    with pytest.raises(CorpusError, match="standard input looks like a PNG image, not text"):
        read_text("-")
    assert not buffer.closed


# -- decoding -----------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_counted_exactly(tmp_path, write_corpus):
    # Replaced bytes: \xff (1), truncated \xe2\x82 (2), \x80 \x80 (2), truncated \xf0\x9f\x98 at
    # the very end of the file (3): 8 bytes in 5 replacement characters.
    data = b"king \xff queen \xe2\x82 x \x80\x80 caf\xc3\xa9\nend \xf0\x9f\x98"
    path = write_corpus(tmp_path / "bad.txt", data)
    corpus = Corpus(path)
    text = "".join(corpus.iter_text())
    assert text == "king \ufffd queen \ufffd x \ufffd\ufffd caf\u00e9\nend \ufffd\n"
    assert corpus.stats.replaced_bytes == 8


@pytest.mark.parametrize("compression", [None, "gz"], ids=["plain", "gz"])
def test_valid_utf8_split_across_reads_is_not_replaced(tmp_path, monkeypatch, compression, write_corpus):
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 7)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 5)
    text = "caf\u00e9 \u00e5ngstr\u00f6m \u0928\u092e\u0938\u094d\u0924\u0947 \U0001f600 na\u00efve\n" * 5
    path = write_corpus(tmp_path / "utf8.txt", text.encode("utf-8"), compression)
    corpus = Corpus(path)
    assert "".join(corpus.iter_text()) == text
    assert corpus.stats.replaced_bytes == 0


def test_utf8_byte_order_mark_is_dropped(tmp_path, write_corpus):
    path = write_corpus(tmp_path / "bom.txt", codecs.BOM_UTF8 + "king queen\n".encode("utf-8"))
    assert read_text(path) == "king queen\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark_is_decoded(tmp_path, encoding, write_corpus):
    text = "The k\u00efng rules\nthe queen \U0001f600\n"
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding]
    path = write_corpus(tmp_path / "wide.txt", bom + text.encode(encoding))
    corpus = Corpus(path)
    assert "".join(corpus.iter_text()) == text
    assert corpus.stats.replaced_bytes == 0


def test_crlf_line_ends_give_the_same_tokens(tmp_path, write_corpus):
    path = write_corpus(tmp_path / "dos.txt", b"the king\r\nthe queen\r\n")
    text = read_text(path)
    assert RegexTokenizer().tokenize_lines(text) == ["the", "king", "\n", "the", "queen", "\n"]


@pytest.mark.parametrize("compression", [None, "gz"], ids=["plain", "gz"])
def test_long_line_is_split_only_at_whitespace(tmp_path, monkeypatch, compression, write_corpus):
    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 50)
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 16)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 40)
    words = [f"word{i}" + "x" * (i % 7) for i in range(300)]
    text = " ".join(words[:150]) + "\t" + " ".join(words[150:]) + "\nshort line\n"
    path = write_corpus(tmp_path / "long.txt", text.encode("utf-8"), compression)
    pieces = list(Corpus(path).iter_text())
    assert "".join(pieces) == text
    assert len(pieces) > 20
    # Bounded: a piece is at most the pending limit plus one read.
    assert max(len(piece) for piece in pieces) <= 50 + 40
    for piece in pieces[:-1]:
        assert piece[-1] in " \t\n"
    tokenizer = RegexTokenizer()
    assert [token for piece in pieces for token in tokenizer.tokenize(piece)] == words + ["short", "line"]


def test_long_last_line_cut_at_the_end_of_the_file_is_still_ended(tmp_path, monkeypatch):
    # Cut after its final space, the line left nothing for the file's end to close: the next file must not continue it.
    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 8)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 8)
    (tmp_path / "a.txt").write_text("123456789 ")
    (tmp_path / "b.txt").write_text("next\n")
    assert read_text([tmp_path / "a.txt", tmp_path / "b.txt"]) == "123456789 \nnext\n"


# -- errors -------------------------------------------------------------------------


def test_missing_path_is_an_error(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(CorpusError, match=f"corpus path '{missing}' does not exist"):
        Corpus(missing)


def test_missing_path_among_several_is_an_error(tmp_path, write_corpus):
    good = write_corpus(tmp_path / "good.txt", b"text\n")
    with pytest.raises(CorpusError, match="does not exist"):
        Corpus([good, tmp_path / "missing.txt"])


def test_no_paths_is_an_error():
    with pytest.raises(CorpusError, match="no corpus given"):
        resolve_paths([])


@pytest.mark.parametrize("compression", STORAGES, ids=STORAGE_IDS)
def test_binary_file_is_an_error(tmp_path, compression, write_corpus):
    path = write_corpus(tmp_path / "image.png", PNG_HEADER, compression)
    with pytest.raises(CorpusError, match=rf"'{path}' looks like a PNG image, not text"):
        read_text(path)


@pytest.mark.parametrize("compression", [None, "xz"], ids=["plain", "xz"])
def test_control_bytes_are_an_error(tmp_path, compression, write_corpus):
    path = write_corpus(tmp_path / "blob.dat", bytes(range(32)) * 50, compression)
    with pytest.raises(CorpusError, match="looks like a binary file, not text"):
        read_text(path)


def test_truncated_gzip_is_an_error(tmp_path):
    data = gzip.compress(b"the king rules the land\n" * 500)
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match=r"'.*cut\.txt\.gz' is truncated: the compressed stream ends early"):
        read_text(path)


def test_corrupt_bz2_is_an_error(tmp_path):
    data = bytearray(bz2.compress(b"the king rules the land\n" * 500))
    data[20:40] = b"\x00" * 20
    path = tmp_path / "bad.txt.bz2"
    path.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match=r"cannot read '.*bad\.txt\.bz2': .*corrupt or not in a supported format"):
        read_text(path)


def test_corrupt_xz_is_an_error(tmp_path):
    data = bytearray(lzma.compress(b"the king rules the land\n" * 500))
    data[30:50] = b"\xff" * 20
    path = tmp_path / "bad.txt.xz"
    path.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match=r"cannot read '.*bad\.txt\.xz'"):
        read_text(path)


# -- byte ranges of a file (for worker processes) -------------------------------------


def test_file_layout(tmp_path, write_corpus):
    text = b"the king rules\n" * 20
    assert corpus_module.file_layout(write_corpus(tmp_path / "plain.txt", text)) == (False, True)
    assert corpus_module.file_layout(write_corpus(tmp_path / "bom.txt", codecs.BOM_UTF8 + text)) == (False, True)
    for compression in COMPRESSIONS:
        assert corpus_module.file_layout(write_corpus(tmp_path / "c.txt", text, compression)) == (True, False)
    assert corpus_module.file_layout(write_corpus(tmp_path / "u16.txt", text.decode().encode("utf-16"))) == (False, False)
    assert corpus_module.file_layout(write_corpus(tmp_path / "image.png", PNG_HEADER)) == (False, False)
    assert corpus_module.file_layout(tmp_path) == (False, False)  # unreadable as a file: read whole, it says why


def test_next_line_start(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"ab\ncd\n\nlast")
    starts = [corpus_module.next_line_start(path, position) for position in range(1, 12)]
    assert starts == [3, 3, 3, 6, 6, 6, 7, 11, 11, 11, 11]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_byte_ranges_cut_after_line_ends_read_as_the_whole_file(tmp_path, line_end):
    lines = ["the king rules", "", "caf\u00e9 na\u00efve \u4e2d\u6587", "the queen \ufffd rules", "last line"]
    data = codecs.BOM_UTF8 + line_end.join(lines).encode().replace("\ufffd".encode(), b"\xff\xfe")
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)  # no final line end: the file's last range gets one, as the whole file does
    starts = [0, *(index + 1 for index, byte in enumerate(data) if byte == ord("\n"))]
    parts = [corpus_module.FilePart(path, start, end) for start, end in zip(starts, [*starts[1:], None])]
    whole = Corpus(path)
    stats = corpus_module.CorpusStats()
    assert "".join(corpus_module.iter_parts_text(parts, stats)) == "".join(whole.iter_text())
    assert (stats.files, stats.bytes_read, stats.replaced_bytes) == (1, len(data), 2)
    assert (whole.stats.files, whole.stats.bytes_read, whole.stats.replaced_bytes) == (1, len(data), 2)


def test_a_byte_range_read_in_several_steps(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "READ_BYTES", 7)
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 5)
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"skip me\nthe king rules the land\nthe queen too\nnot me\n")
    stats = corpus_module.CorpusStats()
    text = "".join(corpus_module.iter_parts_text([corpus_module.FilePart(path, 8, 46)], stats))
    assert text == "the king rules the land\nthe queen too\n"
    assert (stats.files, stats.bytes_read) == (0, 38)


# -- URLs, read through fsspec ---------------------------------------------------------------


@pytest.fixture
def url_corpus(tmp_path, write_corpus, royal_lines):
    """A local folder of plain, gzip and bzip2 text (a subfolder, a hidden file, an image) and its copy at a ``memory://`` URL."""
    import fsspec

    local = tmp_path / "corpus"
    (local / "sub").mkdir(parents=True)
    lines = [line + "\n" for line in royal_lines]
    write_corpus(local / "a.txt", "".join(lines[:200]).encode())
    write_corpus(local / "b.txt", "".join(lines[200:300]).encode(), "gz")
    write_corpus(local / "sub" / "c.txt", "".join(lines[300:]).encode(), "bz2")
    write_corpus(local / "z.txt", b"the last file ends without a line end")
    write_corpus(local / ".hidden.txt", b"hidden text\n")
    write_corpus(local / "image.png", PNG_HEADER)
    memory = fsspec.filesystem("memory")
    root = f"/{tmp_path.name}"
    for path in local.rglob("*"):
        if path.is_file():
            memory.pipe_file(f"{root}/{path.relative_to(local).as_posix()}", path.read_bytes())
    yield local, f"memory://{root}"
    memory.rm(root, recursive=True)


def test_a_url_folder_reads_like_the_local_folder(url_corpus, royal_lines):
    local, url = url_corpus
    at_url, here = Corpus(url), Corpus(local)
    lines = [line + "\n" for line in royal_lines]
    expected = "".join(lines[:300]) + "the last file ends without a line end\n" + "".join(lines[300:])
    assert "".join(at_url.iter_text()) == "".join(here.iter_text()) == expected
    relative = [Path(name).relative_to(local).as_posix() for name in here.stats.names]
    assert relative == ["a.txt", "b.txt.gz", "z.txt", "sub/c.txt.bz2"]  # a folder's files, then its subfolders
    assert at_url.stats.names == [f"{url}/{name}" for name in relative]
    assert at_url.paths == [CorpusURL(f"{url}/{name}") for name in relative]
    for key in ("files", "bytes_read", "total_bytes", "replaced_bytes"):
        assert getattr(at_url.stats, key) == getattr(here.stats, key), key


def test_single_url_files_and_a_mix_of_urls_and_paths(url_corpus):
    local, url = url_corpus
    assert read_text(f"{url}/b.txt.gz") == read_text(local / "b.txt.gz")
    mixed = Corpus([CorpusURL(f"{url}/z.txt"), local / "a.txt", f"{url}/sub"])
    assert "".join(mixed.iter_text()) == read_text(local / "z.txt") + read_text(local / "a.txt") + read_text(local / "sub")
    assert mixed.stats.names == [f"{url}/z.txt", str(local / "a.txt"), f"{url}/sub/c.txt.bz2"]


def test_a_file_url_reads_the_local_folder(url_corpus):
    local, _ = url_corpus
    corpus = Corpus(local.as_uri())
    assert "".join(corpus.iter_text()) == read_text(local)
    assert corpus.stats.names[0] == (local / "a.txt").as_uri()


def test_byte_ranges_of_a_url_read_as_the_whole_file(url_corpus):
    local, url = url_corpus
    plain, packed = CorpusURL(f"{url}/a.txt"), CorpusURL(f"{url}/b.txt.gz")
    assert corpus_module.file_layout(plain) == (False, True)
    assert corpus_module.file_layout(packed) == (True, False)
    assert corpus_module.file_size(plain) == (local / "a.txt").stat().st_size
    cut = corpus_module.next_line_start(plain, 5000)
    assert cut == corpus_module.next_line_start(local / "a.txt", 5000) > 5000
    stats = corpus_module.CorpusStats()
    parts = [corpus_module.FilePart(plain, 0, cut), corpus_module.FilePart(plain, cut)]
    assert "".join(corpus_module.iter_parts_text(parts, stats)) == read_text(local / "a.txt")
    assert (stats.files, stats.bytes_read) == (1, (local / "a.txt").stat().st_size)


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_a_build_from_a_url_equals_the_build_from_local_files(url_corpus, scheme):
    from wordvec.pipeline import build, count_corpus

    local, url = url_corpus
    source = url if scheme == "memory" else local.as_uri()
    params = dict(dim=8, min_count=2, window=4, subsample=1e-3, workers=1)
    at_url, here = count_corpus(source, **params), count_corpus(local, **params)
    assert at_url.vocabulary.words == here.vocabulary.words
    assert np.array_equal(at_url.vocabulary.counts, here.vocabulary.counts)
    assert (at_url.matrix != here.matrix).nnz == 0
    assert at_url.stats["files"] == here.stats["files"] == 4
    vectors_at_url, vectors_here = build(source, **params), build(local, **params)
    assert vectors_at_url.words == vectors_here.words
    assert np.array_equal(vectors_at_url.vectors, vectors_here.vectors)


def test_cli_builds_from_a_url(url_corpus, runner, tmp_path):
    from wordvec.cli import main
    from wordvec.storage import load_model

    from conftest import BUILD_OPTIONS

    local, url = url_corpus
    for corpus, output in ((url, "at-url"), (str(local), "here")):
        result = runner.invoke(main, ["build", corpus, "-o", str(tmp_path / output), "-q", *BUILD_OPTIONS])
        assert result.exit_code == 0, result.output
    at_url, here = load_model(tmp_path / "at-url"), load_model(tmp_path / "here")
    assert at_url.words == here.words
    assert np.array_equal(at_url.vectors, here.vectors)


def test_a_missing_url_is_an_error_like_a_missing_path(url_corpus, runner, tmp_path):
    from wordvec.cli import main

    _, url = url_corpus
    with pytest.raises(CorpusError, match=f"^corpus path '{url}/missing.txt' does not exist$"):
        Corpus(f"{url}/missing.txt")
    result = runner.invoke(main, ["build", f"{url}/missing", "-o", str(tmp_path / "model")])
    assert result.exit_code == 1
    assert result.output == f"Error: corpus path '{url}/missing' does not exist\n"


def test_a_url_folder_without_text_is_an_error(url_corpus):
    import fsspec

    _, url = url_corpus
    fsspec.filesystem("memory").pipe_file(f"{url}/images/image.png", PNG_HEADER)
    with pytest.raises(CorpusError, match=f"directory '{url}/images' holds no text files"):
        Corpus(f"{url}/images")


def test_a_protocol_whose_package_is_missing_is_named(monkeypatch):
    from fsspec.registry import known_implementations

    # As fsspec knows s3:// (s3fs) and gcs:// (gcsfs): a protocol whose package is not installed.
    monkeypatch.setitem(known_implementations, "wordvectest",
                        {"class": "wordvec_missing_package.FileSystem", "err": "Install wordvec-missing-package to access it"})
    with pytest.raises(CorpusError, match="^cannot read 'wordvectest://bucket/corpus': Install wordvec-missing-package to access it$"):
        Corpus("wordvectest://bucket/corpus")
    with pytest.raises(CorpusError, match="^cannot read 'nosuchprotocol://x': Protocol not known: nosuchprotocol$"):
        Corpus("nosuchprotocol://x")


def test_urls_without_fsspec_are_an_error_and_paths_still_read(monkeypatch, url_corpus):
    local, _ = url_corpus
    monkeypatch.setitem(sys.modules, "fsspec", None)  # makes the import fail
    monkeypatch.setitem(sys.modules, "fsspec.core", None)
    with pytest.raises(CorpusError, match=r"needs fsspec: pip install 'wordvec\[dask\]'"):
        Corpus("s3://bucket/corpus/")
    assert read_text(local / "a.txt").startswith("the ")


def test_building_from_local_paths_does_not_import_fsspec(royal_corpus_file, tmp_path):
    code = (
        "import sys, wordvec, wordvec.cli\n"
        f"wordvec.cli.main(['build', {str(royal_corpus_file)!r}, '-o', {str(tmp_path / 'model')!r}, '-q', '--dim', '4'],"
        " standalone_mode=False)\n"
        "print('fsspec' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert completed.stdout == "False\n"
    assert (tmp_path / "model").is_dir()


# -- what is not a regular file -------------------------------------------------------


def folder_of_oddities(folder: Path) -> Path:
    """A corpus folder with one text file, a link to it, and every entry that is not a regular file."""
    import os
    import socket

    folder.mkdir()
    (folder / "a.txt").write_text("the king rules\n")
    (folder / "link.txt").symlink_to("a.txt")
    (folder / "broken.txt").symlink_to("nowhere.txt")
    (folder / "loop.txt").symlink_to("loop.txt")
    os.mkfifo(folder / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "socket.txt"))
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text("the queen rules\n")
    (folder / "sub" / "up").symlink_to("..")
    return folder


def test_a_folder_skips_what_is_not_a_regular_file_and_warns_once_for_each(tmp_path):
    folder = folder_of_oddities(tmp_path / "corpus")
    with pytest.warns(corpus_module.CorpusWarning) as caught:
        paths = resolve_paths([folder, folder])
    assert [path.relative_to(folder).as_posix() for path in paths] == ["a.txt", "link.txt", "sub/b.txt"] * 2
    assert sorted(str(warning.message) for warning in caught) == [
        f"skipped '{folder}/broken.txt': a broken symbolic link (its target does not exist)",
        f"skipped '{folder}/loop.txt': a loop of symbolic links",
        f"skipped '{folder}/pipe.txt': a named pipe (FIFO), not a regular file",
        f"skipped '{folder}/socket.txt': a socket, not a regular file",
        f"skipped '{folder}/sub/up': a link to a folder that is already read (a loop of links, or a second way in)",
    ]


def test_a_link_to_a_folder_is_followed_once(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("the king\n")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "more").symlink_to(tmp_path / "texts")
    (tmp_path / "corpus" / "same").symlink_to(tmp_path / "texts")
    with pytest.warns(corpus_module.CorpusWarning, match="'.*same': a link to a folder that is already read"):
        assert read_text(tmp_path / "corpus") == "the king\n"


def test_a_file_that_becomes_a_pipe_after_listing_is_not_waited_for(tmp_path, monkeypatch):
    import os

    (tmp_path / "a.txt").write_text("text\n")
    walk = corpus_module._walk_local

    def walk_then_swap(folder, skip):
        for path in walk(folder, skip):
            path.unlink()  # listed as a regular file, a pipe when opened: opening must not block
            os.mkfifo(path)
            yield path

    monkeypatch.setattr(corpus_module, "_walk_local", walk_then_swap)
    with pytest.warns(corpus_module.CorpusWarning, match="a.txt': a named pipe \\(FIFO\\), not a regular file"):
        with pytest.raises(CorpusError, match="holds no text files"):
            resolve_paths([tmp_path])


@pytest.mark.parametrize("make, message", [
    (lambda path: path.symlink_to("nowhere.txt"), "is a broken symbolic link (its target does not exist)"),
    (lambda path: path.symlink_to(path.name), "is a loop of symbolic links"),
], ids=["broken-link", "loop"])
def test_a_broken_path_named_as_corpus_is_one_line(tmp_path, make, message):
    path = tmp_path / "corpus.txt"
    make(path)
    with pytest.raises(CorpusError, match=f"^corpus path '{path}' {re.escape(message)}; name a file or folder of text$"):
        Corpus(path)


def test_a_socket_named_as_corpus_is_refused(tmp_path):
    import socket

    path = tmp_path / "corpus.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(CorpusError, match=f"^corpus path '{path}' is a socket; pass text files, folders of them or '-'$"):
            Corpus(path)


def test_closed_standard_input_is_one_line(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(CorpusError, match="^standard input is closed; pipe the text into wordvec or name a file$"):
        read_text("-")


def run_python(code: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout)


READ_ARGUMENT = (
    "import sys, warnings\n"
    "from wordvec.corpus import Corpus\n"
    "warnings.simplefilter('always')\n"
    "sys.stdout.write(''.join(Corpus(sys.argv[1]).iter_text()))\n"
)


def test_a_folder_with_a_pipe_is_read_without_waiting_for_it(tmp_path):
    folder = folder_of_oddities(tmp_path / "corpus")
    read = run_python(READ_ARGUMENT, str(folder), timeout=30)  # waiting on the pipe would time out
    assert read.returncode == 0, read.stderr
    assert read.stdout == "the king rules\nthe king rules\nthe queen rules\n"
    assert "pipe.txt': a named pipe (FIFO), not a regular file" in read.stderr


def test_a_named_pipe_given_as_the_corpus_is_read_as_a_stream(tmp_path):
    import os
    import threading

    pipe = tmp_path / "corpus"
    os.mkfifo(pipe)
    reader = subprocess.Popen([sys.executable, "-c", READ_ARGUMENT, str(pipe)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    # The writer comes late: the reader says it waits, instead of hanging silently.
    timer = threading.Timer(2.5, lambda: pipe.write_text("the king rules\n" * 3))
    timer.start()
    try:
        stdout, stderr = reader.communicate(timeout=30)
    finally:
        timer.cancel()
        reader.kill()
    assert reader.returncode == 0, stderr
    assert stdout == "the king rules\n" * 3
    assert f"waiting for a program to write to '{pipe}' (a named pipe); start one or press Ctrl-C" in stderr


def test_process_substitution_is_read_as_a_stream(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"the king rules\n"))
    command = f"{sys.executable} -c {shlex.quote(READ_ARGUMENT)} <(zcat {shlex.quote(str(tmp_path / 'a.txt.gz'))})"
    read = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert read.returncode == 0, read.stderr
    assert read.stdout == "the king rules\n"
    assert read.stderr == ""


# -- lines --------------------------------------------------------------------------


@pytest.mark.parametrize("data, lines", [
    (b"one\ntwo\n", ["one", "two"]),
    (b"one\r\ntwo", ["one\r", "two"]),
    (b"one\rtwo\rthree\n", ["one\rtwo\rthree"]),
    (b"\xef\xbb\xbfone\n\ntwo\xff\n", ["one", "", "two\ufffd"]),
], ids=["lf", "crlf", "cr-only", "bom-empty-undecodable"])
def test_lines_end_at_line_feeds_only_as_build_counts_them(tmp_path, data, lines):
    path = tmp_path / "documents.txt"
    path.write_bytes(data)
    assert list(Corpus(path).iter_lines()) == lines
    assert sum(text.count("\n") for text in Corpus(path).iter_text()) == len(lines)


def test_a_very_long_line_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 64)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 16)
    path = tmp_path / "long.txt.gz"
    long_line = " ".join(f"word{number}" for number in range(100))
    path.write_bytes(gzip.compress(f"short\n{long_line}\nend".encode()))
    assert list(Corpus(path).iter_lines()) == ["short", long_line, "end"]
