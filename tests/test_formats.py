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
