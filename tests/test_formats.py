"""Tests of wordvec.formats: the word2vec text and binary formats and GloVe text."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from wordvec.errors import ModelError
from wordvec.formats import load_word2vec_format, save_word2vec_format
from wordvec.vectors import WordVectors


@pytest.fixture
def model() -> WordVectors:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(6, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ["the", "king", "queen", "café", "don't", "\U0001f600"]
    return WordVectors(words, vectors, np.arange(6, 0, -1), params={"normalize": True})


def test_text_roundtrip(model, tmp_path):
    path = tmp_path / "vectors.txt"
    save_word2vec_format(model, path)
    loaded = load_word2vec_format(path)
    assert loaded.words == model.words
    np.testing.assert_allclose(loaded.vectors, model.vectors, rtol=1e-5, atol=1e-6)
    assert loaded.counts is None


def test_text_layout(tmp_path):
    model = WordVectors(["king", "queen"], np.array([[0.5, -0.25], [1.0, 0.125]], dtype=np.float32))
    path = tmp_path / "vectors.txt"
    save_word2vec_format(model, path)
    assert path.read_text(encoding="utf-8") == "2 2\nking 0.5 -0.25\nqueen 1 0.125\n"


def test_binary_roundtrip_is_exact_and_auto_detected(model, tmp_path):
    path = tmp_path / "vectors.bin"
    save_word2vec_format(model, path, binary=True)
    loaded = load_word2vec_format(path)
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    np.testing.assert_array_equal(load_word2vec_format(path, binary=True).vectors, model.vectors)


def test_binary_layout(tmp_path):
    model = WordVectors(["king", "queen"], np.array([[0.5, -0.25], [1.0, 0.125]], dtype=np.float32))
    path = tmp_path / "vectors.bin"
    save_word2vec_format(model, path, binary=True)
    assert path.read_bytes() == (
        b"2 2\n"
        + b"king " + struct.pack("<2f", 0.5, -0.25) + b"\n"
        + b"queen " + struct.pack("<2f", 1.0, 0.125) + b"\n"
    )


def test_binary_with_space_bytes_in_the_floats(tmp_path):
    # 0x20 (space) and 0x0a (newline) bytes inside the float data must not split a row.
    values = np.frombuffer(b"\x20\x20\x0a\x3f\x0a\x20\x20\x3f", dtype="<f4")
    model = WordVectors(["a", "b"], np.vstack([values, values[::-1]]).astype(np.float32))
    path = tmp_path / "vectors.bin"
    save_word2vec_format(model, path, binary=True)
    loaded = load_word2vec_format(path, binary=True)
    assert loaded.words == ["a", "b"]
    np.testing.assert_array_equal(loaded.vectors, model.vectors)


@pytest.mark.parametrize("float_bytes", [b"abcdefgh", b"12345678"], ids=["letters", "digits"])
def test_binary_with_floats_that_are_valid_text_is_auto_detected(tmp_path, float_bytes):
    # The float bytes are printable ASCII without NUL bytes: only parsing the first record as a word and
    # DIM numbers tells that the file is not text ("king 12345678" is one number where 2 are needed).
    values = np.frombuffer(float_bytes, dtype="<f4")
    model = WordVectors(["king", "queen"], np.vstack([values, values[::-1]]).astype(np.float32))
    path = tmp_path / "vectors.bin"
    save_word2vec_format(model, path, binary=True)
    data = path.read_bytes()
    assert b"\x00" not in data
    data.decode("utf-8")
    loaded = load_word2vec_format(path)
    assert loaded.words == ["king", "queen"]
    np.testing.assert_array_equal(loaded.vectors, model.vectors)


def test_binary_file_larger_than_one_read(tmp_path):
    rng = np.random.default_rng(2)
    words = [f"word{i}" for i in range(3000)]
    model = WordVectors(words, rng.normal(size=(3000, 100)).astype(np.float32))
    path = tmp_path / "big.bin"
    save_word2vec_format(model, path, binary=True)
    assert path.stat().st_size > 1 << 20
    loaded = load_word2vec_format(path)
    assert loaded.words == words
    np.testing.assert_array_equal(loaded.vectors, model.vectors)


def test_glove_text_without_header(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\nking -1 0.5 2e-3\nqueen 0 0 1\n", encoding="utf-8")
    loaded = load_word2vec_format(path)
    assert loaded.words == ["the", "king", "queen"]
    np.testing.assert_allclose(loaded.vectors, [[0.1, 0.2, 0.3], [-1, 0.5, 0.002], [0, 0, 1]], rtol=1e-6)
    assert loaded.params["normalize"] is False


def test_loaded_vectors_are_kept_as_written_and_queried_by_cosine(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("a 2 0\nb 0 3\nc 1 1\n")
    loaded = load_word2vec_format(path)
    np.testing.assert_array_equal(loaded.vectors, [[2, 0], [0, 3], [1, 1]])
    assert loaded.similarity("a", "c") == pytest.approx(np.sqrt(0.5))


def test_text_with_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_bytes(b"2 2\r\nking 1 2\r\n\r\nqueen 3 4\r\n")
    loaded = load_word2vec_format(path)
    assert loaded.words == ["king", "queen"]
    np.testing.assert_array_equal(loaded.vectors, [[1, 2], [3, 4]])


def test_truncated_binary_file(model, tmp_path):
    path = tmp_path / "vectors.bin"
    save_word2vec_format(model, path, binary=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10])
    with pytest.raises(ModelError, match=r"is truncated after 5 of 6 vectors"):
        load_word2vec_format(path, binary=True)
    with pytest.raises(ModelError, match="truncated"):
        load_word2vec_format(path)


def test_truncated_text_file(model, tmp_path):
    path = tmp_path / "vectors.txt"
    save_word2vec_format(model, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-2]), encoding="utf-8")
    with pytest.raises(ModelError, match="its header announces 6 words, it holds 4"):
        load_word2vec_format(path)


def test_row_of_the_wrong_length(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("2 3\nking 1 2 3\nqueen 1 2\n")
    with pytest.raises(ModelError, match="line 3: 2 values where 3 were expected"):
        load_word2vec_format(path)


def test_row_that_is_not_numbers(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("dear diary, today I\n")
    with pytest.raises(ModelError, match="line 1: expected a word and numbers; it is neither a wordvec model directory nor a word2vec/GloVe vectors file"):
        load_word2vec_format(path)


def test_duplicate_word(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("king 1 2\nking 3 4\n")
    with pytest.raises(ModelError, match=r"lists the word 'king' twice \(rows 0 and 1\); it is corrupt"):
        load_word2vec_format(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(ModelError, match="holds no vectors"):
        load_word2vec_format(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="no vector file at"):
        load_word2vec_format(tmp_path / "nope.bin")


def test_binary_requested_without_header(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("king 1 2\n")
    with pytest.raises(ModelError, match="has no 'COUNT DIM' header"):
        load_word2vec_format(path, binary=True)


# -- GloVe, .npy pairs, save_vectors and the convert command ----------------------------

def test_glove_roundtrip_has_no_header(model, tmp_path):
    from wordvec.formats import save_glove_format

    path = tmp_path / "glove.txt"
    save_glove_format(model, path)
    assert path.read_text().splitlines()[0].split()[0] == model.words[0]
    loaded = load_word2vec_format(path)
    assert loaded.words == model.words
    np.testing.assert_allclose(loaded.vectors, model.vectors, rtol=1e-5)


def test_npy_pair_roundtrip_is_exact(model, tmp_path):
    from wordvec.formats import load_npy_pair, save_npy_pair

    vocabulary = save_npy_pair(model, tmp_path / "vectors.npy")
    assert vocabulary == tmp_path / "vectors.npy.vocab"
    loaded = load_npy_pair(tmp_path / "vectors.npy")
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.vectors, np.asarray(model.vectors, dtype=np.float32))


@pytest.mark.parametrize("case, message", [
    ("no vocabulary", "is missing; a .npy matrix needs its words in vectors.npy.vocab"),
    ("pickled object", "not a float matrix"),
    ("one word short", "lists 2 words"),
])
def test_bad_npy_pairs_are_refused(model, tmp_path, case, message):
    from wordvec.formats import load_npy_pair, save_npy_pair

    path = tmp_path / "vectors.npy"
    save_npy_pair(model, path)
    if case == "no vocabulary":
        (tmp_path / "vectors.npy.vocab").unlink()
    elif case == "pickled object":
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    else:
        (tmp_path / "vectors.npy.vocab").write_text("\n".join(model.words[:2]) + "\n")
    with pytest.raises(ModelError, match=message):
        load_npy_pair(path)


@pytest.mark.parametrize("name, expected", [
    ("v.bin", "word2vec-binary"), ("v.vec", "word2vec"), ("v.TXT", "word2vec"), ("v.npy", "npy"), ("model", "model"),
])
def test_format_follows_the_name(name, expected):
    from wordvec.formats import format_for_path

    assert format_for_path(name) == expected


def test_an_unknown_suffix_asks_for_the_format():
    from wordvec.errors import ParameterError
    from wordvec.formats import format_for_path

    with pytest.raises(ParameterError, match="name it with --to"):
        format_for_path("vectors.xyz")


@pytest.mark.parametrize("target, file_format", [
    ("out.bin", None), ("out.vec", None), ("out.npy", None), ("out-model", None), ("out.glove", "glove"),
])
def test_convert_command_round_trips_every_format(model, tmp_path, target, file_format):
    from click.testing import CliRunner

    from wordvec.cli import main
    from wordvec.storage import load_model, save_model

    save_model(model, tmp_path / "source")
    args = ["convert", str(tmp_path / "source"), str(tmp_path / target)] + (["--to", file_format] if file_format else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    back = load_model(tmp_path / target)
    assert back.words == model.words
    np.testing.assert_allclose(back.vectors, model.vectors, rtol=1e-5, atol=1e-7)
    assert [row[0] for row in back.most_similar(model.words[0], topn=3)] == [
        row[0] for row in model.most_similar(model.words[0], topn=3)]


# -- damaged and crafted files: checked before anything is allocated or used (issue 16) -----

def _binary_rows(*rows: tuple[bytes, list[float]]) -> bytes:
    return b"".join(word + b" " + struct.pack(f"<{len(values)}f", *values) + b"\n" for word, values in rows)


@pytest.mark.parametrize("header, message", [
    (b"1000000000000 300", r"header announcing 1,000,000,000,000 vectors of 300 values, more than its 23 bytes after the header can hold"),
    (b"2 1000000000000", r"header announcing 2 vectors of 1,000,000,000,000 values, more than its 23 bytes"),
    (b"2 0", r"header announcing 2 vectors of 0 values; a vector file needs at least one of one"),
    (b"0 3", r"header announcing 0 vectors of 3 values"),
    (b"9" * 40 + b" 3", r"header announcing more vectors than any file holds"),
])
def test_a_header_the_file_cannot_hold_is_refused_before_allocating(tmp_path, header, message):
    path = tmp_path / "vectors.vec"
    path.write_bytes(header + b"\nking 1 2 3\nqueen 4 5 6\n")
    for binary in (None, True, False):
        with pytest.raises(ModelError, match=message):
            load_word2vec_format(path, binary=binary)


def test_a_binary_header_claiming_rows_only_text_could_fit_is_refused(tmp_path):
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"2 4\n" + _binary_rows((b"king", [1, 2, 3, 4])))  # 22 bytes: two text rows, not two binary
    with pytest.raises(ModelError, match=r"announcing 2 binary vectors of 4 values, more than its 22 bytes"):
        load_word2vec_format(path, binary=True)


def test_a_binary_file_with_more_rows_than_its_header_is_refused(tmp_path):
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"1 2\n" + _binary_rows((b"king", [1, 2]), (b"queen", [3, 4])))
    with pytest.raises(ModelError, match=r"holds more than the 1 vectors its header announces \(data after row 0\)"):
        load_word2vec_format(path)


def test_whitespace_after_the_last_binary_row_is_accepted(tmp_path):
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"2 2\n" + _binary_rows((b"king", [1, 2]), (b"queen", [3, 4])) + b"\n \n")
    assert load_word2vec_format(path).words == ["king", "queen"]


#: (name, content, what the one-line refusal says) of text files that are refused.
TEXT_FILES_REFUSED = [
    ("more-rows-than-the-header", b"2 2\nking 1 2\nqueen 3 4\nprince 5 6\n",
     r"holds more rows than the 2 its header announces \(line 4\)"),
    ("header-with-extra-fields", b"2 3 fasttext\nking 1 2 3\nqueen 4 5 6\n",
     r"line 1 is not a word2vec header: it has 3 fields where 'COUNT DIM' has 2"),
    ("nul-in-a-word", b"king 1 2\nque\x00en 3 4\n", r"line 2: the word b'que\\x00en' holds NUL"),
    ("cr-only-line-ends", b"king 1 2\rqueen 3 4\r", r"line 1 holds a carriage return inside it; rows must end with LF or CRLF"),
    ("value-beyond-float32", b"king 1 2\nqueen 3 1e39\n", r"holds inf in the vector of 'queen' \(row 1\)"),
]


@pytest.mark.parametrize("content, message", [case[1:] for case in TEXT_FILES_REFUSED], ids=[case[0] for case in TEXT_FILES_REFUSED])
def test_malformed_text_files_are_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "vectors.vec"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        load_word2vec_format(path)


def test_a_glove_file_whose_first_word_is_a_number_still_loads(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("1984 1 2\nking 3 4\n")
    assert load_word2vec_format(path).words == ["1984", "king"]


@pytest.mark.parametrize("binary", [False, True])
def test_a_word_that_is_not_utf8_is_refused_or_replaced_when_asked(tmp_path, binary):
    path = tmp_path / "vectors.bin"
    if binary:
        path.write_bytes(b"2 2\n" + _binary_rows((b"king", [1, 2]), (b"caf\xe9", [3, 4])))
        where = "row 1"
    else:
        path.write_bytes(b"2 2\nking 1 2\ncaf\xe9 3 4\n")
        where = "line 3"
    with pytest.raises(ModelError, match=rf"{where}: the word b'caf\\xe9' is not UTF-8; in Python, "
                                         r"load_word2vec_format\(path, unicode_errors='replace'\) reads it with U\+FFFD"):
        load_word2vec_format(path)
    assert load_word2vec_format(path, unicode_errors="replace").words == ["king", "caf\ufffd"]


def test_two_words_that_replacement_makes_one_are_refused(tmp_path):
    path = tmp_path / "vectors.vec"
    path.write_bytes(b"2 2\ncaf\xe9 1 2\ncaf\xe8 3 4\n")
    with pytest.raises(ModelError, match=r"lists the word 'caf\ufffd' twice \(rows 0 and 1\)"):
        load_word2vec_format(path, unicode_errors="replace")


def test_an_unknown_unicode_error_handler_is_a_parameter_error(tmp_path):
    from wordvec.errors import ParameterError

    path = tmp_path / "glove.txt"
    path.write_text("king 1 2\n")
    with pytest.raises(ParameterError, match="unicode_errors must be an error handler"):
        load_word2vec_format(path, unicode_errors="loose")


@pytest.mark.parametrize("word, message", [
    (b"", r"row 1: the word is empty"),
    (b"new\tyork", r"row 1: the word b'new\\tyork' holds whitespace"),
    (b"ki\x00ng", r"row 1: the word b'ki\\x00ng' holds NUL"),
    (b"\rqueen", r"row 1: the word b'\\rqueen' holds whitespace"),
])
def test_bad_words_in_a_binary_file_are_refused(tmp_path, word, message):
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"2 2\n" + _binary_rows((b"king", [1, 2]), (word, [3, 4])))
    with pytest.raises(ModelError, match=message):
        load_word2vec_format(path, binary=True)


def test_tabs_separate_fields_and_other_unicode_spaces_belong_to_the_word(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("king\t1\t2\nnew\u00a0york 3 4\n", encoding="utf-8")
    assert load_word2vec_format(path).words == ["king", "new\u00a0york"]


@pytest.mark.parametrize("content", [b"2 2\nking 1 2\nqueen 3 4\n", b"king 1 2\nqueen 3 4\n",
                                     b"2 2\n" + _binary_rows((b"king", [1, 2]), (b"queen", [3, 4]))],
                         ids=["word2vec", "glove", "binary"])
def test_a_byte_order_mark_at_the_start_is_skipped(tmp_path, content):
    path = tmp_path / "vectors.vec"
    path.write_bytes(b"\xef\xbb\xbf" + content)
    loaded = load_word2vec_format(path)
    assert loaded.words == ["king", "queen"]
    np.testing.assert_array_equal(loaded.vectors, [[1, 2], [3, 4]])


def test_an_overlong_line_or_word_is_refused_without_reading_on(tmp_path, monkeypatch):
    import wordvec.formats as formats

    monkeypatch.setattr(formats, "_MAX_LINE_BYTES", 100)
    monkeypatch.setattr(formats, "_MAX_WORD_BYTES", 100)
    path = tmp_path / "glove.txt"
    path.write_bytes(b"king 1 2\n" + b"x" * 500 + b" 1 2\n")
    with pytest.raises(ModelError, match=r"line 2 is longer than 100 bytes; it is not a vectors file"):
        load_word2vec_format(path)
    path.write_bytes(b"2 2\n" + _binary_rows((b"king", [1, 2])) + b"x" * (2 << 20))
    with pytest.raises(ModelError, match=r"row 1: no word ends within 100 bytes; the file is corrupt"):
        load_word2vec_format(path, binary=True)


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_what_is_not_a_regular_file_is_refused_without_blocking(tmp_path, kind):
    import os
    import signal

    from wordvec.formats import load_npy_pair
    from wordvec.storage import load_model

    path = {"directory": tmp_path / "folder.vec", "fifo": tmp_path / "pipe.vec", "device": "/dev/zero"}[kind]
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    what = {"directory": "a directory", "fifo": r"a named pipe \(FIFO\)", "device": "a character device"}[kind]
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the load blocked"))
    signal.alarm(5)
    try:
        with pytest.raises(ModelError, match=rf"is {what}, not a file of vectors"):
            load_word2vec_format(path)
        if kind != "directory":  # load_model reads a directory as a model directory
            with pytest.raises(ModelError, match=rf"is {what}, not a file of vectors"):
                load_model(path)
        with pytest.raises(ModelError, match=rf"is {what}, not a file of vectors"):
            load_npy_pair(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- non-finite values: wordvec.arrays.require_finite in every reader ----------------------

@pytest.mark.parametrize("file_format", ["word2vec", "word2vec-binary", "glove", "npy"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_is_refused_at_load_naming_the_row_and_word(tmp_path, file_format, value):
    from wordvec.storage import save_vectors
    from wordvec.storage import load_model

    vectors = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)
    path = tmp_path / {"word2vec": "v.vec", "word2vec-binary": "v.bin", "glove": "v.txt", "npy": "v.npy"}[file_format]
    save_vectors(WordVectors(["king", "queen", "prince"], vectors), path, file_format)
    if file_format == "npy":
        matrix = np.load(path)
        matrix[1, 1] = value
        np.save(path, matrix)
    elif file_format == "word2vec-binary":
        data = path.read_bytes()
        row = data.index(b"queen ") + len(b"queen ")
        path.write_bytes(data[:row + 4] + struct.pack("<f", value) + data[row + 8:])
    else:
        path.write_text(path.read_text().replace("queen 3 4", f"queen 3 {value}"))
    expected = {np.nan: "nan", np.inf: "inf", -np.inf: "-inf"}[value]
    with pytest.raises(ModelError, match=rf"^'{path}' holds {expected} in the vector of 'queen' \(row 1\); "
                                         "vectors must be finite numbers"):
        load_model(path)


# -- .npy + .vocab pairs -----------------------------------------------------------------

def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _write_pair(directory, matrix: bytes, vocabulary: bytes):
    path = directory / "vectors.npy"
    path.write_bytes(matrix)
    (directory / "vectors.npy.vocab").write_bytes(vocabulary)
    return path


GOOD_MATRIX = np.array([[1, 2], [3, 4]], dtype=np.float32)


@pytest.mark.parametrize("vocabulary", [b"\xef\xbb\xbfking\nqueen\n", b"king\r\nqueen\r\n", b"king\nqueen", b"king\r\nqueen"],
                         ids=["byte-order-mark", "crlf", "no-final-line-end", "crlf-no-final-line-end"])
def test_vocabulary_files_from_other_tools_are_read(tmp_path, vocabulary):
    from wordvec.formats import load_npy_pair

    loaded = load_npy_pair(_write_pair(tmp_path, _npy_bytes(GOOD_MATRIX), vocabulary))
    assert loaded.words == ["king", "queen"]
    np.testing.assert_array_equal(loaded.vectors, GOOD_MATRIX)


@pytest.mark.parametrize("vocabulary, message", [
    (b"king\n\n", r"vectors.npy.vocab' line 2 is empty; every line holds one word"),
    (b"king\nking\n", r"vectors.npy.vocab' lists the word 'king' twice \(lines 1 and 2\)"),
    (b"king\nqu\x00een\n", r"vectors.npy.vocab' line 2: the word 'qu\\x00een' holds a NUL character"),
    (b"king\rqueen\n\n", r"vectors.npy.vocab' line 1: the word 'king\\rqueen' holds a carriage return"),
    (b"king\ncaf\xe9\n", r"vectors.npy.vocab' line 2 is not UTF-8"),
    (b"king\nqueen\nprince\n", r"vectors.npy.vocab' lists 3 words for the 2 rows of vectors.npy; they are not a pair"),
    (b"", r"vectors.npy.vocab' lists 0 words for the 2 rows"),
    (b"king\rqueen\r", r"lists 1 words for the 2 rows of vectors.npy; they are not a pair \(its lines end with CR alone: use LF or CRLF\)"),
])
def test_bad_vocabulary_files_are_refused(tmp_path, vocabulary, message):
    from wordvec.formats import load_npy_pair

    with pytest.raises(ModelError, match=message):
        load_npy_pair(_write_pair(tmp_path, _npy_bytes(GOOD_MATRIX), vocabulary))


def _with_header(header: str) -> bytes:
    """A version 1.0 .npy file with ``header`` and the 16 bytes of GOOD_MATRIX."""
    padded = header + " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode("latin1") + GOOD_MATRIX.tobytes()


@pytest.mark.parametrize("matrix, message", [
    (_npy_bytes(np.arange(4, dtype=np.float32)), r"not a float matrix with its words \(it holds a 1-D array"),
    (_npy_bytes(np.zeros((2, 2, 1), dtype=np.float32)), r"\(it holds a 3-D array"),
    (_npy_bytes(np.zeros((2, 2), dtype=np.int64)), r"\(it holds int64 values, not float32 or float64"),
    (_npy_bytes(np.zeros((2, 2), dtype=np.complex64)), r"\(it holds complex64 values"),
    (_npy_bytes(np.zeros((2, 2), dtype=np.float16)), r"\(it holds float16 values"),
    (_npy_bytes(np.zeros((2, 2), dtype="f4,f4")), r"it holds records of \[\('f0', '<f4'\), \('f1', '<f4'\)\], not numbers"),
    (_npy_bytes(np.array([[{"a": 1}, None]] * 2, dtype=object)), r"\(it holds Python objects, which only pickle could read; it is not read\)"),
    (_npy_bytes(np.zeros((0, 2), dtype=np.float32)), r"holds no vectors \(a 0 x 2 matrix\)"),
    (_npy_bytes(np.zeros((2, 0), dtype=np.float32)), r"holds no vectors \(a 2 x 0 matrix\)"),
    (_npy_bytes(GOOD_MATRIX)[:-1], r"its header announces 2 x 2 float32 values \(16 bytes\), but 15 bytes follow it"),
    (_npy_bytes(GOOD_MATRIX) + b"\0" * 8, r"\(16 bytes\), but 24 bytes follow it"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 2), }"), r"1000000000000 x 2 float32 values \(8,000,000,000,000 bytes\), but 16 bytes follow it"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1, }"), r"not a float matrix with its words \(Header does not contain the correct keys"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -2), }"), r"holds no vectors \(a -2 x -2 matrix\)"),
    (_with_header("(" * 300), r"not a float matrix with its words \(its header cannot be parsed\)$"),
    (b"\x93NUMPY\x03\x00" + _npy_bytes(GOOD_MATRIX)[8:], r"\(\.npy format version 3\.0 is not one numpy writes\)"),
    (b"PK\x03\x04 a zip file", r"not a float matrix with its words \("),
    (b"", r"not a float matrix with its words \("),
])
def test_bad_matrix_files_are_refused_before_they_are_read(tmp_path, matrix, message):
    from wordvec.formats import load_npy_pair

    with pytest.raises(ModelError, match=message):
        load_npy_pair(_write_pair(tmp_path, matrix, b"king\nqueen\n"))


@pytest.mark.parametrize("matrix", [GOOD_MATRIX.astype(">f4"), GOOD_MATRIX.astype(np.float64), np.asfortranarray(GOOD_MATRIX)],
                         ids=["big-endian", "float64", "fortran-order"])
def test_float_matrices_in_any_layout_are_read(tmp_path, matrix):
    from wordvec.formats import load_npy_pair

    loaded = load_npy_pair(_write_pair(tmp_path, _npy_bytes(matrix), b"king\nqueen\n"))
    np.testing.assert_array_equal(loaded.vectors, GOOD_MATRIX)
    assert loaded.most_similar("king", topn=1)[0][0] == "queen"


def _old_and_new(model):
    old = WordVectors(model.words[::-1], np.asarray(model.vectors[::-1], dtype=np.float32))
    return old, model


def _replace_failing_at_the_second_call(failure: BaseException):
    """``os.replace`` that renames the first file of a pair, then raises ``failure`` instead of renaming the second."""
    import os

    calls, rename = [], os.replace

    def replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise failure
        rename(source, target)

    return replace


def _hidden_files(directory) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir() if entry.name.startswith("."))


def test_a_write_killed_between_its_renames_leaves_a_pair_that_is_refused(model, tmp_path, monkeypatch):

    import wordvec.formats as formats
    from wordvec.formats import load_npy_pair, save_npy_pair

    old, new = _old_and_new(model)
    path = tmp_path / "vectors.npy"
    save_npy_pair(old, path)
    # KeyboardInterrupt as a kill: the process ends between the renames.
    monkeypatch.setattr(formats.os, "replace", _replace_failing_at_the_second_call(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        save_npy_pair(new, path)
    monkeypatch.undo()
    # The new matrix beside the old words: without the marker this loads, each word on another's vector.
    assert np.array_equal(np.load(path), new.vectors)
    assert (tmp_path / "vectors.npy.vocab").read_text().split() == old.words
    with pytest.raises(ModelError, match=rf"^an interrupted write left '{path}' and '{path}.vocab' mismatched; write them again$"):
        load_npy_pair(path)
    save_npy_pair(new, path)  # the next save makes the pair whole and removes what the killed one left
    assert _hidden_files(tmp_path) == []
    assert load_npy_pair(path).words == new.words


def test_a_write_that_fails_between_its_renames_says_the_pair_no_longer_matches(model, tmp_path, monkeypatch):

    import wordvec.formats as formats
    from wordvec.errors import WordvecError
    from wordvec.formats import load_npy_pair, save_npy_pair

    path = tmp_path / "vectors.npy"
    save_npy_pair(model, path)
    monkeypatch.setattr(formats.os, "replace", _replace_failing_at_the_second_call(OSError(5, "Input/output error")))
    with pytest.raises(WordvecError, match=r"cannot write '.*vectors.npy': Input/output error; vectors.npy and "
                                           r"vectors.npy.vocab no longer match: write them again"):
        save_npy_pair(_old_and_new(model)[0], path)
    monkeypatch.undo()
    with pytest.raises(ModelError, match="an interrupted write left"):
        load_npy_pair(path)


def test_a_write_that_fails_before_its_renames_leaves_the_pair_and_no_temporaries(model, tmp_path, monkeypatch):
    import wordvec.formats as formats
    from wordvec.errors import WordvecError
    from wordvec.formats import save_npy_pair

    path = tmp_path / "vectors.npy"
    save_npy_pair(model, path)
    before = {name: (tmp_path / name).read_bytes() for name in ("vectors.npy", "vectors.npy.vocab")}

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(formats.np, "save", disk_full)
    with pytest.raises(WordvecError, match=r"cannot write '.*vectors.npy': No space left on device$"):
        save_npy_pair(_old_and_new(model)[0], path)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert _hidden_files(tmp_path) == []


def test_a_load_waits_for_a_running_write_of_the_pair(model, tmp_path, monkeypatch):
    import threading

    import wordvec.format_writers as format_writers
    import wordvec.formats as formats
    from wordvec.formats import load_npy_pair, save_npy_pair

    path = tmp_path / "vectors.npy"
    save_npy_pair(model, path)
    # A writer between its renames: its marker is there and it holds the folder's lock.
    marker = tmp_path / ".vectors.npy.pair-1-0123abcd"
    marker.write_text("")
    with format_writers._pair_lock(tmp_path, exclusive=True):
        monkeypatch.setattr(formats, "_PAIR_WAIT_SECONDS", 0.2)
        with pytest.raises(ModelError, match=r"'.*vectors.npy' and vectors.npy.vocab are being written by another process; "
                                             "try again when it has finished"):
            load_npy_pair(path)
        monkeypatch.setattr(formats, "_PAIR_WAIT_SECONDS", 5.0)
        finished = threading.Timer(0.3, marker.unlink)
        finished.start()
        assert load_npy_pair(path).words == model.words  # waited for the marker to go
        finished.join()


def test_a_killed_write_that_renamed_nothing_leaves_a_pair_that_loads(model, tmp_path):
    from wordvec.formats import load_npy_pair, save_npy_pair

    path = tmp_path / "vectors.npy"
    save_npy_pair(model, path)
    for name in (".vectors.npy.pair-1-0123abcd", ".vectors.npy.pair-1-0123abcd.npy", ".vectors.npy.pair-1-0123abcd.vocab"):
        (tmp_path / name).write_bytes(b"")
    assert load_npy_pair(path).words == model.words
    save_npy_pair(model, path)
    assert _hidden_files(tmp_path) == []


def test_a_pair_with_a_name_of_250_bytes_is_written_and_read(model, tmp_path):
    from wordvec.formats import load_npy_pair, save_npy_pair

    path = tmp_path / ("v" * 240 + ".npy")  # its .vocab is 250 bytes: no room for a longer hidden name
    save_npy_pair(model, path)
    assert load_npy_pair(path).words == model.words
    assert _hidden_files(tmp_path) == []


# -- writing only what reads back ---------------------------------------------------------

UNWRITABLE = [
    ("new york", "word2vec", r"word2vec cannot hold whitespace in a word \(it separates the fields of a row\); write it as npy or model"),
    ("new\tyork", "glove", r"glove cannot hold whitespace in a word \(it separates the fields of a row\); write it as npy or model"),
    ("new york", "word2vec-binary", r"word2vec-binary cannot hold whitespace"),
    ("two\nlines", "word2vec-binary", r"cannot hold a line end in a word; no format can hold it: change or drop the word"),
    ("two\nlines", "npy", r"npy cannot hold a line end in a word; no format can hold it"),
    ("cr\r", "npy", r"npy cannot hold a carriage return in a word; write it as model"),
    ("cr\rlf", "word2vec", r"word2vec cannot hold a carriage return in a word; write it as model"),
    ("nu\x00l", "npy", r"npy cannot hold a NUL character in a word; write it as model"),
    ("nu\x00l", "word2vec", r"word2vec cannot hold a NUL character in a word; write it as model"),
    ("", "word2vec", r"the word of row 1 is empty; no format can hold it"),
    ("\ud800", "npy", r"it is not valid Unicode \(a lone surrogate\); no format can hold it"),
    ("king", "word2vec", r"cannot write the word 'king' twice to '.*': the words of a vector file must be distinct"),
]


@pytest.mark.parametrize("word, file_format, message", UNWRITABLE)
def test_a_word_a_format_cannot_give_back_is_refused_before_writing(tmp_path, word, file_format, message):
    from wordvec.storage import save_vectors

    path = tmp_path / {"word2vec": "v.vec", "word2vec-binary": "v.bin", "glove": "v.txt", "npy": "v.npy"}[file_format]
    save_vectors(WordVectors(["king", "queen"], GOOD_MATRIX), path, file_format)
    before = sorted((entry.name, entry.read_bytes()) for entry in tmp_path.iterdir())
    with pytest.raises(ModelError, match=message):
        save_vectors(WordVectors(["king", word], GOOD_MATRIX), path, file_format)
    assert sorted((entry.name, entry.read_bytes()) for entry in tmp_path.iterdir()) == before


@pytest.mark.parametrize("words, dim, file_format, message", [
    (["\ufeffking", "queen"], 2, "glove", r"a glove file cannot begin with U\+FEFF, which is read as a byte order mark; write it as word2vec or model"),
    (["\ufeffking", "queen"], 2, "npy", r"a npy file cannot begin with U\+FEFF"),
    (["1984", "queen"], 1, "glove", r"a GloVe file of 1-dimensional vectors that begins with a number reads as a word2vec header"),
])
def test_a_first_word_that_would_read_as_something_else_is_refused(tmp_path, words, dim, file_format, message):
    from wordvec.formats import load_npy_pair
    from wordvec.storage import save_vectors

    with pytest.raises(ModelError, match=message):
        save_vectors(WordVectors(words, GOOD_MATRIX[:, :dim]), tmp_path / "v.txt", file_format)
    # The same words elsewhere in the file, or in word2vec's format, are fine.
    save_vectors(WordVectors(words[::-1], GOOD_MATRIX[:, :dim]), tmp_path / "v.npy", "npy")
    assert load_npy_pair(tmp_path / "v.npy").words == words[::-1]
    save_vectors(WordVectors(words, GOOD_MATRIX[:, :dim]), tmp_path / "v.vec", "word2vec")
    assert load_word2vec_format(tmp_path / "v.vec").words == words


@pytest.mark.parametrize("file_format", ["word2vec", "word2vec-binary", "glove", "npy"])
def test_non_finite_vectors_are_not_written(tmp_path, file_format):
    from wordvec.storage import save_vectors

    vectors = np.array([[1, 2], [3, 1e300]])  # finite as float64, infinite as float32
    with pytest.raises(ModelError, match=r"the model to write \(as float32\) holds inf in the vector of 'queen' \(row 1\)"):
        save_vectors(WordVectors(["king", "queen"], vectors), tmp_path / "v.out", file_format)
    assert list(tmp_path.iterdir()) == []


def test_export_of_a_word_with_a_space_leaves_the_old_file(tmp_path, runner):
    from test_cli import cli_error, invoke

    from wordvec.storage import save_model

    save_model(WordVectors(["new york", "queen"], GOOD_MATRIX), tmp_path / "model")
    (tmp_path / "v.vec").write_bytes(b"old")
    result = invoke(runner, ["export", "-m", tmp_path / "model", "--format", "word2vec", "-o", tmp_path / "v.vec"])
    cli_error(result, f"Error: cannot write the word 'new york' to '{tmp_path / 'v.vec'}': word2vec cannot hold whitespace")
    assert (tmp_path / "v.vec").read_bytes() == b"old"


def test_nearest_on_a_file_with_a_huge_header_is_one_line(tmp_path, runner):
    from test_cli import cli_error, invoke

    path = tmp_path / "huge.vec"
    path.write_bytes(b"1000000000000 300\nking 1 2\n")
    cli_error(invoke(runner, ["nearest", "king", "-m", path]),
              f"Error: '{path}' has a header announcing 1,000,000,000,000 vectors of 300 values, more than its 9 bytes "
              "after the header can hold; it is truncated or corrupt")


# -- properties: what is written reads back; any bytes read give vectors or one ModelError --

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from wordvec.formats import FIELD_SEPARATORS, load_npy_pair  # noqa: E402
from wordvec.storage import save_vectors  # noqa: E402


@pytest.fixture(scope="module")
def property_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


def _words(excluded: str) -> st.SearchStrategy[str]:
    """Any Unicode words (no lone surrogates) without the characters ``excluded``."""
    return st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=excluded), min_size=1, max_size=8)


#: The words each format holds: word2vec and GloVe no ASCII whitespace, npy no line end, model no line feed.
WORDS_OF_FORMAT = {
    "word2vec": _words(FIELD_SEPARATORS + "\x00"),
    "word2vec-binary": _words(FIELD_SEPARATORS + "\x00"),
    "glove": _words(FIELD_SEPARATORS + "\x00"),
    "npy": _words("\n\r\x00"),
    "model": _words("\n"),
}
NAME_OF_FORMAT = {"word2vec": "v.vec", "word2vec-binary": "v.bin", "glove": "v.glove", "npy": "v.npy", "model": "v-model"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file_format=st.sampled_from(list(WORDS_OF_FORMAT)), dim=st.integers(1, 5), data=st.data())
def test_every_format_gives_back_the_words_and_vectors_it_was_given(property_dir, file_format, dim, data):
    from wordvec.storage import load_model

    words = data.draw(st.lists(WORDS_OF_FORMAT[file_format], min_size=1, max_size=12, unique=True), label="words")
    if file_format in ("glove", "npy") and words[0].startswith("\ufeff"):
        words.reverse()  # a file's first word cannot begin with a byte order mark (see the refusal test)
    if file_format == "glove" and dim == 1 and words[0].isascii() and words[0].isdigit():
        file_format = "word2vec"  # a GloVe row "1984 0.5" is a word2vec header (see the refusal test)
    finite = st.floats(width=32, allow_nan=False, allow_infinity=False)
    vectors = data.draw(hnp.arrays(np.float32, (len(words), dim), elements=finite), label="vectors")
    path = property_dir / NAME_OF_FORMAT[file_format]
    save_vectors(WordVectors(words, vectors), path, file_format)
    if file_format == "word2vec-binary":
        # Told binary: a row "w 1e10\n" of one float32 whose 4 bytes are text would be taken for text.
        loaded = load_word2vec_format(path, binary=True)
    else:
        loaded = load_model(path)
    assert loaded.words == words
    if file_format in ("word2vec", "glove"):  # text: 6 significant digits
        np.testing.assert_allclose(loaded.vectors, vectors, rtol=5e-6, atol=1e-44)
    else:
        np.testing.assert_array_equal(loaded.vectors, vectors)


VALID_VECTOR_FILES = [
    b"2 3\nking 1 2 3\nqueen 4 5 6\n",
    b"king 1 2 3\nqueen 4 5e-3 -6\n",
    b"2 2\n" + _binary_rows((b"king", [1, 2]), (b"queen", [3, 4])),
    b"\xef\xbb\xbf1 2\r\nk\xc3\xb6nig 0.5 -0.25\r\n",
]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """One of ``seeds`` with a few bytes set, inserted or deleted, its header numbers changed, or cut short."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["set", "insert", "delete", "cut", "number"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from([b" ", b"\n", b"\r", b"\x00", b"nan", b"\xff"]))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "cut":
            del data[at:]
        elif kind == "number":
            data[at:at] = str(draw(st.integers(0, 10**15) | st.integers(0, 40))).encode()
    return bytes(data)


def _check_loaded(loaded: WordVectors) -> None:
    assert len(loaded.words) == len(loaded.vectors) >= 1 and loaded.dim >= 1
    assert len(set(loaded.words)) == len(loaded.words) and all(loaded.words)
    assert np.isfinite(loaded.vectors).all()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated(VALID_VECTOR_FILES) | st.binary(max_size=200), binary=st.sampled_from([None, True, False]))
def test_any_bytes_load_as_vectors_or_one_model_error(property_dir, data, binary):
    path = property_dir / "any.vec"
    path.write_bytes(data)
    try:
        loaded = load_word2vec_format(path, binary=binary)
    except ModelError as error:
        assert "\n" not in str(error)
    else:
        _check_loaded(loaded)


VALID_MATRICES = [
    _npy_bytes(GOOD_MATRIX),
    _npy_bytes(GOOD_MATRIX.astype(">f8")),
    _npy_bytes(np.asfortranarray(GOOD_MATRIX)),
    _npy_bytes(np.zeros((2, 2), dtype=np.int32)),
    _npy_bytes(np.array([[None, 1], [2, 3]], dtype=object)),
]
VALID_VOCABULARIES = [b"king\nqueen\n", b"\xef\xbb\xbfking\r\nqueen", b"king\n"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(matrix=mutated(VALID_MATRICES) | st.binary(max_size=200), vocabulary=mutated(VALID_VOCABULARIES))
def test_any_npy_pair_loads_as_vectors_or_one_model_error(property_dir, matrix, vocabulary):
    path = _write_pair(property_dir, matrix, vocabulary)
    try:
        loaded = load_npy_pair(path)
    except ModelError as error:
        assert "\n" not in str(error)
    else:
        _check_loaded(loaded)


def test_save_vectors_moved_to_storage_keeps_its_old_name_for_a_release(tmp_path):
    import wordvec.formats
    import wordvec.storage

    with pytest.warns(DeprecationWarning, match=r"wordvec.formats.save_vectors is now wordvec.storage.save_vectors"):
        moved = wordvec.formats.save_vectors
    assert moved is wordvec.storage.save_vectors
    with pytest.raises(AttributeError):
        wordvec.formats.no_such_function  # noqa: B018
