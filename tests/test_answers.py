"""Tests of wordvec.answers: the JSON answers that ``wordvec ... --json`` prints and ``wordvec serve`` answers alike."""

from __future__ import annotations

import doctest
import json

import pytest
from starlette.testclient import TestClient

from wordvec import answers
from wordvec.answers import file_name
from wordvec.errors import ParameterError, UnknownWordError
from wordvec.serve import create_app
from wordvec.storage import load_model

from conftest import UNCOMPOSABLE, assert_same_ranking
from test_cli import assert_ok, invoke


def test_nearest_answers_each_word_in_the_vocabularys_spelling(model):
    answered = answers.nearest(model, ["KING", "dog"], topn=3)
    assert [entry["word"] for entry in answered] == ["king", "dog"]
    for entry, word in zip(answered, ["king", "dog"]):
        assert_same_ranking([(n["word"], n["similarity"]) for n in entry["neighbours"]], model.most_similar(word, topn=3))
    assert answers.nearest(model, [], topn=3) == []


def test_analogy_and_similarity_are_the_librarys(model):
    answered = answers.analogy(model, "Dog", "forest", "queen", topn=2, method="mul")
    assert {key: answered[key] for key in ("a", "b", "c", "method")} == {"a": "dog", "b": "forest", "c": "queen", "method": "mul"}
    expected = model.analogy("dog", "forest", "queen", topn=2, method="mul")
    assert_same_ranking([(a["word"], a["similarity"]) for a in answered["answers"]], expected)
    assert answers.similarity(model, "KING", "queen") == {
        "word1": "king", "word2": "queen", "similarity": model.similarity("king", "queen"),
    }


def test_unknown_words_and_bad_methods_raise_the_librarys_errors(model, plain_model_path):
    with pytest.raises(UnknownWordError, match="'kingg' is not in the vocabulary; did you mean: king"):
        answers.nearest(load_model(plain_model_path), ["king", "kingg"])
    with pytest.raises(UnknownWordError, match=f"'{UNCOMPOSABLE}' is not in the vocabulary and none of its character n-grams"):
        answers.nearest(model, ["king", UNCOMPOSABLE])
    with pytest.raises(ParameterError, match="method must be 'add' or 'mul'; got 'div'"):
        answers.analogy(model, "dog", "forest", "queen", method="div")


def test_info_is_the_stored_metadata_or_with_a_name_file_names_only(model, model_path, royal_corpus_file):
    stored = json.loads((model_path / "meta.json").read_text(encoding="utf-8"))
    plain = answers.info(model)
    assert {key: plain[key] for key in stored if key != "vocab_crc32"} == {k: v for k, v in stored.items() if k != "vocab_crc32"}
    assert plain["stats"]["corpus"] == [str(royal_corpus_file)]
    named = answers.info(model, name=str(model_path))
    assert list(named)[0] == "model" and named["model"] == model_path.name
    assert named["stats"]["corpus"] == [royal_corpus_file.name]
    assert {key: value for key, value in named.items() if key not in ("model", "stats")} == {
        key: value for key, value in plain.items() if key != "stats"
    }
    assert model.stats["corpus"] == [str(royal_corpus_file)]  # the model itself is left as it was


def test_answers_on_a_loaded_model_do_not_split_its_vocabulary_into_words(model_path):
    # A cold `wordvec nearest KING --json` must not pay for a string per vocabulary word.
    loaded = load_model(model_path)
    answers.nearest(loaded, ["KING"], topn=2)
    answers.similarity(loaded, "King", "queen")
    assert loaded._words is None


@pytest.mark.parametrize("path, name", [
    ("/home/me/corpus/wiki.txt", "wiki.txt"), ("wiki.txt", "wiki.txt"), ("models/news/", "news"),
    ("C:\\corpus\\wiki.txt", "wiki.txt"), ("s3://bucket/corpus/wiki.txt.gz", "wiki.txt.gz"),
    ("https://user:secret@example.com/data/wiki.txt?token=1", "wiki.txt"), ("<python iterable>", "<python iterable>"),
])
def test_file_name_keeps_the_last_component(path, name):
    assert file_name(path) == name


def test_doctests():
    assert doctest.testmod(answers, optionflags=doctest.ELLIPSIS).failed == 0


# -- the command line and the explorer give the same answers ----------------------------


@pytest.fixture(scope="module")
def client(model_path) -> TestClient:
    return TestClient(create_app(model_path), base_url="http://localhost")


@pytest.mark.parametrize("command, path, params", [
    (["nearest", "King", "-k", "4"], "/api/nearest", {"word": "King", "topn": 4}),
    (["nearest", "queen"], "/api/nearest", {"word": "queen"}),
    (["analogy", "dog", "forest", "Queen", "-k", "3", "--method", "mul"], "/api/analogy",
     {"a": "dog", "b": "forest", "c": "Queen", "topn": 3, "method": "mul"}),
    (["analogy", "cat", "barn", "king"], "/api/analogy", {"a": "cat", "b": "barn", "c": "king"}),
    (["similarity", "bread", "CHEESE"], "/api/similarity", {"word1": "bread", "word2": "CHEESE"}),
], ids=["nearest", "nearest-default", "analogy", "analogy-default", "similarity"])
def test_the_command_lines_json_is_the_apis_answer(runner, model_path, client, command, path, params):
    result = invoke(runner, [*command, "-m", model_path, "--json"])
    assert_ok(result)
    printed = json.loads(result.stdout)
    if command[0] == "nearest":
        [printed] = printed  # the command line answers a list of words, the API one
    response = client.get(path, params=params)
    assert response.status_code == 200
    assert printed == response.json()


def test_info_of_the_command_line_and_the_api_differ_only_by_the_name_and_the_paths(runner, model_path, client):
    printed = json.loads(invoke(runner, ["info", "-m", model_path, "--json"]).stdout)
    served = client.get("/api/info").json()
    # The explorer of one model also says it compares with none.
    assert served == {**answers.info(load_model(model_path), name=str(model_path)), "compared_with": None}
    assert printed == answers.info(load_model(model_path))
