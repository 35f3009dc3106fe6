"""Tests of wordvec.corpus: reading files, directories, compressed files and Python iterables."""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma

import pytest

import wordvec.corpus as corpus_module
from wordvec.corpus import Corpus, resolve_paths
from wordvec.errors import CorpusError
from wordvec.tokenize import RegexTokenizer

COMPRESSIONS = ["gz", "bz2", "xz"]
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


def test_many_python_lines_are_yielded_in_bounded_pieces(monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 10)
    lines = [f"line number {i}" for i in range(20)]
    pieces = list(Corpus(lines).iter_text())
    assert len(pieces) == 20
    assert all(piece.endswith("\n") for piece in pieces)
    assert "".join(pieces) == "".join(line + "\n" for line in lines)


# -- compressed files ---------------------------------------------------------------


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_compressed_file_is_read_transparently(tmp_path, compression, write_compressed):
    text = "The king rules\nthe queen rules\nwith grace\n"
    path = write_compressed(tmp_path / "corpus.txt", text.encode("utf-8"), compression)
    corpus = Corpus(path)
    assert "".join(corpus.iter_text()) == text
    assert corpus.stats.files == 1
    assert corpus.stats.names == [str(path)]
    assert corpus.stats.total_bytes == path.stat().st_size
    assert corpus.stats.bytes_read == path.stat().st_size


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_compressed_file_without_final_newline_gets_one(tmp_path, compression, write_compressed):
    path = write_compressed(tmp_path / "corpus.txt", b"first line\nlast line", compression)
    assert read_text(path) == "first line\nlast line\n"


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_large_compressed_file_read_in_several_steps(tmp_path, monkeypatch, compression, write_compressed):
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 64)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 100)
    text = "".join(f"sentence {i} about the king and the queen\n" for i in range(200))
    path = write_compressed(tmp_path / "corpus.txt", text.encode("utf-8"), compression)
    pieces = list(Corpus(path).iter_text())
    assert len(pieces) > 10
    assert all(piece.endswith("\n") for piece in pieces)
    assert "".join(pieces) == text


def test_list_of_paths_reads_every_file_in_order(tmp_path, write_compressed):
    first = write_compressed(tmp_path / "b.txt", b"second file\n", "gz")
    second = write_compressed(tmp_path / "a.txt", b"first file\n", "xz")
    corpus = Corpus([first, second])
    assert "".join(corpus.iter_text()) == "second file\nfirst file\n"
    assert corpus.stats.files == 2
    assert corpus.stats.names == [str(first), str(second)]


def test_last_line_of_a_file_does_not_run_into_the_next(tmp_path, write_compressed):
    first = write_compressed(tmp_path / "one.txt", b"ends without newline", "gz")
    second = write_compressed(tmp_path / "two.txt", b"next file", "gz")
    assert read_text([first, second]) == "ends without newline\nnext file\n"


# -- directories --------------------------------------------------------------------


def test_directory_is_searched_recursively_in_sorted_order(tmp_path, write_compressed):
    write_compressed(tmp_path / "b.txt", b"file b\n", "gz")
    write_compressed(tmp_path / "a.txt", b"file a\n", "bz2")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    write_compressed(tmp_path / "sub" / "c.txt", b"file c\n", "xz")
    write_compressed(tmp_path / "sub" / "deeper" / "d.txt", b"file d\n", "gz")
    corpus = Corpus(tmp_path)
    assert "".join(corpus.iter_text()) == "file a\nfile b\nfile c\nfile d\n"
    assert corpus.stats.files == 4


def test_directory_skips_hidden_files_and_directories(tmp_path, write_compressed):
    write_compressed(tmp_path / "visible.txt", b"visible text\n", "gz")
    (tmp_path / ".hidden.txt").write_text("hidden text\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("hidden directory text\n")
    write_compressed(tmp_path / ".git" / "packed.txt", b"hidden compressed text\n", "gz")
    assert read_text(tmp_path) == "visible text\n"


def test_directory_skips_compressed_binary_files(tmp_path, write_compressed):
    write_compressed(tmp_path / "text.txt", b"some text\n", "gz")
    write_compressed(tmp_path / "image.png", PNG_HEADER, "gz")
    write_compressed(tmp_path / "blob.bin", bytes(range(32)) * 100, "bz2")
    assert [path.name for path in resolve_paths([tmp_path])] == ["text.txt.gz"]
    assert read_text(tmp_path) == "some text\n"


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="holds no text files"):
        Corpus(tmp_path)


def test_directory_of_only_hidden_files_is_an_error(tmp_path):
    (tmp_path / ".hidden.txt").write_text("hidden\n")
    with pytest.raises(CorpusError, match=f"directory '{tmp_path}' holds no text files"):
        Corpus(tmp_path)


# -- decoding -----------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_counted_exactly(tmp_path, write_compressed):
    # Replaced bytes: \xff (1), truncated \xe2\x82 (2), \x80 \x80 (2), truncated \xf0\x9f\x98 at
    # the very end of the file (3): 8 bytes in 5 replacement characters.
    data = b"king \xff queen \xe2\x82 x \x80\x80 caf\xc3\xa9\nend \xf0\x9f\x98"
    path = write_compressed(tmp_path / "bad.txt", data, "gz")
    corpus = Corpus(path)
    text = "".join(corpus.iter_text())
    assert text == "king \ufffd queen \ufffd x \ufffd\ufffd caf\u00e9\nend \ufffd\n"
    assert corpus.stats.replaced_bytes == 8


def test_valid_utf8_split_across_reads_is_not_replaced(tmp_path, monkeypatch, write_compressed):
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 7)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 5)
    text = "caf\u00e9 \u00e5ngstr\u00f6m \u0928\u092e\u0938\u094d\u0924\u0947 \U0001f600 na\u00efve\n" * 5
    path = write_compressed(tmp_path / "utf8.txt", text.encode("utf-8"), "gz")
    corpus = Corpus(path)
    assert "".join(corpus.iter_text()) == text
    assert corpus.stats.replaced_bytes == 0


def test_utf8_byte_order_mark_is_dropped(tmp_path, write_compressed):
    path = write_compressed(tmp_path / "bom.txt", codecs.BOM_UTF8 + "king queen\n".encode("utf-8"), "gz")
    assert read_text(path) == "king queen\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark_is_decoded(tmp_path, encoding, write_compressed):
    text = "The k\u00efng rules\nthe queen \U0001f600\n"
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding]
    path = write_compressed(tmp_path / "wide.txt", bom + text.encode(encoding), "gz")
    corpus = Corpus(path)
    assert "".join(corpus.iter_text()) == text
    assert corpus.stats.replaced_bytes == 0


def test_crlf_line_ends_give_the_same_tokens(tmp_path, write_compressed):
    path = write_compressed(tmp_path / "dos.txt", b"the king\r\nthe queen\r\n", "gz")
    text = read_text(path)
    assert RegexTokenizer().tokenize_lines(text) == ["the", "king", "\n", "the", "queen", "\n"]


def test_long_line_is_split_only_at_whitespace(tmp_path, monkeypatch, write_compressed):
    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 50)
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 16)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 40)
    words = [f"word{i}" + "x" * (i % 7) for i in range(300)]
    text = " ".join(words[:150]) + "\t" + " ".join(words[150:]) + "\nshort line\n"
    path = write_compressed(tmp_path / "long.txt", text.encode("utf-8"), "gz")
    pieces = list(Corpus(path).iter_text())
    assert "".join(pieces) == text
    assert len(pieces) > 20
    # Bounded: a piece is at most the pending limit plus one read.
    assert max(len(piece) for piece in pieces) <= 50 + 40
    for piece in pieces[:-1]:
        assert piece[-1] in " \t\n"
    tokenizer = RegexTokenizer()
    assert [token for piece in pieces for token in tokenizer.tokenize(piece)] == words + ["short", "line"]


# -- errors -------------------------------------------------------------------------


def test_missing_path_is_an_error(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(CorpusError, match=f"corpus path '{missing}' does not exist"):
        Corpus(missing)


def test_missing_path_among_several_is_an_error(tmp_path, write_compressed):
    good = write_compressed(tmp_path / "good.txt", b"text\n", "gz")
    with pytest.raises(CorpusError, match="does not exist"):
        Corpus([good, tmp_path / "missing.txt"])


def test_no_paths_is_an_error():
    with pytest.raises(CorpusError, match="no corpus given"):
        resolve_paths([])


def test_compressed_binary_file_is_an_error(tmp_path, write_compressed):
    path = write_compressed(tmp_path / "image.png", PNG_HEADER, "gz")
    with pytest.raises(CorpusError, match="looks like a PNG image, not text"):
        read_text(path)


def test_compressed_control_bytes_are_an_error(tmp_path, write_compressed):
    path = write_compressed(tmp_path / "blob.dat", bytes(range(32)) * 50, "xz")
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
