"""Tests of wordvec.vectors.WordVectors: lookups and gensim-style queries on hand-placed vectors."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import wordvec._cores as cores_module
import wordvec.vectors as vectors_module
from wordvec.errors import ParameterError, UnknownWordError
from wordvec.vectors import WordVectors

# Two-dimensional vectors at known angles (degrees) and deliberately unequal lengths, so every
# cosine is cos(angle difference).
ANGLES = {"king": 0, "queen": 20, "prince": 50, "apple": 120, "pear": 130, "stone": 270}
LENGTHS = [2.0, 1.0, 3.0, 0.5, 1.0, 1.0]


def cos_deg(degrees: float) -> float:
    return math.cos(math.radians(degrees))


@pytest.fixture
def model() -> WordVectors:
    words = list(ANGLES)
    radians = [math.radians(ANGLES[word]) for word in words]
    vectors = np.array(
        [[length * math.cos(angle), length * math.sin(angle)] for angle, length in zip(radians, LENGTHS)],
        dtype=np.float32,
    )
    return WordVectors(words, vectors, np.array([60, 50, 40, 30, 20, 10]))


def assert_neighbours(result, expected):
    assert [word for word, _ in result] == [word for word, _ in expected]
    np.testing.assert_allclose([score for _, score in result], [score for _, score in expected], atol=1e-6)


def test_most_similar_single_word(model):
    assert_neighbours(model.most_similar("king"), [
        ("queen", cos_deg(20)), ("prince", cos_deg(50)), ("stone", 0.0),
        ("apple", cos_deg(120)), ("pear", cos_deg(130)),
    ])


def test_most_similar_topn(model):
    assert_neighbours(model.most_similar("king", topn=2), [("queen", cos_deg(20)), ("prince", cos_deg(50))])


def test_most_similar_topn_larger_than_vocabulary_returns_all_other_words(model):
    result = model.most_similar("pear", topn=100)
    assert len(result) == len(model) - 1
    assert "pear" not in [word for word, _ in result]


def test_most_similar_scores_are_sorted(model):
    scores = [score for _, score in model.most_similar("stone", topn=5)]
    assert scores == sorted(scores, reverse=True)


def test_most_similar_several_positive_words_use_their_mean_direction(model):
    # Unit vectors at 0 and 20 degrees average to the direction 10 degrees; both are excluded.
    assert_neighbours(model.most_similar(positive=["king", "queen"], topn=4), [
        ("prince", cos_deg(40)), ("stone", cos_deg(100)), ("apple", cos_deg(110)), ("pear", cos_deg(120)),
    ])


def test_most_similar_negative_word_points_the_other_way(model):
    assert_neighbours(model.most_similar(negative=["king"]), [
        ("pear", cos_deg(50)), ("apple", cos_deg(60)), ("stone", 0.0),
        ("prince", cos_deg(130)), ("queen", cos_deg(160)),
    ])


def test_most_similar_accepts_a_single_string_as_positive(model):
    assert model.most_similar(positive="queen", topn=1)[0][0] == "king"


def test_most_similar_excludes_repeated_query_words(model):
    result = model.most_similar(positive=["king", "king"], topn=10)
    assert [word for word, _ in result] == ["queen", "prince", "stone", "apple", "pear"]


def test_most_similar_restrict_vocab_searches_frequent_words_only(model):
    assert_neighbours(model.most_similar("prince", restrict_vocab=2), [("queen", cos_deg(30)), ("king", cos_deg(50))])


def test_most_similar_ties_are_broken_by_frequency_rank():
    words = ["center", "b", "a", "c"]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    result = WordVectors(words, vectors).most_similar("center")
    assert [word for word, _ in result] == ["b", "a", "c"]


def test_analogy_is_3cosadd(model):
    # queen - king + apple, with unit vectors: its direction, then cosines with the other words.
    x = cos_deg(20) - 1 + cos_deg(120)
    y = math.sin(math.radians(20)) + math.sin(math.radians(120))
    direction = math.degrees(math.atan2(y, x))
    assert_neighbours(model.analogy("king", "queen", "apple"), [
        ("pear", cos_deg(130 - direction)), ("prince", cos_deg(50 - direction)), ("stone", cos_deg(270 - direction)),
    ])
    assert model.analogy("king", "queen", "apple", topn=1)[0][0] == "pear"


def test_analogy_equals_most_similar_with_positive_and_negative(model):
    assert model.analogy("king", "queen", "apple") == model.most_similar(positive=["queen", "apple"], negative=["king"])


def test_similarity(model):
    assert model.similarity("king", "queen") == pytest.approx(cos_deg(20), abs=1e-6)
    assert model.similarity("king", "stone") == pytest.approx(0.0, abs=1e-6)
    assert model.similarity("apple", "apple") == pytest.approx(1.0, abs=1e-6)


def test_similarity_is_symmetric(model):
    assert model.similarity("prince", "pear") == pytest.approx(model.similarity("pear", "prince"))


def test_doesnt_match(model):
    assert model.doesnt_match(["king", "queen", "prince", "stone"]) == "stone"
    assert model.doesnt_match(["apple", "pear", "king"]) == "king"


def test_doesnt_match_needs_two_words(model):
    with pytest.raises(ParameterError, match="at least two words"):
        model.doesnt_match(["king"])


def test_contains_and_len(model):
    assert "king" in model
    assert "King" in model
    assert "kingdom" not in model
    assert 42 not in model
    assert "" not in model
    assert len(model) == 6


def test_lookup_is_case_insensitive(model):
    assert model.index("KING") == model.index("King") == model.index("king") == 0
    assert model.similarity("King", "QUEEN") == model.similarity("king", "queen")
    assert model.most_similar("King") == model.most_similar("king")


def test_lookup_normalises_unicode_like_the_tokenizer():
    model = WordVectors(["café", "tea"], np.eye(2, dtype=np.float32))
    assert model.index("Cafe\u0301") == 0
    assert "CAFÉ" in model


def test_vocabulary_word_is_the_spelling_a_lookup_finds():
    model = WordVectors(["café", "tea"], np.eye(2, dtype=np.float32))
    assert model.vocabulary_word("Cafe\u0301") == "café" and model.vocabulary_word(" TEA ") == "tea"
    with pytest.raises(UnknownWordError, match="'coffee' is not in the vocabulary"):
        model.vocabulary_word("coffee")


def test_vector_and_getitem(model):
    np.testing.assert_array_equal(model.vector("Queen"), model.vectors[1])
    np.testing.assert_array_equal(model["prince"], model.vectors[2])


def test_dim_repr_and_key_to_index(model):
    assert model.dim == 2
    assert repr(model) == "WordVectors(6 words x 2 dims)"
    assert model.key_to_index == {word: i for i, word in enumerate(ANGLES)}


def test_unknown_word_error_suggests_close_spellings(model):
    with pytest.raises(UnknownWordError) as caught:
        model.most_similar("kinq")
    assert caught.value.word == "kinq"
    assert caught.value.suggestions == ["king"]
    assert str(caught.value) == "word 'kinq' is not in the vocabulary; did you mean: king?"


def test_unknown_word_error_without_suggestions(model):
    with pytest.raises(UnknownWordError) as caught:
        model.similarity("king", "zzzzzz")
    assert caught.value.suggestions == []
    assert str(caught.value) == "word 'zzzzzz' is not in the vocabulary"


def test_unknown_word_error_is_a_key_error(model):
    with pytest.raises(KeyError):
        model["nothing"]


@pytest.mark.parametrize("word", ["", "   ", None])
def test_empty_query_word_is_a_parameter_error(model, word):
    with pytest.raises(ParameterError, match="a query word must be a non-empty string"):
        model.most_similar(word if word is not None else [None])


def test_most_similar_needs_a_query(model):
    with pytest.raises(ParameterError, match="at least one positive or negative word"):
        model.most_similar()


def test_most_similar_topn_must_be_positive(model):
    with pytest.raises(ParameterError, match="topn must be >= 1; got 0"):
        model.most_similar("king", topn=0)


def test_unit_vectors_of_unnormalised_vectors(model):
    norms = np.linalg.norm(model.unit_vectors, axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.vectors[0], [2.0, 0.0])


def test_unit_vectors_are_the_stored_matrix_when_built_normalised():
    vectors = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    model = WordVectors(["a", "b"], vectors, params={"normalize": True})
    assert model.unit_vectors is vectors


def test_zero_vector_gives_zero_similarity_not_nan():
    model = WordVectors(["zero", "one", "two"], np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    assert model.similarity("zero", "one") == 0.0
    with pytest.raises(ParameterError, match="'zero' has a zero vector"):  # no ranking of arbitrary words by 0
        model.most_similar("zero")


def test_constructor_checks_shapes():
    with pytest.raises(ParameterError, match=r"one row per word; got shape \(3, 2\) for 2 words"):
        WordVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ParameterError, match="one row per word"):
        WordVectors(["a", "b"], np.zeros(2))
    with pytest.raises(ParameterError, match="counts must have one entry per word; got 3 for 2 words"):
        WordVectors(["a", "b"], np.zeros((2, 2)), np.array([1, 2, 3]))


def test_save_method_writes_a_loadable_model(model, tmp_path):
    from wordvec.storage import load_model

    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.vectors, model.vectors)


def test_nearest_in_batches_equals_one_query_at_a_time():
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(300)]
    model = WordVectors(words, rng.standard_normal((300, 16)).astype(np.float32))
    queries = ["w3", "w0", "w299", "w3", "W17"]  # a repeat, and case folded as the tokenizer does
    batched = model.nearest(queries, topn=7, batch=2)
    assert len(batched) == len(queries)
    for query, neighbours in zip(queries, batched):
        single = model.most_similar(query, topn=7)
        assert [w for w, _ in neighbours] == [w for w, _ in single]
        np.testing.assert_allclose([s for _, s in neighbours], [s for _, s in single], rtol=1e-5, atol=1e-6)
        assert query.lower() not in [w for w, _ in neighbours]


def test_nearest_by_hand_and_edge_cases():
    model = WordVectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32))
    # cos(a, b) = 0.6, cos(a, c) = 0, cos(b, c) = 0.8
    assert model.nearest(["a", "c"], topn=5) == [[("b", pytest.approx(0.6)), ("c", pytest.approx(0.0))],
                                                  [("b", pytest.approx(0.8)), ("a", pytest.approx(0.0))]]
    assert model.nearest([], topn=3) == []
    with pytest.raises(UnknownWordError):
        model.nearest(["a", "zzz"])
    with pytest.raises(ParameterError):
        model.nearest(["a"], topn=0)


def test_nearest_of_many_words_equals_most_similar_one_at_a_time():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(3000)]
    model = WordVectors(words, rng.normal(size=(3000, 8)).astype(np.float32))
    queries = words[::97]
    batch = model.nearest(queries, topn=5, batch=7)
    single = [model.most_similar(word, topn=5) for word in queries]
    assert [[w for w, _ in row] for row in batch] == [[w for w, _ in row] for row in single]
    np.testing.assert_allclose([[s for _, s in row] for row in batch], [[s for _, s in row] for row in single], atol=1e-6)


def test_batched_queries_reuse_their_score_buffers_from_call_to_call():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(500)]
    model = WordVectors(words, rng.normal(size=(500, 8)).astype(np.float32))
    addresses: list[list[int]] = []
    real_score_buffer = model._score_buffer

    def recording_score_buffer(rows, columns):
        buffer = real_score_buffer(rows, columns)
        addresses[-1].append(buffer.__array_interface__["data"][0])
        return buffer

    model._score_buffer = recording_score_buffer
    answers = []
    for queries in (words[:40], words[100:103], words[200:240]):
        addresses.append([])
        answers.append(model.nearest(queries, topn=4, batch=16, threads=1))
    assert len(set(addresses[0])) == 1  # one buffer for the batches of a call
    assert set(addresses[1]) == set(addresses[2]) == set(addresses[0])  # and for the calls after it
    expected = [[model.most_similar(w, topn=4) for w in queries] for queries in (words[:40], words[100:103], words[200:240])]
    assert [[[w for w, _ in row] for row in call] for call in answers] == [[[w for w, _ in row] for row in call] for call in expected]


@pytest.mark.parametrize("threadpoolctl_installed", [True, False], ids=["threads", "in-turn"])
def test_batches_on_threads_each_with_one_blas_thread_answer_as_in_turn(monkeypatch, threadpoolctl_installed):
    from threadpoolctl import threadpool_info

    def blas_threads() -> set[int]:
        return {library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"}

    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(2000)]
    model = WordVectors(words, rng.normal(size=(2000, 16)).astype(np.float32))
    queries = words[::13]
    single = [model.most_similar(word, topn=6) for word in queries]
    # Two cores even on a one-core machine, so that the pool is always the one tested.
    monkeypatch.setattr(cores_module, "available_cores", lambda: 2)
    if not threadpoolctl_installed:
        real_find_spec = cores_module.importlib.util.find_spec
        monkeypatch.setattr(cores_module.importlib.util, "find_spec",
                            lambda name, *rest: None if name == "threadpoolctl" else real_find_spec(name, *rest))
    seen: list[tuple[str, set[int]]] = []
    real_top_of_rows = vectors_module.top_of_rows

    def recording_top_of_rows(scores, topn):
        seen.append((threading.current_thread().name, blas_threads()))
        return real_top_of_rows(scores, topn)

    monkeypatch.setattr(vectors_module, "top_of_rows", recording_top_of_rows)
    before = blas_threads()
    batched = model.nearest(queries, topn=6, batch=10)
    assert blas_threads() == before  # the limit ends with the batches
    assert len(seen) == -(-len(queries) // 10)
    if threadpoolctl_installed:
        assert all(threads == {1} for _, threads in seen)
        assert all(name != threading.current_thread().name for name, _ in seen)
    else:
        assert all(name == threading.current_thread().name for name, _ in seen)
    assert [[w for w, _ in row] for row in batched] == [[w for w, _ in row] for row in single]
    np.testing.assert_allclose([[s for _, s in row] for row in batched], [[s for _, s in row] for row in single], atol=1e-6)


def test_nearest_threads_option(monkeypatch):
    model = WordVectors([f"w{i}" for i in range(50)], np.random.default_rng(2).normal(size=(50, 4)).astype(np.float32))
    queries = model.words[:20]
    names: set[str] = set()
    real_top_of_rows = vectors_module.top_of_rows

    def recording_top_of_rows(scores, topn):
        names.add(threading.current_thread().name)
        return real_top_of_rows(scores, topn)

    monkeypatch.setattr(vectors_module, "top_of_rows", recording_top_of_rows)
    in_turn = model.nearest(queries, topn=3, batch=4, threads=1)
    assert names == {threading.current_thread().name}
    names.clear()
    three = model.nearest(queries, topn=3, batch=4, threads=3)
    assert names and threading.current_thread().name not in names
    assert [[w for w, _ in row] for row in three] == [[w for w, _ in row] for row in in_turn]
    with pytest.raises(ParameterError, match="threads must be >= 1"):
        model.nearest(queries, threads=0)
    monkeypatch.setattr(cores_module.importlib.util, "find_spec", lambda name, *rest: None)
    with pytest.raises(ParameterError, match=r"threads=2 needs threadpoolctl: pip install 'wordvec\[threads\]'"):
        model.nearest(queries, batch=4, threads=2)


@pytest.mark.parametrize("matrix", [
    np.array([[1e30, 1e30], [0, 0], [3, 4]], dtype=np.float32),
    np.array([[1e300, -1e300], [0, 0], [3e-300, 4e-300]], dtype=np.float64),
], ids=["float32-huge", "float64-beyond-float32"])
def test_cosines_of_rows_too_long_or_short_for_a_plain_norm_are_exact(matrix):
    # Without scaling, the float32 norm of 1e30 overflows and 3e-300 underflows: zero or NaN rows.
    model = WordVectors(["a", "b", "c"], matrix)
    unit = model.unit_vectors
    assert unit.dtype == np.float32 and np.isfinite(unit).all()
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), [1, 0, 1], rtol=1e-6)
    np.testing.assert_allclose(unit[2], [0.6, 0.8], rtol=1e-6)
    assert model.similarity("a", "c") == pytest.approx(float(unit[0] @ unit[2]))


def test_a_suggestion_with_a_control_character_is_quoted_so_the_message_stays_one_line():
    model = WordVectors(["cake\x85", "cave", "cake\u2028x"], np.eye(3))
    with pytest.raises(UnknownWordError) as caught:
        model.index("cake")
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert "'cake\\x85'" in message and "cave" in message


def test_a_word_with_a_zero_vector_has_no_neighbours_and_no_analogies():
    # A word with no context left (subsampling, the PPMI shift) gets a zero vector: ranking by it would list
    # arbitrary words with score 0.
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0, 0]], dtype=np.float32)
    model = WordVectors(["king", "queen", "apple", "void"], vectors)
    message = r"'void' has a zero vector \(none of its contexts was left .*\), so it has no neighbours"
    for query in (lambda: model.nearest(["king", "void"]), lambda: model.most_similar("void"),
                  lambda: model.analogy("void", "king", "queen"), lambda: model.analogy("king", "queen", "void", method="mul")):
        with pytest.raises(ParameterError, match=message):
            query()
    with pytest.raises(ParameterError, match="cancel out"):
        model.most_similar(positive=["king"], negative=["king"])
    assert model.similarity("void", "king") == 0.0  # a cosine with nothing: 0, as gensim gives
    assert [word for word, _ in model.nearest(["king"], topn=3)[0]] == ["queen", "apple", "void"]


# -- words outside the vocabulary, composed from character n-grams --------------------

def subword_model() -> WordVectors:
    """The hand-placed model with an n-gram table in which only the n-grams of ``king`` have a vector.

    Each bucket of ``king``'s n-grams holds king's direction (angle 0), so a word sharing some of
    them composes to angle 0 too, and a word sharing none has no vector.
    """
    from wordvec.subwords import NgramTable, ngram_hashes

    words = list(ANGLES)
    radians = [math.radians(ANGLES[word]) for word in words]
    vectors = np.array([[math.cos(a), math.sin(a)] for a in radians], dtype=np.float32)
    known = np.unique(ngram_hashes(["king"]).hashes % 997).astype(np.int64)
    table = np.tile(np.array([[1.0, 0.0]], dtype=np.float32), (len(known), 1))
    return WordVectors(words, vectors, np.arange(60, 0, -10), params={"normalize": True},
                       subwords=NgramTable(table, known, 997))


def test_an_unseen_word_is_composed_from_its_known_ngrams_and_is_not_in_the_vocabulary():
    from wordvec.subwords import ngram_hashes

    model = subword_model()
    assert "kingg" not in model and not model.in_vocabulary("kingg") and model.in_vocabulary("King")
    hashed = ngram_hashes(["kingg"])
    known = np.isin(hashed.hashes % 997, ngram_hashes(["king"]).hashes % 997)
    expected = known.sum() / len(known)  # the mean over all of kingg's n-grams: king's share of them
    np.testing.assert_allclose(model.ngram_vector("kingg"), [expected, 0.0], rtol=1e-6)
    # The query vector is a unit one, the n-grams' direction pulled toward king (one letter away): both at angle 0.
    np.testing.assert_allclose(model["kingg"], [1.0, 0.0], rtol=1e-6)
    np.testing.assert_array_equal(model["queen"], model.vectors[1])  # a vocabulary word keeps its row
    assert model.similarity("kingg", "queen") == pytest.approx(cos_deg(20), abs=1e-6)


def test_queries_take_unseen_words_and_exclude_only_vocabulary_words():
    model = subword_model()
    neighbours = model.most_similar("kingg", topn=3)
    assert [word for word, _ in neighbours] == ["king", "queen", "prince"]  # king itself is not excluded
    assert neighbours[0][1] == pytest.approx(1.0, abs=1e-6)
    assert model.nearest(["kingg", "queen", "KINGG"], topn=3) == [
        neighbours, model.most_similar("queen", topn=3), neighbours
    ]
    assert model.most_similar_cosmul(positive=["kingg"], topn=1)[0][0] == "king"
    assert model.analogy("apple", "kingg", "pear") == model.most_similar(positive=["kingg", "pear"], negative=["apple"])
    assert model.doesnt_match(["kingg", "queen", "stone"]) == "stone"


def test_an_unseen_word_with_no_known_ngram_or_without_a_table_is_an_unknown_word():
    from wordvec.subwords import ngram_hashes

    model = subword_model()
    # stop: letters of the vocabulary, but none of its n-grams falls in one of king's buckets (the only known ones).
    assert not np.isin(ngram_hashes(["stop"]).hashes % 997, ngram_hashes(["king"]).hashes % 997).any()
    with pytest.raises(UnknownWordError, match="'stop' is not in the vocabulary and none of its character n-grams is known"):
        model["stop"]
    with pytest.raises(UnknownWordError, match="none of its character n-grams"):
        model.nearest(["queen", "stop"])
    # xyz: no vocabulary word has any of its letters.
    with pytest.raises(UnknownWordError, match="^word 'xyz' is not in the vocabulary and none of its characters occurs in the vocabulary$"):
        model["xyz"]
    assert model.vocabulary_characters == frozenset("kingqueprcaplst") | frozenset("o")
    plain = WordVectors(model.words, model.vectors, params={"normalize": True})
    with pytest.raises(UnknownWordError, match=r"^word 'kingg' is not in the vocabulary; did you mean: king\?$"):
        plain["kingg"]
    with pytest.raises(UnknownWordError):
        plain.most_similar("kingg")
    for query in ("", "   "):
        with pytest.raises(ParameterError, match="a query word must be a non-empty string"):
            model[query]
        with pytest.raises(ParameterError, match="a query word must be a non-empty string"):
            model.nearest([query])


def test_a_table_of_other_dimensions_is_refused():
    from wordvec.subwords import NgramTable

    with pytest.raises(ParameterError, match="the n-gram table has 3 dims and the vectors 2"):
        WordVectors(["a", "b"], np.eye(2), subwords=NgramTable(np.ones((5, 3), np.float32), np.arange(5), 5))


def test_a_string_that_is_not_one_word_is_not_composed():
    # With most buckets known, any string would compose into noise; no corpus token is spelled so.
    model = subword_model()
    for query in ("!!!", "king king", "kingg!"):
        with pytest.raises(UnknownWordError, match="is not one word to the tokenizer"):
            model[query]
    assert model.known_ngrams("Kingg") > 0  # case and Unicode form are normalised first, as for vocabulary words
