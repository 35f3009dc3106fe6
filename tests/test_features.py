"""Tests of wordvec.features: document vectors checked against sums written out by hand, and scikit-learn interplay."""

from __future__ import annotations

import doctest
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone  # scikit-learn is a test extra: the features must drop into its pipelines
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline, make_union

import wordvec
import wordvec.features as features_module
from wordvec.errors import NotFittedError, ParameterError, WordvecError
from wordvec.features import DocumentVectorizer, document_vector, sif_weights
from wordvec.tokenize import RegexTokenizer
from wordvec.vectors import WordVectors

# A small vocabulary, most frequent first, with corpus counts that sum to 10,000 so that
# p(w) = count / 10,000 is easy to read.
WORDS = ["the", "a", "film", "good", "great", "bad", "awful", "plot"]
COUNTS = np.array([4000, 3000, 1500, 600, 400, 300, 150, 50])
VECTORS = np.array([
    [1.0, 0.0, 0.0, 0.0],
    [0.8, 0.6, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.6, 0.8, 0.0],
    [0.0, 0.0, -1.0, 0.0],
    [0.0, 0.0, -0.6, 0.8],
    [0.0, 0.0, 0.0, 1.0],
])


@pytest.fixture
def model() -> WordVectors:
    return WordVectors(WORDS, VECTORS.astype(np.float32), COUNTS, params={"tokenizer": "regex", "normalize": True})


def row(word: str) -> np.ndarray:
    return VECTORS[WORDS.index(word)]


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def plain(model: WordVectors, weighting: str, **params) -> DocumentVectorizer:
    """A vectorizer that only averages (nothing removed, no scaling)."""
    return DocumentVectorizer(model, weighting=weighting, remove_components=0, normalize=False, **params)


# -- the weighted averages ------------------------------------------------------------


def test_mean_is_the_average_of_the_known_word_vectors(model):
    result = plain(model, "mean").fit_transform(["Good, good BAD film!", "the plot"])
    np.testing.assert_allclose(result[0], (2 * row("good") + row("bad") + row("film")) / 4, atol=1e-6)
    np.testing.assert_allclose(result[1], (row("the") + row("plot")) / 2, atol=1e-6)


def test_unknown_words_are_dropped_not_averaged_as_zero(model):
    result = plain(model, "mean").fit_transform(["good zzz qqq", "good"])
    np.testing.assert_allclose(result[0], row("good"), atol=1e-6)
    np.testing.assert_array_equal(result[0], result[1])


def test_documents_without_a_known_word_give_zero_rows_and_are_counted(model):
    documents = ["", "zzz qqq", "good film", "   ", "!!!", "great"]
    for weighting in ("mean", "tfidf", "sif"):
        vectorizer = DocumentVectorizer(model, weighting=weighting)
        result = vectorizer.fit_transform(documents)
        assert not np.isnan(result).any()
        np.testing.assert_array_equal(result[[0, 1, 3, 4]], 0)
        assert vectorizer.n_empty_ == 4
        np.testing.assert_allclose(np.linalg.norm(result[[2, 5]], axis=1), 1, atol=1e-6)
        assert vectorizer.transform(["nothing known here"]).tolist() == [[0.0] * 4]
        assert vectorizer.n_empty_ == 1


def test_word_counts_match_scikit_learn_with_the_same_tokenizer(model):
    documents = ["The good, the bad; and the AWFUL film.", "", "plot plot zzz", "a great film's plot"]
    ours = DocumentVectorizer(model)._count_words(documents)
    counter = CountVectorizer(vocabulary=WORDS, tokenizer=RegexTokenizer().tokenize, lowercase=False, token_pattern=None)
    np.testing.assert_array_equal(ours.known.toarray(), counter.fit_transform(documents).toarray())
    assert ours.unseen is None  # a model without n-grams drops the words outside its vocabulary


def test_tfidf_idf_is_the_smooth_idf_computed_by_hand(model):
    documents = ["good film", "good plot", "awful film film", "zzz"]
    vectorizer = plain(model, "tfidf").fit(documents)
    n = len(documents)
    document_frequency = {"film": 2, "good": 2, "plot": 1, "awful": 1}
    for word in WORDS:
        expected = math.log((1 + n) / (1 + document_frequency.get(word, 0))) + 1
        assert vectorizer.idf_[WORDS.index(word)] == pytest.approx(expected)


def test_tfidf_idf_matches_scikit_learn(model):
    documents = ["good film", "good plot", "awful film film", "the bad bad film", "a great plot"]
    ours = plain(model, "tfidf").fit(documents).idf_
    theirs = TfidfVectorizer(vocabulary=WORDS, token_pattern=r"\w+", smooth_idf=True).fit(documents).idf_
    np.testing.assert_allclose(ours, theirs)


def test_tfidf_document_vector_is_the_idf_weighted_average(model):
    documents = ["good film film", "good plot", "awful"]
    vectorizer = plain(model, "tfidf")
    result = vectorizer.fit_transform(documents)
    idf = {word: math.log(4 / (1 + df)) + 1 for word, df in {"good": 2, "film": 1, "plot": 1, "awful": 1}.items()}
    weights = {"good": idf["good"], "film": 2 * idf["film"]}
    expected = (weights["good"] * row("good") + weights["film"] * row("film")) / (weights["good"] + weights["film"])
    np.testing.assert_allclose(result[0], expected, atol=1e-6)


def test_sif_weights_are_a_over_a_plus_relative_frequency(model):
    for a in (1e-3, 0.05):
        expected = [a / (a + count / 10_000) for count in COUNTS]
        np.testing.assert_allclose(sif_weights(model, a), expected)


def brute_force_sif(documents: list[str], fit_documents: list[str], a: float, components: int) -> np.ndarray:
    """SIF written out with Python loops and a full numpy SVD, independently of wordvec's sparse code."""

    def averages(texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            known = [word for word in text.lower().split() if word in WORDS]
            total = np.zeros(VECTORS.shape[1])
            for word in known:
                total += a / (a + COUNTS[WORDS.index(word)] / COUNTS.sum()) * row(word)
            rows.append(total / len(known) if known else total)
        return np.array(rows)

    _, _, right = np.linalg.svd(averages(fit_documents), full_matrices=False)
    top = right[:components]
    result = averages(documents)
    result -= result @ top.T @ top
    norms = np.linalg.norm(result, axis=1, keepdims=True)
    return np.divide(result, norms, out=np.zeros_like(result), where=norms > 0)


FIT_DOCUMENTS = ["the good film", "a bad plot", "the the awful film", "great great film", "a plot", "the bad", "zzz"]


@pytest.mark.parametrize("a, components", [(1e-3, 1), (0.05, 1), (0.05, 2), (1e-3, 0)])
def test_sif_matches_a_direct_numpy_computation(model, a, components):
    vectorizer = DocumentVectorizer(model, sif_a=a, remove_components=components)
    result = vectorizer.fit_transform(FIT_DOCUMENTS)
    np.testing.assert_allclose(result, brute_force_sif(FIT_DOCUMENTS, FIT_DOCUMENTS, a, components), atol=1e-5)
    others = ["good plot", "awful awful the", "film"]
    np.testing.assert_allclose(
        vectorizer.transform(others), brute_force_sif(others, FIT_DOCUMENTS, a, components), atol=1e-5
    )


def test_sif_removes_the_common_component():
    # Each word is a shared direction c plus a specific part orthogonal to it, and words come in
    # pairs 3c + s and 3c - s. Every document also appears with each word swapped for its partner,
    # so the specific parts cancel over the collection and c is exactly the top singular direction:
    # SIF must find it and take it out of every document.
    rng = np.random.default_rng(0)
    common = unit(rng.normal(size=12))
    specific = rng.normal(size=(20, 12))
    specific -= np.outer(specific @ common, common)
    words = [f"p{i}" for i in range(20)] + [f"m{i}" for i in range(20)]
    model = WordVectors(words, np.vstack([3 * common + specific, 3 * common - specific]), np.full(40, 10))
    chosen = rng.integers(0, 20, size=(100, 6))
    documents = [" ".join(f"p{i}" for i in row) for row in chosen] + [" ".join(f"m{i}" for i in row) for row in chosen]

    vectorizer = DocumentVectorizer(model, remove_components=1)
    result = vectorizer.fit_transform(documents)
    assert abs(vectorizer.components_[0] @ common) == pytest.approx(1, abs=1e-6)
    assert np.abs(result @ common).max() < 1e-5
    assert np.abs(vectorizer.transform(["p1 m2 p3", "m7"]) @ common).max() < 1e-5
    kept = DocumentVectorizer(model, remove_components=0).fit_transform(documents)
    assert np.abs(kept @ common).min() > 0.8


def test_transform_removes_the_components_learned_in_fit(model):
    vectorizer = DocumentVectorizer(model).fit(FIT_DOCUMENTS)
    learned = vectorizer.components_.copy()
    vectorizer.transform(["awful awful awful", "great film"])
    np.testing.assert_array_equal(vectorizer.components_, learned)
    assert vectorizer.components_.shape == (1, 4)


def test_fit_transform_equals_fit_then_transform(model):
    for weighting in ("mean", "tfidf", "sif"):
        together = DocumentVectorizer(model, weighting=weighting).fit_transform(FIT_DOCUMENTS)
        apart = DocumentVectorizer(model, weighting=weighting).fit(FIT_DOCUMENTS).transform(FIT_DOCUMENTS)
        np.testing.assert_allclose(together, apart, atol=1e-6)


def test_components_have_a_fixed_sign(model):
    components = DocumentVectorizer(model, remove_components=2).fit(FIT_DOCUMENTS).components_
    largest = components[np.arange(2), np.abs(components).argmax(axis=1)]
    assert (largest > 0).all()
    np.testing.assert_allclose(components @ components.T, np.eye(2), atol=1e-10)


def test_sif_needs_corpus_counts():
    without_counts = WordVectors(WORDS, VECTORS)
    zero_counts = WordVectors(WORDS, VECTORS, np.zeros(len(WORDS), dtype=np.int64))
    for model in (without_counts, zero_counts):
        with pytest.raises(ParameterError, match="weighting='sif' needs the corpus counts"):
            DocumentVectorizer(model).fit(["good film"])
        DocumentVectorizer(model, weighting="mean").fit(["good film"])


def test_uses_the_tokenizer_the_model_was_built_with():
    words = ["do", "n't", "like", "don't"]
    vectors = np.eye(4)
    regex = WordVectors(words, vectors, params={"tokenizer": "regex"})
    nltk = WordVectors(words, vectors, params={"tokenizer": "nltk"})
    np.testing.assert_array_equal(plain(regex, "mean").fit_transform(["I don't like"])[0], (vectors[3] + vectors[2]) / 2)
    np.testing.assert_array_equal(
        plain(nltk, "mean").fit_transform(["I don't like"])[0], (vectors[0] + vectors[1] + vectors[2]) / 3
    )


def test_normalize_gives_unit_rows(model):
    result = DocumentVectorizer(model, weighting="mean", remove_components=0).fit_transform(["good bad film", "the"])
    np.testing.assert_allclose(result[0], unit(row("good") + row("bad") + row("film")), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(result, axis=1), 1, atol=1e-6)


def test_output_dtype_follows_the_vectors(model):
    assert DocumentVectorizer(model).fit_transform(FIT_DOCUMENTS).dtype == np.float32
    wide = WordVectors(WORDS, VECTORS, COUNTS)
    assert DocumentVectorizer(wide).fit_transform(FIT_DOCUMENTS).dtype == np.float64


def test_documents_are_counted_in_batches_with_the_same_result(model, monkeypatch):
    documents = [" ".join(WORDS[i % 8] for i in range(n, n + 5)) for n in range(23)] + ["zzz"] * 3
    expected = DocumentVectorizer(model, weighting="tfidf").fit_transform(documents)
    monkeypatch.setattr(features_module, "_DOCUMENTS_PER_BATCH", 4)
    vectorizer = DocumentVectorizer(model, weighting="tfidf")
    np.testing.assert_allclose(vectorizer.fit_transform(iter(documents)), expected, atol=1e-6)
    assert vectorizer.n_empty_ == 3


def test_no_documents(model):
    vectorizer = DocumentVectorizer(model, weighting="mean", remove_components=0).fit([])
    assert vectorizer.transform([]).shape == (0, 4)
    assert vectorizer.n_empty_ == 0


@settings(max_examples=60, deadline=None)
@given(
    documents=st.lists(
        st.lists(st.sampled_from([*WORDS, "zzz", "The", "GOOD", "!"]), max_size=8).map(" ".join), min_size=2, max_size=12
    ),
    weighting=st.sampled_from(["mean", "tfidf", "sif"]),
)
def test_rows_are_unit_or_zero_and_never_nan(documents, weighting):
    model = WordVectors(WORDS, VECTORS.astype(np.float32), COUNTS)
    vectorizer = DocumentVectorizer(model, weighting=weighting, remove_components=0)
    result = vectorizer.fit_transform(documents)
    norms = np.linalg.norm(result, axis=1)
    empty = np.array([not any(word.lower() in WORDS for word in document.split()) for document in documents])
    assert np.isfinite(result).all()
    np.testing.assert_array_equal(norms[empty], 0)
    assert vectorizer.n_empty_ == empty.sum()
    # A document with known words is a unit row, unless its words cancel out ("good bad").
    averages = plain(model, weighting).fit_transform(documents)
    cancelled = np.linalg.norm(averages, axis=1) < 1e-6
    np.testing.assert_allclose(norms[~empty & ~cancelled], 1, atol=1e-5)
    np.testing.assert_allclose(norms[cancelled], 0, atol=1e-5)


# -- input and parameter errors -------------------------------------------------------


def test_a_single_string_is_refused(model):
    with pytest.raises(ParameterError, match="got a single string"):
        DocumentVectorizer(model).fit("good film")


def test_a_document_that_is_not_a_string_is_refused(model):
    with pytest.raises(ParameterError, match="document 1 is a int, not a string"):
        DocumentVectorizer(model).fit(["good", 3])


def test_transform_before_fit(model):
    with pytest.raises(NotFittedError, match="not fitted") as raised:
        DocumentVectorizer(model).transform(["good"])
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, AttributeError)
    assert isinstance(raised.value, WordvecError)


@pytest.mark.parametrize("params, message", [
    ({"weighting": "max"}, "weighting must be one of 'mean', 'tfidf', 'sif'; got 'max'"),
    ({"sif_a": 0}, "sif_a must be a positive number; got 0"),
    ({"sif_a": -1.0}, "sif_a must be a positive number"),
    ({"sif_a": "1e-3"}, "sif_a must be a positive number"),
    ({"remove_components": 4}, "remove_components must be an integer from 0 to 3 (fewer than the 4 dimensions); got 4"),
    ({"remove_components": -1}, "remove_components must be an integer from 0 to 3"),
    ({"remove_components": 1.0}, "remove_components must be an integer"),
    ({"normalize": "yes"}, "normalize must be True or False"),
])
def test_bad_parameters_are_refused_by_fit_not_the_constructor(model, params, message):
    vectorizer = DocumentVectorizer(model, **params)
    with pytest.raises(ParameterError) as raised:
        vectorizer.fit(["good film"])
    assert message in str(raised.value)


def test_vectors_must_be_a_model():
    with pytest.raises(ParameterError, match="model must be a WordVectors; got ndarray"):
        DocumentVectorizer(VECTORS).fit(["good"])


def test_more_components_than_documents_with_a_known_word(model):
    with pytest.raises(ParameterError, match="remove_components=2 needs at least 2 training documents with a known word; got 1"):
        DocumentVectorizer(model, remove_components=2).fit(["good film", "zzz"])


# -- the scikit-learn protocol --------------------------------------------------------


def test_get_params_returns_exactly_the_constructor_arguments(model):
    vectorizer = DocumentVectorizer(model, weighting="tfidf", sif_a=0.01, remove_components=2, normalize=False)
    assert vectorizer.get_params() == {
        "model": model, "weighting": "tfidf", "sif_a": 0.01, "remove_components": 2, "normalize": False,
    }
    assert vectorizer.get_params(deep=False) == vectorizer.get_params(deep=True)


def test_set_params(model):
    vectorizer = DocumentVectorizer(model)
    assert vectorizer.set_params(weighting="mean", remove_components=0) is vectorizer
    assert (vectorizer.weighting, vectorizer.remove_components) == ("mean", 0)
    with pytest.raises(ParameterError, match="invalid parameter 'alpha' for DocumentVectorizer"):
        vectorizer.set_params(alpha=1)


def test_clone_gives_an_unfitted_copy_sharing_the_vectors(model):
    vectorizer = DocumentVectorizer(model, weighting="tfidf", remove_components=0).fit(FIT_DOCUMENTS)
    copy = clone(vectorizer)
    assert copy is not vectorizer and copy.model is model
    assert copy.get_params() == vectorizer.get_params()
    assert not hasattr(copy, "components_") and not hasattr(copy, "idf_")


def test_get_feature_names_out(model):
    names = DocumentVectorizer(model).get_feature_names_out()
    assert names.tolist() == ["wordvec0", "wordvec1", "wordvec2", "wordvec3"]
    assert names.dtype == object


def test_repr_shows_the_parameters_that_differ_from_the_defaults(model):
    assert repr(DocumentVectorizer(model)) == "DocumentVectorizer(WordVectors(8 words x 4 dims))"
    assert repr(DocumentVectorizer(model, weighting="mean", normalize=False)) == (
        "DocumentVectorizer(WordVectors(8 words x 4 dims), weighting='mean', normalize=False)"
    )


def sentiment_data(count: int = 120, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 2
    positive, negative, neutral = ["good", "great"], ["bad", "awful"], ["the", "a", "film", "plot"]
    texts = [
        " ".join([*rng.choice(positive if label else negative, size=2), *rng.choice(neutral, size=4)])
        for label in labels
    ]
    return texts, labels


def test_pipeline_with_logistic_regression_fits_and_predicts(model):
    texts, labels = sentiment_data()
    pipeline = make_pipeline(DocumentVectorizer(model), LogisticRegression())
    pipeline.fit(texts, labels)
    assert pipeline.predict(["a good great film", "the awful bad plot"]).tolist() == [1, 0]
    assert pipeline.score(texts, labels) == 1.0


def test_cross_val_score_and_clone_of_a_pipeline(model):
    texts, labels = sentiment_data()
    pipeline = make_pipeline(DocumentVectorizer(model), LogisticRegression())
    scores = cross_val_score(pipeline, texts, labels, cv=3)
    assert scores.tolist() == [1.0, 1.0, 1.0]
    copy = clone(pipeline)
    assert copy.steps[0][1].model is model


def test_grid_search_over_the_weighting_and_a_feature_union(model):
    texts, labels = sentiment_data()
    search = GridSearchCV(
        make_pipeline(DocumentVectorizer(model), LogisticRegression()),
        {"documentvectorizer__weighting": ["mean", "tfidf", "sif"]}, cv=3,
    )
    search.fit(texts, labels)
    assert search.best_params_["documentvectorizer__weighting"] in ("mean", "tfidf", "sif")
    union = make_pipeline(make_union(TfidfVectorizer(), DocumentVectorizer(model)), LogisticRegression())
    union.fit(texts, labels)
    assert union[:-1].get_feature_names_out()[-1] == "documentvectorizer__wordvec3"


# -- a single text --------------------------------------------------------------------


def test_document_vector_of_one_text(model):
    np.testing.assert_allclose(model.document_vector("good film good"), unit(2 * row("good") + row("film")), atol=1e-6)
    np.testing.assert_allclose(
        model.document_vector("good film", normalize=False), (row("good") + row("film")) / 2, atol=1e-6
    )
    weights = sif_weights(model, 1e-3)
    expected = unit(weights[3] * row("good") + weights[2] * row("film"))
    np.testing.assert_allclose(model.document_vector("good film", weighting="sif"), expected, atol=1e-6)
    np.testing.assert_array_equal(model.document_vector("nothing known"), 0)


def test_document_vector_refuses_tfidf_and_non_strings(model):
    with pytest.raises(ParameterError, match="use DocumentVectorizer"):
        model.document_vector("good film", weighting="tfidf")
    with pytest.raises(ParameterError, match="text must be a string"):
        document_vector(model, ["good"])


def test_top_level_export_and_doctests():
    assert wordvec.DocumentVectorizer is DocumentVectorizer
    assert doctest.testmod(features_module, optionflags=doctest.ELLIPSIS).failed == 0


def test_the_package_never_imports_scikit_learn():
    code = (
        "import sys, numpy as np, wordvec\n"
        "from wordvec.features import DocumentVectorizer\n"
        "from wordvec.polarity import polarity_scores\n"
        "import wordvec.cli\n"
        "model = wordvec.WordVectors(['good', 'bad', 'film'], np.eye(3), np.array([3, 2, 1]))\n"
        "DocumentVectorizer(model).fit_transform(['good film', 'bad film'])\n"
        "polarity_scores(model, ['good'], ['bad'])\n"
        "assert not [name for name in sys.modules if name.startswith('sklearn')]\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_vectors_too_large_to_average_in_float32_are_one_error_not_nan_rows():
    model = WordVectors(["a", "b", "c"], np.array([[3e38, 3e38], [3e38, 1], [1, 2]], dtype=np.float32), np.array([3, 2, 1]))
    for weighting in ("mean", "tfidf"):
        with pytest.raises(ParameterError, match=r"the document vectors overflow float32: .* values up to 3e\+38"):
            DocumentVectorizer(model, weighting=weighting).fit_transform(["a b a b", "c a"])
    # SIF's small weights keep the sums finite; their norms overflow float32, and must not zero the rows.
    rows = DocumentVectorizer(model, weighting="sif", remove_components=0).fit_transform(["a b a b", "c a"])
    np.testing.assert_allclose(np.linalg.norm(rows.astype(np.float64), axis=1), [1, 1], rtol=1e-6)


def test_common_components_of_huge_float64_vectors_are_found():
    # float64 vectors near 1e300 average to finite documents whose Gram matrix would overflow.
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(6, 4)) * 1e300
    model = WordVectors(list("abcdef"), vectors, np.arange(6, 0, -1))
    rows = DocumentVectorizer(model, weighting="tfidf").fit_transform(["a b c", "d e", "f a", "b d e"])
    assert np.isfinite(rows).all()
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1, rtol=1e-6)


# -- words outside the vocabulary of a model with character n-grams ----------------------

def test_documents_use_the_composed_vectors_of_words_outside_the_vocabulary():
    import wordvec
    from wordvec.arrays import unit_rows

    lines = ["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands",
             "a kingly queen and a queenly king", "the land of the kings"] * 30
    model = wordvec.build(lines, dim=3, min_count=1, window=2, subsample=0, subwords=True, buckets=5000)
    documents = ["the kingz rules", "xyz", "kingz kingz queen"]
    vectorizer = DocumentVectorizer(model, weighting="mean", remove_components=0, normalize=False)
    result = vectorizer.fit_transform(documents)
    # kingz: its n-grams' direction, pulled toward king and kings (one letter away), weighted by the root of their counts.
    ngram_direction = unit_rows(model.subwords.compose(["kingz"]).vectors)[0]
    near = [model.index("king"), model.index("kings")]
    misspelt = unit_rows((np.sqrt(model.counts[near].astype(np.float64)) @ model.unit_vectors[near])[None, :])[0]
    kingz = unit_rows((ngram_direction + misspelt)[None, :])[0]
    np.testing.assert_allclose(model["kingz"], kingz, rtol=1e-5, atol=1e-6)
    vectors = {word: model.vectors[model.index(word)] for word in ("the", "rules", "queen")}
    np.testing.assert_allclose(result[0], (vectors["the"] + kingz + vectors["rules"]) / 3, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result[2], (2 * kingz + vectors["queen"]) / 3, rtol=1e-5, atol=1e-6)
    assert not result[1].any() and vectorizer.n_empty_ == 1  # xyz: none of its n-grams is known
    foreign = vectorizer.transform(["жжж the"])  # a word of characters no vocabulary word has: left out
    np.testing.assert_allclose(foreign[0], vectors["the"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.document_vector("the kingz rules", normalize=False), result[0], rtol=1e-5)
    tfidf = DocumentVectorizer(model, weighting="tfidf", remove_components=0, normalize=False).fit(["the rules"])
    weight = tfidf.idf_.max()  # a word never seen in fit: document frequency 0
    expected = (tfidf.idf_[model.index("the")] * vectors["the"] + weight * kingz) / (tfidf.idf_[model.index("the")] + weight)
    np.testing.assert_allclose(tfidf.transform(["the kingz"])[0], expected, rtol=1e-5, atol=1e-6)
